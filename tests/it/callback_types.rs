//! How callbacks meet their C types: `void` callbacks (a closure returning `()`,
//! a value returned where C wants none), the errors that name the parameter a
//! callback is made for, and libraries from a `dlopen` handle.

use std::ffi::c_void;
use std::sync::Mutex;

use crate::callbacks::{library, module};
use wyvern::{Callback, ErrorKind, Function, Library, Module, Param, Value};

/// `visit_each(n, f, NULL)`, the fixture's loop calling a `void` callback: its
/// result or error, and the values the callback saw.
fn visit(visit_each: &Function, f: &Callback<'_>, n: i32) -> wyvern::Result<Value> {
    // SAFETY: a callback of the parameter's type; the context is not read.
    unsafe { visit_each.call(&mut [n.into(), f.to_value(), Value::Null]) }
}

#[test]
fn a_closure_returning_unit_is_a_void_callback_and_a_value_is_an_error() {
    let m = module();
    let visit_each = m.function("visit_each").unwrap();
    let seen = Mutex::new(Vec::new());
    let collect = Callback::for_param(&visit_each, 1, |args: &[Value]| {
        seen.lock().unwrap().push(args[0].as_int().unwrap());
    })
    .unwrap();
    assert_eq!(visit(&visit_each, &collect, 3).unwrap(), Value::Int(3));
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2]);

    let void = Callback::for_param(&visit_each, 1, |_: &[Value]| Value::Void).unwrap();
    assert_eq!(visit(&visit_each, &void, 2).unwrap(), Value::Int(2));

    // C's loop runs to its end (C got nothing wrong), then the call fails.
    let calls = Mutex::new(0);
    let answer = Callback::for_param(&visit_each, 1, |_: &[Value]| {
        *calls.lock().unwrap() += 1;
        42
    })
    .unwrap();
    let e = visit(&visit_each, &answer, 4).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the result of the callback for parameter 'visit' (index 1) of 'visit_each': \
         the integer 42 returned where C returns void (return () or Value::Void)"
    );
    assert_eq!(*calls.lock().unwrap(), 4);
    // The failure was the last call's: the next one is clean.
    assert_eq!(visit(&visit_each, &collect, 1).unwrap(), Value::Int(1));

    // And nothing where C wants an int is an error too.
    let across = m.function("errno_across").unwrap();
    let nothing = Callback::for_param(&across, 0, |_: &[Value]| ()).unwrap();
    let seen = wyvern::CData::new_named(m.types(), "int").unwrap();
    // SAFETY: a callback of the parameter's type and an int to write.
    let e = unsafe { across.call(&mut [nothing.to_value(), 0.into(), Value::Ref(seen)]) };
    assert_eq!(
        e.unwrap_err().to_string(),
        "the result of the callback for parameter 'f' (index 0) of 'errno_across': \
         void cannot be stored in 'int'"
    );

    // By type alone, the message names the type.
    let by_type = Callback::with_type_name(m.types(), "visit_fn", |_: &[Value]| "text").unwrap();
    assert_eq!(
        visit(&visit_each, &by_type, 1).unwrap_err().to_string(),
        "the result of a callback of type 'visit_fn': a string returned where C returns void \
         (return () or Value::Void)"
    );
}

#[test]
fn typed_void_callbacks_return_unit_and_a_value_is_refused_when_made() {
    let m = module();
    let visit_each = m.function("visit_each").unwrap();
    let total = Mutex::new(0);
    let sum = Callback::typed_for_param(&visit_each, 1, |(v, _): (i32, *mut c_void)| {
        *total.lock().unwrap() += v;
    })
    .unwrap();
    assert_eq!(visit(&visit_each, &sum, 5).unwrap(), Value::Int(5));
    assert_eq!(*total.lock().unwrap(), 10);

    let e = Callback::typed_for_param(&visit_each, 1, |(v, _): (i32, *mut c_void)| v).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the Rust type does not match 'visit_fn', the type of parameter 'visit' (index 1) of \
         'visit_each': the result: Rust i32 is not C 'void'"
    );
    let e = Callback::typed_for_param(&visit_each, 1, |(_,): (i32,)| ()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the Rust type does not match 'visit_fn', the type of parameter 'visit' (index 1) of \
         'visit_each': the Rust type has 1 parameters; the header has 2"
    );
    let e = Callback::typed_for_param(&visit_each, 1, |_: (u32, *mut c_void)| ()).unwrap_err();
    let ErrorKind::TypeMismatch {
        callback: Some(param),
        message,
        ..
    } = e.kind()
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (param.index, param.name.as_deref(), param.ty.as_str()),
        (1, Some("visit"), "visit_fn")
    );
    assert_eq!(
        message,
        "parameter 1: Rust u32 is unsigned; C 'int' is signed"
    );
}

#[test]
fn a_wrong_parameter_for_a_callback_is_named_with_the_nearest_function_pointer() {
    let m = module();
    let visit_each = m.function("visit_each").unwrap();
    // What every error below suggests: the one function pointer parameter.
    let is_visit = |p: &Param| {
        (
            p.function.as_str(),
            p.index,
            p.name.as_deref(),
            p.ty.as_str(),
        ) == ("visit_each", 1, Some("visit"), "visit_fn")
    };
    let e = Callback::for_param(&visit_each, 3, |_: &[Value]| ()).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NoParameter { index: 3, count: 3, suggestion: Some(s), .. }
            if is_visit(s)),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "'int visit_each(int n, visit_fn visit, void *context)' has no parameter at index 3 \
         (it has 3, at indexes 0 to 2); did you mean index 1 ('visit', a 'visit_fn')?"
    );
    for index in [0, 2] {
        let e = Callback::typed_for_param(&visit_each, index, |(): ()| ()).unwrap_err();
        let ErrorKind::NotCallback {
            param,
            suggestion: Some(s),
        } = e.kind()
        else {
            panic!("{e:?}")
        };
        assert_eq!(param.index, index);
        assert!(is_visit(s), "{s:?}");
    }
    assert_eq!(
        Callback::for_param(&visit_each, 2, |_: &[Value]| ())
            .unwrap_err()
            .to_string(),
        "parameter 'context' (index 2) of 'visit_each' is 'void *', not a function pointer; \
         did you mean index 1 ('visit', a 'visit_fn')?"
    );
    // Unnamed parameters are named by index; a type libffi cannot take names both.
    let types = wyvern::cdef(
        "typedef void (*cb)(void); void two(int, cb) __asm__(\"abort\");\n\
         void set_logger(int (*log)(const char *, ...)) __asm__(\"abort\");",
    )
    .unwrap();
    let m = Module::new(types, Library::this_process());
    let two = m.function("two").unwrap();
    assert_eq!(
        Callback::for_param(&two, 0, |_: &[Value]| ())
            .unwrap_err()
            .to_string(),
        "the parameter at index 0 of 'two' is 'int', not a function pointer; \
         did you mean index 1 (a 'cb')?"
    );
    let set_logger = m.function("set_logger").unwrap();
    let e = Callback::for_param(&set_logger, 0, |_: &[Value]| 0).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Uncallable { param: Some(p), .. } if p.index == 0),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "cannot make a callback of type 'int (*)(const char *, ...)' for parameter 'log' \
         (index 0) of 'set_logger': a callback cannot be variadic (or unprototyped): its \
         arguments would have no types"
    );
    let e = Callback::typed_for_param(&set_logger, 0, |_: (*const i8,)| 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the Rust type does not match 'int (*)(const char *, ...)', the type of parameter \
         'log' (index 0) of 'set_logger': a callback cannot be variadic: its variadic \
         arguments would have no types"
    );
}

#[test]
fn a_library_from_a_dlopen_handle_is_called_through_and_closed_once() {
    let path = std::ffi::CString::new(library()).unwrap();
    // SAFETY: the fixture library runs no initialiser.
    let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    assert!(!handle.is_null());
    // SAFETY: a handle from a successful dlopen, closed only by the `Library`.
    let lib = unsafe { Library::from_raw(handle, library()) }.unwrap();
    assert_eq!(lib.name(), library());
    let types = module().types().clone();
    let m = Module::new(types, lib);
    let visit_each = m.function("visit_each").unwrap();
    let count = Mutex::new(0);
    let counting = Callback::for_param(&visit_each, 1, |_: &[Value]| {
        *count.lock().unwrap() += 1;
    })
    .unwrap();
    assert_eq!(visit(&visit_each, &counting, 3).unwrap(), Value::Int(3));
    assert_eq!(*count.lock().unwrap(), 3);

    // A handle given back stays open, and is the caller's to close.
    // SAFETY: the library is loaded: this only counts one more reference.
    let second = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD) };
    assert_eq!(second, handle);
    // SAFETY: that second reference, closed by nothing else.
    let again = unsafe { Library::from_raw(second, "the fixture") }.unwrap();
    let raw = again.into_raw();
    assert_eq!(raw, second);
    // SAFETY: the reference `into_raw` gave up; `m` keeps its own.
    assert_eq!(unsafe { libc::dlclose(raw) }, 0);
    assert_eq!(visit(&visit_each, &counting, 1).unwrap(), Value::Int(1));

    // SAFETY: NULL is refused before anything uses it.
    let e = unsafe { Library::from_raw(std::ptr::null_mut(), "libmissing.so") }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the handle of library 'libmissing.so': it is NULL"
    );
}
