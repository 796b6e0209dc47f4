#!/usr/bin/env bash
# Longer property runs for the SCIM filter parser and PATCH engine (issue 6's fuzz
# targets): many more random cases than `cargo test` runs, bounded in time. The tests
# live in crates/scim/src/{filter,patch}/tests.rs; a failure prints the minimal case.
set -euo pipefail
cd "${GATEHOUSE_ROOT:?GATEHOUSE_ROOT must point at the repository}"
export PROPTEST_CASES="${SCIM_PROPTEST_CASES:-50000}"
timeout 900 cargo test -q -p scim --lib -- \
    filter::tests::print_then_parse_is_identity \
    filter::tests::parser_never_panics_on_arbitrary_text \
    filter::tests::parser_never_panics_on_filter_like_text \
    patch::tests::patch_never_panics \
    patch::tests::group_plan_agrees_with_the_full_engine
