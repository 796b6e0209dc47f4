//! Admin tokens: bootstrap, verification, scoping, revocation.

use store::testing::{fresh, instance_owner, principal};
use store::{Actor, Backend, MasterKey, NewAdminToken, Role, Store, StoreError};

fn actor() -> Actor {
    Actor::system("test")
}

async fn bootstrap_mints_exactly_once(backend: Backend) {
    let db = fresh(backend).await;
    let minted = db
        .bootstrap_admin_token()
        .await
        .unwrap()
        .expect("first start mints");
    assert!(minted.token.expose().starts_with("gha_"));
    assert!(
        db.bootstrap_admin_token().await.unwrap().is_none(),
        "second start does not"
    );
    let p = db
        .verify_admin_token(minted.token.expose())
        .await
        .unwrap()
        .unwrap();
    assert!(p.is_instance_wide());
    assert_eq!(p.role(), Role::Owner);
}

async fn replicas_starting_together_mint_one_token(backend: Backend) {
    let db = fresh(backend).await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let replica = Store::open(&db.connect_options(), MasterKey::generate().unwrap())
            .await
            .unwrap();
        tasks.push(tokio::spawn(async move {
            replica.bootstrap_admin_token().await
        }));
    }
    let mut minted = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_some() {
            minted += 1;
        }
    }
    assert_eq!(minted, 1);
}

async fn bad_tokens_are_refused(backend: Backend) {
    let db = fresh(backend).await;
    let minted = db.bootstrap_admin_token().await.unwrap().unwrap();
    let good = minted.token.expose().to_owned();
    let mut flipped = good.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let other_id = format!("gha_0000000000.{}", good.split_once('.').unwrap().1);
    for bad in [
        "",
        "gha_",
        "Bearer x",
        "gha_x.y",
        flipped.as_str(),
        other_id.as_str(),
    ] {
        assert!(
            db.verify_admin_token(bad).await.unwrap().is_none(),
            "{bad:?} accepted"
        );
    }
}

async fn revoked_tokens_stop_working(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let minted = db
        .create_admin_token(
            &owner,
            &actor(),
            NewAdminToken {
                name: "ci".into(),
                org: None,
                role: Role::Admin,
            },
        )
        .await
        .unwrap();
    assert!(
        db.verify_admin_token(minted.token.expose())
            .await
            .unwrap()
            .is_some()
    );
    db.revoke_admin_token(&owner, &actor(), &minted.info.id)
        .await
        .unwrap();
    assert!(
        db.verify_admin_token(minted.token.expose())
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        db.revoke_admin_token(&owner, &actor(), &minted.info.id)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn org_owners_mint_only_for_their_org(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db.create_org(&owner, &actor(), "A").await.unwrap();
    let b = db.create_org(&owner, &actor(), "B").await.unwrap();
    let a_owner = principal(Some(a.id.clone()), Role::Owner);
    let viewer_for_a = db
        .create_admin_token(
            &a_owner,
            &actor(),
            NewAdminToken {
                name: "v".into(),
                org: Some(a.id.clone()),
                role: Role::Viewer,
            },
        )
        .await
        .unwrap();
    let p = db
        .verify_admin_token(viewer_for_a.token.expose())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.org(), Some(&a.id));
    assert_eq!(p.role(), Role::Viewer);
    assert!(matches!(
        db.create_admin_token(
            &a_owner,
            &actor(),
            NewAdminToken {
                name: "x".into(),
                org: Some(b.id.clone()),
                role: Role::Viewer
            }
        )
        .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        db.create_admin_token(
            &a_owner,
            &actor(),
            NewAdminToken {
                name: "x".into(),
                org: None,
                role: Role::Viewer
            }
        )
        .await,
        Err(StoreError::Forbidden(_))
    ));
    let a_admin = principal(Some(a.id.clone()), Role::Admin);
    assert!(matches!(
        db.create_admin_token(
            &a_admin,
            &actor(),
            NewAdminToken {
                name: "x".into(),
                org: Some(a.id.clone()),
                role: Role::Viewer
            }
        )
        .await,
        Err(StoreError::Forbidden(_))
    ));
}

async fn deleting_an_org_deletes_its_tokens(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db.create_org(&owner, &actor(), "A").await.unwrap();
    let minted = db
        .create_admin_token(
            &owner,
            &actor(),
            NewAdminToken {
                name: "t".into(),
                org: Some(a.id.clone()),
                role: Role::Owner,
            },
        )
        .await
        .unwrap();
    db.delete_org(&owner.org_scope(&a.id).unwrap(), &actor())
        .await
        .unwrap();
    assert!(
        db.verify_admin_token(minted.token.expose())
            .await
            .unwrap()
            .is_none()
    );
}

store::both_backends!(
    bootstrap_mints_exactly_once,
    replicas_starting_together_mint_one_token,
    bad_tokens_are_refused,
    revoked_tokens_stop_working,
    org_owners_mint_only_for_their_org,
    deleting_an_org_deletes_its_tokens,
);
