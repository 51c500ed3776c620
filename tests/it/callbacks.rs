//! Callbacks typed by the header, function pointers from C, panics in callbacks.

use crate::common;

use std::sync::OnceLock;

use common::{fixture, gcc_compile, run_program, Compiled, TempDir};
use wyvern::{CData, Callback, Library, Module, Parser, Value};

/// The fixture library, built once per test binary.
pub(crate) fn library() -> &'static str {
    static LIB: OnceLock<(TempDir, String)> = OnceLock::new();
    let (_, path) = LIB.get_or_init(|| {
        let dir = TempDir::new("callbacks");
        let source = std::fs::read_to_string(fixture("callbacks.c")).unwrap();
        let source = source.replace(
            "\"callbacks.h\"",
            &format!("\"{}\"", fixture("callbacks.h").display()),
        );
        let lib = match gcc_compile(
            dir.path(),
            "libcallbacks.so",
            &source,
            &["-shared", "-fPIC", "-O1", "-pthread"],
        ) {
            Compiled::Ok(p) => p.display().to_string(),
            Compiled::Failed(e) => panic!("{e}"),
        };
        (dir, lib)
    });
    path
}

pub(crate) fn module() -> Module {
    let types = Parser::new()
        .header(fixture("callbacks.h").display().to_string())
        .header("<stdlib.h>")
        .parse()
        .unwrap();
    // SAFETY: the fixture library has no initialisers.
    let libs = vec![
        unsafe { Library::open(library()) }.unwrap(),
        Library::this_process(),
    ];
    Module::with_libraries(types, libs)
}

/// What gcc's direct calls give, for the callbacks compared below.
fn gcc_expected() -> Vec<String> {
    let dir = TempDir::new("callbacks-driver");
    let source = format!(
        "#include <stdio.h>
#include \"{c}\"
int main(void) {{
    struct P p = {{ 1.5, 4.0 }}; struct P r = apply_p(c_scale_p, p, 3);
    printf(\"%a %a\\n\", r.x, r.y);
    union U u; u.i = 41; union U s = apply_u(c_bump_u, u, 'A');
    printf(\"%d\\n\", s.i);
    printf(\"%ld\\n\", apply_many(c_many));
    return 0;
}}
",
        c = fixture("callbacks.c").display()
    );
    let exe = gcc_compile(dir.path(), "driver", &source, &["-O1", "-pthread"]).built();
    run_program(&exe)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn qsort_and_bsearch_over_structs_with_a_rust_comparator() {
    let m = module();
    let types = m.types();
    let item = types.type_named("struct item").unwrap();
    let mut items = CData::new_named(types, "struct item [5]").unwrap();
    for (i, (key, name)) in [(42, "d"), (7, "a"), (19, "b"), (99, "e"), (23, "c")]
        .iter()
        .enumerate()
    {
        items.set(&format!("[{i}].key"), *key).unwrap();
        items
            .set(&format!("[{i}].weight"), *key as f64 / 2.0)
            .unwrap();
        items.set(&format!("[{i}].name"), *name).unwrap();
    }
    let qsort = m.function("qsort").unwrap();
    let key_of = move |v: &Value| {
        // SAFETY: qsort and bsearch pass pointers to elements of the array (or the key).
        let element =
            unsafe { CData::read_from(types, item, v.as_address().unwrap() as *const u8) }.unwrap();
        element.get("key").unwrap().as_int().unwrap()
    };
    let by_key = Callback::for_param(&qsort, 3, move |args: &[Value]| {
        key_of(&args[0]).cmp(&key_of(&args[1])) as i32
    })
    .unwrap();
    let size = types.layout(item.id).unwrap().size;
    let mut args = [
        Value::Ref(items),
        5.into(),
        Value::Int(size.into()),
        by_key.to_value(),
    ];
    // SAFETY: an array of 5 struct items, their size, and a comparator for them.
    unsafe { qsort.call(&mut args) }.unwrap();
    let sorted = args[0].as_data().unwrap();
    let keys: Vec<i128> = (0..5)
        .map(|i| sorted.get(&format!("[{i}].key")).unwrap().as_int().unwrap())
        .collect();
    assert_eq!(keys, [7, 19, 23, 42, 99]);
    assert!(
        sorted
            .to_string()
            .starts_with("{{.key = 7, .weight = 3.5, .name = \"a\"}"),
        "{sorted}"
    );

    let bsearch = m.function("bsearch").unwrap();
    let mut key = CData::new(types, item).unwrap();
    key.set("key", 42).unwrap();
    let mut args = [
        Value::Ref(key),
        args[0].clone(),
        5.into(),
        Value::Int(size.into()),
        by_key.to_value(),
    ];
    // SAFETY: a key, the sorted array, and the same comparator.
    let found = unsafe { bsearch.call(&mut args) }.unwrap();
    let found = found.as_address().unwrap();
    assert_ne!(found, 0);
    // SAFETY: bsearch returned a pointer into the array.
    let element = unsafe { CData::read_from(types, item, found as *const u8) }.unwrap();
    assert_eq!(element.get("weight").unwrap(), Value::Float(21.0));
}

#[test]
fn a_stored_callback_runs_later_on_a_thread_c_created() {
    let m = module();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let handler = Callback::with_type_name(m.types(), "unary_fn", move |args: &[Value]| {
        let x = args[0].as_int().unwrap();
        record.lock().unwrap().push(std::thread::current().id());
        x * 2 + 1
    })
    .unwrap();
    // SAFETY: the callback outlives every call below.
    unsafe {
        m.function("register_handler")
            .unwrap()
            .call(&mut [handler.to_value()])
            .unwrap();
        let r = m
            .function("run_handler_in_thread")
            .unwrap()
            .call(&mut [20.into()])
            .unwrap();
        assert_eq!(r, Value::Int(41));
    }
    let threads = seen.lock().unwrap();
    assert_eq!(threads.len(), 1);
    assert_ne!(
        threads[0],
        std::thread::current().id(),
        "C's own thread ran it"
    );
}

#[test]
fn structs_and_unions_by_value_through_callbacks_match_gcc() {
    let expected = gcc_expected();
    let m = module();
    let types = m.types();
    let scale = Callback::with_type_name(types, "p_fn", move |args: &[Value]| {
        let p = args[0].as_data().unwrap();
        let k = args[1].as_int().unwrap() as f64;
        let mut r = p.clone();
        r.set("x", p.get("x").unwrap().as_f64().unwrap() * k)
            .unwrap();
        r.set("y", p.get("y").unwrap().as_f64().unwrap() - k)
            .unwrap();
        Value::Data(r)
    })
    .unwrap();
    let r = apply_p(&m, &scale);
    let r = r.as_data().unwrap();
    let (x, y) = (
        r.get("x").unwrap().as_f64().unwrap(),
        r.get("y").unwrap().as_f64().unwrap(),
    );
    let want: Vec<f64> = expected[0].split(' ').map(parse_hex_float).collect();
    assert_eq!((x, y), (want[0], want[1]), "gcc printed {}", expected[0]);

    let bump = Callback::with_type_name(types, "u_fn", move |args: &[Value]| {
        let u = args[0].as_data().unwrap();
        let mut r = u.clone();
        r.set(
            "i",
            u.get("i").unwrap().as_int().unwrap() * 3 + args[1].as_int().unwrap(),
        )
        .unwrap();
        Value::Data(r)
    })
    .unwrap();
    let mut u = CData::new_named(types, "union U").unwrap();
    u.set("i", 41).unwrap();
    // SAFETY: as above.
    let s = unsafe {
        m.function("apply_u").unwrap().call(&mut [
            bump.to_value(),
            Value::Data(u),
            Value::Int('A' as i128),
        ])
    }
    .unwrap();
    assert_eq!(
        s.as_data().unwrap().get("i").unwrap().to_string(),
        expected[1]
    );

    let many = Callback::with_type_name(types, "many_fn", move |a: &[Value]| {
        let g = a[6].as_data().unwrap();
        let f = |v: &Value| v.as_f64().unwrap();
        let i = |v: &Value| v.as_int().unwrap() as i64;
        i(&a[0])
            + (f(&a[1]) * 4.0) as i64
            + i(&a[2])
            + (f(&a[3]) * 4.0) as i64
            + i(&a[4])
            + i(&a[5])
            + (f(&g.get("x").unwrap()) * 8.0) as i64
            + (f(&g.get("y").unwrap()) * 8.0) as i64
            + i(&a[7])
            + i(&a[8])
    })
    .unwrap();
    // SAFETY: as above.
    let r = unsafe {
        m.function("apply_many")
            .unwrap()
            .call(&mut [many.to_value()])
    }
    .unwrap();
    assert_eq!(r.to_string(), expected[2]);
}

/// `apply_p(scale, {1.5, 4.0}, 3)`: C calls the callback with a struct by value.
fn apply_p(m: &Module, scale: &Callback<'_>) -> Value {
    let mut p = CData::new_named(m.types(), "struct P").unwrap();
    p.set("x", 1.5).unwrap();
    p.set("y", 4.0).unwrap();
    // SAFETY: a callback of the parameter's type.
    unsafe {
        m.function("apply_p")
            .unwrap()
            .call(&mut [scale.to_value(), Value::Data(p), 3.into()])
    }
    .unwrap()
}

fn parse_hex_float(text: &str) -> f64 {
    let negative = text.starts_with('-');
    let body = text.trim_start_matches('-').trim_start_matches("0x");
    let v = match wyvern::types::Literal::parse(&format!("0x{body}"), true).unwrap() {
        wyvern::types::Literal::Float(f) => f.value,
        other => panic!("{other:?}"),
    };
    if negative {
        -v
    } else {
        v
    }
}

#[test]
fn function_pointers_from_c_are_callable_with_their_header_type() {
    let m = module();
    let types = m.types();
    let get_op = m.function("get_op").unwrap();
    // SAFETY: get_op returns one of its static functions (or NULL).
    let add = unsafe { get_op.call(&mut [Value::Int('+' as i128)]) }.unwrap();
    let binop = types.type_named("binop").unwrap();
    // SAFETY: get_op's result is a binop.
    let add = unsafe { m.function_at("add", binop, add.as_address().unwrap()) }.unwrap();
    // SAFETY: add has no preconditions.
    assert_eq!(
        unsafe { add.call(&mut [20.into(), 22.into()]) }.unwrap(),
        Value::Int(42)
    );
    // SAFETY: as above; NULL is refused before any call.
    let none = unsafe { get_op.call(&mut [Value::Int('?' as i128)]) }.unwrap();
    assert!(unsafe { m.function_at("none", binop, none.as_address().unwrap()) }.is_err());

    // A table of operations in a global struct.
    // SAFETY: reading the fixture's global.
    let table = unsafe { m.global("table") }.unwrap();
    let table = table.as_data().unwrap();
    let Value::Pointer(mul) = table.get("mul").unwrap() else {
        panic!()
    };
    let field_ty = table.type_at("mul").unwrap();
    // SAFETY: the field holds a binop.
    let mul = unsafe { m.function_at("table.mul", field_ty, mul) }.unwrap();
    // SAFETY: as above.
    assert_eq!(
        unsafe { mul.call(&mut [6.into(), 7.into()]) }.unwrap(),
        Value::Int(42)
    );
    let typed = mul
        .typed::<unsafe extern "C" fn(i32, i32) -> i32>()
        .unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { typed(5, 5) }, 25);
}

#[test]
fn a_panicking_callback_unwinds_in_rust_after_c_returns() {
    let m = module();
    let qsort = m.function("qsort").unwrap();
    let boom = Callback::for_param(&qsort, 3, |_: &[Value]| -> i32 {
        panic!("comparator exploded")
    })
    .unwrap();
    let mut numbers = [3i32, 1, 2];
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: an int array and a comparator of the right type.
        unsafe {
            qsort.call(&mut [
                Value::Pointer(numbers.as_mut_ptr() as usize),
                3.into(),
                4.into(),
                boom.to_value(),
            ])
        }
    }));
    let payload = outcome.expect_err("the panic reaches Rust");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"comparator exploded"));
    // The process is fine, and the next call is not affected.
    let fine = Callback::for_param(&qsort, 3, |a: &[Value]| {
        // SAFETY: pointers to ints of the array.
        let read = |v: &Value| unsafe { *(v.as_address().unwrap() as *const i32) };
        read(&a[0]).cmp(&read(&a[1])) as i32
    })
    .unwrap();
    // SAFETY: as above.
    unsafe {
        qsort.call(&mut [
            Value::Pointer(numbers.as_mut_ptr() as usize),
            3.into(),
            4.into(),
            fine.to_value(),
        ])
    }
    .unwrap();
    assert_eq!(numbers, [1, 2, 3]);
    // A result of the wrong kind is an error of the call, not a panic.
    let wrong = Callback::for_param(&qsort, 3, |_: &[Value]| "not an int").unwrap();
    // SAFETY: as above.
    let e = unsafe {
        qsort.call(&mut [
            Value::Pointer(numbers.as_mut_ptr() as usize),
            3.into(),
            4.into(),
            wrong.to_value(),
        ])
    }
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the result of the callback for parameter '__compar' (index 3) of 'qsort': \
         a string cannot be stored in 'int'"
    );
}

#[test]
fn variadic_and_non_function_types_are_refused() {
    let types =
        wyvern::cdef("typedef int (*logger)(const char *, ...); typedef int not_fn;").unwrap();
    let e = Callback::with_type_name(&types, "logger", |_: &[Value]| 0).unwrap_err();
    assert!(e.to_string().contains("cannot be variadic"), "{e}");
    let e = Callback::with_type_name(&types, "not_fn", |_: &[Value]| 0).unwrap_err();
    assert!(e.to_string().contains("not a function pointer type"), "{e}");
}

wyvern::c_struct! {
    /// `struct P` of the fixture.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct P { pub x: f64, pub y: f64 }
}

#[test]
fn typed_closures_are_checked_and_called_with_rust_values() {
    let expected = gcc_expected();
    let m = module();
    let types = m.types();
    // qsort over ints with a capturing typed closure.
    let qsort = m.function("qsort").unwrap();
    let comparator_ty = qsort.signature().params[3];
    let descending = true;
    let compare = Callback::typed(
        types,
        comparator_ty,
        move |(a, b): (*const std::ffi::c_void, *const std::ffi::c_void)| {
            // SAFETY: qsort passes pointers to elements of the int array.
            let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
            let order = a.cmp(&b) as i32;
            if descending {
                -order
            } else {
                order
            }
        },
    )
    .unwrap();
    let mut numbers = [5i32, -2, 9, 0];
    // SAFETY: an int array and a comparator for ints.
    unsafe {
        qsort.call(&mut [
            Value::Pointer(numbers.as_mut_ptr() as usize),
            4.into(),
            4.into(),
            compare.to_value(),
        ])
    }
    .unwrap();
    assert_eq!(numbers, [9, 5, 0, -2]);

    // A struct by value in and out, compared with gcc.
    let scale = Callback::typed(
        types,
        types.type_named("p_fn").unwrap(),
        |(p, k): (P, i32)| P {
            x: p.x * f64::from(k),
            y: p.y - f64::from(k),
        },
    )
    .unwrap();
    let r = apply_p(&m, &scale);
    let r = r.as_data().unwrap();
    let want: Vec<f64> = expected[0].split(' ').map(parse_hex_float).collect();
    assert_eq!(
        (
            r.get("x").unwrap().as_f64().unwrap(),
            r.get("y").unwrap().as_f64().unwrap()
        ),
        (want[0], want[1])
    );

    // A mismatch names the parameter; a panic still reaches Rust after C returns.
    let e = Callback::typed(
        types,
        types.type_named("unary_fn").unwrap(),
        |(x,): (u32,)| x as i32,
    )
    .unwrap_err();
    assert!(e.to_string().contains("parameter 1"), "{e}");
    let boom = Callback::typed(
        types,
        comparator_ty,
        |_: (*const std::ffi::c_void, *const std::ffi::c_void)| -> i32 {
            panic!("typed comparator exploded")
        },
    )
    .unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        qsort.call(&mut [
            Value::Pointer(numbers.as_mut_ptr() as usize),
            4.into(),
            4.into(),
            boom.to_value(),
        ])
    }));
    assert_eq!(
        outcome.unwrap_err().downcast_ref::<&str>(),
        Some(&"typed comparator exploded")
    );
}

/// Rust code that fails a system call, overwriting the real `errno` (ENOENT).
fn clobber_errno() {
    assert!(std::fs::File::open("/nonexistent/wyvern-errno").is_err());
}

#[test]
fn callbacks_see_c_errno_and_leave_it_unless_they_set_it() {
    let m = module();
    let across = m.function("errno_across").unwrap();
    let unary = m.types().type_named("unary_fn").unwrap();
    // Calls errno_across(f, before, &seen): C sets errno = before, calls f,
    // and returns errno as f left it; `seen` is what f returned.
    let run = |f: &Callback<'_>, before: i32| -> (i128, i128) {
        let seen = CData::new_named(m.types(), "int").unwrap();
        let mut args = [f.to_value(), before.into(), Value::Ref(seen)];
        // SAFETY: a callback of the parameter's type and an int to write.
        let after = unsafe { across.call(&mut args) }.unwrap();
        let seen = args[2].as_data().unwrap().get("").unwrap();
        (seen.as_int().unwrap(), after.as_int().unwrap())
    };
    let dynamic = Callback::for_param(&across, 0, |_: &[Value]| {
        clobber_errno();
        wyvern::last_errno()
    })
    .unwrap();
    let typed = Callback::typed(m.types(), unary, |(_,): (i32,)| {
        clobber_errno();
        wyvern::last_errno()
    })
    .unwrap();
    for f in [&dynamic, &typed] {
        // The callback sees C's errno, and C gets it back though Rust failed an open.
        assert_eq!(run(f, 33), (33, 33));
        assert_eq!(
            wyvern::last_errno(),
            33,
            "the call's errno is saved after it"
        );
    }

    // A callback that sets errno sets it for C, and so does a wyvern call inside it.
    let setting = Callback::for_param(&across, 0, |args: &[Value]| {
        wyvern::set_errno(61);
        args[0].as_int().unwrap() as i32
    })
    .unwrap();
    assert_eq!(run(&setting, 4), (4, 61));
    let strtol = m.function("strtol").unwrap();
    let calling = Callback::typed(m.types(), unary, move |(x,): (i32,)| {
        // SAFETY: a string out of range for long, and a NULL end pointer.
        unsafe { strtol.call(&mut ["99999999999999999999999".into(), Value::Null, 10.into()]) }
            .unwrap();
        x + 1
    })
    .unwrap();
    assert_eq!(run(&calling, 4), (5, libc::ERANGE as i128));
}

/// A record returned through memory that is smaller than a register (a packed
/// one under System V, a 3-byte one under ms_abi, as gcc returns them): the
/// callee writes its bytes at the caller's address and nothing after them,
/// whether its body writes the result, writes nothing or panics.
#[test]
fn callbacks_returning_small_records_in_memory_write_only_their_bytes() {
    let types = wyvern::cdef(
        "struct __attribute__((packed)) p5 { char c; int i; };\n\
         typedef struct p5 (*p5_fn)(void);\n\
         struct t3 { char a, b, c; };\n\
         typedef struct t3 (__attribute__((ms_abi)) *t3_fn)(void);",
    )
    .unwrap();
    const GUARD: u8 = 0xa5;
    // Calls the callback at `code` as C would, with the hidden result pointer
    // to a guarded buffer; the bytes of the buffer afterwards.
    let call = |code: *const std::ffi::c_void, ms: bool| -> [u8; 16] {
        let mut buffer = [GUARD; 16];
        let out = buffer.as_mut_ptr();
        // SAFETY: a callback of a function type that returns its record
        // through memory: it takes the buffer's address (rdi, or rcx under
        // ms_abi) and returns it.
        let back = unsafe {
            if ms {
                let f: extern "win64" fn(*mut u8) -> *mut u8 = std::mem::transmute(code);
                f(out)
            } else {
                let f: extern "C" fn(*mut u8) -> *mut u8 = std::mem::transmute(code);
                f(out)
            }
        };
        assert_eq!(back, out, "the hidden pointer comes back");
        buffer
    };
    for (name, size, ms) in [("p5_fn", 5, false), ("t3_fn", 3, true)] {
        let ty = types.type_named(name).unwrap();
        // A body writing the whole result.
        let writes = Callback::raw(&types, ty, move |ret, _| {
            // SAFETY: the result buffer holds the record's `size` bytes.
            unsafe { std::ptr::write_bytes(ret, 0x11, size) }
        })
        .unwrap();
        // One writing nothing, and one that panics: C gets zeroes.
        let nothing = Callback::raw(&types, ty, |_, _| {}).unwrap();
        let raw_panics = Callback::raw(&types, ty, |_, _| panic!("raw result exploded")).unwrap();
        let panics = Callback::new(&types, ty, |_: &[Value]| -> Value {
            panic!("result exploded")
        })
        .unwrap();
        for (what, callback, byte) in [
            ("writes", &writes, 0x11),
            ("nothing", &nothing, 0),
            ("raw panics", &raw_panics, 0),
            ("panics", &panics, 0),
        ] {
            let buffer = call(callback.address(), ms);
            let mut expected = [GUARD; 16];
            expected[..size].fill(byte);
            assert_eq!(buffer, expected, "{name}, a body that {what}");
        }
    }
}

/// A record whose first eightbyte holds no member (a set from DWARF, which
/// leaves unnamed bitfields out, or built by hand): System V passes only its
/// second eightbyte, and the callback must still find it at its offset in the
/// record, as wyvern's own calls put it there.
#[test]
fn a_record_whose_first_eightbyte_is_empty_reaches_a_callback_at_its_offset() {
    use wyvern::types::{Field, FnSig, RecordDef, RecordKind, TypeBuilder};
    use wyvern::{CallConv, FloatKind, Layout, QualType, Type};
    let mut builder = TypeBuilder::new(wyvern::types::Target::host());
    let double = builder.intern(Type::Float(FloatKind::Double), Some(Layout::new(8, 8)));
    let (record, record_ty) = builder.declare_record(RecordKind::Struct, Some("gap".into()), None);
    builder.define_record(
        record,
        RecordDef {
            layout: Layout::new(16, 8),
            fields: vec![Field {
                name: Some("d".into()),
                ty: QualType::from(double),
                offset_bits: 64,
                bit_width: None,
            }],
            packed: false,
        },
    );
    let sig = FnSig {
        ret: QualType::from(double),
        params: vec![QualType::from(record_ty)],
        variadic: false,
        prototyped: true,
        conv: CallConv::C,
    };
    let function = builder.intern(Type::Function(sig), None);
    let pointer = builder.intern(
        Type::Pointer(QualType::from(function)),
        Some(Layout::new(8, 8)),
    );
    let types = builder.freeze();
    let callback = Callback::raw(&types, QualType::from(pointer), |ret, args| {
        // SAFETY: the argument is a `struct gap`, its member at byte 8; the
        // result a double.
        unsafe {
            let d = args[0].add(8).cast::<f64>().read_unaligned();
            ret.cast::<f64>().write_unaligned(d);
        }
    })
    .unwrap();
    // SAFETY: the record's one data eightbyte is SSE: it travels in xmm0, the
    // first vector register, and the double result comes back there.
    let f: extern "C" fn(f64, f64) -> f64 = unsafe { std::mem::transmute(callback.address()) };
    assert_eq!(f(2.5, -1.0), 2.5);
}

/// Arguments past the registers, as gcc passes them to a callback: a
/// 16-byte-aligned record and an `__int128` each after one odd stack word
/// (so padded to 16), a ninth double, and the seventh integer and the last
/// argument on the stack around them. A backtrace taken inside goes through
/// the entry and C to the test.
#[test]
fn stack_arguments_reach_a_callback_where_gcc_puts_them() {
    let decls = "struct a16 { _Alignas(16) long a; long b; };\n\
        typedef long (*many_fn)(long, long, long, long, long, long, long, struct a16, long,\n\
            __int128, double, double, double, double, double, double, double, double,\n\
            double, long);\n\
        long call_many(many_fn f);\n";
    let source = format!(
        "{decls}long call_many(many_fn f) {{\n\
             struct a16 s = {{ 11, 12 }};\n\
             return f(1, 2, 3, 4, 5, 6, 7, s, 16, ((__int128)13 << 64) | 14,\n\
                      0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 15) + 1;\n\
         }}\n"
    );
    let dir = TempDir::new("callbacks-stack");
    let lib = gcc_compile(
        dir.path(),
        "libmany.so",
        &source,
        &["-shared", "-fPIC", "-O1"],
    )
    .built();
    let types = wyvern::cdef(decls).unwrap();
    // SAFETY: the library just built, of these declarations.
    let m = Module::new(
        types,
        unsafe { Library::open(lib.to_str().unwrap()) }.unwrap(),
    );
    let call_many = m.function("call_many").unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let callback = Callback::raw(m.types(), call_many.signature().params[0], |ret, args| {
        // SAFETY: each argument is of its parameter's type.
        let text = unsafe {
            let long = |i: usize| args[i].cast::<i64>().read_unaligned();
            let double = |i: usize| args[i].cast::<f64>().read_unaligned();
            let ints: Vec<i64> = (0..7).chain([8]).map(long).collect();
            let record = [long(7), args[7].cast::<i64>().add(1).read_unaligned()];
            let wide = args[9].cast::<i128>().read_unaligned();
            let doubles: Vec<f64> = (10..19).map(double).collect();
            format!("{ints:?} {record:?} {:#x} {doubles:?} {}", wide, long(19))
        };
        seen.lock().unwrap().push(text);
        // The entry's unwind information leads through C back to wyvern's
        // call (the C frame itself may be misnamed: the symbolizer's list of
        // libraries can predate this one's loading).
        let trace = std::backtrace::Backtrace::force_capture().to_string();
        assert!(
            trace.contains("Function::call"),
            "no wyvern call in\n{trace}"
        );
        // SAFETY: a long result.
        unsafe { ret.cast::<i64>().write_unaligned(41) };
    })
    .unwrap();
    // SAFETY: the callback is of the parameter's type.
    let result = unsafe { call_many.call(&mut [callback.to_value()]) }.unwrap();
    assert_eq!(result.as_int(), Some(42));
    assert_eq!(
        *seen.lock().unwrap(),
        ["[1, 2, 3, 4, 5, 6, 7, 16] [11, 12] 0xd000000000000000e \
          [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5] 15"]
    );
}

/// Callbacks made, called and dropped on several threads at once: each one
/// runs its own closure (the stubs of the pool are each given to one), and
/// those kept (and leaked) stay callable while others come and go.
#[test]
fn callbacks_made_and_dropped_on_many_threads_each_call_their_own_closure() {
    let types = wyvern::cdef("typedef long (*tag_fn)(long);").unwrap();
    let ty = types.type_named("tag_fn").unwrap();
    let make = |tag: i64| Callback::typed(&types, ty, move |(x,): (i64,)| tag * 1000 + x).unwrap();
    // SAFETY: callbacks of `long (*)(long)`.
    let call = |f: *const std::ffi::c_void, x: i64| unsafe {
        std::mem::transmute::<*const std::ffi::c_void, extern "C" fn(i64) -> i64>(f)(x)
    };
    let kept = make(-1);
    let leaked = make(-2).leak() as usize;
    std::thread::scope(|scope| {
        for thread in 0..4i64 {
            let (make, call, kept) = (&make, &call, &kept);
            scope.spawn(move || {
                let mut alive = Vec::new();
                for i in 0..300i64 {
                    let tag = thread * 10_000 + i;
                    let callback = make(tag);
                    assert_eq!(call(callback.address(), 7), tag * 1000 + 7);
                    if i % 3 == 0 {
                        alive.push((tag, callback));
                    }
                    if i % 50 == 0 {
                        alive.clear();
                    }
                    for (tag, callback) in &alive {
                        assert_eq!(call(callback.address(), 1), tag * 1000 + 1);
                    }
                    assert_eq!(call(kept.address(), 2), -1000 + 2);
                    assert_eq!(call(leaked as *const std::ffi::c_void, 3), -2000 + 3);
                }
            });
        }
    });
}
