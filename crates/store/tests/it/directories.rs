//! Directories, SCIM users and groups: concurrency on one group, filter translation against
//! the reference semantics (`scim::Filter::matches`), lifecycle bookkeeping.

use scim::schema::USER;
use serde_json::{Value, json};
use store::testing::{fresh, instance_owner};
use store::{
    Actor, Backend, DirectoryScope, GroupChange, MemberChange, ScimAuthMode, ScimListSpec,
    StoreError, UsersOf, VERSION_CHANGED,
};

fn actor() -> Actor {
    Actor::system("test")
}

async fn directory(db: &store::Store) -> DirectoryScope {
    let owner = instance_owner();
    let org = db.create_org(&owner, &actor(), "Acme").await.unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    let created = db
        .create_scim_directory(&scope, &actor(), "Okta", ScimAuthMode::Bearer)
        .await
        .unwrap();
    db.directory_scope(&owner, &created.directory.id)
        .await
        .unwrap()
}

fn user(name: &str, given: &str, active: bool) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": { "givenName": given },
        "externalId": format!("ext-{given}"),
        "active": active
    })
}

async fn concurrent_group_patches_lose_nothing(backend: Backend) {
    let db = fresh(backend).await;
    let dir = directory(&db).await;
    let mut users = Vec::new();
    for n in 0..40 {
        let record = db
            .scim_create_user(
                &dir,
                &actor(),
                user(&format!("u{n}@x.com"), "U", true),
                None,
            )
            .await
            .unwrap();
        users.push(record.id);
    }
    let group = db
        .scim_create_group(
            &dir,
            &actor(),
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G" }),
            Vec::new(),
        )
        .await
        .unwrap();
    let (left, right) = users.split_at(20);
    let add_all = |ids: Vec<String>| {
        let db = db.store.clone();
        let dir = dir.clone();
        let group = group.id.clone();
        tokio::spawn(async move {
            for id in ids {
                let change = GroupChange {
                    members: Some(MemberChange::Delta {
                        adds: vec![id],
                        removes: Vec::new(),
                    }),
                    ..GroupChange::default()
                };
                db.scim_change_group(&dir, &actor(), &group, &change)
                    .await
                    .unwrap();
            }
        })
    };
    let (a, b) = (add_all(left.to_vec()), add_all(right.to_vec()));
    a.await.unwrap();
    b.await.unwrap();
    let members = db.scim_group_members(&dir, &group.id).await.unwrap();
    assert_eq!(members.len(), 40);
    let after = db.scim_get_group(&dir, &group.id).await.unwrap();
    assert_eq!(
        after.version, 41,
        "every PATCH bumped the version exactly once"
    );
    let listed = db
        .list_directory_groups(&dir, &store::PageRequest::default(), None)
        .await
        .unwrap();
    assert_eq!(listed.items[0].member_count, 40);

    // A write that expected an older version is refused, and changes nothing.
    let stale = GroupChange {
        members: Some(MemberChange::Replace(Vec::new())),
        expected_version: Some(1),
        ..GroupChange::default()
    };
    let err = db
        .scim_change_group(&dir, &actor(), &group.id, &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { constraint } if constraint == VERSION_CHANGED),
        "{err:?}"
    );
    assert_eq!(
        db.scim_group_members(&dir, &group.id).await.unwrap().len(),
        40
    );
}

async fn sql_filters_agree_with_the_reference_semantics(backend: Backend) {
    let db = fresh(backend).await;
    let dir = directory(&db).await;
    let people = [
        ("Alice@Example.com", "Alice", true),
        ("bob@example.com", "Bob", false),
        ("carol@other.org", "Carol", true),
        ("dave_%@example.com", "Dave", true),
        ("Émile@example.com", "Émile", true),
    ];
    for (name, given, active) in people {
        db.scim_create_user(&dir, &actor(), user(name, given, active), None)
            .await
            .unwrap();
    }
    let all = db
        .scim_list_users(
            &dir,
            &ScimListSpec {
                count: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let rendered: Vec<(String, Value)> = all
        .records
        .iter()
        .map(|r| {
            let meta = scim::resource::Meta {
                created: r.created_at,
                last_modified: r.updated_at,
                version: r.version.to_string(),
            };
            let value = scim::resource::render(
                serde_json::from_str(&r.data).unwrap(),
                &USER,
                &r.id,
                "",
                &meta,
            );
            (r.id.clone(), value)
        })
        .collect();
    let filters = [
        r#"userName eq "alice@example.com""#,
        r#"userName ne "alice@example.com""#,
        r#"userName co "EXAMPLE""#,
        r#"userName sw "b""#,
        r#"userName ew ".org""#,
        r#"userName co "_%""#,
        r#"userName co """#,
        r#"userName gt "bob@example.com""#,
        r#"userName le "carol@other.org""#,
        r#"userName eq "émile@example.com""#,
        r#"active eq true"#,
        r#"active eq "False""#,
        r#"not (active eq true) or userName sw "c""#,
        r#"externalId eq "ext-Bob""#,
        r#"externalId eq "EXT-BOB""#,
        r#"externalId pr"#,
        r#"externalId eq null"#,
        r#"meta.created gt "2000-01-01T00:00:00Z""#,
        r#"meta.lastModified lt "2000-01-01T00:00:00Z""#,
        r#"name.givenName eq "carol""#,
        r#"userName sw "a" and name.givenName co "lic""#,
    ];
    for text in filters {
        let filter: scim::Filter = text.parse().unwrap();
        filter.validate(&USER).unwrap();
        let page = db
            .scim_list_users(
                &dir,
                &ScimListSpec {
                    filter: Some(&filter),
                    count: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
        let mut got: Vec<String> = page.records.into_iter().map(|r| r.id).collect();
        let mut want: Vec<String> = rendered
            .iter()
            .filter(|(_, v)| filter.matches(v, &USER))
            .map(|(id, _)| id.clone())
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{text}");
        assert_eq!(page.total as usize, want.len(), "{text}");
    }
}

async fn deleting_a_user_keeps_counts_and_frees_the_name(backend: Backend) {
    let db = fresh(backend).await;
    let dir = directory(&db).await;
    let first = db
        .scim_create_user(&dir, &actor(), user("dana@x.com", "Dana", true), None)
        .await
        .unwrap();
    let clash = db
        .scim_create_user(&dir, &actor(), user("DANA@X.COM", "Dana", true), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&clash, StoreError::Conflict { constraint } if constraint == store::USER_NAME_TAKEN),
        "{clash:?}"
    );
    db.scim_delete_user(&dir, &actor(), &first.id)
        .await
        .unwrap();
    assert!(matches!(
        db.scim_get_user(&dir, &first.id).await,
        Err(StoreError::NotFound { .. })
    ));
    let again = db
        .scim_create_user(&dir, &actor(), user("dana@x.com", "Dana", true), None)
        .await
        .unwrap();
    assert_ne!(again.id, first.id, "ids are never reused");
    let directory = db.get_directory(&dir).await.unwrap();
    assert_eq!(directory.user_count, 1);
    let users = db
        .list_directory_users(&dir, &store::PageRequest::default(), None)
        .await
        .unwrap();
    let old_person = users.items[0].person_id.clone();
    assert!(old_person.starts_with("per_"));
}

/// Concurrent writes share group commits on SQLite: a write that fails (a taken userName)
/// must undo only itself, and every acknowledged write must be there with its audit entry.
async fn a_failing_write_undoes_only_itself(backend: Backend) {
    let db = fresh(backend).await;
    let dir = directory(&db).await;
    let mut tasks = Vec::new();
    for n in 0..24 {
        let (db, dir) = (db.store.clone(), dir.clone());
        // Every fourth name repeats its predecessor's: one of each pair must fail.
        let name = format!("u{}@x.com", if n % 4 == 3 { n - 1 } else { n });
        tasks.push(tokio::spawn(async move {
            db.scim_create_user(&dir, &actor(), user(&name, "U", true), None)
                .await
                .map(|record| (name, record.id))
        }));
    }
    let mut created = Vec::new();
    let mut clashes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(pair) => created.push(pair),
            Err(StoreError::Conflict { constraint }) => {
                assert_eq!(constraint, store::USER_NAME_TAKEN);
                clashes += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((created.len(), clashes), (18, 6));
    for (name, id) in &created {
        let record = db.scim_get_user(&dir, id).await.unwrap();
        assert!(record.data.contains(name.as_str()), "{}", record.data);
    }
    assert_eq!(db.get_directory(&dir).await.unwrap().user_count, 18);
    let audit = db
        .list_audit(
            store::FeedView::Org(dir.org_scope()),
            &store::PageRequest {
                after: None,
                limit: Some(500),
            },
        )
        .await
        .unwrap();
    let user_entries = audit
        .items
        .iter()
        .filter(|e| e.action == "scim.user.created")
        .count();
    assert_eq!(user_entries, 18, "one audit entry per acknowledged write");
}

/// Deleted groups past their grace period are purged once, audited with what was destroyed,
/// even when two replicas purge at the same moment; others stay restorable.
async fn expired_groups_are_purged_once_and_audited(backend: Backend) {
    let db = fresh(backend).await;
    let dir = directory(&db).await;
    let member = db
        .scim_create_user(&dir, &actor(), user("m@x.com", "M", true), None)
        .await
        .unwrap();
    let group = |name: &str| json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name });
    let old = db
        .scim_create_group(&dir, &actor(), group("Old"), vec![member.id.clone()])
        .await
        .unwrap();
    let kept = db
        .scim_create_group(&dir, &actor(), group("Kept"), Vec::new())
        .await
        .unwrap();
    db.scim_delete_group(&dir, &actor(), &old.id).await.unwrap();
    assert!(
        db.purge_expired_groups(time::OffsetDateTime::now_utc(), 100)
            .await
            .unwrap()
            .is_empty(),
        "still within its grace period"
    );
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(31);
    let replica = store::Store::open(&db.connect_options(), store::MasterKey::generate().unwrap())
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        db.purge_expired_groups(later, 100),
        replica.purge_expired_groups(later, 100)
    );
    let purged: Vec<store::PurgeSummary> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    assert_eq!(purged.len(), 1, "{purged:?}");
    assert_eq!(purged[0].group_id, old.id);
    assert_eq!(purged[0].members, 1);
    assert!(db.purge_preview(&dir, &old.id).await.is_err());
    db.scim_get_group(&dir, &kept.id).await.unwrap();
    let audit = db
        .list_audit(
            store::FeedView::Org(dir.org_scope()),
            &store::PageRequest {
                after: None,
                limit: Some(500),
            },
        )
        .await
        .unwrap();
    let entries: Vec<&store::AuditEntry> = audit
        .items
        .iter()
        .filter(|e| e.action == "group.purged")
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_kind, "scheduler");
    assert_eq!(entries[0].details["display_name"], "Old");
    assert_eq!(entries[0].details["members"], 1);
    assert_eq!(entries[0].details["reason"], "grace_period_ended");
    replica.close().await;
}

/// A user's groups come from one query for a whole page, deleted groups excluded.
async fn user_groups_for_a_page(backend: Backend) {
    let db = fresh(backend).await;
    let dir = directory(&db).await;
    let a = db
        .scim_create_user(&dir, &actor(), user("a@x.com", "A", true), None)
        .await
        .unwrap();
    let b = db
        .scim_create_user(&dir, &actor(), user("b@x.com", "B", true), None)
        .await
        .unwrap();
    let group = |name: &str| json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name });
    let zeta = db
        .scim_create_group(
            &dir,
            &actor(),
            group("Zeta"),
            vec![a.id.clone(), b.id.clone()],
        )
        .await
        .unwrap();
    let alpha = db
        .scim_create_group(&dir, &actor(), group("alpha"), vec![a.id.clone()])
        .await
        .unwrap();
    let gone = db
        .scim_create_group(&dir, &actor(), group("Gone"), vec![b.id.clone()])
        .await
        .unwrap();
    db.scim_delete_group(&dir, &actor(), &gone.id)
        .await
        .unwrap();
    // A user of another directory, created between them in id order, in a group there.
    let other_dir = directory(&db).await;
    let stranger = db
        .scim_create_user(&other_dir, &actor(), user("s@x.com", "S", true), None)
        .await
        .unwrap();
    db.scim_create_group(
        &other_dir,
        &actor(),
        group("Elsewhere"),
        vec![stranger.id.clone()],
    )
    .await
    .unwrap();
    let groups = db
        .scim_user_groups(&dir, UsersOf::Ids(&[b.id.as_str(), a.id.as_str()]))
        .await
        .unwrap();
    let (first, last) = if a.id < b.id {
        (&a.id, &b.id)
    } else {
        (&b.id, &a.id)
    };
    for last in [last, &stranger.id] {
        let in_range = db
            .scim_user_groups(&dir, UsersOf::IdRange { first, last })
            .await
            .unwrap();
        assert_eq!(in_range, groups, "the range holds the same users' groups");
    }
    let only_first = db
        .scim_user_groups(&dir, UsersOf::IdRange { first, last: first })
        .await
        .unwrap();
    assert!(!only_first.is_empty() && only_first.iter().all(|g| &g.user_id == first));
    let seen: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.user_id.as_str(), g.display_name.as_str()))
        .collect();
    // Sorted by user, then by name case-insensitively ("alpha" before "Zeta").
    let mut expected = vec![
        (a.id.as_str(), "alpha"),
        (a.id.as_str(), "Zeta"),
        (b.id.as_str(), "Zeta"),
    ];
    expected.sort_by(|x, y| x.0.cmp(y.0));
    assert_eq!(seen, expected);
    assert!(
        groups
            .iter()
            .all(|g| g.group_id == zeta.id || g.group_id == alpha.id)
    );
    assert!(
        db.scim_user_groups(&dir, UsersOf::Ids(&[]))
            .await
            .unwrap()
            .is_empty()
    );
}

store::both_backends!(
    concurrent_group_patches_lose_nothing,
    sql_filters_agree_with_the_reference_semantics,
    deleting_a_user_keeps_counts_and_frees_the_name,
    a_failing_write_undoes_only_itself,
    expired_groups_are_purged_once_and_audited,
    user_groups_for_a_page,
);
