-- SSO: SAML and OIDC connections, sign-in flows in progress, the SAML replay cache, one-time
-- codes for the host application, and certificate-expiry notices.
-- Times are BIGINT milliseconds since the Unix epoch. Never edit once merged: add a migration.

-- One SSO connection of an org. Protocol settings that are not secret live in `config`
-- (JSON, encoded by the store's `sso_connections` module); secrets (the SP private key, the
-- OIDC client secret) are sealed in `secrets`. `revision` guards read-modify-write updates
-- (admin edits and scheduled metadata refreshes) against each other.
CREATE TABLE sso_connections (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    protocol          TEXT NOT NULL CHECK (protocol IN ('saml', 'oidc')),
    name              TEXT NOT NULL,
    redirect_uris     TEXT NOT NULL,
    config            TEXT NOT NULL,
    -- Next scheduled IdP metadata fetch; NULL when the connection has no metadata URL.
    -- A replica claims a refresh by moving it forward (a lease), so only one fetches.
    refresh_due_at    BIGINT,
    -- Earliest expiry among the trusted IdP certificates, for the expiry sweep.
    cert_expires_at   BIGINT,
    revision          BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX sso_connections_org ON sso_connections(org_id, id);
CREATE INDEX sso_connections_refresh ON sso_connections(refresh_due_at);

-- A sign-in started at /sso/{connection}/start. The id travels as RelayState (SAML) or
-- `state` (OIDC); browser_hash binds it to the browser that started it (SHA-256 of a cookie).
CREATE TABLE sso_flows (
    id              TEXT PRIMARY KEY,
    connection_id   TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
    browser_hash    BYTEA NOT NULL,
    request_id      TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    app_state       TEXT,
    pkce_verifier   TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    consumed_at     BIGINT
);
CREATE INDEX sso_flows_expires ON sso_flows(expires_at);

-- SAML assertion IDs already accepted: the primary key makes each one usable once across
-- every replica. Rows go after NotOnOrAfter plus the clock skew.
CREATE TABLE sso_replay_cache (
    connection_id   TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
    assertion_id    TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX sso_replay_cache_expires ON sso_replay_cache(expires_at);

-- One-time codes handed to the host application: only SHA-256 of the code is kept; used_at
-- is set by the single UPDATE that redeems it.
CREATE TABLE sso_codes (
    code_hash       BYTEA PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    connection_id   TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
    profile         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX sso_codes_expires ON sso_codes(expires_at);

-- Certificates whose coming expiry has been announced (audited once per certificate).
CREATE TABLE sso_certificate_notices (
    connection_id   TEXT NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
    fingerprint     TEXT NOT NULL,
    notified_at     BIGINT NOT NULL,
    PRIMARY KEY (connection_id, fingerprint)
);
