//! Write-back actions on an Okta API directory's org: resolving the ids a caller gives (the
//! directory's `usr_…`/`grp_…` or Okta's own) and recording each attempt — the audit entry,
//! and for a success the `action.executed` event, in one transaction.

use serde_json::{Value, json};

use crate::Store;
use crate::audit::{self, Actor, AuditRecord, Outcome};
use crate::directories::DirectoryScope;
use crate::error::{Result, StoreError};
use crate::events;
use crate::ids::{DirectoryGroupId, DirectoryUserId};
use crate::principal::Role;
use crate::sql::query;

/// What an action did, for the audit log and the event.
#[derive(Clone, Debug)]
pub struct ActionRecord {
    /// The contract's action name (`deactivate_user`, …).
    pub action: String,
    /// What it acted on, with both ids where known.
    pub target: Value,
    /// The outcome: `Ok(result)` or `Err((code, message))` as surfaced to the caller.
    pub outcome: std::result::Result<Value, (String, String)>,
}

/// Checks an id's characters before it goes anywhere near a URL.
fn plain_id(raw: &str) -> Result<&str> {
    let ok = !raw.is_empty()
        && raw.len() <= 100
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'));
    if ok {
        Ok(raw)
    } else {
        Err(StoreError::Invalid(format!(
            "{raw:?} is not a user or group id"
        )))
    }
}

impl Store {
    /// Okta's id for a user named by the directory's id (`usr_…`) or by Okta's own id.
    pub async fn resolve_okta_user(&self, scope: &DirectoryScope, id: &str) -> Result<String> {
        let id = plain_id(id)?;
        if !id.starts_with(DirectoryUserId::PREFIX) {
            return Ok(id.to_owned());
        }
        let row: Option<(Option<String>,)> = self
            .read_optional(
                query("SELECT okta_id FROM scim_users WHERE id = $1 AND directory_id = $2")
                    .bind(id)
                    .bind(scope.id.as_str()),
            )
            .await?;
        row.and_then(|(okta,)| okta)
            .ok_or(StoreError::NotFound { kind: "user" })
    }

    /// Okta's id for a group named by the directory's id (`grp_…`) or by Okta's own id.
    pub async fn resolve_okta_group(&self, scope: &DirectoryScope, id: &str) -> Result<String> {
        let id = plain_id(id)?;
        if !id.starts_with(DirectoryGroupId::PREFIX) {
            return Ok(id.to_owned());
        }
        let row: Option<(Option<String>,)> = self
            .read_optional(
                query("SELECT okta_id FROM scim_groups WHERE id = $1 AND directory_id = $2")
                    .bind(id)
                    .bind(scope.id.as_str()),
            )
            .await?;
        row.and_then(|(okta,)| okta)
            .ok_or(StoreError::NotFound { kind: "group" })
    }

    /// Records an action attempt: always audited; a success also emits `action.executed`.
    /// Needs the admin role (checked before the action is sent to Okta, too).
    pub async fn record_okta_action(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        record: ActionRecord,
    ) -> Result<()> {
        scope.org.require(Role::Admin)?;
        let scope = scope.clone();
        let actor = actor.clone();
        self.write(move |mut conn| {
            Box::pin(async move {
                let conn = &mut conn;
                let (outcome, reason, result) = match &record.outcome {
                    Ok(result) => (Outcome::Success, None, result.clone()),
                    Err((code, message)) => (
                        Outcome::Failure,
                        Some(format!("{code}: {message}")),
                        Value::Null,
                    ),
                };
                audit::append(
                    conn,
                    AuditRecord {
                        org_id: Some(scope.org_id().clone()),
                        actor: actor.clone(),
                        action: "directory.action",
                        target: Some(("directory", scope.id.to_string())),
                        outcome,
                        reason,
                        details: json!({ "action": record.action, "target": record.target }),
                    },
                )
                .await?;
                if outcome == Outcome::Success {
                    events::emit(
                        conn,
                        scope.event(
                            "action.executed",
                            json!({
                                "action": record.action,
                                "target": record.target,
                                "result": result,
                                "actor": { "kind": actor.kind, "id": actor.id },
                            }),
                        ),
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }
}
