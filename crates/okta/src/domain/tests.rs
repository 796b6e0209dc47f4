use super::*;

const SECURE: DomainOptions = DomainOptions {
    allow_insecure_http: false,
};
const INSECURE: DomainOptions = DomainOptions {
    allow_insecure_http: true,
};

#[test]
fn accepted_inputs_normalise_to_the_org_origin() {
    let cases: &[(&str, DomainOptions, &str, DomainKind)] = &[
        (
            "acme.okta.com",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "https://acme.okta.com",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "https://acme.okta.com/",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "https://acme-admin.okta.com/admin/dashboard",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "acme-admin.oktapreview.com",
            SECURE,
            "https://acme.oktapreview.com",
            DomainKind::Okta,
        ),
        (
            "acme.oktapreview.com",
            SECURE,
            "https://acme.oktapreview.com",
            DomainKind::Okta,
        ),
        (
            "acme.okta-emea.com",
            SECURE,
            "https://acme.okta-emea.com",
            DomainKind::Okta,
        ),
        (
            "acme-admin.okta-emea.com",
            SECURE,
            "https://acme.okta-emea.com",
            DomainKind::Okta,
        ),
        (
            "agency.okta-gov.com",
            SECURE,
            "https://agency.okta-gov.com",
            DomainKind::Okta,
        ),
        (
            "unit.okta.mil",
            SECURE,
            "https://unit.okta.mil",
            DomainKind::Okta,
        ),
        (
            "trial-1234567.okta.com",
            SECURE,
            "https://trial-1234567.okta.com",
            DomainKind::Okta,
        ),
        (
            "  ACME.Okta.COM  ",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "acme.okta.com.",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "https://acme.okta.com:443/x",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "https://acme.okta.com/app?x=1#frag",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "HTTPS://acme.okta.com",
            SECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
        (
            "id.example.com",
            SECURE,
            "https://id.example.com",
            DomainKind::Custom,
        ),
        (
            "https://id.example.com/login",
            SECURE,
            "https://id.example.com",
            DomainKind::Custom,
        ),
        // -admin is only stripped from Okta-owned hosts.
        (
            "sso-admin.example.com",
            SECURE,
            "https://sso-admin.example.com",
            DomainKind::Custom,
        ),
        (
            "login.bücher.example",
            SECURE,
            "https://login.xn--bcher-kva.example",
            DomainKind::Custom,
        ),
        (
            "http://127.0.0.1:8089",
            INSECURE,
            "http://127.0.0.1:8089",
            DomainKind::Insecure,
        ),
        (
            "http://127.0.0.1:8089/api/v1",
            INSECURE,
            "http://127.0.0.1:8089",
            DomainKind::Insecure,
        ),
        (
            "http://[::1]:9000",
            INSECURE,
            "http://[::1]:9000",
            DomainKind::Insecure,
        ),
        (
            "http://localhost.test:80",
            INSECURE,
            "http://localhost.test",
            DomainKind::Insecure,
        ),
        (
            "http://localhost:8089",
            INSECURE,
            "http://localhost:8089",
            DomainKind::Insecure,
        ),
        (
            "http://acme-admin.okta.com",
            INSECURE,
            "http://acme.okta.com",
            DomainKind::Insecure,
        ),
        (
            "https://acme.okta.com:8443",
            INSECURE,
            "https://acme.okta.com:8443",
            DomainKind::Insecure,
        ),
        (
            "acme.okta.com",
            INSECURE,
            "https://acme.okta.com",
            DomainKind::Okta,
        ),
    ];
    for (input, options, expected, kind) in cases {
        let org =
            OrgUrl::parse(input, *options).unwrap_or_else(|e| panic!("{input:?} was refused: {e}"));
        assert_eq!(org.as_str(), *expected, "input {input:?}");
        assert_eq!(org.kind(), *kind, "input {input:?}");
    }
}

#[test]
fn refused_inputs_say_what_is_wrong() {
    let cases: &[(&str, DomainOptions, &str, &str)] = &[
        ("", SECURE, "domain_empty", "empty"),
        ("   ", SECURE, "domain_empty", "empty"),
        (
            "http://acme.okta.com",
            SECURE,
            "domain_insecure_scheme",
            "https://acme.okta.com",
        ),
        (
            "ftp://acme.okta.com",
            SECURE,
            "domain_unsupported_scheme",
            "\"ftp\"",
        ),
        (
            "https://https://acme.okta.com",
            SECURE,
            "domain_repeated_scheme",
            "more than once",
        ),
        (
            "https://{yourOktaDomain}",
            SECURE,
            "domain_placeholder",
            "{yourOktaDomain}",
        ),
        (
            "{yourOktaDomain}/api/v1",
            SECURE,
            "domain_placeholder",
            "placeholder",
        ),
        (
            "https://user:pw@acme.okta.com",
            SECURE,
            "domain_userinfo",
            "user name or password",
        ),
        (
            "https://10.0.0.5",
            SECURE,
            "domain_ip_address",
            "\"10.0.0.5\" is an IP address",
        ),
        (
            "http://10.0.0.5:8080",
            INSECURE,
            "domain_ip_address",
            "10.0.0.5",
        ),
        (
            "http://127.0.0.1:8089",
            SECURE,
            "domain_insecure_scheme",
            "HTTPS-only",
        ),
        (
            "https://127.0.0.1",
            SECURE,
            "domain_ip_address",
            "127.0.0.1",
        ),
        (
            "https://acme.okta.com:8443",
            SECURE,
            "domain_port",
            "port 8443",
        ),
        (
            "acme.okta.com.com",
            SECURE,
            "domain_repeated_com",
            "did you mean acme.okta.com?",
        ),
        (
            "acme",
            SECURE,
            "domain_single_label",
            "did you mean acme.okta.com?",
        ),
        ("okta.com", SECURE, "domain_missing_org", "acme.okta.com"),
        (
            "-admin.okta.com",
            SECURE,
            "domain_missing_org",
            "missing your org's name",
        ),
        (
            "login.acme.okta.com",
            SECURE,
            "domain_nested_okta_host",
            "exactly one name",
        ),
        (
            "example.com",
            SECURE,
            "domain_custom_root",
            "login.example.com",
        ),
        (
            "acme_corp.okta.com",
            SECURE,
            "domain_invalid_label",
            "\"acme_corp\"",
        ),
        (
            "id.exa_mple.com",
            SECURE,
            "domain_invalid_label",
            "\"exa_mple\"",
        ),
        (
            "acme okta.com",
            SECURE,
            "domain_unparseable",
            "not a valid domain",
        ),
        (
            "https://",
            SECURE,
            "domain_unparseable",
            "not a valid domain",
        ),
        (
            "localhost",
            SECURE,
            "domain_single_label",
            "not a full domain name",
        ),
        ("localhost:8080", SECURE, "domain_port", "port 8080"),
    ];
    for (input, options, code, fragment) in cases {
        let err = match OrgUrl::parse(input, *options) {
            Ok(org) => panic!("{input:?} was accepted as {org}"),
            Err(e) => e,
        };
        assert_eq!(err.code(), *code, "input {input:?}: {err}");
        let message = err.to_string();
        assert!(
            message.contains(fragment),
            "input {input:?}: message {message:?}"
        );
    }
}

#[test]
fn join_keeps_only_path_and_query_on_the_org_host() {
    let org = OrgUrl::parse("acme.okta.com", SECURE).unwrap();
    assert_eq!(
        org.join("/api/v1/users?limit=200").unwrap().as_str(),
        "https://acme.okta.com/api/v1/users?limit=200"
    );
    assert_eq!(
        org.token_endpoint(),
        "https://acme.okta.com/oauth2/v1/token"
    );
}
