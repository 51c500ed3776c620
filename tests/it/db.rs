//! Precompiled type databases: what is saved is what is loaded, staleness is seen,
//! and damaged, foreign and newer databases are refused with clear errors.
#![cfg(feature = "clang")]

use std::path::PathBuf;

use wyvern::db::{self, Database};
use wyvern::{ErrorKind, Parser, TypeSet};

use crate::common::db as db_common;

/// The six headers of the benchmark and the README.
const HEADERS: [&str; 6] = [
    "<stdio.h>",
    "<stdlib.h>",
    "<string.h>",
    "<math.h>",
    "<time.h>",
    "<sys/stat.h>",
];

fn headers_parser() -> Parser {
    HEADERS.iter().fold(Parser::new(), |p, h| p.header(*h))
}

/// Everything a user sees of a set, as text: every declaration, layout and constant.
fn view(set: &TypeSet) -> String {
    let mut out = String::new();
    for f in set.functions() {
        out += &format!("{} symbol {}\n", set.prototype(f), f.symbol());
    }
    for (name, ty) in set.named_records() {
        out += &set.record_layout(ty, &name).unwrap().to_text();
    }
    for (_, e) in set.enums() {
        out += &format!("{:?} {:?}\n", e.tag, e.constants);
    }
    for t in set.typedefs() {
        out += &format!(
            "typedef {} {:?}\n",
            set.declare(t.target, &t.name),
            set.layout(set.type_named(&t.name).unwrap().id)
        );
    }
    for g in set.globals() {
        out += &format!("{} symbol {}\n", set.declare(g.ty, &g.name), g.symbol());
    }
    for c in set.constants() {
        out += &format!(
            "{} {} {:?} {:?}\n",
            c.name,
            set.spell(c.ty),
            c.value,
            c.location
        );
    }
    for (name, why) in set.skipped_declarations() {
        out += &format!("skipped {name}: {why}\n");
    }
    out
}

fn message(e: wyvern::Error) -> String {
    assert!(matches!(e.kind(), ErrorKind::Database { .. }), "{e:?}");
    e.to_string()
}

#[test]
fn six_system_headers_load_back_the_same() {
    let (types, inputs) = headers_parser().parse_with_inputs().unwrap();
    assert!(
        inputs.files.len() > 10,
        "the headers include others: {:?}",
        inputs.files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let bytes = Database::new(types.clone(), &inputs).to_bytes();
    let loaded = db::load(&bytes).unwrap();
    assert_eq!(view(&loaded), view(&types));
    assert_eq!(loaded.target(), types.target());
    // Name lookups are rebuilt on load.
    assert_eq!(
        loaded.prototype(loaded.function("fopen").unwrap()),
        types.prototype(types.function("fopen").unwrap())
    );
    assert_eq!(
        loaded.constant("EOF").unwrap().value,
        wyvern::ConstValue::Int(-1)
    );
    let stat = loaded.type_named("struct stat").unwrap();
    assert_eq!(
        loaded.layout(stat.id),
        types.layout(types.type_named("struct stat").unwrap().id)
    );
    assert!(loaded.type_named("struct stat *").is_ok());
    // And everything in it can be printed and lowered.
    assert!(db_common::exercise(&loaded) > 0);
}

#[test]
fn fixture_headers_load_back_the_same() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include-fixtures");
    for name in [
        "records.h",
        "bitfields.h",
        "packing.h",
        "scalars.h",
        "functions.h",
        "constants.h",
        "callbacks.h",
        "calls.h",
        "asm_labels.h",
    ] {
        let types = Parser::new()
            .header(dir.join(name).display().to_string())
            .parse()
            .unwrap();
        let bytes = Database::new(types.clone(), &Default::default()).to_bytes();
        let loaded = db::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(view(&loaded), view(&types), "{name}");
    }
}

#[test]
fn a_file_round_trips_with_its_header() {
    let dir = tempdir();
    let path = dir.join("m.wydb");
    let (types, inputs) = Parser::new()
        .header("<math.h>")
        .parse_with_inputs()
        .unwrap();
    Database::new(types, &inputs).save(&path).unwrap();
    let opened = Database::open(&path).unwrap();
    assert_eq!(
        opened.producer(),
        concat!("wyvern ", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(opened.target(), &wyvern::types::Target::host());
    assert_eq!(opened.inputs().reader, wyvern::libclang_version().unwrap());
    assert!(opened.changes(&inputs).is_empty());
    let set = db::load_path(&path).unwrap();
    assert_eq!(
        set.spell(set.function("pow").unwrap().ty.into()),
        "double (double, double)"
    );
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wyvern-db-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_changed_header_flag_or_include_makes_it_stale() {
    let dir = tempdir();
    let inner = dir.join("inner.h");
    let outer = dir.join("outer.h");
    std::fs::write(&inner, "struct in { int a; };\n").unwrap();
    std::fs::write(&outer, "#include \"inner.h\"\nint f(struct in *);\n").unwrap();
    let parser = Parser::new().header(outer.display().to_string());
    let (types, inputs) = parser.parse_with_inputs().unwrap();
    let database = Database::new(types, &inputs);
    let names: Vec<&str> = inputs.files.iter().map(|f| f.0.as_str()).collect();
    assert!(names.iter().any(|n| n.ends_with("inner.h")), "{names:?}");

    // Nothing changed.
    assert_eq!(
        database.changes(&parser.parse_with_inputs().unwrap().1),
        Vec::<String>::new()
    );
    // A header included by the named one.
    std::fs::write(&inner, "struct in { long a; };\n").unwrap();
    let changes = database.changes(&parser.parse_with_inputs().unwrap().1);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].ends_with("inner.h changed"), "{changes:?}");
    // A -D flag.
    std::fs::write(&inner, "struct in { int a; };\n").unwrap();
    let changes = database.changes(
        &parser
            .clone()
            .define("X", Some("1"))
            .parse_with_inputs()
            .unwrap()
            .1,
    );
    assert!(
        changes
            .iter()
            .any(|c| c.contains("the flags changed") && c.contains("-DX=1")),
        "{changes:?}"
    );
    // cdef text added to the sources.
    let changes = database.changes(&parser.clone().cdef("int g;").parse_with_inputs().unwrap().1);
    assert_eq!(
        changes,
        ["the sources given (headers named, cdef text) changed"]
    );
}

fn math_bytes() -> Vec<u8> {
    let types = wyvern::cdef("double pow(double, double); struct s { int a; char b; };").unwrap();
    Database::new(types, &Default::default()).to_bytes()
}

#[test]
fn not_a_database() {
    assert_eq!(
        message(db::load(b"\x7fELF\x02\x01\x01").unwrap_err()),
        "not a wyvern database (bad magic)"
    );
    assert_eq!(
        message(db::load(b"").unwrap_err()),
        "truncated at byte 0: the fixed header is 14 bytes"
    );
    assert_eq!(
        message(db::load(b"WYVERN").unwrap_err()),
        "truncated at byte 6: the fixed header is 14 bytes"
    );
}

#[test]
fn another_format_version_is_named() {
    let mut bytes = math_bytes();
    bytes[8] = 4;
    assert_eq!(
        message(db::load(&bytes).unwrap_err()),
        format!(
            "database format version 4, this wyvern reads {}: rebuild it with `wyvern compile`",
            db::FORMAT_VERSION
        )
    );
}

#[test]
fn a_version_1_database_is_refused_by_its_version() {
    // Version 1 had no asm labels: its bodies do not decode as version 2's, and
    // must be refused by the version before anything is decoded.
    let mut bytes = math_bytes();
    bytes[8..10].copy_from_slice(&1u16.to_le_bytes());
    assert_eq!(
        message(db::load(&bytes).unwrap_err()),
        format!(
            "database format version 1, this wyvern reads {}: rebuild it with `wyvern compile`",
            db::FORMAT_VERSION
        )
    );
}

#[test]
fn truncation_names_the_byte() {
    let bytes = math_bytes();
    let head_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let e = message(db::load(&bytes[..20]).unwrap_err());
    assert_eq!(
        e,
        format!(
            "truncated at byte 20: the header ends at byte {}",
            14 + head_len
        )
    );
    let cut = bytes.len() - 5;
    let e = message(db::load(&bytes[..cut]).unwrap_err());
    assert_eq!(
        e,
        format!(
            "truncated at byte {cut}: the body ends at byte {}",
            bytes.len()
        )
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(message(db::load(&longer).unwrap_err()).contains("1 bytes after the end of the body"));
}

#[test]
fn a_changed_byte_fails_the_checksum() {
    let mut bytes = math_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert!(message(db::load(&bytes).unwrap_err()).contains("checksum does not match"));
}

#[test]
fn a_database_for_another_target_is_refused_naming_both() {
    let types = Parser::new()
        .target("aarch64-unknown-linux-gnu")
        .cdef("struct s { char c; long l; };")
        .parse()
        .unwrap();
    let bytes = Database::new(types, &Default::default()).to_bytes();
    let e = message(db::load(&bytes).unwrap_err());
    let host = wyvern::types::Target::host();
    assert_eq!(
        e,
        format!(
            "database is for aarch64-unknown-linux-gnu (pointer 8, little-endian, char unsigned), \
             this machine is {} (pointer {}, little-endian, char signed)",
            host.triple, host.pointer_size
        )
    );
    // Read as a database of any target, its layouts are there to look at.
    let any = Database::from_bytes(&bytes).unwrap();
    assert_eq!(any.target().triple, "aarch64-unknown-linux-gnu");
    let s = any.types().type_named("struct s").unwrap();
    assert_eq!(any.types().layout(s.id).unwrap().size, 16);
    assert!(any.into_host_types().is_err());
}

#[test]
fn a_missing_file_is_named() {
    let e = db::load_path("/nonexistent/x.wydb").unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/x.wydb: "), "{e}");
    let dir = tempdir();
    let path = dir.join("bad.wydb");
    std::fs::write(&path, b"hello").unwrap();
    let e = db::load_path(&path).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{}: not a wyvern database (bad magic)", path.display())
    );
}
