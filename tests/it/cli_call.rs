//! `wyvern call` as a user types it: the CLI contract for calls.

use crate::common;

use common::{gcc_compile, run_wyvern, Compiled, TempDir};

/// A small library with structs, unions and arrays by value, compiled by gcc.
fn shapes_library(dir: &TempDir) -> (String, String) {
    let header = "struct P { double x, y; };
union U { int i; float f; };
struct Rec { int id; char name[8]; struct P at[2]; unsigned flags : 3; };
double dot(struct P a, struct P b);
struct P scale(struct P p, double k);
int as_int(union U u);
void fill(struct Rec *out, int id);
long sum_ids(struct Rec r);
long total(int n, ...);
";
    let source = format!(
        "#include <stdarg.h>
{header}
double dot(struct P a, struct P b) {{ return a.x * b.x + a.y * b.y; }}
struct P scale(struct P p, double k) {{ struct P r = {{ p.x * k, p.y * k }}; return r; }}
int as_int(union U u) {{ return u.i; }}
void fill(struct Rec *out, int id) {{
    out->id = id; out->name[0] = 'o'; out->name[1] = 'k'; out->name[2] = 0;
    out->at[1].y = 0.5; out->flags = 5;
}}
long sum_ids(struct Rec r) {{ return r.id * 1000 + r.flags * 100 + (long)(r.at[1].x * 10) + r.name[0]; }}
long total(int n, ...) {{
    va_list ap; va_start(ap, n); long t = 0;
    for (int i = 0; i < n; i++) t += va_arg(ap, long);
    va_end(ap); return t;
}}
"
    );
    std::fs::write(dir.path().join("shapes.h"), header).unwrap();
    let lib = match gcc_compile(
        dir.path(),
        "libshapes.so",
        &source,
        &["-shared", "-fPIC", "-O1"],
    ) {
        Compiled::Ok(path) => path,
        Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    };
    (
        dir.path().join("shapes.h").display().to_string(),
        lib.display().to_string(),
    )
}

fn stdout_of(args: &[&str]) -> String {
    let out = run_wyvern(args);
    assert!(out.success(), "wyvern {args:?}\n{}", out.describe());
    out.stdout
}

#[test]
fn the_issue_examples_work() {
    assert_eq!(
        stdout_of(&[
            "call",
            "-H",
            "<math.h>",
            "-l",
            "libm.so.6",
            "pow",
            "2",
            "10"
        ]),
        "1024\n"
    );
    let stat = stdout_of(&[
        "call",
        "-H",
        "<sys/stat.h>",
        "-l",
        "libc.so.6",
        "stat",
        "\"/etc\"",
        "&{}",
    ]);
    let mut lines = stat.lines();
    assert_eq!(lines.next(), Some("0"));
    let buf = lines.next().unwrap();
    assert!(buf.starts_with("__buf = {.st_dev = "), "{buf}");
    // /etc is a directory: S_IFDIR is 0o040000.
    let mode: u32 = buf
        .split(".st_mode = ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert_eq!(mode & 0o170000, 0o040000, "{buf}");
}

#[test]
fn json_has_the_contract_shape() {
    let out = common::wyvern_json(&[
        "call",
        "--json",
        "-H",
        "<sys/stat.h>",
        "stat",
        "\"/etc\"",
        "&{}",
    ])
    .unwrap();
    assert_eq!(out["return"], 0);
    let st = &out["out"]["1"];
    assert!(st["st_size"].is_u64(), "{st}");
    assert!(st["st_mtim"]["tv_sec"].is_i64(), "{st}");
    assert!(st["__glibc_reserved"].is_array(), "{st}");
    let out = common::wyvern_json(&[
        "call",
        "--json",
        "-H",
        "<stdlib.h>",
        "getenv",
        "\"NO_SUCH_VARIABLE_X\"",
    ])
    .unwrap();
    assert!(out["return"].is_null(), "a NULL char * is null: {out}");
    let out =
        common::wyvern_json(&["call", "--json", "-H", "<string.h>", "strerror", "2"]).unwrap();
    assert_eq!(out["return"], "No such file or directory");
    let out = common::wyvern_json(&[
        "call",
        "--json",
        "-H",
        "<stdlib.h>",
        "strtoull",
        "\"18446744073709551615\"",
        "NULL",
        "10",
    ])
    .unwrap();
    assert_eq!(
        out["return"].as_u64(),
        Some(u64::MAX),
        "64-bit integers are exact"
    );
}

#[test]
fn errno_is_reported_only_when_the_call_set_it() {
    let failed = common::wyvern_json(&[
        "call",
        "--json",
        "-H",
        "<fcntl.h>",
        "open",
        "\"/nonexistent/wyvern\"",
        "O_RDONLY",
    ])
    .unwrap();
    assert_eq!(failed["return"], -1);
    assert_eq!(failed["errno"], libc::ENOENT, "{failed}");
    let out = run_wyvern(&[
        "call",
        "-H",
        "<fcntl.h>",
        "open",
        "\"/nonexistent/wyvern\"",
        "O_RDONLY",
    ]);
    assert!(
        out.stderr
            .contains("note: errno = 2: No such file or directory"),
        "{}",
        out.describe()
    );
    let clean = common::wyvern_json(&["call", "--json", "-H", "<stdlib.h>", "abs", "-5"]).unwrap();
    assert_eq!(clean["return"], 5);
    assert!(clean.get("errno").is_none(), "{clean}");
}

#[test]
fn constants_and_constant_expressions_by_name() {
    let dir = TempDir::new("cli-call-open");
    let path = dir.path().join("made");
    let quoted = format!("\"{}\"", path.display());
    let out = stdout_of(&[
        "call",
        "-H",
        "<fcntl.h>",
        "open",
        &quoted,
        "O_CREAT | O_WRONLY",
        "0640",
    ]);
    let fd: i32 = out.trim().parse().unwrap();
    assert!(fd >= 0, "{out}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & !0o640, 0, "{mode:o}");
    assert_eq!(
        stdout_of(&["call", "-H", "<stdlib.h>", "abs", "-(3 * 4) + (1 << 2)"]),
        "8\n"
    );
    let out = run_wyvern(&["call", "-H", "<stdlib.h>", "abs", "NOPE | 1"]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
    assert!(
        out.stderr.contains("no constant 'NOPE'"),
        "{}",
        out.describe()
    );
}

#[test]
fn negative_numbers_are_values_not_flags() {
    assert_eq!(stdout_of(&["call", "-H", "<stdlib.h>", "abs", "-5"]), "5\n");
    assert_eq!(
        stdout_of(&["call", "-H", "<stdlib.h>", "abs", "--", "-7"]),
        "7\n"
    );
    assert_eq!(
        stdout_of(&["call", "-H", "<stdlib.h>", "labs", "-0x10"]),
        "16\n"
    );
}

/// Arguments are read by wyvern's one reader of C literals (the macro
/// evaluator's): every escape, prefixed and multi-character constants, C's
/// suffixes and nothing else. Real calls say what C made of them.
#[test]
fn literals_follow_the_rules_of_c_and_of_macro_constants() {
    let strlen = |arg: &str| stdout_of(&["call", "-H", "<string.h>", "strlen", arg]);
    let abs = |arg: &str| stdout_of(&["call", "-H", "<stdlib.h>", "abs", arg]);
    // `\u` is a universal character name, in UTF-8 (é is 2 bytes).
    assert_eq!(strlen(r#""caf\u00e9""#), "5\n");
    assert_eq!(strlen(r#""\U0001F600""#), "4\n");
    assert_eq!(strlen(r#"u8"\u00e9" "x""#), "3\n");
    assert_eq!(strlen(r#""\x000041\101""#), "2\n");
    assert_eq!(abs("'ab'"), "24930\n");
    assert_eq!(abs(r"L'\u00e9'"), "233\n");
    assert_eq!(abs("U'\\x41'"), "65\n");
    assert_eq!(abs("1'000"), "1000\n");
    assert_eq!(abs("5llu"), "5\n");
    let refused = |function: &str, header: &str, arg: &str, needle: &str| {
        let out = run_wyvern(&["call", "-H", header, function, arg]);
        assert_eq!(out.status, Some(2), "{arg}\n{}", out.describe());
        assert!(
            out.stderr.contains(needle),
            "{arg}: wanted '{needle}'\n{}",
            out.describe()
        );
    };
    // C gives these no value (gcc -pedantic-errors and clang refuse them).
    refused("strlen", "<string.h>", r#""a\qb""#, "'\\q'");
    refused("strlen", "<string.h>", r#""\x141""#, "out of range");
    refused("strlen", "<string.h>", r#""\400""#, "out of range");
    refused(
        "strlen",
        "<string.h>",
        r#""\u00""#,
        "universal character name",
    );
    refused("abs", "<stdlib.h>", "5lul", "not an integer suffix");
    refused("abs", "<stdlib.h>", "5uu", "not an integer suffix");
    refused("abs", "<stdlib.h>", "'abcde'", "more than 4 bytes");
}

/// Constant expressions in arguments are evaluated by the macro evaluator's
/// rules, against the header's declarations: typed as C types them, with
/// floating constants and no overflow that C leaves undefined.
#[test]
fn argument_expressions_are_evaluated_as_c_evaluates_them() {
    let abs = |arg: &str| stdout_of(&["call", "-H", "<stdlib.h>", "abs", arg]);
    assert_eq!(abs("1 | 1 << 4"), "17\n");
    assert_eq!(abs("'a' + 1"), "98\n");
    assert_eq!(abs("~0u >> 28"), "15\n");
    let fabs = |arg: &str| stdout_of(&["call", "-H", "<math.h>", "-l", "libm.so.6", "fabs", arg]);
    assert_eq!(fabs("0 - M_PI"), "3.141592653589793\n");
    assert_eq!(fabs("M_PI / 2 * 2"), "3.141592653589793\n");
    assert_eq!(
        stdout_of(&["call", "-H", "<stdlib.h>", "labs", "1L << 40"]),
        "1099511627776\n"
    );
    // sizeof, _Alignof, offsetof and casts read the header's types.
    assert_eq!(abs("sizeof(int) * 2"), "8\n");
    assert_eq!(abs("(unsigned char)-1"), "255\n");
    assert_eq!(abs("(int)2.9"), "2\n");
    // A cast to a typedef of the headers: the CLI finds the expression's
    // extent, the declarations say that `uint8_t` is a type.
    let casts =
        |arg: &str| stdout_of(&["call", "-H", "<stdlib.h>", "-H", "<stdint.h>", "abs", arg]);
    assert_eq!(casts("(uint8_t)300"), "44\n");
    assert_eq!(casts("(int8_t)255 - 1"), "2\n");
    assert_eq!(
        abs("_Alignof(double) + __builtin_offsetof(div_t, rem)"),
        "12\n"
    );
    for (function, arg, needle) in [
        ("abs", "0x7fffffff + 1", "overflows 'int'"),
        ("labs", "1 << 40", "a shift by 40 bits is out of range"),
        ("abs", "NOPE | 1", "no constant 'NOPE'"),
        ("abs", "(NOPE)-1", "no constant 'NOPE'"),
    ] {
        let out = run_wyvern(&["call", "-H", "<stdlib.h>", function, arg]);
        assert_eq!(out.status, Some(1), "{arg}\n{}", out.describe());
        assert!(
            out.stderr.contains(needle),
            "{arg}: wanted '{needle}'\n{}",
            out.describe()
        );
    }
    // An expression that is not C is a usage error, as an unreadable literal is.
    for (arg, needle) in [
        ("1 +", "'1 +': the expression ends early"),
        ("1 2", "'2' is not part of a constant expression"),
        ("(1", "expected ')'"),
    ] {
        let out = run_wyvern(&["call", "-H", "<stdlib.h>", "abs", arg]);
        assert_eq!(out.status, Some(2), "{arg}\n{}", out.describe());
        assert!(
            out.stderr.contains(needle),
            "{arg}: wanted '{needle}'\n{}",
            out.describe()
        );
    }
}

#[test]
fn variadic_arguments_take_their_type_from_the_literal() {
    let out = stdout_of(&[
        "call",
        "-H",
        "<stdio.h>",
        "printf",
        "\"%d|%ld|%.2f|%s|%c|%Lf\\n\"",
        "-3",
        "5000000000L",
        "2.5",
        "\"str\"",
        "'z'",
        "1.5L",
    ]);
    let printed = "-3|5000000000|2.50|str|z|1.500000\n";
    assert_eq!(out, format!("{printed}{}\n", printed.len()));
}

#[test]
fn variadic_out_arguments_are_printed_after_the_call() {
    let call = [
        "call",
        "-H",
        "<stdio.h>",
        "sscanf",
        "\"12 ab\"",
        "\"%d %2s\"",
        "&(int){0}",
        "&(char[4]){0}",
    ];
    assert_eq!(stdout_of(&call), "2\narg3 = 12\narg4 = \"ab\"\n");
    let mut json = vec!["call", "--json"];
    json.extend(&call[1..]);
    let value: serde_json::Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    assert_eq!(value["return"], 2);
    assert_eq!(value["out"]["2"], 12);
    assert_eq!(value["out"]["3"], serde_json::json!([97, 98, 0, 0]));
    // An object where a pointer goes: the hint is the CLI's spelling; braces
    // in a variadic argument need a type, and the error says how to give one.
    for (args, needle) in [
        (
            ["<time.h>", "nanosleep", "(struct timespec){0, 2}", "NULL"],
            "write &(struct timespec){...} to pass one by address",
        ),
        (
            ["<stdio.h>", "printf", "\"%d\\n\"", "&[1]"],
            "as in (struct timespec){1, 2} or &(int){0}",
        ),
    ] {
        let mut all = vec!["call", "-H"];
        all.extend(args);
        let out = run_wyvern(&all);
        assert_eq!(out.status, Some(1), "{}", out.describe());
        assert!(out.stderr.contains(needle), "{}", out.describe());
    }
}

#[test]
fn structs_unions_and_arrays_by_value_with_braces_and_designators() {
    let dir = TempDir::new("cli-call");
    let (header, lib) = shapes_library(&dir);
    let call = |args: &[&str]| {
        let mut all = vec!["call", "-H", header.as_str(), "-l", lib.as_str()];
        all.extend_from_slice(args);
        stdout_of(&all)
    };
    assert_eq!(call(&["dot", "{1, 2}", "{.y = 4, .x = 3}"]), "11\n");
    assert_eq!(call(&["scale", "{1.5, -2}", "2"]), "{.x = 3, .y = -4}\n");
    assert_eq!(call(&["as_int", "{.i = 77}"]), "77\n");
    assert_eq!(call(&["as_int", "{7}"]), "7\n");
    assert_eq!(
        call(&["fill", "&{}", "9"]),
        "void\nout = {.id = 9, .name = \"ok\", .at = {{.x = 0, .y = 0}, {.x = 0, .y = 0.5}}, .flags = 5}\n"
    );
    // id 2, flags 3, at[1].x 1.5, name[0] 'A' (65).
    assert_eq!(
        call(&["sum_ids", "{2, \"A\", {{0, 0}, {1.5, 0}}, 3}"]),
        format!("{}\n", 2 * 1000 + 3 * 100 + 15 + 65)
    );
    assert_eq!(
        call(&["sum_ids", "{.flags = 1, .at[1] = {2}}"]).trim(),
        "120"
    );
    assert_eq!(
        call(&["total", "3", "1L", "2L", "40000000000L"]),
        "40000000003\n"
    );
    // What a call prints reads back as its arguments.
    let p = call(&["scale", "{1, 2}", "3"]);
    assert_eq!(call(&["dot", p.trim(), "{1, 1}"]), "9\n");
}

#[test]
fn errors_are_clear_and_never_panics() {
    let dir = TempDir::new("cli-call-errors");
    let (header, lib) = shapes_library(&dir);
    let fails = |args: &[&str], status: i32, needle: &str| {
        let mut all = vec!["call", "-H", header.as_str(), "-l", lib.as_str()];
        all.extend_from_slice(args);
        let out = run_wyvern(&all);
        assert_eq!(out.status, Some(status), "{args:?}\n{}", out.describe());
        assert!(
            out.stderr.contains(needle),
            "{args:?}: wanted '{needle}'\n{}",
            out.describe()
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.describe());
    };
    fails(&["dott", "{1,2}", "{3,4}"], 1, "did you mean 'dot'?");
    fails(&["dot", "{1,2}"], 1, "'dot' takes 2 arguments; got 1");
    fails(&["dot", "{1,2}", "NULL"], 1, "argument 2 ('b') of 'dot'");
    fails(
        &["dot", "{1,2,3}", "{1,2}"],
        1,
        "too many values for 'struct P'",
    );
    fails(&["dot", "{.z = 1}", "{1,2}"], 1, "no field 'z'");
    fails(
        &["as_int", "{.i = 1e3}"],
        1,
        "cannot be stored in the integer type 'int'",
    );
    fails(
        &["fill", "&{.name = \"too long a name\"}", "1"],
        1,
        "do not fit in 'char [8]'",
    );
    fails(
        &["fill", "&{.flags = 8}", "1"],
        1,
        "8 does not fit in a 3-bit field",
    );
    fails(
        &["dot", "{1,", "{1,2}"],
        2,
        "cannot read '{1,' as a C literal",
    );
    fails(&["total", "1", "{1}"], 1, "braces and &{} cannot be used");
    let out = run_wyvern(&["call", "-H", "<math.h>", "-l", "libm.so", "pow", "1", "2"]);
    assert_eq!(out.status, Some(1));
    assert!(out.stderr.contains("linker script"), "{}", out.describe());
    let out = run_wyvern(&["call", "-H", "<math.h>", "-l", "libc.so.6", "pow", "1", "2"]);
    assert!(
        out.stderr.contains("no symbol 'pow' in 'libc.so.6'"),
        "{}",
        out.describe()
    );
    let out = run_wyvern(&["call", "-H", "<stdlib.h>", "abs", "300000000000"]);
    assert!(
        out.stderr
            .contains("300000000000 does not fit in 'int' (-2147483648..=2147483647)"),
        "{}",
        out.describe()
    );
}

/// Regressions from a first-use review of `wyvern call`.
#[test]
fn buffers_constants_globals_and_function_pointers() {
    let dir = TempDir::new("cli-call-review");
    let lib = match gcc_compile(
        dir.path(),
        "libflex.so",
        "struct s { int n; int d[]; };
         int count(struct s *p) { p->n = 3; return 42; }
         int sum(const int *a, int n) { int t = 0; for (int i = 0; i < n; i++) t += a[i]; return t; }
         unsigned __int128 twice(unsigned __int128 x) { return x * 2; }
         int triple(int x) { return 3 * x; }
         int apply(int (*f)(int), int x) { return f(x); }",
        &["-shared", "-fPIC"],
    ) {
        Compiled::Ok(p) => p.display().to_string(),
        Compiled::Failed(e) => panic!("{e}"),
    };
    let cdef = "struct s { int n; int d[]; }; int count(struct s *p); int sum(const int *a, int n); unsigned __int128 twice(unsigned __int128 x); int triple(int); int apply(int (*f)(int), int x);";
    // A flexible array member prints as empty, in text and JSON (it used to recurse forever).
    assert_eq!(
        stdout_of(&["call", "-l", &lib, "--cdef", cdef, "count", "&{}"]),
        "42\np = {.n = 3, .d = {}}\n"
    );
    let json = common::wyvern_json(&["call", "--json", "-l", &lib, "--cdef", cdef, "count", "&{}"])
        .unwrap();
    assert_eq!(json["out"]["0"], serde_json::json!({"n": 3, "d": []}));
    // &{1, 2, 3} for a pointer to a scalar is an array, as a compound literal.
    assert_eq!(
        stdout_of(&["call", "-l", &lib, "--cdef", cdef, "sum", "&{1, 2, 3}", "3"])
            .lines()
            .next(),
        Some("6")
    );
    // Integers beyond 64 bits.
    assert_eq!(
        stdout_of(&[
            "call",
            "-l",
            &lib,
            "--cdef",
            cdef,
            "twice",
            "0x80000000000000000000000000000000"
        ])
        .trim(),
        "0"
    );
    assert_eq!(
        stdout_of(&[
            "call",
            "-l",
            &lib,
            "--cdef",
            cdef,
            "twice",
            "100000000000000000000000"
        ])
        .trim(),
        "200000000000000000000000"
    );
    // &[N] makes a buffer; &{} for a char pointer is refused with that hint.
    let cwd = stdout_of(&["call", "-H", "<unistd.h>", "getcwd", "&[256]", "256"]);
    assert!(cwd.contains("__buf = \"/"), "{cwd}");
    let out = run_wyvern(&["call", "-H", "<unistd.h>", "getcwd", "&{}", "64"]);
    assert!(
        out.stderr.contains("use &[N] for a buffer of N"),
        "{}",
        out.describe()
    );
    assert_eq!(
        stdout_of(&[
            "call",
            "-H",
            "<stdio.h>",
            "sprintf",
            "&[16]",
            "\"%d-%s\"",
            "5",
            "\"x\""
        ]),
        "3\n__s = \"5-x\"\n"
    );
    // Floating and string macro constants by name; infinities and NaN read back.
    assert_eq!(
        stdout_of(&["call", "-H", "<math.h>", "-l", "libm.so.6", "cos", "M_PI"]),
        "-1\n"
    );
    assert_eq!(
        stdout_of(&[
            "call",
            "-H",
            "<stdio.h>",
            "-H",
            "<string.h>",
            "strlen",
            "P_tmpdir"
        ]),
        "4\n"
    );
    assert_eq!(
        stdout_of(&[
            "call",
            "-H",
            "<math.h>",
            "-l",
            "libm.so.6",
            "fmin",
            "-inf",
            "nan"
        ]),
        "-inf\n"
    );
    let json = common::wyvern_json(&[
        "call",
        "--json",
        "-H",
        "<math.h>",
        "-l",
        "libm.so.6",
        "log",
        "0",
    ])
    .unwrap();
    assert_eq!(json["return"], "-inf");
    // Globals as arguments; a function's name for a function pointer.
    assert_eq!(
        stdout_of(&["call", "-H", "<stdio.h>", "fputs", "\"hi\\n\"", "stdout"]),
        "hi\n1\n"
    );
    assert_eq!(
        stdout_of(&["call", "-l", &lib, "--cdef", cdef, "apply", "triple", "14"]),
        "42\n"
    );
    assert_eq!(
        stdout_of(&[
            "call",
            "-H",
            "<string.h>",
            "strcpy",
            "&[8]{\"ab\"}",
            "\"xyz\""
        ])
        .lines()
        .nth(1),
        Some("__dest = \"xyz\"")
    );
    // Clear refusals.
    for (args, needle) in [
        (
            vec!["call", "-H", "<stdlib.h>", "abs", "-5", "--json"],
            "options go before the function's name",
        ),
        (
            vec!["call", "-H", "<stdio.h>", "stdout"],
            "'stdout' is a global variable, not a function",
        ),
        (
            vec!["call", "-H", "<math.h>", "atan2", "1", "1"],
            "libm.so.6 for math functions",
        ),
        (
            vec!["call", "--cdef", "_Complex int f(void);", "f"],
            "'f' was left out: cannot represent",
        ),
    ] {
        let out = run_wyvern(&args);
        assert!(
            !out.success() && out.stderr.contains(needle),
            "{args:?}\n{}",
            out.describe()
        );
    }
    // Braces around a scalar, as C allows.
    assert_eq!(
        stdout_of(&["call", "-H", "<stdlib.h>", "abs", "{-5}"]),
        "5\n"
    );
}

#[test]
fn ms_abi_functions_are_called_and_other_conventions_refused() {
    let dir = TempDir::new("cli-call-ms");
    let lib = match gcc_compile(
        dir.path(),
        "libms.so",
        "struct S { int a; float b; double c; };
         __attribute__((ms_abi)) double ms_sum(int a, double b, struct S s, long e, float f) { return a + b + s.a + s.b + s.c + e + f; }
         __attribute__((ms_abi)) struct S ms_make(int a) { struct S s = { a, a * 0.5f, a * 0.25 }; return s; }
         int plain(int a) { return a; }",
        &["-shared", "-fPIC"],
    ) {
        Compiled::Ok(p) => p.display().to_string(),
        Compiled::Failed(e) => panic!("{e}"),
    };
    let cdef = "struct S { int a; float b; double c; };
                __attribute__((ms_abi)) double ms_sum(int a, double b, struct S s, long e, float f);
                __attribute__((ms_abi)) struct S ms_make(int a);
                __attribute__((vectorcall)) int plain(int a);";
    assert_eq!(
        stdout_of(&[
            "call",
            "-l",
            &lib,
            "--cdef",
            cdef,
            "ms_sum",
            "1",
            "2.5",
            "{3, 4.5, 5.25}",
            "6",
            "7.5"
        ]),
        "29.75\n"
    );
    assert_eq!(
        stdout_of(&["call", "-l", &lib, "--cdef", cdef, "ms_make", "8"]),
        "{.a = 8, .b = 4, .c = 2}\n"
    );
    let out = run_wyvern(&["call", "-l", &lib, "--cdef", cdef, "plain", "1"]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
    assert!(
        out.stderr
            .contains("calling convention vectorcall is not supported on target x86_64"),
        "{}",
        out.describe()
    );
    let dump = stdout_of(&["dump", "--cdef", cdef]);
    assert!(dump.contains("double __attribute__((ms_abi)) ms_sum(int a, double b, struct S s, long e, float f);  /* ms_abi */"), "{dump}");
}

/// Compound literals `(T){...}`, by value, by address and in variadic
/// position, where only their type says what C receives.
#[test]
fn compound_literals_name_their_type() {
    let dir = TempDir::new("cli-compound");
    let lib = match gcc_compile(
        dir.path(),
        "libcompound.so",
        "#include <stdarg.h>
         struct s { int a; double b; };
         double sum_s(struct s v) { return v.a + v.b; }
         double sum_p(const struct s *p) { return p->a + p->b; }
         double vsum(int n, ...) {
             va_list ap; va_start(ap, n); double t = 0;
             for (int i = 0; i < n; i++) { struct s v = va_arg(ap, struct s); t += v.a * 10 + v.b; }
             va_end(ap); return t;
         }",
        &["-shared", "-fPIC"],
    ) {
        Compiled::Ok(p) => p.display().to_string(),
        Compiled::Failed(e) => panic!("{e}"),
    };
    let cdef = "struct s { int a; double b; }; double sum_s(struct s v); \
                double sum_p(const struct s *p); double vsum(int n, ...);";
    let call = |args: &[&str]| {
        let mut all = vec!["call", "-l", &lib, "--cdef", cdef];
        all.extend_from_slice(args);
        run_wyvern(&all)
    };
    let out = call(&["sum_s", "(struct s){1, 2.5}"]);
    assert_eq!(out.stdout, "3.5\n", "{}", out.describe());
    let out = call(&["sum_p", "&(struct s){.b = 4}"]);
    assert_eq!(
        out.stdout,
        "4\np = {.a = 0, .b = 4}\n",
        "{}",
        out.describe()
    );
    let out = call(&["vsum", "2", "(struct s){1, 2}", "(struct s){3, 0.5}"]);
    assert_eq!(out.stdout, "42.5\n", "{}", out.describe());
    let out = call(&["sum_s", "(struct t){1}"]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
    assert!(
        out.stderr
            .contains("no type 'struct t'; did you mean 'struct s'?"),
        "{}",
        out.describe()
    );
    let out = call(&["sum_p", "&(1)"]);
    assert_eq!(out.status, Some(2), "{}", out.describe());
}
