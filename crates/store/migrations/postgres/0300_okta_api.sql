-- The Okta API connector: synced rows carry Okta's id and the sync run that last saw them
-- (a full listing deletes what it did not mark), apps with their assignments, the sync
-- checkpoint with the lease that keeps one replica per directory syncing, and sync runs.
-- Times are BIGINT milliseconds since the Unix epoch. Never edit once merged: add a migration.

ALTER TABLE scim_users ADD COLUMN okta_id TEXT;
ALTER TABLE scim_users ADD COLUMN sync_run TEXT;
CREATE UNIQUE INDEX scim_users_okta_id ON scim_users(directory_id, okta_id)
    WHERE okta_id IS NOT NULL;

ALTER TABLE scim_groups ADD COLUMN okta_id TEXT;
ALTER TABLE scim_groups ADD COLUMN sync_run TEXT;
CREATE UNIQUE INDEX scim_groups_okta_id ON scim_groups(directory_id, okta_id)
    WHERE okta_id IS NOT NULL;

ALTER TABLE scim_group_members ADD COLUMN sync_run TEXT;

-- Apps of an Okta org. Assignments reference users and groups by Okta id: Okta lists them
-- independently of the users and groups, which may not be synced yet.
CREATE TABLE directory_apps (
    id            TEXT PRIMARY KEY,
    directory_id  TEXT NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
    okta_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    label         TEXT NOT NULL,
    status        TEXT NOT NULL,
    sign_on_mode  TEXT,
    data          TEXT NOT NULL,
    sync_run      TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX directory_apps_okta_id ON directory_apps(directory_id, okta_id);

CREATE TABLE directory_app_users (
    app_id        TEXT NOT NULL REFERENCES directory_apps(id) ON DELETE CASCADE,
    user_okta_id  TEXT NOT NULL,
    data          TEXT NOT NULL,
    sync_run      TEXT,
    PRIMARY KEY (app_id, user_okta_id)
);

CREATE TABLE directory_app_groups (
    app_id         TEXT NOT NULL REFERENCES directory_apps(id) ON DELETE CASCADE,
    group_okta_id  TEXT NOT NULL,
    data           TEXT NOT NULL,
    sync_run       TEXT,
    PRIMARY KEY (app_id, group_okta_id)
);

-- One row per Okta API directory: the sync checkpoint (saved in the same transaction as
-- the batch it follows), the schedule, and the lease a replica holds while it syncs.
CREATE TABLE directory_sync_state (
    directory_id      TEXT PRIMARY KEY REFERENCES directories(id) ON DELETE CASCADE,
    checkpoint        TEXT,
    schedule_secs     BIGINT,
    next_run_at       BIGINT,
    lease_holder      TEXT,
    lease_expires_at  BIGINT
);
CREATE INDEX directory_sync_state_due ON directory_sync_state(next_run_at);

-- Sync runs, queued by the API or the schedule and run by whichever replica holds the lease.
CREATE TABLE directory_syncs (
    id                TEXT PRIMARY KEY,
    directory_id      TEXT NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
    mode              TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
    cause             TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    phase             TEXT,
    progress_permille BIGINT,
    counts            TEXT NOT NULL DEFAULT '{}',
    api_calls         BIGINT NOT NULL DEFAULT 0,
    rate_limit_waits  BIGINT NOT NULL DEFAULT 0,
    error             TEXT,
    created_at        BIGINT NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT
);
CREATE INDEX directory_syncs_directory ON directory_syncs(directory_id, id);
CREATE INDEX directory_syncs_status ON directory_syncs(status, id);
