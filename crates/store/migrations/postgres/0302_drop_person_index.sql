-- Every lookup of directory users by person is of live users, which
-- scim_users_person_live serves; the full index only cost a B-tree insert per created user.
-- (people rows are never deleted, so the foreign key from scim_users needs no index.)
DROP INDEX scim_users_person;
