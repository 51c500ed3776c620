use super::*;

#[test]
fn severities_display_and_serialise_as_the_compiler_prints_them() {
    for (severity, text) in [
        (Severity::Note, "note"),
        (Severity::Warning, "warning"),
        (Severity::Error, "error"),
        (Severity::Fatal, "fatal error"),
    ] {
        assert_eq!(severity.to_string(), text);
        assert_eq!(
            serde_json::to_string(&severity).unwrap(),
            serde_json::to_string(text).unwrap()
        );
    }
    let at = SourceLocation {
        file: "a.h".into(),
        line: 3,
        column: 7,
    };
    let shown = |severity| {
        Diagnostic {
            location: Some(at.clone()),
            severity,
            message: "m".into(),
            declared: Vec::new(),
        }
        .to_string()
    };
    assert_eq!(shown(Severity::Note), "a.h:3:7: note: m");
    assert_eq!(shown(Severity::Warning), "a.h:3:7: warning: m");
    assert_eq!(shown(Severity::Error), "a.h:3:7: m");
    assert_eq!(shown(Severity::Fatal), "a.h:3:7: m");
}

/// The error's source, which must be there.
fn source_of(e: &Error) -> &(dyn std::error::Error + 'static) {
    std::error::Error::source(e).unwrap_or_else(|| panic!("no source: {e} ({e:?})"))
}

#[test]
fn a_library_that_does_not_exist_keeps_the_loaders_error() {
    // SAFETY: nothing is loaded: the library does not exist.
    let e = unsafe { crate::Library::open("libwyvern-does-not-exist.so.1") }.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Library { name, .. } if name == "libwyvern-does-not-exist.so.1"),
        "{e:?}"
    );
    let source = source_of(&e);
    assert!(source.is::<libloading::Error>(), "{source:?}");
    // The text is as before: the loader's words, said once.
    assert_eq!(
        e.to_string(),
        "cannot load library 'libwyvern-does-not-exist.so.1': libwyvern-does-not-exist.so.1: \
         cannot open shared object file: No such file or directory"
    );
}

#[test]
fn a_missing_symbol_keeps_the_loaders_error() {
    let e = crate::Library::this_process()
        .symbol("wyvern_no_such_symbol")
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Symbol { .. }), "{e:?}");
    assert!(source_of(&e).is::<libloading::Error>());
    assert!(
        e.to_string()
            .contains("undefined symbol: wyvern_no_such_symbol"),
        "{e}"
    );
}

#[cfg(feature = "dwarf")]
#[test]
fn a_corrupt_object_keeps_objects_error() {
    let mut elf = b"\x7fELF".to_vec();
    elf.extend_from_slice(&[2, 1, 1, 0]);
    elf.resize(24, 0xff);
    let e = crate::frontend::dwarf::read_bytes(&elf, "broken.o").unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Dwarf { object, .. } if object == "broken.o"),
        "{e:?}"
    );
    assert!(
        source_of(&e).is::<object::read::Error>(),
        "{:?}",
        source_of(&e)
    );
    assert!(
        e.to_string()
            .starts_with("cannot read the debug info of 'broken.o': not an object file: "),
        "{e}"
    );
}

#[cfg(feature = "dwarf")]
#[test]
fn damaged_dwarf_keeps_gimlis_error() {
    use object::{Object, ObjectSection};
    let dir = std::env::temp_dir().join(format!("wyvern-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let c = dir.join("t.c");
    let o = dir.join("t.o");
    std::fs::write(&c, "struct point { int x, y; } origin;\n").unwrap();
    let status = std::process::Command::new("gcc")
        .args(["-g", "-c", "-o"])
        .arg(&o)
        .arg(&c)
        .status()
        .expect("gcc runs");
    assert!(status.success());
    let mut bytes = std::fs::read(&o).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let (start, len) = {
        let file = object::File::parse(&*bytes).unwrap();
        let info = file.section_by_name(".debug_info").unwrap();
        let (start, len) = info.file_range().unwrap();
        (start as usize, len as usize)
    };
    // Past the unit's 12-byte header, every entry's abbreviation code is garbage.
    bytes[start + 12..start + len].fill(0xff);
    let e = crate::frontend::dwarf::read_bytes(&bytes, "t.o").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Dwarf { .. }), "{e:?}");
    assert!(source_of(&e).is::<gimli::Error>(), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("cannot read the debug info of 't.o': "),
        "{e}"
    );
}

#[cfg(feature = "db")]
#[test]
fn a_damaged_database_keeps_postcards_error() {
    use crate::types::{Target, TypeSet, TypeSetData};
    let types = TypeSet::from_data(TypeSetData::empty(Target::host()));
    let db = crate::db::Database::new(types, &crate::frontend::Inputs::default());
    let mut bytes = db.to_bytes();
    let head_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    bytes[14..14 + head_len].fill(0xff);
    let e = crate::db::load(&bytes).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Database { .. }), "{e:?}");
    assert!(source_of(&e).is::<postcard::Error>(), "{:?}", source_of(&e));
    assert!(
        e.to_string().starts_with("damaged header (bytes 14.."),
        "{e}"
    );
}

#[cfg(feature = "db")]
#[test]
fn an_unreadable_file_keeps_the_systems_error() {
    let e = crate::db::load_path("/nonexistent/wyvern.wydb").unwrap_err();
    let source = source_of(&e).downcast_ref::<std::io::Error>().unwrap();
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        e.to_string(),
        "/nonexistent/wyvern.wydb: No such file or directory (os error 2)"
    );
}

/// A module of `text`'s declarations over the running process (libc).
#[cfg(feature = "clang")]
fn module(text: &str) -> crate::Module {
    crate::Module::new(
        crate::cdef(text).expect("the declarations parse"),
        crate::Library::this_process(),
    )
}

#[cfg(feature = "clang")]
#[test]
fn a_static_function_is_said_to_have_no_symbol_with_where_it_is() {
    let m = module("static inline int twice(int x) { return 2 * x; }");
    let e = m.function("twice").unwrap_err();
    let ErrorKind::NoSymbol {
        name,
        inline,
        location,
    } = e.kind()
    else {
        panic!("{e:?}")
    };
    assert_eq!((name.as_str(), *inline), ("twice", true));
    let at = location.as_ref().expect("a location");
    assert_eq!((at.line, at.column), (1, 19));
    assert_eq!(
        e.to_string(),
        format!("'twice' is static inline: it has no symbol to call (declared at {at})")
    );
}

#[cfg(feature = "clang")]
#[test]
fn globals_read_as_arrays_say_what_they_are_and_how_long() {
    let m = module("extern int environ_like; extern int four[4]; extern int some[];");
    // SAFETY: each is refused before anything is read.
    let e = unsafe { m.global_array("environ_like", 1) }.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::WrongKind { name, expected: "an array", found: Some(f) }
            if name == "environ_like" && f == "'int'"),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "'environ_like' is 'int', not an array");
    // SAFETY: as above.
    let e = unsafe { m.global_array("four", 5) }.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::ArrayLength { name, declared: 4, asked: 5 } if name == "four"),
        "{e:?}"
    );
    // SAFETY: as above.
    let e = unsafe { m.global("some") }.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::UnknownLength { name: Some(n), ty } if n == "some" && ty == "int []"),
        "{e:?}"
    );
}

#[cfg(feature = "clang")]
#[test]
fn functions_and_callbacks_say_which_part_does_not_fit() {
    let m = module(
        "int abs(int);\n\
         __attribute__((ms_abi)) __int128 wide(void) __asm__(\"abs\");",
    );
    let abs = m.function("abs").unwrap();
    let e = crate::Callback::for_param(&abs, 1, |_| 0).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NoParameter { function, index: 1, count: 1, suggestion: None }
            if function == "int abs(int)"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "'int abs(int)' has no parameter at index 1 (it has 1, at index 0); \
         it takes no function pointer"
    );
    let getpid = module("int getpid(void);").function("getpid").unwrap();
    assert_eq!(
        crate::Callback::for_param(&getpid, 0, |_| ())
            .unwrap_err()
            .to_string(),
        "'int getpid(void)' has no parameter at index 0 (it has none); \
         it takes no function pointer"
    );
    let int = m.types().type_named("int").unwrap();
    let e = crate::Callback::new(m.types(), int, |_| 0).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::WrongKind { name, expected: "a function pointer type", found: None }
            if name == "int"),
        "{e:?}"
    );
    let e = m.function("wide").unwrap_err();
    let ErrorKind::Uncallable {
        function, reason, ..
    } = e.kind()
    else {
        panic!("{e:?}")
    };
    assert!(
        function.as_deref().is_some_and(|f| f.contains("wide")),
        "{e:?}"
    );
    assert!(
        reason.contains("__int128") && reason.contains("ms_abi"),
        "{e}"
    );
    let void = m.types().type_named("void").unwrap();
    let e = crate::CData::new(m.types(), void).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::WrongKind { name, expected, .. } if name == "void" && expected.starts_with("an object type")),
        "{e:?}"
    );
}

#[cfg(feature = "clang")]
#[test]
fn a_record_left_out_says_so_and_why() {
    let set = crate::cdef("struct ci { _Complex int z; }; struct ci *p;").unwrap();
    let ty = set.type_named("struct ci").unwrap();
    let e = set.record_layout(ty.id, "struct ci").unwrap_err();
    let ErrorKind::LeftOut { name, reason } = e.kind() else {
        panic!("{e:?}")
    };
    assert_eq!(name, "struct ci");
    assert!(reason.contains("a complex integer type"), "{reason}");
    assert!(
        e.to_string()
            .starts_with("'struct ci' was left out: cannot represent the type '_Complex int'"),
        "{e}"
    );
}

#[cfg(feature = "clang")]
#[test]
fn an_object_too_big_for_memory_says_its_size() {
    let set = crate::cdef("extern char huge[1L << 59];").unwrap();
    let ty = set.global("huge").unwrap().ty;
    let e = crate::CData::new(&set, ty).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::OutOfMemory { bytes } if *bytes == 1 << 59),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("out of memory for an object of {} bytes", 1u64 << 59)
    );
}

#[test]
fn the_type_layers_variants_say_what_its_messages_said() {
    let said = |kind: ErrorKind| Error::from(kind).to_string();
    assert_eq!(
        said(ErrorKind::ForeignType { id: 7, types: 3 }),
        "cannot derive a type from type id 7: it is not of this set (which has 3 types)"
    );
    assert_eq!(
        said(ErrorKind::DamagedSet {
            set: "--dwarf libfoo.so".into(),
            what: "type 12 does not exist".into()
        }),
        "cannot merge --dwarf libfoo.so: type 12 does not exist"
    );
    assert_eq!(
        said(ErrorKind::UnusedType {
            name: "long double".into()
        }),
        "the type 'long double' is not used by these declarations (add a declaration that uses it)"
    );
    assert_eq!(
        said(ErrorKind::WrongKind {
            name: "errno".into(),
            expected: "a function",
            found: Some("a global variable".into())
        }),
        "'errno' is a global variable, not a function"
    );
    assert_eq!(
        said(ErrorKind::TooLarge {
            what: "an array of 4 'int'".into()
        }),
        "an array of 4 'int' is too large"
    );
}

#[test]
fn an_error_without_a_cause_has_no_source() {
    let e = Error::not_found("function", "pwo", Some("pow".into()));
    assert!(std::error::Error::source(&e).is_none());
}

/// Each problem reads as the message the runtime built as text before it was typed.
#[test]
fn value_problems_read_as_before() {
    let said = |problem: ValueProblem| {
        ErrorKind::Value {
            place: "here".into(),
            problem,
        }
        .to_string()
    };
    let s = |t: &str| t.to_owned();
    let cases = [
        (
            ValueProblem::DoesNotFit {
                value: s("300"),
                ty: s("unsigned char"),
                bits: None,
                range: IntRange::of(8, false),
            },
            "300 does not fit in 'unsigned char' (0..=255)",
        ),
        (
            ValueProblem::DoesNotFit {
                value: s("-17"),
                ty: s("int"),
                bits: Some(5),
                range: IntRange::of(5, true),
            },
            "-17 does not fit in a 5-bit field of 'int' (-16..=15)",
        ),
        (
            ValueProblem::NoVariadicType { value: -1 << 70 },
            "-1180591620717411303424 does not fit any variadic integer type",
        ),
        (
            ValueProblem::OutOfRange {
                value: s("1e300"),
                ty: s("float"),
            },
            "1e300 is out of range of 'float'",
        ),
        (
            ValueProblem::TooLong {
                bytes: 5,
                ty: s("char [4]"),
            },
            "5 bytes do not fit in 'char [4]'",
        ),
        (
            ValueProblem::WrongKind {
                value: s("a string"),
                ty: s("int"),
            },
            "a string cannot be stored in 'int'",
        ),
        (
            ValueProblem::NotAnInteger {
                value: s("the floating value 2.5"),
                ty: s("long"),
            },
            "the floating value 2.5 cannot be stored in the integer type 'long'",
        ),
        (
            ValueProblem::CannotPass {
                value: s("the integer 1"),
                ty: s("struct big"),
            },
            "the integer 1 cannot be passed as 'struct big'",
        ),
        (
            ValueProblem::NotABoolean {
                value: s("the integer 2"),
            },
            "the integer 2 is not a boolean (true, false, 0 or 1)",
        ),
        (
            ValueProblem::CannotPoint {
                value: s("a byte buffer"),
                pointee: s("int"),
                hint: Some("use an object of that type"),
            },
            "a byte buffer cannot point to 'int' (use an object of that type)",
        ),
        (
            ValueProblem::CannotPoint {
                value: s("a string"),
                pointee: s("int"),
                hint: None,
            },
            "a string cannot point to 'int'",
        ),
        (
            ValueProblem::NotAPointer {
                ty: s("struct s"),
                object: true,
            },
            "a 'struct s' object is not a pointer; pass Value::Ref to pass its address",
        ),
        (
            ValueProblem::NotAPointer {
                ty: s("int"),
                object: false,
            },
            "'int' is not a pointer",
        ),
        (ValueProblem::Null, "it is NULL"),
        (
            Error::not_found("enumerator", "PURPLE", Some(s("PURPLY"))).into(),
            "no enumerator 'PURPLE'; did you mean 'PURPLY'?",
        ),
        (
            ValueProblem::MissingType { name: "int" },
            "the declarations have no 'int' type",
        ),
        (ValueProblem::Void, "void is not a value"),
        (
            ValueProblem::Dangles {
                value: s("a string"),
                callback: true,
            },
            "a string would dangle once the callback returns, freed with its result; \
             return addresses you keep alive (Value::Pointer)",
        ),
        (
            ValueProblem::Dangles {
                value: s("a string"),
                callback: false,
            },
            "a string would leave the variable pointing into memory freed with the value; \
             store an address you keep alive (Value::Pointer)",
        ),
        (
            ValueProblem::IndexOutOfBounds {
                index: 4,
                len: 4,
                ty: s("int [4]"),
            },
            "index 4 is out of bounds of 'int [4]' (0..4)",
        ),
        (
            ValueProblem::NotAnArray { ty: s("int") },
            "'int' is not an array",
        ),
        (
            ValueProblem::NotAnIndex { text: s("x") },
            "'x' is not an index",
        ),
        (
            ValueProblem::BadPath {
                reason: "'[' without ']'",
            },
            "'[' without ']'",
        ),
    ];
    for (problem, text) in cases {
        assert_eq!(said(problem), format!("here: {text}"));
    }
    assert_eq!(
        IntRange::of(128, false).to_string(),
        format!("0..={}", u128::MAX)
    );
    assert_eq!(
        IntRange::of(128, true).to_string(),
        format!("{}..={}", i128::MIN, i128::MAX)
    );
}
