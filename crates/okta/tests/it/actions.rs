//! Actions and write-back against the simulator, including Okta's failures.

use okta::models::UserStatus;
use serde_json::json;

use crate::{admin_client, client_with, small_org, start};

fn active_user(sim: &okta_sim::SimHandle) -> String {
    let org = sim.org();
    org.users
        .values()
        .find(|u| {
            u.status.as_str() == "ACTIVE"
                && !u
                    .profile
                    .get("login")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .starts_with("admin")
        })
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn lifecycle_actions_follow_oktas_state_machine() {
    let sim = start(small_org(30, 3, 1)).await;
    let client = admin_client(&sim);
    let id = active_user(&sim);

    client.suspend_user(&id).await.unwrap();
    assert_eq!(
        client.get_user(&id).await.unwrap().status,
        UserStatus::Suspended
    );
    let e = client.suspend_user(&id).await.unwrap_err();
    assert_eq!(
        (
            e.okta().unwrap().status,
            e.okta().unwrap().error_code.as_str()
        ),
        (400, "E0000001"),
        "{e}"
    );
    client.unsuspend_user(&id).await.unwrap();
    assert_eq!(
        client.get_user(&id).await.unwrap().status,
        UserStatus::Active
    );
    let e = client.unsuspend_user(&id).await.unwrap_err();
    assert_eq!(e.okta().unwrap().error_code, "E0000001");

    client.deactivate_user(&id).await.unwrap();
    assert_eq!(
        client.get_user(&id).await.unwrap().status,
        UserStatus::Deprovisioned
    );
    let outcome = client.reactivate_user(&id).await.unwrap();
    assert_eq!(outcome, okta::actions::Reactivation::Activated);
    assert_ne!(
        client.get_user(&id).await.unwrap().status,
        UserStatus::Deprovisioned
    );

    client.delete_user(&id).await.unwrap();
    let e = client.get_user(&id).await.unwrap_err();
    assert_eq!(
        (
            e.okta().unwrap().status,
            e.okta().unwrap().error_code.as_str()
        ),
        (404, "E0000007")
    );
    let e = client.delete_user(&id).await.unwrap_err();
    assert_eq!(e.suggested_status(), 404);
}

#[tokio::test]
async fn group_membership_and_profile_write_back() {
    let sim = start(small_org(30, 3, 1)).await;
    let client = admin_client(&sim);
    let id = active_user(&sim);
    let group = {
        let org = sim.org();
        org.groups
            .values()
            .find(|g| g.kind.as_str() == "OKTA_GROUP" && !g.members.contains(&id))
            .unwrap()
            .id
            .clone()
    };
    client.add_group_member(&group, &id).await.unwrap();
    client.add_group_member(&group, &id).await.unwrap(); // idempotent
    assert!(sim.org().groups[&group].members.contains(&id));
    client.remove_group_member(&group, &id).await.unwrap();
    assert!(!sim.org().groups[&group].members.contains(&id));
    let everyone = sim.org().everyone_id.clone();
    let e = client.add_group_member(&everyone, &id).await.unwrap_err();
    assert!(
        e.okta().is_some(),
        "Everyone's membership is read-only: {e}"
    );

    // Registration Sync: set a custom boolean (when the schema has it).
    let schema = client.user_schema().await.unwrap();
    let has_attr = schema
        .custom_attributes()
        .iter()
        .any(|(n, _)| n == "byndidRegistered");
    let result = client
        .set_profile_attribute(&id, "byndidRegistered", json!(true))
        .await;
    if has_attr {
        let user = result.unwrap();
        assert_eq!(
            user.profile.extra.get("byndidRegistered"),
            Some(&json!(true))
        );
    } else {
        let e = result.unwrap_err();
        assert_eq!(
            (
                e.okta().unwrap().status,
                e.okta().unwrap().error_code.as_str()
            ),
            (400, "E0000001")
        );
    }
    let user = client
        .set_profile_attribute(&id, "department", json!("Research"))
        .await
        .unwrap();
    assert_eq!(user.profile.department.as_deref(), Some("Research"));
}

#[tokio::test]
async fn read_only_token_cannot_act_and_the_probe_says_so() {
    let sim = start(small_org(20, 2, 1)).await;
    let ro = client_with(
        &sim,
        okta::auth::Credentials::ApiToken(sim.readonly_token().into()),
        |_| {},
    );
    let id = active_user(&sim);
    let e = ro.delete_user(&id).await.unwrap_err();
    let okta = e.okta().unwrap();
    assert_eq!((okta.status, okta.error_code.as_str()), (403, "E0000006"));
    assert_eq!(e.suggested_status(), 403);
    assert_eq!(
        sim.org().users[&id].status.as_str(),
        "ACTIVE",
        "nothing changed"
    );

    let users_before = sim.org().users.len();
    let groups_before = sim.org().groups.len();
    let caps = ro.probe().await.unwrap();
    assert!(caps.can_sync());
    assert!(caps.read_logs.is_allowed());
    assert!(
        !caps.manage_users.is_allowed() && !caps.manage_groups.is_allowed(),
        "{caps:?}"
    );
    assert!(caps.denied_actions().contains(&"delete_user"));
    assert!(caps.principal.is_some());

    let admin = admin_client(&sim).probe().await.unwrap();
    assert!(
        admin.manage_users.is_allowed() && admin.manage_groups.is_allowed(),
        "{admin:?}"
    );
    assert!(admin.denied_actions().is_empty());
    assert_eq!(
        (sim.org().users.len(), sim.org().groups.len()),
        (users_before, groups_before),
        "the probe created nothing"
    );
}
