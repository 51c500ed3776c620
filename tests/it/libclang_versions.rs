//! wyvern must not depend on one libclang version: with every libclang installed on
//! the machine (chosen through `LIBCLANG_PATH`), layouts, dumps and constants are
//! identical — of the fixtures (X-macros and token pasting among them) and of the
//! system-header corpus, with and without `_GNU_SOURCE`. With a single libclang
//! this checks that one and says so. (`make test` also runs the whole suite under
//! each installed libclang.)

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The directories of the installed libclangs, oldest first: the list
/// `scripts/libclangs.sh` prints, the one `make test` runs the whole suite
/// under. Asked without `LIBCLANG_PATH`, with which the script prints only that.
pub(crate) fn installed_libclangs() -> Vec<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/libclangs.sh");
    let out = common::run(
        Command::new("bash")
            .arg(&script)
            .env_remove("LIBCLANG_PATH"),
    );
    assert!(out.success(), "{}: {}", script.display(), out.describe());
    out.stdout.lines().map(PathBuf::from).collect()
}

/// What `wyvern` with `args` printed with `libclang` (the directory holding it);
/// it must succeed.
fn run(libclang: &PathBuf, args: &[&str]) -> String {
    let out = common::run_wyvern_with_env(("LIBCLANG_PATH", libclang), args);
    assert!(
        out.success(),
        "with {}: wyvern {args:?}: {}",
        libclang.display(),
        out.stderr
    );
    assert!(
        out.stdout_is_utf8,
        "with {}: wyvern {args:?} printed invalid UTF-8",
        libclang.display()
    );
    out.stdout
}

/// Names that each libclang's own builtin headers (its resource directory's
/// `<stdarg.h>`) declare differently: libclang 14 defines `va_list` and
/// `__GNUC_VA_LIST` there, newer ones leave `va_list` to glibc's
/// `typedef __gnuc_va_list va_list`. The same type either way; not wyvern's to
/// make equal.
const COMPILER_HEADER_NAMES: &[&str] = &["va_list", "__GNUC_VA_LIST"];

/// A dump as `(section, name, nth of that name) → entry`, without the names the
/// compiler's own headers declare: the order of declarations may follow the
/// compiler's headers, the entries themselves may not differ.
fn dump_entries(json: &str) -> BTreeMap<(String, String, usize), Value> {
    let json: Value = serde_json::from_str(json).expect("dump --json is JSON");
    let mut entries = BTreeMap::new();
    for (section, list) in json.as_object().expect("an object") {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for entry in list.as_array().expect("sections are lists") {
            let name = entry["name"].as_str().unwrap_or("").to_string();
            if COMPILER_HEADER_NAMES.contains(&name.as_str()) {
                continue;
            }
            let nth = seen.entry(name.clone()).or_default();
            entries.insert((section.clone(), name, *nth), entry.clone());
            *nth += 1;
        }
    }
    entries
}

#[test]
fn every_installed_libclang_gives_the_same_answers() {
    let libs = installed_libclangs();
    if libs.is_empty() {
        println!("note: scripts/libclangs.sh found no libclang; nothing to compare");
        return;
    }
    println!("libclangs compared: {libs:?}");
    let commands: [&[&str]; 8] = [
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
        // X-macros and token pasting name the records and enums here.
        &["dump", "--json", "-H", "include-fixtures/calls.h"],
        &["layout", "--json", "-H", "include-fixtures/calls.h"],
        &["dump", "--json", "-H", "include-fixtures/macro_names.h"],
        &["dump", "--json", "-H", "include-fixtures/arrays.h"],
        &["layout", "--json", "-H", "include-fixtures/macro_names.h"],
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
fn every_installed_libclang_reads_the_system_headers_alike() {
    let libs = installed_libclangs();
    if libs.len() < 2 {
        println!(
            "note: {} libclang(s) installed; nothing to compare",
            libs.len()
        );
        return;
    }
    let headers = common::corpus::installed_headers();
    for gnu in [false, true] {
        let mut args = vec!["dump", "--json"];
        if gnu {
            args.extend(["-D", "_GNU_SOURCE"]);
        }
        for header in &headers {
            args.extend(["-H", header.as_str()]);
        }
        let first = dump_entries(&run(&libs[0], &args));
        assert!(first.len() > 1000, "the corpus dump is too small");
        for other in &libs[1..] {
            let second = dump_entries(&run(other, &args));
            let mut differences = Vec::new();
            for key in first.keys().chain(second.keys()) {
                let (a, b) = (first.get(key), second.get(key));
                if a != b && differences.len() < 20 {
                    differences.push(format!("{key:?}:\n    {a:?}\n    {b:?}"));
                }
            }
            differences.dedup();
            assert!(
                differences.is_empty(),
                "the corpus dump (_GNU_SOURCE: {gnu}) differs between {} and {}:\n{}",
                libs[0].display(),
                other.display(),
                differences.join("\n")
            );
            println!(
                "{} and {} agree on {} entries (_GNU_SOURCE: {gnu})",
                libs[0].display(),
                other.display(),
                first.len()
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
