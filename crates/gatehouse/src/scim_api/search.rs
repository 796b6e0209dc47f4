//! `POST /.search` at the root of the SCIM base URL (RFC 7644 §3.4.3): one query over every
//! resource type. The filter is validated per type; a type whose schema lacks an attribute
//! the filter names has no match (`userName eq "…"` finds users only), and a filter no type
//! accepts is `invalidFilter`. Results are Users, then Groups, each in its own order, with
//! `startIndex`/`count` paging across the two.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use scim::query::ListQuery;
use scim::schema::{GROUP, USER};

use super::LIST_LIMITS;
use super::auth::ScimAuth;
use super::body::ScimBody;
use super::response::{ScimResult, list_text, scim_body};
use super::{groups, users};
use crate::state::AppState;

pub(super) async fn search(
    State(state): State<AppState>,
    auth: ScimAuth,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let (user_query, group_query) = match (
        ListQuery::from_search_request(&body, &USER, LIST_LIMITS),
        ListQuery::from_search_request(&body, &GROUP, LIST_LIMITS),
    ) {
        (Err(err), Err(_)) => return Err(err.into()),
        (users, groups) => (users.ok(), groups.ok()),
    };
    let (start_index, count) = user_query
        .as_ref()
        .or(group_query.as_ref())
        .map_or((1, 0), |q| (q.start_index, q.count));
    let offset = start_index.saturating_sub(1);
    let mut total = 0;
    let mut resources = Vec::new();
    if let Some(query) = &user_query {
        let (found, page) = users::page(&state, &auth, query).await?;
        total += found;
        resources = page;
    }
    if let Some(mut query) = group_query {
        // Groups continue where the users ended.
        let users_total = usize::try_from(total).unwrap_or(usize::MAX);
        query.start_index = offset.saturating_sub(users_total) + 1;
        query.count = count.saturating_sub(resources.len());
        let (found, page) = groups::page(&state, &auth, &query).await?;
        total += found;
        resources.extend(page);
    }
    Ok(scim_body(
        StatusCode::OK,
        list_text(total, start_index, &resources),
    ))
}
