//! Regression tests for the CLI's behaviour at the edges: exit statuses, closed
//! pipes, runaway macros, and declarations wyvern cannot represent.

use crate::common::process;

use std::io::Read;
use std::process::Stdio;

use process::{run_wyvern, wyvern_command, Output};

#[test]
fn no_sources_is_a_usage_error() {
    let Output { status, stderr, .. } = run_wyvern(&["layout"]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("no declarations given"), "{stderr}");
}

#[test]
fn macros_that_double_at_each_step_do_not_hang() {
    let dir = std::env::temp_dir().join(format!("wyvern-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let header = dir.join("doubling.h");
    let mut text = String::from("#define X0 1\n");
    for i in 1..80 {
        text.push_str(&format!("#define X{i} (X{}+X{})\n", i - 1, i - 1));
    }
    std::fs::write(&header, text).unwrap();
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&["dump", "--json", "-H", header.to_str().unwrap()]);
    assert_eq!(status, Some(0), "{stderr}");
    // Small ones are evaluated; from the first whose expansion passes the limit of
    // 20,000 tokens on, each is skipped, not expanded (X79 would take 2^80 tokens).
    assert!(stdout.contains("\"X11\""), "X11 missing");
    assert!(!stdout.contains("\"X12\""), "X12 passes the token limit");
    assert!(!stdout.contains("\"X79\""), "X79 cannot have been expanded");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unrepresentable_types_are_listed_not_lost() {
    // Types every libclang reads (`__bf16` is an error on x86-64 before libclang 15,
    // `_BitInt` before 14) and wyvern cannot represent.
    let decls = "struct s { _Complex short x; }; _Complex char g; _Complex int h(_Complex int); \
                 int ok(void);";
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&["dump", "--json", "--cdef", decls]);
    assert_eq!(status, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let skipped: Vec<&str> = json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["struct s", "g", "h"]);
    assert_eq!(json["functions"][0]["name"], "ok");
    let Output { status, stderr, .. } = run_wyvern(&["layout", "--cdef", decls, "struct s"]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("_Complex short"), "{stderr}");
}

#[test]
fn a_closed_pipe_is_not_an_error_for_json_either() {
    for args in [
        &["dump", "--json", "-H", "<stdlib.h>"][..],
        &["layout", "-H", "<stdlib.h>"],
    ] {
        let mut child = wyvern_command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .as_mut()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn typedef_names_show_the_record_they_name() {
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&["layout", "-H", "<stdio.h>", "FILE"]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stdout.starts_with("FILE: struct _IO_FILE {"), "{stdout}");
}

#[test]
fn a_missing_system_header_is_reported_against_the_command_line() {
    let Output { status, stderr, .. } =
        run_wyvern(&["layout", "-H", "<no_such_header_anywhere.h>"]);
    assert_eq!(status, Some(1));
    assert!(
        stderr.contains("<command line>:") && stderr.contains("no_such_header_anywhere.h"),
        "{stderr}"
    );
    let Output { stderr, .. } = run_wyvern(&["layout", "-H", "/nonexistent/x.h"]);
    assert_eq!(
        stderr.trim(),
        "error: /nonexistent/x.h: no such header file"
    );
    let Output { stderr, .. } = run_wyvern(&["layout", "-H", "./nonexistent/x.h"]);
    assert_eq!(
        stderr.trim(),
        "error: ./nonexistent/x.h: no such header file"
    );
}

#[test]
fn a_relative_header_name_that_is_no_file_here_is_a_system_header() {
    // As `wyvern layout -H sys/stat.h 'struct stat'` is written in the docs.
    let Output {
        status,
        stdout,
        stderr,
        ..
    } = run_wyvern(&["layout", "-H", "sys/stat.h", "struct stat"]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stdout.starts_with("struct stat {"), "{stdout}");
    let Output { status, stderr, .. } = run_wyvern(&["layout", "-H", "sys/no_such_header.h"]);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("sys/no_such_header.h"), "{stderr}");
}
