//! libclang is loaded only when something is parsed: `call --db`, `dump --db` and
//! `layout --dwarf` work with `LIBCLANG_PATH` naming a file that is no libclang
//! (so loading one would fail), and the commands that parse say which setting
//! named what.

use crate::common::{gcc_compile, process, Compiled, TempDir};

use process::{run_wyvern, run_wyvern_with_env, Output};

const DECLS: &str = "int abs(int); struct pair { int a; char b; long c; };";

fn ok(out: &Output) -> &str {
    assert!(out.success(), "{}", out.describe());
    &out.stdout
}

#[test]
fn databases_and_dwarf_never_load_libclang() {
    let dir = TempDir::new("startup");
    let db = dir.path().join("decls.wydb");
    let db = db.to_str().unwrap();
    ok(&run_wyvern(&["compile", "--cdef", DECLS, "-o", db]));
    let so = match gcc_compile(
        dir.path(),
        "pair.so",
        "struct pair { int a; char b; long c; };\nint first(struct pair *p) { return p->a; }\n",
        &["-g", "-shared", "-fPIC"],
    ) {
        Compiled::Ok(path) => path,
        Compiled::Failed(err) => panic!("gcc: {err}"),
    };
    let so = so.to_str().unwrap();
    // A file where the library would be: opening it as one fails.
    let bogus = dir.path().join("libclang.so");
    std::fs::write(&bogus, "not a shared library\n").unwrap();
    let bogus = bogus.to_str().unwrap();

    let env = ("LIBCLANG_PATH", bogus);
    let call = run_wyvern_with_env(env, &["call", "--db", db, "abs", "-5"]);
    assert_eq!(ok(&call).trim(), "5");
    let dump = run_wyvern_with_env(env, &["dump", "--db", db]);
    assert!(ok(&dump).contains("int abs(int);"), "{}", dump.describe());
    let layout = run_wyvern_with_env(env, &["layout", "--dwarf", so, "struct pair"]);
    let text = ok(&layout);
    assert!(
        text.contains("long c;") && text.contains("size: 16"),
        "{text}"
    );
    let layout = run_wyvern_with_env(env, &["layout", "--db", db, "struct pair"]);
    assert_eq!(ok(&layout), text);

    // What parses does load it, and says which file failed and why.
    let parse = run_wyvern_with_env(env, &["layout", "--cdef", DECLS, "struct pair"]);
    assert_eq!(parse.status, Some(1), "{}", parse.describe());
    assert!(parse.stderr.contains(bogus), "{}", parse.describe());
}

#[test]
fn a_directory_without_libclang_is_an_error_naming_it() {
    let dir = TempDir::new("startup-empty");
    std::fs::write(dir.path().join("libclang-cpp.so.14"), "").unwrap();
    let path = dir.path().to_str().unwrap();
    let out = run_wyvern_with_env(("LIBCLANG_PATH", path), &["dump", "--cdef", DECLS]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
    assert!(
        out.stderr.contains(&format!(
            "LIBCLANG_PATH is {path}, a directory with no libclang"
        )),
        "{}",
        out.describe()
    );
}

#[test]
fn a_parser_names_its_libclang() {
    // The library this process loaded, by LIBCLANG_PATH or by wyvern's search.
    let loaded = wyvern::__private::libclang_path().expect("libclang loads");
    let env_set = std::env::var_os("LIBCLANG_PATH").is_some_and(|v| !v.is_empty());
    let types = wyvern::Parser::new()
        .libclang(&loaded)
        .cdef("int f(void);")
        .parse()
        .unwrap();
    assert_eq!(types.prototype(types.function("f").unwrap()), "int f(void)");
    // Another library: with LIBCLANG_PATH set the parser's choice is overridden;
    // without, the process already has one and says so.
    let other = wyvern::Parser::new()
        .libclang("/nonexistent/libclang.so")
        .cdef("int f(void);")
        .parse();
    if env_set {
        assert!(other.is_ok());
    } else {
        let err = other.unwrap_err();
        assert!(
            matches!(err.kind(), wyvern::ErrorKind::LibclangUnavailable { .. }),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("/nonexistent/libclang.so") && text.contains("already loaded"),
            "{text}"
        );
    }
}
