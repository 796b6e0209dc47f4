use serde_json::Value;

use crate::common::{Org, error_code};

const STATUSES: [&str; 8] = [
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "PASSWORD_EXPIRED",
    "LOCKED_OUT",
    "SUSPENDED",
    "DEPROVISIONED",
];

/// Creates a user and drives it into `status` through the API (and the control API
/// for what only end users or policies can do).
async fn user_in(org: &Org, status: &str, n: usize) -> String {
    let login = format!("lc{n}.{}@example.org", status.to_lowercase());
    let (query, password) = match status {
        "STAGED" => ("?activate=false", false),
        "PROVISIONED" => ("", false),
        _ => ("", true),
    };
    let id = org.create_user(&login, query, password).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let step = match status {
        "RECOVERY" => Some(format!(
            "/api/v1/users/{id}/lifecycle/reset_password?sendEmail=false"
        )),
        "PASSWORD_EXPIRED" => Some(format!("/api/v1/users/{id}/lifecycle/expire_password")),
        "LOCKED_OUT" => Some(format!("/sim/v1/users/{id}/lock")),
        "SUSPENDED" => Some(format!("/api/v1/users/{id}/lifecycle/suspend")),
        "DEPROVISIONED" => Some(format!("/api/v1/users/{id}/lifecycle/deactivate")),
        _ => None,
    };
    if let Some(path) = step {
        assert_eq!(org.post_empty(&path).await.status(), 200, "{path}");
    }
    assert_eq!(
        org.get_json(&format!("/api/v1/users/{id}")).await["status"],
        status
    );
    id
}

/// Okta's answer for `op` from `from`: `Ok(new status)` or `Err((http status, code))`.
fn expected(op: &str, from: &str) -> Result<&'static str, (u16, &'static str)> {
    match (op, from) {
        ("activate", "STAGED") => Ok("PROVISIONED"),
        ("activate", "DEPROVISIONED") => Ok("ACTIVE"),
        ("activate", _) => Err((403, "E0000016")),
        ("reactivate", "PROVISIONED") => Ok("PROVISIONED"),
        ("reactivate", "RECOVERY") => Ok("RECOVERY"),
        ("reactivate", _) => Err((403, "E0000038")),
        ("deactivate", "DEPROVISIONED") => Err((403, "E0000038")),
        ("deactivate", _) => Ok("DEPROVISIONED"),
        ("suspend", "ACTIVE") => Ok("SUSPENDED"),
        ("suspend", _) => Err((400, "E0000001")),
        ("unsuspend", "SUSPENDED") => Ok("ACTIVE"),
        ("unsuspend", _) => Err((400, "E0000001")),
        ("unlock", "LOCKED_OUT") => Ok("ACTIVE"),
        ("unlock", _) => Err((403, "E0000032")),
        ("reset_password", "ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY" | "LOCKED_OUT") => {
            Ok("RECOVERY")
        }
        ("reset_password", "PROVISIONED") => Ok("PROVISIONED"),
        ("reset_password", _) => Err((403, "E0000038")),
        ("expire_password", "ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY" | "LOCKED_OUT") => {
            Ok("PASSWORD_EXPIRED")
        }
        ("expire_password", _) => Err((403, "E0000038")),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_lifecycle_transition_legal_and_illegal() {
    let org = Org::small().await;
    let ops = [
        "activate",
        "reactivate",
        "deactivate",
        "suspend",
        "unsuspend",
        "unlock",
        "reset_password",
        "expire_password",
    ];
    let mut n = 0;
    for op in ops {
        for from in STATUSES {
            n += 1;
            let id = user_in(&org, from, n).await;
            let query = if op == "reset_password" {
                "?sendEmail=false"
            } else {
                ""
            };
            let r = org
                .post_empty(&format!("/api/v1/users/{id}/lifecycle/{op}{query}"))
                .await;
            match expected(op, from) {
                Ok(to) => {
                    assert_eq!(r.status(), 200, "{op} from {from}");
                    let now = org.get_json(&format!("/api/v1/users/{id}")).await;
                    assert_eq!(now["status"], to, "{op} from {from}");
                }
                Err((status, code)) => {
                    assert_eq!(
                        error_code(r).await,
                        (status, code.to_owned()),
                        "{op} from {from}"
                    );
                    let now = org.get_json(&format!("/api/v1/users/{id}")).await;
                    assert_eq!(
                        now["status"], from,
                        "{op} from {from} must not change the status"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn lifecycle_responses_and_events() {
    let org = Org::small().await;
    let staged = user_in(&org, "STAGED", 1).await;
    let r = org
        .post_empty(&format!(
            "/api/v1/users/{staged}/lifecycle/activate?sendEmail=false"
        ))
        .await;
    let body: Value = r.json().await.unwrap();
    assert!(body["activationToken"].is_string() && body["activationUrl"].is_string());
    let active = user_in(&org, "ACTIVE", 2).await;
    let r = org
        .post_empty(&format!("/api/v1/users/{active}/lifecycle/expire_password"))
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["status"],
        "PASSWORD_EXPIRED"
    );
    let missing_param = org
        .post_empty(&format!("/api/v1/users/{active}/lifecycle/reset_password"))
        .await;
    assert_eq!(error_code(missing_param).await, (400, "E0000028".into()));
    let unknown = org
        .post_empty(&format!("/api/v1/users/{active}/lifecycle/explode"))
        .await;
    assert_eq!(unknown.status(), 404);
    let no_length = org
        .req(
            reqwest::Method::POST,
            &format!("/api/v1/users/{active}/lifecycle/suspend"),
        )
        .send()
        .await
        .unwrap();
    // Okta demands `Content-Length: 0` on bodiless POSTs; reqwest sends none.
    assert_eq!(no_length.status(), 411);
    let user = org.get_json(&format!("/api/v1/users/{active}")).await;
    assert!(user["_links"].get("suspend").is_none());
    let log = org
        .get(&format!(
            "/api/v1/logs?filter=target.id%20eq%20%22{active}%22"
        ))
        .await;
    let types: Vec<String> = log
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect();
    assert!(types.contains(&"user.lifecycle.create".to_owned()));
    assert!(types.contains(&"user.account.expire_password".to_owned()));
}
