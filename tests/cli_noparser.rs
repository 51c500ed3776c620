//! The `wyvern` tool built without a front end: `--no-default-features --features
//! cli` (no libclang, no gimli) and `--features cli,dwarf`. -H, --cdef and --dwarf
//! then fail with an error naming the feature left out, and --db still works.
//!
//! `make test` runs this in those builds, with the database the default build's
//! `wyvern compile` wrote (`WYVERN_TEST_DB`). In a default build there is nothing
//! missing to test, and the tests below are compiled out.

#![cfg(feature = "cli")]

// Not `mod common`: most of its helpers need the front ends.
#[cfg(not(all(feature = "clang", feature = "dwarf")))]
#[path = "common/process.rs"]
#[allow(dead_code)] // uses a few of its helpers
mod process;

#[cfg(not(all(feature = "clang", feature = "dwarf")))]
use process::{run_wyvern, Output};

#[cfg(not(all(feature = "clang", feature = "dwarf")))]
fn assert_missing(out: &Output, feature: &str) {
    assert_eq!(out.status, Some(1), "{}", out.describe());
    let support = if feature == "clang" {
        "libclang"
    } else {
        "DWARF"
    };
    let message =
        format!("error: this wyvern was built without {support} support (feature `{feature}`)");
    assert!(out.stderr.starts_with(&message), "{}", out.describe());
}

#[cfg(not(feature = "clang"))]
#[test]
fn headers_and_cdef_need_the_clang_feature() {
    let cases: [&[&str]; 4] = [
        &["layout", "--cdef", "struct s { int a; };", "struct s"],
        &["dump", "-H", "<string.h>"],
        &["call", "-H", "<stdlib.h>", "abs", "-5"],
        &[
            "compile",
            "-H",
            "<string.h>",
            "-o",
            "target/never-written.wydb",
        ],
    ];
    for args in cases {
        assert_missing(&run_wyvern(args), "clang");
    }
}

#[cfg(not(feature = "dwarf"))]
#[test]
fn dwarf_needs_the_dwarf_feature() {
    let me = std::env::current_exe().unwrap();
    let me = me.to_str().unwrap();
    assert_missing(&run_wyvern(&["dump", "--dwarf", me]), "dwarf");
    assert_missing(&run_wyvern(&["layout", "--dwarf", me, "struct s"]), "dwarf");
}

#[cfg(not(feature = "clang"))]
#[test]
fn a_database_needs_no_front_end() {
    let Some(db) = std::env::var_os("WYVERN_TEST_DB") else {
        panic!(
            "this test needs WYVERN_TEST_DB=FILE.wydb \
             (wyvern compile -H '<math.h>' -H '<string.h>' -o FILE.wydb)"
        );
    };
    let db = db.to_str().unwrap();
    let out = run_wyvern(&["call", "--db", db, "-l", "libc.so.6", "strlen", "\"four\""]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout.trim(), "4");
    let out = run_wyvern(&["dump", "--db", db]);
    assert!(out.success(), "{}", out.describe());
    assert!(out.stdout.contains("strlen("), "{}", out.describe());
}
