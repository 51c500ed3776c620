//! Parameters declared as arrays (`uuid_t out`, `int a[4]`, `double m[3][3]`,
//! `int a[static 8]`): C adjusts each to a pointer, and wyvern keeps the
//! declared array beside it, to size the arguments it makes and to refuse
//! short ones. gcc compiles the functions (include-fixtures/arrays.c), which
//! read or write the whole array, so a short argument would show in what they
//! return; gcc's debug info is the oracle for the adjusted prototypes.

use crate::common::{self, gcc_compile, Compiled, TempDir};
use crate::libclang_versions::installed_libclangs;

use wyvern::types::FunctionDecl;
use wyvern::{CData, ErrorKind, Module, TypeSet, Value, ValueProblem};

fn module() -> Module {
    common::fixture_library("arrays").module()
}

fn function<'s>(types: &'s TypeSet, name: &str) -> &'s FunctionDecl {
    types
        .function(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The declared array of each parameter of `name`, spelled (`None`: not an array).
fn declared(types: &TypeSet, name: &str) -> Vec<Option<String>> {
    let f = function(types, name);
    let params = types.fn_sig(f.ty).unwrap().params.len();
    (0..params)
        .map(|i| f.param_array(i).map(|a| types.spell(a)))
        .collect()
}

#[test]
fn the_declared_array_is_kept_beside_the_pointer() {
    let module = module();
    let types = module.types();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(declared(types, "fill_uuid"), [some("uuid_t")]);
    assert_eq!(
        declared(types, "compare_uuid"),
        [some("const uuid_t"), some("const uuid_t")]
    );
    assert_eq!(declared(types, "sum4"), [some("int [4]")]);
    assert_eq!(declared(types, "trace3"), [some("double [3][3]")]);
    assert_eq!(declared(types, "sum_static"), [None, some("int [8]")]);
    // No known length: nothing to keep.
    for name in ["sum_n", "sum_vla", "sum_pointer"] {
        assert!(declared(types, name).iter().all(Option::is_none), "{name}");
        assert!(function(types, name).param_arrays.is_empty(), "{name}");
    }
    // The prototypes stay the pointers C adjusts the arrays to.
    let prototype = |name: &str| types.prototype(function(types, name));
    assert_eq!(prototype("fill_uuid"), "void fill_uuid(unsigned char *out)");
    assert_eq!(prototype("trace3"), "double trace3(double (*m)[3])");
    assert_eq!(prototype("sum_static"), "long sum_static(int n, int *a)");
}

/// gcc's debug info records what each parameter is adjusted to, and nothing of
/// the declared length: the header's prototypes must be the same, `const
/// uuid_t` a `const unsigned char *` (its elements are const, C11 6.7.3p9).
#[test]
fn the_adjusted_prototypes_are_gccs() {
    let dir = TempDir::new("arrays-dwarf");
    let source = std::fs::read_to_string(common::fixture("arrays.c")).unwrap();
    let include = common::fixtures_dir().display().to_string();
    let flags = ["-shared", "-fPIC", "-g", "-O0", "-I", &include];
    let lib = match gcc_compile(dir.path(), "libarrays.so", &source, &flags) {
        Compiled::Ok(path) => path,
        Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    };
    let dwarf = wyvern::frontend::dwarf::read(&lib).unwrap();
    let module = module();
    let header = module.types();
    let mut compared = 0;
    for f in dwarf.functions() {
        assert!(f.param_arrays.is_empty(), "DWARF gave {}: {:?}", f.name, f);
        assert_eq!(
            header.prototype(function(header, &f.name)),
            dwarf.prototype(f),
            "{}",
            f.name
        );
        compared += 1;
    }
    assert_eq!(compared, 11);
    assert_eq!(
        header.prototype(function(header, "compare_uuid")),
        "int compare_uuid(const unsigned char *a, const unsigned char *b)"
    );
}

fn call(module: &Module, name: &str, args: &mut [Value]) -> wyvern::Result<Value> {
    let f = module.function(name)?;
    // SAFETY: the fixture's functions read or write the arrays their parameters
    // are declared as, which wyvern checks the arguments hold.
    unsafe { f.call(args) }
}

/// An object of the array type parameter `i` of `name` is declared as.
fn declared_object(module: &Module, name: &str, i: usize) -> CData {
    let f = module.function(name).unwrap();
    let array = f.param_array(i).expect("declared as an array");
    CData::new(module.types(), array).unwrap()
}

#[test]
fn the_rust_api_makes_the_whole_array_and_refuses_less() {
    let module = module();
    let mut args = [Value::Ref(declared_object(&module, "fill_uuid", 0))];
    call(&module, "fill_uuid", &mut args).unwrap();
    let Value::Ref(uuid) = &args[0] else {
        unreachable!()
    };
    assert_eq!(uuid.bytes(), (1..=16).collect::<Vec<u8>>());
    // What C wrote is what it reads back: all 16 bytes.
    let mut args = [Value::Ref(uuid.clone())];
    assert_eq!(
        call(&module, "sum_uuid", &mut args).unwrap(),
        Value::Int(136)
    );
    let mut args = [Value::Bytes(vec![1; 16])];
    assert_eq!(
        call(&module, "sum_uuid", &mut args).unwrap(),
        Value::Int(16)
    );

    let short = |value: Value, name: &str| {
        let e = call(&module, name, &mut [value]).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Value {
                    problem: ValueProblem::ShorterThanDeclared { .. },
                    ..
                }
            ),
            "{e:?}"
        );
        e.to_string()
    };
    let two = CData::new_named(module.types(), "unsigned char [2]").unwrap();
    assert_eq!(
        short(Value::Ref(two), "fill_uuid"),
        "argument 1 ('out') of 'fill_uuid': the address of a 'unsigned char [2]' object \
         has 2 bytes; the parameter is declared as 'uuid_t' (16 bytes)"
    );
    assert_eq!(
        short(Value::Bytes(vec![0; 15]), "sum_uuid"),
        "argument 1 ('uu') of 'sum_uuid': a buffer of 15 bytes has 15 bytes; \
         the parameter is declared as 'const uuid_t' (16 bytes)"
    );
    let one = CData::new_named(module.types(), "int").unwrap();
    assert!(short(Value::Ref(one), "sum4").contains("'int [4]' (16 bytes)"));
    // A string is measured with its NUL: C may read all 8 bytes.
    let mut args = [Value::from("abcdefg")];
    assert_eq!(
        call(&module, "text_in", &mut args).unwrap(),
        Value::Int(700)
    );
    assert_eq!(
        short(Value::from("ab"), "text_in"),
        "argument 1 ('name') of 'text_in': a string has 3 bytes; \
         the parameter is declared as 'const char [8]' (8 bytes)"
    );
    // A longer array holds the declared one.
    let mut eight = CData::new_named(module.types(), "int [8]").unwrap();
    for i in 0..8 {
        eight.set(&format!("[{i}]"), i + 1).unwrap();
    }
    let mut args = [Value::Ref(eight)];
    assert_eq!(call(&module, "sum4", &mut args).unwrap(), Value::Int(10));
}

#[test]
fn arrays_of_arrays_and_static_lengths() {
    let module = module();
    let mut m = declared_object(&module, "trace3", 0);
    for i in 0..3 {
        m.set(&format!("[{i}][{i}]"), 1.5 * (i + 1) as f64).unwrap();
    }
    let mut args = [Value::Ref(m)];
    assert_eq!(
        call(&module, "trace3", &mut args).unwrap(),
        Value::Float(9.0)
    );
    let mut a = declared_object(&module, "sum_static", 1);
    a.set("[7]", 100).unwrap();
    let mut args = [Value::Int(1), Value::Ref(a)];
    assert_eq!(
        call(&module, "sum_static", &mut args).unwrap(),
        Value::Int(101)
    );
    let four = CData::new_named(module.types(), "int [4]").unwrap();
    let e = call(
        &module,
        "sum_static",
        &mut [Value::Int(1), Value::Ref(four)],
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("declared as 'int [8]' (32 bytes)"),
        "{e}"
    );
}

/// The declared length is not part of the function's type: prototypes that
/// differ only in it (or in being a pointer) are the same function type, as in
/// C, and a merge keeps the first set's declaration.
#[test]
fn the_declared_length_is_not_part_of_the_type() {
    let four = wyvern::cdef("void f(int a[4]);").unwrap();
    let eight = wyvern::cdef("void f(int a[8]);").unwrap();
    let pointer = wyvern::cdef("void f(int *a);").unwrap();
    let both = four.merge(&eight).unwrap();
    assert_eq!(declared(&both, "f"), [Some("int [4]".to_owned())]);
    let both = pointer.merge(&four).unwrap();
    assert_eq!(declared(&both, "f"), [None]);
    // Imported functions keep theirs, in the merged set's ids.
    let other = wyvern::cdef("typedef unsigned char uuid_t[16]; void g(uuid_t u);").unwrap();
    let both = four.merge(&other).unwrap();
    assert_eq!(declared(&both, "g"), [Some("uuid_t".to_owned())]);
    let set = wyvern::cdef("void f(int a[4]); void f(int *a);").unwrap();
    assert_eq!(declared(&set, "f"), [Some("int [4]".to_owned())]);
}

#[test]
fn a_database_keeps_the_declared_arrays() {
    let header = common::fixture("arrays.h");
    let types = wyvern::Parser::new()
        .header(header.to_str().unwrap())
        .parse()
        .unwrap();
    let bytes = wyvern::db::Database::new(types.clone(), &Default::default()).to_bytes();
    let loaded = wyvern::db::load(&bytes).unwrap();
    for f in types.functions() {
        assert_eq!(
            declared(&loaded, &f.name),
            declared(&types, &f.name),
            "{}",
            f.name
        );
    }
    assert_eq!(
        declared(&loaded, "sum_static")[1].as_deref(),
        Some("int [8]")
    );
}

/// `wyvern call` with `libclang` (a directory holding one): its stdout, or
/// its stderr when it fails (with the exit status).
fn wyvern_call(libclang: &std::path::Path, args: &[&str]) -> Result<String, (Option<i32>, String)> {
    let library = common::fixture_library("arrays");
    let mut all = vec!["call", "-H", library.header.to_str().unwrap()];
    all.extend(["-l", library.library.to_str().unwrap()]);
    all.extend(args);
    let out = common::run_wyvern_with_env(("LIBCLANG_PATH", libclang), &all);
    if out.success() {
        Ok(out.stdout)
    } else {
        Err((out.status, out.stderr))
    }
}

#[test]
fn the_cli_sizes_arguments_by_the_declared_length_with_every_libclang() {
    // What each call prints first (the whole output where it is given whole).
    let ok = [
        // &{} makes the whole array: C writes 16 bytes and all are printed.
        (
            vec!["fill_uuid", "&{}"],
            "void\nout = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}\n",
        ),
        (
            vec![
                "sum_uuid",
                "&{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}",
            ],
            "136\nuu = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}\n",
        ),
        // Designators say where; the rest is zero, as C has it, and C reads it.
        (vec!["nonzero_from", "&{[0] = 9, [15] = 9}", "1"], "1\n"),
        (vec!["sum_uuid", "&{[0] = 200, [15] = 55}"], "255\n"),
        // &[N] at least as long: zero-filled past its initializer.
        (vec!["nonzero_from", "&[16]{1, 2}", "0"], "2\n"),
        // &[] takes the declared length.
        (vec!["nonzero_from", "&[]{1, 2}", "0"], "2\n"),
        (
            vec!["sum_static", "1", "&[]"],
            "1\na = {0, 0, 0, 0, 0, 0, 0, 0}\n",
        ),
        (vec!["sum4", "&{}"], "0\na = {0, 0, 0, 0}\n"),
        (vec!["sum4", "&{1, 2, 3, 4}"], "10\na = {1, 2, 3, 4}\n"),
        (
            vec!["trace3", "&{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}"],
            "15\nm = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}\n",
        ),
        (
            vec!["sum_static", "1", "&{}"],
            "1\na = {0, 0, 0, 0, 0, 0, 0, 0}\n",
        ),
        (vec!["compare_uuid", "&{}", "&{}"], "0\n"),
        // A string initializes the whole array, as in C; a plain string must
        // fill it (with its NUL).
        (vec!["text_in", "&{\"abc\"}"], "300\n"),
        (vec!["text_in", "\"abcdefg\""], "700\n"),
        // No declared length: as before, the pointee.
        (vec!["sum_pointer", "&{7}"], "7\na = 7\n"),
    ];
    let refused = [
        (
            vec!["sum_uuid", "&{1, 2}"],
            "error: argument 1 ('uu') of 'sum_uuid': &{...} gives 2 values: the parameter is \
             declared as 'const uuid_t', an array of 16; give 16, or &{} for 16 zeros\n",
        ),
        (
            vec!["sum4", "&{1, 2, 3, 4, 5}"],
            "error: argument 1 ('a') of 'sum4': &{...} gives 5 values: the parameter is \
             declared as 'int [4]', an array of 4; give 4, or &{} for 4 zeros\n",
        ),
        (
            vec!["sum_pointer", "&[]"],
            "error: argument 1 ('a') of 'sum_pointer': &[] takes its length from a parameter \
             declared as an array, and 'int *' is not one; write &[N]\n",
        ),
        (
            vec!["sum_static", "1", "&[4]"],
            "error: argument 2 ('a') of 'sum_static': &[4] is too short: the parameter is \
             declared as 'int [8]', an array of 8; use &[8] or &{}\n",
        ),
        (
            vec!["text_in", "&{\"abcdefgh\"}"],
            "error: argument 1 ('name') of 'text_in': the 'const char [8]' object: \
             9 bytes do not fit in 'const char [8]'\n",
        ),
        (
            vec!["text_in", "\"ab\""],
            "error: argument 1 ('name') of 'text_in': a string has 3 bytes; the parameter \
             is declared as 'const char [8]' (8 bytes)\n",
        ),
        (
            vec!["sum_uuid", "&{[16] = 1}"],
            "error: argument 1 ('uu') of 'sum_uuid': too many values for 'uuid_t'\n",
        ),
    ];
    for libclang in installed_libclangs() {
        let at = libclang.display();
        for (args, expected) in &ok {
            let printed = wyvern_call(&libclang, args);
            let printed = printed.unwrap_or_else(|e| panic!("with {at}: {args:?}: {e:?}"));
            assert!(
                printed.starts_with(expected),
                "with {at}: {args:?}: {printed}"
            );
        }
        for (args, expected) in &refused {
            let e = wyvern_call(&libclang, args);
            assert_eq!(
                e,
                Err((Some(1), expected.to_string())),
                "with {at}: {args:?}"
            );
        }
        let library = common::fixture_library("arrays");
        let dump = common::run_wyvern_with_env(
            ("LIBCLANG_PATH", &libclang),
            &["dump", "-H", library.header.to_str().unwrap()],
        );
        assert!(dump
            .stdout
            .contains("void fill_uuid(unsigned char *out);  /* c; declared: uuid_t out */\n"));
        assert!(dump
            .stdout
            .contains("double trace3(double (*m)[3]);  /* c; declared: double m[3][3] */\n"));
        assert!(dump
            .stdout
            .contains("long sum_n(int n, int *a);  /* c */\n"));
    }
}

#[test]
fn dump_json_adds_the_declared_type_and_changes_nothing_else() {
    let header = common::fixture("arrays.h");
    let json = common::wyvern_json(&["dump", "--json", "-H", header.to_str().unwrap()]).unwrap();
    let functions = json["functions"].as_array().unwrap();
    let params = |name: &str| {
        functions
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))["params"]
            .clone()
    };
    assert_eq!(
        params("sum_static"),
        serde_json::json!([
            {"name": "n", "type": "int"},
            {"name": "a", "type": "int *", "declared": "int [8]"},
        ])
    );
    assert_eq!(
        params("compare_uuid")[1],
        serde_json::json!({"name": "b", "type": "const unsigned char *", "declared": "const uuid_t"})
    );
}

/// libuuid itself, where its header and library are installed.
#[test]
fn libuuid_from_its_own_header() {
    if !common::header_installed("uuid/uuid.h") {
        eprintln!("skipped: <uuid/uuid.h> is not installed");
        return;
    }
    // SAFETY: libuuid's initialisers are sound to run.
    let Ok(library) = (unsafe { wyvern::Library::open("libuuid.so.1") }) else {
        eprintln!("skipped: libuuid.so.1 is not installed");
        return;
    };
    let types = wyvern::Parser::new()
        .header("<uuid/uuid.h>")
        .parse()
        .unwrap();
    let module = Module::new(types, library);
    let mut args = [Value::Ref(declared_object(&module, "uuid_generate", 0))];
    call(&module, "uuid_generate", &mut args).unwrap();
    let Value::Ref(uuid) = &args[0] else {
        unreachable!()
    };
    assert_eq!(uuid.bytes().len(), 16);
    // A random (version 4) uuid, or a time-based one (version 1).
    assert!(matches!(uuid.bytes()[6] >> 4, 1 | 4), "{:?}", uuid.bytes());
    let mut args = [Value::Ref(uuid.clone())];
    assert_eq!(
        call(&module, "uuid_is_null", &mut args).unwrap(),
        Value::Int(0)
    );
    let mut args = [Value::Ref(uuid.clone()), Value::Ref(uuid.clone())];
    assert_eq!(
        call(&module, "uuid_compare", &mut args).unwrap(),
        Value::Int(0)
    );

    for libclang in installed_libclangs() {
        let at = libclang.display();
        let run = |args: &[&str]| {
            let mut all = vec!["call", "-H", "<uuid/uuid.h>", "-l", "libuuid.so.1"];
            all.extend(args);
            common::run_wyvern_with_env(("LIBCLANG_PATH", &libclang), &all)
        };
        let out = run(&["uuid_generate", "&{}"]);
        assert!(out.success(), "with {at}: {}", out.describe());
        let printed = out.stdout.lines().nth(1).unwrap_or_default();
        assert!(printed.starts_with("out = {"), "with {at}: {printed}");
        assert_eq!(printed.matches(", ").count(), 15, "with {at}: {printed}");
        let out = run(&["uuid_is_null", "&{}"]);
        assert_eq!(
            out.stdout.lines().next(),
            Some("1"),
            "with {at}: {}",
            out.describe()
        );
        let out = run(&["uuid_is_null", "&{1, 2}"]);
        assert_eq!(out.status, Some(1), "with {at}: {}", out.describe());
        assert!(
            out.stderr
                .contains("declared as 'const uuid_t', an array of 16"),
            "with {at}: {}",
            out.stderr
        );
    }
}
