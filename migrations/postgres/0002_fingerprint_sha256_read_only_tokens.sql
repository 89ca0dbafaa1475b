-- SHA-256 fingerprints (what `ssh-keygen -l` prints and sshd passes as %f),
-- indexed with the MD5 ones for lookups by fingerprint, and read-only tokens.
-- Mirrors migrations/sqlite/0002_fingerprint_sha256_read_only_tokens.sql.

ALTER TABLE ssh_keys ADD COLUMN fingerprint_sha256 TEXT;
-- Existing rows: SHA-256 over the blob, the second whitespace-separated
-- field of the stored text, as unpadded base64 after `SHA256:`. (encode()
-- wraps base64 at 76 characters; a 32-byte digest is 44.)
UPDATE ssh_keys SET fingerprint_sha256 = 'SHA256:' || rtrim(encode(sha256(decode(
    (regexp_split_to_array(btrim(public_key, E' \t\r\n'), E'[ \t]+'))[2], 'base64')), 'base64'), '=');
ALTER TABLE ssh_keys ALTER COLUMN fingerprint_sha256 SET NOT NULL;
CREATE INDEX ssh_keys_project_fingerprint_sha256 ON ssh_keys (project_id, fingerprint_sha256);
CREATE INDEX ssh_keys_project_fingerprint ON ssh_keys (project_id, fingerprint);

ALTER TABLE tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT false;
