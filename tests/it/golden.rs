//! Golden files for the text output of `wyvern layout` and `wyvern dump` on the
//! fixtures that include no system header (so the output depends on wyvern alone).
//! `BLESS=1 cargo test --test it golden::` rewrites them; review the diff before committing.

use crate::common::process;

use std::path::Path;

use process::run_wyvern;

fn check(name: &str, args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run_wyvern(args);
    assert!(out.success(), "wyvern {args:?} failed: {}", out.stderr);
    assert!(out.stdout_is_utf8, "wyvern {args:?} printed invalid UTF-8");
    let actual = out.stdout;
    let path = root.join("tests/golden").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", path.display()));
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{} differs from wyvern {args:?} at line {}:\n  expected: {:?}\n  actual:   {:?}\n(BLESS=1 rewrites it)",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

#[test]
fn layout_text_of_bitfields() {
    check(
        "bitfields.layout.txt",
        &["layout", "-H", "include-fixtures/bitfields.h"],
    );
}

#[test]
fn layout_text_of_packing() {
    check(
        "packing.layout.txt",
        &["layout", "-H", "include-fixtures/packing.h"],
    );
}

#[test]
fn layout_text_of_records() {
    check(
        "records.layout.txt",
        &["layout", "-H", "include-fixtures/records.h"],
    );
}

#[test]
fn dump_text_of_records() {
    check(
        "records.dump.txt",
        &["dump", "-H", "include-fixtures/records.h"],
    );
}

#[test]
fn dump_text_of_constants() {
    check(
        "constants.dump.txt",
        &["dump", "-H", "include-fixtures/constants.h"],
    );
}

#[test]
fn layout_json_of_packed_records() {
    check(
        "packing.layout.json",
        &[
            "layout",
            "--json",
            "-H",
            "include-fixtures/packing.h",
            "struct packed_fields",
            "union packed_union",
        ],
    );
}

#[test]
fn dump_text_of_names_written_inside_macros() {
    check(
        "macro_names.dump.txt",
        &["dump", "-H", "include-fixtures/macro_names.h"],
    );
}
