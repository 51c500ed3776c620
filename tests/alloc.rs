//! `Function::call` makes no heap allocation once warmed up: for functions of
//! 0 to 8 scalar parameters of mixed types, of 12 (the rest on the stack), for
//! a variadic function called with the same shape of arguments each time, for
//! small structs by value and a large one passed in memory; `call_into` for
//! record results. The results are checked against a gcc-compiled program that
//! makes the same calls.

// Uses a few of the shared helpers.
#[allow(dead_code, unused_imports)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::{gcc_compile, run_program, Compiled, TempDir};
use wyvern::{CData, Library, Module, Parser, Value};

/// Counts the allocations of the thread that asked for it, while it asks:
/// the test harness's other threads never touch the count.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the allocator may run while this thread's locals are torn down.
    let counting = COUNTING.try_with(Cell::get).unwrap_or(false);
    if counting {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every request is forwarded to `System` unchanged; counting only reads and
// writes two const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded from the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `job` and returns what it returned with the number of heap allocations
/// (`alloc`, `alloc_zeroed`, `realloc`) this thread made meanwhile.
fn allocations<R>(job: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let result = job();
    COUNTING.with(|c| c.set(false));
    (result, ALLOCATIONS.with(Cell::get))
}

/// Calls after the warm-up one whose allocations are counted.
const CALLS: usize = 200;

const HEADER: &str = r#"
struct P { double x, y; };
struct Q { int a; char b; short c; float d; };
void v0(void);
int f0(void);
long f1(int a);
double f2(long a, double b);
float f3(double a, float b, void *p);
unsigned char f4(unsigned char a, short b, long long c, int d);
long long f5(float a, void *p, unsigned char c, long d, double e);
short f6(short a, int b, long c, long long d, unsigned char e, float f);
void *f7(void *p, int a, long b, double c, float d, unsigned char e, short f);
double f8(int a, long b, double c, float d, void *p, unsigned char e, long long f, short g);
long long g8(short a, unsigned char b, int c, long d, long long e, void *p, int f, long g);
double h8(float a, double b, float c, double d, float e, double f, float g, double h);
long k12(long a, int b, long c, int d, long e, int f, long g, int h, long i, int j, long k, double l);
struct P3 { double x, y, z; };
double norm3(struct P3 p, int k, long a, long b, long c, long d, long e, long f);
double vmix(int n, ...);
double dot(struct P a, struct P b);
long qsum(struct Q q, int k);
"#;

const SOURCE: &str = r#"
#include <stdarg.h>
#include <stdint.h>
#include "lib.h"
int hits;
void v0(void) { hits++; }
int f0(void) { return 42; }
long f1(int a) { return (long)a * 3 - 1; }
double f2(long a, double b) { return a * 0.5 + b; }
float f3(double a, float b, void *p) { return (float)(a - b) + (float)((uintptr_t)p & 0xff); }
unsigned char f4(unsigned char a, short b, long long c, int d) { return (unsigned char)(a * 3 + b + c + d); }
long long f5(float a, void *p, unsigned char c, long d, double e) {
    return (long long)(a * 4) + (long long)((uintptr_t)p >> 4) + c * 7 + d * 11 + (long long)(e * 13);
}
short f6(short a, int b, long c, long long d, unsigned char e, float f) {
    return (short)(a - b + c * 2 - d + e + (int)f);
}
void *f7(void *p, int a, long b, double c, float d, unsigned char e, short f) {
    return (char *)p + a + b + (long)c + (long)d + e + f;
}
double f8(int a, long b, double c, float d, void *p, unsigned char e, long long f, short g) {
    return a + b * 2.0 + c * 3.0 + d * 4.0 + (double)((uintptr_t)p & 0xfff) + e * 5.0 + f * 6.0 + g * 7.0;
}
long long g8(short a, unsigned char b, int c, long d, long long e, void *p, int f, long g) {
    return a + b * 3LL + c * 5LL + d * 7LL + e * 11LL + (long long)((uintptr_t)p & 0xff) * 13LL + f * 17LL + g * 19LL;
}
double h8(float a, double b, float c, double d, float e, double f, float g, double h) {
    return a + b / 2 + c / 4 + d / 8 + e / 16 + f / 32 + g / 64 + h / 128;
}
long k12(long a, int b, long c, int d, long e, int f, long g, int h, long i, int j, long k, double l) {
    return a - b * 2 + c * 3 - d * 5 + e * 7 - f * 11 + g * 13 - h * 17 + i * 19 - j * 23 + k * 29 + (long)(l * 31);
}
double norm3(struct P3 p, int k, long a, long b, long c, long d, long e, long f) {
    return (p.x * p.x + p.y * p.y + p.z * p.z) * k + a - b + c - d + e - f;
}
double vmix(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double total = 0;
    for (int i = 0; i < n; i++) {
        int k = va_arg(ap, int);
        double x = va_arg(ap, double);
        total = total * 3 + k * x;
    }
    va_end(ap);
    return total;
}
double dot(struct P a, struct P b) { return a.x * b.x + a.y * b.y; }
long qsum(struct Q q, int k) { return (q.a + q.b * 3 + q.c * 5 + (long)(q.d * 7)) * k; }
"#;

/// One call: the function, how its result prints (`v`oid, `i`nteger, `d`ouble,
/// `p`ointer), its arguments as C text, and the same as values.
struct Case {
    name: &'static str,
    ret: char,
    c_args: &'static str,
    args: Vec<Value>,
}

fn cases(p: &CData, q: &CData, p3: &CData) -> Vec<Case> {
    use Value::{Float, Int, Pointer};
    let case = |name, ret, c_args, args| Case {
        name,
        ret,
        c_args,
        args,
    };
    vec![
        case("v0", 'v', "", vec![]),
        case("f0", 'i', "", vec![]),
        case("f1", 'i', "-123456", vec![Int(-123456)]),
        case("f2", 'd', "-77, 0.375", vec![Int(-77), Float(0.375)]),
        case(
            "f3",
            'd',
            "2.5, 0.125f, (void *)0x12345",
            vec![Float(2.5), Float(0.125), Pointer(0x12345)],
        ),
        case(
            "f4",
            'i',
            "200, -3000, 5000000000LL, -7",
            vec![Int(200), Int(-3000), Int(5_000_000_000), Int(-7)],
        ),
        case(
            "f5",
            'i',
            "1.75f, (void *)0x7fff0010, 250, -99999, 2.0",
            vec![
                Float(1.75),
                Pointer(0x7fff_0010),
                Int(250),
                Int(-99999),
                Float(2.0),
            ],
        ),
        case(
            "f6",
            'i',
            "-5, 70000, -3, 123456789012LL, 255, 12.5f",
            vec![
                Int(-5),
                Int(70000),
                Int(-3),
                Int(123_456_789_012),
                Int(255),
                Float(12.5),
            ],
        ),
        case(
            "f7",
            'p',
            "(void *)0x100000, -1, 4096, 3.0, 5.0f, 9, -2",
            vec![
                Pointer(0x10_0000),
                Int(-1),
                Int(4096),
                Float(3.0),
                Float(5.0),
                Int(9),
                Int(-2),
            ],
        ),
        case(
            "f8",
            'd',
            "-1, 2, 3.5, -4.25f, (void *)0xabc, 6, -7000000000LL, -8",
            vec![
                Int(-1),
                Int(2),
                Float(3.5),
                Float(-4.25),
                Pointer(0xabc),
                Int(6),
                Int(-7_000_000_000),
                Int(-8),
            ],
        ),
        case(
            "g8",
            'i',
            "-300, 200, -100000, 1L << 40, -(1LL << 50), (void *)0x55, 17, -19",
            vec![
                Int(-300),
                Int(200),
                Int(-100_000),
                Int(1 << 40),
                Int(-(1 << 50)),
                Pointer(0x55),
                Int(17),
                Int(-19),
            ],
        ),
        case(
            "h8",
            'd',
            "1.5f, 2.25, -3.5f, 4.125, 5.0f, -6.5, 7.75f, 8.0",
            vec![
                Float(1.5),
                Float(2.25),
                Float(-3.5),
                Float(4.125),
                Float(5.0),
                Float(-6.5),
                Float(7.75),
                Float(8.0),
            ],
        ),
        // More arguments than registers: the rest go on the stack.
        case(
            "k12",
            'i',
            "-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 0.5",
            vec![
                Int(-1),
                Int(2),
                Int(-3),
                Int(4),
                Int(-5),
                Int(6),
                Int(-7),
                Int(8),
                Int(-9),
                Int(10),
                Int(-11),
                Float(0.5),
            ],
        ),
        // A record passed in memory, on the stack.
        case(
            "norm3",
            'd',
            "(struct P3){1.5, -2.0, 0.25}, 3, 1, 2, 3, 4, 5, 6",
            vec![
                Value::Data(p3.clone()),
                Int(3),
                Int(1),
                Int(2),
                Int(3),
                Int(4),
                Int(5),
                Int(6),
            ],
        ),
        case(
            "vmix",
            'd',
            "3, 2, 1.5, -4, 0.25, 7, -2.0",
            vec![
                Int(3),
                Int(2),
                Float(1.5),
                Int(-4),
                Float(0.25),
                Int(7),
                Float(-2.0),
            ],
        ),
        case(
            "dot",
            'd',
            "(struct P){1.5, -2.0}, (struct P){1.5, -2.0}",
            vec![Value::Data(p.clone()), Value::Data(p.clone())],
        ),
        case(
            "qsum",
            'i',
            "(struct Q){-9, 'z', 300, 2.5f}, 3",
            vec![Value::Data(q.clone()), Int(3)],
        ),
    ]
}

/// A `main` making the same calls, printing one line each: `v`, `i <integer>`,
/// `d <double as %.17g>` or `p <address>`.
fn driver(cases: &[Case]) -> String {
    let mut main = String::from("#include <stdio.h>\nint main(void) {\n");
    for case in cases {
        let call = format!("{}({})", case.name, case.c_args);
        main.push_str(&match case.ret {
            'v' => format!("    {call}; puts(\"v\");\n"),
            'i' => format!("    printf(\"i %lld\\n\", (long long)({call}));\n"),
            'd' => format!("    printf(\"d %.17g\\n\", (double)({call}));\n"),
            'p' => format!("    printf(\"p %llu\\n\", (unsigned long long)(uintptr_t)({call}));\n"),
            other => unreachable!("return kind {other}"),
        });
    }
    main.push_str("    return 0;\n}\n");
    main
}

/// A value as the driver prints it.
fn printed(value: &Value) -> String {
    match value {
        Value::Void => "v".into(),
        Value::Int(v) => format!("i {v}"),
        Value::Float(v) => format!("d {v:?}"),
        Value::Pointer(a) => format!("p {a}"),
        Value::Null => "p 0".into(),
        other => format!("unexpected {other:?}"),
    }
}

/// The driver's line in the same form as [`printed`] (doubles parsed back).
fn normalized(line: &str) -> String {
    match line.strip_prefix("d ") {
        Some(number) => match number.parse::<f64>() {
            Ok(v) => format!("d {v:?}"),
            Err(_) => format!("unparsable {line}"),
        },
        None => line.to_owned(),
    }
}

#[test]
fn calls_make_no_heap_allocation_after_the_first() {
    let dir = TempDir::new("alloc");
    std::fs::write(dir.path().join("lib.h"), HEADER).expect("write lib.h");
    let lib = match gcc_compile(dir.path(), "lib", SOURCE, &["-O2", "-shared", "-fPIC"]) {
        Compiled::Ok(path) => path,
        Compiled::Failed(stderr) => panic!("gcc failed on the library:\n{stderr}"),
    };

    let types = Parser::new()
        .header(dir.path().join("lib.h").to_str().expect("UTF-8 temp path"))
        .parse()
        .expect("lib.h parses");
    let mut p = CData::new_named(&types, "struct P").unwrap();
    p.set("x", 1.5).unwrap();
    p.set("y", -2.0).unwrap();
    let mut q = CData::new_named(&types, "struct Q").unwrap();
    q.set("a", -9).unwrap();
    q.set("b", i64::from(b'z')).unwrap();
    q.set("c", 300).unwrap();
    q.set("d", 2.5).unwrap();
    let mut p3 = CData::new_named(&types, "struct P3").unwrap();
    p3.set("x", 1.5).unwrap();
    p3.set("y", -2.0).unwrap();
    p3.set("z", 0.25).unwrap();
    let mut cases = cases(&p, &q, &p3);

    // The same calls, made by gcc-compiled code.
    let driver_source = format!("{SOURCE}\n{}", driver(&cases));
    let expected: Vec<String> = match gcc_compile(dir.path(), "driver", &driver_source, &["-O2"]) {
        Compiled::Ok(exe) => run_program(&exe)
            .unwrap_or_else(|e| panic!("{e}"))
            .lines()
            .map(normalized)
            .collect(),
        Compiled::Failed(stderr) => panic!("gcc failed on the driver:\n{stderr}\n{driver_source}"),
    };
    assert_eq!(expected.len(), cases.len(), "one line per call");

    // SAFETY: a library just built from SOURCE; its initialisers do nothing.
    let module = Module::new(
        types,
        unsafe { Library::open(lib.to_str().unwrap()) }.unwrap(),
    );

    // The counter counts, on this thread.
    let (buffer, counted) = allocations(|| Vec::<u64>::with_capacity(4));
    drop(buffer);
    assert_eq!(counted, 1, "the counting allocator sees an allocation");

    let mut failures = Vec::new();
    for (case, want) in cases.iter_mut().zip(&expected) {
        let f = module.function(case.name).unwrap();
        // SAFETY: the arguments match the C declarations; pointers are never dereferenced.
        let first = unsafe { f.call(&mut case.args) }.unwrap();
        if printed(&first) != *want {
            failures.push(format!(
                "{}({}): wyvern gave {}, gcc's program printed {want}",
                case.name,
                case.c_args,
                printed(&first)
            ));
            continue;
        }
        let (results, count) = allocations(|| {
            let mut same = true;
            for _ in 0..CALLS {
                // SAFETY: as above.
                let r = unsafe { f.call(&mut case.args) };
                same &= matches!(&r, Ok(v) if *v == first);
            }
            same
        });
        if !results {
            failures.push(format!(
                "{}: a later call returned something else",
                case.name
            ));
        }
        if count != 0 {
            failures.push(format!(
                "{}({}): {count} heap allocations in {CALLS} calls after the first",
                case.name, case.c_args
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A prepared accessor reads and writes scalar members and bitfields through a
/// live pointer with no heap allocation.
#[test]
fn accessors_make_no_heap_allocation() {
    let types =
        wyvern::cdef("struct rec { int a; double b; unsigned f : 3; long c[4]; };").unwrap();
    let mut recs = CData::new_named(&types, "struct rec [8]").unwrap();
    let p = recs.ptr_mut();
    let a = p.accessor("a").unwrap();
    let b = p.accessor("b").unwrap();
    let f = p.accessor("f").unwrap();
    let c2 = p.accessor("c[2]").unwrap();
    let (sum, count) = allocations(|| {
        let mut sum = 0i128;
        for i in 0..8 {
            let mut each = p.offset(i).unwrap();
            a.set(&mut each, i as i128).unwrap();
            b.set(&mut each, 0.5).unwrap();
            f.set(&mut each, i as i128 % 8).unwrap();
            c2.set(&mut each, -(i as i128)).unwrap();
            sum += a.get(&each).unwrap().as_int().unwrap()
                + f.get(&each).unwrap().as_int().unwrap()
                + c2.get(&each).unwrap().as_int().unwrap();
            assert_eq!(b.get(&each).unwrap(), Value::Float(0.5));
        }
        sum
    });
    assert_eq!(sum, 28);
    assert_eq!(count, 0, "allocations by accessors");
    let typed = a.typed::<i32>().unwrap();
    let (total, count) = allocations(|| {
        let bound = typed.bind(&p).unwrap();
        (0..bound.len()).map(|i| bound.get(i).unwrap()).sum::<i32>()
    });
    assert_eq!((total, count), (28, 0), "allocations by a bound accessor");
    assert_eq!(recs.get("[7].f").unwrap(), Value::Int(7));
}

const RECORDS_HEADER: &str = r#"
struct P3 { double x, y, z; };
struct P { double x, y; };
struct IL { int a; long b; };
struct LD { long a; double b; };
struct DL { double a; long b; };
struct C3 { char c[3]; };
struct P3 scale3(struct P3 p, double k);
struct P mid(struct P a, struct P b);
struct IL make_il(int a, long b);
struct LD make_ld(long a, double b);
struct DL make_dl(double a, long b);
struct C3 make_c3(int a);
struct P3 stacked(long a, long b, long c, long d, long e, long f, long g, struct P3 p);
"#;

const RECORDS_SOURCE: &str = r#"
#include "records.h"
struct P3 scale3(struct P3 p, double k) { struct P3 r = { p.x * k, p.y * k, p.z * k }; return r; }
struct P mid(struct P a, struct P b) { struct P r = { (a.x + b.x) / 2, (a.y + b.y) / 2 }; return r; }
struct IL make_il(int a, long b) { struct IL r = { a * 3, b - 7 }; return r; }
struct LD make_ld(long a, double b) { struct LD r = { a + 1, b * 2 }; return r; }
struct DL make_dl(double a, long b) { struct DL r = { a / 4, b * 5 }; return r; }
struct C3 make_c3(int a) { struct C3 r = { { (char)a, (char)(a + 1), (char)(a + 2) } }; return r; }
struct P3 stacked(long a, long b, long c, long d, long e, long f, long g, struct P3 p) {
    struct P3 r = { p.x + a + b, p.y + c + d + e, p.z + f * g }; return r;
}
"#;

/// `Function::call_into` writes record results (in registers, through memory,
/// and through libffi for a call with stack arguments) into the caller's
/// object with no heap allocation, and gives what gcc-compiled code gets.
#[test]
fn call_into_makes_no_heap_allocation() {
    let dir = TempDir::new("alloc-into");
    std::fs::write(dir.path().join("records.h"), RECORDS_HEADER).expect("write records.h");
    let lib = match gcc_compile(
        dir.path(),
        "records",
        RECORDS_SOURCE,
        &["-O2", "-shared", "-fPIC"],
    ) {
        Compiled::Ok(path) => path,
        Compiled::Failed(stderr) => panic!("gcc failed on the library:\n{stderr}"),
    };
    // (function, C arguments, the result's members printed with %.17g / %ld)
    let calls: [(&str, &str, &[&str]); 7] = [
        (
            "scale3",
            "(struct P3){1.5, -2.25, 4}, 2.5",
            &["x", "y", "z"],
        ),
        ("mid", "(struct P){1, 2}, (struct P){4, -8}", &["x", "y"]),
        ("make_il", "-11, 1L << 40", &["a", "b"]),
        ("make_ld", "-5, 0.75", &["a", "b"]),
        ("make_dl", "10.0, -3", &["a", "b"]),
        ("make_c3", "65", &["c[0]", "c[1]", "c[2]"]),
        (
            "stacked",
            "1, 2, 3, 4, 5, 6, 7, (struct P3){0.5, 0.25, 0.125}",
            &["x", "y", "z"],
        ),
    ];
    let mut main = String::from("#include <stdio.h>\nint main(void) {\n");
    for (i, (name, args, members)) in calls.iter().enumerate() {
        let ty = match *name {
            "scale3" | "stacked" => "struct P3",
            "mid" => "struct P",
            "make_il" => "struct IL",
            "make_ld" => "struct LD",
            "make_dl" => "struct DL",
            _ => "struct C3",
        };
        main.push_str(&format!("    {ty} r{i} = {name}({args});\n"));
        for m in *members {
            main.push_str(&format!(
                "    if (sizeof(r{i}.{m}) == 8 && (double)r{i}.{m} != (long)r{i}.{m}) printf(\"%.17g \", (double)r{i}.{m}); else printf(\"%ld \", (long)r{i}.{m});\n"
            ));
        }
        main.push_str("    puts(\"\");\n");
    }
    main.push_str("    return 0;\n}\n");
    let driver = format!("{RECORDS_SOURCE}\n{main}");
    let expected: Vec<String> = match gcc_compile(dir.path(), "driver", &driver, &["-O2"]) {
        Compiled::Ok(exe) => run_program(&exe)
            .unwrap_or_else(|e| panic!("{e}"))
            .lines()
            .map(|l| l.trim_end().to_owned())
            .collect(),
        Compiled::Failed(stderr) => panic!("gcc failed on the driver:\n{stderr}\n{driver}"),
    };

    let types = Parser::new()
        .header(
            dir.path()
                .join("records.h")
                .to_str()
                .expect("UTF-8 temp path"),
        )
        .parse()
        .expect("records.h parses");
    let object = |name: &str, members: &[(&str, Value)]| {
        let mut data = CData::new_named(&types, name).unwrap();
        for (m, v) in members {
            data.set(m, v.clone()).unwrap();
        }
        Value::Data(data)
    };
    use Value::{Float, Int};
    let args: Vec<Vec<Value>> = vec![
        vec![
            object(
                "struct P3",
                &[("x", Float(1.5)), ("y", Float(-2.25)), ("z", Float(4.0))],
            ),
            Float(2.5),
        ],
        vec![
            object("struct P", &[("x", Float(1.0)), ("y", Float(2.0))]),
            object("struct P", &[("x", Float(4.0)), ("y", Float(-8.0))]),
        ],
        vec![Int(-11), Int(1 << 40)],
        vec![Int(-5), Float(0.75)],
        vec![Float(10.0), Int(-3)],
        vec![Int(65)],
        (1..=7)
            .map(Int)
            .chain([object(
                "struct P3",
                &[("x", Float(0.5)), ("y", Float(0.25)), ("z", Float(0.125))],
            )])
            .collect(),
    ];
    // SAFETY: a library just built from RECORDS_SOURCE; its initialisers do nothing.
    let module = Module::new(
        types.clone(),
        unsafe { Library::open(lib.to_str().unwrap()) }.unwrap(),
    );
    let shown = |data: &CData, members: &[&str]| {
        members
            .iter()
            .map(|m| match data.get(m).unwrap() {
                Value::Int(v) => v.to_string(),
                Value::Float(v) if v == (v as i64) as f64 => (v as i64).to_string(),
                Value::Float(v) => format!("{v:?}"),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut failures = Vec::new();
    for (((name, c_args, members), mut args), want) in calls.iter().zip(args).zip(&expected) {
        let f = module.function(name).unwrap();
        // SAFETY: the arguments match the C declarations.
        let Value::Data(first) = unsafe { f.call(&mut args) }.unwrap() else {
            panic!("{name} returns a record")
        };
        let mut out = CData::new(&types, first.ty()).unwrap();
        let (ok, count) = allocations(|| {
            (0..CALLS).all(|_| {
                // SAFETY: as above.
                unsafe { f.call_into(&mut args, &mut out) }.is_ok()
            })
        });
        for (way, got) in [
            ("call", shown(&first, members)),
            ("call_into", shown(&out, members)),
        ] {
            if got != *want {
                failures.push(format!(
                    "{name}({c_args}) by {way}: wyvern gave {got}, gcc's program {want}"
                ));
            }
        }
        if !ok || count != 0 {
            failures.push(format!(
                "{name}: call_into ok {ok}, {count} heap allocations in {CALLS} calls"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
