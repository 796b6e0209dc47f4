use super::*;

fn filter(text: &str) -> Filter {
    let f: Filter = text.parse().unwrap();
    f.validate(&USER).unwrap();
    f
}

#[test]
fn literals_are_bound_and_folded_never_spliced() {
    let mut sql = SqlFilter::new(Backend::Sqlite, Table::Users, 1);
    let text = sql
        .translate(&filter(
            r#"userName eq "O'Brien@X.com" or externalId eq "A""#,
        ))
        .unwrap();
    assert_eq!(
        text,
        "((user_name_key = $2) OR (external_id IS NOT NULL AND external_id = $3))"
    );
    assert_eq!(sql.args, [Arg::from("o'brien@x.com"), Arg::from("A")]);
}

#[test]
fn dialects_differ_only_where_they_must() {
    let mut pg = SqlFilter::new(Backend::Postgres, Table::Users, 1);
    let text = pg
        .translate(&filter(r#"userName co "x" and userName gt "m""#))
        .unwrap();
    assert!(text.contains("strpos(user_name_key, $2)"), "{text}");
    assert!(text.contains("COLLATE \"C\" > $3"), "{text}");
}

#[test]
fn untranslatable_parts_leave_no_arguments_and_narrow_by_conjuncts() {
    let f = filter(r#"userName sw "a" and emails[type eq "work"]"#);
    let mut sql = SqlFilter::new(Backend::Sqlite, Table::Users, 2);
    assert_eq!(sql.translate(&f), None);
    assert!(sql.args.is_empty());
    let narrowed = sql.prefilter(&f).unwrap();
    assert_eq!(narrowed, "(substr(user_name_key, 1, length($3)) = $3)");
    assert_eq!(sql.args.len(), 1);
}

#[test]
fn group_membership_filters_use_the_member_table() {
    let f: Filter = r#"members[value eq "usr_1"]"#.parse().unwrap();
    let mut sql = SqlFilter::new(Backend::Sqlite, Table::Groups, 1);
    let text = sql.translate(&f).unwrap();
    assert!(
        text.starts_with("EXISTS (SELECT 1 FROM scim_group_members"),
        "{text}"
    );
    assert_eq!(sql.args, [Arg::from("usr_1")]);
}
