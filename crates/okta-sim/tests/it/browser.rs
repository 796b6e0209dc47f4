//! A minimal browser for SSO tests: no automatic redirects, the `sid` cookie passed
//! by hand, and the fields of auto-submitting forms.

use reqwest::{Client, Response, redirect};

use crate::common::Org;

pub(crate) fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `login` in through `/sim/v1/login`; returns the `Cookie` header value.
pub(crate) async fn login(org: &Org, login: &str) -> String {
    let r = org.get(&format!("/sim/v1/login?user={login}")).await;
    assert_eq!(r.status(), 200, "sim login of {login}");
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    let cookie = body["cookie"].as_str().unwrap().to_owned();
    assert!(set_cookie.starts_with(&cookie));
    cookie
}

/// GET with the session cookie, no redirects followed.
pub(crate) async fn get(org: &Org, url: &str, cookie: Option<&str>) -> Response {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        org.url(url)
    };
    let mut req = client().get(url);
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    req.send().await.unwrap()
}

pub(crate) fn location(r: &Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of a hidden form field, e.g. `SAMLResponse`.
pub(crate) fn form_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// The `action` of the first form.
pub(crate) fn form_action(html: &str) -> Option<String> {
    let marker = "action=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// A query parameter of a URL.
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("http://x{url}")))
        .ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
