//! All-scalar signatures, which wyvern calls without libffi: every integer
//! width and signedness, float and double, pointers, in random orders, in
//! registers only and with the arguments the registers do not hold on the
//! stack, compared with gcc's direct calls.

use crate::common;

use common::{gcc_compile, run_program, Compiled, Rng, TempDir};
use wyvern::{Library, Module, Value};

/// (C type, size, signed, is_float)
const SCALARS: &[(&str, u32, bool, bool)] = &[
    ("signed char", 1, true, false),
    ("unsigned char", 1, false, false),
    ("short", 2, true, false),
    ("unsigned short", 2, false, false),
    ("int", 4, true, false),
    ("unsigned int", 4, false, false),
    ("long", 8, true, false),
    ("unsigned long", 8, false, false),
    ("float", 4, true, true),
    ("double", 8, true, true),
];

/// A value of the scalar type, including the extremes, as a C literal and a Value.
fn value(rng: &mut Rng, (ty, size, signed, float): (&str, u32, bool, bool)) -> (String, Value) {
    if float {
        let v = (rng.below(2000) as f64 - 1000.0) / 8.0;
        let suffix = if ty == "float" { "f" } else { "" };
        return (format!("{v:?}{suffix}"), Value::Float(v));
    }
    let bits = size * 8;
    let (min, max): (i128, i128) = if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    };
    let v = match rng.below(4) {
        0 => min,
        1 => max,
        2 => (-1i128).max(min),
        _ => min + (rng.next() as i128).rem_euclid(max - min + 1),
    };
    let long = if size == 8 { "L" } else { "" };
    let literal = if signed && v == min {
        format!("({}{long} - 1)", v + 1)
    } else {
        format!("{v}{}{long}", if signed { "" } else { "u" })
    };
    (format!("({ty})({literal})"), Value::Int(v))
}

#[test]
fn register_only_signatures_match_gcc() {
    signatures_match_gcc(0x5eed, false);
}

/// Integer parameters only (the prepared call's straight-line path, up to six
/// of them; seven and eight take the stack), every width, extremes included;
/// a value one past its parameter's range is refused by name.
#[test]
fn integer_only_signatures_match_gcc() {
    signatures_match_gcc(0x1e7, true);
}

fn signatures_match_gcc(seed: u64, integers_only: bool) {
    let mut rng = Rng(seed);
    let dir = TempDir::new(if integers_only {
        "direct-int-calls"
    } else {
        "direct-calls"
    });
    let (mut header, mut library, mut driver) = (String::new(), String::new(), String::new());
    let mut calls = Vec::new();
    for n in 0..120 {
        // Half the signatures fit the registers; the others pass the rest on
        // the stack (up to 24 parameters).
        let (mut gpr, mut sse) = (0, 0);
        let stack = n % 2 == 1;
        let mut params = Vec::new();
        let count = match (integers_only, stack) {
            (true, _) => rng.below(9),
            (false, true) => rng.below(24),
            (false, false) => rng.below(12),
        };
        for _ in 0..count {
            let s = if integers_only {
                SCALARS[rng.below(8)]
            } else {
                SCALARS[rng.below(SCALARS.len())]
            };
            let pointer = !integers_only && !s.3 && rng.below(8) == 0;
            let stack = stack || integers_only;
            if !stack && ((s.3 && sse == 8) || (!s.3 && gpr == 6)) {
                continue;
            }
            if s.3 {
                sse += 1
            } else {
                gpr += 1
            }
            params.push((s, pointer));
        }
        let ret = SCALARS[rng.below(SCALARS.len())];
        let ret_void = rng.below(10) == 0;
        let ret_pointer = !ret_void && rng.below(10) == 0;
        let decl_params: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(i, ((ty, ..), p))| format!("{ty} {}a{i}", if *p { "*" } else { "" }))
            .collect();
        let ret_ty = if ret_void {
            "void".to_string()
        } else if ret_pointer {
            "char *".into()
        } else {
            ret.0.into()
        };
        let proto = format!(
            "{ret_ty} f{n}({})",
            if decl_params.is_empty() {
                "void".into()
            } else {
                decl_params.join(", ")
            }
        );
        header.push_str(&format!("{proto};\n"));
        // The body mixes every argument into the result (and a global log).
        let mut body = String::from("    double h = 0;\n");
        for (i, (_, p)) in params.iter().enumerate() {
            let v = if *p {
                format!("(double)(unsigned long)a{i}")
            } else {
                format!("(double)a{i}")
            };
            body.push_str(&format!("    h = h * 3.0 + {v}; log_value(h);\n"));
        }
        // Kept within long's range: converting a double beyond it is undefined,
        // and gcc folding the driver's copy may give another value than the
        // library's run-time conversion.
        body.push_str("    while (h > 9e18 || h < -9e18) h /= 1e10;\n");
        let result = match (ret_void, ret_pointer) {
            (true, _) => String::new(),
            (_, true) => "    return (char *)(unsigned long)(h < 0 ? -h : h);\n".into(),
            _ => format!("    return ({})(long)h;\n", ret.0),
        };
        library.push_str(&format!("{proto} {{\n{body}{result}}}\n"));
        let mut args = Vec::new();
        let mut literals = Vec::new();
        for (s, p) in &params {
            if *p {
                let address = 0x1000 + rng.below(1 << 20) as u64 * 8;
                literals.push(format!("(void *){address}ul"));
                args.push(Value::Pointer(address as usize));
            } else {
                let (lit, v) = value(&mut rng, *s);
                literals.push(lit);
                args.push(v);
            }
        }
        let print = match (ret_void, ret_pointer, ret.3) {
            (true, ..) => format!("f{n}({}); printf(\"void\");", literals.join(", ")),
            (_, true, _) => format!(
                "printf(\"%lu\", (unsigned long)f{n}({}));",
                literals.join(", ")
            ),
            (_, _, true) => format!("printf(\"%a\", (double)f{n}({}));", literals.join(", ")),
            (..) if ret.2 => format!("printf(\"%ld\", (long)f{n}({}));", literals.join(", ")),
            _ => format!(
                "printf(\"%lu\", (unsigned long)f{n}({}));",
                literals.join(", ")
            ),
        };
        driver.push_str(&format!("    {print} printf(\" %a\\n\", log_sum());\n"));
        let past = params
            .iter()
            .enumerate()
            .find_map(|(i, ((_, size, signed, float), p))| {
                let past = match signed {
                    true => 1i128 << (size * 8 - 1),
                    false => 1i128 << (size * 8),
                };
                (integers_only && !float && !p).then_some((i, past))
            });
        calls.push((format!("f{n}"), args, ret_void, ret_pointer, ret.3, past));
    }
    let support = "double log_total; int log_count;\nvoid log_value(double v) { log_total = log_total * 0.5 + v; log_count++; }\ndouble log_sum(void) { double t = log_total; log_total = 0; return t; }\n";
    std::fs::write(
        dir.path().join("direct.h"),
        format!("void log_value(double);\ndouble log_sum(void);\n{header}"),
    )
    .unwrap();
    let library = format!("#include \"direct.h\"\n{support}{library}");
    std::fs::write(dir.path().join("direct_lib.c"), &library).unwrap();
    let lib = gcc_compile(
        dir.path(),
        "libdirect.so",
        &library,
        &["-shared", "-fPIC", "-O1"],
    )
    .built();
    let exe = match gcc_compile(dir.path(), "driver", &format!("#include <stdio.h>\n#include \"direct_lib.c\"\nint main(void) {{\n{driver}    return 0;\n}}\n"), &["-O1"]) {
        Compiled::Ok(p) => p,
        Compiled::Failed(e) => panic!("{e}"),
    };
    let expected = run_program(&exe).unwrap();
    let types = wyvern::Parser::new()
        .header(dir.path().join("direct.h").display().to_string())
        .parse()
        .unwrap();
    // SAFETY: the library was just built from the C above.
    let module = Module::new(
        types,
        unsafe { Library::open(&lib.display().to_string()) }.unwrap(),
    );
    let log_sum = module.function("log_sum").unwrap();
    for ((name, mut args, void, pointer, float, past), want) in
        calls.into_iter().zip(expected.lines())
    {
        let f = module.function(&name).unwrap();
        if let Some((i, past)) = past {
            // One past the range: refused, naming the argument, before any call.
            let mut wrong = args.clone();
            wrong[i] = Value::Int(past);
            // SAFETY: refused before the call.
            let e = unsafe { f.call(&mut wrong) }.unwrap_err();
            let place = format!("argument {} ('a{i}') of '{name}'", i + 1);
            assert!(e.to_string().starts_with(&place), "{e}");
            // And one argument too few.
            // SAFETY: as above.
            let e = unsafe { f.call(&mut wrong[1..]) }.unwrap_err();
            assert!(
                matches!(e.kind(), wyvern::ErrorKind::ArgumentCount { .. }),
                "{e}"
            );
        }
        // SAFETY: the functions only do arithmetic on their arguments.
        let got = unsafe { f.call(&mut args) }.unwrap();
        let shown = match (void, pointer, float, &got) {
            (true, ..) => "void".to_string(),
            (_, true, _, Value::Pointer(a)) => a.to_string(),
            (_, true, _, Value::Null) => "0".into(),
            (_, _, true, Value::Float(v)) => hex_float(*v),
            (.., Value::Int(v)) => v.to_string(),
            _ => format!("{got:?}"),
        };
        // SAFETY: as above.
        let Value::Float(log) = unsafe { log_sum.call(&mut []) }.unwrap() else {
            panic!()
        };
        assert_eq!(
            format!("{shown} {}", hex_float(log)),
            want,
            "{}",
            f.prototype()
        );
    }
}

/// `printf("%a")` of a double, as glibc prints it.
fn hex_float(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0x0p+0".into()
        } else {
            "0x0p+0".into()
        };
    }
    let bits = v.to_bits();
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mantissa = bits & ((1 << 52) - 1);
    let (lead, e) = if exp == 0 {
        (0, -1022)
    } else {
        (1, exp - 1023)
    };
    let mut digits = 13;
    while digits > 0 && mantissa & 0xf == 0 {
        mantissa >>= 4;
        digits -= 1;
    }
    if digits == 0 {
        format!("{sign}0x{lead}p{e:+}")
    } else {
        format!("{sign}0x{lead}.{mantissa:0digits$x}p{e:+}")
    }
}

/// The integer-only straight line (`call_ints`) and the general-registers
/// path around callbacks that fail, panic or call back into wyvern, and
/// results whose callee leaves bits above the result's width: what each
/// path gives back, the errno it saves and the calls after it.
#[test]
fn integer_only_calls_around_failing_callbacks_and_wide_results() {
    let dir = TempDir::new("direct-int-callbacks");
    let header = "typedef long (*lfn)(long);
long through(long f, long x);
long through_ptr(lfn f, long x);
int set_errno_to(int e);
unsigned char wide_uchar(int x);
signed char wide_schar(int x);
unsigned short wide_ushort(void);
short wide_short(void);
unsigned int wide_uint(void);
int wide_int(void);
";
    // The definitions disagree with the header on purpose: each returns a
    // wider value than its declared result, as a callee may leave rax.
    let library = "#include <errno.h>
typedef long (*lfn)(long);
long through(long f, long x) { return ((lfn)f)(x) + 1; }
long through_ptr(lfn f, long x) { return f(x) + 1; }
int set_errno_to(int e) { errno = e; return -1; }
long wide_uchar(int x) { return 0x7fffff00L | x; }
long wide_schar(int x) { return 0x7fffff00L | x; }
long wide_ushort(void) { return 0x12348765L; }
long wide_short(void) { return 0x12348765L; }
long wide_uint(void) { return 0x1234567880000001L; }
long wide_int(void) { return 0x1234567880000001L; }
";
    std::fs::write(dir.path().join("ints.h"), header).unwrap();
    let lib = gcc_compile(
        dir.path(),
        "libints.so",
        library,
        &["-shared", "-fPIC", "-O1"],
    )
    .built();
    let types = wyvern::Parser::new()
        .header(dir.path().join("ints.h").display().to_string())
        .parse()
        .unwrap();
    // SAFETY: the library was just built from the C above.
    let module = Module::new(
        types,
        unsafe { Library::open(&lib.display().to_string()) }.unwrap(),
    );
    let call = |name: &str, args: &mut [Value]| {
        let f = module.function(name).unwrap();
        // SAFETY: the functions above, with arguments of their types (a
        // callback's address for `f`).
        unsafe { f.call(args) }
    };
    for (name, arg, want) in [
        ("wide_uchar", Some(0x80), 0x80),
        ("wide_schar", Some(0x80), -128),
        ("wide_ushort", None, 0x8765),
        ("wide_short", None, 0x8765 - 0x10000),
        ("wide_uint", None, 0x8000_0001),
        ("wide_int", None, 0x8000_0001 - (1i128 << 32)),
    ] {
        let mut args: Vec<Value> = arg.map(Value::Int).into_iter().collect();
        assert_eq!(call(name, &mut args).unwrap(), Value::Int(want), "{name}");
    }

    let lfn = module.types().type_named("lfn").unwrap();
    let twice = wyvern::Callback::new(module.types(), lfn, |a: &[Value]| {
        a[0].as_int().unwrap() as i64 * 2
    })
    .unwrap();
    let boom = wyvern::Callback::new(module.types(), lfn, |_: &[Value]| -> i64 {
        panic!("integer callback exploded")
    })
    .unwrap();
    let wrong = wyvern::Callback::new(module.types(), lfn, |_: &[Value]| "not a long").unwrap();
    // The address as the `long` the integer-only path takes, or as the
    // pointer the general-registers path takes.
    for (name, as_long) in [("through", true), ("through_ptr", false)] {
        // The address as the `long` the integer-only path takes, or as the
        // pointer the general-registers path takes.
        let pass = move |c: &wyvern::Callback<'_>| match as_long {
            true => Value::Int(c.to_value().as_address().unwrap() as i128),
            false => c.to_value(),
        };
        assert_eq!(
            call(name, &mut [pass(&twice), 20.into()]).unwrap(),
            Value::Int(41),
            "{name}"
        );
        call("set_errno_to", &mut [Value::Int(33)]).unwrap();
        assert_eq!(wyvern::last_errno(), 33);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            call(name, &mut [pass(&boom), 1.into()])
        }));
        let payload = outcome.expect_err("the panic reaches Rust");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"integer callback exploded"),
            "{name}"
        );
        // The saved errno survived the panic's path, and the next call is fine.
        assert_eq!(wyvern::last_errno(), 33, "{name}");
        let e = call(name, &mut [pass(&wrong), 1.into()]).unwrap_err();
        assert!(
            e.to_string().contains("not a long") || e.to_string().contains("string"),
            "{e}"
        );
        assert_eq!(
            call(name, &mut [pass(&twice), 5.into()]).unwrap(),
            Value::Int(11),
            "{name}"
        );
        // A callback whose own wyvern call fails inside: the failure is the
        // inner call's, and the outer call returns normally.
        let inner_failed = std::sync::atomic::AtomicBool::new(false);
        let nesting = wyvern::Callback::new(module.types(), lfn, |a: &[Value]| {
            let inner = call(name, &mut [pass(&wrong), 1.into()]);
            inner_failed.store(inner.is_err(), std::sync::atomic::Ordering::Relaxed);
            a[0].as_int().unwrap() as i64
        })
        .unwrap();
        assert_eq!(
            call(name, &mut [pass(&nesting), 7.into()]).unwrap(),
            Value::Int(8),
            "{name}"
        );
        assert!(inner_failed.load(std::sync::atomic::Ordering::Relaxed));
        // Wrong counts and kinds are refused before C.
        assert!(call(name, &mut [pass(&twice)]).is_err());
        assert!(call(name, &mut [pass(&twice), 1.into(), 2.into()]).is_err());
        assert!(call(name, &mut [pass(&twice), Value::Float(1.0)]).is_err());
        assert!(call(name, &mut [pass(&twice), Value::Int(1i128 << 63)]).is_err());
    }
}
