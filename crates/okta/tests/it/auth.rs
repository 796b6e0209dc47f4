//! Connecting: wrong domain, bad token, OAuth service app with and without DPoP.

use okta::auth::{Credentials, DpopMode, ServiceApp};
use okta::error::Error;
use okta::sync::{MemorySink, SyncMode};

use crate::{assert_matches, client_with, small_org, start, sync_ok};

fn service_app(sim: &okta_sim::SimHandle, dpop: DpopMode) -> Credentials {
    Credentials::ServiceApp(ServiceApp {
        client_id: sim.oauth_client_id().to_owned(),
        private_key_pem: sim.oauth_private_key_pem().into(),
        key_id: Some(sim.oauth_key_id().to_owned()),
        scopes: None,
        dpop,
    })
}

#[tokio::test]
async fn bad_token_is_reported_as_401() {
    let sim = start(small_org(5, 1, 1)).await;
    let client = client_with(&sim, Credentials::ApiToken("00bogus".into()), |_| {});
    let e = client.probe().await.unwrap_err();
    let okta = e.okta().unwrap();
    assert_eq!(
        (okta.status, okta.error_code.as_str()),
        (401, "E0000011"),
        "{e}"
    );
    assert_eq!(e.suggested_status(), 502);
}

#[tokio::test]
async fn wrong_domain_is_unreachable_not_a_hang() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let org = okta::domain::OrgUrl::parse(
        &format!("http://127.0.0.1:{port}"),
        okta::domain::DomainOptions {
            allow_insecure_http: true,
        },
    )
    .unwrap();
    let mut config = okta::client::ClientConfig::new(org, Credentials::ApiToken("00x".into()));
    config.max_retries = 1;
    let client = okta::client::Client::new(config).unwrap();
    let e = client.probe().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport(okta::transport::TransportError::Connect { .. })
        ),
        "{e}"
    );
    assert_eq!(e.code(), "okta_unreachable");
}

#[tokio::test]
async fn org_metadata_confirms_an_okta_org() {
    let sim = start(small_org(5, 1, 1)).await;
    let client = client_with(
        &sim,
        Credentials::ApiToken(sim.admin_token().into()),
        |_| {},
    );
    let meta = client.org_metadata().await.unwrap();
    assert!(meta.id.starts_with("00o"), "{meta:?}");
    assert_eq!(meta.organization_url.as_deref(), Some(sim.base_url()));
}

#[tokio::test]
async fn service_app_syncs_with_bearer_tokens() {
    let sim = start(small_org(50, 4, 2)).await;
    let client = client_with(&sim, service_app(&sim, DpopMode::Auto), |_| {});
    let caps = client.probe().await.unwrap();
    assert!(
        caps.can_sync() && caps.manage_users.is_allowed(),
        "{caps:?}"
    );
    assert!(
        caps.granted_scopes
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s == "okta.users.read"))
    );
    let mut sink = MemorySink::new();
    sync_ok(&client, &mut sink, SyncMode::Full).await;
    assert_matches(&sink, &sim);
}

#[tokio::test]
async fn service_app_requiring_dpop_works_with_nonce_round_trip() {
    let sim = start(okta_sim::SimConfig {
        oauth_dpop: true,
        ..small_org(50, 4, 2)
    })
    .await;
    let client = client_with(&sim, service_app(&sim, DpopMode::Auto), |_| {});
    let mut sink = MemorySink::new();
    sync_ok(&client, &mut sink, SyncMode::Full).await;
    assert_matches(&sink, &sim);
    let id = sink
        .users()
        .find(|u| u.status == okta::models::UserStatus::Active)
        .unwrap()
        .id
        .clone();
    client.suspend_user(&id).await.unwrap();
    client.unsuspend_user(&id).await.unwrap();
}
