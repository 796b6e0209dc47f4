//! The apps of an Okta API directory's org and who is assigned to them, as the connector
//! synced them (`GET /api/v1/directories/{dir}/apps`). SCIM directories have none.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;

use crate::Store;
use crate::clock::from_ms;
use crate::directories::DirectoryScope;
use crate::error::Result;
use crate::orgs::paginate;
use crate::page::{self, Page, PageRequest};
use crate::sql::{Arg, placeholders, query};

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

/// `(table, column)` of direct user assignments and of group assignments.
pub(crate) const APP_USERS: (&str, &str) = ("directory_app_users", "user_okta_id");
/// See [`APP_USERS`].
pub(crate) const APP_GROUPS: (&str, &str) = ("directory_app_groups", "group_okta_id");

impl Store {
    /// The assigned Okta ids of each of `apps`, sorted, in one query.
    async fn assignments(
        &self,
        (table, column): (&str, &str),
        apps: &[&str],
    ) -> Result<HashMap<String, Vec<String>>> {
        let mut by_app: HashMap<String, Vec<String>> = HashMap::new();
        if apps.is_empty() {
            return Ok(by_app);
        }
        let rows: Vec<(String, String)> = self
            .read_all(
                query(format!(
                    "SELECT app_id, {column} FROM {table} WHERE app_id IN ({}) \
                     ORDER BY app_id, {column}",
                    placeholders(1, apps.len())
                ))
                .bind_all(apps.iter().map(|a| Arg::from(*a))),
            )
            .await?;
        for (app, assigned) in rows {
            by_app.entry(app).or_default().push(assigned);
        }
        Ok(by_app)
    }

    /// A page of the directory's apps, by id, with their direct and group assignments.
    pub async fn list_directory_apps(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
    ) -> Result<Page<DirectoryApp>> {
        let after = match page.cursor() {
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
        let ids: Vec<&str> = rows.iter().map(|row| row.0.as_str()).collect();
        let mut users = self.assignments(APP_USERS, &ids).await?;
        let mut groups = self.assignments(APP_GROUPS, &ids).await?;
        let apps = rows
            .into_iter()
            .map(
                |(id, okta_id, name, label, status, sign_on_mode, data, created, updated)| {
                    DirectoryApp {
                        assigned_users: users.remove(&id).unwrap_or_default(),
                        assigned_groups: groups.remove(&id).unwrap_or_default(),
                        id,
                        okta_id,
                        name,
                        label,
                        status,
                        sign_on_mode,
                        attributes: serde_json::from_str(&data).unwrap_or(Value::Null),
                        created_at: from_ms(created),
                        updated_at: from_ms(updated),
                    }
                },
            )
            .collect();
        Ok(paginate(apps, limit, |a| page::encode("app", &a.id)))
    }
}
