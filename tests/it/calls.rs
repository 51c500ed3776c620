//! Calls into a fixture library (`include-fixtures/calls.c`) that passes every
//! kind of C type by value in both directions, each call compared with the same
//! call compiled by gcc.
//!
//! The library is built once (`common::fixture_library`). Every check is a
//! [`Case`]: C statements for one generated gcc driver program, and the same
//! call made through wyvern. The driver makes all the calls and prints one
//! `key=text` line per case; wyvern's results are printed in the same canonical
//! text (integers in decimal, floating values as the bits of the `double`,
//! objects as the hex of their bytes) and must match line for line.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::ffi::CStr;
use std::fmt::Write as _;
use std::sync::OnceLock;

use wyvern::{CData, ErrorKind, Module, Value};
use wyvern::{FloatKind, IntKind};

type Result<T> = wyvern::Result<T>;

// ---------------------------------------------------------------------------
// The fixture: the library loaded through wyvern, and the gcc driver's output.

struct Fixture {
    module: Module,
    /// What the gcc driver printed, by key.
    oracle: HashMap<String, String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let lib = common::fixture_library("calls");
        // The driver's gcc run and libclang's parse overlap (two cores).
        std::thread::scope(|s| {
            let driver = s.spawn(|| run_driver(lib));
            let module = lib.module();
            Fixture {
                module,
                oracle: driver.join().expect("the driver thread does not panic"),
            }
        })
    })
}

const DRIVER_PRELUDE: &str = r#"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "calls.h"

static void pr_hex(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
}
static void pr_f64(double v)
{
    unsigned long long u;
    memcpy(&u, &v, sizeof u);
    printf("%016llx", u);
}
static void pr_i(long long v) { printf("%lld", v); }
static void pr_u(unsigned long long v) { printf("%llu", v); }
static void pr_u128(unsigned __int128 v)
{
    printf("%016llx%016llx", (unsigned long long)(v >> 64), (unsigned long long)v);
}
static void pr_str(const char *s)
{
    if (s)
        printf("\"%s\"", s);
    else
        printf("NULL");
}
static void pattern(void *p, size_t n, int seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed * 37 + i * 11 + 5);
}
static __int128 mk128(long long hi, unsigned long long lo)
{
    return (__int128)(((unsigned __int128)(unsigned long long)hi << 64) | lo);
}

int main(void)
{
"#;

/// Builds and runs the one driver program for every case; its lines by key.
fn run_driver(lib: &common::FixtureLibrary) -> HashMap<String, String> {
    let mut source = String::from(DRIVER_PRELUDE);
    let mut keys = BTreeSet::new();
    for case in all_cases() {
        assert!(keys.insert(case.key.clone()), "duplicate key {}", case.key);
        let _ = writeln!(
            source,
            "    printf(\"%s=\", \"{}\");\n    {{\n{}\n    }}\n    putchar('\\n');",
            case.key, case.c
        );
    }
    source.push_str("    return 0;\n}\n");
    let flags = lib.link_flags();
    let mut flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    flags.push("-O1");
    let exe = match common::gcc_compile(&lib.dir, "driver", &source, &flags) {
        common::Compiled::Ok(exe) => exe,
        common::Compiled::Failed(stderr) => panic!(
            "the gcc driver does not compile:\n{}\n(source in {})",
            common::truncate(&stderr, 6000),
            lib.dir.join("driver.c").display()
        ),
    };
    let out = common::run_program(&exe).unwrap_or_else(|e| panic!("{e}"));
    out.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------
// Cases.

type Check = Box<dyn Fn(&Module) -> Result<String> + Send + Sync>;

/// One check: C statements that print a text, and wyvern code that must
/// produce the same text.
struct Case {
    key: String,
    c: String,
    rust: Check,
}

fn case(
    key: impl Into<String>,
    c: impl Into<String>,
    rust: impl Fn(&Module) -> Result<String> + Send + Sync + 'static,
) -> Case {
    Case {
        key: key.into(),
        c: c.into(),
        rust: Box::new(rust),
    }
}

/// Every case, for the driver.
fn all_cases() -> Vec<Case> {
    [
        by_value_cases(),
        bitfield_cases(),
        aligned_cases(),
        path_cases(),
        long_double_cases(),
        int128_cases(),
        complex_cases(),
        enum_cases(),
        pointer_cases(),
        string_cases(),
        scalar_cases(),
        variadic_cases(),
        typed_cases(),
        global_cases(),
        errno_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Runs `cases` through wyvern and compares every text with gcc's.
fn check(cases: Vec<Case>) {
    let fixture = fixture();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let got = match (case.rust)(&fixture.module) {
            Ok(text) => text,
            Err(e) => format!("error: {e}"),
        };
        match fixture.oracle.get(&case.key) {
            Some(want) if *want == got => {}
            Some(want) => failures.push(format!(
                "{}:\n    gcc:    {want}\n    wyvern: {got}",
                case.key
            )),
            None => failures.push(format!("{}: the driver printed nothing", case.key)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} checks differ from gcc:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Canonical text.

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn bits(v: f64) -> String {
    format!("{:016x}", v.to_bits())
}

/// A scalar or object as the driver prints it.
fn text(v: &Value) -> String {
    match v {
        Value::Int(i) | Value::IntOf(_, i) => i.to_string(),
        Value::U128(u) => u.to_string(),
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Float(f) | Value::FloatOf(_, f) => bits(*f),
        // The C side prints a `long double` result converted to `double`.
        Value::LongDouble(v) => bits(v.to_f64()),
        Value::Null => "NULL".into(),
        Value::Data(d) | Value::Ref(d) => hex(d.bytes()),
        Value::Bytes(b) => hex(b),
        other => format!("unexpected {other:?}"),
    }
}

/// An `__int128` result as 32 hex digits.
fn text128(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("{:032x}", *i as u128),
        Value::U128(u) => format!("{u:032x}"),
        other => format!("unexpected {other:?}"),
    }
}

/// The C string a returned `char *` points to, quoted, or `NULL`.
fn string_at(v: &Value) -> Result<String> {
    // SAFETY: the fixture's functions return NUL-terminated strings or NULL.
    Ok(match unsafe { v.c_string(None) }? {
        None => "NULL".into(),
        Some(bytes) => format!("\"{}\"", String::from_utf8_lossy(&bytes)),
    })
}

/// The bytes the driver's `pattern()` writes.
fn pattern(n: usize, seed: i32) -> Vec<u8> {
    (0..n)
        .map(|i| (i64::from(seed) * 37 + i as i64 * 11 + 5) as u8)
        .collect()
}

fn pattern_data(m: &Module, ty: &str, seed: i32) -> Result<CData> {
    let mut d = CData::new_named(m.types(), ty)?;
    let len = d.bytes().len();
    d.bytes_mut().copy_from_slice(&pattern(len, seed));
    Ok(d)
}

/// A C literal for a `double` that reads back exactly.
fn c_double(v: f64) -> String {
    format!("{v:?}")
}

/// Calls the fixture's function `name`.
fn call(m: &Module, name: &str, args: &mut [Value]) -> Result<Value> {
    // SAFETY: every call in this file passes what the fixture function expects:
    // objects of the declared types, buffers of the sizes given with them,
    // NUL-terminated strings, and variadic arguments that match what the callee reads.
    unsafe { m.function(name)?.call(args) }
}

// ---------------------------------------------------------------------------
// Arguments: how the driver writes one and how wyvern is given it.

type Make = Box<dyn Fn(&Module) -> Result<Value> + Send + Sync>;

/// One argument. In `setup` and `expr`, `@` stands for the argument's own
/// variable in the driver.
struct Arg {
    setup: String,
    expr: String,
    /// What to print of it after the call (an out-parameter).
    after: Option<After>,
    make: Make,
}

#[derive(Clone, Copy)]
enum After {
    /// The bytes of the object or buffer.
    Hex,
    /// The NUL-terminated text in the buffer.
    Str,
}

fn arg(
    expr: impl Into<String>,
    make: impl Fn(&Module) -> Result<Value> + Send + Sync + 'static,
) -> Arg {
    Arg {
        setup: String::new(),
        expr: expr.into(),
        after: None,
        make: Box::new(make),
    }
}

fn int(v: i128) -> Arg {
    let literal = if v > i128::from(i64::MAX) {
        format!("{v}ULL")
    } else {
        v.to_string()
    };
    arg(format!("({literal})"), move |_| Ok(Value::Int(v)))
}

fn int_of(kind: IntKind, v: i128) -> Arg {
    arg(format!("(({}){v})", kind.spelling()), move |_| {
        Ok(Value::IntOf(kind, v))
    })
}

fn dbl(v: f64) -> Arg {
    arg(format!("({})", c_double(v)), move |_| Ok(Value::Float(v)))
}

/// A variadic `long double`.
fn ldbl(v: f64) -> Arg {
    arg(format!("((long double){})", c_double(v)), move |_| {
        Ok(Value::FloatOf(FloatKind::LongDouble, v))
    })
}

fn ident(name: &'static str) -> Arg {
    arg(name, move |_| Ok(Value::Ident(name.into())))
}

fn string(s: &'static str) -> Arg {
    arg(common::c_string(s), move |_| Ok(Value::from(s)))
}

fn i128_arg(v: i128) -> Arg {
    let hi = (v >> 64) as i64;
    let lo = v as u64;
    arg(format!("mk128({hi}LL, {lo}ULL)"), move |_| {
        Ok(Value::Int(v))
    })
}

fn u128_arg(v: u128) -> Arg {
    let hi = (v >> 64) as u64 as i64;
    let lo = v as u64;
    arg(
        format!("((unsigned __int128)mk128({hi}LL, {lo}ULL))"),
        move |_| {
            Ok(match i128::try_from(v) {
                Ok(small) => Value::Int(small),
                Err(_) => Value::U128(v),
            })
        },
    )
}

/// A variadic `__int128`.
fn i128_of(v: i128) -> Arg {
    let mut a = i128_arg(v);
    a.make = Box::new(move |_| Ok(Value::IntOf(IntKind::Int128, v)));
    a
}

/// An object of type `ty` (a C type name) filled with `pattern(seed)`, by value.
fn pattern_obj(ty: &str, seed: i32) -> Arg {
    let owned = ty.to_owned();
    Arg {
        setup: format!("__typeof__({ty}) @; pattern(&@, sizeof @, {seed});"),
        expr: "@".into(),
        after: None,
        make: Box::new(move |m| Ok(Value::Data(pattern_data(m, &owned, seed)?))),
    }
}

/// A zeroed object of type `ty` whose address is passed; printed after the call.
fn out_ref(ty: &str) -> Arg {
    let owned = ty.to_owned();
    Arg {
        setup: format!("__typeof__({ty}) @; memset(&@, 0, sizeof @);"),
        expr: "&@".into(),
        after: Some(After::Hex),
        make: Box::new(move |m| Ok(Value::Ref(CData::new_named(m.types(), &owned)?))),
    }
}

/// Fields to print: path, and 'i' for an integer or 'f' for a floating value.
type Fields = &'static [(&'static str, char)];

/// Fields to set: path and value.
type Setters = &'static [(&'static str, Lit)];

/// A field value, written both ways.
#[derive(Clone, Copy)]
enum Lit {
    Int(i128),
    Float(f64),
    Ident(&'static str),
    /// A string for a `char *` field.
    Str(&'static str),
    /// A string copied into a `char` array field.
    Chars(&'static str),
    /// The address of an `int` holding this.
    IntTarget(i32),
}

fn c_assign(var: &str, path: &str, lit: Lit, n: usize) -> String {
    match lit {
        Lit::Int(v) => format!("{var}.{path} = {v};"),
        Lit::Float(v) => format!("{var}.{path} = {};", c_double(v)),
        Lit::Ident(name) => format!("{var}.{path} = {name};"),
        Lit::Str(s) => format!("{var}.{path} = {};", common::c_string(s)),
        Lit::Chars(s) => format!(
            "memcpy({var}.{path}, {0}, sizeof {0});",
            common::c_string(s)
        ),
        Lit::IntTarget(v) => {
            format!("static int {var}_t{n} = {v}; {var}.{path} = &{var}_t{n};")
        }
    }
}

fn set_lit(m: &Module, d: &mut CData, path: &str, lit: Lit) -> Result<()> {
    match lit {
        Lit::Int(v) => d.set(path, Value::Int(v)),
        Lit::Float(v) => d.set(path, Value::Float(v)),
        Lit::Ident(name) => d.set(path, Value::Ident(name.into())),
        Lit::Str(s) | Lit::Chars(s) => d.set(path, s),
        Lit::IntTarget(v) => {
            let mut target = CData::new_named(m.types(), "int")?;
            target.set("", v)?;
            d.set(path, Value::Ref(target))
        }
    }
}

/// A zeroed object of type `ty` with the fields `setters` set.
fn fields_data(m: &Module, ty: &str, setters: &[(&str, Lit)]) -> Result<CData> {
    let mut d = CData::new_named(m.types(), ty)?;
    for (path, lit) in setters {
        set_lit(m, &mut d, path, *lit)?;
    }
    Ok(d)
}

fn c_fields_setup(ty: &str, var: &str, setters: &[(&str, Lit)]) -> String {
    let mut s = format!("__typeof__({ty}) {var}; memset(&{var}, 0, sizeof {var});");
    for (n, (path, lit)) in setters.iter().enumerate() {
        s.push(' ');
        s.push_str(&c_assign(var, path, *lit, n));
    }
    s
}

/// An object of type `ty` with `setters` applied, by value.
fn fields_obj(ty: &str, setters: Setters) -> Arg {
    let owned = ty.to_owned();
    Arg {
        setup: c_fields_setup(ty, "@", setters),
        expr: "@".into(),
        after: None,
        make: Box::new(move |m| Ok(Value::Data(fields_data(m, &owned, setters)?))),
    }
}

/// A buffer of `n` bytes, zeroed or (with a seed) patterned, passed as a pointer.
fn buffer(n: usize, seed: Option<i32>, after: Option<After>) -> Arg {
    let fill = match seed {
        Some(seed) => format!("pattern(@, {n}, {seed});"),
        None => String::new(),
    };
    Arg {
        setup: format!("unsigned char @[{n}] = {{0}}; {fill}"),
        expr: "@".into(),
        after,
        make: Box::new(move |_| {
            Ok(Value::Bytes(match seed {
                Some(seed) => pattern(n, seed),
                None => vec![0; n],
            }))
        }),
    }
}

/// A C string in a writable buffer.
fn text_buffer(s: &'static str) -> Arg {
    Arg {
        setup: format!("char @[] = {};", common::c_string(s)),
        expr: "@".into(),
        after: Some(After::Str),
        make: Box::new(move |_| {
            let mut bytes = s.as_bytes().to_vec();
            bytes.push(0);
            Ok(Value::Bytes(bytes))
        }),
    }
}

/// A `_Complex` of `kind` (float or double).
fn complex(kind: FloatKind, re: f64, im: f64) -> Arg {
    let (c_ty, suffix) = match kind {
        FloatKind::Float => ("float", "f"),
        _ => ("double", ""),
    };
    Arg {
        setup: String::new(),
        expr: format!(
            "__builtin_complex(({c_ty}){}{suffix}, ({c_ty}){}{suffix})",
            c_double(re),
            c_double(im)
        ),
        after: None,
        make: Box::new(move |m| {
            let mut d = CData::new_named(m.types(), &format!("_Complex {c_ty}"))?;
            let bytes = d.bytes_mut();
            if kind == FloatKind::Float {
                bytes[..4].copy_from_slice(&(re as f32).to_le_bytes());
                bytes[4..8].copy_from_slice(&(im as f32).to_le_bytes());
            } else {
                bytes[..8].copy_from_slice(&re.to_le_bytes());
                bytes[8..16].copy_from_slice(&im.to_le_bytes());
            }
            Ok(Value::Data(d))
        }),
    }
}

/// How a call's result is printed.
#[derive(Clone)]
enum Out {
    Void,
    /// A signed integer, enum or `_Bool`.
    Int,
    /// An unsigned integer (up to 64 bits).
    UInt,
    /// `float`, `double` or `long double`, as the bits of the `double`.
    Float,
    /// `__int128`, as 32 hex digits.
    I128,
    /// An object, as the hex of its bytes (the first `n`, when given).
    Hex(Option<usize>),
    /// A `char *`, as the quoted string or NULL.
    Str,
    /// Fields of a returned object (path, 'i' integer or 'f' floating).
    Fields(Fields),
    /// The object a returned pointer points to, as the hex of its bytes.
    PointeeHex(&'static str),
}

fn c_fields_print(var: &str, fields: &[(&str, char)]) -> String {
    let mut s = String::new();
    for (path, kind) in fields {
        let _ = write!(s, "printf(\"{path}=\"); ");
        if *kind == 'f' {
            let _ = write!(s, "pr_f64((double){var}.{path}); ");
        } else {
            let _ = write!(s, "pr_i((long long){var}.{path}); ");
        }
        s.push_str("printf(\" \"); ");
    }
    s
}

fn rust_fields(d: &CData, fields: &[(&str, char)]) -> Result<String> {
    let mut s = String::new();
    for (path, _) in fields {
        let _ = write!(s, "{path}={} ", text(&d.get(path)?));
    }
    Ok(s)
}

impl Out {
    fn c(&self, call: &str) -> String {
        match self {
            Out::Void => format!("{call}; printf(\"void\");"),
            Out::Int => format!("pr_i((long long)({call}));"),
            Out::UInt => format!("pr_u((unsigned long long)({call}));"),
            Out::Float => format!("pr_f64((double)({call}));"),
            Out::I128 => format!("pr_u128((unsigned __int128)({call}));"),
            Out::Hex(n) => format!(
                "__typeof__({call}) r = {call}; pr_hex(&r, {});",
                n.map_or("sizeof r".to_owned(), |n| n.to_string())
            ),
            Out::Str => format!("pr_str({call});"),
            Out::Fields(fields) => {
                format!(
                    "__typeof__({call}) r = {call}; {}",
                    c_fields_print("r", fields)
                )
            }
            Out::PointeeHex(_) => format!("__typeof__({call}) r = {call}; pr_hex(r, sizeof *r);"),
        }
    }

    fn rust(&self, m: &Module, v: &Value) -> Result<String> {
        Ok(match (self, v) {
            (Out::Void, Value::Void) => "void".into(),
            (Out::Int | Out::UInt | Out::Float, _) => text(v),
            (Out::I128, _) => text128(v),
            (Out::Hex(n), Value::Data(d)) => hex(&d.bytes()[..n.unwrap_or(d.bytes().len())]),
            (Out::Str, _) => string_at(v)?,
            (Out::Fields(fields), Value::Data(d)) => rust_fields(d, fields)?,
            (Out::PointeeHex(ty), Value::Pointer(address)) => {
                let ty = m.types().type_named(ty)?;
                // SAFETY: the function returns a pointer to an object of this type.
                let d = unsafe { CData::read_from(m.types(), ty, *address as *const u8) }?;
                hex(d.bytes())
            }
            _ => format!("unexpected {v:?}"),
        })
    }
}

/// Calls `function` with `args` both ways and prints its result (and the
/// out-parameters) in canonical text.
fn call_case(key: impl Into<String>, function: &str, args: Vec<Arg>, out: Out) -> Case {
    let vars: Vec<String> = (0..args.len()).map(|i| format!("a{i}")).collect();
    let mut c = String::new();
    for (a, var) in args.iter().zip(&vars) {
        if !a.setup.is_empty() {
            let _ = writeln!(c, "        {}", a.setup.replace('@', var));
        }
    }
    let exprs: Vec<String> = args
        .iter()
        .zip(&vars)
        .map(|(a, var)| a.expr.replace('@', var))
        .collect();
    let call_text = format!("{function}({})", exprs.join(", "));
    let _ = writeln!(c, "        {}", out.c(&call_text));
    for (a, var) in args.iter().zip(&vars) {
        match a.after {
            Some(After::Hex) => {
                let _ = writeln!(c, "        printf(\" \"); pr_hex(&{var}, sizeof {var});");
            }
            Some(After::Str) => {
                let _ = writeln!(c, "        printf(\" \"); pr_str((const char *){var});");
            }
            None => {}
        }
    }
    let function = function.to_owned();
    case(key, c, move |m| {
        let mut values = args
            .iter()
            .map(|a| (a.make)(m))
            .collect::<Result<Vec<Value>>>()?;
        let ret = call(m, &function, &mut values)?;
        let mut s = out.rust(m, &ret)?;
        for (a, v) in args.iter().zip(&values) {
            match (a.after, v) {
                (Some(After::Hex), _) => {
                    s.push(' ');
                    s.push_str(&text(v));
                }
                (Some(After::Str), Value::Bytes(b)) => {
                    let text = CStr::from_bytes_until_nul(b)
                        .map(|c| c.to_string_lossy().into_owned())
                        .unwrap_or_else(|_| "unterminated".into());
                    let _ = write!(s, " \"{text}\"");
                }
                (Some(After::Str), other) => {
                    let _ = write!(s, " unexpected {other:?}");
                }
                (None, _) => {}
            }
        }
        Ok(s)
    })
}

// ---------------------------------------------------------------------------
// Structs and unions by value: the WY_SIZED, WY_MIX and WY_OTHER tables.

/// Every by-value type of the tables: (keyword, name).
fn by_value_types() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> =
        (1..=64).map(|n| ("struct", format!("s{n}"))).collect();
    for slots in 1..=4u32 {
        for combo in 0..(1u32 << slots) {
            // The first slot is the most significant bit: i before f, as the table.
            let name: String = (0..slots)
                .map(|i| {
                    if combo >> (slots - 1 - i) & 1 == 0 {
                        'i'
                    } else {
                        'f'
                    }
                })
                .collect();
            out.push(("struct", format!("m_{name}")));
        }
    }
    for name in ["m_dd", "m_dl", "m_ld", "m_ll"] {
        out.push(("struct", name.into()));
    }
    for name in ["u_if", "u_ff", "u_dl", "u_df", "u_sv", "u_big"] {
        out.push(("union", name.into()));
    }
    for name in [
        "p_ci", "p_fic", "p_cd", "p_ds", "p_nest", "pk2", "na_f", "na_cs", "na_mix", "na_rows",
        "na_big",
    ] {
        out.push(("struct", name.into()));
    }
    out
}

fn by_value_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (index, (keyword, name)) in by_value_types().into_iter().enumerate() {
        let ty = format!("{keyword} {name}");
        let seed = index as i32 + 1;
        let c_ty = ty.clone();
        cases.push(case(
            format!("{name}.size"),
            format!("pr_u(sizeof({c_ty}));"),
            move |m| {
                let t = m.types().type_named(&ty)?;
                Ok(m.types().layout(t.id).map_or(0, |l| l.size).to_string())
            },
        ));
        cases.push(call_case(
            format!("{name}.make"),
            &format!("{name}_make"),
            vec![int(i128::from(seed))],
            Out::Hex(None),
        ));
        cases.push(call_case(
            format!("{name}.hash"),
            &format!("{name}_hash"),
            vec![pattern_obj(&c_ty, seed * 3)],
            Out::UInt,
        ));
        cases.push(call_case(
            format!("{name}.echo"),
            &format!("{name}_echo"),
            vec![
                int(i128::from(seed % 7) - 3),
                pattern_obj(&c_ty, -seed),
                dbl(f64::from(index as u32 % 5) + 0.5),
            ],
            Out::Hex(None),
        ));
        cases.push(call_case(
            format!("{name}.late"),
            &format!("{name}_hash_late"),
            vec![
                int(-1),
                int(2),
                int(-3),
                int(1 << 40),
                int(-5),
                dbl(0.5),
                dbl(-1.5),
                dbl(2.25),
                dbl(1e300),
                dbl(-0.0),
                dbl(3.0),
                dbl(7.5),
                pattern_obj(&c_ty, seed + 100),
                int(-9),
            ],
            Out::UInt,
        ));
    }
    cases
}

#[test]
fn structs_and_unions_of_every_size_and_mix_by_value() {
    check(by_value_cases());
}

/// The Rust list of by-value types is the header's: every `*_hash_late` is covered.
#[test]
fn the_by_value_list_is_the_headers() {
    let types = &fixture().module.types();
    let declared: BTreeSet<String> = types
        .functions()
        .filter_map(|f| f.name.strip_suffix("_hash_late").map(str::to_owned))
        .collect();
    let listed: BTreeSet<String> = by_value_types().into_iter().map(|(_, n)| n).collect();
    assert_eq!(declared, listed);
    assert_eq!(declared.len(), 64 + 34 + 17);
}

// ---------------------------------------------------------------------------
// Bitfields and over-aligned fields.

const BF1: &[(&str, char)] = &[
    ("a", 'i'),
    ("b", 'i'),
    ("c", 'i'),
    ("d", 'i'),
    ("e", 'i'),
    ("f", 'i'),
];
const BF2: &[(&str, char)] = &[("f", 'f'), ("a", 'i'), ("g", 'f')];
const BF3: &[(&str, char)] = &[("a", 'i'), ("b", 'i')];
const BF4: &[(&str, char)] = &[
    ("a", 'i'),
    ("b", 'i'),
    ("c", 'i'),
    ("flag", 'i'),
    ("col", 'i'),
];

const BF1_SET: &[(&str, Lit)] = &[
    ("a", Lit::Int(5)),
    ("b", Lit::Int(-16)),
    ("c", Lit::Int(4095)),
    ("d", Lit::Int(-64)),
    ("e", Lit::Int(0x1_ffff_ffff)),
    ("f", Lit::Int(1)),
];
const BF2_SET: &[(&str, Lit)] = &[
    ("f", Lit::Float(0.25)),
    ("a", Lit::Int(15)),
    ("g", Lit::Float(-2.5)),
];
const BF3_SET: &[(&str, Lit)] = &[("a", Lit::Int(-(1 << 39))), ("b", Lit::Int((1 << 39) - 1))];
const BF4_SET: &[(&str, Lit)] = &[
    ("a", Lit::Int(1)),
    ("b", Lit::Int(0x7fff_ffff)),
    ("c", Lit::Int(-2)),
    ("flag", Lit::Int(1)),
    ("col", Lit::Ident("BLUE")),
];

fn bitfield_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let all: [(&str, Fields, Setters, Out); 4] = [
        ("bf1", BF1, BF1_SET, Out::Int),
        ("bf2", BF2, BF2_SET, Out::Float),
        ("bf3", BF3, BF3_SET, Out::Int),
        ("bf4", BF4, BF4_SET, Out::Int),
    ];
    for (name, fields, setters, digest_out) in all {
        let ty = format!("struct {name}");
        let seeds: &[i128] = if name == "bf3" {
            &[1, -12_345_678_901, 99]
        } else {
            &[0, 1, 2, 13, 77, 1000]
        };
        for &seed in seeds {
            cases.push(call_case(
                format!("{name}.make.{seed}"),
                &format!("{name}_make"),
                vec![int(seed)],
                Out::Fields(fields),
            ));
        }
        cases.push(call_case(
            format!("{name}.digest"),
            &format!("{name}_digest"),
            vec![fields_obj(&ty, setters)],
            digest_out,
        ));
        // The bytes wyvern writes for the fields are the bytes gcc writes.
        let c_ty = ty.clone();
        cases.push(case(
            format!("{name}.bytes"),
            format!(
                "{} pr_hex(&v, sizeof v);",
                c_fields_setup(&c_ty, "v", setters)
            ),
            move |m| Ok(hex(fields_data(m, &ty, setters)?.bytes())),
        ));
    }
    cases
}

#[test]
fn bitfields_by_value_and_by_name() {
    check(bitfield_cases());
}

fn aligned_cases() -> Vec<Case> {
    vec![
        call_case(
            "al_i.make",
            "al_i_make",
            vec![int(-77)],
            Out::Fields(&[("x", 'i')]),
        ),
        call_case(
            "al_i.get",
            "al_i_get",
            vec![
                int(5),
                fields_obj("struct al_i", &[("x", Lit::Int(1000))]),
                int(3),
            ],
            Out::Int,
        ),
        call_case(
            "al_f.make",
            "al_f_make",
            vec![dbl(2.5)],
            Out::Fields(&[("x", 'f')]),
        ),
        call_case(
            "al_f.get",
            "al_f_get",
            vec![
                dbl(0.5),
                fields_obj("struct al_f", &[("x", Lit::Float(3.25))]),
                dbl(0.125),
            ],
            Out::Float,
        ),
    ]
}

#[test]
fn over_aligned_fields_leave_padding_eightbytes() {
    check(aligned_cases());
}

// ---------------------------------------------------------------------------
// Paths: "a.b[3].c", char arrays, strings, pointers and their pointees.

const OUTER_FIELDS: &[(&str, char)] = &[
    ("a.b[3].c", 'i'),
    ("a.b[1].d", 'f'),
    ("a.b[2].flags", 'i'),
    ("a.n", 'i'),
    ("col", 'i'),
    ("f", 'f'),
    ("i", 'i'),
];

const OUTER_SET: &[(&str, Lit)] = &[
    ("a.b[3].c", Lit::Int(7)),
    ("a.b[0].d", Lit::Float(2.5)),
    ("a.b[2].flags", Lit::Int(5)),
    ("a.b[1].c", Lit::Int(-40000)),
    ("a.n", Lit::Int(-12)),
    ("code", Lit::Chars("ab")),
    ("col", Lit::Ident("BLUE")),
    ("i", Lit::Int(1234)),
];

const OUTER_POINTERS: &[(&str, Lit)] = &[("name", Lit::Str("hello")), ("ptr", Lit::IntTarget(99))];

fn path_cases() -> Vec<Case> {
    let mut c = String::from("struct outer o; outer_fill(&o, 3); ");
    c.push_str(&c_fields_print("o", OUTER_FIELDS));
    c.push_str(
        "printf(\"code=\"); pr_hex(o.code, 4); printf(\" name=\"); pr_str(o.name); \
         printf(\" *ptr=\"); pr_i(*o.ptr);",
    );
    let fill = case("outer.fill", c, |m| {
        let mut args = [Value::Ref(m.new_object("struct outer")?), Value::Int(3)];
        call(m, "outer_fill", &mut args)?;
        let o = args[0].as_data().expect("an object");
        let mut s = rust_fields(o, OUTER_FIELDS)?;
        let _ = write!(s, "code={}", text(&o.get("code")?));
        // SAFETY: outer_fill points `name` at a string literal and `ptr` at an int.
        let name = unsafe { o.c_string("name") }?.unwrap_or_default();
        let _ = write!(s, " name=\"{}\"", String::from_utf8_lossy(&name));
        // SAFETY: as above.
        let target = unsafe { o.pointee("ptr") }?;
        let _ = write!(s, " *ptr={}", text(&target.get("")?));
        Ok(s)
    });
    let all: Vec<(&str, Lit)> = OUTER_SET.iter().chain(OUTER_POINTERS).copied().collect();
    let all: Setters = Box::leak(all.into_boxed_slice());
    let digest = call_case(
        "outer.digest",
        "outer_digest",
        vec![{
            let mut a = fields_obj("struct outer", all);
            a.expr = "&@".into();
            let make = a.make;
            a.make = Box::new(move |m| match make(m)? {
                Value::Data(d) => Ok(Value::Ref(d)),
                other => Ok(other),
            });
            a
        }],
        Out::Int,
    );
    let bytes = case(
        "outer.bytes",
        format!(
            "{} pr_hex(&v, sizeof v);",
            c_fields_setup("struct outer", "v", OUTER_SET)
        ),
        |m| Ok(hex(fields_data(m, "struct outer", OUTER_SET)?.bytes())),
    );
    vec![fill, digest, bytes]
}

#[test]
fn objects_by_path() {
    check(path_cases());
}

// ---------------------------------------------------------------------------
// long double, __int128, _Complex.

fn long_double_cases() -> Vec<Case> {
    vec![
        call_case(
            "ld_mul",
            "ld_mul",
            vec![dbl(1.0 / 3.0), dbl(3.0)],
            Out::Float,
        ),
        call_case(
            "ld_mul.big",
            "ld_mul",
            vec![dbl(1e300), dbl(1e300)],
            Out::Float,
        ),
        call_case(
            "ld_sum3",
            "ld_sum3",
            vec![dbl(0.1), dbl(1e-20), dbl(2.5)],
            Out::Float,
        ),
        call_case(
            "ld_bits.third",
            "ld_bits",
            vec![dbl(-1.0 / 3.0), buffer(10, None, Some(After::Hex))],
            Out::Void,
        ),
        call_case(
            "ld_bits.subnormal",
            "ld_bits",
            vec![dbl(5e-324), buffer(10, None, Some(After::Hex))],
            Out::Void,
        ),
        call_case(
            "ld_vsum",
            "ld_vsum",
            vec![int(3), ldbl(0.1), ldbl(-2.75), ldbl(1e100)],
            Out::Float,
        ),
        call_case("ldw_make", "ldw_make", vec![dbl(2.0)], Out::Hex(Some(10))),
        call_case(
            "ldw_make.x",
            "ldw_make",
            vec![dbl(2.0)],
            Out::Fields(&[("x", 'f')]),
        ),
        call_case(
            "ldw_take",
            "ldw_take",
            vec![
                fields_obj("struct ldw", &[("x", Lit::Float(1.0 / 7.0))]),
                int(5),
            ],
            Out::Float,
        ),
        call_case(
            "ldm_make",
            "ldm_make",
            vec![dbl(1.0), int(42)],
            Out::Hex(Some(10)),
        ),
        call_case(
            "ldm_make.fields",
            "ldm_make",
            vec![dbl(1.0), int(42)],
            Out::Fields(&[("x", 'f'), ("tag", 'i')]),
        ),
        call_case(
            "ldm_take",
            "ldm_take",
            vec![
                int(3),
                fields_obj(
                    "struct ldm",
                    &[("x", Lit::Float(0.1)), ("tag", Lit::Int(4))],
                ),
                dbl(0.25),
            ],
            Out::Float,
        ),
    ]
}

#[test]
fn long_double_in_and_out() {
    check(long_double_cases());
}

fn int128_cases() -> Vec<Case> {
    let big = -(1i128 << 100) + 12345;
    vec![
        call_case(
            "i128_mul",
            "i128_mul",
            vec![i128_arg(big), int(-7)],
            Out::I128,
        ),
        call_case(
            "u128_shl",
            "u128_shl",
            vec![u128_arg(u128::MAX - 5), int(3)],
            Out::I128,
        ),
        call_case(
            "u128_shl.small",
            "u128_shl",
            vec![u128_arg(0xdead_beef), int(100)],
            Out::I128,
        ),
        call_case(
            "i128_late",
            "i128_late",
            vec![
                int(1),
                int(2),
                int(3),
                int(4),
                int(5),
                i128_arg(i128::MAX / 3),
                int(-6),
            ],
            Out::I128,
        ),
        call_case(
            "i128_vsum",
            "i128_vsum",
            vec![int(3), i128_of(big), i128_of(-1), i128_of(i128::MIN / 7)],
            Out::I128,
        ),
    ]
}

#[test]
fn int128_in_and_out() {
    check(int128_cases());
}

fn complex_cases() -> Vec<Case> {
    vec![
        call_case(
            "cd_mul",
            "cd_mul",
            vec![
                complex(FloatKind::Double, 1.5, 2.25),
                complex(FloatKind::Double, -0.5, 4.0),
            ],
            Out::Hex(None),
        ),
        call_case(
            "cf_mul",
            "cf_mul",
            vec![
                complex(FloatKind::Float, 1.5, -2.25),
                complex(FloatKind::Float, 0.1, 3.0),
            ],
            Out::Hex(None),
        ),
        call_case(
            "cd_norm",
            "cd_norm",
            vec![int(3), complex(FloatKind::Double, 0.1, -7.5)],
            Out::Float,
        ),
    ]
}

#[test]
fn complex_in_and_out() {
    check(complex_cases());
}

// ---------------------------------------------------------------------------
// Enums, by name and by value.

fn enum_cases() -> Vec<Case> {
    vec![
        call_case(
            "color_code.GREEN",
            "color_code",
            vec![ident("GREEN")],
            Out::Int,
        ),
        call_case("color_code.-3", "color_code", vec![int(-3)], Out::Int),
        call_case("color_next.RED", "color_next", vec![ident("RED")], Out::Int),
        call_case(
            "color_next.BLUE",
            "color_next",
            vec![ident("BLUE")],
            Out::Int,
        ),
        call_case(
            "flags_or.names",
            "flags_or",
            vec![ident("F_BIG"), ident("F_B")],
            Out::UInt,
        ),
        call_case(
            "flags_or.values",
            "flags_or",
            vec![int(1 << 32), int(1)],
            Out::UInt,
        ),
        call_case(
            "tiny_next.T_MAX",
            "tiny_next",
            vec![ident("T_MAX")],
            Out::Int,
        ),
        call_case("tiny_next.1", "tiny_next", vec![int(1)], Out::Int),
        call_case(
            "tiny_code",
            "tiny_code",
            vec![ident("T_MAX"), int(-5)],
            Out::Int,
        ),
    ]
}

#[test]
fn enums_by_name_and_value() {
    check(enum_cases());
    // The packed enum is one byte, and its values are checked against it.
    let m = &fixture().module;
    let e = call(m, "tiny_code", &mut [Value::Int(256), Value::Int(0)]).unwrap_err();
    assert!(e.to_string().contains("argument 1 ('t')"), "{e}");
    assert!(e.to_string().contains("256 does not fit"), "{e}");
    let e = call(m, "color_code", &mut [Value::Ident("GREN".into())]).unwrap_err();
    assert!(e.to_string().contains("did you mean 'GREEN'"), "{e}");
}

// ---------------------------------------------------------------------------
// Pointers: out-parameters, returned pointers, linked objects.

fn pointer_cases() -> Vec<Case> {
    let mut cases = vec![
        call_case(
            "fill_point",
            "fill_point",
            vec![out_ref("struct point3"), int(9)],
            Out::Int,
        ),
        call_case(
            "fill_ints",
            "fill_ints",
            vec![out_ref("int [6]"), int(6), int(-4)],
            Out::Void,
        ),
        call_case(
            "sum_ints",
            "sum_ints",
            vec![
                {
                    let mut a = fields_obj(
                        "int [5]",
                        &[
                            ("[0]", Lit::Int(3)),
                            ("[1]", Lit::Int(-1)),
                            ("[2]", Lit::Int(4)),
                            ("[3]", Lit::Int(-1)),
                            ("[4]", Lit::Int(5)),
                        ],
                    );
                    // An array: C passes its first element's address.
                    a.setup = "int @[5] = {3, -1, 4, -1, 5};".into();
                    let make = a.make;
                    a.make = Box::new(move |m| match make(m)? {
                        Value::Data(d) => Ok(Value::Ref(d)),
                        other => Ok(other),
                    });
                    a
                },
                int(5),
            ],
            Out::Int,
        ),
        call_case("list_make.0", "list_make", vec![int(0)], Out::Str),
        // A parameter declared as a function takes a function's address.
        call_case(
            "apply_fn",
            "apply_fn",
            vec![
                arg("add_ints", |m| {
                    Ok(Value::Pointer(m.symbol("add_ints")? as usize))
                }),
                int(5),
            ],
            Out::Int,
        ),
        // One declared as `const int grid[][3]` takes the address of a
        // `const int [2][3]` (in C17 a `const int (*)[3]` takes no `int (*)[3]`).
        call_case(
            "sum_grid",
            "sum_grid",
            vec![
                int(2),
                Arg {
                    setup: "int @[2][3] = {{1, -2, 3}, {40, 50, -60}};".into(),
                    expr: "@".into(),
                    after: None,
                    make: Box::new(|m| {
                        let mut grid = m.new_object("const int [2][3]")?;
                        for (i, v) in [1, -2, 3, 40, 50, -60].into_iter().enumerate() {
                            grid.set(&format!("[{}][{}]", i / 3, i % 3), v)?;
                        }
                        Ok(Value::Ref(grid))
                    }),
                },
            ],
            Out::Int,
        ),
    ];
    for i in 0..4 {
        cases.push(call_case(
            format!("point_at.{i}"),
            "point_at",
            vec![int(i)],
            Out::PointeeHex("struct point3"),
        ));
    }
    // Walk a list C built, through `pointee`, and hand its head back.
    cases.push(case(
        "list_walk",
        "struct node *head = list_make(5); for (struct node *n = head; n; n = n->next) \
         printf(\"%d \", n->value); printf(\"sum=\"); pr_i(list_sum(head));",
        |m| {
            let head = call(m, "list_make", &mut [Value::Int(5)])?;
            let Value::Pointer(address) = head else {
                return Ok(format!("unexpected {head:?}"));
            };
            let node = m.types().type_named("struct node")?;
            // SAFETY: list_make returns nodes of this type, linked by `next`.
            let mut n = unsafe { CData::read_from(m.types(), node, address as *const u8) }?;
            let mut s = String::new();
            loop {
                let _ = write!(s, "{} ", text(&n.get("value")?));
                if n.get("next")? == Value::Null {
                    break;
                }
                // SAFETY: as above.
                n = unsafe { n.pointee("next") }?;
            }
            let sum = call(m, "list_sum", &mut [Value::Pointer(address)])?;
            let _ = write!(s, "sum={}", text(&sum));
            Ok(s)
        },
    ));
    // A list wyvern built, linked by Value::Ref.
    cases.push(case(
        "list_built",
        "struct node n3 = {5, NULL}, n2 = {6, &n3}, n1 = {7, &n2}; pr_i(list_sum(&n1));",
        |m| {
            let mut n3 = m.new_object("struct node")?;
            n3.set("value", 5)?;
            let mut n2 = m.new_object("struct node")?;
            n2.set("value", 6)?;
            n2.set("next", Value::Ref(n3))?;
            let mut n1 = m.new_object("struct node")?;
            n1.set("value", 7)?;
            n1.set("next", Value::Ref(n2))?;
            // SAFETY: `next` points into objects n1 keeps alive.
            let second = unsafe { n1.pointee("next") }?;
            assert_eq!(second.get("value")?, Value::Int(6));
            Ok(text(&call(m, "list_sum", &mut [Value::Ref(n1)])?))
        },
    ));
    cases
}

#[test]
fn pointers_out_parameters_and_pointees() {
    check(pointer_cases());
}

// ---------------------------------------------------------------------------
// Strings and byte buffers.

fn string_cases() -> Vec<Case> {
    vec![
        call_case("greet", "greet", vec![string("wyvern")], Out::Str),
        call_case(
            "count_char",
            "count_char",
            vec![string("banana split"), int(i128::from(b'a'))],
            Out::UInt,
        ),
        call_case("maybe_name.-1", "maybe_name", vec![int(-1)], Out::Str),
        call_case("maybe_name.0", "maybe_name", vec![int(0)], Out::Str),
        call_case("maybe_name.5", "maybe_name", vec![int(5)], Out::Str),
        call_case(
            "str_reverse",
            "str_reverse",
            vec![text_buffer("stressed")],
            Out::Str,
        ),
        call_case(
            "named_check",
            "named_check",
            vec![fields_obj(
                "struct named",
                &[("name", Lit::Str("abcdef")), ("len", Lit::Int(3))],
            )],
            Out::Int,
        ),
        call_case(
            "bytes_fill",
            "bytes_fill",
            vec![buffer(37, None, Some(After::Hex)), int(37), int(5)],
            Out::Void,
        ),
        call_case(
            "bytes_hash",
            "bytes_hash",
            vec![buffer(50, Some(9), None), int(50)],
            Out::UInt,
        ),
    ]
}

#[test]
fn strings_and_byte_buffers() {
    check(string_cases());
    // The string str_reverse returns is the buffer it was given.
    let m = &fixture().module;
    let mut args = [Value::Bytes(b"abc\0".to_vec())];
    let ret = call(m, "str_reverse", &mut args).unwrap();
    let Value::Bytes(buffer) = &args[0] else {
        panic!("the buffer stays a buffer")
    };
    assert_eq!(ret, Value::Pointer(buffer.as_ptr() as usize));
    assert_eq!(buffer, b"cba\0");
}

// ---------------------------------------------------------------------------
// Scalars of every width, and more arguments than registers.

fn scalar_cases() -> Vec<Case> {
    let mut mixed = Vec::new();
    for i in 0..10i32 {
        mixed.push(int(i128::from(i * 1000 - 4321)));
        mixed.push(dbl(f64::from(i) * 0.75 - 1.0 / 3.0));
    }
    vec![
        call_case("neg_char.5", "neg_char", vec![int(5)], Out::Int),
        call_case("neg_char.-200", "neg_char", vec![int(-200)], Out::Int),
        call_case("ushort_of", "ushort_of", vec![int(30000)], Out::Int),
        call_case("is_odd.7", "is_odd", vec![int(7)], Out::Int),
        call_case("is_odd.-4", "is_odd", vec![int(-4)], Out::Int),
        call_case("half_of", "half_of", vec![dbl(-7.25)], Out::Float),
        call_case(
            "many_small",
            "many_small",
            vec![
                int(-5),
                int(250),
                int(-300),
                int(60000),
                int(-70000),
                int(4_000_000_000),
                int(-(1 << 40)),
                dbl(2.25),
                int(1),
                int(i128::from(b'x')),
                dbl(-1.125),
                dbl(3.0625),
                int(-(1 << 50)),
                int(18_446_744_073_709_551_000),
            ],
            Out::Int,
        ),
        call_case("many_mixed", "many_mixed", mixed, Out::Float),
        call_case(
            "spill",
            "spill",
            vec![
                pattern_obj("struct m_ff", 1),
                pattern_obj("struct m_ifif", 2),
                pattern_obj("struct s24", 3),
                pattern_obj("struct m_ffff", 4),
                pattern_obj("struct m_ii", 5),
                dbl(-6.5),
                pattern_obj("struct m_fi", 7),
                int(-8),
                pattern_obj("struct m_iiii", 9),
                pattern_obj("struct m_dd", 10),
                dbl(11.25),
                pattern_obj("struct m_ll", 12),
                int(-13),
            ],
            Out::UInt,
        ),
    ]
}

#[test]
fn scalars_and_more_arguments_than_registers() {
    check(scalar_cases());
}

// ---------------------------------------------------------------------------
// Variadic functions.

/// An argument for `vtagged`'s tag `tag`, the `k`th.
fn tagged(tag: char, k: i32) -> Arg {
    let kk = i128::from(k);
    match tag {
        'i' => int(-7 * kk),
        'l' => int_of(IntKind::Long, (1 << 40) + kk),
        'd' => dbl(f64::from(k) * 1.25 - 0.1),
        'L' => ldbl(f64::from(k) / 3.0),
        'q' => i128_of(-(1 << 90) - kk),
        's' => string(["alpha", "beta", "gamma"][k as usize % 3]),
        'p' => pattern_obj("struct vec2", k),
        'm' => pattern_obj("struct m_if", k + 1),
        'f' => pattern_obj("struct m_fff", k + 2),
        'b' => pattern_obj("struct s24", k + 3),
        'z' => complex(FloatKind::Double, f64::from(k), -0.5),
        _ => unreachable!("no tag {tag}"),
    }
}

fn vtagged_case(tags: &'static str) -> Case {
    let mut args = vec![string(tags)];
    for (k, tag) in tags.chars().enumerate() {
        args.push(tagged(tag, k as i32));
    }
    call_case(format!("vtagged.{tags}"), "vtagged", args, Out::UInt)
}

fn variadic_cases() -> Vec<Case> {
    let mut many = vec![int(12)];
    many.extend((0..12).map(|i| int(i * i - 50)));
    vec![
        call_case(
            "vsum_ints",
            "vsum_ints",
            vec![int(4), int(1), int(-2), int(3), int(100_000)],
            Out::Int,
        ),
        call_case(
            "vsum_ints.enum",
            "vsum_ints",
            vec![int(2), ident("GREEN"), ident("BLUE")],
            Out::Int,
        ),
        call_case(
            "vsum_ints.chars",
            "vsum_ints",
            vec![
                int(2),
                int_of(IntKind::SChar, -3),
                int_of(IntKind::UShort, 65535),
            ],
            Out::Int,
        ),
        call_case("vsum_ints.many", "vsum_ints", many, Out::Int),
        call_case(
            "vsum_longs",
            "vsum_longs",
            vec![
                int(3),
                int_of(IntKind::Long, 1 << 40),
                int_of(IntKind::Long, -5),
                int(1 << 35),
            ],
            Out::Int,
        ),
        call_case(
            "vformat",
            "vformat",
            vec![
                buffer(128, None, Some(After::Str)),
                int(128),
                string("%d|%ld|%u|%s|%.3f|%c|%Lg|%llx|%.2f|%hhd"),
                int(-42),
                int_of(IntKind::Long, 1 << 40),
                int_of(IntKind::UInt, 4_000_000_000),
                string("str"),
                dbl(2.5),
                int(i128::from(b'z')),
                ldbl(0.1),
                int_of(IntKind::ULongLong, 0xdead_beef_cafe),
                // A `float` travels as a `double`.
                arg("12345.678f", |_| {
                    Ok(Value::FloatOf(FloatKind::Float, f64::from(12345.678f32)))
                }),
                int_of(IntKind::SChar, -3),
            ],
            Out::Int,
        ),
        call_case(
            "vpoints",
            "vpoints",
            vec![
                int(3),
                pattern_obj("struct vec2", 1),
                fields_obj(
                    "struct vec2",
                    &[("x", Lit::Float(1.5)), ("y", Lit::Float(-2.0))],
                ),
                fields_obj(
                    "struct vec2",
                    &[("x", Lit::Float(1e10)), ("y", Lit::Float(0.25))],
                ),
            ],
            Out::Float,
        ),
        call_case(
            "vsized",
            "vsized",
            vec![
                int(3),
                pattern_obj("struct s24", 1),
                pattern_obj("struct s24", 2),
                pattern_obj("struct s24", 3),
            ],
            Out::UInt,
        ),
        vtagged_case("ildLqspmfbz"),
        vtagged_case("ddddddddpmfiiiiiiibqLzsl"),
        vtagged_case("qqqiqbbL"),
        vtagged_case("mmmmmmmfffp"),
    ]
}

#[test]
fn variadic_functions() {
    check(variadic_cases());
}

// ---------------------------------------------------------------------------
// The typed path.

wyvern::c_struct! {
    #[derive(Clone, Copy, Debug)]
    struct Vec2 { x: f64, y: f64 }
}

wyvern::c_struct! {
    #[derive(Clone, Copy, Debug)]
    struct MIf { a: i32, b: f32 }
}

wyvern::c_struct! {
    /// `struct off_s` with `b` where a plain `#[repr(C)]` struct puts it (byte 4,
    /// not 8): the same size and alignment, a different field offset.
    #[derive(Clone, Copy, Debug)]
    struct OffS { a: i32, b: i32, c: i64 }
}

fn typed_cases() -> Vec<Case> {
    vec![
        case("typed.add_ints", "pr_i(add_ints(7, -3));", |m| {
            let f = m.function("add_ints")?;
            let raw = f.typed::<unsafe extern "C" fn(i32, i32) -> i32>()?;
            // SAFETY: the header's signature, checked by `typed`.
            Ok(unsafe { raw(7, -3) }.to_string())
        }),
        case("typed.mix_dd", "pr_f64(mix_dd(0.1, -2.75));", |m| {
            let f = m.function("mix_dd")?;
            let raw = f.typed::<unsafe extern "C" fn(f64, f64) -> f64>()?;
            // SAFETY: as above.
            Ok(bits(unsafe { raw(0.1, -2.75) }))
        }),
        case(
            "typed.vec2_scale",
            "struct vec2 v = {1.5, -0.25}; struct vec2 r = vec2_scale(v, 3.0); \
             pr_f64(r.x); printf(\" \"); pr_f64(r.y);",
            |m| {
                let f = m.function("vec2_scale")?;
                let raw = f.typed::<unsafe extern "C" fn(Vec2, f64) -> Vec2>()?;
                // SAFETY: as above.
                let r = unsafe { raw(Vec2 { x: 1.5, y: -0.25 }, 3.0) };
                Ok(format!("{} {}", bits(r.x), bits(r.y)))
            },
        ),
        case(
            "typed.sum_grid",
            "int g[2][3] = {{7, 8, 9}, {-1, -2, -3}}; pr_i(sum_grid(2, g));",
            |m| {
                let f = m.function("sum_grid")?;
                let raw = f.typed::<unsafe extern "C" fn(i32, *const [i32; 3]) -> i64>()?;
                let grid: [[i32; 3]; 2] = [[7, 8, 9], [-1, -2, -3]];
                // SAFETY: as above; the grid has the two rows passed.
                Ok(unsafe { raw(2, grid.as_ptr()) }.to_string())
            },
        ),
        case(
            "typed.m_if_echo",
            "struct m_if v = {-123456, 0.75f}; struct m_if r = m_if_echo(9, v, 1.0); \
             pr_hex(&r, sizeof r);",
            |m| {
                let f = m.function("m_if_echo")?;
                let raw = f.typed::<unsafe extern "C" fn(i32, MIf, f64) -> MIf>()?;
                // SAFETY: as above.
                let r = unsafe {
                    raw(
                        9,
                        MIf {
                            a: -123_456,
                            b: 0.75,
                        },
                        1.0,
                    )
                };
                let mut bytes = r.a.to_le_bytes().to_vec();
                bytes.extend(r.b.to_le_bytes());
                Ok(hex(&bytes))
            },
        ),
    ]
}

#[test]
fn typed_path_on_matching_signatures() {
    check(typed_cases());
}

#[test]
fn typed_path_refuses_mismatched_rust_types() {
    let m = &fixture().module;
    let add = m.function("add_ints").unwrap();
    let expect = |e: wyvern::Error, words: &[&str]| {
        assert!(matches!(e.kind(), ErrorKind::TypeMismatch { .. }), "{e}");
        for w in words {
            assert!(e.to_string().contains(w), "'{w}' not in: {e}");
        }
    };
    let e = add
        .typed::<unsafe extern "C" fn(u32, i32) -> i32>()
        .unwrap_err();
    expect(e, &["parameter 1 ('a')", "unsigned", "signed"]);
    let e = add
        .typed::<unsafe extern "C" fn(i32, i64) -> i32>()
        .unwrap_err();
    expect(e, &["parameter 2 ('b')", "8 bytes"]);
    let e = add
        .typed::<unsafe extern "C" fn(i32, i32) -> f64>()
        .unwrap_err();
    expect(e, &["the result"]);
    let e = add.typed::<unsafe extern "C" fn(i32) -> i32>().unwrap_err();
    expect(e, &["1 parameters", "has 2"]);
    // Same size and alignment as struct off_s; b at byte 4 instead of 8.
    assert_eq!(std::mem::size_of::<OffS>(), 16);
    let e = m
        .function("off_take")
        .unwrap()
        .typed::<unsafe extern "C" fn(OffS) -> i32>()
        .unwrap_err();
    expect(
        e,
        &["parameter 1 ('p')", "field 'b'", "byte 4 in Rust, 8 in C"],
    );
    let e = m
        .function("vec2_scale")
        .unwrap()
        .typed::<unsafe extern "C" fn(MIf, f64) -> Vec2>()
        .unwrap_err();
    expect(e, &["parameter 1 ('v')"]);
    let e = m
        .function("vsum_ints")
        .unwrap()
        .typed::<unsafe extern "C" fn(i32) -> i32>()
        .unwrap_err();
    expect(e, &["variadic"]);
}

// ---------------------------------------------------------------------------
// Checked conversions.

#[test]
fn conversions_are_checked_and_name_the_place() {
    let m = &fixture().module;
    let err = |name: &str, args: &mut [Value]| call(m, name, args).unwrap_err();
    let e = err("take_uchar", &mut [Value::Int(300)]);
    assert!(matches!(e.kind(), ErrorKind::Value { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("argument 1 ('byte') of 'take_uchar'"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("300 does not fit in 'unsigned char'"),
        "{e}"
    );
    assert_eq!(
        call(m, "take_uchar", &mut [Value::Int(255)]).unwrap(),
        Value::Int(510)
    );
    let e = err("add_ints", &mut [Value::from("x"), Value::Int(1)]);
    assert!(
        e.to_string().contains("argument 1 ('a') of 'add_ints'"),
        "{e}"
    );
    assert!(e.to_string().contains("a string"), "{e}");
    let e = err("vec2_scale", &mut [Value::Null, Value::Float(1.0)]);
    assert!(
        e.to_string().contains("argument 1 ('v') of 'vec2_scale'"),
        "{e}"
    );
    assert!(e.to_string().contains("NULL"), "{e}");
    let e = err(
        "mix_dd",
        &mut [Value::Float(1.0), Value::Int((1 << 53) + 1)],
    );
    assert!(e.to_string().contains("argument 2 ('b')"), "{e}");
    // Argument counts.
    let e = err("add_ints", &mut [Value::Int(1)]);
    assert!(matches!(e.kind(), ErrorKind::ArgumentCount { .. }), "{e}");
    assert!(e.to_string().contains("takes 2 arguments; got 1"), "{e}");
    let e = err("add_ints", &mut [1.into(), 2.into(), 3.into()]);
    assert!(matches!(e.kind(), ErrorKind::ArgumentCount { .. }), "{e}");
    let e = err("vsum_ints", &mut []);
    assert!(matches!(e.kind(), ErrorKind::ArgumentCount { .. }), "{e}");
    // Paths.
    let mut outer = m.new_object("struct outer").unwrap();
    let e = outer.set("code", "abcd").unwrap_err();
    assert!(e.to_string().contains("'code' of 'struct outer'"), "{e}");
    assert!(
        e.to_string().contains("5 bytes do not fit in 'char [4]'"),
        "{e}"
    );
    outer.set("code", "abc").unwrap();
    let e = outer.set("a.b[3].flags", 8).unwrap_err();
    assert!(e.to_string().contains("'a.b[3].flags'"), "{e}");
    assert!(e.to_string().contains("3-bit field"), "{e}");
    let e = outer.set("a.b[4].c", 1).unwrap_err();
    assert!(e.to_string().contains("out of bounds"), "{e}");
    let e = outer.get("a.b[1].e").unwrap_err();
    assert!(e.to_string().contains("did you mean 'c'"), "{e}");
    let e = outer.set("col", Value::Ident("PURPLE".into())).unwrap_err();
    assert!(e.to_string().contains("'col' of 'struct outer'"), "{e}");
    // SAFETY: refused before reading anything: `a` is not a pointer.
    let e = unsafe { outer.pointee("a") }.unwrap_err();
    assert!(e.to_string().contains("is not a pointer"), "{e}");
    // SAFETY: refused: the pointer is NULL.
    let e = unsafe { outer.pointee("ptr") }.unwrap_err();
    assert!(e.to_string().contains("NULL"), "{e}");
    let mut bf = m.new_object("struct bf1").unwrap();
    let e = bf.set("a", 8).unwrap_err();
    assert!(e.to_string().contains("'a' of 'struct bf1'"), "{e}");
    assert!(
        e.to_string().contains("8 does not fit in a 3-bit field"),
        "{e}"
    );
    let e = bf.set("b", -17).unwrap_err();
    assert!(e.to_string().contains("-16..=15"), "{e}");
    bf.set("b", -16).unwrap();
    assert_eq!(bf.get("b").unwrap(), Value::Int(-16));
    // Objects of the wrong type.
    let p = m.new_object("struct m_if").unwrap();
    let e = err("m_ff_hash", &mut [Value::Data(p)]);
    assert!(
        e.to_string().contains("argument 1 ('v') of 'm_ff_hash'"),
        "{e}"
    );
    let e = err(
        "fill_point",
        &mut [Value::Bytes(vec![0; 64]), Value::Int(1)],
    );
    assert!(e.to_string().contains("argument 1 ('out')"), "{e}");
}

/// A value error says what is wrong as data (`ErrorKind::Value`'s `problem`),
/// not only as text: an integer that does not fit, a value of the wrong kind,
/// an index past the end, each with the numbers and types it names.
#[test]
fn value_errors_carry_the_problem_as_data() {
    use wyvern::{IntRange, ValueProblem};
    let m = &fixture().module;
    let e = call(m, "take_uchar", &mut [Value::Int(300)]).unwrap_err();
    let ErrorKind::Value { place, problem } = e.kind() else {
        panic!("not a value error: {e}");
    };
    assert_eq!(place, "argument 1 ('byte') of 'take_uchar'");
    let ValueProblem::DoesNotFit {
        value,
        ty,
        bits: None,
        range,
    } = problem
    else {
        panic!("not DoesNotFit: {problem:?}");
    };
    assert_eq!((value.as_str(), ty.as_str()), ("300", "unsigned char"));
    let max = u128::from(u8::MAX);
    assert_eq!(*range, IntRange { min: 0, max });
    assert_eq!(
        e.to_string(),
        "argument 1 ('byte') of 'take_uchar': 300 does not fit in 'unsigned char' (0..=255)"
    );

    // The range of `__int128` itself (its text overflowed, a panic in debug builds).
    let e = call(m, "i128_mul", &mut [Value::U128(u128::MAX), Value::Int(1)]).unwrap_err();
    let full = IntRange {
        min: i128::MIN,
        max: i128::MAX as u128,
    };
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Value {
                problem: ValueProblem::DoesNotFit { range, .. },
                ..
            } if *range == full
        ),
        "{e:?}"
    );

    // A bitfield: `unsigned char flags : 3` holds 0..=7.
    let mut outer = m.new_object("struct outer").unwrap();
    let e = outer.set("a.b[3].flags", 8).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Value {
                problem: ValueProblem::DoesNotFit {
                    bits: Some(3),
                    range: IntRange { min: 0, max: 7 },
                    ..
                },
                ..
            }
        ),
        "{e:?}"
    );

    let e = call(m, "add_ints", &mut [Value::from("x"), Value::Int(1)]).unwrap_err();
    match e.kind() {
        ErrorKind::Value {
            problem: ValueProblem::WrongKind { value, ty },
            ..
        } => assert_eq!((value.as_str(), ty.as_str()), ("a string", "int")),
        other => panic!("not WrongKind: {other:?}"),
    }

    let e = outer.set("a.b[4].c", 1).unwrap_err();
    match e.kind() {
        ErrorKind::Value {
            place,
            problem: ValueProblem::IndexOutOfBounds { index, len, ty },
        } => {
            assert_eq!(place, "path 'a.b[4].c'");
            assert_eq!((*index, *len), (4, 4), "struct mid has 'struct inner b[4]'");
            assert_eq!(ty, "struct inner [4]");
        }
        other => panic!("not IndexOutOfBounds: {other:?}"),
    }
    // SAFETY: refused before reading anything: the pointer is NULL.
    let e = unsafe { outer.pointee("ptr") }.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Value {
                problem: ValueProblem::Null,
                ..
            }
        ),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------
// Globals and errno.

/// The name wyvern points `g_name` at: it lives for the whole process.
static FROM_RUST: &CStr = c"from rust";

const GLOBALS_C: &str = r#"
    #define SHOW() do { \
        printf("counter=%d point=", g_counter); pr_hex(&g_point, sizeof g_point); \
        printf(" table="); pr_hex(g_table, sizeof g_table); \
        printf(" name="); pr_str(g_name); \
        printf(" ptr=%ld digest=", (long)(g_ptr - g_table)); pr_i(g_digest()); \
        printf(" | "); \
    } while (0)
    SHOW();
    g_counter = -17;
    g_point.x = -8; g_point.y = 0.125; g_point.z = 300;
    g_table[3] = 1000; g_table[7] = -1;
    g_ptr = &g_table[6];
    g_name = "from rust";
    SHOW();
    g_bump(5);
    SHOW();
"#;

fn show_globals(m: &Module) -> Result<String> {
    // SAFETY: only the globals test reads and writes the globals.
    unsafe {
        let table = m.symbol("g_table")? as usize;
        let ptr = match m.global("g_ptr")? {
            Value::Pointer(p) => ((p as isize - table as isize) / 4).to_string(),
            other => format!("unexpected {other:?}"),
        };
        let digest = call(m, "g_digest", &mut [])?;
        Ok(format!(
            "counter={} point={} table={} name={} ptr={ptr} digest={} | ",
            text(&m.global("g_counter")?),
            text(&m.global("g_point")?),
            text(&m.global("g_table")?),
            string_at(&m.global("g_name")?)?,
            text(&digest)
        ))
    }
}

fn global_cases() -> Vec<Case> {
    vec![case("globals", GLOBALS_C, |m| {
        let mut s = show_globals(m)?;
        // SAFETY: only this test uses the globals; the values fit them and
        // every pointer stored stays valid for the whole process.
        unsafe {
            m.set_global("g_counter", -17)?;
            let mut point = m.new_object("struct point3")?;
            point.set("x", -8)?;
            point.set("y", 0.125)?;
            point.set("z", 300)?;
            m.set_global("g_point", point)?;
            let Value::Data(mut table) = m.global("g_table")? else {
                return Ok("g_table is not an object".into());
            };
            table.set("[3]", 1000)?;
            table.set("[7]", -1)?;
            m.set_global("g_table", table)?;
            let table = m.symbol("g_table")? as usize;
            m.set_global("g_ptr", Value::Pointer(table + 6 * 4))?;
            m.set_global("g_name", Value::Pointer(FROM_RUST.as_ptr() as usize))?;
        }
        s.push_str(&show_globals(m)?);
        call(m, "g_bump", &mut [Value::Int(5)])?;
        s.push_str(&show_globals(m)?);
        Ok(s)
    })]
}

#[test]
fn globals_by_name() {
    check(global_cases());
    let m = &fixture().module;
    // SAFETY: refused before anything is written.
    unsafe {
        let e = m.set_global("g_name", "dangling").unwrap_err();
        assert!(e.to_string().contains("global 'g_name'"), "{e}");
        let e = m.set_global("g_counter", Value::Int(1 << 40)).unwrap_err();
        assert!(e.to_string().contains("global 'g_counter'"), "{e}");
        let e = m.global("g_countr").unwrap_err();
        assert!(e.to_string().contains("did you mean 'g_counter'"), "{e}");
    }
}

fn errno_cases() -> Vec<Case> {
    vec![
        case(
            "errno",
            "errno = 0; int r = set_errno(34); int e = errno; errno = 0; int r2 = keep_errno(); \
             printf(\"%d errno=%d %d errno=%d\", r, e, r2, errno);",
            |m| {
                wyvern::set_errno(0);
                let r = call(m, "set_errno", &mut [Value::Int(34)])?;
                let e = wyvern::last_errno();
                wyvern::set_errno(0);
                let r2 = call(m, "keep_errno", &mut [])?;
                Ok(format!(
                    "{} errno={e} {} errno={}",
                    text(&r),
                    text(&r2),
                    wyvern::last_errno()
                ))
            },
        ),
        // errno goes into the call too: a function that reads it sees what the
        // caller set, and a function that leaves it alone leaves it.
        case(
            "errno in",
            "errno = 42; int seen = errno_seen(); int after = errno; \
             errno = 0; int zero = errno_seen(); set_errno(5); int kept = keep_errno(); \
             printf(\"%d %d %d %d\", seen, after, zero, kept == 7 ? errno : -1);",
            |m| {
                wyvern::set_errno(42);
                let seen = call(m, "errno_seen", &mut [])?;
                let after = wyvern::last_errno();
                wyvern::set_errno(0);
                let zero = call(m, "errno_seen", &mut [])?;
                call(m, "set_errno", &mut [Value::Int(5)])?;
                let kept = call(m, "keep_errno", &mut [])?;
                Ok(format!(
                    "{} {after} {} {}",
                    text(&seen),
                    text(&zero),
                    if kept == Value::Int(7) {
                        wyvern::last_errno()
                    } else {
                        -1
                    }
                ))
            },
        ),
    ]
}

#[test]
fn errno_after_the_call() {
    check(errno_cases());
}

#[test]
fn errno_is_saved_per_thread() {
    let m = &fixture().module;
    let both_set = std::sync::Barrier::new(2);
    let both_called = std::sync::Barrier::new(2);
    let results: Vec<(Value, i32)> = std::thread::scope(|s| {
        let threads: Vec<_> = [11, 22]
            .into_iter()
            .map(|mine| {
                let (both_set, both_called) = (&both_set, &both_called);
                s.spawn(move || {
                    wyvern::set_errno(mine);
                    both_set.wait();
                    let seen = call(m, "errno_seen", &mut []).unwrap();
                    // The other thread's call set its own errno, not this one's.
                    if mine == 22 {
                        call(m, "set_errno", &mut [Value::Int(99)]).unwrap();
                    }
                    both_called.wait();
                    (seen, wyvern::last_errno())
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        results,
        [(Value::Int(11), 11), (Value::Int(22), 99)],
        "(what errno_seen saw, last_errno) per thread"
    );
    // And this thread's saved value was never touched by either.
    assert_eq!(wyvern::last_errno(), 0);
}
