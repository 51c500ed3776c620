//! One call of `int add(int, int)`, of `double dot(struct P, struct P)` and of
//! `struct P3 scale3(struct P3, double)` (a result returned through memory),
//! built with `gcc -O2 -shared -fPIC` at startup, four ways: directly through a
//! Rust function pointer, through a hand-built libffi `ffi_cif`, through
//! wyvern's checked `Function::call` (for `scale3`, `Function::call_into` a
//! result object the caller keeps), and through `Function::typed`. Prints the
//! ratios from one run (targets: dynamic `add` and `dot` ≤ 3× the direct call,
//! dynamic `scale3` ≤ 1.0× raw libffi; typed ≤ 1.05× direct).
//! Then a C loop calling back into Rust: a C function pointer, a raw libffi
//! closure and a wyvern `Callback` (target: ≤ 1.5× the raw closure).

use std::ffi::c_void;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::ptr::{self, addr_of_mut, null_mut};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use libffi::raw as ffi;
use wyvern::{CData, Function, Library, Module, Parser, Value};

const HEADER: &str = "struct P { double x, y; };\n\
                      struct P3 { double x, y, z; };\n\
                      int add(int a, int b);\n\
                      double dot(struct P a, struct P b);\n\
                      struct P3 scale3(struct P3 p, double k);\n";

const SOURCE: &str = "#include \"call.h\"\n\
                      int add(int a, int b) { return a + b; }\n\
                      double dot(struct P a, struct P b) { return a.x * b.x + a.y * b.y; }\n\
                      struct P3 scale3(struct P3 p, double k) { struct P3 r = { p.x * k, p.y * k, p.z * k }; return r; }\n";

wyvern::c_struct! {
    /// `struct P` of the header.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct P { pub x: f64, pub y: f64 }
}

wyvern::c_struct! {
    /// `struct P3` of the header.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct P3 { pub x: f64, pub y: f64, pub z: f64 }
}

type AddFn = unsafe extern "C" fn(i32, i32) -> i32;
type DotFn = unsafe extern "C" fn(P, P) -> f64;
type Scale3Fn = unsafe extern "C" fn(P3, f64) -> P3;

const A: i32 = 20;
const B: i32 = 22;
const P1: P = P { x: 1.5, y: 2.0 };
const P2: P = P { x: 3.0, y: -0.5 };
const Q: P3 = P3 {
    x: 1.5,
    y: -2.25,
    z: 0.125,
};
const K: f64 = 2.5;

/// A `struct P3` result as one number: every way must compute the same.
fn p3_number(p: P3) -> f64 {
    p.x + p.y * 10.0 + p.z * 100.0
}

/// The four ways to call, in table order.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Direct,
    RawLibffi,
    Dynamic,
    Typed,
}

const WAYS: [Way; 4] = [Way::Direct, Way::RawLibffi, Way::Dynamic, Way::Typed];

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Direct => "direct",
            Way::RawLibffi => "raw libffi",
            Way::Dynamic => "wyvern dynamic",
            Way::Typed => "wyvern typed",
        }
    }
}

/// The functions, in table order.
#[derive(Clone, Copy, PartialEq)]
enum Func {
    Add,
    Dot,
    Scale3,
}

const FUNCS: [Func; 3] = [Func::Add, Func::Dot, Func::Scale3];

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::Add => "add",
            Func::Dot => "dot",
            Func::Scale3 => "scale3",
        }
    }
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A prepared libffi call, built by hand, with everything its cif points into.
struct RawCall {
    cif: Box<ffi::ffi_cif>,
    _arg_types: Box<[*mut ffi::ffi_type]>,
    _record: Option<(Box<ffi::ffi_type>, Box<[*mut ffi::ffi_type]>)>,
    code: unsafe extern "C" fn(),
}

impl RawCall {
    /// # Safety
    /// `code` is a function of the type the types describe.
    unsafe fn new(
        code: *mut c_void,
        ret: *mut ffi::ffi_type,
        mut arg_types: Box<[*mut ffi::ffi_type]>,
        record: Option<(Box<ffi::ffi_type>, Box<[*mut ffi::ffi_type]>)>,
    ) -> RawCall {
        let mut cif: Box<ffi::ffi_cif> = Box::default();
        // SAFETY: the types are libffi's statics or boxed here, and live as long as `cif`.
        let status = unsafe {
            ffi::ffi_prep_cif(
                &mut *cif,
                ffi::ffi_abi_FFI_DEFAULT_ABI,
                arg_types.len() as u32,
                ret,
                arg_types.as_mut_ptr(),
            )
        };
        assert_eq!(status, ffi::ffi_status_FFI_OK, "ffi_prep_cif");
        RawCall {
            cif,
            _arg_types: arg_types,
            _record: record,
            // SAFETY: a code address from dlsym.
            code: unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn()>(code) },
        }
    }

    /// # Safety
    /// `ret` and `args` fit the prepared types.
    #[inline(always)]
    unsafe fn call(&mut self, ret: *mut c_void, args: *mut *mut c_void) {
        // SAFETY: forwarded from the caller.
        unsafe { ffi::ffi_call(&mut *self.cif, Some(self.code), ret, args) }
    }
}

struct Fixture {
    _scratch: Scratch,
    _module: Module,
    add: Function,
    dot: Function,
    scale3: Function,
    add_direct: AddFn,
    dot_direct: DotFn,
    scale3_direct: Scale3Fn,
    add_typed: AddFn,
    dot_typed: DotFn,
    scale3_typed: Scale3Fn,
    add_raw: RawCall,
    dot_raw: RawCall,
    scale3_raw: RawCall,
    add_args: [Value; 2],
    dot_args: [Value; 2],
    scale3_args: [Value; 2],
    /// The caller's result object `call_into` writes into.
    scale3_out: CData,
    raw_ints: [i32; 2],
    raw_points: [P; 2],
    raw_scale: (P3, f64),
}

/// A libffi struct type of `fields`, and the NULL-terminated element list it
/// points into (boxed, so it never moves).
fn record_type(fields: &[*mut ffi::ffi_type]) -> (Box<ffi::ffi_type>, Box<[*mut ffi::ffi_type]>) {
    let mut elements: Box<[*mut ffi::ffi_type]> =
        fields.iter().copied().chain([null_mut()]).collect();
    let record = Box::new(ffi::ffi_type {
        size: 0,
        alignment: 0,
        type_: ffi::FFI_TYPE_STRUCT,
        elements: elements.as_mut_ptr(),
    });
    (record, elements)
}

/// Writes `<name>.h` and `<name>.c` into `dir` and builds `lib<name>.so` from them.
fn gcc_library(dir: &Path, name: &str, header: &str, source: &str) -> PathBuf {
    std::fs::write(dir.join(format!("{name}.h")), header).expect("write the header");
    std::fs::write(dir.join(format!("{name}.c")), source).expect("write the source");
    let lib = dir.join(format!("lib{name}.so"));
    let out = Command::new("gcc")
        .current_dir(dir)
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(format!("{name}.c"))
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lib
}

impl Fixture {
    fn new() -> Fixture {
        let dir = std::env::temp_dir().join(format!("wyvern-bench-call-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        let scratch = Scratch(dir);
        let lib = gcc_library(&scratch.0, "call", HEADER, SOURCE);
        let types = Parser::new()
            .header(scratch.0.join("call.h").to_str().expect("UTF-8 path"))
            .parse()
            .expect("call.h parses");
        // SAFETY: a library just built from SOURCE; it has no initialisers.
        let library = unsafe { Library::open(lib.to_str().expect("UTF-8 path")) }.unwrap();
        let module = Module::new(types, library);
        let add = module.function("add").unwrap();
        let dot = module.function("dot").unwrap();
        let scale3 = module.function("scale3").unwrap();
        let add_code = module.symbol("add").unwrap();
        let dot_code = module.symbol("dot").unwrap();
        let scale3_code = module.symbol("scale3").unwrap();
        // SAFETY: the symbols are these functions, compiled from SOURCE.
        let (add_direct, dot_direct, scale3_direct) = unsafe {
            (
                std::mem::transmute::<*mut c_void, AddFn>(add_code),
                std::mem::transmute::<*mut c_void, DotFn>(dot_code),
                std::mem::transmute::<*mut c_void, Scale3Fn>(scale3_code),
            )
        };

        // libffi's predefined types are statics; only their addresses are taken.
        let sint32 = addr_of_mut!(ffi::ffi_type_sint32);
        let double = addr_of_mut!(ffi::ffi_type_double);
        // SAFETY: `int add(int, int)`.
        let add_raw = unsafe { RawCall::new(add_code, sint32, Box::new([sint32, sint32]), None) };
        let (mut record, elements) = record_type(&[double, double]);
        let p: *mut ffi::ffi_type = &mut *record;
        // SAFETY: `double dot(struct P, struct P)`, P = { double, double }.
        let dot_raw =
            unsafe { RawCall::new(dot_code, double, Box::new([p, p]), Some((record, elements))) };
        let (mut record3, elements3) = record_type(&[double, double, double]);
        let p3: *mut ffi::ffi_type = &mut *record3;
        // SAFETY: `struct P3 scale3(struct P3, double)`, P3 = { double, double, double }.
        let scale3_raw = unsafe {
            RawCall::new(
                scale3_code,
                p3,
                Box::new([p3, double]),
                Some((record3, elements3)),
            )
        };

        let mut p1 = CData::new_named(module.types(), "struct P").unwrap();
        p1.set("x", P1.x).unwrap();
        p1.set("y", P1.y).unwrap();
        let mut p2 = CData::new_named(module.types(), "struct P").unwrap();
        p2.set("x", P2.x).unwrap();
        p2.set("y", P2.y).unwrap();
        let mut q = CData::new_named(module.types(), "struct P3").unwrap();
        q.set("x", Q.x).unwrap();
        q.set("y", Q.y).unwrap();
        q.set("z", Q.z).unwrap();
        let scale3_out = CData::new_named(module.types(), "struct P3").unwrap();

        Fixture {
            add_typed: add.typed::<AddFn>().unwrap(),
            dot_typed: dot.typed::<DotFn>().unwrap(),
            scale3_typed: scale3.typed::<Scale3Fn>().unwrap(),
            add,
            dot,
            scale3,
            add_direct,
            dot_direct,
            scale3_direct,
            add_raw,
            dot_raw,
            scale3_raw,
            add_args: [Value::Int(A.into()), Value::Int(B.into())],
            dot_args: [Value::Data(p1), Value::Data(p2)],
            scale3_args: [Value::Data(q), Value::Float(K)],
            scale3_out,
            raw_ints: [A, B],
            raw_points: [P1, P2],
            raw_scale: (Q, K),
            _module: module,
            _scratch: scratch,
        }
    }

    /// One call `way`, as a number (so every way can be compared with the direct one).
    fn once(&mut self, func: Func, way: Way) -> f64 {
        self.run(func, way, 1).1
    }

    /// `n` calls of `func` the way `way`: the time they took, and the last result.
    fn run(&mut self, func: Func, way: Way, n: u64) -> (Duration, f64) {
        // SAFETY (every loop below): the functions are the ones SOURCE defines, called
        // with arguments of their declared types; libffi buffers are sized for them.
        unsafe {
            match (func, way) {
                // Direct and typed run the same loop: only where the pointer came from differs.
                (Func::Add, Way::Direct) => add_through_pointer(self.add_direct, n),
                (Func::Add, Way::Typed) => add_through_pointer(self.add_typed, n),
                (Func::Dot, Way::Direct) => dot_through_pointer(self.dot_direct, n),
                (Func::Dot, Way::Typed) => dot_through_pointer(self.dot_typed, n),
                (Func::Scale3, Way::Direct) => scale3_through_pointer(self.scale3_direct, n),
                (Func::Scale3, Way::Typed) => scale3_through_pointer(self.scale3_typed, n),
                (Func::Scale3, Way::RawLibffi) => {
                    let (p, k) = &mut self.raw_scale;
                    let mut args: [*mut c_void; 2] =
                        [ptr::from_mut(p).cast(), ptr::from_mut(k).cast()];
                    let mut ret = P3 {
                        x: 0.0,
                        y: 0.0,
                        z: 0.0,
                    };
                    let elapsed = raw_libffi(
                        &mut self.scale3_raw,
                        &mut args,
                        ptr::from_mut(&mut ret).cast(),
                        n,
                    );
                    (elapsed, p3_number(ret))
                }
                (Func::Scale3, Way::Dynamic) => {
                    dynamic_into(&self.scale3, &mut self.scale3_args, &mut self.scale3_out, n)
                }
                (Func::Add, Way::RawLibffi) => {
                    let [a, b] = &mut self.raw_ints;
                    let mut args: [*mut c_void; 2] =
                        [ptr::from_mut(a).cast(), ptr::from_mut(b).cast()];
                    // ffi_arg: integer results are widened to a whole register.
                    let mut ret = 0u64;
                    let elapsed = raw_libffi(
                        &mut self.add_raw,
                        &mut args,
                        ptr::from_mut(&mut ret).cast(),
                        n,
                    );
                    (elapsed, f64::from(ret as i32))
                }
                (Func::Dot, Way::RawLibffi) => {
                    let [a, b] = &mut self.raw_points;
                    let mut args: [*mut c_void; 2] =
                        [ptr::from_mut(a).cast(), ptr::from_mut(b).cast()];
                    let mut ret = 0f64;
                    let elapsed = raw_libffi(
                        &mut self.dot_raw,
                        &mut args,
                        ptr::from_mut(&mut ret).cast(),
                        n,
                    );
                    (elapsed, ret)
                }
                (Func::Add, Way::Dynamic) => dynamic(&self.add, &mut self.add_args, n),
                (Func::Dot, Way::Dynamic) => dynamic(&self.dot, &mut self.dot_args, n),
            }
        }
    }
}

// Each way has its own loop, never inlined, so no way gains or loses from where the
// compiler happens to place another's code.

/// # Safety
/// `f` is `add`.
#[inline(never)]
unsafe fn add_through_pointer(f: AddFn, n: u64) -> (Duration, f64) {
    let mut last = 0;
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: forwarded from the caller.
        last = unsafe { black_box(f)(black_box(A), black_box(B)) };
    }
    (start.elapsed(), f64::from(last))
}

/// # Safety
/// `f` is `dot`.
#[inline(never)]
unsafe fn dot_through_pointer(f: DotFn, n: u64) -> (Duration, f64) {
    let mut last = 0.0;
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: forwarded from the caller.
        last = unsafe { black_box(f)(black_box(P1), black_box(P2)) };
    }
    (start.elapsed(), last)
}

/// # Safety
/// `f` is `scale3`.
#[inline(never)]
unsafe fn scale3_through_pointer(f: Scale3Fn, n: u64) -> (Duration, f64) {
    let mut last = Q;
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: forwarded from the caller.
        last = unsafe { black_box(f)(black_box(Q), black_box(K)) };
        black_box(&last);
    }
    (start.elapsed(), p3_number(last))
}

/// # Safety
/// `args` suit `f`, whose result is `out`'s type.
#[inline(never)]
unsafe fn dynamic_into(
    f: &Function,
    args: &mut [Value],
    out: &mut CData,
    n: u64,
) -> (Duration, f64) {
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: forwarded from the caller.
        let done = unsafe { f.call_into(black_box(&mut *args), out) };
        black_box(done.is_ok());
    }
    let elapsed = start.elapsed();
    let field = |name| {
        out.get(name)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN)
    };
    let last = P3 {
        x: field("x"),
        y: field("y"),
        z: field("z"),
    };
    (elapsed, p3_number(last))
}

/// # Safety
/// `args` and `ret` point to buffers of the types `raw` was prepared with.
#[inline(never)]
unsafe fn raw_libffi(
    raw: &mut RawCall,
    args: &mut [*mut c_void; 2],
    ret: *mut c_void,
    n: u64,
) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: forwarded from the caller.
        unsafe { raw.call(ret, black_box(args.as_mut_ptr())) };
        black_box(ret);
    }
    start.elapsed()
}

/// # Safety
/// `args` suit `f`.
#[inline(never)]
unsafe fn dynamic(f: &Function, args: &mut [Value], n: u64) -> (Duration, f64) {
    let mut last = 0.0;
    let start = Instant::now();
    for _ in 0..n {
        // Used the way a caller uses a result: matched, not copied whole.
        // SAFETY: forwarded from the caller.
        last = match unsafe { f.call(black_box(&mut *args)) } {
            // (through i64: converting an i128 to f64 is a libcall)
            Ok(Value::Int(v)) => v as i64 as f64,
            Ok(Value::Float(v)) => v,
            _ => f64::NAN,
        };
        black_box(last);
    }
    (start.elapsed(), last)
}

/// Interleaved timing: rounds of batches, every way of every function in turn.
const ROUNDS: usize = 15;
const BATCHES: usize = 9;

impl Way {
    /// Calls per batch: about half a millisecond of each.
    fn batch(self) -> u64 {
        match self {
            Way::Direct | Way::Typed => 200_000,
            Way::RawLibffi => 20_000,
            Way::Dynamic => 10_000,
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Whether criterion is not measuring: `cargo test --benches` (no `--bench`),
/// `--test`, `--list` or `--profile-time`. Then the interleaved table is skipped.
fn not_measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    !args.iter().any(|a| a == "--bench")
        || args
            .iter()
            .any(|a| matches!(a.as_str(), "--test" | "--list" | "--profile-time"))
}

/// A mean in ns, or `None` when criterion timed nothing (a filter left it out).
fn mean_ns(total: Duration, calls: u64) -> Option<f64> {
    (calls > 0).then(|| total.as_secs_f64() * 1e9 / calls as f64)
}

fn cell(ns: Option<f64>, suffix: &str, width: usize) -> String {
    match ns {
        Some(v) if v.is_finite() => format!("{:>w$}", format!("{v:.2}{suffix}"), w = width),
        _ => format!("{:>width$}", "n/a"),
    }
}

fn bench(c: &mut Criterion) {
    let mut fx = Fixture::new();

    // Every way computes what the direct call of the gcc-built code computes.
    for func in FUNCS {
        let want = fx.once(func, Way::Direct);
        for way in WAYS {
            let got = fx.once(func, way);
            assert_eq!(
                got,
                want,
                "{} {} against the direct call",
                func.name(),
                way.name()
            );
        }
    }

    // Criterion's measurements; the mean of every call it timed is kept for the table.
    let mut criterion_mean = [[None; 4]; FUNCS.len()];
    for (fi, func) in FUNCS.into_iter().enumerate() {
        let mut group = c.benchmark_group(format!("call {}", func.name()));
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for (wi, way) in WAYS.into_iter().enumerate() {
            let (mut total, mut calls) = (Duration::ZERO, 0u64);
            group.bench_function(way.name(), |b| {
                b.iter_custom(|iters| {
                    let (elapsed, last) = fx.run(func, way, iters);
                    black_box(last);
                    total += elapsed;
                    calls += iters;
                    elapsed
                })
            });
            criterion_mean[fi][wi] = mean_ns(total, calls);
        }
        group.finish();
    }
    if not_measuring() {
        return;
    }

    // The same, interleaved so that every way sees the same load: per round, the
    // median of each way's batches; then the best round of each way.
    let mut best = [[f64::MAX; 4]; FUNCS.len()];
    let slots = FUNCS.len() * WAYS.len();
    for round in 0..ROUNDS {
        let mut samples: [[Vec<f64>; 4]; FUNCS.len()] = Default::default();
        for batch in 0..BATCHES {
            for k in 0..slots {
                // Rotate the order so that no way always runs right after another.
                let slot = (k + round + batch) % slots;
                let (fi, wi) = (slot / 4, slot % 4);
                let calls = WAYS[wi].batch();
                let (elapsed, last) = fx.run(FUNCS[fi], WAYS[wi], calls);
                black_box(last);
                samples[fi][wi].push(elapsed.as_secs_f64() * 1e9 / calls as f64);
            }
        }
        for (best, samples) in best.iter_mut().zip(&mut samples) {
            for (best, samples) in best.iter_mut().zip(samples) {
                *best = best.min(median(samples));
            }
        }
    }

    println!(
        "\nns per call. interleaved: the best of {ROUNDS} rounds' medians of {BATCHES} batches \
         of about half a millisecond;\ncriterion: the mean of every call criterion timed above."
    );
    print!("{:<20}", "");
    for way in WAYS {
        print!("{:>16}", way.name());
    }
    println!();
    for (fi, func) in FUNCS.into_iter().enumerate() {
        print!("{:<20}", format!("{} interleaved", func.name()));
        for &ns in &best[fi] {
            print!("{}", cell(Some(ns), "", 16));
        }
        println!();
        print!("{:<20}", format!("{} criterion", func.name()));
        for &ns in &criterion_mean[fi] {
            print!("{}", cell(ns, "", 16));
        }
        println!();
    }
    println!(
        "\n{:<36}{:>13}{:>11}{:>11}",
        "ratio", "interleaved", "criterion", "target"
    );
    for (fi, func) in FUNCS.into_iter().enumerate() {
        let targets: &[(Way, Way, f64)] = if func == Func::Scale3 {
            // A struct result through memory: raw libffi is the bar.
            &[
                (Way::Dynamic, Way::RawLibffi, 1.0),
                (Way::Typed, Way::Direct, 1.05),
            ]
        } else {
            &[
                (Way::Dynamic, Way::Direct, 3.0),
                (Way::Dynamic, Way::RawLibffi, 1.30),
                (Way::Typed, Way::Direct, 1.05),
            ]
        };
        for &(num, den, target) in targets {
            let (n, d) = (num as usize, den as usize);
            let interleaved = best[fi][n] / best[fi][d];
            let criterion = criterion_mean[fi][n]
                .zip(criterion_mean[fi][d])
                .map(|(n, d)| n / d);
            println!(
                "{:<36}{}{}{:>11}  {}",
                format!("{}: {} / {}", func.name(), num.name(), den.name()),
                cell(Some(interleaved), "x", 13),
                cell(criterion, "x", 11),
                format!("<= {target:.2}x"),
                if interleaved <= target {
                    "met"
                } else {
                    "MISSED"
                },
            );
        }
    }
    println!("(scale3's wyvern dynamic is call_into a struct P3 the caller keeps: no allocation)");
    println!(
        "typed() gave the dlsym address itself: add {}, dot {}, scale3 {}",
        fx.add_typed as usize == fx.add_direct as usize,
        fx.dot_typed as usize == fx.dot_direct as usize,
        fx.scale3_typed as usize == fx.scale3_direct as usize
    );
}

/// A C loop calling a callback `N` times: `long sum_cb(int (*f)(int), int n)`.
const CALLBACK_HEADER: &str = "typedef int (*inc_fn)(int);\n\
                               long sum_cb(inc_fn f, int n);\n\
                               int c_inc(int x);\n";
const CALLBACK_SOURCE: &str = "#include \"cb.h\"\n\
                               long sum_cb(inc_fn f, int n) { long t = 0; for (int i = 0; i < n; i++) t += f(i); return t; }\n\
                               int c_inc(int x) { return x + 1; }\n";
const LOOP: i32 = 1000;

type SumFn = unsafe extern "C" fn(*const c_void, i32) -> i64;

/// The raw libffi closure's body: `x + 1`, written as a whole `ffi_arg`.
unsafe extern "C" fn raw_inc(
    _cif: *mut ffi::ffi_cif,
    ret: *mut c_void,
    args: *mut *mut c_void,
    _user: *mut c_void,
) {
    // SAFETY: libffi passes one pointer to the int argument and an `ffi_arg` result.
    unsafe {
        let x = *(*args).cast::<i32>();
        *ret.cast::<i64>() = i64::from(x + 1);
    }
}

/// A C loop calling back into Rust five ways: a C function pointer, a raw libffi
/// closure, a wyvern `Callback` (a closure taking `Value`s), a wyvern typed
/// closure (`Callback::typed`) and a typed `extern "C" fn` checked against the header. Prints ns per
/// callback and the ratios (target: ≤ 1.5× the raw libffi closure).
fn bench_callbacks(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("wyvern-bench-cb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lib = gcc_library(&dir, "cb", CALLBACK_HEADER, CALLBACK_SOURCE);
    let types = Parser::new()
        .header(dir.join("cb.h").display().to_string())
        .parse()
        .expect("parse cb.h");
    // SAFETY: the library was just built from the C above.
    let module = Module::new(
        types.clone(),
        unsafe { Library::open(&lib.display().to_string()) }.expect("load"),
    );
    // SAFETY: both symbols are functions of these types.
    let sum: SumFn = unsafe { std::mem::transmute(module.symbol("sum_cb").expect("sum_cb")) };
    let c_inc = module.symbol("c_inc").expect("c_inc") as *const c_void;

    // The raw libffi closure, built by hand.
    let mut int_args = [addr_of_mut!(ffi::ffi_type_sint32)];
    // SAFETY: a zeroed cif, prepared next.
    let mut cif: ffi::ffi_cif = unsafe { std::mem::zeroed() };
    let mut code = null_mut::<c_void>();
    // SAFETY: the types are libffi's statics; the closure lives until the end.
    let closure = unsafe {
        assert_eq!(
            ffi::ffi_prep_cif(
                &mut cif,
                ffi::ffi_abi_FFI_DEFAULT_ABI,
                1,
                addr_of_mut!(ffi::ffi_type_sint32),
                int_args.as_mut_ptr()
            ),
            ffi::ffi_status_FFI_OK
        );
        let closure = ffi::ffi_closure_alloc(std::mem::size_of::<ffi::ffi_closure>(), &mut code)
            .cast::<ffi::ffi_closure>();
        assert_eq!(
            ffi::ffi_prep_closure_loc(closure, &mut cif, Some(raw_inc), null_mut(), code),
            ffi::ffi_status_FFI_OK
        );
        closure
    };
    let callback = wyvern::Callback::with_type_name(&types, "inc_fn", |args: &[Value]| {
        args[0].as_int().unwrap_or(0) + 1
    })
    .expect("callback");
    unsafe extern "C" fn rust_inc(x: i32) -> i32 {
        x + 1
    }
    let inc_fn = types.type_named("inc_fn").expect("inc_fn");
    let typed = wyvern::typed_callback::<unsafe extern "C" fn(i32) -> i32>(&types, inc_fn, rust_inc)
        .expect("typed callback")
        .as_address()
        .expect("an address") as *const c_void;
    let step = black_box(1);
    let typed_closure = wyvern::Callback::typed(&types, inc_fn, move |(x,): (i32,)| x + step)
        .expect("typed closure");
    let ways: [(&str, *const c_void); 5] = [
        ("C function pointer", c_inc),
        ("raw libffi closure", code.cast_const()),
        ("wyvern callback", callback.address()),
        ("wyvern typed closure", typed_closure.address()),
        ("wyvern typed fn", typed),
    ];
    let want = i64::from(LOOP) * i64::from(LOOP + 1) / 2;
    for (name, f) in ways {
        // SAFETY: every way is an `int (*)(int)` computing x + 1.
        assert_eq!(unsafe { sum(f, LOOP) }, want, "{name}");
    }
    let mut group = c.benchmark_group("callback from a C loop (per 1000 calls)");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, f) in ways {
        // SAFETY: as above.
        group.bench_function(name, |b| b.iter(|| unsafe { sum(black_box(f), LOOP) }));
    }
    group.finish();
    if not_measuring() {
        // SAFETY: allocated above; nothing calls it any more.
        unsafe { ffi::ffi_closure_free(closure.cast()) };
        return;
    }
    // Interleaved rounds: the best median per way, robust on a shared machine.
    let mut best = [f64::INFINITY; 5];
    for _ in 0..15 {
        for (i, (_, f)) in ways.iter().enumerate() {
            let mut samples = Vec::new();
            for _ in 0..9 {
                let start = Instant::now();
                for _ in 0..20 {
                    // SAFETY: as above.
                    black_box(unsafe { sum(black_box(*f), LOOP) });
                }
                samples.push(start.elapsed().as_secs_f64() * 1e9 / f64::from(20 * LOOP));
            }
            best[i] = best[i].min(median(&mut samples));
        }
    }
    println!("\nns per callback, called from a C loop (best of 15 rounds' medians):");
    for ((name, _), ns) in ways.iter().zip(best) {
        println!("  {name:<22} {ns:>7.2}");
    }
    println!(
        "  wyvern callback / raw libffi closure:       {:.2}x (target <= 1.50x)",
        best[2] / best[1]
    );
    println!(
        "  wyvern typed closure / raw libffi closure:  {:.2}x (target <= 1.50x)",
        best[3] / best[1]
    );
    println!(
        "  wyvern typed fn / raw libffi closure:       {:.2}x (target <= 1.50x)",
        best[4] / best[1]
    );
    // SAFETY: allocated above; nothing calls it any more.
    unsafe { ffi::ffi_closure_free(closure.cast()) };
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench, bench_callbacks);
criterion_main!(benches);
