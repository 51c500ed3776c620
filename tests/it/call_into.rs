//! `Function::call_into` and the prepared register-only call: a record result
//! written into the caller's object, the errors for an object of another type
//! or a function without a record result, and the values the prepared call
//! leaves to the general path (conversions, range errors) converted or refused
//! exactly as before.

use crate::common;

use common::{gcc_compile, Compiled, TempDir};
use wyvern::{CData, ErrorKind, Library, Module, Parser, Value};

const HEADER: &str = r#"
struct pair { long a; double b; };
struct other { long a; double b; };
typedef struct pair pair_t;
struct pair make(long a, double b);
pair_t swap(pair_t p);
int add(int a, int b);
unsigned char low(unsigned char c);
long length(const char *s);
float half(float f);
"#;

const SOURCE: &str = r#"
#include <string.h>
#include "into.h"
struct pair make(long a, double b) { struct pair r = { a * 2, b + 0.5 }; return r; }
pair_t swap(pair_t p) { pair_t r = { (long)p.b, (double)p.a }; return r; }
int add(int a, int b) { return a + b; }
unsigned char low(unsigned char c) { return (unsigned char)(c + 1); }
long length(const char *s) { return (long)strlen(s); }
float half(float f) { return f / 2; }
"#;

fn module(dir: &TempDir) -> Module {
    std::fs::write(dir.path().join("into.h"), HEADER).unwrap();
    let lib = match gcc_compile(
        dir.path(),
        "libinto.so",
        SOURCE,
        &["-O2", "-shared", "-fPIC"],
    ) {
        Compiled::Ok(path) => path,
        Compiled::Failed(e) => panic!("{e}"),
    };
    let types = Parser::new()
        .header(dir.path().join("into.h").display().to_string())
        .parse()
        .unwrap();
    // SAFETY: a library just built from SOURCE; its initialisers do nothing.
    Module::new(
        types,
        unsafe { Library::open(&lib.display().to_string()) }.unwrap(),
    )
}

#[test]
fn call_into_writes_the_result_and_refuses_other_objects() {
    let dir = TempDir::new("call-into");
    let m = module(&dir);
    let make = m.function("make").unwrap();
    let mut out = CData::new_named(m.types(), "struct pair").unwrap();
    // SAFETY: make only computes.
    unsafe { make.call_into(&mut [Value::Int(21), Value::Float(1.25)], &mut out) }.unwrap();
    assert_eq!(out.get("a").unwrap(), Value::Int(42));
    assert_eq!(out.get("b").unwrap(), Value::Float(1.75));
    // Through the typedef, and with an argument the prepared call leaves to the
    // general path (a boolean for a long).
    let mut typedefd = CData::new_named(m.types(), "pair_t").unwrap();
    // SAFETY: as above.
    unsafe { make.call_into(&mut [Value::Bool(true), Value::Int(3)], &mut typedefd) }.unwrap();
    assert_eq!(typedefd.get("a").unwrap(), Value::Int(2));
    assert_eq!(typedefd.get("b").unwrap(), Value::Float(3.5));
    // An object argument given as its typedef's object.
    let swap = m.function("swap").unwrap();
    let mut swapped = CData::new_named(m.types(), "struct pair").unwrap();
    // SAFETY: as above.
    unsafe { swap.call_into(&mut [Value::Data(out.clone())], &mut swapped) }.unwrap();
    assert_eq!(swapped.get("a").unwrap(), Value::Int(1));
    assert_eq!(swapped.get("b").unwrap(), Value::Float(42.0));

    let mut other = CData::new_named(m.types(), "struct other").unwrap();
    // SAFETY: refused before any call.
    let e =
        unsafe { make.call_into(&mut [Value::Int(1), Value::Float(1.0)], &mut other) }.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Value { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the result of 'make': a 'struct other' object cannot hold it: the function returns 'struct pair'"
    );
    let add = m.function("add").unwrap();
    let mut int = CData::new_named(m.types(), "int").unwrap();
    // SAFETY: refused before any call.
    let e = unsafe { add.call_into(&mut [Value::Int(1), Value::Int(2)], &mut int) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the result of 'add': a 'int' object cannot hold it: the function returns 'int'"
    );
    // The argument count is checked as by call.
    // SAFETY: refused before any call.
    let e = unsafe { make.call_into(&mut [Value::Int(1)], &mut out) }.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ArgumentCount { .. }), "{e}");
}

#[test]
fn values_the_prepared_call_does_not_take_are_converted_or_refused_as_before() {
    let dir = TempDir::new("call-prepared");
    let m = module(&dir);
    let add = m.function("add").unwrap();
    let low = m.function("low").unwrap();
    let length = m.function("length").unwrap();
    let half = m.function("half").unwrap();
    // SAFETY: the functions only compute, and length reads the string it is given.
    unsafe {
        assert_eq!(
            add.call(&mut [Value::Int(-7), Value::Int(10)]).unwrap(),
            Value::Int(3)
        );
        assert_eq!(
            add.call(&mut [Value::Bool(true), Value::Int(1)]).unwrap(),
            Value::Int(2)
        );
        assert_eq!(low.call(&mut [Value::Int(255)]).unwrap(), Value::Int(0));
        assert_eq!(length.call(&mut ["hello".into()]).unwrap(), Value::Int(5));
        assert_eq!(
            half.call(&mut [Value::Float(3.0)]).unwrap(),
            Value::Float(1.5)
        );
        let e = low.call(&mut [Value::Int(256)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "argument 1 ('c') of 'low': 256 does not fit in 'unsigned char' (0..=255)"
        );
        let e = add
            .call(&mut [Value::Int(1 << 31), Value::Int(0)])
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("argument 1 ('a') of 'add': 2147483648 does not fit"),
            "{e}"
        );
        let e = half.call(&mut [Value::Float(1e300)]).unwrap_err();
        assert!(
            e.to_string().starts_with("argument 1 ('f') of 'half'"),
            "{e}"
        );
        let e = add
            .call(&mut [Value::Int(1), Value::Float(2.0)])
            .unwrap_err();
        assert!(
            e.to_string().starts_with("argument 2 ('b') of 'add'"),
            "{e}"
        );
        let e = add.call(&mut [Value::Int(1)]).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::ArgumentCount { .. }), "{e}");
    }
}
