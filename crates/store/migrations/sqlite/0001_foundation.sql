-- Foundation: tenants, admin tokens, encrypted secrets, the audit log and the event feed.
-- Times are BIGINT milliseconds since the Unix epoch; ids are prefixed text (org_…, tok_…).
-- Never edit a migration that has been merged: add a new one.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- An admin token is `<id>.<secret>`; only SHA-256(secret) is stored. A NULL org_id means the
-- token reaches every org.
CREATE TABLE admin_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  BLOB NOT NULL,
    org_id       TEXT REFERENCES orgs(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX admin_tokens_org ON admin_tokens(org_id);

-- Envelope-encrypted secrets: a fresh data key per value, wrapped by the master key whose
-- fingerprint is key_id (so a wrong GATEHOUSE_MASTER_KEY is reported, not mis-decrypted).
CREATE TABLE secrets (
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    wrapped_key  BLOB NOT NULL,
    ciphertext   BLOB NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- Append-only. No foreign key to orgs: the record of what happened outlives the org.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    occurred_at  BIGINT NOT NULL,
    org_id       TEXT,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT,
    action       TEXT NOT NULL,
    target_kind  TEXT,
    target_id    TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason       TEXT,
    details      TEXT NOT NULL,
    request_id   TEXT
);
CREATE INDEX audit_log_org_seq ON audit_log(org_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Append-only feed for host applications (and webhooks). seq order is commit order.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    org_id        TEXT NOT NULL,
    directory_id  TEXT,
    data          TEXT NOT NULL
);
CREATE INDEX events_org_seq ON events(org_id, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
