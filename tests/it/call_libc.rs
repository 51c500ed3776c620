//! Calls into libc and libm from their real headers.

use wyvern::{ErrorKind, Library, Module, Parser, Value};

fn libc(headers: &[&str]) -> Module {
    let mut parser = Parser::new().define("_GNU_SOURCE", None);
    for h in headers {
        parser = parser.header(*h);
    }
    let types = parser.parse().unwrap();
    // SAFETY: libc and libm are already loaded in every Rust process on Linux.
    let libs = unsafe {
        vec![
            Library::open("libc.so.6").unwrap(),
            Library::open("libm.so.6").unwrap(),
        ]
    };
    Module::with_libraries(types, libs)
}

#[test]
fn pow_and_friends() {
    let m = libc(&["<math.h>", "<stdlib.h>"]);
    let pow = m.function("pow").unwrap();
    // SAFETY: pure functions.
    unsafe {
        assert_eq!(
            pow.call(&mut [2.into(), 10.into()]).unwrap(),
            Value::Float(1024.0)
        );
        assert_eq!(
            m.function("abs").unwrap().call(&mut [(-5).into()]).unwrap(),
            Value::Int(5)
        );
        assert_eq!(
            m.function("labs")
                .unwrap()
                .call(&mut [Value::Int(-(1i128 << 40))])
                .unwrap(),
            Value::Int(1 << 40)
        );
        assert_eq!(
            m.function("ldexpf")
                .unwrap()
                .call(&mut [1.5.into(), 3.into()])
                .unwrap(),
            Value::Float(12.0)
        );
        let r = m
            .function("sqrtl")
            .unwrap()
            .call(&mut [2.0.into()])
            .unwrap();
        // A `long double` result comes back at full precision; rounded, it is
        // the `double` square root.
        assert!(matches!(r, Value::LongDouble(_)), "{r:?}");
        assert_eq!(r.as_f64(), Some(std::f64::consts::SQRT_2));
    }
}

#[test]
fn stat_fills_an_out_parameter() {
    let m = libc(&["<sys/stat.h>"]);
    let stat = m.function("stat").unwrap();
    let buf = m.new_object("struct stat").unwrap();
    let mut args = [Value::from("/etc"), Value::Ref(buf)];
    // SAFETY: a valid path and a struct stat to fill.
    let r = unsafe { stat.call(&mut args) }.unwrap();
    assert_eq!(r, Value::Int(0));
    let st = args[1].as_data().unwrap();
    let mode = st.get("st_mode").unwrap().as_int().unwrap();
    assert_eq!(mode & 0o170000, 0o040000, "/etc is a directory");
    println!("{st}");
}

#[test]
fn variadic_snprintf() {
    let m = libc(&["<stdio.h>"]);
    let snprintf = m.function("snprintf").unwrap();
    let mut args = [
        Value::Bytes(vec![0; 64]),
        Value::Int(64),
        Value::from("%d %s %.2f %ld %c"),
        Value::Int(42),
        Value::from("str"),
        Value::Float(2.5),
        Value::Int(1 << 40),
        Value::Int('x' as i128),
    ];
    // SAFETY: the format matches the arguments and the buffer holds 64 bytes.
    let n = unsafe { snprintf.call(&mut args) }.unwrap();
    let Value::Bytes(out) = &args[0] else {
        unreachable!()
    };
    let text = std::ffi::CStr::from_bytes_until_nul(out)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(text, "42 str 2.50 1099511627776 x");
    assert_eq!(n, Value::Int(text.len() as i128));
}

#[test]
fn errno_after_the_call() {
    let m = libc(&["<fcntl.h>", "<errno.h>"]);
    let open = m.function("open").unwrap();
    // SAFETY: a path string and flags.
    let fd = unsafe { open.call(&mut ["/nonexistent/x".into(), Value::Ident("O_RDONLY".into())]) }
        .unwrap();
    assert_eq!(fd, Value::Int(-1));
    let wyvern::ConstValue::Int(enoent) = m.types().constant("ENOENT").unwrap().value else {
        panic!("ENOENT is an integer")
    };
    assert_eq!(i128::from(wyvern::last_errno()), enoent);
}

#[test]
fn bad_arguments_name_the_parameter() {
    let m = libc(&["<math.h>", "<stdlib.h>", "<string.h>"]);
    let pow = m.function("pow").unwrap();
    // SAFETY: every call below is refused before reaching C.
    unsafe {
        let e = pow.call(&mut [2.into()]).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::ArgumentCount { .. }), "{e}");
        assert!(e.to_string().contains("takes 2 arguments; got 1"), "{e}");
        let e = pow.call(&mut ["two".into(), 1.into()]).unwrap_err();
        assert!(e.to_string().contains("argument 1"), "{e}");
        let abs = m.function("abs").unwrap();
        let e = abs.call(&mut [Value::Int(1 << 40)]).unwrap_err();
        assert!(e.to_string().contains("does not fit in 'int'"), "{e}");
        let e = abs.call(&mut [Value::Null]).unwrap_err();
        assert!(e.to_string().contains("NULL"), "{e}");
    }
    let e = m.function("pwo").unwrap_err();
    assert!(e.to_string().contains("did you mean 'pow'"), "{e}");
}

#[test]
fn globals_by_name() {
    let m = libc(&["<stdio.h>", "<unistd.h>"]);
    // SAFETY: reading libc's globals; nothing writes them concurrently.
    unsafe {
        assert!(matches!(m.global("stdout").unwrap(), Value::Pointer(_)));
        let Value::Pointer(environ) = m.global("environ").unwrap() else {
            panic!("environ is a pointer")
        };
        // environ[0] is the first "NAME=VALUE" string.
        let char_ptr = m.types().type_named("char *").unwrap();
        let first = wyvern::CData::read_from(m.types(), char_ptr, environ as *const u8).unwrap();
        let text = first.c_string("").unwrap().unwrap();
        assert!(text.contains(&b'='), "{}", String::from_utf8_lossy(&text));
    }
}

#[test]
fn open_with_a_mode_write_and_read_back() {
    let m = libc(&["<fcntl.h>", "<unistd.h>", "<sys/stat.h>"]);
    let constant = |name: &str| match m.types().constant(name).unwrap().value {
        wyvern::ConstValue::Int(v) => v,
        ref other => panic!("{name} is {other:?}"),
    };
    let dir = std::env::temp_dir().join(format!("wyvern-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("file");
    let path_text = path.display().to_string();
    // SAFETY: a valid path; the mode is open's variadic third argument.
    let fd = unsafe {
        m.function("open").unwrap().call(&mut [
            path_text.as_str().into(),
            Value::Int(constant("O_CREAT") | constant("O_WRONLY") | constant("O_TRUNC")),
            Value::Int(0o640),
        ])
    }
    .unwrap();
    let Value::Int(fd) = fd else { panic!("{fd:?}") };
    assert!(fd >= 0, "open failed, errno {}", wyvern::last_errno());
    let mut args = [
        Value::Int(fd),
        Value::Bytes(b"hello".to_vec()),
        Value::Int(5),
    ];
    // SAFETY: a buffer of 5 bytes for an open descriptor.
    assert_eq!(
        unsafe { m.function("write").unwrap().call(&mut args) }.unwrap(),
        Value::Int(5)
    );
    // SAFETY: closing the descriptor opened above.
    assert_eq!(
        unsafe { m.function("close").unwrap().call(&mut [Value::Int(fd)]) }.unwrap(),
        Value::Int(0)
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    // The umask can only take bits away.
    assert_eq!(mode & !0o640, 0, "mode {mode:o}");
    assert_ne!(mode & 0o600, 0, "mode {mode:o}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_module_called_from_many_threads() {
    let m = libc(&["<math.h>", "<stdio.h>"]);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let m = &m;
            scope.spawn(move || {
                for i in 0..200 {
                    let pow = m.function("pow").unwrap();
                    // SAFETY: pow has no preconditions.
                    let r =
                        unsafe { pow.call(&mut [Value::Int(t + 1), Value::Int(i % 5)]) }.unwrap();
                    assert_eq!(r, Value::Float(((t + 1) as f64).powi((i % 5) as i32)));
                    let snprintf = m.function("snprintf").unwrap();
                    let mut args = [
                        Value::Bytes(vec![0; 16]),
                        Value::Int(16),
                        "%d".into(),
                        Value::Int(i),
                    ];
                    // SAFETY: the format matches; the buffer holds 16 bytes.
                    unsafe { snprintf.call(&mut args) }.unwrap();
                    let Value::Bytes(b) = &args[0] else {
                        unreachable!()
                    };
                    assert!(b.starts_with(i.to_string().as_bytes()));
                }
            });
        }
    });
}
