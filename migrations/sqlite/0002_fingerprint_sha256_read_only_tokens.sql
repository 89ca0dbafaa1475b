-- SHA-256 fingerprints (what `ssh-keygen -l` prints and sshd passes as %f),
-- indexed with the MD5 ones for lookups by fingerprint, and read-only tokens.
--
-- SQLite has no SHA-256 function: existing rows get their fingerprint from
-- the Rust hook that runs after this file, in the same transaction
-- (store/sqlite/connection.rs). The empty default exists only because
-- SQLite cannot add a NOT NULL column without one; every insert sets it.
ALTER TABLE ssh_keys ADD COLUMN fingerprint_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX ssh_keys_project_fingerprint_sha256 ON ssh_keys (project_id, fingerprint_sha256);
CREATE INDEX ssh_keys_project_fingerprint ON ssh_keys (project_id, fingerprint);

ALTER TABLE tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1));
