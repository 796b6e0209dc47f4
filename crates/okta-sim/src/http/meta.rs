//! Org-level endpoints: `/.well-known/okta-organization`, `/api/v1/org`, the user
//! schema, user types and API-token self-revocation.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use bytes::Bytes;
use serde_json::{Value, json};

use super::paging;
use super::{AppState, Principal, parse_body};
use crate::clock::format_ms;
use crate::error::{ApiError, ApiResult};

/// The org-level routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/okta-organization", get(well_known))
        .route("/api/v1/org", get(org))
        .route(
            "/api/v1/meta/schemas/user/{schema_id}",
            get(schema).post(update_schema),
        )
        .route("/api/v1/meta/types/user", get(user_types))
        .route("/api/v1/meta/types/user/{type_id}", get(user_type))
        .route("/api/v1/api-tokens/current", delete(revoke_current))
}

async fn well_known(State(sim): State<AppState>) -> Response {
    let id = sim.read().id.clone();
    paging::json(
        StatusCode::OK,
        &json!({ "id": id, "pipeline": "idx", "_links": { "organization": { "href": sim.base_url } }, "settings": { "analyticsCollectionEnabled": false, "bugReportingEnabled": false, "omEnabled": false } }),
    )
}

async fn org(State(sim): State<AppState>, p: Principal) -> ApiResult<Response> {
    p.read("okta.orgs.read")?;
    let org = sim.read();
    let created = format_ms(org.created);
    Ok(paging::json(
        StatusCode::OK,
        &json!({
            "id": org.id, "companyName": org.company_name, "subdomain": org.subdomain,
            "status": "ACTIVE", "website": format!("https://www.{}", org.email_domain),
            "phoneNumber": null, "address1": null, "city": null, "country": "United States",
            "created": created, "lastUpdated": created, "expiresAt": null,
            "_links": { "preferences": { "href": format!("{}/api/v1/org/preferences", sim.base_url) },
                        "contacts": { "href": format!("{}/api/v1/org/contacts", sim.base_url) } }
        }),
    ))
}

fn check_schema_id(sim: &AppState, id: &str) -> ApiResult<()> {
    if id == "default" || id == sim.read().schema.id {
        Ok(())
    } else {
        Err(ApiError::not_found(id, "UserSchema"))
    }
}

fn schema_json(sim: &AppState) -> Value {
    let org = sim.read();
    org.schema.to_json(
        &sim.base_url,
        &org.user_type_id,
        &format_ms(org.created),
        &format_ms(org.schema.last_updated),
    )
}

async fn schema(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read("okta.schemas.read")?;
    check_schema_id(&sim, &id)?;
    Ok(paging::json(StatusCode::OK, &schema_json(&sim)))
}

async fn update_schema(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write("okta.schemas.manage")?;
    check_schema_id(&sim, &id)?;
    let body = parse_body(&body)?;
    let ctx = p.ctx(sim.clock.now());
    {
        let mut org = sim.write();
        let changes = org.schema.apply(&body)?;
        if !changes.is_empty() {
            org.schema.last_updated = ctx.now;
        }
        for (name, kind) in changes {
            let t = crate::model::log::target(&name, "UserSchemaProperty", &name, &name);
            org.log_event(&ctx, &format!("user.schema.attribute.{kind}"), vec![t]);
        }
    }
    Ok(paging::json(StatusCode::OK, &schema_json(&sim)))
}

fn user_type_json(sim: &AppState) -> Value {
    let org = sim.read();
    let t = format_ms(org.created);
    json!({ "id": org.user_type_id, "displayName": "User", "name": "user", "description": "Okta user profile template with default permission settings",
            "createdBy": "00u000000000000000000", "lastUpdatedBy": "00u000000000000000000", "created": t, "lastUpdated": t, "default": true,
            "_links": { "schema": { "href": format!("{}/api/v1/meta/schemas/user/{}", sim.base_url, org.schema.id) },
                        "self": { "href": format!("{}/api/v1/meta/types/user/{}", sim.base_url, org.user_type_id) } } })
}

async fn user_types(State(sim): State<AppState>, p: Principal) -> ApiResult<Response> {
    p.read("okta.userTypes.read")
        .or_else(|_| p.read("okta.schemas.read"))?;
    Ok(paging::json(StatusCode::OK, &[user_type_json(&sim)]))
}

async fn user_type(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read("okta.userTypes.read")
        .or_else(|_| p.read("okta.schemas.read"))?;
    if id != "default" && id != sim.read().user_type_id {
        return Err(ApiError::not_found(&id, "UserType"));
    }
    Ok(paging::json(StatusCode::OK, &user_type_json(&sim)))
}

async fn revoke_current(State(sim): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let token = auth
        .strip_prefix("SSWS ")
        .ok_or_else(ApiError::invalid_session)?
        .trim();
    if sim.write().tokens.remove(token).is_none() {
        return Err(ApiError::invalid_token());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
