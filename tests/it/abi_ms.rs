//! A seeded random test of `__attribute__((ms_abi))` calls and callbacks
//! against gcc (the Microsoft x64 convention, on this x86-64 Linux host).
//!
//! Random signatures (every integer width, `_Bool`, `float`, `double`,
//! `long double`, `__int128` arguments, `void *`, and structs and unions of
//! 1 to 32 bytes, integer, floating, mixed or of any scalars: those of 1, 2,
//! 4 and 8 bytes travel in a register, the others by reference; results of
//! every kind, records of 1, 2, 4 or 8 bytes in rax and the others through a
//! hidden pointer, `long double` through a hidden pointer too; more than four
//! arguments, so some go on the stack) become one gcc-compiled library:
//!
//! - `f<i>`, mostly `ms_abi` (some `sysv_abi`), logs every argument it
//!   received, field by field (floats by their bits), into a log the library
//!   exports, overwrites its copies of the arguments passed by reference (the
//!   callee owns them), and returns a constant. A gcc-compiled driver calls
//!   each one directly; wyvern calls it through `Module::function(..).call`
//!   and must produce the same log and the same result, and leave its own
//!   argument objects unchanged.
//! - `cb<j>_t` is a function pointer type, mostly `ms_abi` (some `sysv_abi`);
//!   `call_cb<j>(cb<j>_t f)` (default, `ms_abi` or `sysv_abi` itself) calls
//!   `f` with fixed arguments and logs what `f` returned; `cbimpl<j>` is a
//!   gcc-compiled function of that type that logs its arguments and returns a
//!   constant. The driver calls `call_cb<j>(cbimpl<j>)`; wyvern calls
//!   `call_cb<j>` with a [`Callback`] whose closure formats the `Value`s it
//!   received as the C log would and returns the same constant: what the
//!   closure received, what C got back and what `call_cb<j>` returned must
//!   match gcc's. wyvern also calls `cbimpl<j>` through `Module::function_at`
//!   with the pointer type.
//!
//! Every result kind comes first (void, each scalar, one record of each size
//! from 1 to 32 bytes), for functions and for callbacks, then random ones.
//! gcc returns an `ms_abi` `__int128` in xmm0, which libffi cannot read: such
//! functions, function pointers and callbacks must be refused, with a message
//! that says why (`ms_abi_int128_results_are_refused`).
//!
//! The wyvern side runs in a child process (this test binary again, running the
//! ignored test `wyvern_side_in_a_child_process`), so a crash is reported like
//! a mismatch, with its C, and the remaining signatures are still checked.
//! `WYVERN_MS_SEED` (decimal or `0x` hex) picks the seed, `WYVERN_MS_COUNT` the
//! number of functions (callbacks: half as many), `WYVERN_MS_KEEP=1` keeps the
//! generated files.

use crate::common;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use common::abi::{self, announce, parse_expected, BuildError, ChildTask, Expected, Finding, Log};
use common::random_c::{self, log_declarations, Scalar, INTEGERS, LOG_DEFINITIONS};
use common::random_gen::Mix;
use common::random_types::{self, c_cast, deref_to_types, Arg, Flavour, Ty, Types};
use common::{env_number, gcc_compile, run_program, Compiled, Rng, TempDir};
use wyvern::{Callback, ErrorKind, Library, Module, Parser, Value};
use Scalar as S;

const DEFAULT_SEED: u64 = 0x0005_eed0_0a61;
const DEFAULT_COUNT: usize = 160;
const LOG_SIZE: usize = 1 << 16;
/// The prefix of the variables that pass the child process its work.
const CHILD_ENV: &str = "WYVERN_MS";

// ---------------------------------------------------------------------------
// The signatures.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conv {
    Default,
    Ms,
    SysV,
}

impl Conv {
    fn attr(self) -> &'static str {
        match self {
            Conv::Default => "",
            Conv::Ms => "__attribute__((ms_abi)) ",
            Conv::SysV => "__attribute__((sysv_abi)) ",
        }
    }
}

/// A function `f<i>`, or the callback type `cb<j>_t` with its caller.
#[derive(Clone, Debug)]
struct Sig {
    /// `f<i>`'s convention, or `cb<j>_t`'s: mostly `ms_abi`, some `sysv_abi`.
    conv: Conv,
    /// `call_cb<j>`'s convention.
    caller: Conv,
    ret: Option<Ty>,
    params: Vec<Ty>,
    args: Vec<Arg>,
    ret_value: Option<Arg>,
}

/// The records, the functions and the callbacks; the types' methods through `Deref`.
#[derive(Clone, Debug, Default)]
struct Spec {
    types: Types,
    funcs: Vec<Sig>,
    callbacks: Vec<Sig>,
}

deref_to_types!(Spec);

// ---------------------------------------------------------------------------
// Random generation (the types: `common::random_gen`).

/// Plain records, whose layout the generator knows exactly: no bitfields,
/// packing or over-aligned members.
const MIX: Mix = Mix {
    unions: 20,
    packed: 0,
    bitfields: 0,
    aligned: 0,
    flavours: &[Flavour::Int, Flavour::Float, Flavour::Mixed, Flavour::Wild],
    most: (6, 3),
    strings: false,
};

/// Any result type but `__int128` (refused, see the module comment).
fn random_result(rng: &mut Rng, spec: &Spec) -> Option<Ty> {
    loop {
        let ty = spec.random_result(rng, &MIX);
        if !matches!(ty, Some(Ty::Scalar(S::I128 | S::U128))) {
            return ty;
        }
    }
}

/// The results every run covers first: `void`, each scalar (but `__int128`,
/// refused), then the first 32 records (one of each size from 1 to 32 bytes).
fn forced_result(n: usize) -> Option<Option<Ty>> {
    let scalars: Vec<S> = INTEGERS
        .into_iter()
        .chain([S::Float, S::Double, S::LDouble, S::VoidPtr])
        .collect();
    match n {
        0 => Some(None),
        n if n <= scalars.len() => Some(Some(Ty::Scalar(scalars[n - 1]))),
        n if n <= scalars.len() + 32 => Some(Some(Ty::Record(n - 1 - scalars.len()))),
        _ => None,
    }
}

/// Which conventions a spec's signatures have: mostly `ms_abi` (the default
/// test), or System V only (`random_sysv_callbacks_match_gcc`: the default
/// convention or `sysv_abi`, whose callbacks take wyvern's own closure entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Ms,
    SysV,
}

fn gen_sig(rng: &mut Rng, spec: &Spec, n: usize, mode: Mode) -> Sig {
    let count = if rng.chance(35) {
        rng.between(5, 12)
    } else {
        rng.below(5)
    };
    let params: Vec<Ty> = (0..count).map(|_| spec.random_param(rng, &MIX)).collect();
    let ret = forced_result(n).unwrap_or_else(|| random_result(rng, spec));
    let (conv, caller) = match mode {
        Mode::Ms => (
            if rng.chance(15) { Conv::SysV } else { Conv::Ms },
            rng.pick(&[Conv::Default, Conv::Ms, Conv::SysV]),
        ),
        Mode::SysV => (
            rng.pick(&[Conv::Default, Conv::SysV]),
            rng.pick(&[Conv::Default, Conv::SysV]),
        ),
    };
    let args = params.iter().map(|p| spec.gen_arg(rng, *p)).collect();
    let ret_value = ret.map(|t| spec.gen_arg(rng, t));
    Sig {
        conv,
        caller,
        ret,
        params,
        args,
        ret_value,
    }
}

fn random_spec(seed: u64, count: usize, mode: Mode) -> Spec {
    let mut rng = Rng::new(seed);
    let mut spec = Spec::default();
    for k in 0..32 + count / 4 {
        let target = if k < 32 {
            k + 1
        } else if rng.chance(50) {
            rng.pick(&[1, 2, 4, 8])
        } else {
            rng.between(1, 32)
        };
        let r = spec.gen_record(&mut rng, &MIX, target, true);
        spec.records.push(r);
    }
    for i in 0..count {
        let f = gen_sig(&mut rng, &spec, i, mode);
        spec.funcs.push(f);
    }
    for j in 0..count.div_ceil(2) {
        let c = gen_sig(&mut rng, &spec, j, mode);
        spec.callbacks.push(c);
    }
    spec
}

// ---------------------------------------------------------------------------
// C text.

/// The statement that logs the scalar `expr`, then a space.
fn c_put(s: S, expr: &str) -> String {
    format!("{} wyv_put(\" \");", random_c::c_put(s, expr))
}

/// Statements that log the value of type `ty` in the variable `var`.
fn c_log(spec: &Spec, ty: Ty, var: &str, out: &mut String) {
    for (path, s, _) in spec.leaves(ty) {
        let expr = if path.is_empty() {
            var.to_string()
        } else {
            format!("{var}.{path}")
        };
        let _ = writeln!(out, "  {}", c_put(s, &expr));
    }
}

/// Statements that declare `var` and give it the value `arg`.
fn c_fill(spec: &Spec, ty: Ty, var: &str, arg: &Arg, out: &mut String) {
    let spelled = spec.type_c(ty);
    match arg {
        Arg::Scalar(s, leaf) => {
            let _ = writeln!(out, "  {spelled} {var} = {};", c_cast(*s, leaf));
        }
        Arg::Object(_, leaves) => random_types::c_fill(out, &spelled, var, leaves),
    }
}

fn params_c(spec: &Spec, params: &[Ty], named: bool) -> String {
    if params.is_empty() {
        return "void".into();
    }
    let list: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if named {
                format!("{} a{i}", spec.type_c(*p))
            } else {
                spec.type_c(*p)
            }
        })
        .collect();
    list.join(", ")
}

fn ret_c(spec: &Spec, ret: Option<Ty>) -> String {
    ret.map_or("void".into(), |t| spec.type_c(t))
}

/// The body of a function that logs its arguments `a0..` and returns `sig.ret_value`.
fn logging_body(spec: &Spec, sig: &Sig) -> String {
    let mut out = String::from("{\n");
    for (i, p) in sig.params.iter().enumerate() {
        c_log(spec, *p, &format!("a{i}"), &mut out);
        out.push_str("  wyv_put(\"|\");\n");
    }
    // The callee owns its copy of an argument passed by reference: it may write it.
    for (i, p) in sig.params.iter().enumerate() {
        if !matches!(p, Ty::Scalar(s) if s.size() <= 8) {
            let _ = writeln!(out, "  wyv_clobber(&a{i}, sizeof a{i});");
        }
    }
    if let (Some(t), Some(v)) = (sig.ret, &sig.ret_value) {
        c_fill(spec, t, "r", v, &mut out);
        out.push_str("  return r;\n");
    }
    out.push_str("}\n");
    out
}

fn func_proto(spec: &Spec, i: usize) -> String {
    let f = &spec.funcs[i];
    format!(
        "{}{} f{i}({})",
        f.conv.attr(),
        ret_c(spec, f.ret),
        params_c(spec, &f.params, true)
    )
}

fn cb_decls(spec: &Spec, j: usize) -> String {
    let c = &spec.callbacks[j];
    let ret = ret_c(spec, c.ret);
    format!(
        "typedef {ret} ({}*cb{j}_t)({});\n\
         {}{ret} call_cb{j}(cb{j}_t f);\n\
         {}{ret} cbimpl{j}({});\n",
        c.conv.attr(),
        params_c(spec, &c.params, false),
        c.caller.attr(),
        c.conv.attr(),
        params_c(spec, &c.params, true)
    )
}

/// `call_cb<j>` and `cbimpl<j>`.
fn cb_defs(spec: &Spec, j: usize) -> String {
    let c = &spec.callbacks[j];
    let ret = ret_c(spec, c.ret);
    let mut out = format!("{}{ret} call_cb{j}(cb{j}_t f) {{\n", c.caller.attr());
    for (i, (p, a)) in c.params.iter().zip(&c.args).enumerate() {
        c_fill(spec, *p, &format!("a{i}"), a, &mut out);
    }
    let args: Vec<String> = (0..c.params.len()).map(|i| format!("a{i}")).collect();
    match c.ret {
        None => {
            let _ = writeln!(out, "  f({});\n  wyv_put(\"ret:\");\n}}", args.join(", "));
        }
        Some(t) => {
            let _ = writeln!(
                out,
                "  {ret} r = f({});\n  wyv_put(\"ret:\");",
                args.join(", ")
            );
            c_log(spec, t, "r", &mut out);
            out.push_str("  return r;\n}\n");
        }
    }
    let _ = write!(
        out,
        "{}{ret} cbimpl{j}({}) {}",
        c.conv.attr(),
        params_c(spec, &c.params, true),
        logging_body(spec, c)
    );
    out
}

/// The driver's direct call of `f<i>`.
fn func_driver(spec: &Spec, i: usize) -> String {
    let f = &spec.funcs[i];
    let mut out = format!("static void t{i}(void) {{\n");
    for (k, (p, a)) in f.params.iter().zip(&f.args).enumerate() {
        c_fill(spec, *p, &format!("a{k}"), a, &mut out);
    }
    let args: Vec<String> = (0..f.params.len()).map(|k| format!("a{k}")).collect();
    out.push_str("  wyv_reset();\n");
    match f.ret {
        None => {
            let _ = writeln!(out, "  f{i}({});", args.join(", "));
        }
        Some(t) => {
            let _ = writeln!(out, "  {} r = f{i}({});", spec.type_c(t), args.join(", "));
        }
    }
    let _ = writeln!(out, "  printf(\"A{i} %s\\n\", wyv_log);");
    if let Some(t) = f.ret {
        out.push_str("  wyv_reset();\n");
        c_log(spec, t, "r", &mut out);
        let _ = writeln!(out, "  printf(\"R{i} %s\\n\", wyv_log);");
    }
    out.push_str("}\n");
    out
}

/// The driver's `call_cb<j>(cbimpl<j>)`.
fn cb_driver(spec: &Spec, j: usize) -> String {
    let c = &spec.callbacks[j];
    let mut out = format!("static void c{j}(void) {{\n  wyv_reset();\n");
    match c.ret {
        None => {
            let _ = writeln!(out, "  call_cb{j}(cbimpl{j});");
        }
        Some(t) => {
            let _ = writeln!(out, "  {} r = call_cb{j}(cbimpl{j});", spec.type_c(t));
        }
    }
    let _ = writeln!(out, "  printf(\"C{j} %s\\n\", wyv_log);");
    if let Some(t) = c.ret {
        out.push_str("  wyv_reset();\n");
        c_log(spec, t, "r", &mut out);
        let _ = writeln!(out, "  printf(\"Q{j} %s\\n\", wyv_log);");
    }
    out.push_str("}\n");
    out
}

struct Sources {
    header: String,
    library: String,
    driver: String,
}

/// What the library defines besides the log ([`LOG_DEFINITIONS`]).
const CLOBBER: &str = r#"
__attribute__((noinline)) void wyv_clobber(void *p, unsigned long n) {
  volatile unsigned char *q = p;
  while (n--)
    *q++ = 0x5a;
}
"#;

fn sources(spec: &Spec) -> Sources {
    let mut header = String::from("/* generated by tests/abi_ms.rs */\n");
    header.push_str(&log_declarations(LOG_SIZE));
    header.push_str("void wyv_clobber(void *p, unsigned long n);\n");
    for k in 0..spec.records.len() {
        header.push_str(&spec.record_c(k));
    }
    for i in 0..spec.funcs.len() {
        let _ = writeln!(header, "{};", func_proto(spec, i));
    }
    for j in 0..spec.callbacks.len() {
        header.push_str(&cb_decls(spec, j));
    }

    let mut library = String::from("#include <stdio.h>\n#include <string.h>\n#include \"ms.h\"\n");
    library.push_str(LOG_DEFINITIONS);
    library.push_str(CLOBBER);
    for i in 0..spec.funcs.len() {
        let _ = write!(
            library,
            "{} {}",
            func_proto(spec, i),
            logging_body(spec, &spec.funcs[i])
        );
    }
    for j in 0..spec.callbacks.len() {
        library.push_str(&cb_defs(spec, j));
    }

    let mut driver = String::from("#include <stdio.h>\n#include <string.h>\n#include \"ms.h\"\n");
    for i in 0..spec.funcs.len() {
        driver.push_str(&func_driver(spec, i));
    }
    for j in 0..spec.callbacks.len() {
        driver.push_str(&cb_driver(spec, j));
    }
    driver.push_str("int main(void) {\n");
    for k in 0..spec.records.len() {
        let _ = writeln!(
            driver,
            "  printf(\"S{k} %zu\\n\", sizeof({}));",
            spec.record_name(k)
        );
    }
    for i in 0..spec.funcs.len() {
        let _ = writeln!(driver, "  t{i}();");
    }
    for j in 0..spec.callbacks.len() {
        let _ = writeln!(driver, "  c{j}();");
    }
    driver.push_str("  return 0;\n}\n");
    Sources {
        header,
        library,
        driver,
    }
}

/// The C that reproduces item `n` (a function, or a callback after the functions).
fn reproducer(spec: &Spec, n: usize) -> String {
    let sig = item(spec, n);
    let (records, _) = spec.used(sig.params.iter().chain(&sig.ret).copied());
    let mut out: String = records.iter().map(|k| spec.record_c(*k)).collect();
    if n < spec.funcs.len() {
        let _ = write!(
            out,
            "{} {}{}",
            func_proto(spec, n),
            logging_body(spec, sig),
            func_driver(spec, n)
        );
    } else {
        let j = n - spec.funcs.len();
        out.push_str(&cb_decls(spec, j));
        out.push_str(&cb_defs(spec, j));
        out.push_str(&cb_driver(spec, j));
    }
    out
}

fn item(spec: &Spec, n: usize) -> &Sig {
    spec.funcs
        .get(n)
        .unwrap_or_else(|| &spec.callbacks[n - spec.funcs.len()])
}

fn item_name(spec: &Spec, n: usize) -> String {
    if n < spec.funcs.len() {
        format!("f{n}")
    } else {
        format!("cb{}_t", n - spec.funcs.len())
    }
}

// ---------------------------------------------------------------------------
// The wyvern side.

/// What the C log prints for a scalar of type `s` that wyvern holds as `v`.
fn fmt_leaf(s: S, v: &Value) -> Result<String, String> {
    random_c::fmt_value(s, v).map(|text| text + " ")
}

/// What the C log prints for a value of type `ty` that wyvern holds as `v`.
fn fmt_value(spec: &Spec, ty: Ty, v: &Value) -> Result<String, String> {
    match (ty, v) {
        (Ty::Scalar(s), v) => fmt_leaf(s, v),
        (Ty::Record(_), Value::Data(data)) => {
            let mut out = String::new();
            for (path, s, _) in spec.leaves(ty) {
                let v = data.get(&path).map_err(|e| format!("get('{path}'): {e}"))?;
                out.push_str(&fmt_leaf(s, &v).map_err(|e| format!("'{path}': {e}"))?);
            }
            Ok(out)
        }
        (Ty::Record(k), v) => Err(format!("a '{}' came as {v:?}", spec.record_name(k))),
    }
}

fn want(expected: &Expected, tag: char, n: usize) -> Result<&str, String> {
    expected
        .get(&(tag, n))
        .map(String::as_str)
        .ok_or_else(|| format!("the driver printed no {tag}{n} line"))
}

fn compare(problems: &mut String, what: &str, gcc: &str, wyvern: &str) {
    if gcc != wyvern {
        let _ = write!(
            problems,
            "{what} differ\n  gcc:    {gcc}\n  wyvern: {wyvern}\n"
        );
    }
}

/// Compares a result wyvern got with the text the C log printed for it.
fn compare_result(problems: &mut String, spec: &Spec, sig: &Sig, got: &Value, gcc: Option<&str>) {
    match (sig.ret, gcc) {
        (None, _) => {
            if *got != Value::Void {
                let _ = writeln!(problems, "a void function returned {got:?}");
            }
        }
        (Some(t), Some(gcc)) => match fmt_value(spec, t, got) {
            Ok(text) => compare(problems, "the results", gcc, &text),
            Err(e) => {
                let _ = write!(
                    problems,
                    "the result could not be read: {e}\n  gcc: {gcc}\n"
                );
            }
        },
        (Some(_), None) => problems.push_str("gcc printed no result\n"),
    }
}

/// The bytes of every object argument, to check that a callee writing its copy
/// of one (passed by reference) leaves the caller's object alone.
fn snapshot(args: &[Value]) -> Vec<Option<Vec<u8>>> {
    args.iter()
        .map(|a| a.as_data().map(|d| d.bytes().to_vec()))
        .collect()
}

fn check_unchanged(problems: &mut String, before: &[Option<Vec<u8>>], args: &[Value]) {
    for (k, (was, now)) in before.iter().zip(snapshot(args)).enumerate() {
        if *was != now {
            let _ = writeln!(
                problems,
                "argument {k}: the callee wrote its copy, and the caller's object changed \
                 ({was:02x?} became {now:02x?})"
            );
        }
    }
}

fn check_func(
    m: &Module,
    spec: &Spec,
    log: &Log,
    expected: &Expected,
    i: usize,
) -> Result<(), String> {
    let f = &spec.funcs[i];
    let function = m
        .function(&format!("f{i}"))
        .map_err(|e| format!("wyvern refused it: {e}"))?;
    let mut args = f
        .args
        .iter()
        .map(|a| spec.arg_value(m, a))
        .collect::<Result<Vec<_>, _>>()?;
    let before = snapshot(&args);
    log.reset();
    // SAFETY: the arguments match the generated prototype; the callee only logs
    // them (and writes its own copies).
    let ret = unsafe { function.call(&mut args) }.map_err(|e| format!("the call failed: {e}"))?;
    let mut problems = String::new();
    check_unchanged(&mut problems, &before, &args);
    compare(
        &mut problems,
        "the arguments C received",
        want(expected, 'A', i)?,
        &log.read(),
    );
    let gcc = f.ret.map(|_| want(expected, 'R', i)).transpose()?;
    compare_result(&mut problems, spec, f, &ret, gcc);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_callback(
    m: &Module,
    spec: &Spec,
    log: &Log,
    expected: &Expected,
    j: usize,
) -> Result<(), String> {
    let c = &spec.callbacks[j];
    let gcc_log = want(expected, 'C', j)?;
    let (gcc_args, gcc_ret) = gcc_log
        .split_once("ret:")
        .ok_or_else(|| format!("no 'ret:' in gcc's log {gcc_log:?}"))?;
    let ret_value = c
        .ret_value
        .as_ref()
        .map(|a| spec.arg_value(m, a))
        .transpose()?;
    let received = Mutex::new(Vec::new());
    let callback = Callback::with_type_name(m.types(), &format!("cb{j}_t"), |args: &[Value]| {
        let mut text = String::new();
        if args.len() != c.params.len() {
            text = format!("<{} arguments>", args.len());
        }
        for (ty, v) in c.params.iter().zip(args) {
            text.push_str(&fmt_value(spec, *ty, v).unwrap_or_else(|e| format!("<{e}>")));
            text.push('|');
        }
        received.lock().unwrap().push(text);
        ret_value.clone().unwrap_or(Value::Void)
    })
    .map_err(|e| format!("wyvern refused the callback type: {e}"))?;
    let call = m
        .function(&format!("call_cb{j}"))
        .map_err(|e| format!("wyvern refused call_cb{j}: {e}"))?;
    log.reset();
    // SAFETY: call_cb<j> takes one callback of this type and calls it once.
    let ret = unsafe { call.call(&mut [callback.to_value()]) }
        .map_err(|e| format!("calling call_cb{j} failed: {e}"))?;
    let mut problems = String::new();
    let received = std::mem::take(&mut *received.lock().unwrap());
    if received.len() == 1 {
        compare(
            &mut problems,
            "the arguments the callback received",
            gcc_args,
            &received[0],
        );
    } else {
        let _ = writeln!(
            problems,
            "the callback ran {} times instead of once",
            received.len()
        );
    }
    compare(
        &mut problems,
        "the callback results C got back",
        gcc_ret,
        log.read().trim_start_matches("ret:"),
    );
    let gcc_q = c.ret.map(|_| want(expected, 'Q', j)).transpose()?;
    compare_result(&mut problems, spec, c, &ret, gcc_q);

    // The gcc-compiled callback, called through its function pointer type.
    let ty = m
        .types()
        .type_named(&format!("cb{j}_t"))
        .map_err(|e| format!("type_named('cb{j}_t'): {e}"))?;
    let address = m
        .symbol(&format!("cbimpl{j}"))
        .map_err(|e| format!("no cbimpl{j}: {e}"))? as usize;
    // SAFETY: cbimpl<j> is a function of type cb<j>_t in the loaded library.
    let function = unsafe { m.function_at(&format!("cbimpl{j}"), ty, address) }
        .map_err(|e| format!("function_at(cbimpl{j}) refused: {e}"))?;
    let mut args = c
        .args
        .iter()
        .map(|a| spec.arg_value(m, a))
        .collect::<Result<Vec<_>, _>>()?;
    let before = snapshot(&args);
    log.reset();
    // SAFETY: the arguments match the callback type; the callee only logs them
    // (and writes its own copies).
    let ret = unsafe { function.call(&mut args) }
        .map_err(|e| format!("calling cbimpl{j} through cb{j}_t failed: {e}"))?;
    check_unchanged(&mut problems, &before, &args);
    compare(
        &mut problems,
        "the arguments cbimpl{j} received through function_at",
        gcc_args,
        &log.read(),
    );
    let gcc_ret = c.ret.map(|_| gcc_ret);
    compare_result(&mut problems, spec, c, &ret, gcc_ret);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Checks items `from..` (functions, then callbacks), writing `B <n>` before and
/// `E <n> <problem as JSON or null>` after each to `results`, unbuffered, so a
/// crash leaves the item it happened in.
fn wyvern_side(spec: &Spec, dir: &Path, from: usize, results: &mut std::fs::File) {
    let (expected, m) = abi::load(dir, "ms.h", "libms.so");
    let log = Log::new(&m, LOG_SIZE);
    let total = spec.funcs.len() + spec.callbacks.len();
    abi::check_items(from, total, results, |n| {
        if n < spec.funcs.len() {
            check_func(&m, spec, &log, &expected, n)
        } else {
            check_callback(&m, spec, &log, &expected, n - spec.funcs.len())
        }
    });
}

/// Run by [`run_spec`] in a child process; does nothing when run directly.
#[test]
#[ignore = "the wyvern side of the random test, which runs it in a child process"]
fn wyvern_side_in_a_child_process() {
    let Some(task) = ChildTask::from_env(CHILD_ENV) else {
        return;
    };
    let fields: Vec<&str> = task.key.split(':').collect();
    let [seed, count, mode, closures] = fields[..] else {
        panic!("seed:count:mode:closures, not {}", task.key);
    };
    if closures == "libffi" {
        // Before any callback is made: this child runs one test on one thread.
        std::env::set_var("WYVERN_LIBFFI_CALLBACKS", "1");
    }
    let mode = if mode == "sysv" { Mode::SysV } else { Mode::Ms };
    let spec = random_spec(
        seed.parse().expect("a seed"),
        count.parse().expect("a count"),
        mode,
    );
    wyvern_side(&spec, &task.dir, task.from, &mut task.results());
}

// ---------------------------------------------------------------------------
// The tests.

/// Builds everything for `(seed, count)`, runs the driver and then the wyvern
/// side in child processes (again after a crash, from the next item), and
/// returns a report for every item that differs from gcc.
fn run_spec(seed: u64, count: usize, mode: Mode) -> Vec<String> {
    let started = Instant::now();
    let test = match mode {
        Mode::Ms => "random_ms_abi_signatures_match_gcc",
        Mode::SysV => "random_sysv_callbacks_match_gcc",
    };
    let how = format!(
        "seed {seed:#x} (reproduce: WYVERN_MS_SEED={seed:#x} WYVERN_MS_COUNT={count} \
         cargo test --test it abi_ms::{test})"
    );
    let spec = random_spec(seed, count, mode);
    let src = sources(&spec);
    let mut dir = TempDir::new(&format!("ms-{seed:x}"));
    if std::env::var_os("WYVERN_MS_KEEP").is_some() {
        announce(&format!("abi_ms: files kept in {}", dir.keep().display()));
    }
    let path = dir.path().to_path_buf();
    let output = abi::build(
        &path,
        ("ms.h", &src.header),
        ("libms.so", &src.library),
        &src.driver,
    )
    .unwrap_or_else(|e| match e {
        BuildError::Library(e) => panic!(
            "{how}: gcc rejected the library:\n{}",
            common::truncate(&e, 4000)
        ),
        BuildError::Driver(e) => panic!(
            "{how}: gcc rejected the driver:\n{}",
            common::truncate(&e, 4000)
        ),
        BuildError::Run(e) => panic!("{how}: the driver failed: {e}"),
    });
    let expected = parse_expected(&output);
    // The generator aims records at exact sizes (1, 2, 4 and 8 bytes travel in
    // registers): check its layout against gcc's.
    for (k, r) in spec.records.iter().enumerate() {
        let gcc = want(&expected, 'S', k).expect("a size line");
        assert_eq!(
            gcc,
            r.size.to_string(),
            "{how}: the generator's size of {} is wrong\n{}",
            spec.record_name(k),
            spec.record_c(k)
        );
    }
    let compiled = started.elapsed();

    let total = spec.funcs.len() + spec.callbacks.len();
    let report = |n: usize, problem: &str| {
        format!(
            "{how}: {} does not match gcc\n{}\n--- C ---\n{}",
            item_name(&spec, n),
            problem.trim_end(),
            reproducer(&spec, n)
        )
    };
    let mut failures = Vec::new();
    // System V callbacks take wyvern's own closure entry; they are checked
    // through libffi's closures too (`WYVERN_LIBFFI_CALLBACKS`).
    let (mode_name, closures): (&str, &[&str]) = match mode {
        Mode::Ms => ("ms", &["default"]),
        Mode::SysV => ("sysv", &["default", "libffi"]),
    };
    for closure in closures {
        abi::run_children(
            abi::Child {
                module: module_path!(),
                prefix: CHILD_ENV,
            },
            &format!("{seed}:{count}:{mode_name}:{closure}"),
            &path,
            total,
            &how,
            |n| format!("item {n}"),
            |n, finding| {
                let found = match finding {
                    Finding::Mismatch(problem) => problem,
                    Finding::Crash(child) => format!(
                        "the process crashed checking it (exit status {:?})\n{}",
                        child.status,
                        common::truncate(child.stderr.trim_end(), 2000)
                    ),
                };
                failures.push(report(n, &format!("(callbacks: {closure}) {found}")));
            },
        );
    }
    // Records in the signatures of `ms_abi` functions and callback types, by how
    // they travel: in a register (1, 2, 4 or 8 bytes) or by reference.
    let (mut in_register, mut by_reference) = (0, 0);
    for sig in spec.funcs.iter().chain(&spec.callbacks) {
        for ty in sig.params.iter().chain(&sig.ret) {
            match ty {
                Ty::Record(k) if sig.conv == Conv::Ms => {
                    if matches!(spec.records[*k].size, 1 | 2 | 4 | 8) {
                        in_register += 1;
                    } else {
                        by_reference += 1;
                    }
                }
                _ => {}
            }
        }
    }
    announce(&format!(
        "abi_ms ({mode_name}): seed {seed:#x}: {} functions ({} ms_abi), {} callbacks ({} ms_abi), {} records; \
         ms_abi records in registers {in_register}, by reference {by_reference}; \
         gcc and driver {:.1}s, total {:.1}s, {} mismatches",
        spec.funcs.len(),
        spec.funcs.iter().filter(|f| f.conv == Conv::Ms).count(),
        spec.callbacks.len(),
        spec.callbacks.iter().filter(|c| c.conv == Conv::Ms).count(),
        spec.records.len(),
        compiled.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        failures.len()
    ));
    failures
}

#[test]
fn random_ms_abi_signatures_match_gcc() {
    let seed = env_number("WYVERN_MS_SEED").unwrap_or(DEFAULT_SEED);
    let count = env_number("WYVERN_MS_COUNT").map_or(DEFAULT_COUNT, |n| n as usize);
    fail_on(run_spec(seed, count, Mode::Ms));
}

/// The same harness with System V signatures only (the default convention and
/// `sysv_abi`): every callback with a register-only signature enters through
/// wyvern's own closure entry, and each is checked again through libffi's
/// closures; both must match gcc.
#[test]
fn random_sysv_callbacks_match_gcc() {
    let seed = env_number("WYVERN_MS_SEED").unwrap_or(DEFAULT_SEED ^ 0x5e5);
    let count = env_number("WYVERN_MS_COUNT").map_or(DEFAULT_COUNT, |n| n as usize);
    fail_on(run_spec(seed, count, Mode::SysV));
}

fn fail_on(failures: Vec<String>) {
    if failures.is_empty() {
        return;
    }
    let all: Vec<&str> = failures
        .iter()
        .map(|f| f.lines().next().unwrap_or(""))
        .collect();
    let shown: Vec<&str> = failures.iter().take(4).map(String::as_str).collect();
    panic!(
        "{} signatures differ from gcc:\n  {}\n\nThe first {} in detail:\n\n{}",
        failures.len(),
        all.join("\n  "),
        shown.len(),
        shown.join("\n")
    );
}

/// gcc returns an `ms_abi` `__int128` in xmm0, which libffi's win64 ABI cannot
/// read: wyvern must refuse such functions, function pointers and callbacks
/// and say why, while it passes `__int128` arguments (by reference) and returns
/// records of 16 bytes (through a hidden pointer) as gcc does.
#[test]
fn ms_abi_int128_results_are_refused() {
    let dir = TempDir::new("ms-int128");
    let header = "\
__attribute__((ms_abi)) __int128 neg(__int128 x);
__attribute__((ms_abi)) unsigned __int128 twice(unsigned __int128 x);
typedef __int128 (__attribute__((ms_abi)) *wide_cb)(int);
struct two { long lo, hi; };
__attribute__((ms_abi)) struct two split(__int128 x, int k, unsigned __int128 y);
";
    std::fs::write(dir.path().join("w.h"), header).expect("write w.h");
    let library = "#include \"w.h\"
__attribute__((ms_abi)) __int128 neg(__int128 x) { return -x; }
__attribute__((ms_abi)) unsigned __int128 twice(unsigned __int128 x) { return 2 * x; }
__attribute__((ms_abi)) struct two split(__int128 x, int k, unsigned __int128 y) {
  struct two t = { (long)x + k, (long)(y >> 64) };
  return t;
}
";
    let lib = match gcc_compile(dir.path(), "libw.so", library, &["-O1", "-shared", "-fPIC"]) {
        Compiled::Ok(p) => p,
        Compiled::Failed(e) => panic!("gcc rejected the library:\n{e}"),
    };
    let driver = "#include <stdio.h>
#include \"w.h\"
int main(void) {
  __int128 x = -((__int128)7 << 70) + 12345;
  unsigned __int128 y = ((unsigned __int128)0xfedcba9876543210ULL << 64) | 3;
  struct two t = split(x, -5, y);
  printf(\"%ld %ld\\n\", t.lo, t.hi);
  return 0;
}
";
    let rpath = format!("-Wl,-rpath,{}", dir.path().display());
    let exe = match gcc_compile(
        dir.path(),
        "driver",
        driver,
        &["-O1", "-Wl,--no-as-needed", "libw.so", &rpath],
    ) {
        Compiled::Ok(p) => p,
        Compiled::Failed(e) => panic!("gcc rejected the driver:\n{e}"),
    };
    let gcc = run_program(&exe).expect("the driver runs");

    let types = Parser::new()
        .header(dir.path().join("w.h").to_str().expect("a UTF-8 path"))
        .parse()
        .expect("parse w.h");
    // SAFETY: the library has no initialisers.
    let m = Module::new(
        types.clone(),
        unsafe { Library::open(lib.to_str().expect("a UTF-8 path")) }.expect("open libw.so"),
    );
    let refused = |what: &str, result: wyvern::Result<()>| {
        let e = result.expect_err(&format!("{what}: an ms_abi __int128 result was accepted"));
        let text = e.to_string();
        assert!(
            matches!(e.kind(), ErrorKind::Uncallable { .. })
                && text.contains("__int128")
                && text.contains("ms_abi"),
            "{what}: refused with an unclear error: {text} ({:?})",
            e.kind()
        );
    };
    refused("neg", m.function("neg").map(drop));
    refused("twice", m.function("twice").map(drop));
    let cb_ty = types.type_named("wide_cb").expect("wide_cb");
    // SAFETY: not called (it is refused); the address is a real function.
    let address = m.symbol("neg").expect("neg") as usize;
    refused("function_at(wide_cb)", unsafe {
        m.function_at("p", cb_ty, address).map(drop)
    });
    refused(
        "Callback(wide_cb)",
        Callback::with_type_name(&types, "wide_cb", |_: &[Value]| 0).map(drop),
    );

    let split = m
        .function("split")
        .expect("__int128 arguments are accepted");
    let x = -(7i128 << 70) + 12345;
    let y = (0xfedc_ba98_7654_3210u128 << 64) | 3;
    // SAFETY: the arguments match the prototype.
    let r = unsafe { split.call(&mut [Value::Int(x), Value::Int(-5), Value::U128(y)]) }
        .expect("call split");
    let data = r.as_data().expect("a struct");
    let got = format!(
        "{} {}\n",
        data.get("lo").unwrap().as_int().unwrap(),
        data.get("hi").unwrap().as_int().unwrap()
    );
    assert_eq!(got, gcc, "split(__int128, int, unsigned __int128)");
}
