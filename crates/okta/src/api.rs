//! Reads: single objects and paged lists, each list a [`Pager`] that follows only the
//! `Link: rel="next"` header (okta-reference §4).

use std::marker::PhantomData;

use http::Method;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::client::{Call, Client};
use crate::error::Error;
use crate::models::{
    App, AppGroup, AppUser, Group, LogEvent, OrgMetadata, User, UserSchema, UserStatus,
};
use crate::paging::Page;

/// Page sizes per list: each endpoint's maximum (okta-reference §4.2, and the OpenAPI
/// maxima where the guides are silent), so a sync makes as few calls as the data allows.
/// A page that times out is retried smaller (see [`Client::fetch_page`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSizes {
    /// `GET /api/v1/users` (max 200).
    pub users: u32,
    /// `GET /api/v1/groups` (max 10000).
    pub groups: u32,
    /// `GET /api/v1/groups/{id}/users` (default 1000; up to 10000 accepted).
    pub group_members: u32,
    /// `GET /api/v1/apps` (max 200).
    pub apps: u32,
    /// `GET /api/v1/apps/{id}/users` (max 500).
    pub app_users: u32,
    /// `GET /api/v1/apps/{id}/groups` (max 200).
    pub app_groups: u32,
    /// `GET /api/v1/logs` (max 1000).
    pub logs: u32,
}

impl Default for PageSizes {
    fn default() -> PageSizes {
        PageSizes {
            users: 200,
            groups: 10_000,
            group_members: 10_000,
            apps: 200,
            app_users: 500,
            app_groups: 200,
            logs: 1000,
        }
    }
}

/// Characters escaped in a path segment (ids are alphanumeric, logins are not).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Escapes one path segment.
pub(crate) fn seg(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// Escapes a query value (form encoding, as Okta's SDKs send `filter`).
pub(crate) fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Formats a timestamp as Okta writes them: ISO 8601 UTC with milliseconds.
pub(crate) fn okta_time(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// A list being walked page by page. Holds only the next page's path, so memory stays
/// flat however long the list, and the cursor can be saved and resumed.
#[derive(Debug)]
pub struct Pager<T> {
    client: Client,
    next: Option<String>,
    _items: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pager<T> {
    /// A pager starting at `path_and_query` (a first-page URL built by this crate, or a
    /// cursor saved from [`Pager::cursor`]).
    pub fn resume(client: &Client, path_and_query: impl Into<String>) -> Pager<T> {
        Pager {
            client: client.clone(),
            next: Some(path_and_query.into()),
            _items: PhantomData,
        }
    }

    /// The path of the page the next call will fetch; `None` once the list is done.
    pub fn cursor(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// Fetches the next page; `None` when the previous page had no `rel="next"`.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, Error> {
        let Some(path) = self.next.take() else {
            return Ok(None);
        };
        match self.client.fetch_page::<T>(&path).await {
            Ok(page) => {
                self.next.clone_from(&page.next);
                Ok(Some(page))
            }
            Err(e) => {
                // Keep the cursor so the caller may try again.
                self.next = Some(path);
                Err(e)
            }
        }
    }
}

/// First-page paths of every list the connector reads.
impl Client {
    /// Path of the all-statuses user list. A plain `GET /api/v1/users` omits
    /// DEPROVISIONED users (okta-reference §4.3); a `filter` on every status returns all of
    /// them in one pass, so a user changing status mid-walk cannot fall between two lists.
    pub fn users_path(&self) -> String {
        let filter = UserStatus::ALL
            .iter()
            .map(|s| format!("status eq \"{s}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        format!(
            "/api/v1/users?limit={}&filter={}",
            self.page_sizes().users,
            query_value(&filter)
        )
    }

    /// Path of users changed after `since` (`filter=lastUpdated gt "…"`, all statuses).
    pub fn users_updated_since_path(&self, since: OffsetDateTime) -> String {
        let filter = format!("lastUpdated gt \"{}\"", okta_time(since));
        format!(
            "/api/v1/users?limit={}&filter={}",
            self.page_sizes().users,
            query_value(&filter)
        )
    }

    /// Path of the group list, with `expand=stats` for member counts.
    pub fn groups_path(&self) -> String {
        format!(
            "/api/v1/groups?limit={}&expand=stats",
            self.page_sizes().groups
        )
    }

    /// Path of a group's members.
    pub fn group_members_path(&self, group_id: &str) -> String {
        format!(
            "/api/v1/groups/{}/users?limit={}",
            seg(group_id),
            self.page_sizes().group_members
        )
    }

    /// Path of the app list.
    pub fn apps_path(&self) -> String {
        format!("/api/v1/apps?limit={}", self.page_sizes().apps)
    }

    /// Path of an app's user assignments.
    pub fn app_users_path(&self, app_id: &str) -> String {
        format!(
            "/api/v1/apps/{}/users?limit={}",
            seg(app_id),
            self.page_sizes().app_users
        )
    }

    /// Path of an app's group assignments.
    pub fn app_groups_path(&self, app_id: &str) -> String {
        format!(
            "/api/v1/apps/{}/groups?limit={}",
            seg(app_id),
            self.page_sizes().app_groups
        )
    }

    /// Path of a System Log poll from `since`, oldest first, optionally filtered (a
    /// SCIM-style expression such as `eventType eq "user.lifecycle.create"`).
    pub fn logs_path(&self, since: OffsetDateTime, filter: Option<&str>) -> String {
        let mut path = format!(
            "/api/v1/logs?since={}&sortOrder=ASCENDING&limit={}",
            query_value(&okta_time(since)),
            self.page_sizes().logs
        );
        if let Some(f) = filter {
            path.push_str("&filter=");
            path.push_str(&query_value(f));
        }
        path
    }

    /// All users, every status.
    pub fn list_users(&self) -> Pager<User> {
        Pager::resume(self, self.users_path())
    }

    /// All groups (with member counts when Okta provides them).
    pub fn list_groups(&self) -> Pager<Group> {
        Pager::resume(self, self.groups_path())
    }

    /// Members of one group.
    pub fn list_group_members(&self, group_id: &str) -> Pager<User> {
        Pager::resume(self, self.group_members_path(group_id))
    }

    /// All apps.
    pub fn list_apps(&self) -> Pager<App> {
        Pager::resume(self, self.apps_path())
    }

    /// User assignments of one app.
    pub fn list_app_users(&self, app_id: &str) -> Pager<AppUser> {
        Pager::resume(self, self.app_users_path(app_id))
    }

    /// Group assignments of one app.
    pub fn list_app_groups(&self, app_id: &str) -> Pager<AppGroup> {
        Pager::resume(self, self.app_groups_path(app_id))
    }

    /// System Log events from `since` (polling mode: the last page still has a `next`).
    pub fn list_logs(&self, since: OffsetDateTime, filter: Option<&str>) -> Pager<LogEvent> {
        Pager::resume(self, self.logs_path(since, filter))
    }

    /// One user by id or login (`me` = the token's owner).
    pub async fn get_user(&self, id_or_login: &str) -> Result<User, Error> {
        Ok(self
            .get_json(&format!("/api/v1/users/{}", seg(id_or_login)))
            .await?
            .0)
    }

    /// One group by id.
    pub async fn get_group(&self, group_id: &str) -> Result<Group, Error> {
        Ok(self
            .get_json(&format!("/api/v1/groups/{}", seg(group_id)))
            .await?
            .0)
    }

    /// One app by id.
    pub async fn get_app(&self, app_id: &str) -> Result<App, Error> {
        Ok(self
            .get_json(&format!("/api/v1/apps/{}", seg(app_id)))
            .await?
            .0)
    }

    /// One user's assignment to an app.
    pub async fn get_app_user(&self, app_id: &str, user_id: &str) -> Result<AppUser, Error> {
        let path = format!("/api/v1/apps/{}/users/{}", seg(app_id), seg(user_id));
        Ok(self.get_json(&path).await?.0)
    }

    /// One group's assignment to an app.
    pub async fn get_app_group(&self, app_id: &str, group_id: &str) -> Result<AppGroup, Error> {
        let path = format!("/api/v1/apps/{}/groups/{}", seg(app_id), seg(group_id));
        Ok(self.get_json(&path).await?.0)
    }

    /// The default user type's schema (which custom attributes exist).
    pub async fn user_schema(&self) -> Result<UserSchema, Error> {
        Ok(self.get_json("/api/v1/meta/schemas/user/default").await?.0)
    }

    /// The admin user behind an SSWS token (`GET /api/v1/users/me`). Service apps have no
    /// user and get an error.
    pub async fn whoami(&self) -> Result<User, Error> {
        self.get_user("me").await
    }

    /// `GET /.well-known/okta-organization` (unauthenticated): confirms the host is an
    /// Okta org and gives its canonical URL (okta-reference §1.3 step 7).
    pub async fn org_metadata(&self) -> Result<OrgMetadata, Error> {
        let url = self.url("/.well-known/okta-organization")?;
        let mut call = Call::new(Method::GET, url, crate::client::Retry::Idempotent);
        call.authenticated = false;
        let response = self.send(call).await?;
        let value: serde_json::Value =
            serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
                url: "/.well-known/okta-organization".to_owned(),
                reason: e.to_string(),
            })?;
        OrgMetadata::from_json(&value).ok_or_else(|| Error::Decode {
            url: "/.well-known/okta-organization".to_owned(),
            reason: "no org id".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::okta_time;

    #[test]
    fn okta_time_has_milliseconds_and_z() {
        let t = time::macros::datetime!(2026-03-01 17:04:05.123456 UTC);
        assert_eq!(okta_time(t), "2026-03-01T17:04:05.123Z");
        let t = time::macros::datetime!(2026-03-01 17:04:05.12 UTC);
        assert_eq!(okta_time(t), "2026-03-01T17:04:05.120Z");
        let t = time::macros::datetime!(2026-03-01 18:04:05 +01:00);
        assert_eq!(okta_time(t), "2026-03-01T17:04:05.000Z");
    }
}
