-- OIDC flows no longer store their PKCE verifier: the server derives it from the secret in
-- the browser's binding cookie (of which only a hash is stored), so reading the database is
-- not enough to redeem an intercepted authorization code.
ALTER TABLE sso_flows DROP COLUMN pkce_verifier;
