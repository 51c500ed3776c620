//! A seeded random ABI test: wyvern's calls against gcc's direct calls.
//!
//! Random C signatures (every integer type, `_Bool`, `float`, `double`,
//! `long double`, pointers, `__int128`, enums, and random structs and unions
//! with nested records, nested arrays, named, unnamed and zero-width bitfields,
//! packed records and `aligned(16)` (also 8 and 4) fields, many parameters,
//! variadic calls)
//! go into one C library, compiled once by gcc. Each function writes every
//! argument it received, field by field (bitfields by value, floats by their
//! bits, padding skipped), into a log the library exports, and returns a
//! constant of its return type; `dump_<record>` writes a record passed by value
//! the same way. A gcc-compiled driver calls every function directly with
//! fixed argument values and prints the logs and what came back; wyvern calls
//! the same functions with the same values through `Module::function(..).call`,
//! and must produce the same logs and the same results. A returned record is
//! also passed back to C by value (`dump_<record>`), and read field by field.
//!
//! The wyvern side runs in a child process (this test binary again, running
//! the ignored test `wyvern_side_in_a_child_process`), so a call passed the
//! wrong way that crashes is reported like any mismatch, with its C, and the
//! remaining functions are still checked.
//!
//! `WYVERN_ABI_SEED` (decimal or `0x` hex) picks the seed, `WYVERN_ABI_COUNT`
//! the number of signatures, and `WYVERN_ABI_KEEP=1` keeps the generated files.
//! `regression_signatures_match_gcc` checks fixed signatures for the cases
//! the random test found.

use crate::common;

use std::ffi::CString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use common::abi::{self, announce, BuildError, ChildTask, Expected, Finding, Log};
use common::random_c::{
    c_put, fmt_value, log_declarations, Leaf, Scalar, INTEGERS, LOG_DEFINITIONS,
};
use common::random_gen::{gen_enum, Mix};
use common::random_types::{
    c_cast, c_fill, deref_to_types, Arg, EnumDef, Field, Flavour, Sink, Ty, Types,
};
use common::{c_string, env_number, Rng, TempDir};
use wyvern::{CData, Module, Value};
use wyvern::{FloatKind, IntKind};
use Scalar as S;

const DEFAULT_SEED: u64 = 0x00c0_ffee_0ab1;
const DEFAULT_COUNT: usize = 240;
/// The size of the log buffer the library exports.
const LOG_SIZE: usize = 1 << 18;
/// The prefix of the variables that pass the child process its work.
const CHILD_ENV: &str = "WYVERN_ABI";

// ---------------------------------------------------------------------------
// The generated functions (their types: `common::random_types`).

#[derive(Clone, Copy, Debug)]
struct Param {
    ty: Ty,
    /// Spelled with the record's typedef (`t_r3`) rather than its tag.
    typedef: bool,
}

#[derive(Clone, Debug, Default)]
struct Func {
    ret: Option<Param>,
    params: Vec<Param>,
    /// For `R f(params..., int n, ...)`: the types of the extra arguments as passed.
    extras: Option<Vec<Ty>>,
    args: Vec<Arg>,
    extra_args: Vec<Arg>,
    ret_value: Option<Arg>,
}

/// The enums and records, and the functions; the types' methods through `Deref`.
#[derive(Clone, Debug, Default)]
struct Spec {
    types: Types,
    funcs: Vec<Func>,
}

deref_to_types!(Spec);

impl Spec {
    fn param_c(&self, p: Param) -> String {
        match p.ty {
            Ty::Record(k) if p.typedef => format!("t_r{k}"),
            ty => self.type_c(ty),
        }
    }
}

/// The type a variadic argument is read back as, after the default promotions.
fn promoted(ty: Ty) -> Ty {
    match ty {
        Ty::Scalar(S::Bool | S::Char | S::SChar | S::UChar | S::Short | S::UShort) => {
            Ty::Scalar(S::Int)
        }
        Ty::Scalar(S::Float) => Ty::Scalar(S::Double),
        other => other,
    }
}

// ---------------------------------------------------------------------------
// What a walk over a value's leaves in log order ([`Types::walk`]) writes.

/// Emits C statements that log an object through the pointer `v`.
struct CLog {
    out: String,
    pending: String,
    base: String,
}

impl CLog {
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let _ = writeln!(self.out, "  wyv_put({});", c_string(&self.pending));
            self.pending.clear();
        }
    }
}

impl Sink for CLog {
    fn text(&mut self, text: &str) {
        self.pending.push_str(text);
    }

    fn leaf(&mut self, path: &str, s: Scalar, _bits: Option<u32>) {
        self.flush();
        let _ = writeln!(self.out, "  {}", c_put(s, &format!("{}{path}", self.base)));
    }
}

/// Prints an object wyvern returned, reading each leaf with `CData::get`.
struct Fmt<'a> {
    data: &'a CData,
    out: String,
    error: Option<String>,
}

impl Sink for Fmt<'_> {
    fn text(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn leaf(&mut self, path: &str, s: Scalar, _bits: Option<u32>) {
        match self.data.get(path) {
            Ok(v) => match fmt_value(s, &v) {
                Ok(text) => self.out.push_str(&text),
                Err(e) => {
                    self.error.get_or_insert(format!("'{path}': {e}"));
                }
            },
            Err(e) => {
                self.error.get_or_insert(format!("get('{path}'): {e}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Random generation (the types: `common::random_gen`).

/// Records of every kind: bitfields, packing, over-aligned members, enums and
/// strings among the scalars, nesting.
const MIX: Mix = Mix {
    unions: 18,
    packed: 12,
    bitfields: 22,
    aligned: 7,
    flavours: &[
        Flavour::Int,
        Flavour::Float,
        Flavour::Mixed,
        Flavour::Wild,
        Flavour::Wild,
    ],
    most: (10, 4),
    strings: true,
};

/// A record's rough size: mostly up to 32 bytes, some up to 100.
fn record_size(rng: &mut Rng) -> usize {
    match rng.below(20) {
        0..=5 => rng.between(1, 8),
        6..=11 => rng.between(9, 16),
        12..=15 => rng.between(17, 32),
        16..=18 => rng.between(33, 64),
        _ => rng.between(65, 100),
    }
}

/// `ty`, a record spelled with its typedef a quarter of the time.
fn param(rng: &mut Rng, ty: Ty) -> Param {
    Param {
        ty,
        typedef: matches!(ty, Ty::Record(_)) && rng.chance(25),
    }
}

fn random_param(rng: &mut Rng, spec: &Spec, mode: usize) -> Param {
    let records_of = |f: Flavour| -> Vec<usize> {
        (0..spec.records.len())
            .filter(|k| spec.records[*k].flavour == f)
            .collect()
    };
    let ty = match mode {
        // Mostly floating: runs out of the eight vector registers.
        0 if rng.chance(80) => {
            let floats = records_of(Flavour::Float);
            if !floats.is_empty() && rng.chance(35) {
                Ty::Record(rng.pick(&floats))
            } else {
                Ty::Scalar(rng.pick(&[S::Float, S::Double, S::Double, S::LDouble]))
            }
        }
        // Mostly integers: runs out of the six general registers.
        1 if rng.chance(80) => {
            let ints = records_of(Flavour::Int);
            if !ints.is_empty() && rng.chance(35) {
                Ty::Record(rng.pick(&ints))
            } else if rng.chance(15) {
                Ty::Scalar(S::I128)
            } else {
                Ty::Scalar(rng.pick(&INTEGERS))
            }
        }
        _ => spec.random_param(rng, &MIX),
    };
    param(rng, ty)
}

const EXTRA_SCALARS: [Scalar; 13] = [
    S::Int,
    S::UInt,
    S::Long,
    S::ULLong,
    S::I128,
    S::Short,
    S::UChar,
    S::Bool,
    S::Float,
    S::Double,
    S::LDouble,
    S::Str,
    S::VoidPtr,
];

fn gen_func(rng: &mut Rng, spec: &Spec) -> Func {
    let mode = rng.below(8);
    let variadic = rng.chance(14);
    let count = if variadic {
        rng.below(4)
    } else if rng.chance(22) {
        rng.between(7, 20)
    } else {
        rng.below(7)
    };
    let params = (0..count).map(|_| random_param(rng, spec, mode)).collect();
    let ret = spec.random_result(rng, &MIX).map(|ty| param(rng, ty));
    let extras = variadic.then(|| {
        let n = if rng.chance(30) {
            rng.between(7, 14)
        } else {
            rng.below(7)
        };
        // gcc 12 reads a 16-byte aligned struct out of va_arg's register save area
        // with an aligned load, which faults when the struct starts in an odd
        // register slot (the gcc-compiled driver crashes): no over-aligned records.
        let records: Vec<usize> = (0..spec.records.len())
            .filter(|k| spec.records[*k].align <= 8)
            .collect();
        (0..n)
            .map(|_| {
                if !records.is_empty() && rng.chance(25) {
                    Ty::Record(rng.pick(&records))
                } else {
                    Ty::Scalar(rng.pick(&EXTRA_SCALARS))
                }
            })
            .collect()
    });
    Func {
        ret,
        params,
        extras,
        ..Func::default()
    }
}

/// Picks the argument values and the result of every function.
fn fill_values(rng: &mut Rng, spec: &mut Spec) {
    let mut funcs = std::mem::take(&mut spec.funcs);
    for f in &mut funcs {
        f.args = f.params.iter().map(|p| spec.gen_arg(rng, p.ty)).collect();
        f.extra_args = f
            .extras
            .iter()
            .flatten()
            .map(|ty| spec.gen_arg(rng, *ty))
            .collect();
        f.ret_value = f.ret.map(|p| spec.gen_arg(rng, p.ty));
    }
    spec.funcs = funcs;
}

fn random_spec(seed: u64, count: usize) -> Spec {
    let mut rng = Rng::new(seed);
    let mut spec = Spec::default();
    spec.enums
        .extend((0..6).map(|kind| gen_enum(&mut rng, kind)));
    for _ in 0..count / 2 + 10 {
        let size = record_size(&mut rng);
        let r = spec.gen_record(&mut rng, &MIX, size, false);
        spec.records.push(r);
    }
    for _ in 0..count {
        let f = gen_func(&mut rng, &spec);
        spec.funcs.push(f);
    }
    fill_values(&mut rng, &mut spec);
    spec
}

// ---------------------------------------------------------------------------
// C text.

/// The C statements that log a value of type `ty` held in the variable `var`.
fn c_log(ty: Ty, var: &str) -> String {
    match ty {
        Ty::Scalar(s) => c_put(s, var),
        Ty::Record(k) => format!("wyv_log_r{k}(&{var});"),
    }
}

fn prototype(spec: &Spec, i: usize, f: &Func) -> String {
    let ret = f.ret.map_or("void".to_string(), |p| spec.param_c(p));
    let mut params: Vec<String> = f
        .params
        .iter()
        .enumerate()
        .map(|(j, p)| format!("{} a{j}", spec.param_c(*p)))
        .collect();
    if f.extras.is_some() {
        params.push("int n".into());
        params.push("...".into());
    }
    if params.is_empty() {
        params.push("void".into());
    }
    format!("{ret} f{i}({})", params.join(", "))
}

/// The library's definition of function `i`.
fn func_c(spec: &Spec, i: usize, f: &Func) -> String {
    let mut out = format!("{} {{\n", prototype(spec, i, f));
    for (j, p) in f.params.iter().enumerate() {
        let _ = writeln!(
            out,
            "  wyv_put(\"a{j}=\");\n  {}\n  wyv_put(\";\");",
            c_log(p.ty, &format!("a{j}"))
        );
    }
    if let Some(extras) = &f.extras {
        out.push_str("  va_list ap;\n  va_start(ap, n);\n");
        out.push_str("  wyv_put(\"n=\");\n  wyv_put_i(n);\n  wyv_put(\";\");\n");
        for (j, ty) in extras.iter().enumerate() {
            let p = promoted(*ty);
            let t = spec.type_c(p);
            let _ = writeln!(
                out,
                "  {{\n    {t} v = va_arg(ap, {t});\n    wyv_put(\"v{j}=\");\n    {}\n    wyv_put(\";\");\n  }}",
                c_log(p, "v")
            );
        }
        out.push_str("  va_end(ap);\n");
    }
    match (&f.ret, &f.ret_value) {
        (Some(_), Some(Arg::Scalar(s, leaf))) => {
            let _ = writeln!(out, "  return {};", c_cast(*s, leaf));
        }
        (Some(p), Some(Arg::Object(_, leaves))) => {
            c_fill(&mut out, &spec.param_c(*p), "r", leaves);
            out.push_str("  return r;\n");
        }
        _ => {}
    }
    out.push_str("}\n");
    out
}

/// The driver's test of function `i`: direct calls with the same values.
fn driver_c(spec: &Spec, i: usize, f: &Func) -> String {
    let mut out = format!("static void t{i}(void) {{\n");
    let mut call = Vec::new();
    for (j, (p, arg)) in f.params.iter().zip(&f.args).enumerate() {
        match arg {
            Arg::Scalar(s, leaf) => call.push(c_cast(*s, leaf)),
            Arg::Object(_, leaves) => {
                let var = format!("a{j}");
                c_fill(&mut out, &spec.param_c(*p), &var, leaves);
                call.push(var);
            }
        }
    }
    if f.extras.is_some() {
        call.push(f.extra_args.len().to_string());
        for (j, arg) in f.extra_args.iter().enumerate() {
            match arg {
                Arg::Scalar(s, leaf) => call.push(c_cast(*s, leaf)),
                Arg::Object(k, leaves) => {
                    let var = format!("v{j}");
                    c_fill(&mut out, &spec.record_name(*k), &var, leaves);
                    call.push(var);
                }
            }
        }
    }
    out.push_str("  wyv_reset();\n");
    let call = format!("f{i}({})", call.join(", "));
    match f.ret {
        Some(p) => {
            let _ = writeln!(out, "  {} r = {call};", spec.param_c(p));
        }
        None => {
            let _ = writeln!(out, "  {call};");
        }
    }
    let _ = writeln!(out, "  printf(\"A{i} %s\\n\", wyv_log);");
    if let Some(p) = f.ret {
        let _ = writeln!(
            out,
            "  wyv_reset();\n  {}\n  printf(\"R{i} %s\\n\", wyv_log);",
            c_log(p.ty, "r")
        );
        if let Ty::Record(k) = p.ty {
            let _ = writeln!(
                out,
                "  wyv_reset();\n  dump_r{k}(r);\n  printf(\"D{i} %s\\n\", wyv_log);"
            );
        }
    }
    out.push_str("}\n");
    out
}

/// The generated C: header, library and driver, with each function's pieces
/// kept for failure reports.
struct Sources {
    header: String,
    library: String,
    driver: String,
    enum_defs: Vec<String>,
    record_defs: Vec<String>,
    func_defs: Vec<String>,
    driver_defs: Vec<String>,
}

fn sources(spec: &Spec) -> Sources {
    let enum_defs: Vec<String> = (0..spec.enums.len()).map(|k| spec.enum_c(k)).collect();
    let record_defs: Vec<String> = (0..spec.records.len()).map(|k| spec.record_c(k)).collect();
    let func_defs: Vec<String> = spec
        .funcs
        .iter()
        .enumerate()
        .map(|(i, f)| func_c(spec, i, f))
        .collect();
    let driver_defs: Vec<String> = spec
        .funcs
        .iter()
        .enumerate()
        .map(|(i, f)| driver_c(spec, i, f))
        .collect();

    let mut header = String::from("/* generated by tests/abi_random.rs */\n");
    for e in &enum_defs {
        header.push_str(e);
    }
    for r in &record_defs {
        header.push_str(r);
    }
    header.push_str(&log_declarations(LOG_SIZE));
    for k in 0..spec.records.len() {
        let name = spec.record_name(k);
        let _ = writeln!(
            header,
            "void wyv_log_r{k}(const {name} *v);\nvoid dump_r{k}({name} v);"
        );
    }
    for (i, f) in spec.funcs.iter().enumerate() {
        let _ = writeln!(header, "{};", prototype(spec, i, f));
    }

    let mut library = String::from(
        r#"#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "abi.h"
"#,
    );
    library.push_str(LOG_DEFINITIONS);
    for k in 0..spec.records.len() {
        let name = spec.record_name(k);
        let mut log = CLog {
            out: String::new(),
            pending: String::new(),
            base: "v->".into(),
        };
        spec.walk(Ty::Record(k), "", &mut log);
        log.flush();
        let _ = writeln!(
            library,
            "void wyv_log_r{k}(const {name} *v) {{\n{}}}\n\nvoid dump_r{k}({name} v) {{\n  wyv_put(\"dump=\");\n  wyv_log_r{k}(&v);\n}}\n",
            log.out
        );
    }
    for def in &func_defs {
        library.push_str(def);
        library.push('\n');
    }

    let mut driver =
        String::from("#include <stdio.h>\n#include <string.h>\n#include \"abi.h\"\n\n");
    for def in &driver_defs {
        driver.push_str(def);
        driver.push('\n');
    }
    driver.push_str("int main(void) {\n");
    for i in 0..spec.funcs.len() {
        let _ = writeln!(driver, "  t{i}();");
    }
    driver.push_str("  return 0;\n}\n");

    Sources {
        header,
        library,
        driver,
        enum_defs,
        record_defs,
        func_defs,
        driver_defs,
    }
}

/// The C that reproduces function `i`: the types it uses, its definition and
/// the driver's call.
fn reproducer(spec: &Spec, src: &Sources, i: usize) -> String {
    let f = &spec.funcs[i];
    let all = f
        .params
        .iter()
        .map(|p| p.ty)
        .chain(f.ret.map(|p| p.ty))
        .chain(f.extras.iter().flatten().copied());
    let (records, enums) = spec.used(all);
    let mut out = String::new();
    for k in enums {
        out.push_str(&src.enum_defs[k]);
    }
    for k in records {
        out.push_str(&src.record_defs[k]);
    }
    out.push_str("/* the library */\n");
    out.push_str(&src.func_defs[i]);
    out.push_str("/* the driver's direct call */\n");
    out.push_str(&src.driver_defs[i]);
    out
}

// ---------------------------------------------------------------------------
// The wyvern side.

/// The wyvern value for a variadic argument: its type chosen as C's promotions would.
fn extra_value(s: Scalar, leaf: &Leaf) -> Value {
    let int = match leaf {
        Leaf::Int(v) => *v,
        _ => 0,
    };
    match (s, leaf) {
        (S::Int, _) => Value::Int(int),
        (S::UInt, _) => Value::IntOf(IntKind::UInt, int),
        (S::Long, _) if i32::try_from(int).is_err() => Value::Int(int),
        (S::Long, _) => Value::IntOf(IntKind::Long, int),
        (S::ULLong, _) => Value::IntOf(IntKind::ULongLong, int),
        (S::I128, _) => Value::IntOf(IntKind::Int128, int),
        (S::Short, _) => Value::IntOf(IntKind::Short, int),
        (S::UChar, _) => Value::IntOf(IntKind::UChar, int),
        (S::Float, Leaf::F32(f)) => Value::FloatOf(FloatKind::Float, f64::from(*f)),
        (S::LDouble, Leaf::LDouble(f)) => Value::FloatOf(FloatKind::LongDouble, *f),
        (_, Leaf::Bool(b)) => Value::Bool(*b),
        (_, Leaf::F64(f)) => Value::Float(*f),
        (_, Leaf::Str(Some(s))) => Value::Str(CString::new(s.as_str()).expect("no NUL")),
        (_, Leaf::Str(None) | Leaf::Ptr(0)) => Value::Null,
        (_, Leaf::Ptr(a)) => Value::Pointer(*a as usize),
        (s, leaf) => panic!("no variadic form for {s:?} = {leaf:?}"),
    }
}

/// Calls function `i` through wyvern; returns what differs from the driver's output.
fn check(m: &Module, spec: &Spec, log: &Log, expected: &Expected, i: usize) -> Result<(), String> {
    let f = &spec.funcs[i];
    let name = format!("f{i}");
    let function = m
        .function(&name)
        .map_err(|e| format!("wyvern refused '{name}': {e} ({:?})", e.kind()))?;
    let mut args = Vec::new();
    for arg in &f.args {
        args.push(spec.arg_value(m, arg)?);
    }
    if f.extras.is_some() {
        args.push(Value::Int(f.extra_args.len() as i128));
        for arg in &f.extra_args {
            args.push(match arg {
                Arg::Scalar(s, leaf) => extra_value(*s, leaf),
                Arg::Object(k, leaves) => Value::Data(spec.object(m, *k, leaves)?),
            });
        }
    }
    let want = |tag: char| {
        expected
            .get(&(tag, i))
            .cloned()
            .ok_or_else(|| format!("the driver printed no {tag}{i} line"))
    };
    log.reset();
    // SAFETY: the arguments match the generated prototype; the callee only logs them.
    let ret = unsafe { function.call(&mut args) }
        .map_err(|e| format!("the call failed: {e} ({:?})", e.kind()))?;
    let got = log.read();
    let mut problems = String::new();
    let expected_args = want('A')?;
    if got != expected_args {
        let _ = write!(
            problems,
            "the arguments C received differ\n  gcc:    {expected_args}\n  wyvern: {got}\n"
        );
    }
    match f.ret {
        None => {
            if ret != Value::Void {
                let _ = writeln!(problems, "a void function returned {ret:?}");
            }
        }
        Some(p) => {
            let expected_ret = want('R')?;
            let got_ret = match (p.ty, &ret) {
                (Ty::Scalar(s), v) => fmt_value(s, v),
                (Ty::Record(_), Value::Data(data)) => {
                    let mut fmt = Fmt {
                        data,
                        out: String::new(),
                        error: None,
                    };
                    spec.walk(p.ty, "", &mut fmt);
                    match fmt.error {
                        Some(e) => Err(e),
                        None => Ok(fmt.out),
                    }
                }
                (Ty::Record(_), other) => Err(format!("a record came back as {other:?}")),
            };
            match got_ret {
                Ok(text) if text == expected_ret => {}
                Ok(text) => {
                    let _ = write!(
                        problems,
                        "the result differs\n  gcc:    {expected_ret}\n  wyvern: {text}\n"
                    );
                }
                Err(e) => {
                    let _ = write!(
                        problems,
                        "the result could not be read: {e}\n  gcc:    {expected_ret}\n"
                    );
                }
            }
            if let (Ty::Record(k), Value::Data(data)) = (p.ty, ret) {
                let dump = m
                    .function(&format!("dump_r{k}"))
                    .map_err(|e| format!("wyvern refused 'dump_r{k}': {e}"))?;
                log.reset();
                // SAFETY: dump_r<k> takes one record of the returned type and only logs it.
                let r = unsafe { dump.call(&mut [Value::Data(data)]) };
                let expected_dump = want('D')?;
                match r {
                    Ok(_) => {
                        let got = log.read();
                        if got != expected_dump {
                            let _ = write!(
                                problems,
                                "the result passed back to C (dump_r{k}) differs\n  gcc:    {expected_dump}\n  wyvern: {got}\n"
                            );
                        }
                    }
                    Err(e) => {
                        let _ = writeln!(problems, "dump_r{k} failed: {e}");
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Which spec a run checks, so that the child process can build the same one.
#[derive(Clone, Copy, Debug)]
enum SpecKey {
    Random { seed: u64, count: usize },
    Regressions,
}

impl SpecKey {
    fn encode(self) -> String {
        match self {
            SpecKey::Random { seed, count } => format!("random:{seed}:{count}"),
            SpecKey::Regressions => "regressions".into(),
        }
    }

    fn decode(text: &str) -> SpecKey {
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            ["random", seed, count] => SpecKey::Random {
                seed: seed.parse().expect("a seed"),
                count: count.parse().expect("a count"),
            },
            ["regressions"] => SpecKey::Regressions,
            _ => panic!("unknown spec key {text:?}"),
        }
    }

    fn spec(self) -> Spec {
        match self {
            SpecKey::Random { seed, count } => random_spec(seed, count),
            SpecKey::Regressions => regression_spec(),
        }
    }

    /// How to run this again, for failure messages.
    fn how(self) -> String {
        match self {
            SpecKey::Random { seed, count } => format!(
                "seed {seed:#x} (reproduce: WYVERN_ABI_SEED={seed:#x} WYVERN_ABI_COUNT={count} \
                 cargo test --test it abi_random::random_signatures_match_gcc)"
            ),
            SpecKey::Regressions => {
                "fixed regression signatures (cargo test --test it abi_random::regression)".into()
            }
        }
    }
}

/// The wyvern side: calls functions `from..` of the spec through wyvern, and
/// writes `B <i>` before and `E <i> <problem as JSON or null>` after each call
/// to `results`, unbuffered, so a crash leaves the function it happened in.
fn wyvern_side(spec: &Spec, dir: &Path, from: usize, results: &mut std::fs::File) {
    let (expected, m) = abi::load(dir, "abi.h", "libabi.so");
    let log = Log::new(&m, LOG_SIZE);
    abi::check_items(from, spec.funcs.len(), results, |i| {
        check(&m, spec, &log, &expected, i)
    });
}

/// Runs by [`run_spec`] in a child process; does nothing when run directly.
#[test]
#[ignore = "the wyvern side of the other tests, which run it in a child process"]
fn wyvern_side_in_a_child_process() {
    let Some(task) = ChildTask::from_env(CHILD_ENV) else {
        return;
    };
    let spec = SpecKey::decode(&task.key).spec();
    wyvern_side(&spec, &task.dir, task.from, &mut task.results());
}

struct Outcome {
    signatures: usize,
    failures: Vec<String>,
}

/// Generates and compiles everything for `key`'s spec, runs the driver, then
/// the wyvern side in a child process (again after a crash, from the next
/// function), and collects every signature whose logs differ.
fn run_spec(key: SpecKey, label: &str) -> Outcome {
    let started = Instant::now();
    let spec = key.spec();
    let how = key.how();
    let src = sources(&spec);
    let mut dir = TempDir::new(label);
    if std::env::var_os("WYVERN_ABI_KEEP").is_some() {
        announce(&format!(
            "abi_random: files kept in {}",
            dir.keep().display()
        ));
    }
    let path = dir.path().to_path_buf();
    if let Err(e) = abi::build(
        &path,
        ("abi.h", &src.header),
        ("libabi.so", &src.library),
        &src.driver,
    ) {
        match e {
            BuildError::Library(e) => panic!("{how}: gcc rejected the library:\n{e}"),
            BuildError::Driver(e) => panic!("{how}: gcc rejected the driver:\n{e}"),
            BuildError::Run(e) => panic!("{how}: the driver failed: {e}"),
        }
    }
    let compiled = started.elapsed();

    let report = |i: usize, problem: &str| {
        format!(
            "{how}: f{i} does not match gcc\n  {}\n{}\n--- C ---\n{}",
            prototype(&spec, i, &spec.funcs[i]),
            problem.trim_end(),
            reproducer(&spec, &src, i)
        )
    };
    let mut failures = Vec::new();
    abi::run_children(
        abi::Child {
            module: module_path!(),
            prefix: CHILD_ENV,
        },
        &key.encode(),
        &path,
        spec.funcs.len(),
        &how,
        |i| format!("calling f{i}"),
        |i, finding| {
            failures.push(match finding {
                Finding::Mismatch(problem) => report(i, &problem),
                Finding::Crash(child) => report(
                    i,
                    &format!(
                        "the process crashed calling it through wyvern (exit status {:?}; \
                         probably a result or argument passed the wrong way)\n{}\n",
                        child.status,
                        common::truncate(child.stderr.trim_end(), 2000)
                    ),
                ),
            })
        },
    );
    announce(&format!(
        "abi_random: {label}: {} signatures ({} records, {} variadic, {} returning records), \
         gcc and driver {:.1}s, total {:.1}s, {} mismatches",
        spec.funcs.len(),
        spec.records.len(),
        spec.funcs.iter().filter(|f| f.extras.is_some()).count(),
        spec.funcs
            .iter()
            .filter(|f| matches!(
                f.ret,
                Some(Param {
                    ty: Ty::Record(_),
                    ..
                })
            ))
            .count(),
        compiled.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        failures.len()
    ));
    Outcome {
        signatures: spec.funcs.len(),
        failures,
    }
}

fn fail_with(outcome: &Outcome) {
    if outcome.failures.is_empty() {
        return;
    }
    let shown: Vec<&str> = outcome
        .failures
        .iter()
        .take(5)
        .map(String::as_str)
        .collect();
    let all: Vec<&str> = outcome
        .failures
        .iter()
        .map(|f| f.lines().nth(1).unwrap_or("").trim())
        .collect();
    panic!(
        "{} of {} signatures differ from gcc:\n  {}\n\nThe first {} in detail:\n\n{}",
        outcome.failures.len(),
        outcome.signatures,
        all.join("\n  "),
        shown.len(),
        shown.join("\n")
    );
}

#[test]
fn random_signatures_match_gcc() {
    let seed = env_number("WYVERN_ABI_SEED").unwrap_or(DEFAULT_SEED);
    let count = env_number("WYVERN_ABI_COUNT").map_or(DEFAULT_COUNT, |n| n as usize);
    let key = SpecKey::Random { seed, count };
    announce(&format!("abi_random: {count} signatures, {}", key.how()));
    fail_with(&run_spec(key, &format!("seed-{seed:x}")));
}

// ---------------------------------------------------------------------------
// Fixed signatures.

fn field(name: &str, ty: Ty) -> Field {
    Field {
        name: Some(name.to_string()),
        ..Field::plain(0, ty, Vec::new())
    }
}

fn array(name: &str, ty: Ty, dims: &[usize]) -> Field {
    Field {
        dims: dims.to_vec(),
        ..field(name, ty)
    }
}

fn aligned(f: Field, to: usize) -> Field {
    Field { aligned: to, ..f }
}

fn bitfield(name: Option<&str>, s: Scalar, width: u32) -> Field {
    Field {
        name: name.map(str::to_string),
        bits: Some(width),
        ..field("", sc(s))
    }
}

fn sc(s: Scalar) -> Ty {
    Ty::Scalar(s)
}

/// Builds fixed specs with the random machinery's types.
#[derive(Default)]
struct Fixed {
    spec: Spec,
}

impl Fixed {
    fn record(&mut self, union: bool, packed: bool, fields: Vec<Field>) -> Ty {
        let active = fields
            .iter()
            .position(|f| f.name.is_some())
            .expect("a named member");
        let record = self
            .spec
            .finish(union, packed, Flavour::Wild, fields, active);
        self.spec.records.push(record);
        Ty::Record(self.spec.records.len() - 1)
    }

    fn func(&mut self, ret: Option<Ty>, params: &[Ty], extras: Option<&[Ty]>) {
        let param = |ty: Ty| Param { ty, typedef: false };
        self.spec.funcs.push(Func {
            ret: ret.map(param),
            params: params.iter().copied().map(param).collect(),
            extras: extras.map(<[Ty]>::to_vec),
            ..Func::default()
        });
    }

    fn finish(mut self, seed: u64) -> Spec {
        let mut rng = Rng::new(seed);
        self.spec.enums.push(EnumDef {
            values: vec![-3, 7, 1 << 40],
            size: 8,
        });
        fill_values(&mut rng, &mut self.spec);
        self.spec
    }
}

/// The trickiest cases found so far, each a signature the random test once got
/// wrong (or could get wrong), checked on every run.
fn regression_spec() -> Spec {
    let mut b = Fixed::default();
    let long = sc(S::Long);

    // A record whose only data is a `long double` is returned in st(0) (libffi
    // reads rax:rdx for a struct), and passed in memory.
    let ld = b.record(false, false, vec![field("x", sc(S::LDouble))]);
    let ld_union = b.record(true, false, vec![field("x", sc(S::LDouble))]);
    let ld_array = b.record(false, false, vec![array("x", sc(S::LDouble), &[1])]);
    for t in [ld, ld_union, ld_array] {
        b.func(Some(t), &[t, sc(S::Int), t], None);
    }
    // A union of a `long double` and an int: X87UP after INTEGER, so MEMORY.
    let ld_int = b.record(
        true,
        false,
        vec![field("x", sc(S::LDouble)), field("i", sc(S::Int))],
    );
    b.func(Some(ld_int), &[ld_int, sc(S::Double)], None);

    // libffi < 3.4.7 copies a register struct whole into the sixth GPR's slot,
    // spilling into xmm0's (libffi/libffi#848).
    let float1 = b.record(false, false, vec![field("f", sc(S::Float))]);
    let bits6 = b.record(false, false, vec![bitfield(Some("c"), S::Char, 6)]);
    let int_float = b.record(
        false,
        false,
        vec![
            field("m", bits6),
            bitfield(None, S::LLong, 0),
            field("f", sc(S::Float)),
        ],
    );
    b.func(
        None,
        &[long, long, long, long, long, float1, int_float],
        None,
    );
    let char_double = b.record(
        false,
        false,
        vec![field("x", sc(S::Char)), field("y", sc(S::Double))],
    );
    let c = sc(S::Char);
    b.func(Some(c), &[c, c, c, c, c, sc(S::Float), char_double], None);
    // INTEGER then an eightbyte of padding only, in the sixth GPR after a double.
    let int_pad = b.record(false, false, vec![aligned(field("x", sc(S::Int)), 16)]);
    b.func(
        Some(int_pad),
        &[sc(S::Double), long, long, long, long, long, int_pad],
        None,
    );
    // The same spill in a variadic call, with the struct among the extra arguments.
    b.func(
        Some(sc(S::Int)),
        &[long, long, long, long],
        Some(&[sc(S::Double), char_double, int_float]),
    );
    // ... and with six integer registers already taken: on the stack, 16-aligned.
    b.func(
        Some(int_pad),
        &[long, long, long, long, long, long, int_pad, sc(S::Float)],
        None,
    );

    // gcc classifies a union's bitfield as an integer of the smallest size that
    // holds it, which must be aligned: 17 bits at offset 1 or 2 is MEMORY, 3 bits is not.
    let u17 = b.record(true, true, vec![bitfield(Some("x"), S::Int, 17)]);
    let u3 = b.record(true, false, vec![bitfield(Some("x"), S::Int, 3)]);
    let u40 = b.record(true, false, vec![bitfield(Some("x"), S::Long, 40)]);
    let at1 = b.record(false, false, vec![field("c", sc(S::Char)), field("u", u17)]);
    let at2 = b.record(
        false,
        false,
        vec![field("c", sc(S::Short)), field("u", u17)],
    );
    let small = b.record(false, false, vec![field("c", sc(S::Char)), field("u", u3)]);
    let wide = b.record(false, false, vec![field("u", u40), field("c", sc(S::Char))]);
    for t in [at1, at2, small, wide] {
        b.func(Some(t), &[t, long], None);
    }

    // Only scalars must be aligned: an over-aligned record at offset 1 of a packed
    // one travels in registers; a packed array's later elements are never checked.
    let al8 = b.record(false, false, vec![aligned(field("x", sc(S::Char)), 8)]);
    let packed_al8 = b.record(false, true, vec![field("c", sc(S::Char)), field("s", al8)]);
    let float_short = b.record(
        false,
        true,
        vec![field("f", sc(S::Float)), field("s", sc(S::Short))],
    );
    let pair = b.record(false, false, vec![array("a", float_short, &[2])]);
    let misaligned_int = b.record(
        false,
        true,
        vec![field("c", sc(S::Char)), field("i", sc(S::Int))],
    );
    let int_char = b.record(
        false,
        true,
        vec![field("i", sc(S::Int)), field("c", sc(S::Char))],
    );
    for t in [packed_al8, pair, misaligned_int, int_char] {
        b.func(Some(t), &[t, long, t], None);
    }

    // Out of registers: nine doubles, then an all-SSE struct goes on the stack;
    // an `__int128` with one GPR left goes on the stack, the next int in the GPR.
    let dd = b.record(
        false,
        false,
        vec![field("a", sc(S::Double)), field("b", sc(S::Double))],
    );
    let d = sc(S::Double);
    b.func(Some(dd), &[d, d, d, d, d, d, d, d, dd, d, float1], None);
    b.func(
        Some(sc(S::I128)),
        &[
            long,
            long,
            long,
            long,
            long,
            sc(S::I128),
            sc(S::Int),
            sc(S::U128),
        ],
        None,
    );

    // Variadic `long double`, `__int128`, a promoted float and records by value.
    b.func(
        Some(sc(S::LDouble)),
        &[],
        Some(&[
            sc(S::LDouble),
            sc(S::I128),
            sc(S::Float),
            dd,
            int_float,
            ld,
            sc(S::Short),
            sc(S::Str),
        ]),
    );
    b.finish(0x5eed)
}

#[test]
fn regression_signatures_match_gcc() {
    fail_with(&run_spec(SpecKey::Regressions, "regressions"));
}
