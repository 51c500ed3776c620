//! Input nested past `wyvern::limits` is an error naming the limit, never a stack
//! overflow or a panic: in the CLI (8 MiB main thread) and in the library, called
//! here from test threads (2 MiB stacks), in debug builds too.

use crate::common;

use common::{run_wyvern, Output, TempDir};
use wyvern::limits::{MAX_EXPRESSION_DEPTH, MAX_TYPE_DEPTH};
use wyvern::{CData, ErrorKind};

/// Asserts a clean failure with `status` whose message names `limit`.
fn assert_refused(output: &Output, status: i32, limit: &str, what: &str) {
    assert!(
        !output.stderr.contains("panicked") && !output.stderr.contains("overflow"),
        "{what}: wyvern crashed\n{}",
        output.describe()
    );
    assert_eq!(output.status, Some(status), "{what}\n{}", output.describe());
    assert!(
        output.stderr.contains("error:") && output.stderr.contains(limit),
        "{what}: the error does not name {limit}\n{}",
        output.describe()
    );
}

/// `wyvern call abs ARG` with stdlib.h: `abs` takes an `int`.
fn call_abs(arg: &str) -> Output {
    run_wyvern(&["call", "-H", "<stdlib.h>", "abs", arg])
}

// A literal the CLI cannot read is a usage error (status 2), as every other
// unreadable argument is (DESIGN.md: 2 for a usage error).
#[test]
fn deep_literals_are_refused_by_the_cli() {
    let cases = [
        ("~ chain", format!("{}1", "~".repeat(40_000))),
        ("-~ chain", format!("{}1", "-~".repeat(20_000))),
        (
            "parentheses",
            format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000)),
        ),
        (
            "braces",
            format!("{}1{}", "{".repeat(50_000), "}".repeat(50_000)),
        ),
        (
            "&{ nesting",
            format!("{}1{}", "&{".repeat(30_000), "}".repeat(30_000)),
        ),
    ];
    for (what, arg) in cases {
        assert_refused(&call_abs(&arg), 2, "MAX_EXPRESSION_DEPTH", what);
    }
    // A long chain of one operator is not deep: C's reader folds it as it
    // goes (from the left), so it has a value.
    let out = call_abs(&format!("{}1", "1+".repeat(30_000)));
    assert_eq!(out.stdout.trim(), "30001", "{}", out.describe());
}

#[test]
fn literals_at_the_limit_still_work() {
    let depth = MAX_EXPRESSION_DEPTH as usize - 2;
    for arg in [
        format!("{}-5{}", "(".repeat(depth), ")".repeat(depth)),
        format!("{}-5", "~~".repeat(depth / 2)),
        format!("{}-5{}", "{".repeat(depth), "}".repeat(depth)),
    ] {
        let out = call_abs(&arg);
        assert!(out.success(), "{}", out.describe());
        assert_eq!(out.stdout.trim(), "5");
    }
}

/// `int (((…(*)…)))`: parentheses in an abstract declarator.
fn deep_type_name(depth: usize) -> String {
    format!("int {}*{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn deep_type_names_are_refused_by_the_cli() {
    let out = run_wyvern(&[
        "layout",
        "--cdef",
        "struct s { int a; };",
        &deep_type_name(50_000),
    ]);
    assert_refused(&out, 1, "MAX_TYPE_DEPTH", "layout of a deep type name");
    // The 100,000-character name is cut in the message.
    assert!(out.stderr.len() < 1_000, "{}", out.describe());
    let pointers = format!("int {}", "*".repeat(10_000));
    let out = run_wyvern(&["layout", "--cdef", "struct s { int a; };", &pointers]);
    assert_refused(&out, 1, "MAX_TYPE_DEPTH", "layout of int ****…");
}

#[test]
fn deep_type_names_are_errors_in_the_library() {
    let set = wyvern::cdef("struct s { int a; }; typedef int (*fn_t)(int);").unwrap();
    let texts = [
        deep_type_name(50_000),
        format!("int {}", "*".repeat(10_000)),
        format!("int {}", "[2]".repeat(10_000)),
        // Parameter lists inside parameter lists.
        format!("int {}{}", "(*)(int ".repeat(5_000), ")".repeat(5_000)),
    ];
    for text in &texts {
        let err = set.type_named(text).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::BadTypeName { .. }), "{err}");
        assert!(err.to_string().contains("MAX_TYPE_DEPTH"), "{err}");
        let err = CData::new_named(&set, text).unwrap_err();
        assert!(err.to_string().contains("MAX_TYPE_DEPTH"), "{err}");
    }
    // Below the limit the same shapes are found.
    let depth = MAX_TYPE_DEPTH as usize / 2 - 1;
    let ptr = set.type_named(&deep_type_name(depth)).unwrap();
    assert_eq!(set.spell(ptr), "int *");
    let ptrs = set
        .type_named(&format!("int {}", "*".repeat(depth)))
        .unwrap();
    assert_eq!(set.layout(ptrs.id).unwrap().size, 8);
}

/// A member name longer than `format!` can pad (`u16::MAX`).
fn long_name_struct() -> (String, String) {
    let name = "a".repeat(65_535);
    (format!("struct s {{ int {name}; long b; }};"), name)
}

#[test]
fn long_member_names_lay_out() {
    let (decl, name) = long_name_struct();
    let out = run_wyvern(&["layout", "--cdef", &decl, "struct s"]);
    assert!(out.success(), "{}", out.describe());
    assert!(
        out.stdout.contains(&format!("\tint {name}; /*")),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("/* size: 16, align: 8"),
        "{}",
        out.describe()
    );

    let set = wyvern::cdef(&decl).unwrap();
    let s = set.type_named("struct s").unwrap();
    let text = set.record_layout(s.id, "struct s").unwrap().to_text();
    assert!(
        text.contains(&format!("\tint {name}; /*      0       4 */")),
        "{text:.200}"
    );
    // Short names are still padded to the comment column.
    let b = text.lines().find(|l| l.contains("long b;")).unwrap();
    assert_eq!(b.find("/*"), Some(1 + 40), "{b}");
}

/// A header with `text`, in a scratch directory.
fn header(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn deep_declarations_in_headers_are_left_out_with_the_limit() {
    let dir = TempDir::new("limits");
    let cases = [
        (
            "pointers.h",
            format!("int {}p;\nint ok;\n", "*".repeat(10_000)),
        ),
        (
            "arrays.h",
            format!("int p{};\nint ok;\n", "[1]".repeat(300)),
        ),
        (
            "functions.h",
            // 250 parentheses deep (libclang refuses 256), 500 types deep.
            format!(
                "int {}p{};\nint ok;\n",
                "(*".repeat(250),
                ")(void)".repeat(250)
            ),
        ),
    ];
    for (file, text) in cases {
        let path = header(&dir, file, &text);
        let set = wyvern::Parser::new().header(&path).parse().unwrap();
        assert!(set.global("ok").is_ok(), "{file}");
        let why = set
            .why_skipped("p")
            .unwrap_or_else(|| panic!("{file}: p kept"));
        assert!(why.contains("MAX_TYPE_DEPTH"), "{file}: {why}");

        let out = run_wyvern(&["dump", "-H", &path]);
        assert!(out.success(), "{file}\n{}", out.describe());
        assert!(
            out.stdout.contains("MAX_TYPE_DEPTH"),
            "{file}\n{}",
            out.describe()
        );
        let out = run_wyvern(&["call", "-H", &path, "p"]);
        assert_refused(&out, 1, "MAX_TYPE_DEPTH", file);
    }
    // Just below the limit, a declaration is kept and spelled in full.
    let depth = MAX_TYPE_DEPTH as usize - 1;
    let path = header(&dir, "fits.h", &format!("int {}p;\n", "*".repeat(depth)));
    let set = wyvern::Parser::new().header(&path).parse().unwrap();
    let p = set.global("p").unwrap();
    assert_eq!(set.spell(p.ty), format!("int {}", "*".repeat(depth)));
}

#[test]
fn deep_macros_are_not_constants_with_the_limit() {
    let cases = [
        format!("#define X {}1{}", "(".repeat(9_000), ")".repeat(9_000)),
        format!("#define X {}1", "- ".repeat(15_000)),
        format!("#define X {}1", "!".repeat(15_000)),
        format!("#define X 1{}", " ? 1 : 1".repeat(3_000)),
    ];
    for text in &cases {
        let set = wyvern::cdef(&format!("{text}\n#define Y 2")).unwrap();
        let err = set.constant("X").unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::NotAConstant { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("MAX_EXPRESSION_DEPTH"), "{err}");
        assert!(set.constant("Y").is_ok());
    }
    // Each parenthesis is a level, and so are `-` and `7`.
    let depth = MAX_EXPRESSION_DEPTH as usize - 2;
    let text = format!("#define X {}-7{}", "(".repeat(depth), ")".repeat(depth));
    let set = wyvern::cdef(&text).unwrap();
    assert_eq!(
        set.constant("X").unwrap().value,
        wyvern::ConstValue::Int(-7)
    );
}

/// Chains of `n` types, each declared on its own (so no single declaration
/// nests deeply in the text): structs holding the previous one by value,
/// typedefs of the previous typedef, typedefs of pointers to the previous one.
fn chains(n: usize) -> (String, String) {
    let mut h = String::from("struct s0 { int x; };\ntypedef int t0;\ntypedef int *p0;\n");
    for i in 1..n {
        h.push_str(&format!(
            "struct s{i} {{ struct s{} a; }};\ntypedef t{} t{i};\ntypedef p{} *p{i};\n",
            i - 1,
            i - 1,
            i - 1
        ));
    }
    let last = n - 1;
    h.push_str(&format!(
        "int take(struct s{last} v);\nint use(p{last} x, t{last} y);\nint near(p50 x, t50 y);\n"
    ));
    let c = format!(
        "#include \"chain.h\"\nint take(struct s{last} v) {{ return 7; }}\n\
         int use(p{last} x, t{last} y) {{ return y; }}\nint near(p50 x, t50 y) {{ return y + 1; }}\n"
    );
    (h, c)
}

#[test]
fn chains_of_declarations_stop_at_the_limit() {
    let dir = TempDir::new("limits-chains");
    let (h, c) = chains(300);
    let path = header(&dir, "chain.h", &h);
    let set = wyvern::Parser::new().header(&path).parse().unwrap();
    // s0 nests 2 deep (struct, int): s198 is the last within the limit.
    let last = MAX_TYPE_DEPTH as usize - 2;
    let s = set.type_named(&format!("struct s{last}")).unwrap();
    assert_eq!(set.layout(s.id).unwrap().size, 4);
    for name in [format!("struct s{}", last + 1), "use".into(), "take".into()] {
        let why = set
            .why_skipped(&name)
            .unwrap_or_else(|| panic!("{name} kept"));
        assert!(why.contains("MAX_TYPE_DEPTH"), "{name}: {why}");
    }
    assert!(set.function("near").is_ok());
    // What a parse keeps, a database takes back.
    let (set, inputs) = wyvern::Parser::new()
        .header(&path)
        .parse_with_inputs()
        .unwrap();
    let bytes = wyvern::db::Database::new(set, &inputs).to_bytes();
    let loaded = wyvern::db::load(&bytes).unwrap();
    assert!(loaded.function("near").is_ok());

    let lib = match common::gcc_compile(dir.path(), "libchain.so", &c, &["-shared", "-fPIC", "-g"])
    {
        common::Compiled::Ok(path) => path.display().to_string(),
        common::Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    };
    let out = run_wyvern(&["call", "-H", &path, "-l", &lib, "near", "NULL", "3"]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout.trim(), "4");
    let out = run_wyvern(&["call", "-H", &path, "-l", &lib, "use", "NULL", "3"]);
    assert_refused(&out, 1, "MAX_TYPE_DEPTH", "call use");
    // From the DWARF of the same chains, the same declarations are left out.
    let dwarf = wyvern::frontend::dwarf::read(&lib).unwrap();
    assert!(dwarf.function("near").is_ok());
    for name in ["use", "take"] {
        let why = dwarf
            .why_skipped(name)
            .unwrap_or_else(|| panic!("{name} kept"));
        assert!(why.contains("MAX_TYPE_DEPTH"), "{name}: {why}");
    }
    let out = run_wyvern(&["dump", "--dwarf", &lib]);
    assert!(out.success(), "{}", out.describe());
    assert!(out.stdout.contains("use: "), "{}", out.describe());
}

#[test]
fn macros_expanded_too_deeply_name_their_limit() {
    let depth = wyvern::limits::MAX_MACRO_EXPANSION_DEPTH as usize;
    let mut text = String::from("#define M0 1\n");
    for i in 1..=depth + 5 {
        text.push_str(&format!("#define M{i} (M{} + 1)\n", i - 1));
    }
    let set = wyvern::cdef(&text).unwrap();
    let shallow = format!("M{}", depth - 1);
    assert_eq!(
        set.constant(&shallow).unwrap().value,
        wyvern::ConstValue::Int(depth as i128)
    );
    let err = set.constant(&format!("M{}", depth + 5)).unwrap_err();
    assert!(
        err.to_string().contains("MAX_MACRO_EXPANSION_DEPTH"),
        "{err}"
    );
}

/// Types just within the limit go through every walker, on a test thread's
/// 2 MiB stack: spelling, layouts, the ABI, values, merging, checking, databases,
/// DWARF.
#[test]
fn types_just_within_the_limit_work_everywhere() {
    let dir = TempDir::new("limits-near");
    let (h, c) = chains(MAX_TYPE_DEPTH as usize - 1);
    let path = header(&dir, "chain.h", &h);
    let a = wyvern::Parser::new().header(&path).parse().unwrap();
    let b = wyvern::Parser::new().header(&path).parse().unwrap();
    let deepest = format!("struct s{}", MAX_TYPE_DEPTH - 2);
    let s = a.type_named(&deepest).unwrap();
    assert!(a.why_skipped(&deepest).is_none());
    let typedef = a.type_named(&format!("t{}", MAX_TYPE_DEPTH - 2)).unwrap();
    assert_eq!(a.spell(a.canonical(typedef.id).into()), "int");
    for t in a.typedefs() {
        assert!(!a.declare(t.target, &t.name).is_empty());
    }
    let text = a.record_layout(s.id, &deepest).unwrap().to_text();
    assert!(text.contains("/* size: 4, align: 4"), "{text}");
    let passing = wyvern::__private::sysv::classify(&a, s.id).unwrap();
    assert!(
        !matches!(passing, wyvern::__private::sysv::Passing::Memory),
        "{passing:?}"
    );
    let mut value = CData::new(&a, s).unwrap();
    let path_to_x = format!("{}x", "a.".repeat(MAX_TYPE_DEPTH as usize - 2));
    value.set(&path_to_x, 42).unwrap();
    assert_eq!(value.get(&path_to_x).unwrap(), wyvern::Value::Int(42));
    assert!(value.to_string().contains("42"), "{value}");

    let merged = a.merge(&b).unwrap();
    assert_eq!(
        merged
            .layout(merged.type_named(&deepest).unwrap().id)
            .unwrap()
            .size,
        4
    );
    assert!(wyvern::check::compare(&a, &b).is_clean());

    let lib = match common::gcc_compile(dir.path(), "libnear.so", &c, &["-shared", "-fPIC", "-g"]) {
        common::Compiled::Ok(path) => path,
        common::Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    };
    let out = run_wyvern(&[
        "call",
        "-H",
        &path,
        "-l",
        lib.to_str().unwrap(),
        "take",
        "{}",
    ]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout.trim(), "7");
    let dwarf = wyvern::frontend::dwarf::read(&lib).unwrap();
    assert!(dwarf.function("take").is_ok());
    assert!(a.merge(&dwarf).is_ok());
}

/// A record defined after its typedef nests deeper through that typedef than
/// it did when the typedef was made: in DWARF, a typedef of a struct declared
/// in one unit and defined in another. Counted at the definition, the set read
/// still loads from a database.
#[test]
fn typedefs_made_before_their_record_count_at_its_definition() {
    let dir = TempDir::new("limits-late");
    let mut chain = String::from("struct s0 { int x; };\n");
    // s197 nests 199 deep: `struct late` holding it nests 200 deep, the limit,
    // and `late_t` one more.
    for i in 1..=197 {
        chain.push_str(&format!("struct s{i} {{ struct s{} a; }};\n", i - 1));
    }
    let a = "typedef struct late late_t;\nlate_t *get(void) { return 0; }\n";
    let b = format!(
        "{chain}struct late {{ struct s197 a; }};\nint use(struct late *p) {{ return 1; }}\n"
    );
    for (name, source) in [("a", a.to_string()), ("b", b)] {
        match common::gcc_compile(dir.path(), name, &source, &["-g", "-fPIC", "-c"]) {
            common::Compiled::Ok(_) => {}
            common::Compiled::Failed(e) => panic!("gcc -c {name}.c:\n{e}"),
        }
    }
    let lib = dir.path().join("liblate.so");
    let linked = common::run(
        std::process::Command::new("gcc")
            .args(["-shared", "-o"])
            .arg(&lib)
            .arg(dir.path().join("a"))
            .arg(dir.path().join("b")),
    );
    assert!(linked.success(), "{}", linked.describe());
    let set = wyvern::frontend::dwarf::read(&lib).unwrap();
    let why = set.why_skipped("struct late").unwrap_or("kept");
    assert!(why.contains("MAX_TYPE_DEPTH"), "struct late: {why}");
    assert!(set.function("get").is_ok());
    let inputs = wyvern::frontend::Inputs {
        reader: String::new(),
        flags: Vec::new(),
        files: Vec::new(),
    };
    let bytes = wyvern::db::Database::new(set, &inputs).to_bytes();
    let loaded = wyvern::db::load(&bytes).unwrap();
    assert!(loaded.function("get").is_ok());
}

/// Two sets within the limit whose merge would not be: a typedef of a struct in
/// one, the struct's deep definition in the other.
#[test]
fn a_merge_past_the_limit_is_an_error() {
    let mut chain = String::from("struct s0 { int x; };\n");
    for i in 1..=197 {
        chain.push_str(&format!("struct s{i} {{ struct s{} a; }};\n", i - 1));
    }
    let a = wyvern::cdef("typedef struct late late_t; late_t *get(void);").unwrap();
    let b = wyvern::cdef(&format!("{chain}struct late {{ struct s197 a; }};")).unwrap();
    let Err(err) = a.merge(&b) else {
        panic!("a merged set nesting past the limit was accepted")
    };
    assert!(err.to_string().contains("MAX_TYPE_DEPTH"), "{err}");
    // One level less merges.
    let b = wyvern::cdef(&format!("{chain}struct late {{ struct s196 a; }};")).unwrap();
    let merged = a.merge(&b).unwrap();
    let late = merged.type_named("late_t").unwrap();
    assert_eq!(merged.layout(late.id).unwrap().size, 4);
}

/// libclang gives field offsets in bits as 64-bit signed numbers, so a record of
/// 2^60 bytes or more has offsets it cannot give: such a record's body is left
/// out and listed, never laid out with invented offsets (`c` read as offset 0).
#[test]
fn records_too_large_for_bit_offsets_are_left_out() {
    let types = wyvern::cdef(
        "struct huge { char a[1ULL << 60]; int c; };\n\
         struct big { char a[(1ULL << 60) - 16]; int c; };",
    )
    .unwrap();
    let why = types.why_skipped("struct huge").unwrap_or_default();
    assert!(
        why.contains("a record of 1152921504606846980 bytes"),
        "{why}"
    );
    // Declared, never laid out with offsets it does not have.
    let huge = types.type_named("struct huge").unwrap();
    match types
        .record_layout(huge.id, "struct huge")
        .unwrap_err()
        .kind()
    {
        ErrorKind::LeftOut { name, reason } => {
            assert_eq!((name.as_str(), reason.as_str()), ("struct huge", why))
        }
        other => panic!("{other:?}"),
    }
    // Just below the limit, offsets are exact (gcc: offsetof(struct big, c)).
    let big = types.type_named("struct big").unwrap();
    let layout = types.record_layout(big.id, "struct big").unwrap();
    let c = layout
        .fields
        .iter()
        .find(|f| f.name.as_deref() == Some("c"))
        .unwrap();
    assert_eq!(c.offset, (1u64 << 60) - 16);
}
