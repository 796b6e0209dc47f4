//! `GET /api/v1/logs`: System Log polling (`since`/`after`, always a `next` link) and
//! bounded queries (`since`+`until`, ordered by `published`), with `filter` and `q`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use super::paging::{self, Params};
use super::{AppState, Principal};
use crate::clock::{Millis, parse_ms};
use crate::error::{ApiError, ApiResult};
use crate::filter::{Expr, Field, Op, Record, Rules, json_path};
use crate::model::log::LogEntry;

const DAY_MS: Millis = 86_400_000;

/// The System Log route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/logs", get(list))
}

struct EventRecord<'a>(&'a Value);

impl Record for EventRecord<'_> {
    fn field(&self, path: &str) -> Field<'_> {
        json_path(self.0, path)
    }
}

fn filter_rule(attr: &str, _op: Op) -> Result<(), String> {
    if attr == "published" {
        Err("The 'published' property cannot be used in filter; use since and until".to_owned())
    } else {
        Ok(())
    }
}

fn cursor(e: &LogEntry) -> String {
    format!("{}_{}", e.published, e.seq)
}

fn parse_cursor(after: &str) -> Option<u64> {
    after.rsplit_once('_').and_then(|(_, seq)| seq.parse().ok())
}

fn time_param(params: &Params, key: &str) -> ApiResult<Option<Millis>> {
    match params.get(key) {
        None | Some("") => Ok(None),
        Some(v) => parse_ms(v)
            .map(Some)
            .ok_or_else(|| ApiError::validation(key, format!("{key}: Invalid date format '{v}'"))),
    }
}

async fn list(
    State(sim): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read("okta.logs.read")?;
    let params = Params::parse(raw.as_deref());
    let limit = params.limit(100, 1000)?;
    let now = sim.clock.now();
    let until = time_param(&params, "until")?;
    let since = time_param(&params, "since")?.unwrap_or(until.unwrap_or(now) - 7 * DAY_MS);
    if since < now - 180 * DAY_MS {
        return Err(ApiError::invalid_log_filter(
            "since: must be within the last 180 days",
        ));
    }
    let expr = match params.get("filter") {
        Some(f) => {
            let e = Expr::parse(f).map_err(ApiError::invalid_log_filter)?;
            e.check(&Rules {
                allow: &filter_rule,
                allow_not: true,
            })
            .map_err(ApiError::invalid_log_filter)?;
            Some(e)
        }
        None => None,
    };
    let keywords: Vec<String> = params
        .get("q")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    if keywords.len() > 10 || keywords.iter().any(|k| k.chars().count() > 40) {
        return Err(ApiError::validation(
            "q",
            "q: At most 10 keywords of at most 40 characters",
        ));
    }
    let retention = now - 90 * DAY_MS;
    let descending = params
        .get("sortOrder")
        .is_some_and(|o| o.eq_ignore_ascii_case("DESCENDING"));
    let after_seq = match params.after() {
        Some(a) => {
            Some(parse_cursor(a).ok_or_else(|| ApiError::invalid_paging("after: invalid cursor"))?)
        }
        None => None,
    };
    let org = sim.read();
    let matches = |e: &LogEntry| {
        e.published >= retention
            && expr
                .as_ref()
                .is_none_or(|x| x.matches(&EventRecord(&e.event), false))
            && (keywords.is_empty() || {
                let text = e.event.to_string().to_lowercase();
                keywords.iter().all(|k| text.contains(k.as_str()))
            })
    };
    let in_window = |e: &LogEntry| e.published >= since && until.is_none_or(|u| e.published < u);
    let base = sim.base_url.as_str();
    let drop_on_next = ["since"];
    if until.is_none() && !descending {
        // Polling: persistence order; `next` is always present.
        let start = match after_seq {
            Some(seq) => org.log.partition_point(|e| e.seq <= seq),
            None => org.log.partition_point(|e| e.published < since),
        };
        let tail = org.log.get(start..).unwrap_or_default();
        let mut page = Vec::new();
        let mut last_seen: Option<&LogEntry> = None;
        for e in tail {
            if page.len() == limit {
                break;
            }
            last_seen = Some(e);
            if matches(e) {
                page.push(&e.event);
            }
        }
        let next = match (
            last_seen,
            after_seq,
            start.checked_sub(1).and_then(|i| org.log.get(i)),
        ) {
            (Some(e), _, _) => cursor(e),
            // Nothing new: hand back the very cursor the caller polled with.
            (None, Some(_), _) => params.after().unwrap_or_default().to_owned(),
            (None, None, Some(prev)) => cursor(prev),
            (None, None, None) => format!("{since}_0"),
        };
        return Ok(paging::page(
            &page,
            paging::links(base, "/api/v1/logs", &params, Some(&next), &drop_on_next),
        ));
    }
    // Bounded (or descending): ordered by `published`, finite.
    let candidates: Box<dyn Iterator<Item = &LogEntry>> = if descending {
        Box::new(
            org.log
                .iter()
                .rev()
                .filter(|e| after_seq.is_none_or(|s| e.seq < s)),
        )
    } else {
        Box::new(
            org.log
                .iter()
                .filter(|e| after_seq.is_none_or(|s| e.seq > s)),
        )
    };
    let (items, next) = paging::take_page(
        candidates.filter(|e| in_window(e) && matches(e)),
        limit,
        |e| cursor(e),
    );
    let page: Vec<&Value> = items.iter().map(|e| &e.event).collect();
    Ok(paging::page(
        &page,
        paging::links(
            base,
            "/api/v1/logs",
            &params,
            next.as_deref(),
            &drop_on_next,
        ),
    ))
}
