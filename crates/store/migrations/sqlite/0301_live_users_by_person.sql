-- A person's live directory users, for settling their org membership. Without it a
-- database whose statistics are stale (a large first sync before ANALYZE) may combine the
-- person index with the partial userName index and scan every live user per lookup.
CREATE INDEX scim_users_person_live ON scim_users(person_id) WHERE deleted_at IS NULL;
