//! The few HTML pages a browser sees: Okta's error page, the simulated sign-in page
//! with its user picker, and the signed-in landing page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// HTML-escapes text for element content and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A `302 Found` redirect, as Okta answers browser redirects.
pub(super) fn found(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// An HTML response with `no-store` caching.
pub(super) fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    r
}

fn page(title: &str, body: &str) -> String {
    format!(
        concat!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>",
            "<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto}}",
            "button{{margin:.2em 0;padding:.4em 1em}}.err{{color:#a00}}</style></head>",
            "<body><h1>okta-sim</h1>{body}</body></html>"
        ),
        title = escape(title),
        body = body
    )
}

/// Okta's error page: a status, and a sentence saying what went wrong and who can fix it.
pub(super) fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<h2 class=\"err\">{}</h2><p id=\"error-message\">{}</p><p><small>Error code: <code id=\"error-code\">{}</code></small></p>",
        status.as_u16(),
        escape(message),
        escape(code)
    );
    html(status, page("Error", &body))
}

/// The sign-in page: one button per listed user, and a free-text login.
pub(super) fn login_page(
    users: &[(String, String)],
    from_uri: &str,
    error: Option<&str>,
) -> String {
    let from = escape(from_uri);
    let mut body = String::from("<h2>Sign In</h2>");
    if let Some(e) = error {
        body.push_str(&format!("<p class=\"err\">{}</p>", escape(e)));
    }
    body.push_str(&format!(
        concat!(
            "<form method=\"post\" action=\"/login/login.htm\">",
            "<input type=\"hidden\" name=\"fromURI\" value=\"{from}\"/>",
            "<label>Username <input name=\"username\" autofocus/></label> ",
            "<button type=\"submit\">Sign In</button></form><h3>Or pick a user</h3>"
        ),
        from = from
    ));
    for (login, name) in users {
        body.push_str(&format!(
            concat!(
                "<form method=\"post\" action=\"/login/login.htm\">",
                "<input type=\"hidden\" name=\"fromURI\" value=\"{from}\"/>",
                "<input type=\"hidden\" name=\"username\" value=\"{login}\"/>",
                "<button type=\"submit\">{name} &lt;{login}&gt;</button></form>"
            ),
            from = from,
            login = escape(login),
            name = escape(name)
        ));
    }
    page("Sign In", &body)
}

/// Where a signed-in user lands without a `fromURI`.
pub(super) fn signed_in_page(login: &str) -> String {
    page(
        "Signed in",
        &format!(
            "<p>Signed in as <strong>{}</strong>.</p><p><a href=\"/login/signout\">Sign out</a></p>",
            escape(login)
        ),
    )
}
