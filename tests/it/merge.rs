//! Combining sources: `TypeSet::merge` and the CLI's `-H`/`--cdef` + `--dwarf` +
//! `--db`. gcc is the oracle for layouts and call results; the fixture headers
//! and the system's `<stdio.h>` must agree with the DWARF of what gcc built from
//! them, so any disagreement the merge finds there is a bug.

use crate::common;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{fixture, gcc_compile, run_program, run_wyvern, Compiled, TempDir};
use wyvern::{Type, TypeSet};

const FIXTURES: [&str; 4] = ["records.h", "bitfields.h", "packing.h", "scalars.h"];

/// A library built by gcc: `a.c` with debug info, `b.c` without (so only a
/// declaration from elsewhere can name what it defines).
const WITH_DEBUG: &str = r#"
#include <stdio.h>
struct pair { int a; long b; };
typedef struct { short x, y; } point;
long pair_sum(struct pair p) { return p.a + p.b; }
int point_print(FILE *f, const point *p) { return fprintf(f, "(%d, %d)", p->x, p->y); }
"#;
const WITHOUT_DEBUG: &str = r#"
struct pair { int a; long b; };
long pair_scale(struct pair *p, int k) { p->a *= k; p->b *= k; return p->a + p->b; }
"#;

/// `libmerge.so` from the two sources above, in `dir`.
fn build_library(dir: &TempDir) -> String {
    let objects = [("a", WITH_DEBUG, "-g"), ("b", WITHOUT_DEBUG, "-g0")];
    for (name, source, debug) in objects {
        match gcc_compile(dir.path(), name, source, &[debug, "-fPIC", "-c"]) {
            Compiled::Ok(_) => {}
            Compiled::Failed(e) => panic!("gcc -c {name}.c:\n{e}"),
        }
    }
    let library = dir.path().join("libmerge.so");
    let linked = common::run(
        std::process::Command::new("gcc")
            .current_dir(dir.path())
            .args(["-shared", "-o"])
            .arg(&library)
            .args(["a", "b"]),
    );
    assert!(linked.success(), "{}", linked.describe());
    library.display().to_string()
}

/// What a gcc-built program linked with the library prints.
fn oracle(dir: &TempDir, library: &str, body: &str) -> String {
    let source = format!(
        "#include <stdio.h>\nstruct pair {{ int a; long b; }};\n\
         typedef struct {{ short x, y; }} point;\n\
         long pair_scale(struct pair *, int);\n\
         int point_print(FILE *, const point *);\n\
         int main(void) {{ {body} return 0; }}\n"
    );
    let rpath = format!("-Wl,-rpath,{}", dir.path().display());
    let flags = ["-Wl,--no-as-needed", library, &rpath];
    let exe = match gcc_compile(dir.path(), "oracle", &source, &flags) {
        Compiled::Ok(exe) => exe,
        Compiled::Failed(e) => panic!("oracle:\n{e}"),
    };
    run_program(&exe).unwrap_or_else(|e| panic!("oracle: {e}"))
}

#[test]
fn a_cdef_function_is_called_through_a_dwarf_set() {
    let dir = TempDir::new("merge-cdef-dwarf");
    let library = build_library(&dir);
    let expected = oracle(
        &dir,
        &library,
        "struct pair p = {3, 40}; long r = pair_scale(&p, 5); \
         printf(\"%ld %d %ld\\n\", r, p.a, p.b);",
    );
    assert_eq!(expected, "215 15 200\n");

    // The DWARF alone does not know the function built without debug info.
    let alone = run_wyvern(&["call", "--dwarf", &library, "pair_scale", "&{3, 40}", "5"]);
    assert_eq!(alone.status, Some(1), "{}", alone.describe());
    assert!(
        alone.stderr.contains("no function 'pair_scale'"),
        "{}",
        alone.stderr
    );

    // Declared by --cdef against an incomplete struct, which the DWARF completes.
    let cdef = "struct pair; long pair_scale(struct pair *, int);";
    let args = [
        "call",
        "--json",
        "--cdef",
        cdef,
        "--dwarf",
        &library,
        "pair_scale",
        "&{3, 40}",
        "5",
    ];
    let output = run_wyvern(&args);
    assert!(output.success(), "{}", output.describe());
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let got = format!(
        "{} {} {}\n",
        json["return"], json["out"]["0"]["a"], json["out"]["0"]["b"]
    );
    assert_eq!(got, expected, "{}", output.stdout);
}

#[test]
fn stdio_h_and_a_librarys_dwarf_combine() {
    let dir = TempDir::new("merge-stdio");
    let library = build_library(&dir);
    let expected = oracle(
        &dir,
        &library,
        "point p = {3, -4}; int n = point_print(stdout, &p); printf(\" %d\\n\", n);",
    );
    assert_eq!(expected, "(3, -4) 7\n");

    // FILE and stdout come from <stdio.h>, point and point_print from the DWARF;
    // both describe struct _IO_FILE, and must agree.
    let args = [
        "call",
        "-H",
        "<stdio.h>",
        "--dwarf",
        &library,
        "point_print",
        "stdout",
        "&{3, -4}",
    ];
    let output = run_wyvern(&args);
    assert!(output.success(), "{}", output.describe());
    assert!(output.stdout.starts_with("(3, -4)"), "{}", output.stdout);
    assert!(output.stdout.contains("7"), "{}", output.stdout);

    // The merged set has both sides: a function only the header declares, and
    // the library's own anonymous struct under its typedef, laid out as gcc does.
    let dump = run_wyvern(&["dump", "-H", "<stdio.h>", "--dwarf", &library]);
    assert!(dump.success(), "{}", dump.describe());
    for wanted in ["fopen", "point_print", "pair_sum", "struct _IO_FILE"] {
        assert!(
            dump.stdout.contains(wanted),
            "no {wanted} in\n{}",
            dump.stdout
        );
    }
    let layout = common::wyvern_json(&[
        "layout",
        "--json",
        "-H",
        "<stdio.h>",
        "--dwarf",
        &library,
        "point",
        "FILE",
    ])
    .unwrap();
    let sizes = oracle(
        &dir,
        &library,
        "printf(\"%zu %zu %zu\\n\", sizeof(point), __builtin_offsetof(point, y), sizeof(FILE));",
    );
    let got = format!(
        "{} {} {}\n",
        layout[0]["size"], layout[0]["fields"][1]["offset"], layout[1]["size"]
    );
    assert_eq!(got, sizes);
}

#[test]
fn a_database_and_cdef_combine() {
    let dir = TempDir::new("merge-db");
    let library = build_library(&dir);
    let db = dir.path().join("string.wydb").display().to_string();
    let compiled = run_wyvern(&["compile", "-H", "<string.h>", "-o", &db]);
    assert!(compiled.success(), "{}", compiled.describe());

    let cdef = "struct pair { int a; long b; }; long pair_sum(struct pair);";
    let sum = run_wyvern(&[
        "call", "--db", &db, "--cdef", cdef, "-l", &library, "pair_sum", "{2, 40}",
    ]);
    assert!(sum.success(), "{}", sum.describe());
    assert_eq!(sum.stdout.trim(), "42");
    // The database's own functions are there too.
    let args = [
        "call",
        "--db",
        &db,
        "--cdef",
        cdef,
        "-l",
        "libc.so.6",
        "strlen",
        "\"wyvern\"",
    ];
    let len = run_wyvern(&args);
    assert!(len.success(), "{}", len.describe());
    assert_eq!(len.stdout.trim(), "6");

    // A declaration that disagrees with the database is refused, naming both.
    let wrong = run_wyvern(&["dump", "--db", &db, "--cdef", "int strlen(const char *);"]);
    assert_eq!(wrong.status, Some(1), "{}", wrong.describe());
    assert_eq!(
        wrong.stderr,
        format!(
            "error: function strlen: 'int (const char *)' in --cdef, \
             'unsigned long (const char *)' in --db {db}\n"
        )
    );
}

#[test]
fn a_conflicting_struct_is_an_error_naming_both_versions() {
    let dir = TempDir::new("merge-conflict");
    let library = build_library(&dir);
    let cases = [
        ("struct pair { int a; };", "size 4 in --cdef, 16 in"),
        (
            "struct pair { int a; int b; long c; };",
            "3 fields in --cdef, 2 in",
        ),
        (
            "struct pair { long a; long b; };",
            "field 'a' has type 'long' in --cdef, 'int' in",
        ),
        (
            "struct pair { int a; long c; };",
            "field 2 is 'c' in --cdef, 'b' in",
        ),
        (
            "union pair { int a; long b; };",
            "a union in --cdef, a struct in",
        ),
        ("typedef struct { int x, y; } point;", "typedef point:"),
    ];
    for (cdef, message) in cases {
        let output = run_wyvern(&["dump", "--cdef", cdef, "--dwarf", &library]);
        assert_eq!(output.status, Some(1), "{cdef}: {}", output.describe());
        assert!(
            output.stderr.starts_with("error: ") && output.stderr.contains(message),
            "{cdef}: {}",
            output.stderr
        );
        assert!(output.stderr.contains(&library), "{}", output.stderr);
    }
    let output = run_wyvern(&[
        "layout",
        "--cdef",
        "struct pair { int a; };",
        "--dwarf",
        &library,
    ]);
    assert_eq!(
        output.stderr,
        format!("error: struct pair: size 4 in --cdef, 16 in --dwarf {library}\n")
    );
    // What agrees is kept once: the same struct, spelled the same way.
    let same = run_wyvern(&[
        "layout",
        "--cdef",
        "struct pair { int a; long b; };",
        "--dwarf",
        &library,
        "struct pair",
    ]);
    assert!(same.success(), "{}", same.describe());
}

/// The fixture headers, parsed.
fn header_types() -> TypeSet {
    let mut parser = wyvern::Parser::new();
    for f in FIXTURES {
        parser = parser.header(fixture(f).display().to_string());
    }
    parser.parse().unwrap()
}

/// The DWARF of a gcc-built library that uses every record the fixtures define
/// (and so describes them, and only what they need from the system headers:
/// gcc's and clang's `<stddef.h>` name `max_align_t`'s members differently, a
/// conflict the merge rightly reports).
fn dwarf_types(dir: &TempDir, header: &TypeSet) -> TypeSet {
    let mut source = String::new();
    for f in FIXTURES {
        source.push_str(&format!("#include \"{}\"\n", fixture(f).display()));
    }
    let mut used = 0;
    for (i, (name, ty)) in header.named_records().into_iter().enumerate() {
        let Type::Record(r) = header.ty(header.canonical(ty)) else {
            continue;
        };
        let Some(location) = &header.record(*r).location else {
            continue;
        };
        if FIXTURES.iter().any(|f| location.file.ends_with(f)) {
            source.push_str(&format!("{name} use_{i};\n"));
            used += 1;
        }
    }
    assert!(used > 20, "only {used} fixture records");
    let flags = ["-g", "-fPIC", "-shared"];
    let library = match gcc_compile(dir.path(), "libfixtures.so", &source, &flags) {
        Compiled::Ok(p) => p,
        Compiled::Failed(e) => panic!("gcc:\n{e}"),
    };
    wyvern::frontend::dwarf::read(&library).unwrap()
}

/// Every named record's layout (as `layout --json` prints it), by name.
fn layouts(set: &TypeSet) -> BTreeMap<String, String> {
    set.named_records()
        .into_iter()
        .map(|(name, ty)| {
            let layout = set.record_layout(ty, &name).unwrap();
            (name, serde_json::to_string(&layout).unwrap())
        })
        .collect()
}

/// Every record of `first` and `second` is in `merged` and laid out as in the
/// set it came from: `first`'s where both have it (they agree, but DWARF leaves
/// out unnamed bitfields and guesses a packed record's alignment).
fn assert_layouts_kept(merged: &TypeSet, first: &TypeSet, second: &TypeSet) {
    let (m, f, s) = (layouts(merged), layouts(first), layouts(second));
    let names: Vec<&String> = m.keys().collect();
    let mut expected: Vec<&String> = f.keys().chain(s.keys()).collect();
    expected.sort();
    expected.dedup();
    assert_eq!(names, expected);
    for (name, layout) in &m {
        let before = f.get(name).or_else(|| s.get(name)).unwrap();
        assert!(layout == before, "{name}:\n{layout}\nwas\n{before}");
    }
}

fn function_names(set: &TypeSet) -> Vec<String> {
    let mut names: Vec<String> = set.functions().map(|f| f.name.clone()).collect();
    names.sort();
    names
}

/// Every pointer and function type the set's functions and fields use is the one
/// id the set has for it.
fn assert_interned(set: &TypeSet) {
    let mut ids = Vec::new();
    for f in set.functions() {
        ids.push(f.ty);
        if let Some(sig) = set.fn_sig(f.ty) {
            ids.extend(sig.params.iter().map(|p| p.id));
        }
    }
    for (_, record) in set.records() {
        if let Some(def) = &record.def {
            ids.extend(def.fields.iter().map(|f| f.ty.id));
        }
    }
    let mut checked = 0;
    for id in ids {
        let ty = set.ty(id).clone();
        if matches!(
            ty,
            Type::Pointer(_) | Type::Array { .. } | Type::Function(_)
        ) {
            assert_eq!(set.derive(ty.clone()).unwrap(), id, "{ty:?} has two ids");
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} derived types checked");
}

#[test]
fn merged_layouts_equal_the_unmerged_ones() {
    let dir = TempDir::new("merge-layouts");
    let header = header_types();
    let dwarf = dwarf_types(&dir, &header);
    let merged = header
        .merge_labeled("the headers", &dwarf, "the DWARF")
        .unwrap();
    assert!(layouts(&header).len() > 20);
    assert_layouts_kept(&merged, &header, &dwarf);
    assert_interned(&merged);
    // The other way round too.
    let reversed = dwarf.merge(&header).unwrap();
    assert_layouts_kept(&reversed, &dwarf, &header);
    assert_interned(&reversed);
}

#[test]
fn merging_a_set_with_itself_changes_nothing() {
    let dir = TempDir::new("merge-idempotent");
    let header = header_types();
    let dwarf = dwarf_types(&dir, &header);
    let merged = header.merge(&dwarf).unwrap();
    for set in [&header, &dwarf, &merged] {
        let again = set.merge(set).unwrap();
        assert_eq!(again.records().count(), set.records().count());
        assert_eq!(again.enums().count(), set.enums().count());
        assert_eq!(again.typedefs().count(), set.typedefs().count());
        assert_eq!(function_names(&again), function_names(set));
        assert_eq!(again.globals().count(), set.globals().count());
        assert_eq!(again.constants().count(), set.constants().count());
        assert_eq!(layouts(&again), layouts(set));
        assert_interned(&again);
    }
    // Merging the DWARF in a second time adds nothing either.
    let twice = merged.merge(&dwarf).unwrap();
    assert_eq!(twice.records().count(), merged.records().count());
    assert_eq!(function_names(&twice), function_names(&merged));
}

#[test]
fn merging_a_damaged_database_gives_ok_or_err_never_a_panic() {
    let good = wyvern::cdef(
        "struct node { struct node *next; int v; }; typedef struct { char c[3]; } tri;
         union u { int i; float f; }; enum e { A, B = 4 }; typedef int (*cb)(struct node *);
         int walk(struct node *, cb); extern tri names[2];\n#define N 3\n",
    )
    .unwrap();
    let bytes = wyvern::db::Database::new(good.clone(), &empty_inputs()).to_bytes();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (mut loaded, mut merged) = (0, 0);
    for _ in 0..3000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + next() % 3 {
            // The body is most of the file; the fixed part and header are left alone
            // (their damage is refused before any set exists).
            let at = bytes.len() / 4 + (next() as usize) % (bytes.len() * 3 / 4);
            damaged[at] ^= 1 << (next() % 8);
        }
        let Some(sealed) = wyvern::__private::reseal(&damaged) else {
            continue;
        };
        let Ok(set) = wyvern::db::load(&sealed) else {
            continue;
        };
        loaded += 1;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let one = set.merge(&good).is_ok();
            let two = good.merge(&set).is_ok();
            let three = set.merge(&set).is_ok();
            [one, two, three]
        }));
        match result {
            Ok(oks) => merged += oks.iter().filter(|ok| **ok).count(),
            Err(_) => panic!("merging a damaged database panicked"),
        }
    }
    assert!(loaded > 50, "only {loaded} damaged databases loaded");
    assert!(merged > 0);
}

fn empty_inputs() -> wyvern::frontend::Inputs {
    wyvern::frontend::Inputs {
        reader: "test".into(),
        flags: Vec::new(),
        files: Vec::new(),
    }
}

/// gcc's DWARF leaves out the members of a transparent union whose attribute
/// follows the typedef (`__SOCKADDR_ARG`, `tu_t` of `union tu`): two objects
/// that each use them merge, each kept once (issue 12 item 4 reported a
/// conflict here; it did not reproduce, before or after the merge rework).
#[test]
fn memberless_transparent_unions_of_two_objects_merge() {
    let dir = TempDir::new("merge-transparent");
    let common = "#define _GNU_SOURCE
#include <sys/socket.h>
typedef union __attribute__((transparent_union)) either { int *i; long *l; } either_t;
typedef union tu { int *i; long *l; } tu_t __attribute__((transparent_union));
";
    let object = |name: &str, function: &str| {
        let source = format!(
            "{common}int {function}(int fd, __SOCKADDR_ARG a, socklen_t *n, either_t e, tu_t t) \
             {{ return accept(fd, a, n) + *e.i + *t.i; }}\n\
             int {function}_c(int fd, __CONST_SOCKADDR_ARG a, socklen_t n) {{ return connect(fd, a, n); }}\n"
        );
        match gcc_compile(dir.path(), name, &source, &["-g", "-c"]) {
            Compiled::Ok(p) => wyvern::frontend::dwarf::read(&p).unwrap(),
            Compiled::Failed(e) => panic!("gcc:\n{e}"),
        }
    };
    let (one, two) = (object("one.o", "one"), object("two.o", "two"));
    for (a, b) in [(&one, &two), (&two, &one), (&one, &one)] {
        let merged = a.merge(b).unwrap();
        for name in [
            "__SOCKADDR_ARG",
            "either_t",
            "union either",
            "tu_t",
            "union tu",
        ] {
            let ty = merged.type_named(name).unwrap();
            assert_eq!(merged.layout(ty.id).unwrap().size, 8, "{name}");
        }
        let sig = |f: &str| merged.fn_sig(merged.function(f).ok()?.ty).cloned();
        if !a.same(b) {
            assert_eq!(sig("one"), sig("two"));
        }
    }
    // Through a database too.
    let bytes = wyvern::db::Database::new(one.clone(), &empty_inputs()).to_bytes();
    let loaded = wyvern::db::load(&bytes).unwrap();
    loaded.merge(&two).unwrap();
    two.merge(&loaded).unwrap();
}
