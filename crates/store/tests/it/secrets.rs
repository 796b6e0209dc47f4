//! Secrets at rest: sealed, bound to their org, refused to other orgs and viewers.

use store::testing::{fresh, instance_owner, principal};
use store::{Actor, Backend, MasterKey, Role, Store, StoreError};

async fn secrets_round_trip_and_stay_in_their_org(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let b = db
        .create_org(&owner, &Actor::system("test"), "B")
        .await
        .unwrap();
    let scope_a = owner.org_scope(&a.id).unwrap();
    let scope_b = owner.org_scope(&b.id).unwrap();

    db.put_secret(&scope_a, "okta/api_token", b"00aBcD")
        .await
        .unwrap();
    let got = db
        .get_secret(&scope_a, "okta/api_token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.as_slice(), b"00aBcD");
    assert!(
        db.get_secret(&scope_b, "okta/api_token")
            .await
            .unwrap()
            .is_none()
    );

    db.put_secret(&scope_a, "okta/api_token", b"rotated")
        .await
        .unwrap();
    let got = db
        .get_secret(&scope_a, "okta/api_token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.as_slice(), b"rotated", "put replaces");
}

async fn viewers_cannot_write_secrets(backend: Backend) {
    let db = fresh(backend).await;
    let a = db
        .create_org(&instance_owner(), &Actor::system("test"), "A")
        .await
        .unwrap();
    let viewer = principal(Some(a.id.clone()), Role::Viewer)
        .org_scope(&a.id)
        .unwrap();
    assert!(matches!(
        db.put_secret(&viewer, "x", b"y").await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(db.get_secret(&viewer, "x").await.unwrap().is_none());
}

async fn a_different_master_key_cannot_read_secrets(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let scope = owner.org_scope(&a.id).unwrap();
    db.put_secret(&scope, "k", b"v").await.unwrap();
    let other = Store::open(&db.connect_options(), MasterKey::generate().unwrap())
        .await
        .unwrap();
    let err = other.get_secret(&scope, "k").await.unwrap_err();
    assert!(matches!(err, StoreError::Secret(_)), "{err}");
}

async fn secrets_are_not_stored_in_clear(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let scope = owner.org_scope(&a.id).unwrap();
    db.put_secret(&scope, "k", b"very-recognisable-plaintext")
        .await
        .unwrap();
    if backend == Backend::Sqlite {
        // The database file (and its WAL) must not contain the plaintext.
        let path = db.url.trim_start_matches("sqlite://").to_owned();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let needle = b"very-recognisable-plaintext";
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
}

async fn a_rolled_back_secret_is_not_kept(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let scope = owner.org_scope(&a.id).unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.put_secret(&scope, "k", b"v").await.unwrap();
    drop(tx);
    assert!(db.get_secret(&scope, "k").await.unwrap().is_none());
}

store::both_backends!(
    secrets_round_trip_and_stay_in_their_org,
    viewers_cannot_write_secrets,
    a_different_master_key_cannot_read_secrets,
    secrets_are_not_stored_in_clear,
    a_rolled_back_secret_is_not_kept,
);
