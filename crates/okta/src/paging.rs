//! Cursor pagination through `Link` headers (okta-reference §4.1).
//!
//! The only way to the next page is the `rel="next"` link Okta sends; the cursor inside it
//! is opaque and never built by us. Only the link's path and query are kept, and they are
//! joined to the org's own base URL, so credentials never follow a link to another host.

use http::HeaderMap;
use url::Url;

/// One page of a list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The records on this page (possibly none; a short page does not mean the end).
    pub items: Vec<T>,
    /// Path and query of the next page, from `Link: <…>; rel="next"`; `None` at the end.
    pub next: Option<String>,
}

/// The `rel="next"` target of a response, as path and query, from every `link` header
/// instance (each may also hold several comma-separated links).
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_links)
        .find(|(_, rels)| rels.iter().any(|r| r == "next"))
        .and_then(|(target, _)| path_and_query(&target))
}

/// Splits one `Link` header value into `(target, rels)` pairs (RFC 8288).
fn parse_links(value: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let Some((_, mut rest)) = value.split_once('<') else {
        return out;
    };
    while let Some((target, tail)) = rest.split_once('>') {
        let (params, next) = match tail.split_once('<') {
            Some((p, n)) => (p, Some(n)),
            None => (tail, None),
        };
        let rels = params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("rel"))
            .flat_map(|(_, v)| {
                v.trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_whitespace()
            })
            .map(str::to_ascii_lowercase)
            .collect();
        out.push((target.trim().to_owned(), rels));
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    out
}

/// `https://host/api/v1/users?after=x` → `/api/v1/users?after=x`; relative links pass.
fn path_and_query(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_owned());
    }
    let url = Url::parse(target).ok()?;
    Some(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::next_link;

    fn links(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("link", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn next_from_separate_header_lines() {
        let h = links(&[
            r#"<https://acme.okta.com/api/v1/users?limit=200>; rel="self""#,
            r#"<https://acme.okta.com/api/v1/users?after=00u1a2b3c4D5e6F7g8h9&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/api/v1/users?after=00u1a2b3c4D5e6F7g8h9&limit=200")
        );
    }

    #[test]
    fn next_from_comma_joined_value() {
        let h = links(&[
            r#"<https://a.okta.com/api/v1/groups?limit=2>; rel="self", <https://a.okta.com/api/v1/groups?after=00g2&limit=2>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/api/v1/groups?after=00g2&limit=2")
        );
    }

    #[test]
    fn no_next_means_end() {
        assert_eq!(
            next_link(&links(&[
                r#"<https://a.okta.com/api/v1/users>; rel="self""#
            ])),
            None
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn next_link_keeps_only_path_and_query_of_foreign_hosts() {
        let h = links(&[r#"<https://evil.example/api/v1/users?after=x>; rel=next"#]);
        assert_eq!(next_link(&h).as_deref(), Some("/api/v1/users?after=x"));
    }

    #[test]
    fn filter_in_next_link_is_preserved_verbatim() {
        let h = links(&[
            r#"<http://127.0.0.1:9/api/v1/users?filter=status+eq+%22ACTIVE%22&after=abc&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/api/v1/users?filter=status+eq+%22ACTIVE%22&after=abc&limit=200")
        );
    }
}
