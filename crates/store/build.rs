//! Marks the PostgreSQL halves of the test suites as ignored (with a message) unless
//! `GATEHOUSE_TEST_POSTGRES_URL` is set when the tests are built, and rebuilds when the
//! embedded migrations change.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(gatehouse_pg_tests)");
    println!("cargo::rerun-if-env-changed=GATEHOUSE_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var_os("GATEHOUSE_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=gatehouse_pg_tests");
    }
}
