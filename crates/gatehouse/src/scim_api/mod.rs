//! The SCIM 2.0 server Okta provisions into: `/scim/v2/{dir}/Users`, `/Groups`,
//! `/ServiceProviderConfig`, `/Schemas`, `/ResourceTypes`.
//!
//! Handlers are wiring: [`auth::ScimAuth`] turns the directory token into a
//! [`store::DirectoryScope`] (cached, so the hot path does not touch the database for
//! authentication), the `scim` crate parses and validates, `store` persists, and
//! [`response`] writes the answer. Every failure, including unknown routes, wrong methods,
//! unreadable bodies and bad credentials, is a SCIM Error (`application/scim+json`), never
//! the admin API's error shape.

pub mod auth;
pub mod body;
mod discovery;
mod groups;
pub mod paging;
pub mod purge;
pub mod response;
mod search;
mod users;

use axum::Router;
use axum::routing::{MethodRouter, get};
use scim::query::ListLimits;

use crate::state::AppState;
use response::ScimError;

pub use auth::{ScimAuth, ScimTokenCache};
pub use paging::ScimRuntime;

/// Page-size policy of SCIM lists (also advertised as `filter.maxResults`).
pub const LIST_LIMITS: ListLimits = ListLimits {
    default_count: 100,
    max_count: 1000,
};

/// A route's method router with a SCIM-shaped 405 for other methods.
fn scim_methods(router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    router.fallback(|| async {
        ScimError(scim::Error::new(
            405,
            None,
            "this SCIM endpoint does not accept that method",
        ))
    })
}

/// Every SCIM route under `/scim/v2`, plus a SCIM-shaped 404 for anything else there.
pub fn routes() -> Router<AppState> {
    let scim = Router::new()
        .route(
            "/{dir}/Users",
            scim_methods(get(users::list).post(users::create)),
        )
        .route(
            "/{dir}/Users/.search",
            scim_methods(axum::routing::post(users::search)),
        )
        .route(
            "/{dir}/Users/{id}",
            scim_methods(
                get(users::get_one)
                    .put(users::replace)
                    .patch(users::patch)
                    .delete(users::delete),
            ),
        )
        .route(
            "/{dir}/Groups",
            scim_methods(get(groups::list).post(groups::create)),
        )
        .route(
            "/{dir}/Groups/.search",
            scim_methods(axum::routing::post(groups::search)),
        )
        .route(
            "/{dir}/Groups/{id}",
            scim_methods(
                get(groups::get_one)
                    .put(groups::replace)
                    .patch(groups::patch)
                    .delete(groups::delete),
            ),
        )
        .route(
            "/{dir}/.search",
            scim_methods(axum::routing::post(search::search)),
        )
        .route(
            "/{dir}/ServiceProviderConfig",
            scim_methods(get(discovery::service_provider_config)),
        )
        .route("/{dir}/Schemas", scim_methods(get(discovery::schemas)))
        .route("/{dir}/Schemas/{id}", scim_methods(get(discovery::schema)))
        .route(
            "/{dir}/ResourceTypes",
            scim_methods(get(discovery::resource_types)),
        )
        .route(
            "/{dir}/ResourceTypes/{id}",
            scim_methods(get(discovery::resource_type)),
        )
        .fallback(unknown);
    Router::new().nest("/scim/v2", scim)
}

async fn unknown() -> ScimError {
    ScimError(scim::Error::not_found(
        "no such SCIM endpoint; the base URL is /scim/v2/{directory id}",
    ))
}
