//! Asm labels (`int f(void) __asm__("g");`, glibc's `__REDIRECT`): the symbol C
//! compiled from a header links to. wyvern reads them from headers (libclang) and
//! from debug info (`DW_AT_linkage_name`), calls and reads through them as gcc's
//! code does, keeps them in databases, dumps them, and `check` and `merge`
//! compare them.
//!
//! The oracle is gcc: the fixture `include-fixtures/asm_labels.c` defines each
//! labelled symbol and a decoy under the plain C name, and a gcc driver program
//! prints what the header's names reach.
#![cfg(feature = "clang")]

use crate::common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::{clang_compile, gcc_compile, run_wyvern, wyvern_json, Compiled, TempDir};
use wyvern::check::{compare, DifferenceKind};
use wyvern::db::{self, Database};
use wyvern::{CData, ErrorKind, Library, Module, Parser, TypeSet, Value};

/// The labelled declarations of the fixture header: C name → symbol.
const LABELS: [(&str, &str); 4] = [
    ("labelled_add", "labelled_add_v2"),
    ("redirected_scale", "redirected_scale_v2"),
    ("late_label", "late_label_v2"),
    ("labelled_counter", "labelled_counter_v2"),
];

fn header_types() -> TypeSet {
    let lib = common::fixture_library("asm_labels");
    Parser::new()
        .header(lib.header.display().to_string())
        .parse()
        .unwrap_or_else(|e| panic!("asm_labels.h does not parse: {e}"))
}

/// What the gcc driver, calling through the header, printed: `key → value`.
fn oracle() -> &'static BTreeMap<String, String> {
    static ORACLE: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    ORACLE.get_or_init(|| {
        let lib = common::fixture_library("asm_labels");
        let source = r#"
#include <stdio.h>
#include "asm_labels.h"
int main(void)
{
    printf("labelled_add=%d\n", labelled_add(2, 3));
    printf("redirected_scale=%d\n", redirected_scale(7));
    printf("late_label=%d\n", late_label());
    printf("plain_sub=%d\n", plain_sub(9, 4));
    printf("labelled_counter=%d\n", labelled_counter);
    return 0;
}
"#;
        let mut dir = TempDir::new("asm-labels-driver");
        let flags = lib.link_flags();
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let exe = match gcc_compile(dir.keep(), "driver", source, &flags) {
            Compiled::Ok(exe) => exe,
            Compiled::Failed(e) => panic!("the driver does not build:\n{e}"),
        };
        let out = common::run_program(&exe).unwrap_or_else(|e| panic!("the driver: {e}"));
        out.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
}

fn module(types: TypeSet) -> Module {
    let lib = common::fixture_library("asm_labels");
    // SAFETY: the fixture library has no initialisers.
    let library = unsafe { Library::open(lib.library.to_str().expect("UTF-8 path")) }
        .unwrap_or_else(|e| panic!("{e}"));
    Module::new(types, library)
}

/// The fixture's calls made through `module`, as the driver prints them.
fn results(module: &Module) -> BTreeMap<String, String> {
    let calls: [(&str, Vec<Value>); 4] = [
        ("labelled_add", vec![2.into(), 3.into()]),
        ("redirected_scale", vec![7.into()]),
        ("late_label", vec![]),
        ("plain_sub", vec![9.into(), 4.into()]),
    ];
    let mut out = BTreeMap::new();
    for (name, mut args) in calls {
        let f = module
            .function(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // SAFETY: the fixture's functions take and return ints only.
        let r = unsafe { f.call(&mut args) }.unwrap_or_else(|e| panic!("{name}: {e}"));
        out.insert(name.to_owned(), format!("{r:?}"));
    }
    // SAFETY: no other thread writes the fixture's globals.
    let counter = unsafe { module.global("labelled_counter") }.unwrap();
    out.insert("labelled_counter".into(), format!("{counter:?}"));
    out
}

fn as_values(oracle: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    oracle
        .iter()
        .map(|(k, v)| (k.clone(), format!("{:?}", Value::Int(v.parse().unwrap()))))
        .collect()
}

#[test]
fn the_header_reads_each_label() {
    let types = header_types();
    for (name, symbol) in LABELS {
        let found = match types.function(name) {
            Ok(f) => (f.asm_label.as_deref(), f.symbol()),
            Err(_) => {
                let g = types.global(name).unwrap();
                (g.asm_label.as_deref(), g.symbol())
            }
        };
        assert_eq!(found, (Some(symbol), symbol), "{name}");
    }
    let plain = types.function("plain_sub").unwrap();
    assert_eq!(
        (plain.asm_label.as_deref(), plain.symbol()),
        (None, "plain_sub")
    );
}

#[test]
fn calls_and_globals_by_c_name_reach_the_labelled_symbols_as_gcc_does() {
    let module = module(header_types());
    assert_eq!(results(&module), as_values(oracle()));
}

#[test]
fn glibc_sscanf_is_the_iso_c99_one_as_gcc_calls_it() {
    // `%as` is GNU's "allocate the string" in the old `sscanf`, a float
    // conversion in ISO C99's: <stdio.h> redirects `sscanf` to
    // `__isoc99_sscanf`, so gcc's program gets 0 where the old symbol gives 1.
    let source = r#"
#include <stdio.h>
int main(void)
{
    char *p = 0;
    printf("%d\n", sscanf("hello", "%as", &p));
    return 0;
}
"#;
    let dir = TempDir::new("asm-labels-sscanf");
    let exe = match gcc_compile(dir.path(), "sscanf", source, &[]) {
        Compiled::Ok(exe) => exe,
        Compiled::Failed(e) => panic!("{e}"),
    };
    let gcc: i64 = common::run_program(&exe).unwrap().trim().parse().unwrap();
    assert_eq!(gcc, 0, "gcc's sscanf is the ISO C99 one");

    let types = Parser::new().header("<stdio.h>").parse().unwrap();
    assert_eq!(
        types.function("sscanf").unwrap().symbol(),
        "__isoc99_sscanf"
    );
    // SAFETY: libc is already loaded; opening it again runs nothing.
    let module = Module::new(types, unsafe { Library::open("libc.so.6") }.unwrap());
    let sscanf = module.function("sscanf").unwrap();
    assert_eq!(
        (sscanf.name(), sscanf.symbol()),
        ("sscanf", "__isoc99_sscanf")
    );
    let isoc99 = module.symbol("__isoc99_sscanf").unwrap();
    assert_eq!(sscanf.address(), isoc99.cast_const());
    // The old sscanf would store a malloc'd pointer here: give it room.
    let out = CData::new_named(module.types(), "char *").unwrap();
    let mut args = [
        Value::from("hello"),
        Value::from("%as"),
        Value::Pointer(out.as_ptr() as usize),
    ];
    // SAFETY: both strings are NUL-terminated and `out` holds a `char *`.
    let r = unsafe { sscanf.call(&mut args) }.unwrap();
    assert_eq!(r, Value::Int(gcc.into()));
}

#[test]
fn a_missing_labelled_symbol_names_the_label_and_the_declaration() {
    let types = wyvern::cdef(
        "int nowhere(void) __asm__(\"nowhere_v9\");\nextern int lost __asm__(\"lost_v9\");",
    )
    .unwrap();
    let module = module(types);
    let e = module.function("nowhere").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Symbol { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with("no symbol 'nowhere_v9' (the asm label of 'nowhere') in '"),
        "{text}"
    );
    // SAFETY: the global does not exist; nothing is read.
    let e = unsafe { module.global("lost") }.unwrap_err().to_string();
    assert!(
        e.starts_with("no symbol 'lost_v9' (the asm label of 'lost') in '"),
        "{e}"
    );
}

#[test]
fn the_cli_calls_by_c_name_through_the_label() {
    let lib = common::fixture_library("asm_labels");
    let header = lib.header.display().to_string();
    let library = lib.library.display().to_string();
    let want = &oracle()["labelled_add"];
    let out = run_wyvern(&[
        "call",
        "-H",
        &header,
        "-l",
        &library,
        "labelled_add",
        "2",
        "3",
    ]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout.trim(), want.as_str());
    // A global named as an argument is read at its label's symbol too.
    let want: i64 = oracle()["labelled_counter"].parse::<i64>().unwrap() - 2;
    let json = wyvern_json(&[
        "call",
        "--json",
        "-H",
        &header,
        "-l",
        &library,
        "plain_sub",
        "labelled_counter",
        "2",
    ])
    .unwrap();
    assert_eq!(json["return"], want);
}

#[test]
fn a_database_keeps_the_labels() {
    let types = header_types();
    let loaded = db::load(&Database::new(types.clone(), &Default::default()).to_bytes()).unwrap();
    for (name, symbol) in LABELS {
        let found = match loaded.function(name) {
            Ok(f) => f.symbol(),
            Err(_) => loaded.global(name).unwrap().symbol(),
        };
        assert_eq!(found, symbol, "{name}");
    }
    // And calls through the loaded set reach them.
    assert_eq!(results(&module(loaded)), as_values(oracle()));
}

/// The fixture library with debug info, by `producer` (`gcc` or `clang`).
fn debug_library(dir: &TempDir, producer: &str) -> String {
    let source = std::fs::read_to_string(common::fixture("asm_labels.c")).unwrap();
    let include = format!("-I{}", common::fixtures_dir().display());
    let flags = ["-g", "-shared", "-fPIC", "-O1", include.as_str()];
    let name = format!("libasm_{producer}.so");
    let compiled = match producer {
        "gcc" => gcc_compile(dir.path(), &name, &source, &flags),
        _ => clang_compile(dir.path(), &name, &source, &flags),
    };
    match compiled {
        Compiled::Ok(p) => p.display().to_string(),
        Compiled::Failed(e) => panic!("{producer}: {e}"),
    }
}

#[test]
fn dwarf_linkage_names_are_the_labels_for_gcc_and_clang() {
    let dir = TempDir::new("asm-labels-dwarf");
    for producer in ["gcc", "clang"] {
        let path = debug_library(&dir, producer);
        let types = wyvern::frontend::dwarf::read(&path).unwrap();
        for (name, symbol) in LABELS {
            let found = match types.function(name) {
                Ok(f) => f.symbol(),
                Err(_) => types
                    .global(name)
                    .unwrap_or_else(|e| panic!("{producer}: {name}: {e}"))
                    .symbol(),
            };
            assert_eq!(found, symbol, "{producer}: {name}");
        }
        // The decoys are C functions whose labels are the plain names.
        assert_eq!(
            types.function("decoy_add").unwrap().symbol(),
            "labelled_add"
        );
        assert_eq!(types.function("plain_sub").unwrap().asm_label, None);
        // And calling through DWARF alone reaches them as gcc's driver does.
        let want = &oracle()["labelled_add"];
        let out = run_wyvern(&["call", "--dwarf", &path, "labelled_add", "2", "3"]);
        assert!(out.success(), "{producer}: {}", out.describe());
        assert_eq!(out.stdout.trim(), want.as_str(), "{producer}");
        let out = run_wyvern(&[
            "check",
            "-H",
            &common::fixture("asm_labels.h").display().to_string(),
            "--dwarf",
            &path,
        ]);
        assert!(out.success(), "{producer}: {}", out.describe());
    }
}

#[test]
fn dump_shows_labels_as_c_spells_them() {
    let lib = common::fixture_library("asm_labels");
    let header = lib.header.display().to_string();
    let out = run_wyvern(&["dump", "-H", &header]);
    assert!(out.success(), "{}", out.describe());
    for line in [
        "int labelled_add(int a, int b) __asm__(\"labelled_add_v2\");  /* c */",
        "int plain_sub(int a, int b);  /* c */",
        "extern int labelled_counter __asm__(\"labelled_counter_v2\");",
    ] {
        assert!(
            out.stdout.lines().any(|l| l == line),
            "{line}\n{}",
            out.stdout
        );
    }
    let json = wyvern_json(&["dump", "--json", "-H", &header]).unwrap();
    let function = |name: &str| {
        json["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(function("labelled_add")["asm_label"], "labelled_add_v2");
    // Only where there is one: the contract's keys stay as they were.
    assert!(function("plain_sub").get("asm_label").is_none());
    assert_eq!(json["globals"][0]["asm_label"], "labelled_counter_v2");
}

#[test]
fn dump_escapes_a_label_as_a_c_string() {
    let out = run_wyvern(&["dump", "--cdef", r#"int f(void) __asm__("we\"ird\\name");"#]);
    assert!(out.success(), "{}", out.describe());
    assert!(
        out.stdout
            .contains(r#"int f(void) __asm__("we\"ird\\name");"#),
        "{}",
        out.stdout
    );
}

#[test]
fn merge_agrees_on_equal_labels_and_refuses_different_ones() {
    let a = wyvern::cdef("int f(int) __asm__(\"f2\"); extern int g __asm__(\"g2\");").unwrap();
    let same = wyvern::cdef("int f(int) __asm__(\"f2\"); extern int g __asm__(\"g2\");").unwrap();
    let merged = a.merge(&same).unwrap();
    assert_eq!(merged.function("f").unwrap().symbol(), "f2");
    assert_eq!(merged.global("g").unwrap().symbol(), "g2");
    assert_eq!(merged.functions().count(), 1);

    let other = wyvern::cdef("int f(int) __asm__(\"f3\");").unwrap();
    assert_eq!(
        a.merge(&other).unwrap_err().to_string(),
        "function f: symbol 'f2' in the first set, 'f3' in the second set"
    );
    let unlabelled = wyvern::cdef("extern int g;").unwrap();
    assert_eq!(
        a.merge(&unlabelled).unwrap_err().to_string(),
        "global g: symbol 'g2' in the first set, 'g' in the second set"
    );
    // A label that is the name is no label.
    let named = wyvern::cdef("int f(int) __asm__(\"f\");").unwrap();
    let plain = wyvern::cdef("int f(int);").unwrap();
    assert!(named.merge(&plain).is_ok());
}

#[test]
fn check_reports_a_symbol_the_binary_does_not_have() {
    let dir = TempDir::new("asm-labels-check");
    let path = debug_library(&dir, "gcc");
    let binary = wyvern::frontend::dwarf::read(&path).unwrap();
    let header = wyvern::cdef(
        "int labelled_add(int a, int b) __asm__(\"labelled_add_v3\");\n\
         extern int labelled_counter __asm__(\"labelled_counter_v3\");\n\
         int redirected_scale(int x);\n\
         int plain_sub(int a, int b) __asm__(\"plain_sub_v2\");\n\
         int late_label(void) __asm__(\"late_label_v2\");\n",
    )
    .unwrap();
    let report = compare(&header, &binary);
    let found: Vec<String> = report
        .differences
        .iter()
        .map(|d| format!("{:?} {}: {}", d.kind, d.subject, d.message))
        .collect();
    assert_eq!(
        found,
        [
            "Symbol function labelled_add: symbol 'labelled_add_v3' in the header, \
             'labelled_add_v2' in the binary",
            "Symbol function plain_sub: symbol 'plain_sub_v2' in the header, \
             'plain_sub' in the binary",
            "Symbol global labelled_counter: symbol 'labelled_counter_v3' in the header, \
             'labelled_counter_v2' in the binary",
        ]
    );
    // `redirected_scale` without its label is the decoy's symbol, which the binary
    // defines (as `decoy_scale`): that links, so it is no difference.
    assert_eq!(report.checked.functions, 4);
    assert!(report
        .differences
        .iter()
        .all(|d| d.kind == DifferenceKind::Symbol));

    let missing = wyvern::cdef("int gone(void) __asm__(\"gone_v2\");").unwrap();
    let report = compare(&missing, &binary);
    assert_eq!(
        report.differences[0].message,
        "declared in the header (symbol 'gone_v2'), not defined in the binary"
    );
}
