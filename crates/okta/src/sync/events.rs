//! Turning a page of System Log events into what must change (pure).
//!
//! Each event names its objects in typed targets (`User`, `UserGroup`, `AppInstance`).
//! Per object only the last intent of the page counts: an object changed three times is
//! fetched once, in its current state; membership adds and removes are applied from the
//! events themselves without any call; deletions need no call either.

use std::collections::{BTreeMap, HashSet};

use time::OffsetDateTime;

use crate::models::LogEvent;

/// The event types an incremental sync reads (okta-reference §3.7).
pub const WATCHED_EVENT_TYPES: &[&str] = &[
    "user.lifecycle.create",
    "user.lifecycle.activate",
    "user.lifecycle.reactivate",
    "user.lifecycle.deactivate",
    "user.lifecycle.suspend",
    "user.lifecycle.unsuspend",
    "user.lifecycle.delete.initiated",
    "user.lifecycle.delete.completed",
    "user.account.update_profile",
    "user.account.lock",
    "user.account.unlock",
    "user.account.unlock_by_admin",
    "user.account.reset_password",
    "user.account.expire_password",
    "user.account.update_password",
    "user.account.update_primary_email",
    "user.account.update_user_type",
    "group.lifecycle.create",
    "group.lifecycle.delete",
    "group.profile.update",
    "group.user_membership.add",
    "group.user_membership.remove",
    "group.application_assignment.add",
    "group.application_assignment.remove",
    "group.application_assignment.update",
    "application.lifecycle.create",
    "application.lifecycle.activate",
    "application.lifecycle.deactivate",
    "application.lifecycle.update",
    "application.lifecycle.delete",
    "application.user_membership.add",
    "application.user_membership.remove",
    "application.user_membership.update",
    "application.user_membership.change_username",
];

/// The `filter` expression selecting [`WATCHED_EVENT_TYPES`].
pub fn watched_filter() -> String {
    WATCHED_EVENT_TYPES
        .iter()
        .map(|t| format!("eventType eq \"{t}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// What to do with one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Intent {
    /// Fetch its current state (it changed at or after `since`).
    Refresh { since: OffsetDateTime },
    /// It is gone.
    Delete,
}

/// The page's net effect.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) users: BTreeMap<String, Intent>,
    pub(crate) groups: BTreeMap<String, Intent>,
    pub(crate) apps: BTreeMap<String, Intent>,
    /// (group, user) → member after the page?
    pub(crate) members: BTreeMap<(String, String), bool>,
    /// (app, user) assignment.
    pub(crate) app_users: BTreeMap<(String, String), Intent>,
    /// (app, group) assignment.
    pub(crate) app_groups: BTreeMap<(String, String), Intent>,
    /// Newest `published` in the page.
    pub(crate) newest: Option<OffsetDateTime>,
}

fn note(map: &mut BTreeMap<String, Intent>, id: &str, intent: Intent) {
    let merged = match (map.get(id), intent) {
        // Ids are never reused: once deleted, later events cannot resurrect it.
        (Some(Intent::Delete), _) => Intent::Delete,
        (Some(Intent::Refresh { since: a }), Intent::Refresh { since: b }) => {
            Intent::Refresh { since: (*a).min(b) }
        }
        (_, i) => i,
    };
    map.insert(id.to_owned(), merged);
}

fn note_pair(map: &mut BTreeMap<(String, String), Intent>, key: (String, String), intent: Intent) {
    // For assignments the last event wins: removed then re-added is assigned.
    let merged = match (map.get(&key), intent) {
        (Some(Intent::Refresh { since: a }), Intent::Refresh { since: b }) => {
            Intent::Refresh { since: (*a).min(b) }
        }
        (_, i) => i,
    };
    map.insert(key, merged);
}

/// Plans a page of events. Membership events on `implicit_groups` (Everyone) are
/// ignored, as the full sync ignores those memberships.
pub(crate) fn plan(events: &[LogEvent], implicit_groups: &HashSet<String>) -> Plan {
    let mut p = Plan::default();
    for e in events {
        p.newest = Some(p.newest.map_or(e.published, |n| n.max(e.published)));
        if !e.succeeded() {
            continue;
        }
        let refresh = Intent::Refresh { since: e.published };
        let user = e.target_of_type("User").map(|t| t.id.clone());
        let group = e.target_of_type("UserGroup").map(|t| t.id.clone());
        let app = e.target_of_type("AppInstance").map(|t| t.id.clone());
        let t = e.event_type.as_str();
        match (t, user, group, app) {
            ("user.lifecycle.delete.completed", Some(u), _, _) => {
                note(&mut p.users, &u, Intent::Delete)
            }
            (t, Some(u), _, _)
                if t.starts_with("user.lifecycle.") || t.starts_with("user.account.") =>
            {
                note(&mut p.users, &u, refresh);
            }
            ("group.user_membership.add" | "group.user_membership.remove", Some(u), Some(g), _)
                if !implicit_groups.contains(&g) =>
            {
                p.members.insert((g, u), t.ends_with(".add"));
            }
            ("group.user_membership.add" | "group.user_membership.remove", ..) => {}
            ("group.lifecycle.delete", _, Some(g), _) => note(&mut p.groups, &g, Intent::Delete),
            ("group.lifecycle.create" | "group.profile.update", _, Some(g), _) => {
                note(&mut p.groups, &g, refresh);
            }
            ("group.application_assignment.remove", _, Some(g), Some(a)) => {
                note_pair(&mut p.app_groups, (a, g), Intent::Delete);
            }
            (t, _, Some(g), Some(a)) if t.starts_with("group.application_assignment.") => {
                note_pair(&mut p.app_groups, (a, g), refresh);
            }
            ("application.lifecycle.delete", _, _, Some(a)) => {
                note(&mut p.apps, &a, Intent::Delete)
            }
            (t, _, _, Some(a)) if t.starts_with("application.lifecycle.") => {
                note(&mut p.apps, &a, refresh);
            }
            ("application.user_membership.remove", Some(u), _, Some(a)) => {
                note_pair(&mut p.app_users, (a, u), Intent::Delete);
            }
            (t, Some(u), _, Some(a)) if t.starts_with("application.user_membership.") => {
                note_pair(&mut p.app_users, (a, u), refresh);
            }
            _ => {}
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;

    fn event(kind: &str, at: &str, targets: serde_json::Value) -> LogEvent {
        serde_json::from_value(json!({
            "uuid": format!("{kind}-{at}"), "published": at, "eventType": kind,
            "outcome": {"result": "SUCCESS"}, "target": targets
        }))
        .unwrap()
    }

    #[test]
    fn last_intent_wins_and_deletes_stick() {
        let u = json!([{"id": "00u1", "type": "User"}]);
        let events = vec![
            event(
                "user.lifecycle.create",
                "2026-01-01T00:00:01.000Z",
                u.clone(),
            ),
            event(
                "user.account.update_profile",
                "2026-01-01T00:00:02.000Z",
                u.clone(),
            ),
            event(
                "user.lifecycle.deactivate",
                "2026-01-01T00:00:03.000Z",
                u.clone(),
            ),
            event(
                "user.lifecycle.delete.completed",
                "2026-01-01T00:00:04.000Z",
                u.clone(),
            ),
            event(
                "user.account.update_profile",
                "2026-01-01T00:00:05.000Z",
                json!([{"id": "00u2", "type": "User"}]),
            ),
            event(
                "user.account.update_profile",
                "2026-01-01T00:00:06.000Z",
                json!([{"id": "00u2", "type": "User"}]),
            ),
        ];
        let p = plan(&events, &HashSet::new());
        assert_eq!(p.users.get("00u1"), Some(&Intent::Delete));
        assert_eq!(
            p.users.get("00u2"),
            Some(&Intent::Refresh {
                since: time::macros::datetime!(2026-01-01 00:00:05 UTC)
            })
        );
        assert_eq!(
            p.newest,
            Some(time::macros::datetime!(2026-01-01 00:00:06 UTC))
        );
    }

    #[test]
    fn membership_events_apply_in_order_and_skip_everyone() {
        let t = |g: &str| json!([{"id": "00u1", "type": "User"}, {"id": g, "type": "UserGroup"}]);
        let events = vec![
            event(
                "group.user_membership.add",
                "2026-01-01T00:00:01.000Z",
                t("00gA"),
            ),
            event(
                "group.user_membership.remove",
                "2026-01-01T00:00:02.000Z",
                t("00gA"),
            ),
            event(
                "group.user_membership.add",
                "2026-01-01T00:00:03.000Z",
                t("00gB"),
            ),
            event(
                "group.user_membership.add",
                "2026-01-01T00:00:03.000Z",
                t("00gEveryone"),
            ),
        ];
        let implicit: HashSet<String> = ["00gEveryone".to_owned()].into();
        let p = plan(&events, &implicit);
        assert_eq!(
            p.members.get(&("00gA".to_owned(), "00u1".to_owned())),
            Some(&false)
        );
        assert_eq!(
            p.members.get(&("00gB".to_owned(), "00u1".to_owned())),
            Some(&true)
        );
        assert_eq!(p.members.len(), 2);
        assert!(p.users.is_empty(), "membership events need no user fetch");
    }

    #[test]
    fn failed_events_are_ignored_and_apps_are_planned() {
        let mut failed = event(
            "user.lifecycle.suspend",
            "2026-01-01T00:00:01.000Z",
            json!([{"id": "00u1", "type": "User"}]),
        );
        failed.outcome = Some(crate::models::LogOutcome {
            result: Some("FAILURE".into()),
            reason: None,
        });
        let events = vec![
            failed,
            event(
                "application.user_membership.add",
                "2026-01-01T00:00:02.000Z",
                json!([{"id": "0oa1", "type": "AppInstance"}, {"id": "00u2", "type": "User"}]),
            ),
            event(
                "group.application_assignment.remove",
                "2026-01-01T00:00:03.000Z",
                json!([{"id": "0oa1", "type": "AppInstance"}, {"id": "00gA", "type": "UserGroup"}]),
            ),
            event(
                "application.lifecycle.delete",
                "2026-01-01T00:00:04.000Z",
                json!([{"id": "0oa9", "type": "AppInstance"}]),
            ),
        ];
        let p = plan(&events, &HashSet::new());
        assert!(p.users.is_empty());
        assert!(matches!(
            p.app_users.get(&("0oa1".into(), "00u2".into())),
            Some(Intent::Refresh { .. })
        ));
        assert_eq!(
            p.app_groups.get(&("0oa1".into(), "00gA".into())),
            Some(&Intent::Delete)
        );
        assert_eq!(p.apps.get("0oa9"), Some(&Intent::Delete));
    }
}
