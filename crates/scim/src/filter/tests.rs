use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::ScimType;
use crate::schema::{GROUP, USER};

fn parse(text: &str) -> Filter {
    Filter::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn parse_err(text: &str) -> String {
    let err = Filter::parse(text).expect_err(&format!("{text:?} should be rejected"));
    assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter), "{text:?}");
    assert_eq!(err.status(), 400);
    err.detail().to_owned()
}

fn cmp(path: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: AttrPath::parse(path).unwrap(),
        op,
        value,
    }
}

fn s(text: &str) -> CompValue {
    CompValue::String(text.to_owned())
}

fn pr(path: &str) -> Filter {
    Filter::Present {
        path: AttrPath::parse(path).unwrap(),
    }
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}

fn value_path(path: &str, inner: Filter) -> Filter {
    Filter::ValuePath {
        path: AttrPath::parse(path).unwrap(),
        filter: Box::new(inner),
    }
}

// ---- The example filters of RFC 7644 §3.4.2.2, each with its expected tree. ----

#[test]
fn rfc_examples_parse_to_the_expected_trees() {
    use CompareOp::*;
    let date = || s("2011-05-13T04:42:34Z");
    let cases: Vec<(&str, Filter)> = vec![
        (
            r#"userName eq "bjensen""#,
            cmp("userName", Eq, s("bjensen")),
        ),
        (
            r#"name.familyName co "O'Malley""#,
            cmp("name.familyName", Co, s("O'Malley")),
        ),
        (r#"userName sw "J""#, cmp("userName", Sw, s("J"))),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                Sw,
                s("J"),
            ),
        ),
        ("title pr", pr("title")),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Gt, date()),
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Ge, date()),
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Lt, date()),
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Le, date()),
        ),
        (
            r#"title pr and userType eq "Employee""#,
            and(pr("title"), cmp("userType", Eq, s("Employee"))),
        ),
        (
            r#"title pr or userType eq "Intern""#,
            or(pr("title"), cmp("userType", Eq, s("Intern"))),
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            cmp(
                "schemas",
                Eq,
                s("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            ),
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            and(
                cmp("userType", Eq, s("Employee")),
                or(
                    cmp("emails", Co, s("example.com")),
                    cmp("emails.value", Co, s("example.org")),
                ),
            ),
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            and(
                cmp("userType", Ne, s("Employee")),
                not(or(
                    cmp("emails", Co, s("example.com")),
                    cmp("emails.value", Co, s("example.org")),
                )),
            ),
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            and(
                cmp("userType", Eq, s("Employee")),
                cmp("emails.type", Eq, s("work")),
            ),
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            and(
                cmp("userType", Eq, s("Employee")),
                value_path(
                    "emails",
                    and(
                        cmp("type", Eq, s("work")),
                        cmp("value", Co, s("@example.com")),
                    ),
                ),
            ),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            or(
                value_path(
                    "emails",
                    and(
                        cmp("type", Eq, s("work")),
                        cmp("value", Co, s("@example.com")),
                    ),
                ),
                value_path(
                    "ims",
                    and(cmp("type", Eq, s("xmpp")), cmp("value", Co, s("@foo.com"))),
                ),
            ),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text), expected, "{text}");
        // Every RFC example is also valid against the User schema.
        parse(text)
            .validate(&USER)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn and_binds_tighter_than_or_and_chains_are_left_associative() {
    assert_eq!(
        parse("a pr or b pr and c pr"),
        or(pr("a"), and(pr("b"), pr("c")))
    );
    assert_eq!(
        parse("a pr and b pr or c pr"),
        or(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr or b pr or c pr"),
        or(or(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr and (b pr or c pr)"),
        and(pr("a"), or(pr("b"), pr("c")))
    );
}

#[test]
fn keywords_and_literals_are_case_insensitive_and_whitespace_is_flexible() {
    assert_eq!(
        parse("  userName EQ \"x\"   AND  Not(active Eq TRUE)  "),
        and(
            cmp("userName", CompareOp::Eq, s("x")),
            not(cmp("active", CompareOp::Eq, CompValue::Bool(true)))
        )
    );
    assert_eq!(parse("title PR"), pr("title"));
    assert_eq!(parse("x eq NULL"), cmp("x", CompareOp::Eq, CompValue::Null));
    assert_eq!(
        parse("x eq False"),
        cmp("x", CompareOp::Eq, CompValue::Bool(false))
    );
}

#[test]
fn literals_follow_json() {
    assert_eq!(
        parse(r#"displayName eq "Zo\u00eb \"Z\" \\ é""#),
        cmp("displayName", CompareOp::Eq, s("Zoë \"Z\" \\ é"))
    );
    assert_eq!(
        parse("x ge -12.5e3"),
        cmp(
            "x",
            CompareOp::Ge,
            CompValue::Number(serde_json::Number::from_f64(-12500.0).unwrap())
        )
    );
    assert_eq!(
        parse("x lt 42"),
        cmp("x", CompareOp::Lt, CompValue::Number(42.into()))
    );
}

#[test]
fn schema_qualified_paths_split_at_the_last_colon() {
    let filter = parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
    );
    let Filter::Compare { path, .. } = &filter else {
        panic!("expected a comparison");
    };
    assert_eq!(
        path.schema.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    );
    assert_eq!(path.name, "manager");
    assert_eq!(path.sub_attribute.as_deref(), Some("value"));
}

#[test]
fn attributes_named_like_keywords_still_parse() {
    assert_eq!(parse("not pr"), pr("not"));
    assert_eq!(
        parse("and eq 1"),
        cmp("and", CompareOp::Eq, CompValue::Number(1.into()))
    );
    assert_eq!(parse("a pr and or pr"), and(pr("a"), pr("or")));
}

// ---- Malformed input: every error is invalidFilter and says where and what. ----

#[test]
fn empty_filter_is_rejected() {
    let detail = parse_err("");
    assert!(detail.contains("character 1"), "{detail}");
    assert!(detail.contains("attribute path"), "{detail}");
    parse_err("   ");
}

#[test]
fn unknown_operator_names_the_position_and_the_choices() {
    let detail = parse_err(r#"userName is "bjensen""#);
    assert!(detail.contains("character 10"), "{detail}");
    assert!(
        detail.contains("eq, ne, co, sw, ew, gt, ge, lt, le or pr"),
        "{detail}"
    );
    assert!(detail.contains("\"is \\\"bjensen\\\"\""), "{detail}");
}

#[test]
fn unterminated_string_points_at_its_quote() {
    let detail = parse_err(r#"userName eq "bjensen"#);
    assert!(detail.contains("character 13"), "{detail}");
    assert!(detail.contains("never closed"), "{detail}");
}

#[test]
fn unbalanced_parentheses_and_brackets() {
    let detail = parse_err(r#"(userName eq "a""#);
    assert!(detail.contains("`)`"), "{detail}");
    assert!(detail.contains("end of the filter"), "{detail}");
    let detail = parse_err(r#"userName eq "a")"#);
    assert!(detail.contains("character 16"), "{detail}");
    assert!(detail.contains("`and`, `or` or the end"), "{detail}");
    let detail = parse_err(r#"emails[type eq "work""#);
    assert!(detail.contains("`]`"), "{detail}");
    parse_err(r#"emails[type eq "work"]]"#);
    parse_err(r#"emails type eq "work"]"#);
    parse_err("()");
    parse_err("not ()");
}

#[test]
fn missing_pieces_are_named() {
    assert!(parse_err("userName").contains("comparison operator"));
    assert!(parse_err("userName eq").contains("value"));
    assert!(parse_err("userName eq ").contains("value"));
    let detail = parse_err(r#"userName eq "a" and"#);
    assert!(detail.contains("attribute path"), "{detail}");
    assert!(parse_err("userName eq 'single'").contains("quoted string"));
    assert!(parse_err("userName eq bjensen").contains("value"));
    assert!(parse_err("x eq 01").contains("JSON number"));
    assert!(parse_err(r#"x eq "bad \q escape""#).contains("valid JSON string"));
}

#[test]
fn trailing_garbage_is_rejected() {
    parse_err(r#"userName eq "a" garbage"#);
    parse_err(r#"userName eq "a" andy eq "b""#);
    parse_err(r#"userName eq "a"x"#);
    parse_err("x eq 12abc");
}

#[test]
fn malformed_paths_are_rejected() {
    assert!(parse_err(r#"name.givenName.x eq "a""#).contains("attribute path"));
    parse_err(r#"1abc eq "a""#);
    parse_err(r#"urn:x: eq "a""#);
    parse_err(r#"name.givenName[value eq "a"]"#);
    let detail = parse_err(r#"emails[type[value eq "x"] eq "y"]"#);
    assert!(detail.contains("nested"), "{detail}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [MAX_NESTING + 1, 10_000, 200_000] {
        let text = format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
        let detail = parse_err(&text);
        assert!(detail.contains("nesting is too deep"), "{detail}");
        let text = format!("{}a pr{}", "not (".repeat(depth), ")".repeat(depth));
        assert!(parse_err(&text).contains("nesting is too deep"));
    }
    // Unclosed openings fail the same way.
    parse_err(&"(".repeat(100_000));
    // The limit itself is accepted.
    let ok = format!("{}a pr{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert_eq!(parse(&ok), pr("a"));
}

#[test]
fn too_many_comparisons_are_rejected() {
    let ok = vec!["a pr"; MAX_COMPARISONS].join(" or ");
    parse(&ok);
    let too_many = vec!["a pr"; MAX_COMPARISONS + 1].join(" or ");
    assert!(parse_err(&too_many).contains("too many comparisons"));
}

/// The worst filter the parser accepts, processed on a small thread stack: parsing,
/// validation, evaluation, printing and dropping all stay within 512 KiB even in a debug
/// build (tokio worker threads have 2 MiB).
#[test]
fn worst_case_filter_fits_a_small_stack() {
    let chain = vec![r#"emails[type eq "x" or value eq "y"]"#; MAX_COMPARISONS / 2].join(" or ");
    let text = format!(
        "{}{chain}{}",
        "not (".repeat(MAX_NESTING - 1),
        ")".repeat(MAX_NESTING - 1)
    );
    let handle = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let filter = Filter::parse(&text).unwrap();
            filter.validate(&USER).unwrap();
            let user = json!({"emails": [{"type": "work", "value": "a@b"}]});
            let matched = filter.matches(&user, &USER);
            let printed = filter.to_string();
            assert_eq!(Filter::parse(&printed).unwrap(), filter);
            matched
        })
        .unwrap();
    // An odd number of `not`s around a non-matching chain.
    assert!(handle.join().unwrap());
}

// ---- Validation against the schema. ----

fn invalid(text: &str) -> String {
    let err = parse(text).validate(&USER).expect_err(text);
    assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter), "{text}");
    err.detail().to_owned()
}

#[test]
fn validation_rejects_meaningless_comparisons() {
    assert!(invalid("active gt true").contains("boolean"));
    assert!(invalid(r#"name eq "Dana""#).contains("complex"));
    assert!(invalid("userName eq 5").contains("string"));
    assert!(invalid(r#"meta.lastModified gt "yesterday""#).contains("RFC 3339"));
    assert!(invalid("title gt null").contains("null"));
    assert!(invalid(r#"active eq "maybe""#).contains("boolean"));
    assert!(invalid(r#"active co "t""#).contains("string attribute"));
    assert!(invalid(r#"userName[value eq "x"]"#).contains("multi-valued"));
    assert!(invalid(r#"emails[primary gt false]"#).contains("boolean"));
    assert!(invalid(r#"password eq "hunter2""#).contains("never returned"));
    assert!(invalid("PASSWORD pr").contains("never returned"));
    assert!(invalid(r#"userName pr and not (password sw "a")"#).contains("never returned"));
}

#[test]
fn validation_accepts_reasonable_filters() {
    for text in [
        "title eq null",
        r#"active eq "True""#,
        "active eq false",
        r#"emails co "@example.com""#,
        r#"unknownThing gt 5"#,
        r#"urn:example:custom:2.0:User:costCode eq "x""#,
        r#"meta.created sw "2024-""#,
        r#"members[value eq "abc"]"#,
    ] {
        let schema = if text.starts_with("members") {
            &GROUP
        } else {
            &USER
        };
        parse(text)
            .validate(schema)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

// ---- Evaluation. ----

fn dana() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00u1ABC",
        "userName": "Dana.Ng@Example.com",
        "name": {"givenName": "Dana", "familyName": "Ng"},
        "title": "",
        "active": true,
        "emails": [
            {"value": "dana@work.example.com", "type": "work", "primary": true},
            {"value": "dana@home.example.org", "type": "home"}
        ],
        "phoneNumbers": [],
        "meta": {
            "created": "2011-05-13T04:42:34Z",
            "lastModified": "2011-05-13T06:42:34+02:00"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Sales",
            "manager": {"value": "26118915"}
        },
        "loginCount": 12
    })
}

fn matches(text: &str) -> bool {
    let filter = parse(text);
    filter.matches(&dana(), &USER)
}

#[test]
fn case_exactness_follows_the_schema() {
    assert!(matches(r#"userName eq "dana.ng@example.com""#));
    assert!(matches(r#"USERNAME EQ "DANA.NG@EXAMPLE.COM""#));
    assert!(matches(r#"userName sw "DANA""#));
    assert!(matches(r#"externalId eq "00u1ABC""#));
    assert!(!matches(r#"externalId eq "00u1abc""#));
    assert!(!matches(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
    assert!(matches(r#"name.FAMILYNAME eq "ng""#));
    // Unknown attributes are not caseExact.
    let doc = json!({"nickname": "BABS"});
    assert!(parse(r#"nickName eq "babs""#).matches(&doc, &USER));
}

#[test]
fn multi_valued_attributes_match_when_any_value_does() {
    assert!(matches(r#"emails co "example.org""#));
    assert!(matches(r#"emails.value ew "@work.example.com""#));
    assert!(matches(r#"emails.type eq "home""#));
    assert!(!matches(r#"emails.type eq "other""#));
    assert!(matches(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#
    ));
}

#[test]
fn value_paths_need_one_element_to_satisfy_everything() {
    assert!(matches(r#"emails[type eq "work" and value co "@work."]"#));
    assert!(!matches(r#"emails[type eq "work" and value co ".org"]"#));
    // Without the brackets the two tests may hit different elements.
    assert!(matches(
        r#"emails.type eq "work" and emails.value co ".org""#
    ));
    assert!(matches(r#"emails[not (type eq "work")]"#));
    assert!(matches(r#"emails[primary eq true and type eq "WORK"]"#));
    assert!(!matches(r#"phoneNumbers[type eq "work"]"#));
    assert!(!matches(r#"ims[type eq "xmpp"]"#));
}

#[test]
fn dates_compare_chronologically() {
    // 06:42:34+02:00 is the same instant as 04:42:34Z, though the strings differ.
    assert!(matches(r#"meta.lastModified eq "2011-05-13T04:42:34Z""#));
    assert!(matches(r#"meta.lastModified ge "2011-05-13T04:42:34Z""#));
    assert!(!matches(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
    assert!(matches(
        r#"meta.lastModified gt "2011-05-13T05:42:34+02:00""#
    ));
    assert!(matches(r#"meta.lastModified lt "2011-05-13T04:42:35Z""#));
    assert!(matches(r#"meta.created le "2011-05-13T04:42:34.000Z""#));
}

#[test]
fn presence_ne_and_null() {
    assert!(matches("userName pr"));
    assert!(!matches("title pr"), "an empty string is unassigned");
    assert!(!matches("phoneNumbers pr"), "an empty array is unassigned");
    assert!(!matches("nickName pr"));
    assert!(matches("title eq null"));
    assert!(matches("nickName eq null"));
    assert!(!matches("userName eq null"));
    assert!(matches("userName ne null"));
    assert!(
        matches(r#"nickName ne "x""#),
        "ne matches a missing attribute"
    );
    assert!(
        !matches(r#"emails.type ne "home""#),
        "ne means no value equals"
    );
    assert!(matches(r#"not (emails.type eq "other")"#));
}

#[test]
fn extension_attributes_resolve_with_or_without_their_urn() {
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#
    ));
    assert!(matches(r#"department eq "Sales""#));
    assert!(!matches(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:department eq "Sales""#
    ));
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "dana""#
    ));
}

#[test]
fn numbers_booleans_and_logic() {
    assert!(matches("loginCount gt 11"));
    assert!(matches("loginCount le 12.0"));
    assert!(!matches("loginCount lt 12"));
    assert!(matches("active eq true"));
    assert!(matches(r#"active eq "True""#));
    assert!(!matches("active eq false"));
    assert!(matches(r#"title pr or userName sw "d""#));
    assert!(!matches(r#"title pr and userName sw "d""#));
    assert!(!parse("a pr").matches(&json!("not an object"), &USER));
}

#[test]
fn group_filters() {
    let group = json!({
        "displayName": "Sales EMEA",
        "members": [{"value": "abc", "display": "Dana"}, {"value": "DEF"}]
    });
    let m = |text: &str| parse(text).matches(&group, &GROUP);
    assert!(m(r#"displayName eq "sales emea""#));
    assert!(m(r#"members[value eq "abc"]"#));
    assert!(!m(r#"members[value eq "ABC"]"#), "member ids are caseExact");
    assert!(m(r#"members.value eq "DEF""#));
    assert!(m(r#"members eq "abc""#));
}

#[test]
fn as_equality_spots_the_hot_path() {
    let filter = parse(r#"userName eq "x""#);
    let (path, value) = filter.as_equality().unwrap();
    assert!(path.is("username"));
    assert_eq!(value, &s("x"));
    assert!(parse(r#"userName ne "x""#).as_equality().is_none());
}

// ---- Printing round-trips through the parser. ----

#[test]
fn printing_uses_minimal_parentheses() {
    let cases = [
        ("a pr or b pr and c pr", "a pr or b pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
        ("((a pr))", "a pr"),
        ("NOT(a PR)", "not (a pr)"),
        (r#"emails[TYPE EQ "work"]"#, r#"emails[TYPE eq "work"]"#),
        (
            r#"x eq "quote\" and \\ and \n""#,
            r#"x eq "quote\" and \\ and \n""#,
        ),
    ];
    for (input, printed) in cases {
        assert_eq!(parse(input).to_string(), printed, "{input}");
    }
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        Just("$ref".to_owned()),
        Just("not".to_owned()),
        Just("and".to_owned()),
        Just("or".to_owned()),
    ]
}

fn path_strategy(allow_schema: bool) -> impl Strategy<Value = AttrPath> {
    let schema = if allow_schema {
        prop_oneof![
            3 => Just(None),
            1 => Just(Some("urn:ietf:params:scim:schemas:core:2.0:User".to_owned())),
            1 => Just(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned())),
            1 => Just(Some("urn:x-y:z.1".to_owned())),
        ]
        .boxed()
    } else {
        Just(None).boxed()
    };
    (
        schema,
        name_strategy(),
        proptest::option::of(name_strategy()),
    )
        .prop_map(|(schema, name, sub_attribute)| AttrPath {
            schema,
            name,
            sub_attribute,
        })
}

fn value_strategy() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn op_strategy() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(CompareOp::ALL.to_vec())
}

fn leaf(allow_schema: bool) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (path_strategy(allow_schema), op_strategy(), value_strategy())
            .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        path_strategy(allow_schema).prop_map(|path| Filter::Present { path }),
    ]
}

fn combine(inner: impl Strategy<Value = Filter> + Clone) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| or(a, b)),
        inner.prop_map(not),
    ]
}

fn filter_strategy() -> impl Strategy<Value = Filter> {
    let element_filter = leaf(false).prop_recursive(3, 8, 2, combine);
    let value_path = (path_strategy(true), element_filter).prop_map(|(mut path, filter)| {
        path.sub_attribute = None;
        Filter::ValuePath {
            path,
            filter: Box::new(filter),
        }
    });
    prop_oneof![3 => leaf(true), 1 => value_path].prop_recursive(5, 32, 2, combine)
}

proptest! {
    #[test]
    fn print_then_parse_is_identity(filter in filter_strategy()) {
        let printed = filter.to_string();
        let reparsed = Filter::parse(&printed);
        prop_assert_eq!(reparsed.as_ref(), Ok(&filter), "printed as {}", printed);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = Filter::parse(&text);
    }

    #[test]
    fn parser_never_panics_on_filter_like_text(
        text in proptest::collection::vec(
            prop_oneof![
                Just("("), Just(")"), Just("["), Just("]"), Just("\""), Just("\\"),
                Just(" "), Just("not"), Just("and"), Just("or"), Just("eq"), Just("pr"),
                Just("userName"), Just("emails"), Just("."), Just(":"), Just("urn:a:b"),
                Just("1"), Just("-"), Just("e"), Just("true"), Just("null"), Just("é"),
            ],
            0..40,
        ).prop_map(|parts| parts.concat())
    ) {
        if let Ok(filter) = Filter::parse(&text) {
            // Whatever parses also prints back to the same tree and evaluates safely.
            prop_assert_eq!(Filter::parse(&filter.to_string()), Ok(filter.clone()));
            let _ = filter.validate(&USER);
            let _ = filter.matches(&dana(), &USER);
        }
    }
}
