-- sshkeyd schema, SQLite. Applied migrations are never edited; add a new file.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- One row per project. key_count enforces the quota and shared_count makes
-- the list total an O(1) read even in a project with 100,000 keys.
CREATE TABLE projects (
    id           INTEGER PRIMARY KEY CHECK (id > 0),
    key_count    INTEGER NOT NULL DEFAULT 0 CHECK (key_count >= 0),
    shared_count INTEGER NOT NULL DEFAULT 0 CHECK (shared_count >= 0)
);

-- Unshared keys per (project, owner): the rest of the list total.
CREATE TABLE private_key_counts (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    owner_id   INTEGER NOT NULL REFERENCES users (id),
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (project_id, owner_id)
) WITHOUT ROWID;

-- Tokens are looked up by their public id; only a SHA-256 of the secret part
-- is stored.
CREATE TABLE tokens (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    secret_hash  BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
) WITHOUT ROWID;

CREATE TABLE token_projects (
    token_id   TEXT    NOT NULL REFERENCES tokens (id),
    project_id INTEGER NOT NULL REFERENCES projects (id),
    PRIMARY KEY (token_id, project_id)
) WITHOUT ROWID;

-- A rowid table: inserts append to the table and to the created_at index,
-- and only the two small indexes take random writes.
CREATE TABLE ssh_keys (
    seq         INTEGER PRIMARY KEY,
    id          BLOB    NOT NULL UNIQUE CHECK (length(id) = 16),
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    name        TEXT    NOT NULL,
    public_key  TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    shared      INTEGER NOT NULL CHECK (shared IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX ssh_keys_project_name ON ssh_keys (project_id, name);
CREATE INDEX ssh_keys_project_created ON ssh_keys (project_id, created_at, id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    project_id  INTEGER NOT NULL,
    key_id      BLOB    NOT NULL,
    fingerprint TEXT    NOT NULL,
    request_id  TEXT    NOT NULL
);
CREATE INDEX audit_events_project ON audit_events (project_id, id);
