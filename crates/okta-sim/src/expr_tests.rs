use serde_json::{Map, Value, json};

use super::*;

fn profile() -> Map<String, Value> {
    json!({ "login": "Dana.Ng@example.com", "email": "dana.ng@example.com", "firstName": "Dana",
            "lastName": "Ng", "costCenter": 42, "byndidRegistered": true })
    .as_object()
    .cloned()
    .unwrap()
}

fn with<T>(user_name: Option<&str>, f: impl FnOnce(&Scope<'_>) -> T) -> T {
    let p = profile();
    let app = json!({ "role": "admin" });
    f(&Scope {
        user_id: "00u1",
        user_status: "ACTIVE",
        profile: &p,
        app_profile: Some(&app),
        user_name,
    })
}

#[test]
fn attribute_statement_values() {
    with(None, |s| {
        assert_eq!(eval("user.email", s).unwrap(), json!("dana.ng@example.com"));
        assert_eq!(
            eval_string(r#"user.firstName + " " + user.lastName"#, s).unwrap(),
            Some("Dana Ng".into())
        );
        assert_eq!(
            eval_string("user.costCenter", s).unwrap(),
            Some("42".into())
        );
        assert_eq!(eval("user.byndidRegistered", s).unwrap(), json!(true));
        assert_eq!(eval("user.nickName", s).unwrap(), Value::Null);
        assert_eq!(eval("appuser.role", s).unwrap(), json!("admin"));
        assert_eq!(
            eval(r#"user.getInternalProperty("id")"#, s).unwrap(),
            json!("00u1")
        );
        assert_eq!(
            eval("String.toLowerCase(user.login)", s).unwrap(),
            json!("dana.ng@example.com")
        );
        assert_eq!(
            eval(r#"String.join(",", user.firstName, user.lastName)"#, s).unwrap(),
            json!("Dana,Ng")
        );
        assert_eq!(eval("'literal'", s).unwrap(), json!("literal"));
    });
}

#[test]
fn username_templates() {
    with(None, |s| {
        assert_eq!(render("${source.login}", s).unwrap(), "Dana.Ng@example.com");
        assert_eq!(render("${source.email}", s).unwrap(), "dana.ng@example.com");
        assert_eq!(
            render(r#"${fn:substringBefore(source.login, "@")}"#, s).unwrap(),
            "Dana.Ng"
        );
        assert_eq!(
            render("prefix-${source.lastName}-x", s).unwrap(),
            "prefix-Ng-x"
        );
    });
    with(Some("dana"), |s| {
        assert_eq!(render("${user.userName}", s).unwrap(), "dana");
    });
}

#[test]
fn bad_expressions_are_errors() {
    assert!(check("user.email +").is_err());
    assert!(check("Math.random()").is_err());
    assert!(check("\"open").is_err());
    assert!(check("String.toLowerCase(user.a, user.b)").is_err());
    assert!(check("user.email user.login").is_err());
    with(None, |s| assert!(render("${source.login", s).is_err()));
}

#[test]
fn group_filters() {
    let regex = GroupFilter::parse("REGEX", "Sales.*").unwrap();
    assert!(regex.matches("Sales EMEA"));
    assert!(
        !regex.matches("Pre-Sales"),
        "REGEX must match the whole name"
    );
    assert!(
        GroupFilter::parse("REGEX", ".*")
            .unwrap()
            .matches("Everyone")
    );
    assert!(
        GroupFilter::parse("STARTS_WITH", "Eng")
            .unwrap()
            .matches("Engineering")
    );
    assert!(
        GroupFilter::parse("CONTAINS", "gin")
            .unwrap()
            .matches("Engineering")
    );
    assert!(!GroupFilter::parse("EQUALS", "eng").unwrap().matches("Eng"));
    assert!(GroupFilter::parse("REGEX", "(").is_err());
    assert!(GroupFilter::parse("FUZZY", "x").is_err());
}
