//! Names as values: pointer constants (`SIG_IGN`, `MAP_FAILED`, `RTLD_DEFAULT`
//! from glibc's own headers) and declared functions passed by name for pointer
//! parameters, checked for the parameter's type; macros that name functions
//! called by the macro's name; function-like macros refused with what they
//! expand to. gcc builds the library and is the oracle for what C computes.

use crate::common;

use common::{gcc_compile, Compiled, TempDir};
use wyvern::{ConstValue, Library, Module, Parser, Value};

fn libc(headers: &[&str], gnu: bool) -> Module {
    let mut parser = Parser::new();
    for h in headers {
        parser = parser.header(*h);
    }
    if gnu {
        parser = parser.define("_GNU_SOURCE", None);
    }
    Module::new(
        parser.parse().expect("headers parse"),
        Library::this_process(),
    )
}

fn address(m: &Module, name: &str) -> usize {
    match m.types().constant(name).expect("listed").value {
        ConstValue::Pointer(a) => a as usize,
        ref other => panic!("{name} is {other:?}"),
    }
}

#[test]
fn sig_ign_by_name_reaches_signal() {
    let m = libc(&["<signal.h>"], false);
    let signal = m.function("signal").unwrap();
    let usr2 = Value::Ident("SIGUSR2".into());
    // SAFETY: SIGUSR2 is not raised; its disposition is set and restored.
    let before =
        unsafe { signal.call(&mut [usr2.clone(), Value::Ident("SIG_IGN".into())]) }.unwrap();
    // SAFETY: as above.
    let ignored = unsafe { signal.call(&mut [usr2, before]) }.unwrap();
    assert_eq!(ignored.as_address(), Some(address(&m, "SIG_IGN")));
    assert_eq!(address(&m, "SIG_IGN"), 1);
}

#[test]
fn map_failed_is_what_mmap_returns() {
    let m = libc(&["<sys/mman.h>"], false);
    let mmap = m.function("mmap").unwrap();
    let mut args = [
        Value::Ident("NULL".into()),
        Value::Int(0),
        Value::Ident("PROT_READ".into()),
        Value::Ident("MAP_PRIVATE".into()),
        Value::Int(-1),
        Value::Int(0),
    ];
    // SAFETY: a zero-length mapping fails with EINVAL and maps nothing.
    let result = unsafe { mmap.call(&mut args) }.unwrap();
    assert_eq!(result.as_address(), Some(address(&m, "MAP_FAILED")));
    assert_eq!(
        m.types()
            .spell(m.types().constant("MAP_FAILED").unwrap().ty),
        "void *"
    );
}

#[test]
fn rtld_default_finds_a_symbol() {
    let m = libc(&["<dlfcn.h>"], true);
    let dlsym = m.function("dlsym").unwrap();
    let mut args = [Value::Ident("RTLD_DEFAULT".into()), Value::from("strlen")];
    // SAFETY: dlsym reads the NUL-terminated name.
    let found = unsafe { dlsym.call(&mut args) }.unwrap();
    assert_eq!(
        found.as_address(),
        Some(m.symbol("strlen").unwrap() as usize)
    );
}

#[test]
fn an_incompatible_pointer_constant_is_refused() {
    let m = libc(&["<signal.h>", "<sys/mman.h>"], false);
    let signal = m.function("signal").unwrap();
    let mut args = [Value::Int(12), Value::Ident("MAP_FAILED".into())];
    // SAFETY: refused before any call.
    let e = unsafe { signal.call(&mut args) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "argument 2 ('__handler') of 'signal': 'MAP_FAILED' is a 'void *', which C does not \
         convert to '__sighandler_t'"
    );
    // NULL converts to every pointer, `void *` to every object pointer.
    let strlen = libc(&["<string.h>", "<signal.h>"], false);
    let strlen_fn = strlen.function("strlen").unwrap();
    // SAFETY: refused before any call.
    let e = unsafe { strlen_fn.call(&mut [Value::Ident("SIG_IGN".into())]) }.unwrap_err();
    assert!(
        e.to_string().contains(
            "'SIG_IGN' is a '__sighandler_t', which C does not convert to 'const char *'"
        ),
        "{e}"
    );
}

const LIBRARY: &str = r#"
typedef int (*unary)(int);
int apply(unary f, int x) { return f(x); }
int twice(int x) { return 2 * x; }
long widen(long x) { return x; }
unary pick(int which) { return which ? twice : 0; }
"#;

const HEADER: &str = r#"
typedef int (*unary)(int);
int apply(unary f, int x);
int twice(int x);
long widen(long x);
unary pick(int which);
#define doubled twice
#define doubled_again doubled
#define twice_of(x) twice((x))
#define NO_HANDLER ((unary)0)
#define ODD_HANDLER ((unary)3)
"#;

/// The library built by gcc, and a module over it.
fn built() -> (TempDir, Module) {
    let dir = TempDir::new("names-as-values");
    let library = match gcc_compile(dir.path(), "libnames.so", LIBRARY, &["-shared", "-fPIC"]) {
        Compiled::Ok(path) => path,
        Compiled::Failed(stderr) => panic!("gcc: {stderr}"),
    };
    let types = wyvern::cdef(HEADER).unwrap();
    // SAFETY: the library has no initialisers.
    let library = unsafe { Library::open(&library.display().to_string()) }.unwrap();
    (dir, Module::new(types, library))
}

#[test]
fn a_function_by_name_is_a_checked_function_pointer() {
    let (_dir, m) = built();
    let apply = m.function("apply").unwrap();
    // SAFETY: apply calls the function it is given with 21.
    let r = unsafe { apply.call(&mut [Value::Ident("twice".into()), Value::Int(21)]) }.unwrap();
    assert_eq!(r, Value::Int(42));
    // Through a macro that names it, two deep.
    // SAFETY: as above.
    let r = unsafe { apply.call(&mut [Value::Ident("doubled_again".into()), Value::Int(5)]) };
    assert_eq!(r.unwrap(), Value::Int(10));
    // The address is the one C takes of it.
    let pick = m.function("pick").unwrap();
    // SAFETY: pick returns a function pointer.
    let from_c = unsafe { pick.call(&mut [Value::Int(1)]) }.unwrap();
    let unary = m.types().type_named("unary").unwrap();
    assert_eq!(m.function_value("twice", unary.id).unwrap(), from_c);
    // SAFETY: refused before any call.
    let e = unsafe { apply.call(&mut [Value::Ident("widen".into()), Value::Int(1)]) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "argument 1 ('f') of 'apply': the function 'widen' is a 'long (long)', which C does not \
         convert to 'unary'"
    );
    let int_ptr = m.types().type_named("int *").unwrap();
    let e = m.function_value("twice", int_ptr.id).unwrap_err();
    assert!(
        e.to_string()
            .contains("which C does not convert to 'int *'"),
        "{e}"
    );
}

#[test]
fn pointer_constants_of_a_function_pointer_type() {
    let (_dir, m) = built();
    let apply = m.function("apply").unwrap();
    let unary = m.types().constant("ODD_HANDLER").unwrap();
    assert_eq!(m.types().spell(unary.ty), "unary");
    assert_eq!(unary.value, ConstValue::Pointer(3));
    let pick = m.function("pick").unwrap();
    // SAFETY: pick(0) returns NULL.
    let none = unsafe { pick.call(&mut [Value::Int(0)]) }.unwrap();
    assert_eq!(none.as_address(), Some(address(&m, "NO_HANDLER")));
    // A function-pointer constant is no `int`.
    let e = m.types().evaluate("ODD_HANDLER + 1").unwrap_err();
    assert!(e.to_string().contains("pointer"), "{e}");
    assert_eq!(
        m.types().evaluate("(long)ODD_HANDLER").unwrap(),
        ConstValue::Int(3)
    );
    drop(apply);
}

#[test]
fn macros_that_name_functions() {
    let (_dir, m) = built();
    let doubled = m.function("doubled").unwrap();
    assert_eq!(doubled.name(), "twice");
    // SAFETY: twice has no preconditions.
    assert_eq!(
        unsafe { doubled.call(&mut [Value::Int(4)]) }.unwrap(),
        Value::Int(8)
    );
    let e = m.function("twice_of").unwrap_err();
    assert!(matches!(
        e.kind(),
        wyvern::ErrorKind::FunctionLikeMacro { .. }
    ));
    assert_eq!(
        e.to_string(),
        "'twice_of' is a function-like macro, not a function: twice_of(x) expands to \
         twice((x)) (defined at <cdef>:9:9); call 'twice' with the arguments it expands to"
    );
}

#[test]
fn zlib_deflate_init_says_what_it_expands_to() {
    if !common::header_installed("zlib.h") {
        return;
    }
    let types = Parser::new().header("<zlib.h>").parse().unwrap();
    let e = types.function("deflateInit").unwrap_err().to_string();
    assert!(
        e.starts_with(
            "'deflateInit' is a function-like macro, not a function: deflateInit(strm, level) \
             expands to deflateInit_((strm), (level), ZLIB_VERSION, (int)sizeof(z_stream))"
        ),
        "{e}"
    );
    assert!(
        e.ends_with("; call 'deflateInit_' with the arguments it expands to"),
        "{e}"
    );
}

/// `wyvern call` with `args`: stdout on success, else `Err(stderr)`.
fn cli(args: &[&str]) -> Result<String, String> {
    let out = common::run_wyvern(args);
    if out.success() {
        Ok(out.stdout)
    } else {
        assert_eq!(out.status, Some(1), "{}", out.describe());
        Err(out.stderr)
    }
}

#[test]
fn the_cli_takes_pointer_constants_functions_and_macros_by_name() {
    let dir = TempDir::new("names-as-values-cli");
    let library = match gcc_compile(dir.path(), "libnames.so", LIBRARY, &["-shared", "-fPIC"]) {
        Compiled::Ok(path) => path.display().to_string(),
        Compiled::Failed(stderr) => panic!("gcc: {stderr}"),
    };
    let call = |extra: &[&str]| {
        let mut args = vec!["call", "--cdef", HEADER, "-l", &library];
        args.extend_from_slice(extra);
        cli(&args)
    };
    assert_eq!(call(&["apply", "twice", "21"]).unwrap(), "42\n");
    assert_eq!(call(&["apply", "doubled", "4"]).unwrap(), "8\n");
    assert_eq!(call(&["doubled", "5"]).unwrap(), "10\n");
    let e = call(&["apply", "widen", "1"]).unwrap_err();
    assert!(
        e.contains("the function 'widen' is a 'long (long)', which C does not convert to 'unary'"),
        "{e}"
    );
    let e = call(&["twice_of", "1"]).unwrap_err();
    assert!(
        e.starts_with(
            "error: 'twice_of' is a function-like macro, not a function: twice_of(x) expands to twice((x))"
        ),
        "{e}"
    );
    // glibc's own constants, by name, as C passes them.
    let signal = |handler: &str| {
        cli(&[
            "call",
            "-H",
            "<signal.h>",
            "-H",
            "<sys/mman.h>",
            "signal",
            "12",
            handler,
        ])
    };
    assert_eq!(signal("SIG_IGN").unwrap(), "NULL\n");
    let e = signal("MAP_FAILED").unwrap_err();
    assert!(
        e.contains("'MAP_FAILED' is a 'void *', which C does not convert to '__sighandler_t'"),
        "{e}"
    );
    // mmap's failure is MAP_FAILED's address.
    let json = common::wyvern_json(&[
        "call",
        "--json",
        "-H",
        "<sys/mman.h>",
        "mmap",
        "NULL",
        "0",
        "PROT_READ",
        "MAP_PRIVATE",
        "-1",
        "0",
    ])
    .unwrap();
    assert_eq!(json["return"], "0xffffffffffffffff");
}

#[test]
fn dump_lists_pointer_constants_and_function_macros() {
    let json = common::wyvern_json(&["dump", "--json", "--cdef", HEADER]).unwrap();
    let constants = json["constants"].as_array().unwrap();
    let odd = constants
        .iter()
        .find(|c| c["name"] == "ODD_HANDLER")
        .unwrap();
    assert_eq!(
        odd,
        &serde_json::json!({"name": "ODD_HANDLER", "type": "unary", "value": "0x3", "origin": "macro"})
    );
    let macros = json["function_macros"].as_array().unwrap();
    assert_eq!(
        macros,
        &vec![
            serde_json::json!({"name": "doubled", "params": null, "body": "twice"}),
            serde_json::json!({"name": "doubled_again", "params": null, "body": "doubled"}),
            serde_json::json!({"name": "twice_of", "params": ["x"], "body": "twice((x))"}),
        ]
    );
    let text = cli(&["dump", "--cdef", HEADER]).unwrap();
    assert!(
        text.contains("ODD_HANDLER = 0x3;  /* unary, macro */"),
        "{text}"
    );
    assert!(text.contains("#define twice_of(x) twice((x))\n"), "{text}");
    assert!(text.contains("#define doubled twice\n"), "{text}");
}

#[test]
fn pointer_constants_go_into_fields_and_variadic_arguments() {
    let m = libc(
        &["<signal.h>", "<stdio.h>", "<sys/mman.h>", "<stdlib.h>"],
        false,
    );
    // A field of a real struct, through its union.
    let mut action = m.new_object("struct sigaction").unwrap();
    let handler = "__sigaction_handler.sa_handler";
    action.set(handler, Value::Ident("SIG_IGN".into())).unwrap();
    assert_eq!(action.get(handler).unwrap().as_address(), Some(1));
    let e = action
        .set(handler, Value::Ident("MAP_FAILED".into()))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("which C does not convert to '__sighandler_t'"),
        "{e}"
    );
    // A function has an address only in a library: an object cannot resolve it.
    let e = action
        .set(handler, Value::Ident("abort".into()))
        .unwrap_err();
    assert!(
        e.to_string().contains("the function 'abort' by name"),
        "{e}"
    );
    // A variadic pointer constant travels as its own pointer type.
    let snprintf = m.function("snprintf").unwrap();
    let mut args = [
        Value::Bytes(vec![0; 32]),
        Value::Int(32),
        Value::from("%p"),
        Value::Ident("MAP_FAILED".into()),
    ];
    // SAFETY: `%p` takes the one pointer given; the buffer holds 32 bytes.
    unsafe { snprintf.call(&mut args) }.unwrap();
    let Value::Bytes(text) = &args[0] else {
        unreachable!()
    };
    let text = text.split(|b| *b == 0).next().unwrap();
    assert_eq!(text, format!("{:#x}", address(&m, "MAP_FAILED")).as_bytes());
}

#[test]
fn a_database_keeps_pointer_constants_and_function_macros() {
    let (types, inputs) = Parser::new().cdef(HEADER).parse_with_inputs().unwrap();
    let bytes = wyvern::db::Database::new(types, &inputs).to_bytes();
    let loaded = wyvern::db::load(&bytes).unwrap();
    let odd = loaded.constant("ODD_HANDLER").unwrap();
    assert_eq!(
        (odd.value.clone(), loaded.spell(odd.ty)),
        (ConstValue::Pointer(3), "unary".into())
    );
    assert_eq!(loaded.function("doubled_again").unwrap().name, "twice");
    assert!(matches!(
        loaded.function("twice_of").unwrap_err().kind(),
        wyvern::ErrorKind::FunctionLikeMacro { .. }
    ));
    assert_eq!(loaded.function_macros().count(), 3);
}

#[test]
fn sqlite3_binds_a_transient_string() {
    if !common::header_installed("sqlite3.h") {
        return;
    }
    let types = Parser::new().header("<sqlite3.h>").parse().unwrap();
    // SAFETY: libsqlite3's initialisers are sound to run.
    let Ok(library) = (unsafe { Library::open("libsqlite3.so.0") }) else {
        return;
    };
    let m = Module::new(types, library);
    let call = |name: &str, args: &mut [Value]| {
        // SAFETY: each call below follows sqlite3's contract: valid handles,
        // NUL-terminated SQL, out-parameters of the declared types.
        unsafe { m.function(name).unwrap().call(args) }.unwrap()
    };
    let db = m.new_object("sqlite3 *").unwrap();
    let mut args = [Value::from(":memory:"), Value::Ref(db)];
    assert_eq!(call("sqlite3_open", &mut args), Value::Int(0));
    let db = args[1].as_data().unwrap().get("").unwrap();
    let statement = m.new_object("sqlite3_stmt *").unwrap();
    let mut args = [
        db.clone(),
        Value::from("select ?"),
        Value::Int(-1),
        Value::Ref(statement),
        Value::Ident("NULL".into()),
    ];
    assert_eq!(call("sqlite3_prepare_v2", &mut args), Value::Int(0));
    let statement = args[3].as_data().unwrap().get("").unwrap();
    {
        // sqlite copies the text (SQLITE_TRANSIENT): the string is dropped before the step.
        let mut args = [
            statement.clone(),
            Value::Int(1),
            Value::from("hello"),
            Value::Int(-1),
            Value::Ident("SQLITE_TRANSIENT".into()),
        ];
        assert_eq!(call("sqlite3_bind_text", &mut args), Value::Int(0));
    }
    assert_eq!(call("sqlite3_step", &mut [statement.clone()]), row(&m));
    let text = call(
        "sqlite3_column_text",
        &mut [statement.clone(), Value::Int(0)],
    );
    let address = text.as_address().unwrap();
    // SAFETY: sqlite3_column_text returns a NUL-terminated string valid until the next step.
    let text = unsafe { std::ffi::CStr::from_ptr(address as *const std::ffi::c_char) };
    assert_eq!(text.to_bytes(), b"hello");
    call("sqlite3_finalize", &mut [statement]);
    call("sqlite3_close", &mut [db]);
}

/// `SQLITE_ROW` as the header defines it.
fn row(m: &Module) -> Value {
    match m.types().constant("SQLITE_ROW").unwrap().value {
        ConstValue::Int(v) => Value::Int(v),
        ref other => panic!("SQLITE_ROW is {other:?}"),
    }
}

/// Reserved names (`__INT64_C`) are the implementation's: not kept as macros
/// to call, so the set does not depend on which a libclang predefines.
#[test]
fn reserved_function_macros_are_left_out() {
    let types = wyvern::cdef(
        "#define __MY_F(x) x\n#define _My_G(x) x\n#define MY_F(x) __MY_F(x)\nint f(int);",
    )
    .unwrap();
    let names: Vec<_> = types.function_macros().map(|m| m.name.clone()).collect();
    assert_eq!(names, ["MY_F"]);
}
