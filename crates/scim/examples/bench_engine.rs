//! Micro-benchmark of the SCIM hot paths the server runs per request: parsing Okta's
//! `userName eq` filter, evaluating it, validating an Okta create body, applying Okta's
//! deactivate PATCH, planning a one-member group PATCH, and projecting a response.
//!
//! Run in release mode: `cargo run -p scim --release --example bench_engine [iterations]`.
//! Prints operations per second and nanoseconds per operation; it asserts nothing.

use std::hint::black_box;
use std::time::Instant;

use scim::patch::{GroupPatch, PatchRequest, apply_patch, plan_group_patch};
use scim::query::Projection;
use scim::resource::parse_user;
use scim::schema::USER;
use scim::{Error, Filter};
use serde_json::{Value, json};

fn main() -> Result<(), Error> {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let user = okta_user();
    let stored = parse_user(user.clone())?.resource;

    measure("parse `userName eq \"…\"` filter", iterations, || {
        Filter::parse(black_box(r#"userName eq "dana.ng@example.com""#)).map(drop)
    })?;

    let filter = Filter::parse(
        r#"userName eq "DANA.NG@EXAMPLE.COM" and emails[type eq "work" and value co "@example"]"#,
    )?;
    measure("evaluate a two-clause filter", iterations, || {
        black_box(filter.matches(black_box(&stored), &USER));
        Ok(())
    })?;

    measure("validate Okta's POST /Users body", iterations, || {
        parse_user(black_box(user.clone())).map(drop)
    })?;

    let deactivate = PatchRequest::parse(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]
    }))?;
    measure("apply Okta's deactivate PATCH", iterations, || {
        let mut copy = stored.clone();
        apply_patch(&mut copy, black_box(&deactivate), &USER).map(drop)
    })?;

    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
        "displayName": "Sales"
    });
    let membership = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "dana"}]},
            {"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Sales"}}
        ]
    });
    measure("parse + plan Okta's group member add", iterations, || {
        let request = PatchRequest::parse(black_box(membership.clone()))?;
        match plan_group_patch(&group, &request)? {
            GroupPatch::Planned(plan) => {
                black_box(plan);
                Ok(())
            }
            GroupPatch::NeedsMembers => Err(Error::internal("unexpected fallback")),
        }
    })?;

    let projection = Projection::from_lists(Some("userName,name.givenName,emails.value"), None)?;
    measure("project a user with `attributes`", iterations, || {
        black_box(projection.apply(black_box(&stored), &USER));
        Ok(())
    })?;
    Ok(())
}

fn measure(
    name: &str,
    iterations: u32,
    mut op: impl FnMut() -> Result<(), Error>,
) -> Result<(), Error> {
    for _ in 0..iterations / 10 {
        op()?;
    }
    let start = Instant::now();
    for _ in 0..iterations {
        op()?;
    }
    let elapsed = start.elapsed();
    let per_op = elapsed.as_nanos() / u128::from(iterations.max(1));
    let per_second = f64::from(iterations) / elapsed.as_secs_f64();
    println!("{name:<42} {per_second:>12.0} ops/s {per_op:>8} ns/op");
    Ok(())
}

fn okta_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "dana.ng@example.com",
        "name": { "givenName": "Dana", "familyName": "Ng" },
        "emails": [ { "primary": true, "value": "dana.ng@example.com", "type": "work" } ],
        "displayName": "Dana Ng",
        "locale": "en-US",
        "externalId": "00u1a2b3c4D5e6F7g8h9",
        "groups": [],
        "password": "tQ7xv2mK",
        "active": true
    })
}
