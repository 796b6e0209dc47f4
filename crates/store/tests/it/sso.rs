//! SSO connections, flows, the replay cache and one-time codes.

use serde_json::json;
use store::testing::{expire_sso_state, fresh, instance_owner, principal};
use store::{
    Actor, Backend, FlowLookup, LoginCompletion, MasterKey, NewSsoConnection, NewSsoFlow,
    OidcConfig, OrgScope, Role, SamlConfig, SsoConnection, SsoConnectionId, SsoLogin, SsoProfile,
    SsoProtocol, SsoSecrets, Store, StoreError, TrustedCertificate,
};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

fn actor() -> Actor {
    Actor::system("test")
}

fn cert(name: &str, days: i64) -> TrustedCertificate {
    TrustedCertificate {
        der_base64: format!("der-{name}"),
        sha256: format!("fp-{name}"),
        not_after: OffsetDateTime::now_utc() + Duration::days(days),
        retired_at: None,
    }
}

fn saml(certs: Vec<TrustedCertificate>) -> SamlConfig {
    SamlConfig {
        sp_entity_id: "https://gh.test/sso/saml/x/metadata".into(),
        acs_url: "https://gh.test/sso/saml/x/acs".into(),
        sp_certificate_pem: "PEM".into(),
        idp_entity_id: "http://www.okta.com/exk1".into(),
        idp_sso_url: "https://acme.okta.com/app/x/sso/saml".into(),
        idp_metadata_url: Some("https://acme.okta.com/app/exk1/sso/saml/metadata".into()),
        idp_certificates: certs,
        allow_idp_initiated: false,
        allow_sha1: false,
        clock_skew_seconds: 180,
        require_signed_assertion: false,
        sign_authn_requests: false,
        metadata_refreshed_at: None,
        metadata_error: None,
    }
}

async fn org(db: &Store, name: &str) -> OrgScope {
    let owner = instance_owner();
    let org = db.create_org(&owner, &actor(), name).await.unwrap();
    owner.org_scope(&org.id).unwrap()
}

async fn saml_connection(
    db: &Store,
    scope: &OrgScope,
    due: Option<OffsetDateTime>,
) -> SsoConnection {
    db.create_sso_connection(
        scope,
        &actor(),
        NewSsoConnection {
            id: SsoConnectionId::generate(),
            name: "Okta".into(),
            redirect_uris: vec!["https://app.test/callback".into()],
            protocol: SsoProtocol::Saml(saml(vec![cert("a", 365)])),
            next_refresh_at: due,
            secrets: SsoSecrets {
                sp_private_key_pem: Some(Zeroizing::new("KEY-PEM".into())),
                oidc_client_secret: None,
            },
        },
    )
    .await
    .unwrap()
}

fn profile(connection: &SsoConnection) -> SsoProfile {
    SsoProfile {
        id: "prof_1".into(),
        email: Some("dana@example.com".into()),
        first_name: Some("Dana".into()),
        last_name: Some("Ng".into()),
        groups: vec!["Sales".into()],
        attributes: json!({ "email": "dana@example.com" }),
        idp_subject: "dana@example.com".into(),
        connection_id: connection.id.to_string(),
        org_id: connection.org_id.to_string(),
    }
}

fn login(connection: &SsoConnection, assertion_id: Option<&str>) -> SsoLogin {
    SsoLogin {
        attempt_id: "att_1".into(),
        request_id: None,
        profile: profile(connection),
        assertion: assertion_id.map(|id| {
            (
                id.to_owned(),
                OffsetDateTime::now_utc() + Duration::minutes(8),
            )
        }),
        details: json!({}),
    }
}

async fn minted(db: &Store, connection: &SsoConnection, assertion_id: &str) -> String {
    match db
        .complete_sso_login(connection, login(connection, Some(assertion_id)))
        .await
        .unwrap()
    {
        LoginCompletion::Minted(code) => code.expose().to_owned(),
        LoginCompletion::Replayed => panic!("not a replay"),
    }
}

async fn connections_are_crud_with_sealed_secrets_and_org_bound(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let b = org(&db, "B").await;
    let created = saml_connection(&db, &a, None).await;
    assert!(created.id.as_str().starts_with("conn_"));

    let got = db.get_sso_connection(&a, &created.id).await.unwrap();
    assert_eq!(got.name, "Okta");
    assert!(matches!(got.protocol, SsoProtocol::Saml(_)));
    assert!(matches!(
        db.get_sso_connection(&b, &created.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        db.list_sso_connections(&a, &Default::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        db.list_sso_connections(&b, &Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        db.sso_sp_private_key(&got).await.unwrap().unwrap().as_str(),
        "KEY-PEM"
    );

    let updated = db
        .update_sso_connection(&a, &actor(), &created.id, &SsoSecrets::default(), |c| {
            c.name = "Okta prod".into();
            if let SsoProtocol::Saml(s) = &mut c.protocol {
                s.allow_idp_initiated = true;
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(updated.name, "Okta prod");
    let again = db.get_sso_connection(&a, &created.id).await.unwrap();
    let SsoProtocol::Saml(s) = &again.protocol else {
        panic!()
    };
    assert!(s.allow_idp_initiated);
    assert_eq!(
        db.sso_sp_private_key(&again)
            .await
            .unwrap()
            .unwrap()
            .as_str(),
        "KEY-PEM",
        "secrets not given are kept"
    );

    let empty = db
        .update_sso_connection(&a, &actor(), &created.id, &SsoSecrets::default(), |c| {
            c.redirect_uris.clear();
            Ok(())
        })
        .await;
    assert!(matches!(empty, Err(StoreError::Invalid(_))), "{empty:?}");

    let viewer = principal(Some(a.org_id().clone()), Role::Viewer)
        .org_scope(a.org_id())
        .unwrap();
    assert!(matches!(
        db.delete_sso_connection(&viewer, &actor(), &created.id)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        db.delete_sso_connection(&b, &actor(), &created.id).await,
        Err(StoreError::NotFound { .. })
    ));
    db.delete_sso_connection(&a, &actor(), &created.id)
        .await
        .unwrap();
    assert!(
        db.sso_connection_unscoped(&created.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.sso_sp_private_key(&again).await.unwrap().is_none(),
        "secrets go too"
    );
}

async fn oidc_client_secrets_are_sealed(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let created = db
        .create_sso_connection(
            &a,
            &actor(),
            NewSsoConnection {
                id: SsoConnectionId::generate(),
                name: "Okta OIDC".into(),
                redirect_uris: vec!["https://app.test/cb".into()],
                protocol: SsoProtocol::Oidc(OidcConfig {
                    issuer: "https://acme.okta.com".into(),
                    client_id: "0oa1".into(),
                    callback_url: "https://gh.test/sso/oidc/x/callback".into(),
                    scopes: vec!["openid".into()],
                    groups_claim: "groups".into(),
                    fetch_userinfo: false,
                }),
                next_refresh_at: None,
                secrets: SsoSecrets {
                    sp_private_key_pem: None,
                    oidc_client_secret: Some(Zeroizing::new("s3cret".into())),
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(
        db.sso_client_secret(&created)
            .await
            .unwrap()
            .unwrap()
            .as_str(),
        "s3cret"
    );
    let other = Store::open(&db.connect_options(), MasterKey::generate().unwrap())
        .await
        .unwrap();
    assert!(other.sso_client_secret(&created).await.is_err());
}

async fn flows_belong_to_one_browser_and_serve_once(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let connection = saml_connection(&db, &a, None).await;
    let other_connection = saml_connection(&db, &a, None).await;
    let start = |hash: &[u8]| NewSsoFlow {
        browser_hash: hash.to_vec(),
        request_id: "id42".into(),
        redirect_uri: "https://app.test/callback".into(),
        app_state: Some("xyz".into()),
        ttl: Duration::minutes(10),
    };
    let flow = db
        .start_sso_flow(&connection, start(b"browser-1"))
        .await
        .unwrap();
    assert!(matches!(
        db.take_sso_flow(&connection, &flow, b"browser-2")
            .await
            .unwrap(),
        FlowLookup::OtherBrowser
    ));
    assert!(matches!(
        db.take_sso_flow(&other_connection, &flow, b"browser-1")
            .await
            .unwrap(),
        FlowLookup::Unknown
    ));
    match db
        .take_sso_flow(&connection, &flow, b"browser-1")
        .await
        .unwrap()
    {
        FlowLookup::Taken(taken) => {
            assert_eq!(taken.request_id, "id42");
            assert_eq!(taken.app_state.as_deref(), Some("xyz"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        db.take_sso_flow(&connection, &flow, b"browser-1")
            .await
            .unwrap(),
        FlowLookup::AlreadyUsed
    ));

    let late = db
        .start_sso_flow(&connection, start(b"browser-1"))
        .await
        .unwrap();
    expire_sso_state(&db).await;
    assert!(matches!(
        db.take_sso_flow(&connection, &late, b"browser-1")
            .await
            .unwrap(),
        FlowLookup::Expired
    ));
    assert!(db.purge_expired_sso_state().await.unwrap() >= 2);
    assert!(matches!(
        db.take_sso_flow(&connection, &late, b"browser-1")
            .await
            .unwrap(),
        FlowLookup::Unknown
    ));
}

async fn assertions_are_accepted_once_and_codes_redeem_once(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let b = org(&db, "B").await;
    let connection = saml_connection(&db, &a, None).await;
    let other = saml_connection(&db, &a, None).await;
    let code = minted(&db, &connection, "id-assert-1").await;
    assert!(code.starts_with("ghc_"));
    assert!(matches!(
        db.complete_sso_login(&connection, login(&connection, Some("id-assert-1")))
            .await
            .unwrap(),
        LoginCompletion::Replayed
    ));
    // The cache is per connection.
    minted(&db, &other, "id-assert-1").await;

    let b_token = principal(Some(b.org_id().clone()), Role::Owner);
    assert!(matches!(
        db.redeem_sso_code(&b_token, &actor(), &code).await,
        Err(StoreError::NotFound { .. })
    ));
    let a_viewer = principal(Some(a.org_id().clone()), Role::Viewer);
    let got = db
        .redeem_sso_code(&a_viewer, &actor(), &code)
        .await
        .unwrap();
    assert_eq!(got, profile(&connection));
    assert!(matches!(
        db.redeem_sso_code(&a_viewer, &actor(), &code).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        db.redeem_sso_code(&instance_owner(), &actor(), "ghc_nonsense")
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let late = minted(&db, &connection, "id-assert-2").await;
    expire_sso_state(&db).await;
    assert!(matches!(
        db.redeem_sso_code(&instance_owner(), &actor(), &late).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn concurrent_redemptions_succeed_exactly_once(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let connection = saml_connection(&db, &a, None).await;
    for round in 0..3 {
        let code = minted(&db, &connection, &format!("id-race-{round}")).await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let replica = Store::open(&db.connect_options(), MasterKey::generate().unwrap())
                .await
                .unwrap();
            let code = code.clone();
            tasks.push(tokio::spawn(async move {
                replica
                    .redeem_sso_code(&instance_owner(), &Actor::system("test"), &code)
                    .await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::NotFound { .. }) => {}
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
}

async fn concurrent_replays_mint_exactly_once(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let connection = saml_connection(&db, &a, None).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let replica = Store::open(&db.connect_options(), MasterKey::generate().unwrap())
            .await
            .unwrap();
        let connection = connection.clone();
        tasks.push(tokio::spawn(async move {
            replica
                .complete_sso_login(&connection, login(&connection, Some("id-same")))
                .await
        }));
    }
    let mut minted = 0;
    for task in tasks {
        if let LoginCompletion::Minted(_) = task.await.unwrap().unwrap() {
            minted += 1;
        }
    }
    assert_eq!(minted, 1);
}

async fn metadata_refreshes_are_claimed_by_one_replica(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let past = OffsetDateTime::now_utc() - Duration::minutes(1);
    let due = saml_connection(&db, &a, Some(past)).await;
    saml_connection(
        &db,
        &a,
        Some(OffsetDateTime::now_utc() + Duration::hours(1)),
    )
    .await;
    saml_connection(&db, &a, None).await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let replica = Store::open(&db.connect_options(), MasterKey::generate().unwrap())
            .await
            .unwrap();
        tasks.push(tokio::spawn(async move {
            replica
                .claim_sso_metadata_refreshes(Duration::minutes(5), 10)
                .await
                .unwrap()
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, due.id);
    assert!(claimed[0].next_refresh_at.unwrap() > OffsetDateTime::now_utc());
}

async fn certificate_expiry_is_announced_once(backend: Backend) {
    let db = fresh(backend).await;
    let a = org(&db, "A").await;
    let connection = db
        .create_sso_connection(
            &a,
            &actor(),
            NewSsoConnection {
                id: SsoConnectionId::generate(),
                name: "Okta".into(),
                redirect_uris: vec!["https://app.test/cb".into()],
                protocol: SsoProtocol::Saml(saml(vec![cert("old", 10), cert("new", 700)])),
                next_refresh_at: None,
                secrets: SsoSecrets::default(),
            },
        )
        .await
        .unwrap();
    saml_connection(&db, &a, None).await;
    let soon = OffsetDateTime::now_utc() + Duration::days(30);
    let expiring = db
        .sso_connections_with_expiring_certificates(soon)
        .await
        .unwrap();
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0].id, connection.id);
    let not_after = OffsetDateTime::now_utc() + Duration::days(10);
    assert!(
        db.note_sso_certificate_expiry(&connection, "fp-old", not_after)
            .await
            .unwrap()
    );
    assert!(
        !db.note_sso_certificate_expiry(&connection, "fp-old", not_after)
            .await
            .unwrap()
    );
}

#[test]
fn rotation_keeps_retired_certificates_for_a_grace_period() {
    let now = OffsetDateTime::now_utc();
    let grace = Duration::days(1);
    let mut config = saml(vec![cert("a", 100)]);
    assert!(!config.rotate_certificates(vec![cert("a", 100)], now, grace));
    assert!(config.rotate_certificates(vec![cert("b", 300)], now, grace));
    let trusted: Vec<_> = config
        .trusted_at(now, grace)
        .into_iter()
        .map(|c| c.sha256.clone())
        .collect();
    assert_eq!(trusted, ["fp-b", "fp-a"], "old and new both accepted");
    assert!(config.idp_certificates[1].retired_at.is_some());
    // After the grace period the old one is no longer trusted, then dropped.
    let later = now + Duration::days(2);
    assert_eq!(config.trusted_at(later, grace).len(), 1);
    assert!(!config.rotate_certificates(vec![cert("b", 300)], later, grace));
    assert_eq!(config.idp_certificates.len(), 1);
    // A retired certificate that comes back is current again.
    let mut back = saml(vec![cert("a", 100)]);
    back.rotate_certificates(vec![cert("b", 300)], now, grace);
    assert!(back.rotate_certificates(vec![cert("a", 100), cert("b", 300)], now, grace));
    assert!(back.idp_certificates.iter().all(|c| c.retired_at.is_none()));
}

store::both_backends!(
    connections_are_crud_with_sealed_secrets_and_org_bound,
    oidc_client_secrets_are_sealed,
    flows_belong_to_one_browser_and_serve_once,
    assertions_are_accepted_once_and_codes_redeem_once,
    concurrent_redemptions_succeed_exactly_once,
    concurrent_replays_mint_exactly_once,
    metadata_refreshes_are_claimed_by_one_replica,
    certificate_expiry_is_announced_once,
);
