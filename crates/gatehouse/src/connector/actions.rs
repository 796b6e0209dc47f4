//! Write-back actions on the directory's Okta org (seeds 000, 003, 004): lifecycle changes,
//! the two-call delete, group membership and a custom profile attribute. Each attempt is
//! audited; a success emits `action.executed` and queues an incremental sync so the
//! directory catches up; Okta's refusal reaches the caller with its code, summary and
//! causes and a fitting status (403 for a token without the permission).

use axum::http::StatusCode;
use okta::client::Client;
use okta::error::Error as OktaClientError;
use serde::Deserialize;
use serde_json::{Value, json};
use store::{ActionRecord, Actor, DirectoryScope, Role, SyncRunMode};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::state::AppState;

/// `POST /api/v1/directories/{dir}/actions` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// `deactivate_user`, `reactivate_user`, `suspend_user`, `unsuspend_user`,
    /// `delete_user`, `set_profile_attribute`, `add_group_member`, `remove_group_member`.
    pub action: String,
    /// The user: the directory's id (`usr_…`) or Okta's.
    pub user_id: String,
    /// The group, for membership actions: the directory's id (`grp_…`) or Okta's.
    pub group_id: Option<String>,
    /// The profile attribute, for `set_profile_attribute`.
    pub attribute: Option<String>,
    /// The value, for `set_profile_attribute` (`null` clears it).
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    /// `delete_user` only: must be `true`. Deleting is permanent in Okta.
    pub confirm: Option<bool>,
}

/// The actions the API knows.
const ACTIONS: &[&str] = &[
    "deactivate_user",
    "reactivate_user",
    "suspend_user",
    "unsuspend_user",
    "delete_user",
    "set_profile_attribute",
    "add_group_member",
    "remove_group_member",
];

/// Okta's refusal as the admin API's error, with Okta's details kept.
pub fn okta_failure(err: &OktaClientError) -> ApiError {
    let status = StatusCode::from_u16(err.suggested_status()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut detail = json!({ "okta_code": err.code() });
    if let Some(e) = err.okta() {
        detail = json!({
            "okta_code": e.error_code,
            "okta_summary": e.error_summary,
            "okta_causes": e.error_causes,
            "okta_error_id": e.error_id,
            "okta_status": e.status,
        });
    }
    let message = match err.okta() {
        Some(e) => format!("Okta refused: {} ({})", e.error_summary, e.error_code),
        None => format!("Okta could not be reached or answered badly: {err}"),
    };
    let code = match status.as_u16() {
        403 => "okta_forbidden",
        404 => "okta_not_found",
        409 => "okta_conflict",
        422 => "okta_rejected",
        _ => "okta_unavailable",
    };
    ApiError::new(status, code, message).with_detail(detail)
}

fn require<'a>(value: &'a Option<String>, what: &str, action: &str) -> Result<&'a str, ApiError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::validation(format!("{action} needs {what}")))
}

/// What was done, for the caller and the audit log.
pub(crate) struct Done {
    target: Value,
    result: Value,
}

async fn perform(
    state: &AppState,
    scope: &DirectoryScope,
    client: &Client,
    input: &ActionInput,
    user: &str,
) -> Result<Result<Done, OktaClientError>, ApiError> {
    let action = input.action.as_str();
    let target = json!({ "user_id": user });
    let simple = |result: Result<(), OktaClientError>| {
        result.map(|()| Done {
            target: target.clone(),
            result: json!({ "status": "done" }),
        })
    };
    Ok(match action {
        "deactivate_user" => simple(client.deactivate_user(user).await),
        "suspend_user" => simple(client.suspend_user(user).await),
        "unsuspend_user" => simple(client.unsuspend_user(user).await),
        "reactivate_user" => client.reactivate_user(user).await.map(|how| Done {
            target: target.clone(),
            result: json!({
                "status": "done",
                "how": match how {
                    okta::actions::Reactivation::Activated => "activated",
                    okta::actions::Reactivation::Reissued => "activation_reissued",
                },
            }),
        }),
        "delete_user" => {
            if input.confirm != Some(true) {
                return Err(ApiError::validation(
                    "delete_user deletes the person from Okta for good: send \"confirm\": true",
                ));
            }
            simple(client.delete_user(user).await)
        }
        "set_profile_attribute" => {
            let attribute = require(&input.attribute, "attribute", action)?;
            let value = input.value.clone().unwrap_or(Value::Null);
            set_attribute(client, user, attribute, value).await
        }
        "add_group_member" | "remove_group_member" => {
            let group = require(&input.group_id, "group_id", action)?;
            let group = state.store.resolve_okta_group(scope, group).await?;
            let outcome = if action == "add_group_member" {
                client.add_group_member(&group, user).await
            } else {
                client.remove_group_member(&group, user).await
            };
            outcome.map(|()| Done {
                target: json!({ "user_id": user, "group_id": group }),
                result: json!({ "status": "done" }),
            })
        }
        other => {
            return Err(ApiError::validation(format!(
                "unknown action {other:?}; one of {}",
                ACTIONS.join(", ")
            )));
        }
    })
}

/// Sets one profile attribute and reports the value Okta now holds.
pub(crate) async fn set_attribute(
    client: &Client,
    user: &str,
    attribute: &str,
    value: Value,
) -> Result<Done, OktaClientError> {
    let updated = client.set_profile_attribute(user, attribute, value).await?;
    let now = serde_json::to_value(&updated.profile)
        .ok()
        .and_then(|p| p.get(attribute).cloned())
        .unwrap_or(Value::Null);
    Ok(Done {
        target: json!({ "user_id": user, "attribute": attribute }),
        result: json!({ "status": "done", "attribute": attribute, "value": now }),
    })
}

/// Runs one action for an admin (admin role) and records it.
pub async fn execute(
    state: &AppState,
    scope: &DirectoryScope,
    actor: &Actor,
    input: &ActionInput,
) -> Result<Value, ApiError> {
    scope.org_scope().require(Role::Admin)?;
    if !ACTIONS.contains(&input.action.as_str()) {
        return Err(ApiError::validation(format!(
            "unknown action {:?}; one of {}",
            input.action,
            ACTIONS.join(", ")
        )));
    }
    let user = state.store.resolve_okta_user(scope, &input.user_id).await?;
    let client = state
        .connector
        .client(&state.store, scope)
        .await
        .map_err(ApiError::validation)?;
    let outcome = perform(state, scope, &client, input, &user).await?;
    let attempted = json!({
        "user_id": user,
        "group_id": input.group_id,
        "attribute": input.attribute,
    });
    record(state, scope, actor, (&input.action, attempted), outcome).await
}

/// Audits the outcome (and emits `action.executed` for a success), then answers.
/// `attempted` names the target when Okta refused.
pub(crate) async fn record(
    state: &AppState,
    scope: &DirectoryScope,
    actor: &Actor,
    (action, attempted): (&str, Value),
    outcome: Result<Done, OktaClientError>,
) -> Result<Value, ApiError> {
    let (target, recorded, answer) = match outcome {
        Ok(done) => (done.target, Ok(done.result.clone()), Ok(done.result)),
        Err(err) => {
            let failure = okta_failure(&err);
            let recorded = Err((failure.code().to_owned(), err.to_string()));
            (attempted, recorded, Err(failure))
        }
    };
    state
        .store
        .record_okta_action(
            scope,
            actor,
            ActionRecord {
                action: action.to_owned(),
                target,
                outcome: recorded,
            },
        )
        .await?;
    let result = answer?;
    // Bring the directory's copy up to date; a waiting run is reused.
    if state
        .store
        .queue_sync(scope, actor, SyncRunMode::Incremental, "action")
        .await
        .is_ok()
    {
        state.connector.wake();
    }
    Ok(json!({ "result": result }))
}
