//! Orgs: lifecycle, pagination, tenancy and roles.

use store::testing::{fresh, instance_owner, principal};
use store::{Actor, Backend, PageRequest, Role, StoreError};

fn actor() -> Actor {
    Actor::system("test")
}

async fn create_get_rename_delete(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db.create_org(&owner, &actor(), "  Acme  ").await.unwrap();
    assert_eq!(org.name, "Acme", "names are trimmed");
    let scope = owner.org_scope(&org.id).unwrap();
    assert_eq!(db.get_org(&scope).await.unwrap().name, "Acme");

    let renamed = db.rename_org(&scope, &actor(), "Acme Corp").await.unwrap();
    assert_eq!(renamed.name, "Acme Corp");
    assert!(renamed.updated_at >= org.updated_at);

    db.delete_org(&scope, &actor()).await.unwrap();
    assert!(matches!(
        db.get_org(&scope).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        db.delete_org(&scope, &actor()).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn names_are_validated(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    for bad in ["", "   ", "a\u{0}b", &"x".repeat(201)] {
        assert!(
            matches!(
                db.create_org(&owner, &actor(), bad).await,
                Err(StoreError::Invalid(_))
            ),
            "{bad:?} accepted"
        );
    }
    let page = db.list_orgs(&owner, &PageRequest::default()).await.unwrap();
    assert!(page.items.is_empty(), "a refused create wrote nothing");
}

async fn only_instance_admins_create_orgs(backend: Backend) {
    let db = fresh(backend).await;
    let org = db
        .create_org(&instance_owner(), &actor(), "A")
        .await
        .unwrap();
    for p in [
        principal(Some(org.id.clone()), Role::Owner),
        principal(None, Role::Viewer),
    ] {
        assert!(matches!(
            db.create_org(&p, &actor(), "B").await,
            Err(StoreError::Forbidden(_))
        ));
    }
    assert!(
        db.create_org(&principal(None, Role::Admin), &actor(), "C")
            .await
            .is_ok()
    );
}

async fn listing_pages_through_every_org_once(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            db.create_org(&owner, &actor(), &format!("org {i}"))
                .await
                .unwrap()
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut request = PageRequest {
        after: None,
        limit: Some(3),
    };
    loop {
        let page = db.list_orgs(&owner, &request).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.into_iter().map(|o| o.id));
        match page.next_cursor {
            Some(c) => request.after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, created, "every org once, in creation order");
    let bad = PageRequest {
        after: Some("garbage".into()),
        limit: None,
    };
    assert!(matches!(
        db.list_orgs(&owner, &bad).await,
        Err(StoreError::InvalidCursor)
    ));
}

async fn an_org_token_sees_only_its_org(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db.create_org(&owner, &actor(), "A").await.unwrap();
    let b = db.create_org(&owner, &actor(), "B").await.unwrap();
    let a_admin = principal(Some(a.id.clone()), Role::Admin);
    let listed = db
        .list_orgs(&a_admin, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|o| &o.id).collect::<Vec<_>>(),
        vec![&a.id]
    );
    assert!(
        a_admin.org_scope(&b.id).is_none(),
        "no scope for a foreign org"
    );
}

async fn roles_limit_changes(backend: Backend) {
    let db = fresh(backend).await;
    let org = db
        .create_org(&instance_owner(), &actor(), "A")
        .await
        .unwrap();
    let viewer = principal(Some(org.id.clone()), Role::Viewer)
        .org_scope(&org.id)
        .unwrap();
    let admin = principal(Some(org.id.clone()), Role::Admin)
        .org_scope(&org.id)
        .unwrap();
    assert!(db.get_org(&viewer).await.is_ok(), "viewers read");
    assert!(matches!(
        db.rename_org(&viewer, &actor(), "X").await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        db.delete_org(&admin, &actor()).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(
        db.get_org(&viewer).await.unwrap().name,
        "A",
        "nothing changed"
    );
}

store::both_backends!(
    create_get_rename_delete,
    names_are_validated,
    only_instance_admins_create_orgs,
    listing_pages_through_every_org_once,
    an_org_token_sees_only_its_org,
    roles_limit_changes,
);
