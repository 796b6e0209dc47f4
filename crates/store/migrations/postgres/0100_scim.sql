-- SCIM directories and the directory data model shared with the Okta API connector: org
-- domains, directories, people and their per-org memberships, directory users, groups
-- (teams) and group members. Times are BIGINT milliseconds; ids are prefixed text.

-- Email domains an org has proven it owns (set by an instance-wide admin). A person is linked
-- across orgs by email only when the provisioning org has claimed the email's domain.
CREATE TABLE org_domains (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    domain      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, domain)
);

-- A directory feeds users and groups into one org. Columns are grouped by kind: `scim_*`
-- only for kind 'scim'; `config` holds other kinds' settings as JSON.
CREATE TABLE directories (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('scim', 'okta_api')),
    name               TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    scim_auth          TEXT CHECK (scim_auth IN ('bearer', 'oauth_client_credentials')),
    scim_token_hash    BYTEA UNIQUE,
    scim_client_id     TEXT UNIQUE,
    scim_secret_hash   BYTEA,
    group_grace_days   BIGINT NOT NULL DEFAULT 30,
    password_sync      BOOLEAN NOT NULL DEFAULT FALSE,
    config             TEXT NOT NULL DEFAULT '{}',
    user_count         BIGINT NOT NULL DEFAULT 0,
    group_count        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX directories_org ON directories(org_id, id);

-- Short-lived bearer tokens issued by POST /oauth/token (SHA-256 only).
CREATE TABLE directory_access_tokens (
    token_hash    BYTEA PRIMARY KEY,
    directory_id  TEXT NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX directory_access_tokens_dir ON directory_access_tokens(directory_id);

-- One human, possibly a member of several orgs. `verified_email` (folded) is set only when
-- the person came in through an org that claimed the email's domain: it is the link key.
CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    verified_email  TEXT,
    email           TEXT,
    given_name      TEXT,
    family_name     TEXT,
    active          BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX people_verified_email ON people(verified_email)
    WHERE verified_email IS NOT NULL;

-- A person's membership of an org. Detached (active = false) when the org's directories
-- deactivate or delete them; never removed, so provisioning again re-attaches.
CREATE TABLE memberships (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people(id),
    active      BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, person_id)
);
CREATE INDEX memberships_person ON memberships(person_id);

-- Directory users. `data` is the normalised SCIM resource without id/meta/password; the
-- other columns are indexed copies. `user_name_key` is userName folded with scim::fold_case.
-- Deleted users stay (deleted_at) so re-provisioning the same userName finds its person.
CREATE TABLE scim_users (
    id             TEXT PRIMARY KEY,
    directory_id   TEXT NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
    person_id      TEXT NOT NULL REFERENCES people(id),
    user_name      TEXT NOT NULL,
    user_name_key  TEXT NOT NULL,
    external_id    TEXT,
    active         BOOLEAN NOT NULL,
    email          TEXT,
    given_name     TEXT,
    family_name    TEXT,
    display_name   TEXT,
    data           TEXT NOT NULL,
    password_hash  TEXT,
    version        BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted_at     BIGINT
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users(directory_id, user_name_key)
    WHERE deleted_at IS NULL;
-- Deleted users by name, to re-attach a re-provisioned user to their person.
CREATE INDEX scim_users_deleted_name ON scim_users(directory_id, user_name_key)
    WHERE deleted_at IS NOT NULL;
CREATE INDEX scim_users_directory ON scim_users(directory_id, id);
CREATE INDEX scim_users_external_id ON scim_users(directory_id, external_id);
CREATE INDEX scim_users_person ON scim_users(person_id);

-- Groups (teams). A deleted group is kept until purge_after so an admin can restore it.
CREATE TABLE scim_groups (
    id                TEXT PRIMARY KEY,
    directory_id      TEXT NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
    display_name      TEXT NOT NULL,
    display_name_key  TEXT NOT NULL,
    external_id       TEXT,
    data              TEXT NOT NULL,
    version           BIGINT NOT NULL,
    member_count      BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    deleted_at        BIGINT,
    purge_after       BIGINT
);
CREATE INDEX scim_groups_directory ON scim_groups(directory_id, id);
CREATE INDEX scim_groups_display_name ON scim_groups(directory_id, display_name_key);

-- One row per member, so adding or removing one member is one row whatever the group size.
CREATE TABLE scim_group_members (
    group_id  TEXT NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES scim_users(id) ON DELETE CASCADE,
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user ON scim_group_members(user_id);
