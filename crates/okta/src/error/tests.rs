use http::{HeaderMap, HeaderValue, StatusCode};

use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn parses_management_api_error_body() {
    let body = br#"{"errorCode":"E0000001","errorSummary":"Api validation failed: login",
        "errorLink":"E0000001","errorId":"oaeW1cX","errorCauses":[
        {"errorSummary":"login: An object with this field already exists in the current organization"}]}"#;
    let e = OktaError::from_response(
        StatusCode::BAD_REQUEST,
        &headers(&[("x-okta-request-id", "req123")]),
        body,
    );
    assert_eq!(e.status, 400);
    assert_eq!(e.error_code, "E0000001");
    assert_eq!(e.error_summary, "Api validation failed: login");
    assert_eq!(e.error_id.as_deref(), Some("oaeW1cX"));
    assert_eq!(e.request_id.as_deref(), Some("req123"));
    assert_eq!(e.error_causes.len(), 1);
    assert!(e.to_string().contains("already exists"));
    assert_eq!(Error::Okta(Box::new(e)).suggested_status(), 422);
}

#[test]
fn parses_oauth_error_body() {
    let body = br#"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#;
    let e = OktaError::from_response(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body);
    assert_eq!(e.error_code, "invalid_client");
    assert!(e.error_summary.contains("signature"));
}

#[test]
fn empty_403_reads_www_authenticate() {
    let h = headers(&[(
        "www-authenticate",
        r#"Bearer authorization_uri="https://acme.okta.com/oauth2/v1/authorize", realm="https://acme.okta.com", scope="okta.groups.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups/00g1""#,
    )]);
    let e = OktaError::from_response(StatusCode::FORBIDDEN, &h, b"");
    assert_eq!(e.error_code, "insufficient_scope");
    assert!(e.error_summary.starts_with("The access token provided"));
    assert_eq!(
        e.error_causes,
        vec!["required scope: okta.groups.read".to_owned()]
    );
    assert!(e.is_permission_denied());
    assert_eq!(Error::Okta(Box::new(e)).suggested_status(), 403);
}

#[test]
fn unknown_body_keeps_status_and_snippet() {
    let e = OktaError::from_response(
        StatusCode::BAD_GATEWAY,
        &HeaderMap::new(),
        b"<html>oops</html>",
    );
    assert_eq!(e.error_code, "HTTP_502");
    assert_eq!(e.error_summary, "<html>oops</html>");
    let e = OktaError::from_response(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), b"");
    assert_eq!(e.error_summary, "Service Unavailable");
}

#[test]
fn read_only_admin_error_is_permission_denied() {
    let body = br#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorCauses":[]}"#;
    let e = OktaError::from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
    assert!(e.is_permission_denied());
    let err = Error::Okta(Box::new(e));
    assert_eq!(err.code(), "okta_E0000006");
}

#[test]
fn auth_params_handle_quotes_and_escapes() {
    let p = parse_auth_params(
        r#"DPoP error="use_dpop_nonce", error_description="say \"hi\", then", algs="ES256 RS256""#,
    );
    assert_eq!(p[0], ("error".to_owned(), "use_dpop_nonce".to_owned()));
    assert_eq!(
        p[1],
        (
            "error_description".to_owned(),
            "say \"hi\", then".to_owned()
        )
    );
    assert_eq!(p[2], ("algs".to_owned(), "ES256 RS256".to_owned()));
}
