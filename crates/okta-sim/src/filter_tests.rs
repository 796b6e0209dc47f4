use super::*;
use serde_json::json;

struct J(Value);
impl Record for J {
    fn field(&self, path: &str) -> Field<'_> {
        json_path(&self.0, path)
    }
}

#[test]
fn parses_precedence_and_parentheses() {
    let e = Expr::parse(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap();
    assert!(matches!(e, Expr::Or(_, _)));
    let e = Expr::parse(r#"(a eq "1" or b eq "2") and c pr"#).unwrap();
    assert!(matches!(e, Expr::And(_, _)));
}

#[test]
fn rejects_garbage() {
    assert!(Expr::parse("status eq").is_err());
    assert!(Expr::parse(r#"status xx "A""#).is_err());
    assert!(Expr::parse(r#"status eq "A"#).is_err());
    assert!(Expr::parse(r#"(status eq "A""#).is_err());
    assert!(Expr::parse(r#"status eq "A" extra"#).is_err());
}

#[test]
fn evaluates_strings_numbers_booleans_arrays_and_escapes() {
    let r = J(
        json!({"profile": {"login": "Dana@x.com", "n": 5, "b": true},
                     "target": [{"id": "1"}, {"id": "2"}]}),
    );
    let t = |s: &str, fold| Expr::parse(s).unwrap().matches(&r, fold);
    assert!(t(r#"profile.login eq "dana@x.com""#, true));
    assert!(!t(r#"profile.login eq "dana@x.com""#, false));
    assert!(t(r#"profile.login sw "Dana""#, false));
    assert!(t("profile.n gt 4 and profile.b eq true", false));
    assert!(t(r#"target.id eq "2""#, false));
    assert!(t("not (profile.n lt 5)", false));
    assert!(t("profile.missing eq null", false));
    assert!(!t("profile.missing pr", false));
    let esc = J(json!({"a": "say \"hi\""}));
    assert!(
        Expr::parse(r#"a eq "say \"hi\"""#)
            .unwrap()
            .matches(&esc, false)
    );
}

#[test]
fn rules_reject_operators_and_not() {
    let allow = |attr: &str, op: Op| {
        if attr == "status" && op == Op::Eq {
            Ok(())
        } else {
            Err(format!("{attr} not allowed"))
        }
    };
    let rules = Rules {
        allow: &allow,
        allow_not: false,
    };
    assert!(
        Expr::parse(r#"status eq "ACTIVE""#)
            .unwrap()
            .check(&rules)
            .is_ok()
    );
    assert!(
        Expr::parse(r#"status sw "A""#)
            .unwrap()
            .check(&rules)
            .is_err()
    );
    assert!(
        Expr::parse(r#"not (status eq "A")"#)
            .unwrap()
            .check(&rules)
            .is_err()
    );
}
