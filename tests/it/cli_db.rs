//! `wyvern compile` and `--db` as a user runs them: layouts, dumps and calls through
//! a database equal those through the headers; stale, damaged and foreign
//! databases give clear errors.

use crate::common::process;

use std::path::PathBuf;

use process::{run_wyvern, run_wyvern_with_env, Output};

/// Runs `wyvern` where no libclang can be found: a database needs none.
fn without_libclang(args: &[&str]) -> Output {
    run_wyvern_with_env(("LIBCLANG_PATH", "/nonexistent"), args)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wyvern-cli-db-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const HEADERS: [&str; 12] = [
    "-H",
    "<stdio.h>",
    "-H",
    "<stdlib.h>",
    "-H",
    "<string.h>",
    "-H",
    "<math.h>",
    "-H",
    "<time.h>",
    "-H",
    "<sys/stat.h>",
];

#[test]
fn layouts_dumps_and_calls_through_a_database_equal_the_headers() {
    let dir = scratch("six");
    let db = dir.join("libc.wydb");
    let db = db.to_str().unwrap();
    let mut compile = vec!["compile", "-o", db];
    compile.extend(HEADERS);
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&compile);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stdout.starts_with(&format!("wrote {db} (")), "{stdout}");

    for command in [
        &["layout"][..],
        &["layout", "--json"],
        &["layout", "struct stat", "struct tm", "FILE", "div_t"],
        &["dump"],
        &["dump", "--json"],
    ] {
        let mut through_headers = command.to_vec();
        through_headers.extend(HEADERS);
        let mut through_db = command.to_vec();
        through_db.extend(["--db", db]);
        let expected = run_wyvern(&through_headers);
        assert_eq!(expected.status, Some(0), "{}", expected.stderr);
        assert_eq!(without_libclang(&through_db), expected, "{command:?}");
    }
    for call in [
        &["-l", "libm.so.6", "pow", "2", "10"][..],
        &["strlen", "\"hello\""],
        &["--json", "div", "17", "5"],
        &["--json", "-l", "libm.so.6", "frexp", "8.0", "&{}"],
        &["--json", "strtol", "\"0x1f\"", "NULL", "0"],
    ] {
        let mut through_headers = vec!["call"];
        through_headers.extend(HEADERS);
        through_headers.extend(call);
        let mut through_db = vec!["call", "--db", db];
        through_db.extend(call);
        let expected = run_wyvern(&through_headers);
        assert_eq!(expected.status, Some(0), "{}", expected.stderr);
        assert_eq!(without_libclang(&through_db), expected, "{call:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_says_when_a_database_is_stale_and_why() {
    let dir = scratch("stale");
    let header = dir.join("point.h");
    std::fs::write(&header, "struct point { int x, y; };\n").unwrap();
    let db = dir.join("point.wydb");
    let (h, db) = (header.to_str().unwrap(), db.to_str().unwrap());
    assert_eq!(run_wyvern(&["compile", "-H", h, "-o", db]).status, Some(0));

    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&["compile", "--check", db, "-H", h]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(&format!("{db} is up to date (")),
        "{stdout}"
    );

    std::fs::write(&header, "struct point { long x, y; };\n").unwrap();
    let Output { status, stderr, .. } = run_wyvern(&["compile", "--check", db, "-H", h]);
    assert_eq!(status, Some(1));
    assert_eq!(
        stderr,
        format!("error: {db} is out of date with its sources:\n  {h} changed\n")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn damaged_and_foreign_databases_are_refused_combined_ones_merged() {
    let dir = scratch("bad");
    let db = dir.join("arm.wydb");
    let db = db.to_str().unwrap();
    let target = "aarch64-unknown-linux-gnu";
    let Output { status, stderr, .. } = run_wyvern(&[
        "compile",
        "--cdef",
        "struct s { char c; long l; };",
        "--target",
        target,
        "-o",
        db,
    ]);
    assert_eq!(status, Some(0), "{stderr}");

    let Output { status, stderr, .. } = without_libclang(&["layout", "--db", db]);
    assert_eq!(status, Some(1));
    assert!(
        stderr.starts_with(&format!("error: {db}: database is for {target} (pointer 8, little-endian, char unsigned), this machine is ")),
        "{stderr}"
    );
    // Asked for that target, its layouts are there.
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = without_libclang(&["layout", "--db", db, "--target", target, "struct s"]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stdout.contains("/* size: 16, align: 8"), "{stdout}");
    // The triple as the user writes it names the same target as clang's
    // normalised one the database records (aarch64-linux-gnu and
    // aarch64-unknown-linux-gnu differ only by the vendor); another target does not.
    for (asked, same) in [
        ("aarch64-linux-gnu", true),
        ("aarch64-pc-linux-gnu", true),
        ("aarch64-linux-musl", false),
        ("x86_64-unknown-linux-gnu", false),
    ] {
        let Output { status, stderr, .. } =
            without_libclang(&["layout", "--db", db, "--target", asked, "struct s"]);
        if same {
            assert_eq!(status, Some(0), "--target {asked}: {stderr}");
        } else {
            assert_eq!(status, Some(1), "--target {asked}");
            assert_eq!(
                stderr,
                format!("error: {db}: the database is for {target}, not --target {asked}\n")
            );
        }
    }

    let bytes = std::fs::read(db).unwrap();
    let cut = dir.join("cut.wydb");
    std::fs::write(&cut, &bytes[..bytes.len() - 3]).unwrap();
    let cut = cut.to_str().unwrap();
    let Output { status, stderr, .. } = without_libclang(&["dump", "--db", cut]);
    assert_eq!(status, Some(1));
    assert!(
        stderr.starts_with(&format!(
            "error: {cut}: truncated at byte {}",
            bytes.len() - 3
        )),
        "{stderr}"
    );

    let Output { status, stderr, .. } = without_libclang(&["dump", "--db", "/etc/hostname"]);
    assert_eq!(
        (status, stderr.as_str()),
        (
            Some(1),
            "error: /etc/hostname: not a wyvern database (bad magic)\n"
        )
    );

    // Combined with --cdef, the text is parsed for the database's target and the
    // two merged; -I with nothing to parse is a usage error.
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&["dump", "--db", db, "--cdef", "int x;", "--target", target]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(
        stdout.contains("struct s;  /* size 16, align 8 */") && stdout.contains("extern int x;"),
        "{stdout}"
    );
    let Output { status, stderr, .. } =
        without_libclang(&["dump", "--db", db, "--target", target, "-I", "/usr"]);
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("-I and -D apply to the headers and --cdef text"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
