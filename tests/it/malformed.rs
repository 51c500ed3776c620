//! The CLI's error contract on bad input.
//!
//! Headers with a syntax error, a missing `#include` and an unknown type name
//! (`include-fixtures/malformed/`) must make `wyvern layout` exit with status
//! 1, never panic, and print `error:` with the `FILE:LINE:COL` of the problem
//! on stderr. A misspelled type name gets a `did you mean` suggestion, a
//! header that does not exist is named in the error, and bad command-line
//! usage exits with status 2.

use crate::common;

use common::{fixture, run_wyvern, Output};

/// Asserts the process failed cleanly with `status`, printing `error:`.
fn assert_clean_failure(output: &Output, status: i32, what: &str) {
    assert_ne!(
        output.status,
        Some(101),
        "{what}: wyvern panicked\n{}",
        output.describe()
    );
    assert!(
        !output.stderr.contains("panicked at"),
        "{what}: wyvern panicked\n{}",
        output.describe()
    );
    assert_eq!(
        output.status,
        Some(status),
        "{what}: expected exit status {status}\n{}",
        output.describe()
    );
    assert!(
        output.stderr.contains("error:"),
        "{what}: stderr has no `error:`\n{}",
        output.describe()
    );
}

/// Runs `wyvern layout -H include-fixtures/malformed/FILE` and checks it
/// fails with the problem's location, `FILE:LINE:COL`.
fn check_malformed(file: &str, line: u32, column: u32) {
    let path = fixture(&format!("malformed/{file}"));
    let output = run_wyvern(&["layout".as_ref(), "-H".as_ref(), path.as_os_str()]);
    assert_clean_failure(&output, 1, file);
    let location = format!("{file}:{line}:{column}");
    assert!(
        output.stderr.contains(&location),
        "{file}: stderr does not give the location {location}\n{}",
        output.describe()
    );
}

#[test]
fn syntax_error_is_reported_with_its_location() {
    // `int first_global` without its `;`: clang points just after the name.
    check_malformed("syntax_error.h", 7, 17);
}

#[test]
fn missing_include_is_reported_with_its_location() {
    check_malformed("missing_include.h", 2, 10);
    let path = fixture("malformed/missing_include.h");
    let output = run_wyvern(&["layout".as_ref(), "-H".as_ref(), path.as_os_str()]);
    assert!(
        output.stderr.contains("does_not_exist.h"),
        "the error does not name the missing header\n{}",
        output.describe()
    );
}

#[test]
fn unknown_type_is_reported_with_its_location() {
    check_malformed("unknown_type.h", 4, 5);
    let path = fixture("malformed/unknown_type.h");
    let output = run_wyvern(&["layout".as_ref(), "-H".as_ref(), path.as_os_str()]);
    assert!(
        output.stderr.contains("no_such_type"),
        "the error does not name the unknown type\n{}",
        output.describe()
    );
}

#[test]
fn misspelled_type_name_gets_a_suggestion() {
    let path = fixture("records.h");
    let output = run_wyvern(&[
        "layout".as_ref(),
        "-H".as_ref(),
        path.as_os_str(),
        "struct nodee".as_ref(),
    ]);
    assert_clean_failure(&output, 1, "layout 'struct nodee'");
    assert!(
        output.stderr.contains("did you mean") && output.stderr.contains("struct node"),
        "no `did you mean ... struct node` suggestion\n{}",
        output.describe()
    );
    assert!(
        output.stdout.trim().is_empty(),
        "a failed layout printed something on stdout\n{}",
        output.describe()
    );
}

#[test]
fn nonexistent_header_file_is_named() {
    let path = fixture("no_such_fixture_header.h");
    let output = run_wyvern(&["layout".as_ref(), "-H".as_ref(), path.as_os_str()]);
    assert_clean_failure(&output, 1, "a header file that does not exist");
    assert!(
        output.stderr.contains("no_such_fixture_header.h"),
        "the error does not name the missing file\n{}",
        output.describe()
    );

    let output = run_wyvern(&["layout", "-H", "<wyvern_no_such_system_header.h>"]);
    assert_clean_failure(&output, 1, "a system header that does not exist");
    assert!(
        output.stderr.contains("wyvern_no_such_system_header.h"),
        "the error does not name the missing header\n{}",
        output.describe()
    );
}

#[test]
fn bad_usage_exits_with_status_2() {
    let records = fixture("records.h");
    let records = records.to_str().expect("UTF-8 path");
    for args in [
        &["layout", "--no-such-flag", "-H", records][..],
        &["no-such-subcommand"][..],
        &["layout", "-H"][..],
        &["dump", "--json", "--target"][..],
    ] {
        let output = run_wyvern(args);
        assert_clean_failure(&output, 2, &format!("wyvern {}", args.join(" ")));
    }
}
