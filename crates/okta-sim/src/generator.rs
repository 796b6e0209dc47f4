//! The deterministic org generator: realistic people, skewed groups and apps from a
//! seed. Everything random comes from one `ChaCha8Rng` (names through `fake`), so the
//! same seed gives the same org, ids included.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use fake::Fake;
use fake::faker::address::en::{CityName, StateAbbr, ZipCode};
use fake::faker::job::en::Title;
use fake::faker::name::en::{FirstName, LastName};
use fake::faker::phone_number::en::CellNumber;
use rand::seq::index;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use crate::clock::Millis;
use crate::ids::{self, prefix};
use crate::model::app::{App, AppGroup, AppUser};
use crate::model::group::{Group, GroupType};
use crate::model::user::{User, UserStatus};
use crate::org::Org;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenSpec {
    /// People.
    pub users: usize,
    /// Groups besides Everyone.
    pub groups: usize,
    /// Apps.
    pub apps: usize,
    /// RNG seed.
    pub seed: u64,
}

const DEPARTMENTS: &[(&str, u32)] = &[
    ("Engineering", 30),
    ("Sales", 18),
    ("Customer Success", 10),
    ("Marketing", 8),
    ("Finance", 6),
    ("Operations", 8),
    ("Human Resources", 4),
    ("Legal", 2),
    ("IT", 5),
    ("Product", 6),
    ("Security", 3),
];

/// Status mix in percent (sums to 100).
const STATUS_MIX: &[(UserStatus, u32)] = &[
    (UserStatus::Active, 84),
    (UserStatus::Provisioned, 3),
    (UserStatus::Staged, 2),
    (UserStatus::Recovery, 1),
    (UserStatus::PasswordExpired, 2),
    (UserStatus::LockedOut, 1),
    (UserStatus::Suspended, 2),
    (UserStatus::Deprovisioned, 5),
];

const TEAM_WORDS: &[&str] = &[
    "Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nova", "Onyx", "Pioneer", "Quartz", "Raven",
    "Summit", "Tidal",
];

const APP_TEMPLATES: &[(&str, &str)] = &[
    ("SAML_2_0", "Expense Portal"),
    ("OPENID_CONNECT", "Engineering Wiki"),
    ("BOOKMARK", "Benefits Center"),
    ("SAML_2_0", "CRM"),
    ("OPENID_CONNECT", "Analytics"),
    ("BOOKMARK", "Travel Desk"),
];

const DAY_MS: Millis = 86_400_000;

/// Fills `org` with generated people, groups and apps. No System Log events are
/// written: the generated org is the starting point, not a history.
pub fn populate(org: &mut Org, spec: &GenSpec, now: Millis) {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let user_ids = generate_users(org, &mut rng, spec.users, now);
    let group_ids = generate_groups(org, &mut rng, &user_ids, spec.groups, now);
    generate_apps(org, &mut rng, &user_ids, &group_ids, spec.apps, now);
}

/// Adds `count` more generated people (used by `/sim/v1/users` and mutations);
/// returns their ids.
pub fn generate_users(
    org: &mut Org,
    rng: &mut ChaCha8Rng,
    count: usize,
    now: Millis,
) -> Vec<String> {
    let mut logins: HashSet<String> = org
        .users
        .values()
        .map(|u| u.login().to_lowercase())
        .collect();
    let mut managers: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    let mut ids = Vec::with_capacity(count);
    let dept_total: u32 = DEPARTMENTS.iter().map(|(_, w)| w).sum();
    for n in 0..count {
        let first: String = FirstName().fake_with_rng(rng);
        let last: String = LastName().fake_with_rng(rng);
        let base = format!("{}.{}", ascii_slug(&first), ascii_slug(&last));
        let mut login = format!("{base}@{}", org.email_domain);
        let mut suffix = 1;
        while !logins.insert(login.clone()) {
            suffix += 1;
            login = format!("{base}{suffix}@{}", org.email_domain);
        }
        let department = weighted(rng, DEPARTMENTS, dept_total).unwrap_or("Engineering");
        let status = weighted(rng, STATUS_MIX, 100).unwrap_or(UserStatus::Active);
        let id = ids::new_id(rng, prefix::USER);
        let created = now - rng.random_range(DAY_MS..730 * DAY_MS);
        let last_updated = rng.random_range(created..now);
        let activated =
            (status != UserStatus::Staged).then(|| created + rng.random_range(0..DAY_MS));
        let has_password = !matches!(status, UserStatus::Staged | UserStatus::Provisioned);
        let mut profile = Map::with_capacity(18);
        profile.insert("firstName".into(), json!(first));
        profile.insert("lastName".into(), json!(last));
        profile.insert("displayName".into(), json!(format!("{first} {last}")));
        profile.insert("email".into(), json!(login));
        profile.insert("login".into(), json!(login));
        let title: String = Title().fake_with_rng(rng);
        profile.insert("title".into(), json!(title));
        profile.insert("department".into(), json!(department));
        profile.insert(
            "employeeNumber".into(),
            json!(format!("{:06}", 100_000 + n)),
        );
        profile.insert(
            "userType".into(),
            json!(if rng.random_bool(0.9) {
                "Employee"
            } else {
                "Contractor"
            }),
        );
        profile.insert(
            "mobilePhone".into(),
            json!(CellNumber().fake_with_rng::<String, _>(rng)),
        );
        profile.insert(
            "city".into(),
            json!(CityName().fake_with_rng::<String, _>(rng)),
        );
        profile.insert(
            "state".into(),
            json!(StateAbbr().fake_with_rng::<String, _>(rng)),
        );
        profile.insert(
            "zipCode".into(),
            json!(ZipCode().fake_with_rng::<String, _>(rng)),
        );
        profile.insert("countryCode".into(), json!("US"));
        profile.insert(
            "costCenter".into(),
            json!(format!("CC-{}", 100 + department.len() * 7)),
        );
        let dept_managers = managers.entry(department).or_default();
        if let Some((mid, mname)) = pick(rng, dept_managers) {
            profile.insert("managerId".into(), json!(mid));
            profile.insert("manager".into(), json!(mname));
        }
        if dept_managers.len() < 3 + n / 200 && status == UserStatus::Active {
            dept_managers.push((id.clone(), format!("{first} {last}")));
        }
        org.insert_user(User {
            id: id.clone(),
            status,
            created,
            activated,
            status_changed: activated.map(|a| a.max(last_updated - DAY_MS)),
            last_login: (status == UserStatus::Active).then(|| rng.random_range(last_updated..now)),
            last_updated,
            password_changed: has_password.then_some(created),
            profile,
            password: has_password.then(|| format!("Gen-{}-Passw0rd!", n)),
            recovery_question: None,
            provider: "OKTA".to_owned(),
            type_id: org.user_type_id.clone(),
        });
        ids.push(id);
    }
    ids
}

fn generate_groups(
    org: &mut Org,
    rng: &mut ChaCha8Rng,
    users: &[String],
    count: usize,
    now: Millis,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    let mut names = HashSet::new();
    for i in 0..count {
        let name = if let Some((d, _)) = DEPARTMENTS.get(i) {
            (*d).to_owned()
        } else {
            let w = TEAM_WORDS
                .get(i % TEAM_WORDS.len())
                .copied()
                .unwrap_or("Team");
            format!("Team {w} {}", i / TEAM_WORDS.len() + 1)
        };
        if !names.insert(name.clone()) {
            continue;
        }
        // Zipf-like sizes: the first groups are huge, the tail is small.
        let share = 0.35 / ((i + 1) as f64).powf(0.9);
        let size = ((users.len() as f64 * share) as usize).clamp(users.len().min(2), users.len());
        let members: BTreeSet<String> = index::sample(rng, users.len(), size)
            .into_iter()
            .filter_map(|k| users.get(k).cloned())
            .collect();
        let kind = if i >= DEPARTMENTS.len() && i % 10 == 7 {
            GroupType::AppGroup
        } else {
            GroupType::OktaGroup
        };
        let id = ids::new_id(rng, prefix::GROUP);
        let created = now - rng.random_range(30 * DAY_MS..900 * DAY_MS);
        let mut profile = Map::new();
        profile.insert("name".into(), json!(name));
        profile.insert(
            "description".into(),
            json!(format!("{name} ({} members at generation)", members.len())),
        );
        org.insert_group(Group {
            id: id.clone(),
            kind,
            created,
            last_updated: created,
            last_membership_updated: rng.random_range(created..now),
            profile,
            members,
            source_app: None,
        });
        ids.push(id);
    }
    ids
}

fn generate_apps(
    org: &mut Org,
    rng: &mut ChaCha8Rng,
    users: &[String],
    groups: &[String],
    count: usize,
    now: Millis,
) {
    for i in 0..count {
        let (mode, label) = APP_TEMPLATES
            .get(i % APP_TEMPLATES.len())
            .copied()
            .unwrap_or(("BOOKMARK", "App"));
        let label = if i < APP_TEMPLATES.len() {
            label.to_owned()
        } else {
            format!("{label} {}", i / APP_TEMPLATES.len() + 1)
        };
        let id = ids::new_id(rng, prefix::APP);
        let external_key = ids::new_id(rng, prefix::EXTERNAL_KEY);
        let slug = ascii_slug(&label).replace('.', "");
        let settings = match mode {
            "SAML_2_0" => json!({ "app": {}, "signOn": {
                "ssoAcsUrl": format!("https://{slug}.example.net/saml/acs"),
                "audience": format!("https://{slug}.example.net/saml/metadata"),
                "recipient": format!("https://{slug}.example.net/saml/acs"),
                "destination": format!("https://{slug}.example.net/saml/acs"),
                "subjectNameIdTemplate": "${user.userName}",
                "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                "responseSigned": true, "assertionSigned": true,
                "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
                "attributeStatements": [] } }),
            "OPENID_CONNECT" => json!({ "app": {}, "oauthClient": {
                "redirect_uris": [format!("https://{slug}.example.net/callback")],
                "response_types": ["code"], "grant_types": ["authorization_code"],
                "application_type": "web" } }),
            _ => {
                json!({ "app": { "url": format!("https://{slug}.example.net/"), "requestIntegration": false } })
            }
        };
        let mut body = Map::new();
        body.insert("settings".into(), settings);
        body.insert("features".into(), json!([]));
        let mut credentials = json!({ "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" }, "signing": {} });
        if mode == "OPENID_CONNECT" {
            credentials["oauthClient"] = json!({ "autoKeyRotation": true, "client_id": id,
                "client_secret": ids::random_string(rng, "", 40), "token_endpoint_auth_method": "client_secret_basic" });
        }
        body.insert("credentials".into(), credentials);
        let mut app_groups = BTreeMap::new();
        for (p, g) in groups.iter().skip(i).step_by(4).take(3).enumerate() {
            app_groups.insert(
                g.clone(),
                AppGroup {
                    group_id: g.clone(),
                    priority: p as i64,
                    profile: json!({}),
                    last_updated: now,
                },
            );
        }
        let mut app_users = BTreeMap::new();
        let direct = (users.len() / 50).min(500);
        for k in index::sample(rng, users.len(), direct.min(users.len())) {
            let Some(uid) = users.get(k) else { continue };
            let Some(user) = org.users.get(uid) else {
                continue;
            };
            if user.status == UserStatus::Deprovisioned {
                continue;
            }
            let login = user.login().to_owned();
            app_users.insert(
                uid.clone(),
                AppUser {
                    user_id: uid.clone(),
                    assignment_id: ids::new_id(rng, prefix::APP_USER),
                    created: now,
                    last_updated: now,
                    status: "PROVISIONED".to_owned(),
                    credentials: json!({ "userName": login }),
                    profile: json!({}),
                    external_id: None,
                },
            );
        }
        org.insert_app(App {
            id,
            name: if mode == "SAML_2_0" {
                format!("{}_{slug}_{}", org.subdomain, i + 1)
            } else if mode == "OPENID_CONNECT" {
                "oidc_client".to_owned()
            } else {
                "bookmark".to_owned()
            },
            label,
            active: true,
            sign_on_mode: mode.to_owned(),
            created: now - 90 * DAY_MS,
            last_updated: now - 30 * DAY_MS,
            external_key,
            body,
            grants: Vec::new(),
            roles: Vec::new(),
            users: app_users,
            groups: app_groups,
            keys: Vec::new(),
            groups_claim: None,
        });
    }
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, u32)], total: u32) -> Option<T> {
    let mut roll = rng.random_range(0..total.max(1));
    for (item, w) in table {
        if roll < *w {
            return Some(*item);
        }
        roll -= w;
    }
    table.last().map(|(t, _)| *t)
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.random_range(0..items.len()))
    }
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            ' ' | '-' => Some('.'),
            _ => None,
        })
        .collect()
}

/// A random department, for mutations.
pub fn random_department(rng: &mut ChaCha8Rng) -> Value {
    let total: u32 = DEPARTMENTS.iter().map(|(_, w)| w).sum();
    json!(weighted(rng, DEPARTMENTS, total).unwrap_or("Engineering"))
}

/// A random job title.
pub fn random_title(rng: &mut ChaCha8Rng) -> Value {
    json!(Title().fake_with_rng::<String, _>(rng))
}
