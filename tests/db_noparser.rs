//! Loading a database and calling through it with neither libclang nor gimli.
//!
//! `make test` runs this built with `--no-default-features --features db` on the
//! database the default build's `wyvern compile` wrote in the step before
//! (`WYVERN_TEST_DB`). In a default build it makes that database itself.

use wyvern::{Library, Module, TypeSet, Value};

fn database() -> TypeSet {
    let bytes = match std::env::var_os("WYVERN_TEST_DB") {
        Some(path) => std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")),
        None => made_here(),
    };
    wyvern::db::load(&bytes).unwrap()
}

#[cfg(feature = "clang")]
fn made_here() -> Vec<u8> {
    let (types, inputs) = wyvern::Parser::new()
        .header("<math.h>")
        .header("<string.h>")
        .parse_with_inputs()
        .unwrap();
    wyvern::db::Database::new(types, &inputs).to_bytes()
}

#[cfg(not(feature = "clang"))]
fn made_here() -> Vec<u8> {
    panic!(
        "built without the clang feature, this test needs WYVERN_TEST_DB=FILE.wydb \
         (wyvern compile -H '<math.h>' -H '<string.h>' -o FILE.wydb)"
    )
}

#[test]
fn calls_pow_and_strlen_through_a_database() {
    let types = database();
    assert_eq!(
        types.prototype(types.function("strlen").unwrap()),
        "unsigned long strlen(const char *__s)"
    );
    // SAFETY: libm and libc run no initialiser that could harm this process.
    let libm = unsafe { Library::open("libm.so.6").unwrap() };
    let libc = unsafe { Library::open("libc.so.6").unwrap() };
    let module = Module::with_libraries(types, vec![libm, libc]);
    // SAFETY: pow has no preconditions.
    let r = unsafe {
        module
            .function("pow")
            .unwrap()
            .call(&mut [2.into(), 10.into()])
    };
    assert_eq!(r.unwrap(), Value::Float(1024.0));
    let strlen = module.function("strlen").unwrap();
    // SAFETY: the string is NUL-terminated and outlives the call.
    let n = unsafe { strlen.call(&mut [Value::from("wyvern")]) };
    assert_eq!(n.unwrap(), Value::Int(6));
    // The typed fast path is checked against the database's declaration too.
    let typed = module
        .function("pow")
        .unwrap()
        .typed::<unsafe extern "C" fn(f64, f64) -> f64>()
        .unwrap();
    // SAFETY: pow has no preconditions.
    assert_eq!(unsafe { typed(3.0, 3.0) }, 27.0);
}
