//! Realistic churn for `/sim/v1/mutate` and `/sim/v1/users`: new hires, profile
//! changes, departures and membership moves, each through the same code paths (and
//! System Log events) as API calls.

use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::generator;
use crate::model::group::GroupType;
use crate::model::user::{Lifecycle, UserStatus};
use crate::org::{Ctx, Org};

/// What to change.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MutateSpec {
    /// Profile updates (department or title).
    #[serde(default)]
    pub users_changed: usize,
    /// Deactivations of active users.
    #[serde(default)]
    pub users_deactivated: usize,
    /// New active users.
    #[serde(default)]
    pub users_created: usize,
    /// Group membership adds or removes.
    #[serde(default)]
    pub memberships_changed: usize,
    /// RNG seed; random when absent.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// What was changed, with the ids touched.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MutateReport {
    /// Users created.
    pub created: Vec<String>,
    /// Users whose profile changed.
    pub changed: Vec<String>,
    /// Users deactivated.
    pub deactivated: Vec<String>,
    /// `(group, user, added)` membership changes.
    pub memberships: Vec<(String, String, bool)>,
}

/// Creates `count` generated, active users with creation events; returns their ids.
pub fn add_users(org: &mut Org, ctx: &Ctx, rng: &mut ChaCha8Rng, count: usize) -> Vec<String> {
    let ids = generator::generate_users(org, rng, count, ctx.now);
    for id in &ids {
        if let Some(u) = org.users.get_mut(id) {
            u.status = UserStatus::Active;
            u.created = ctx.now;
            u.activated = Some(ctx.now);
            u.status_changed = Some(ctx.now);
            u.last_updated = ctx.now;
            u.last_login = None;
            u.password_changed = Some(ctx.now);
            if u.password.is_none() {
                u.password = Some("Hired-Passw0rd!".to_owned());
            }
        }
        let t = org.user_target(id);
        org.log_event(ctx, "user.lifecycle.create", vec![t.clone()]);
        org.log_event(ctx, "user.lifecycle.activate", vec![t]);
    }
    ids
}

/// Applies a [`MutateSpec`].
pub fn mutate(org: &mut Org, ctx: &Ctx, spec: &MutateSpec) -> MutateReport {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed.unwrap_or_else(|| rand::rng().random()));
    let mut report = MutateReport {
        created: add_users(org, ctx, &mut rng, spec.users_created),
        ..Default::default()
    };
    let live: Vec<String> = org
        .users
        .values()
        .filter(|u| u.status != UserStatus::Deprovisioned)
        .map(|u| u.id.clone())
        .collect();
    for id in live.sample(&mut rng, spec.users_changed) {
        let patch = if rng.random_bool(0.5) {
            json!({ "profile": { "department": generator::random_department(&mut rng) } })
        } else {
            json!({ "profile": { "title": generator::random_title(&mut rng) } })
        };
        if org.update_user(ctx, id, &patch, false).is_ok() {
            report.changed.push(id.clone());
        }
    }
    let active: Vec<String> = org
        .users
        .values()
        .filter(|u| u.status == UserStatus::Active && !report.changed.contains(&u.id))
        .map(|u| u.id.clone())
        .collect();
    for id in active.sample(&mut rng, spec.users_deactivated) {
        if org.lifecycle(ctx, id, Lifecycle::Deactivate).is_ok() {
            report.deactivated.push(id.clone());
        }
    }
    let groups: Vec<String> = org
        .groups
        .values()
        .filter(|g| g.kind == GroupType::OktaGroup)
        .map(|g| g.id.clone())
        .collect();
    if groups.is_empty() || live.is_empty() {
        return report;
    }
    for _ in 0..spec.memberships_changed {
        let (Some(g), Some(u)) = (groups.choose(&mut rng), live.choose(&mut rng)) else {
            break;
        };
        let member = org.groups.get(g).is_some_and(|grp| grp.members.contains(u));
        let ok = if member {
            org.remove_member(ctx, g, u)
        } else {
            org.add_member(ctx, g, u)
        };
        if ok.is_ok() {
            report.memberships.push((g.clone(), u.clone(), !member));
        }
    }
    report
}
