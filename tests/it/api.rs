//! The library API as a user calls it: parsing from several threads, looking up by
//! C name, spelling types, and the errors for what is not there.

use wyvern::{ConstValue, ErrorKind, Parser, TypeSet};

const DECLS: &str = r#"
#include <stddef.h>
struct node { struct node *next; int value; };
struct opaque;
typedef struct opaque opaque_t;
typedef int (*compare_fn)(const void *, const void *);
union number { int i; double d; };
enum mode { MODE_A = 1, MODE_B = 1 << 3 };
extern const char *names[4];
void sort(void *base, size_t n, compare_fn cmp);
int grid[3][4];
#define FLAGS (MODE_B | 0x10u)
#define NOTHING
#define TWICE(x) ((x) * 2)
#define USES_TWICE TWICE(21)
"#;

fn set() -> TypeSet {
    static SET: std::sync::OnceLock<TypeSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| wyvern::cdef(DECLS).expect("the declarations parse"))
        .clone()
}

#[test]
fn type_sets_are_send_sync_and_cheap_to_share() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<TypeSet>();
}

#[test]
fn parses_run_concurrently_from_many_threads() {
    let results: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u64)
            .map(|i| {
                s.spawn(move || {
                    let text = format!("struct t{i} {{ char c; long x[{}]; }};", i + 1);
                    let types = wyvern::cdef(&text).expect("parses");
                    let ty = types.type_named(&format!("struct t{i}")).expect("found");
                    types.layout(ty.id).expect("complete").size
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert_eq!(results, [16, 24, 32, 40]);
}

#[test]
fn types_are_found_by_their_c_names() {
    let t = set();
    for (name, spelled) in [
        ("struct node", "struct node"),
        ("union number", "union number"),
        ("enum mode", "enum mode"),
        ("size_t", "size_t"),
        ("unsigned long", "unsigned long"),
        ("long unsigned int", "unsigned long"),
        ("const char *", "const char *"),
        ("struct node *", "struct node *"),
        ("compare_fn", "compare_fn"),
        (
            "int (*)(const void *, const void *)",
            "int (*)(const void *, const void *)",
        ),
        ("int [4]", "int [4]"),
        ("int [3][4]", "int [3][4]"),
    ] {
        let ty = t.type_named(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(t.spell(ty), spelled, "{name}");
    }
    let compare = t.type_named("compare_fn").unwrap();
    assert_eq!(
        t.spell(t.canonical(compare.id).into()),
        "int (*)(const void *, const void *)"
    );
}

#[test]
fn declarations_print_as_c() {
    let t = set();
    assert_eq!(
        t.prototype(t.function("sort").unwrap()),
        "void sort(void *base, size_t n, compare_fn cmp)"
    );
    let names = t.global("names").unwrap();
    assert_eq!(t.declare(names.ty, "names"), "const char *names[4]");
    let grid = t.global("grid").unwrap();
    assert_eq!(t.layout(grid.ty.id).unwrap().size, 48);
}

#[test]
fn constants_follow_macros_through_function_like_macros() {
    let t = set();
    let flags = t.constant("FLAGS").unwrap();
    assert_eq!(flags.value, ConstValue::Int(0x18));
    assert_eq!(t.spell(flags.ty), "unsigned int");
    assert_eq!(t.constant("USES_TWICE").unwrap().value, ConstValue::Int(42));
}

#[test]
fn non_constant_macros_say_why() {
    let t = set();
    for (name, why) in [
        ("NOTHING", "expands to nothing"),
        ("TWICE", "function-like"),
    ] {
        match t.constant(name).unwrap_err().kind() {
            ErrorKind::NotAConstant { reason, .. } => {
                assert!(reason.contains(why), "{name}: {reason}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn unknown_names_suggest_the_closest() {
    let t = set();
    let e = t.type_named("struct nod").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no type 'struct nod'; did you mean 'struct node'?"
    );
    // A tag written without its keyword, as C++ allows, is told how C spells it.
    let e = t.type_named("node").unwrap_err();
    assert_eq!(e.to_string(), "no type 'node'; did you mean 'struct node'?");
    let e = t.function("srot").unwrap_err();
    assert_eq!(e.to_string(), "no function 'srot'; did you mean 'sort'?");
    let e = t.constant("MODE_C").unwrap_err();
    assert!(e.to_string().contains("did you mean 'MODE_"), "{e}");
}

#[test]
fn layouts_of_what_has_none_are_errors() {
    let t = set();
    let opaque = t.type_named("opaque_t").unwrap();
    assert!(matches!(
        t.record_layout(opaque.id, "opaque_t").unwrap_err().kind(),
        ErrorKind::Incomplete { .. }
    ));
    let int = t.type_named("int").unwrap();
    let e = t.record_layout(int.id, "int").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotARecord { .. }), "{e}");
}

#[test]
fn errors_in_cdef_text_point_into_it() {
    let e = wyvern::cdef("int ok;\nstruct s { int x; } oops oops;").unwrap_err();
    let ErrorKind::Parse { diagnostics } = e.kind() else {
        panic!("{e:?}")
    };
    let loc = diagnostics[0].location.as_ref().expect("a location");
    assert_eq!((&*loc.file, loc.line), ("<cdef>", 2));
    assert!(e.to_string().starts_with("<cdef>:2:"), "{e}");
}

#[test]
fn a_missing_header_is_an_error_with_its_location() {
    let e = Parser::new()
        .cdef("#include <no/such/header.h>")
        .parse()
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("<cdef>:1:10") && text.contains("no/such/header.h"),
        "{text}"
    );
}

#[test]
fn defines_and_include_dirs_reach_the_compiler() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include-fixtures");
    let t = Parser::new()
        .include_dir(&dir)
        .define("WIDTH", Some("7"))
        .define("FLAG", None)
        .cdef("#include \"records.h\"\n#ifdef FLAG\nstruct w { char c[WIDTH]; };\n#endif")
        .parse()
        .unwrap();
    assert_eq!(
        t.layout(t.type_named("struct w").unwrap().id).unwrap().size,
        7
    );
    assert_eq!(t.constant("WIDTH").unwrap().value, ConstValue::Int(7));
    assert!(t.type_named("struct node").is_ok());
}

#[test]
fn targets_change_layouts() {
    let text = "struct s { char c; long l; void *p; long double ld; };";
    let size = |target: &str| {
        let t = Parser::new().target(target).cdef(text).parse().unwrap();
        assert!(
            t.target()
                .triple
                .starts_with(target.split('-').next().unwrap()),
            "{}",
            t.target().triple
        );
        t.layout(t.type_named("struct s").unwrap().id).unwrap().size
    };
    assert_eq!(size("x86_64-pc-linux-gnu"), 48);
    assert_eq!(size("i686-pc-linux-gnu"), 24);
    assert_eq!(size("aarch64-unknown-linux-gnu"), 48);
    // MSVC: `long` is 4 bytes and `long double` is `double`.
    assert_eq!(size("x86_64-pc-windows-msvc"), 24);
}

#[test]
fn static_inline_functions_are_not_callable() {
    let t = wyvern::cdef("static inline int sq(int x) { return x * x; }\nint cube(int);").unwrap();
    assert!(!t.function("sq").unwrap().is_callable());
    assert!(t.function("cube").unwrap().is_callable());
}

#[test]
fn calling_conventions_are_kept() {
    let t = wyvern::cdef(
        "__attribute__((ms_abi)) int w(int);\n__attribute__((sysv_abi)) int s(int);\nint c(int);",
    )
    .unwrap();
    let conv = |name: &str| t.fn_sig(t.function(name).unwrap().ty).unwrap().conv;
    assert_eq!(conv("w"), wyvern::CallConv::Win64);
    // sysv_abi is the default convention on x86-64 Linux, and clang folds it into C.
    assert!(matches!(
        conv("s"),
        wyvern::CallConv::SysV | wyvern::CallConv::C
    ));
    assert_eq!(conv("c"), wyvern::CallConv::C);
}

mod never_panics {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn on_any_type_name(text in "[ a-z_*()\\[\\]0-9,.]{0,40}") {
            let t = super::set();
            let _ = t.type_named(&text);
        }

        #[test]
        fn on_type_names_made_of_c_words(words in proptest::collection::vec(
            prop_oneof![
                Just("int"), Just("unsigned"), Just("long"), Just("const"), Just("struct"),
                Just("node"), Just("*"), Just("("), Just(")"), Just("["), Just("]"), Just("4"),
                Just("void"), Just(","), Just("..."), Just("size_t"), Just("char"),
            ],
            0..12,
        )) {
            let t = super::set();
            let _ = t.type_named(&words.join(" "));
        }
    }
}

/// Each public item has one path, and the names a caller writes are unique: the
/// declaration a type set holds is `types::FunctionDecl`, the callable bound to a
/// library is `wyvern::Function`; the kinds `Value::IntOf`/`FloatOf` take are at
/// the root beside `Value`.
#[test]
fn public_items_have_one_path_and_unique_names() {
    use wyvern::types::FunctionDecl;
    use wyvern::{FloatKind, Function, IntKind, Library, Module, Value};

    let types = wyvern::cdef("int abs(int);").unwrap();
    let decl: &FunctionDecl = types.function("abs").unwrap();
    assert_eq!(decl.symbol(), "abs");
    let module = Module::new(types.clone(), Library::this_process());
    let callable: Function = module.function("abs").unwrap();
    // SAFETY: abs has no preconditions.
    let r = unsafe { callable.call(&mut [Value::IntOf(IntKind::Int, -3)]) }.unwrap();
    assert_eq!(r, Value::Int(3));
    assert!(matches!(
        Value::FloatOf(FloatKind::Double, 0.5),
        Value::FloatOf(FloatKind::Double, _)
    ));

    // The old name of the declaration still compiles, deprecated.
    #[allow(deprecated)]
    let old: &wyvern::types::Function = types.function("abs").unwrap();
    assert_eq!(old, decl);
}

/// An `#undef` removes the definition in force, whatever follows it: the
/// preprocessor's rule (`gcc -E` keeps only `V` of this text, and `W` below).
#[test]
fn undef_removes_the_definition_in_force() {
    let t = wyvern::cdef("#define U 2\n#undef U\n#define V 3\n").unwrap();
    assert!(t.constant("U").is_err());
    assert_eq!(t.constant("V").unwrap().value, wyvern::ConstValue::Int(3));
    // Redefined and removed again: no earlier definition comes back.
    let t = wyvern::cdef("#define U 1\n#undef U\n#define U 2\n#undef U\n#define W 5\n").unwrap();
    match t.constant("U").unwrap_err().kind() {
        ErrorKind::NotAConstant { reason, .. } => {
            assert_eq!(reason, "it is #undef'd at <cdef>:4:1")
        }
        other => panic!("{other:?}"),
    }
    // Redefined after an #undef: the new definition holds.
    let t = wyvern::cdef("#define X 1\n#undef X\n#define X 2\n").unwrap();
    assert_eq!(t.constant("X").unwrap().value, wyvern::ConstValue::Int(2));
}

#[test]
fn definitions_in_the_sources_are_listed_and_those_of_headers_are_not() {
    use wyvern::DefinitionKind::{Body, Initializer};
    let dir = crate::common::TempDir::new("definitions");
    std::fs::write(
        dir.path().join("own.h"),
        "static inline int twice(int x) { return 2 * x; }\nint counter = 0;\n",
    )
    .unwrap();
    let text = "#include \"own.h\"\n\
                int declared(int);\n\
                extern int seen;\n\
                int tentative;\n\
                int body(void) { return 1; }\n\
                __attribute__((cold)) int later(void)\n/* { */\n{ return 2; }\n\
                static const int limit = 5;\n\
                struct p { int x, y; } origin = { 1, 2 }, plain;\n\
                int table[] = { 1, 2, 3 };\n";
    let (types, defined) = Parser::new()
        .include_dir(dir.path())
        .cdef(text)
        .parse_with_definitions()
        .unwrap();
    let found: Vec<_> = defined
        .iter()
        .map(|d| {
            let at = d.location.as_ref().map(|l| (l.line, l.column));
            (d.name.as_str(), d.kind, at)
        })
        .collect();
    assert_eq!(
        found,
        [
            ("body", Body, Some((5, 5))),
            ("later", Body, Some((6, 27))),
            ("limit", Initializer, Some((9, 18))),
            ("origin", Initializer, Some((10, 24))),
            ("table", Initializer, Some((11, 5))),
        ]
    );
    // They are declarations too; the header's definitions are its own.
    assert!(types.function("body").is_ok() && types.function("twice").is_ok());
    assert!(types.global("origin").is_ok() && types.global("counter").is_ok());
    // `parse` gives the same set.
    let again = Parser::new()
        .include_dir(dir.path())
        .cdef(text)
        .parse()
        .unwrap();
    assert_eq!(again.functions().count(), types.functions().count());
}

#[test]
fn a_body_far_after_its_declaration_is_still_a_definition() {
    // A long comment between the declaration and its body, then a prototype.
    let text = format!(
        "int far(void)\n/* {} */\n{{ return 3; }}\nint near(void);\nint after(void) {{ return 4; }}\n",
        "x".repeat(600)
    );
    let (_, defined) = Parser::new().cdef(text).parse_with_definitions().unwrap();
    let names: Vec<_> = defined.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["far", "after"]);
}
