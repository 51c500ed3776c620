//! `long double` at its full x87 precision through calls, returns, structs,
//! variadic arguments, callbacks, the CLI and its JSON, compared bit for bit
//! with what gcc computes and what glibc's `printf("%.21Lg")` prints.

use crate::common;

use std::sync::OnceLock;

use common::{gcc_compile, run_program, run_wyvern, Compiled, TempDir};
use wyvern::{Callback, Library, Module, Parser, Value};

const HEADER: &str = "#define LD_BIG 1e4000L
#define LD_TENTH (-0.1L)
struct ldpair { long double a; int tag; long double b; };
long double ldblit(float f);
long double return_ldl(long double ldl);
struct ldpair ld_pair(long double a, long double b, int tag);
long double ld_pair_mix(struct ldpair p);
void ld_hex(long double v, char out[21]);
long double ld_apply(long double (*f)(long double, int), long double x);
";

/// The fixture's functions: libffi's `float2` (`ldblit`) and `return_ldl`
/// tests, a struct holding two `long double`s (passed in memory both ways), the
/// bytes of a value as hex, and a callback taking and returning one.
const SOURCE: &str = r#"#include <stdio.h>
#include <string.h>
long double ldblit(float f) { return (long double)(((long double)f) / (long double)3.0); }
long double return_ldl(long double ldl) { return 2 * ldl; }
struct ldpair ld_pair(long double a, long double b, int tag)
{
    struct ldpair p;
    memset(&p, 0, sizeof p);
    p.a = a / 7; p.b = b * 3; p.tag = tag;
    return p;
}
long double ld_pair_mix(struct ldpair p) { return p.a * 5 - p.b / 9 + p.tag; }
void ld_hex(long double v, char out[21])
{
    unsigned char b[10];
    memcpy(b, &v, 10);
    for (int i = 0; i < 10; i++) sprintf(out + 2 * i, "%02x", b[i]);
}
long double ld_apply(long double (*f)(long double, int), long double x) { return f(x, 3) / 3; }
"#;

struct Fixture {
    _dir: TempDir,
    header: String,
    library: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = TempDir::new("long-double");
        let header = dir.path().join("ld.h");
        std::fs::write(&header, HEADER).unwrap();
        let source = format!("#include \"ld.h\"\n{SOURCE}");
        let library = match gcc_compile(
            dir.path(),
            "libld.so",
            &source,
            &["-shared", "-fPIC", "-O1"],
        ) {
            Compiled::Ok(p) => p.display().to_string(),
            Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
        };
        Fixture {
            _dir: dir,
            header: header.display().to_string(),
            library,
        }
    })
}

/// What a gcc-compiled program with the fixture linked in prints for `body`.
fn gcc_prints(body: &str) -> String {
    let f = fixture();
    let dir = TempDir::new("long-double-oracle");
    let source = format!(
        "#include <stdio.h>\n#include <math.h>\n#include \"{}\"\n{SOURCE}\nint main(void) {{\n{body}\nreturn 0; }}\n",
        f.header
    );
    let exe = match gcc_compile(
        dir.path(),
        "oracle",
        &source,
        &["-O0", "-fno-builtin", "-Wl,--no-as-needed", "-lm"],
    ) {
        Compiled::Ok(p) => p,
        Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    };
    run_program(&exe).unwrap()
}

fn module() -> Module {
    let f = fixture();
    let types = Parser::new()
        .header(&f.header)
        .header("<stdio.h>")
        .parse()
        .unwrap();
    // SAFETY: the fixture library has no initialisers.
    let library = unsafe { Library::open(&f.library) }.unwrap();
    Module::with_libraries(types, vec![library, Library::this_process()])
}

/// Calls `name` with `args` through the library API.
fn call(m: &Module, name: &str, args: &mut [Value]) -> Value {
    // SAFETY: the fixture's functions take values only (and ld_hex a 21-byte buffer).
    unsafe { m.function(name).unwrap().call(args) }.unwrap()
}

/// The x87 bytes of `v`, as C stores them, in hex (C's `ld_hex` writes them).
fn hex_of(m: &Module, v: Value) -> String {
    let mut args = [v, Value::Bytes(vec![0; 21])];
    call(m, "ld_hex", &mut args);
    let Value::Bytes(out) = &args[1] else {
        unreachable!()
    };
    String::from_utf8_lossy(&out[..20]).into_owned()
}

fn gcc_hex(expr: &str) -> String {
    gcc_prints(&format!(
        "char h[21]; ld_hex({expr}, h); printf(\"%s\", h);"
    ))
}

/// libffi's `float2` test, tightened from "within LDBL_EPSILON" to exact
/// equality with gcc: `ldblit(3.14159f)` is `3.14159f / 3` in `long double`.
#[test]
fn float2_returns_exactly_what_gcc_computes() {
    let m = module();
    // libffi's own argument (not PI; gcc rounds it to float as C does).
    #[allow(clippy::approx_constant)]
    let f = 3.14159f32;
    let r = call(&m, "ldblit", &mut [Value::Float(f64::from(f))]);
    assert_eq!(
        r.to_string(),
        gcc_prints("printf(\"%.21Lg\", ldblit(3.14159f));")
    );
    assert_eq!(hex_of(&m, r.clone()), gcc_hex("ldblit(3.14159f)"));
    // libffi's `return_ldl`: the value goes back into C and doubles exactly.
    let twice = call(&m, "return_ldl", &mut [r]);
    assert_eq!(hex_of(&m, twice), gcc_hex("2 * ldblit(3.14159f)"));
}

#[test]
fn structs_of_long_double_both_ways() {
    let m = module();
    let a: wyvern::LongDouble = "0.1".parse().unwrap();
    let b: wyvern::LongDouble = "1e4000".parse().unwrap();
    let pair = call(&m, "ld_pair", &mut [a.into(), b.into(), Value::Int(7)]);
    let data = pair.as_data().unwrap().clone();
    let fields = format!(
        "{} {} {}",
        data.get("a").unwrap(),
        data.get("b").unwrap(),
        data.get("tag").unwrap()
    );
    let mixed = call(&m, "ld_pair_mix", &mut [Value::Data(data)]);
    assert_eq!(
        format!("{fields} {mixed}"),
        gcc_prints(
            "struct ldpair p = ld_pair(0.1L, 1e4000L, 7);
             printf(\"%.21Lg %.21Lg %d %.21Lg\", p.a, p.b, p.tag, ld_pair_mix(p));"
        )
    );
}

#[test]
fn variadic_long_double_through_snprintf() {
    let m = module();
    let x: wyvern::LongDouble = "-1.2345678901234567890123e-4000".parse().unwrap();
    let mut args = [
        Value::Bytes(vec![0; 128]),
        Value::Int(128),
        Value::from("%.21Lg %La %d %Lg"),
        x.into(),
        x.into(),
        Value::Int(5),
        Value::from(0.1),
    ];
    // The last argument is a double where `%Lg` wants a long double: make it one.
    args[6] = Value::FloatOf(wyvern::FloatKind::LongDouble, 0.1);
    call(&m, "snprintf", &mut args);
    let Value::Bytes(out) = &args[0] else {
        unreachable!()
    };
    let text = String::from_utf8_lossy(out.split(|b| *b == 0).next().unwrap()).into_owned();
    assert_eq!(
        text,
        gcc_prints(
            "long double x = -1.2345678901234567890123e-4000L;
             printf(\"%.21Lg %La %d %Lg\", x, x, 5, (long double)0.1);"
        )
    );
}

#[test]
fn callbacks_take_and_return_long_double() {
    let m = module();
    let apply = m.function("ld_apply").unwrap();
    let seen = std::sync::Mutex::new(String::new());
    let f = Callback::for_param(&apply, 0, |args: &[Value]| {
        *seen.lock().unwrap() = format!("{} {}", args[0], args[1]);
        // Hands the value back unchanged: C divides by 3.
        args[0].clone()
    })
    .unwrap();
    let x: wyvern::LongDouble = "1e-4940".parse().unwrap();
    // SAFETY: a callback of the parameter's type, alive for the call.
    let r = unsafe { apply.call(&mut [f.to_value(), x.into()]) }.unwrap();
    assert_eq!(
        format!("{} {r}", seen.lock().unwrap()),
        gcc_prints("long double x = 1e-4940L; printf(\"%.21Lg 3 %.21Lg\", x, x / 3);")
    );
}

fn wyvern_stdout(args: &[&str]) -> String {
    let out = run_wyvern(args);
    assert!(out.success(), "wyvern {args:?}\n{}", out.describe());
    out.stdout
}

/// `wyvern call` prints a `long double` as `printf("%.21Lg")` does, from libm's
/// own results.
#[test]
fn cli_prints_libm_results_like_printf() {
    let calls: [(&str, &str, &str); 5] = [
        ("expl", "10000L", "expl(10000.0L)"),
        ("expl", "10000", "expl(10000)"),
        ("sqrtl", "2", "sqrtl(2)"),
        ("logl", "0.1L", "logl(0.1L)"),
        ("cbrtl", "-1e-4940L", "cbrtl(-1e-4940L)"),
    ];
    let mut got = String::new();
    let mut body = String::new();
    for (function, arg, c) in calls {
        got += &wyvern_stdout(&["call", "-H", "<math.h>", "-l", "libm.so.6", function, arg]);
        body += &format!("printf(\"%.21Lg\\n\", {c});\n");
    }
    assert_eq!(got, gcc_prints(&body));
}

/// `1e4000L` is finite: it reaches C exactly, comes back exactly, and what is
/// printed reads back to the same bits.
#[test]
fn cli_literals_round_trip_at_full_precision() {
    let f = fixture();
    let cli = |args: &[&str]| {
        let mut all = vec!["call", "-H", &f.header, "-l", &f.library];
        all.extend_from_slice(args);
        wyvern_stdout(&all).trim_end().to_owned()
    };
    let doubled = cli(&["return_ldl", "1e4000L"]);
    let again = cli(&["return_ldl", &doubled]);
    let hex = cli(&["ld_hex", "1e4000L", "&[21]"]);
    let hex_back = cli(&["ld_hex", &doubled, "&[21]"]);
    let hex_float = cli(&["ld_hex", "0x1.fffffffffffffffep16383L", "&[21]"]);
    let pair = cli(&["ld_pair", "0.1L", "1e4000L", "7"]);
    let printf = wyvern_stdout(&[
        "call",
        "-H",
        "<stdio.h>",
        "printf",
        "\"%.21Lg|\"",
        "-1e4000L",
    ]);
    let got = format!(
        "{doubled}\n{again}\n{hex}\n{hex_back}\n{hex_float}\n{pair}\n{}",
        printf.trim_end()
    );
    let want = gcc_prints(
        r#"char h[21];
        printf("%.21Lg\n", return_ldl(1e4000L));
        printf("%.21Lg\n", return_ldl(return_ldl(1e4000L)));
        ld_hex(1e4000L, h); printf("void\nout = \"%s\"\n", h);
        ld_hex(return_ldl(1e4000L), h); printf("void\nout = \"%s\"\n", h);
        ld_hex(0x1.fffffffffffffffep16383L, h); printf("void\nout = \"%s\"\n", h);
        struct ldpair p = ld_pair(0.1L, 1e4000L, 7);
        printf("{.a = %.21Lg, .tag = %d, .b = %.21Lg}\n", p.a, p.tag, p.b);
        int n = printf("%.21Lg|", -1e4000L); printf("%d", n);"#,
    );
    assert_eq!(got, want);
}

/// `--json`: a `long double` that is exactly a double is that double; any
/// other is a JSON number with 21 significant digits (what `%.21Lg` prints), or
/// beyond double's range a string of them.
#[test]
fn cli_json_long_double_is_a_number() {
    let f = fixture();
    let json = |args: &[&str]| {
        let mut all = vec!["call", "--json", "-H", &f.header, "-l", &f.library];
        all.extend_from_slice(args);
        wyvern_stdout(&all)
    };
    let third = json(&["ldblit", "1"]);
    let digits = gcc_prints("printf(\"%.21Lg\", ldblit(1));");
    assert!(third.contains(&format!("\"return\": {digits},")), "{third}");
    let parsed: serde_json::Value = serde_json::from_str(&third).unwrap();
    assert!(parsed["return"].is_number(), "{third}");
    let huge = json(&["return_ldl", "1e4000L"]);
    let digits = gcc_prints("printf(\"%.21Lg\", return_ldl(1e4000L));");
    let parsed: serde_json::Value = serde_json::from_str(&huge).unwrap();
    assert_eq!(parsed["return"], digits.as_str(), "{huge}");
    let exact = json(&["return_ldl", "1.25"]);
    assert!(exact.contains("\"return\": 2.5,"), "{exact}");
    let pair = json(&["ld_pair", "0.5L", "inf", "1"]);
    let digits = gcc_prints("printf(\"%.21Lg\", ld_pair(0.5L, 1, 1).a);");
    assert!(pair.contains(&format!("\"a\": {digits},")), "{pair}");
    let parsed: serde_json::Value = serde_json::from_str(&pair).unwrap();
    assert_eq!(parsed["return"]["tag"], 1);
    assert_eq!(parsed["return"]["b"], "inf");
}

/// Macro constants keep a `long double` literal's value: in `dump` and as
/// arguments by name.
#[test]
fn macro_constants_keep_long_double_literals() {
    let f = fixture();
    let call = |name: &str| {
        wyvern_stdout(&[
            "call",
            "-H",
            &f.header,
            "-l",
            &f.library,
            "return_ldl",
            name,
        ])
    };
    let got = format!("{}{}", call("LD_BIG"), call("LD_TENTH"));
    let want =
        gcc_prints(r#"printf("%.21Lg\n%.21Lg\n", return_ldl(LD_BIG), return_ldl(LD_TENTH));"#);
    assert_eq!(got, want);
    let dump = wyvern_stdout(&["dump", "-H", &f.header]);
    let want = gcc_prints(r#"printf("LD_BIG = %.21Lg;", LD_BIG);"#);
    assert!(dump.contains(&want), "{dump}");
    let json = wyvern_stdout(&["dump", "--json", "-H", &f.header]);
    let digits = gcc_prints(r#"printf("%.21Lg", LD_TENTH);"#);
    assert!(json.contains(&format!("\"value\": {digits},")), "{json}");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let big = parsed["constants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "LD_BIG")
        .unwrap();
    let digits = gcc_prints(r#"printf("%.21Lg", LD_BIG);"#);
    assert_eq!(big["value"], digits.as_str());
}
