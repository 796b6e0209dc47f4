//! The apps of an Okta API directory's org and who is assigned to them, as the connector
//! synced them (`GET /api/v1/directories/{dir}/apps`). SCIM directories have none.

use serde_json::Value;
use time::OffsetDateTime;

use crate::Store;
use crate::clock::from_ms;
use crate::directories::DirectoryScope;
use crate::error::Result;
use crate::orgs::paginate;
use crate::page::{self, Page, PageRequest};
use crate::sql::query;

/// An app of the directory's Okta org.
#[derive(Clone, Debug)]
pub struct DirectoryApp {
    /// Its id in Gatehouse (`app_…`).
    pub id: String,
    /// Okta's id (`0oa…`).
    pub okta_id: String,
    /// The app's key name.
    pub name: String,
    /// Its display label.
    pub label: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// `SAML_2_0`, `OPENID_CONNECT`, `BOOKMARK`, …
    pub sign_on_mode: Option<String>,
    /// Okta ids of the users assigned directly.
    pub assigned_users: Vec<String>,
    /// Okta ids of the groups assigned (their members have the app too).
    pub assigned_groups: Vec<String>,
    /// The app as Okta described it.
    pub attributes: Value,
    /// When Gatehouse first saw it.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

type AppRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

impl Store {
    /// A page of the directory's apps, by id, with their direct and group assignments.
    pub async fn list_directory_apps(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
    ) -> Result<Page<DirectoryApp>> {
        let after = match &page.after {
            Some(cursor) => page::decode("app", cursor)?,
            None => String::new(),
        };
        let limit = page.limit();
        let rows: Vec<AppRow> = self
            .read_all(
                query(
                    "SELECT id, okta_id, name, label, status, sign_on_mode, data, created_at, \
                     updated_at FROM directory_apps WHERE directory_id = $1 AND id > $2 \
                     ORDER BY id LIMIT $3",
                )
                .bind(scope.id.as_str())
                .bind(after)
                .bind(i64::from(limit) + 1),
            )
            .await?;
        let mut apps = Vec::with_capacity(rows.len());
        for (id, okta_id, name, label, status, sign_on_mode, data, created, updated) in rows {
            let users: Vec<(String,)> = self
                .read_all(
                    query(
                        "SELECT user_okta_id FROM directory_app_users WHERE app_id = $1 \
                         ORDER BY user_okta_id",
                    )
                    .bind(id.as_str()),
                )
                .await?;
            let groups: Vec<(String,)> = self
                .read_all(
                    query(
                        "SELECT group_okta_id FROM directory_app_groups WHERE app_id = $1 \
                         ORDER BY group_okta_id",
                    )
                    .bind(id.as_str()),
                )
                .await?;
            apps.push(DirectoryApp {
                id,
                okta_id,
                name,
                label,
                status,
                sign_on_mode,
                assigned_users: users.into_iter().map(|(u,)| u).collect(),
                assigned_groups: groups.into_iter().map(|(g,)| g).collect(),
                attributes: serde_json::from_str(&data).unwrap_or(Value::Null),
                created_at: from_ms(created),
                updated_at: from_ms(updated),
            });
        }
        Ok(paginate(apps, limit, |a| page::encode("app", &a.id)))
    }
}
