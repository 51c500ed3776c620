//! wyvern must not depend on one libclang version: with every libclang installed on
//! the machine (chosen through `LIBCLANG_PATH`), layouts and constants are identical.
//! With a single libclang this checks that one and says so.

use std::path::PathBuf;
use std::process::Command;

fn installed_libclangs() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                // One file per version: the `libclang-N.so.1` soname link.
                name.starts_with("libclang-") && name.ends_with(".so.1") && !name.contains("cpp")
            })
            .collect();
        names.sort();
        found.extend(names);
    }
    found
}

fn run(libclang: &PathBuf, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wyvern"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LIBCLANG_PATH", libclang)
        .output()
        .expect("wyvern runs");
    assert!(
        out.status.success(),
        "with {}: wyvern {args:?}: {}",
        libclang.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn every_installed_libclang_gives_the_same_answers() {
    let libs = installed_libclangs();
    if libs.is_empty() {
        println!("note: no libclang-N.so.1 found in the usual directories; nothing to compare");
        return;
    }
    println!("libclangs compared: {libs:?}");
    let commands: [&[&str]; 3] = [
        &["layout", "--json", "-H", "include-fixtures/records.h"],
        &[
            "layout",
            "--json",
            "-H",
            "include-fixtures/bitfields.h",
            "-H",
            "include-fixtures/packing.h",
        ],
        &["dump", "--json", "-H", "include-fixtures/constants.h"],
    ];
    for args in commands {
        let first = run(&libs[0], args);
        assert!(first.len() > 100, "wyvern {args:?} printed almost nothing");
        for other in &libs[1..] {
            assert_eq!(
                run(other, args),
                first,
                "wyvern {args:?} differs between {} and {}",
                libs[0].display(),
                other.display()
            );
        }
    }
}

#[test]
fn every_installed_libclang_reads_asm_labels() {
    // libclang gives an asm label as a child cursor (`CXCursor_AsmLabelAttr`);
    // every version must, also through glibc's `__REDIRECT` macros.
    for libclang in installed_libclangs() {
        let label = |args: &[&str], section: &str, name: &str| {
            let json: serde_json::Value =
                serde_json::from_str(&run(&libclang, args)).expect("dump --json is JSON");
            let found = json[section]
                .as_array()
                .and_then(|items| items.iter().find(|item| item["name"] == name))
                .unwrap_or_else(|| panic!("with {}: no {name}", libclang.display()));
            found["asm_label"].as_str().map(str::to_owned)
        };
        let fixture = ["dump", "--json", "-H", "include-fixtures/asm_labels.h"];
        let stdio = ["dump", "--json", "-H", "<stdio.h>"];
        let found = [
            label(&fixture, "functions", "labelled_add"),
            label(&fixture, "functions", "redirected_scale"),
            label(&fixture, "functions", "late_label"),
            label(&fixture, "functions", "plain_sub"),
            label(&fixture, "globals", "labelled_counter"),
            label(&stdio, "functions", "sscanf"),
        ];
        let want = [
            Some("labelled_add_v2"),
            Some("redirected_scale_v2"),
            Some("late_label_v2"),
            None,
            Some("labelled_counter_v2"),
            Some("__isoc99_sscanf"),
        ];
        assert_eq!(
            found.iter().map(Option::as_deref).collect::<Vec<_>>(),
            want,
            "with {}",
            libclang.display()
        );
    }
}
