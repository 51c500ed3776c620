//! The DWARF front end against the header front end and gcc: the same layouts
//! from DWARF 4 and 5 (both bitfield encodings), compressed sections, `.o` files;
//! calls through DWARF alone; damaged objects give errors, never panics; what C
//! has not (C++ types) or what the DWARF leaves out is skipped and listed.

use crate::common;

use common::{clang_compile, fixture, gcc_compile, run_wyvern, Compiled, TempDir};
use wyvern::{Library, Module, TypeSet, Value};

const FIXTURES: [&str; 4] = ["records.h", "bitfields.h", "packing.h", "scalars.h"];

/// A library with every fixture's types (kept even when unused) and a few functions.
fn source() -> String {
    let mut text = String::new();
    for f in FIXTURES {
        text.push_str(&format!("#include \"{}\"\n", fixture(f).display()));
    }
    text.push_str(
        "struct P { double x, y; };
         double dot(struct P a, struct P b) { return a.x * b.x + a.y * b.y; }
         struct P scale(struct P p, double k) { struct P r = { p.x * k, p.y * k }; return r; }
         int sum(int n, ...) { __builtin_va_list ap; __builtin_va_start(ap, n); int t = 0;
             for (int i = 0; i < n; i++) t += __builtin_va_arg(ap, int); __builtin_va_end(ap); return t; }
         int counter = 7;
         extern int declared_first;
         int declared_first = 11;
         const char *greeting = \"hello\";\n",
    );
    text
}

/// The two producers whose DWARF differs most (bitfield encodings, calling
/// conventions, the order and form of attributes).
#[derive(Debug, Clone, Copy)]
enum Producer {
    Gcc,
    Clang,
}

fn build(dir: &TempDir, name: &str, flags: &[&str]) -> String {
    build_with(Producer::Gcc, dir, name, &source(), flags)
}

fn build_with(
    producer: Producer,
    dir: &TempDir,
    name: &str,
    source: &str,
    flags: &[&str],
) -> String {
    let mut all = vec!["-g", "-fno-eliminate-unused-debug-types", "-fPIC"];
    all.extend_from_slice(flags);
    let compiled = match producer {
        Producer::Gcc => gcc_compile(dir.path(), name, source, &all),
        Producer::Clang => clang_compile(dir.path(), name, source, &all),
    };
    match compiled {
        Compiled::Ok(p) => p.display().to_string(),
        Compiled::Failed(e) => panic!("{producer:?} {flags:?} failed:\n{e}"),
    }
}

fn header_types() -> TypeSet {
    let mut parser = wyvern::Parser::new();
    for f in FIXTURES {
        parser = parser.header(fixture(f).display().to_string());
    }
    parser.cdef("struct P { double x, y; };").parse().unwrap()
}

/// Every complete named record of the headers, laid out the same from DWARF.
fn same_layouts(header: &TypeSet, dwarf: &TypeSet, what: &str) -> usize {
    let mut compared = 0;
    for (name, ty) in header.named_records() {
        if !name.starts_with("struct ") && !name.starts_with("union ") {
            continue;
        }
        let h = header.record_layout(ty, &name).unwrap();
        let d_ty = match dwarf.type_named(&name) {
            Ok(t) => t,
            Err(e) => panic!("{what}: {name} is missing from the DWARF: {e}"),
        };
        let d = dwarf.record_layout(d_ty.id, &name).unwrap();
        // DWARF does not state alignment; these two are the ambiguous cases the
        // DWARF front end documents (a packed union whose members all sit at 0; a
        // struct mixing packed and aligned members).
        let ambiguous = ["union packed_union", "struct packed_fields"].contains(&name.as_str());
        if ambiguous {
            assert_eq!(h.size, d.size, "{what}: {name} size");
        } else {
            assert_eq!(
                (h.size, h.align),
                (d.size, d.align),
                "{what}: {name} size/align"
            );
        }
        // DWARF does not record unnamed bitfields (padding that holds no data).
        let fields = |l: &wyvern::RecordLayout| -> Vec<(Option<String>, u64, Option<u32>)> {
            l.fields
                .iter()
                .filter(|f| f.name.is_some() || f.bit_width.is_none())
                .map(|f| (f.name.clone(), f.bit_offset, f.bit_width))
                .collect()
        };
        assert_eq!(fields(&h), fields(&d), "{what}: {name} fields");
        compared += 1;
    }
    compared
}

#[test]
fn layouts_from_dwarf_equal_layouts_from_the_headers() {
    let dir = TempDir::new("dwarf-layouts");
    let header = header_types();
    for (producer, name, flags) in [
        (Producer::Gcc, "libdw5.so", vec!["-shared", "-gdwarf-5"]),
        (Producer::Gcc, "libdw4.so", vec!["-shared", "-gdwarf-4"]),
        (Producer::Gcc, "libgz.so", vec!["-shared", "-gz"]),
        (Producer::Gcc, "obj.o", vec!["-c"]),
        (
            Producer::Clang,
            "libclang5.so",
            vec!["-shared", "-gdwarf-5"],
        ),
        (
            Producer::Clang,
            "libclang4.so",
            vec!["-shared", "-gdwarf-4"],
        ),
        (Producer::Clang, "libclanggz.so", vec!["-shared", "-gz"]),
        (Producer::Clang, "clang.o", vec!["-c"]),
    ] {
        let lib = build_with(producer, &dir, name, &source(), &flags);
        let dwarf = wyvern::frontend::dwarf::read(&lib).unwrap();
        let n = same_layouts(&header, &dwarf, name);
        assert!(n > 20, "{name}: only {n} records compared");
        reused_layouts_equal_fresh(&dwarf, name);
        // Every enumerator has the header's value, also where DWARF stores it in
        // a sign-less data form (0xFFFFFFFFu, 200 in a packed enum).
        let mut enumerators = 0;
        for c in header.constants() {
            if c.origin != wyvern::types::ConstOrigin::Enum {
                continue;
            }
            let d = dwarf.constant(&c.name).unwrap();
            assert_eq!(d.value, c.value, "{name}: {}", c.name);
            enumerators += 1;
        }
        assert!(enumerators > 10, "{name}: only {enumerators} enumerators");
    }
}

/// One report refilled with `record_layout_into` for every record, forwards
/// and backwards (so its member lists both grow and shrink, and members with
/// nested ones meet slots without), is each time what `record_layout` makes.
fn reused_layouts_equal_fresh(types: &TypeSet, what: &str) {
    let records = types.named_records();
    let mut reused = wyvern::RecordLayout::default();
    for (name, ty) in records.iter().chain(records.iter().rev()) {
        let fresh = types.record_layout(*ty, name).unwrap();
        types.record_layout_into(*ty, name, &mut reused).unwrap();
        assert_eq!(reused, fresh, "{what}: {name}");
        assert_eq!(reused.to_text(), fresh.to_text(), "{what}: {name}");
    }
}

#[test]
fn calls_through_dwarf_alone() {
    let dir = TempDir::new("dwarf-calls");
    let lib = build(&dir, "libcalls.so", &["-shared"]);
    let types = wyvern::frontend::dwarf::read(&lib).unwrap();
    // SAFETY: the library was just built from the C above.
    let m = Module::new(types, unsafe { Library::open(&lib) }.unwrap());
    let mut p = wyvern::CData::new_named(m.types(), "struct P").unwrap();
    p.set("x", 1.5).unwrap();
    p.set("y", 2.0).unwrap();
    // SAFETY: the functions do arithmetic only.
    unsafe {
        let r = m
            .function("dot")
            .unwrap()
            .call(&mut [Value::Data(p.clone()), Value::Data(p.clone())])
            .unwrap();
        assert_eq!(r, Value::Float(6.25));
        let r = m
            .function("scale")
            .unwrap()
            .call(&mut [Value::Data(p), 2.into()])
            .unwrap();
        assert_eq!(r.to_string(), "{.x = 3, .y = 4}");
        let r = m
            .function("sum")
            .unwrap()
            .call(&mut [3.into(), 1.into(), 2.into(), 39.into()])
            .unwrap();
        assert_eq!(r, Value::Int(42));
        assert_eq!(m.global("counter").unwrap(), Value::Int(7));
        // gcc describes a variable declared before its definition in two entries,
        // the definition pointing to the declaration (`DW_AT_specification`).
        assert_eq!(m.global("declared_first").unwrap(), Value::Int(11));
    }
    assert!(m.types().function("sum").unwrap().ty != m.types().function("dot").unwrap().ty);
    // The CLI, with no header: -l defaults to the object itself.
    let out = run_wyvern(&["call", "--dwarf", &lib, "dot", "{1, 2}", "{3, 4}"]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout, "11\n");
    let out = run_wyvern(&["layout", "--dwarf", &lib, "struct P"]);
    assert!(
        out.success() && out.stdout.contains("/* size: 16, align: 8"),
        "{}",
        out.describe()
    );
}

/// The file offset and size of each DWARF section of an ELF object.
fn debug_section_ranges(bytes: &[u8]) -> Vec<(usize, usize)> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    file.sections()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with(".debug_")))
        .filter_map(|s| {
            let (start, len) = s.file_range()?;
            (len > 0).then_some((start as usize, len as usize))
        })
        .collect()
}

/// Everything a user may do with a type set short of calling: every layout,
/// every spelling and prototype, the header-vs-binary comparison, and the call
/// interface of every function. None of it may panic, whatever the set holds.
fn exercise(types: &TypeSet) {
    for (name, ty) in types.named_records() {
        if let Ok(layout) = types.record_layout(ty, &name) {
            let _ = layout.to_text();
        }
        let _ = types.type_named(&name);
    }
    for t in types.typedefs() {
        let _ = types.type_named(&t.name).map(|q| types.spell(q));
    }
    for f in types.functions() {
        let _ = types.prototype(f);
        if let Some(sig) = types.fn_sig(f.ty) {
            let _ = wyvern::__private::CallInterface::new(types, sig, &[]);
        }
    }
    for g in types.globals() {
        let _ = types.spell(g.ty);
    }
    let _ = wyvern::check::compare(types, types).to_string();
}

#[test]
fn damaged_objects_give_errors_not_panics() {
    let dir = TempDir::new("dwarf-damaged");
    // WYVERN_DAMAGE_CASES=100000 for a longer run.
    let cases: usize = std::env::var("WYVERN_DAMAGE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(600);
    let mut loaded = 0;
    for (producer, name, flags) in [
        (Producer::Gcc, "libgcc5.so", vec!["-shared", "-gdwarf-5"]),
        (Producer::Gcc, "libgcc4.so", vec!["-shared", "-gdwarf-4"]),
        (
            Producer::Clang,
            "libclang5.so",
            vec!["-shared", "-gdwarf-5"],
        ),
    ] {
        let lib = build_with(producer, &dir, name, &source(), &flags);
        let bytes = std::fs::read(&lib).unwrap();
        let mut rng = common::Rng::new(0xd3ad);
        // Truncations at many lengths.
        for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            if let Ok(types) = wyvern::frontend::dwarf::read_bytes(&bytes[..cut], "truncated") {
                exercise(&types);
            }
        }
        // Random bytes flipped inside the debug sections, where they change what
        // the entries say (offsets, sizes, forms, type references), and the types
        // that still load are laid out, printed, checked and lowered for calls.
        let ranges = debug_section_ranges(&bytes);
        assert!(ranges.len() >= 3, "{name}: {ranges:?}");
        for case in 0..cases {
            let mut damaged = bytes.clone();
            let (start, len) = ranges[case % ranges.len()];
            for _ in 0..1 + case % 4 {
                let at = start + rng.below(len);
                damaged[at] = rng.next() as u8;
            }
            if let Ok(types) = wyvern::frontend::dwarf::read_bytes(&damaged, "damaged") {
                exercise(&types);
                loaded += 1;
            }
        }
    }
    // Most damage is caught; some still reads (a changed name, size or value).
    assert!(loaded > 0, "no damaged object loaded at all");
    let e = wyvern::frontend::dwarf::read_bytes(b"not an object", "junk").unwrap_err();
    assert!(e.to_string().contains("not an object file"), "{e}");
    let no_debug = gcc_compile(
        dir.path(),
        "libnodebug.so",
        "int f(void) { return 1; }",
        &["-shared", "-fPIC"],
    )
    .built();
    let e = wyvern::frontend::dwarf::read(&no_debug).unwrap_err();
    assert!(e.to_string().contains("no DWARF debug info"), "{e}");
    let out = run_wyvern(&["layout", "--dwarf", &no_debug.display().to_string()]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
}

#[test]
fn check_catches_a_header_built_with_a_different_define() {
    let dir = TempDir::new("dwarf-check");
    let header = dir.path().join("cfg.h");
    std::fs::write(
        &header,
        "#include <stdio.h>
struct config {
    int version;
#ifdef WIDE
    long flags;
#else
    int flags;
#endif
    unsigned debug : 1;
};
enum mode { FAST = 1, SAFE = 2 };
int configure(struct config *c, enum mode m);
",
    )
    .unwrap();
    let source = format!(
        "#include \"{}\"\nint configure(struct config *c, enum mode m) {{ c->version = m; return 0; }}\n",
        header.display()
    );
    let lib = match gcc_compile(
        dir.path(),
        "libcfg.so",
        &source,
        &["-g", "-shared", "-fPIC"],
    ) {
        Compiled::Ok(p) => p.display().to_string(),
        Compiled::Failed(e) => panic!("{e}"),
    };
    let h = header.display().to_string();
    let clean = run_wyvern(&["check", "-H", &h, "--dwarf", &lib]);
    assert!(clean.success(), "{}", clean.describe());
    assert!(
        clean.stdout.starts_with("no differences in"),
        "{}",
        clean.describe()
    );
    let wide = run_wyvern(&["check", "-H", &h, "-D", "WIDE", "--dwarf", &lib]);
    assert_eq!(wide.status, Some(1), "{}", wide.describe());
    for needle in [
        "struct config",
        "size 24 in the header, 12 in the binary",
        ".flags: type 'long' in the header, 'int' in the binary",
    ] {
        assert!(
            wide.stdout.contains(needle),
            "{needle}\n{}",
            wide.describe()
        );
    }
    assert!(wide.stderr.contains("differ"), "{}", wide.describe());
    // stdio.h's functions are not in this library, but they are not the user's header.
    assert!(!wide.stdout.contains("printf"), "{}", wide.describe());
    // Exit status 1 still prints the JSON report.
    let json = run_wyvern(&["check", "--json", "-H", &h, "-D", "WIDE", "--dwarf", &lib]);
    assert_eq!(json.status, Some(1), "{}", json.describe());
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let differences = report["differences"].as_array().unwrap();
    assert!(
        differences
            .iter()
            .any(|d| d["subject"] == "struct config.flags"),
        "{report}"
    );
    let out = run_wyvern(&["check", "-H", &h]);
    assert_eq!(out.status, Some(2), "{}", out.describe());
}

#[test]
fn a_stripped_object_is_read_through_its_debug_link() {
    let dir = TempDir::new("dwarf-debuglink");
    let lib = build(&dir, "libsplit.so", &["-shared"]);
    let debug = format!("{lib}.debug");
    let objcopy = |args: &[&str]| {
        let out = common::run(std::process::Command::new("objcopy").args(args));
        assert!(out.success(), "objcopy {args:?}\n{}", out.describe());
    };
    objcopy(&["--only-keep-debug", &lib, &debug]);
    objcopy(&["--strip-debug", &lib]);
    objcopy(&[&format!("--add-gnu-debuglink={debug}"), &lib]);
    let types = wyvern::frontend::dwarf::read(&lib).unwrap();
    assert_eq!(
        types
            .layout(types.type_named("struct P").unwrap().id)
            .unwrap()
            .size,
        16
    );
    // Calls go to the stripped object; the types come from its debug file.
    let out = run_wyvern(&["call", "--dwarf", &lib, "dot", "{1, 2}", "{3, 4}"]);
    assert!(out.success() && out.stdout == "11\n", "{}", out.describe());
    // In the object's .debug/ directory too; a file whose CRC differs is not taken.
    let hidden = dir.path().join(".debug");
    std::fs::create_dir_all(&hidden).unwrap();
    let moved = hidden.join(std::path::Path::new(&debug).file_name().unwrap());
    std::fs::rename(&debug, &moved).unwrap();
    assert!(wyvern::frontend::dwarf::read(&lib).is_ok());
    std::fs::write(&moved, b"not the debug file").unwrap();
    let e = wyvern::frontend::dwarf::read(&lib).unwrap_err();
    assert!(e.to_string().contains("no DWARF debug info"), "{e}");
}

/// `NAME.o` compiled with `-gsplit-dwarf` (its entries in `NAME.dwo`), linked
/// into `libNAME.so`.
fn split_library(
    producer: Producer,
    dir: &TempDir,
    name: &str,
    version: &str,
) -> std::path::PathBuf {
    let object = build_with(
        producer,
        dir,
        &format!("{name}.o"),
        &source(),
        &["-c", "-gsplit-dwarf", version],
    );
    let lib = dir.path().join(format!("lib{name}.so"));
    let out = common::run(
        std::process::Command::new("gcc")
            .arg("-shared")
            .arg("-o")
            .arg(&lib)
            .arg(&object),
    );
    assert!(out.success(), "{}", out.describe());
    lib
}

#[test]
fn split_dwarf_is_read_from_its_dwo_files() {
    let dir = TempDir::new("dwarf-split");
    let header = header_types();
    for (producer, name, version) in [
        (Producer::Gcc, "split5", "-gdwarf-5"),
        (Producer::Gcc, "split4", "-gdwarf-4"),
        (Producer::Clang, "clangsplit5", "-gdwarf-5"),
        (Producer::Clang, "clangsplit4", "-gdwarf-4"),
    ] {
        let lib = split_library(producer, &dir, name, version);
        assert!(
            dir.path().join(format!("{name}.dwo")).is_file(),
            "{producer:?} wrote no .dwo"
        );
        let dwarf = wyvern::frontend::dwarf::read(&lib).unwrap();
        let n = same_layouts(&header, &dwarf, name);
        assert!(n > 20, "{name}: only {n} records compared");
        let out = run_wyvern(&[
            "call",
            "--dwarf",
            &lib.display().to_string(),
            "dot",
            "{1, 2}",
            "{3, 4}",
        ]);
        assert!(out.success() && out.stdout == "11\n", "{}", out.describe());
    }
    // A missing .dwo is an error that names it.
    std::fs::remove_file(dir.path().join("split5.dwo")).unwrap();
    let e = wyvern::frontend::dwarf::read(dir.path().join("libsplit5.so")).unwrap_err();
    assert!(e.to_string().contains("split5.dwo"), "{e}");
}

#[test]
fn split_dwarf_is_read_from_a_dwarf_package() {
    let dir = TempDir::new("dwarf-dwp");
    let header = header_types();
    // binutils' dwp packs DWARF 4 (it crashes on gcc 12's DWARF 5, and llvm-dwp 14
    // loops forever on it, so no packer here makes a gcc DWARF 5 package);
    // llvm-dwp packs clang's units of both versions.
    for (producer, name, version, packer) in [
        (Producer::Gcc, "gcc4", "-gdwarf-4", common::tool("dwp")),
        (
            Producer::Clang,
            "clang4",
            "-gdwarf-4",
            common::tool("llvm-dwp"),
        ),
        (
            Producer::Clang,
            "clang5",
            "-gdwarf-5",
            common::tool("llvm-dwp"),
        ),
    ] {
        let lib = split_library(producer, &dir, name, version);
        let package = dir.path().join(format!("lib{name}.so.dwp"));
        let out = common::run(
            std::process::Command::new(&packer)
                .arg("-e")
                .arg(&lib)
                .arg("-o")
                .arg(&package),
        );
        assert!(out.success(), "{}", out.describe());
        // Only the package is left.
        std::fs::remove_file(dir.path().join(format!("{name}.dwo"))).unwrap();
        let dwarf = wyvern::frontend::dwarf::read(&lib).unwrap();
        let n = same_layouts(&header, &dwarf, name);
        assert!(n > 20, "{name}: only {n} records compared");
        let lib = lib.display().to_string();
        let out = run_wyvern(&["call", "--dwarf", &lib, "dot", "{1, 2}", "{3, 4}"]);
        assert!(out.success() && out.stdout == "11\n", "{}", out.describe());
        // A damaged package is an error that names it.
        let mut bytes = std::fs::read(&package).unwrap();
        bytes.truncate(bytes.len() / 3);
        std::fs::write(&package, bytes).unwrap();
        let e = wyvern::frontend::dwarf::read(&lib).unwrap_err();
        assert!(e.to_string().contains(".dwp"), "{e}");
    }
}

#[test]
fn one_type_by_name_is_read_without_the_rest() {
    let dir = TempDir::new("dwarf-lazy");
    let lib = build(&dir, "liblazy.so", &["-shared"]);
    let full = wyvern::frontend::dwarf::read(&lib).unwrap();
    let some =
        wyvern::frontend::dwarf::read_types(&lib, &["struct P", "union packed_union"]).unwrap();
    for name in ["struct P", "union packed_union"] {
        let a = full
            .record_layout(full.type_named(name).unwrap().id, name)
            .unwrap();
        let b = some
            .record_layout(some.type_named(name).unwrap().id, name)
            .unwrap();
        assert_eq!(a.to_text(), b.to_text());
    }
    assert!(some.functions().next().is_none(), "no functions are read");
    assert!(
        some.records().count() < full.records().count() / 4,
        "only what was asked for"
    );
    let out = run_wyvern(&["layout", "--dwarf", &lib, "struct P"]);
    assert!(
        out.success() && out.stdout.starts_with("struct P {"),
        "{}",
        out.describe()
    );
    let out = run_wyvern(&["layout", "--dwarf", &lib, "struct nope"]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
}

#[test]
fn calling_conventions_recorded_by_clang_are_kept_and_called() {
    let dir = TempDir::new("dwarf-conventions");
    let declarations = "struct P { double x, y; };
__attribute__((ms_abi)) double wdot(struct P a, struct P b);
__attribute__((ms_abi)) struct P wscale(struct P p, double k);
double dot(struct P a, struct P b);
";
    let header = dir.path().join("conv.h");
    std::fs::write(&header, declarations).unwrap();
    let source = format!(
        "#include \"{}\"
double wdot(struct P a, struct P b) {{ return a.x * b.x + a.y * b.y; }}
struct P wscale(struct P p, double k) {{ struct P r = {{ p.x * k, p.y * k }}; return r; }}
double dot(struct P a, struct P b) {{ return a.x * b.x + a.y * b.y; }}
",
        header.display()
    );
    let lib = build_with(Producer::Clang, &dir, "libconv.so", &source, &["-shared"]);
    let types = wyvern::frontend::dwarf::read(&lib).unwrap();
    let conv = |name: &str| types.fn_sig(types.function(name).unwrap().ty).unwrap().conv;
    assert_eq!(conv("wdot"), wyvern::CallConv::Win64);
    assert_eq!(conv("wscale"), wyvern::CallConv::Win64);
    assert_eq!(conv("dot"), wyvern::CallConv::C);
    // Called with the convention the DWARF gives (a System V call would read
    // the arguments from the wrong registers).
    for (args, expected) in [
        (vec!["wdot", "{1, 2}", "{3, 4}"], "11\n"),
        (vec!["wscale", "{1.5, 2}", "2"], "{.x = 3, .y = 4}\n"),
        (vec!["dot", "{1, 2}", "{3, 4}"], "11\n"),
    ] {
        let mut all = vec!["call", "--dwarf", &lib];
        all.extend(args);
        let out = run_wyvern(&all);
        assert!(out.success(), "{}", out.describe());
        assert_eq!(out.stdout, expected, "{}", out.describe());
    }
    // The header agrees with the binary; one that forgets ms_abi does not.
    let h = header.display().to_string();
    let out = run_wyvern(&["check", "-H", &h, "--dwarf", &lib]);
    assert!(out.success(), "{}", out.describe());
    std::fs::write(
        &header,
        declarations.replace("__attribute__((ms_abi)) ", ""),
    )
    .unwrap();
    let out = run_wyvern(&["check", "-H", &h, "--dwarf", &lib]);
    assert_eq!(out.status, Some(1), "{}", out.describe());
    assert!(
        out.stdout.contains("calling convention"),
        "{}",
        out.describe()
    );
    // The i386 conventions clang records with Borland's codes.
    let object = build_with(
        Producer::Clang,
        &dir,
        "conv32.o",
        "__attribute__((stdcall)) int f_std(int a) { return a; }
         __attribute__((fastcall)) int f_fast(int a) { return a; }
         __attribute__((thiscall)) int f_this(int a) { return a; }
         __attribute__((regcall)) int f_reg(int a) { return a; }",
        &["-m32", "-c"],
    );
    let types = wyvern::frontend::dwarf::read(&object).unwrap();
    assert_eq!(types.target().pointer_size, 4);
    let conv = |name: &str| types.fn_sig(types.function(name).unwrap().ty).unwrap().conv;
    assert_eq!(conv("f_std"), wyvern::CallConv::StdCall);
    assert_eq!(conv("f_fast"), wyvern::CallConv::FastCall);
    assert_eq!(conv("f_this"), wyvern::CallConv::ThisCall);
    assert_eq!(conv("f_reg"), wyvern::CallConv::RegCall);
}

/// gcc's DWARF of the system-header corpus (with `_GNU_SOURCE`) lays out every
/// named record and typedef as the headers do. Among them: `__SOCKADDR_ARG`, a
/// transparent union whose members gcc leaves out of the DWARF, and
/// `__pthread_unwind_buf_t`, a typedef that `__attribute__((aligned))` aligns
/// beyond its struct.
#[test]
fn corpus_layouts_from_gcc_dwarf_equal_the_headers() {
    let headers = common::corpus::installed_headers();
    let mut source = String::from("#define _GNU_SOURCE\n");
    let mut parser = wyvern::Parser::new().define("_GNU_SOURCE", None);
    for header in &headers {
        source.push_str(&format!("#include {header}\n"));
        parser = parser.header(header.as_str());
    }
    let header = parser.parse().unwrap();
    let dir = TempDir::new("dwarf-corpus");
    let object = build_with(Producer::Gcc, &dir, "corpus", &source, &["-c"]);
    let dwarf = wyvern::frontend::dwarf::read(&object).unwrap();
    let mut names: Vec<(String, wyvern::TypeId)> = header.named_records();
    names.extend(
        header
            .typedefs()
            .filter_map(|t| Some((t.name.clone(), header.type_named(&t.name).ok()?.id))),
    );
    // Packed to 1, its members at offsets that `#pragma pack(4)` would give too:
    // gcc's DWARF cannot tell the two apart (the documented ambiguous case).
    let ambiguous = ["struct epoll_event"];
    let (mut compared, mut differences) = (0, Vec::new());
    for (name, ty) in names {
        // Function types have no layout (clang's sizeof of one is GNU C's 1).
        if matches!(header.ty(header.canonical(ty)), wyvern::Type::Function(_))
            || ambiguous.contains(&name.as_str())
        {
            continue;
        }
        let (Some(h), Ok(d)) = (header.layout(ty), dwarf.type_named(&name)) else {
            continue;
        };
        let d = dwarf.layout(d.id);
        if d != Some(h) {
            differences.push(format!("{name}: header {h:?}, DWARF {d:?}"));
        }
        compared += 1;
    }
    println!("{compared} records and typedefs compared");
    for name in [
        "__SOCKADDR_ARG",
        "__CONST_SOCKADDR_ARG",
        "__pthread_unwind_buf_t",
    ] {
        assert!(
            dwarf.type_named(name).is_ok(),
            "{name} missing from the DWARF"
        );
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(compared > 900, "only {compared} compared");
}

/// gcc's DWARF lists none of a transparent union's members: it is laid out (size
/// and alignment known) but never passed by value on a guess.
#[test]
fn a_union_whose_members_dwarf_leaves_out_is_not_passed_on_a_guess() {
    let dir = TempDir::new("dwarf-transparent");
    let source = "#define _GNU_SOURCE\n#include <sys/socket.h>\n\
                  int family(__SOCKADDR_ARG a) { return a.__sockaddr__->sa_family; }\n";
    let library = build_with(Producer::Gcc, &dir, "libtransparent", source, &["-shared"]);
    let out = run_wyvern(&["layout", "--json", "--dwarf", &library, "__SOCKADDR_ARG"]);
    assert!(out.success(), "{}", out.describe());
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (json[0]["size"].as_u64(), json[0]["align"].as_u64()),
        (Some(8), Some(8))
    );
    let out = run_wyvern(&["call", "--dwarf", &library, "family", "{}"]);
    assert!(
        !out.success()
            && out
                .stderr
                .contains("the members of 'union {...}' are unknown"),
        "{}",
        out.describe()
    );
}

/// C++ next to the `extern "C"` parts of an object.
const CXX_SOURCE: &str = r#"
extern "C" {
struct point { int x; double y; };
double point_sum(struct point p) { return p.x + p.y; }
int plain_global = 5;
}
int take_rvalue(int &&r) { return r + 1; }
int take_ref(int &r) { return r + 2; }
class counter {
public:
    int n;
    int bump() { return ++n; }
};
counter make_counter() { counter c; c.n = 3; return c; }
struct holder { int a; int b; };
int holder::*member_ptr = &holder::b;
"#;

/// Compiles C++ `source` with `compiler` into `dir/name` (debug info, PIC).
fn cxx_compile(compiler: &str, dir: &TempDir, name: &str, source: &str, flags: &[&str]) -> String {
    let file = dir.path().join(format!("{name}.cpp"));
    std::fs::write(&file, source).unwrap();
    let out_path = dir.path().join(name);
    let out = common::run(
        std::process::Command::new(compiler)
            .args(["-g", "-fPIC"])
            .args(flags)
            .arg("-o")
            .arg(&out_path)
            .arg(&file),
    );
    assert!(out.success(), "{compiler}: {}", out.describe());
    out_path.display().to_string()
}

/// A C++ type (reference, rvalue reference, class with methods, pointer to
/// member) leaves out the declarations that use it, each listed with why; the C
/// parts of the same object are read, laid out as gcc does and called.
#[test]
fn cxx_declarations_are_skipped_and_listed_and_the_c_parts_read() {
    let dir = TempDir::new("dwarf-cxx");
    let header = wyvern::Parser::new()
        .cdef("struct point { int x; double y; };")
        .parse()
        .unwrap();
    let expected = header
        .record_layout(
            header.type_named("struct point").unwrap().id,
            "struct point",
        )
        .unwrap();
    let mut compilers = vec!["g++".to_owned()];
    let clangxx = common::tool("clang++");
    if common::run(std::process::Command::new(&clangxx).arg("--version")).success() {
        compilers.push(clangxx.display().to_string());
    }
    for compiler in &compilers {
        let object = cxx_compile(compiler, &dir, "cxx.o", CXX_SOURCE, &["-c"]);
        let out = run_wyvern(&["dump", "--json", "--dwarf", &object]);
        assert!(out.success(), "{compiler}: {}", out.describe());
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let reason = |name: &str| -> String {
            json["skipped"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == name)
                .and_then(|s| s["reason"].as_str())
                .unwrap_or_else(|| panic!("{compiler}: {name} not skipped: {}", json["skipped"]))
                .to_owned()
        };
        assert!(
            reason("take_rvalue").contains("rvalue reference"),
            "{compiler}"
        );
        assert!(
            reason("take_ref").contains("C++ reference (T&)"),
            "{compiler}"
        );
        assert!(
            reason("member_ptr").contains("pointer to member"),
            "{compiler}"
        );
        assert!(
            reason("struct counter").contains("member functions"),
            "{compiler}"
        );
        assert!(
            reason("make_counter").contains("member functions"),
            "{compiler}"
        );
        let functions: Vec<&str> = json["functions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["name"].as_str())
            .collect();
        assert!(
            functions.contains(&"point_sum"),
            "{compiler}: {functions:?}"
        );
        assert!(
            !functions.contains(&"take_rvalue"),
            "{compiler}: {functions:?}"
        );
        let types = wyvern::frontend::dwarf::read(&object).unwrap();
        let point = types.type_named("struct point").unwrap();
        let layout = types.record_layout(point.id, "struct point").unwrap();
        assert_eq!(
            (layout.size, layout.align),
            (expected.size, expected.align),
            "{compiler}"
        );
        let offsets = |l: &wyvern::RecordLayout| -> Vec<u64> {
            l.fields.iter().map(|f| f.bit_offset).collect()
        };
        assert_eq!(offsets(&layout), offsets(&expected), "{compiler}");
        assert!(types.global("plain_global").is_ok(), "{compiler}");

        let library = cxx_compile(compiler, &dir, "libcxx.so", CXX_SOURCE, &["-shared"]);
        let out = run_wyvern(&["call", "--dwarf", &library, "point_sum", "{1, 2.5}"]);
        assert!(out.success(), "{compiler}: {}", out.describe());
        assert_eq!(out.stdout, "3.5\n", "{compiler}");
        let out = run_wyvern(&["call", "--dwarf", &library, "take_rvalue", "1"]);
        assert!(
            !out.success() && out.stderr.contains("rvalue reference"),
            "{compiler}: {}",
            out.describe()
        );
    }
}

/// gcc -O2 describes a function declared `inline` that it also inlines by an
/// abstract entry (`DW_AT_inline`, a `DW_INL_*` constant) and its out-of-line copy
/// by a concrete one naming it (`DW_AT_abstract_origin`): the function is read,
/// marked inline, and called.
#[test]
fn an_inlined_function_is_read_through_its_abstract_origin() {
    let dir = TempDir::new("dwarf-inline");
    let source = "inline int twice(int x) { return 2 * x; }
                  extern int twice(int x);
                  int plain(int x) { return twice(x) + 1; }\n";
    let library = build_with(
        Producer::Gcc,
        &dir,
        "libinline.so",
        source,
        &["-shared", "-O2"],
    );
    let types = wyvern::frontend::dwarf::read(&library).unwrap();
    let twice = types.function("twice").unwrap();
    assert!(twice.inline, "{twice:?}");
    assert_eq!(twice.param_names, [Some("x".to_owned())]);
    assert!(!types.function("plain").unwrap().inline);
    let out = run_wyvern(&["call", "--dwarf", &library, "twice", "21"]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout, "42\n");
}

/// An enum whose DWARF compilers always size, next to what stays readable.
const ENUM_SOURCE: &str = "enum __attribute__((packed)) small { S_A = 1, S_B = 200 };
    enum small pick(enum small s) { return s; }
    struct keep { int k; };
    int keep_it(struct keep k) { return k.k; }\n";

/// Renames, in `.debug_abbrev`, the attribute `from` of every abbreviation of
/// entries tagged `tag` to `to` (both one-byte codes, so the section keeps its
/// size): the entries then lack `from`, as a producer's DWARF may. Returns how
/// many abbreviations were changed.
fn rename_attribute(bytes: &mut [u8], tag: u64, from: u8, to: u8) -> usize {
    use object::{Object, ObjectSection};
    let (start, len) = {
        let file = object::File::parse(&*bytes).unwrap();
        let section = file.section_by_name(".debug_abbrev").unwrap();
        let (start, len) = section.file_range().unwrap();
        (start as usize, len as usize)
    };
    let section = &mut bytes[start..start + len];
    let leb = |s: &[u8], at: &mut usize| -> u64 {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let byte = s[*at];
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return value;
            }
        }
    };
    let (mut at, mut changed) = (0, 0);
    while at < section.len() {
        if leb(section, &mut at) == 0 {
            continue; // the end of one unit's table
        }
        let this_tag = leb(section, &mut at);
        at += 1; // DW_CHILDREN_*
        loop {
            let attr_at = at;
            let attr = leb(section, &mut at);
            let form = leb(section, &mut at);
            if (attr, form) == (0, 0) {
                break;
            }
            if form == 0x21 {
                leb(section, &mut at); // DW_FORM_implicit_const's value
            }
            if this_tag == tag && attr == u64::from(from) {
                section[attr_at] = to;
                changed += 1;
            }
        }
    }
    changed
}

const DW_TAG_ENUMERATION_TYPE: u64 = 0x04;
const DW_TAG_ENUMERATOR: u64 = 0x28;
const DW_AT_BYTE_SIZE: u8 = 0x0b;
const DW_AT_CONST_VALUE: u8 = 0x1c;
const DW_AT_TYPE: u8 = 0x49;
/// Attributes wyvern does not read, of the same classes (constant, reference).
const DW_AT_BIT_STRIDE: u8 = 0x2e;
const DW_AT_CONTAINING_TYPE: u8 = 0x1d;

/// An enum whose DWARF leaves out its size is sized by its underlying type
/// (`DW_AT_type`, DWARF 3 and later); with neither, or with an enumerator whose
/// value is missing, the enum and what uses it are skipped with the reason,
/// never given a guessed size or value; the rest of the object is read.
#[test]
fn an_enum_missing_its_size_or_values_is_not_guessed() {
    let dir = TempDir::new("dwarf-enum-gaps");
    for producer in [Producer::Gcc, Producer::Clang] {
        let object = build_with(producer, &dir, "enum.o", ENUM_SOURCE, &["-c"]);
        let bytes = std::fs::read(&object).unwrap();
        let small = |types: &TypeSet| {
            let id = types.type_named("enum small").unwrap().id;
            types.layout(id).map(|l| l.size)
        };
        let original = wyvern::frontend::dwarf::read_bytes(&bytes, "enum.o").unwrap();
        assert_eq!(small(&original), Some(1), "{producer:?}");

        // No DW_AT_byte_size: the size of its `unsigned char`, not 4.
        let mut no_size = bytes.clone();
        let n = rename_attribute(
            &mut no_size,
            DW_TAG_ENUMERATION_TYPE,
            DW_AT_BYTE_SIZE,
            DW_AT_BIT_STRIDE,
        );
        assert!(n > 0, "{producer:?}");
        let types = wyvern::frontend::dwarf::read_bytes(&no_size, "no-size").unwrap();
        assert_eq!(small(&types), Some(1), "{producer:?}");
        assert!(types.function("pick").is_ok(), "{producer:?}");

        // Nor DW_AT_type: the enum is skipped, and pick with it.
        let mut no_type = no_size.clone();
        let n = rename_attribute(
            &mut no_type,
            DW_TAG_ENUMERATION_TYPE,
            DW_AT_TYPE,
            DW_AT_CONTAINING_TYPE,
        );
        assert!(n > 0, "{producer:?}");
        let types = wyvern::frontend::dwarf::read_bytes(&no_type, "no-type").unwrap();
        let why = types.why_skipped("enum small");
        assert!(
            why.is_some_and(|w| w.contains("neither its size nor its underlying type")),
            "{producer:?}: {why:?}"
        );
        assert!(types.type_named("enum small").is_err(), "{producer:?}");
        assert!(types.why_skipped("pick").is_some(), "{producer:?}");
        assert!(types.function("keep_it").is_ok(), "{producer:?}");

        // No DW_AT_const_value on the enumerators: not 0, skipped.
        let mut no_values = bytes.clone();
        let n = rename_attribute(
            &mut no_values,
            DW_TAG_ENUMERATOR,
            DW_AT_CONST_VALUE,
            DW_AT_BIT_STRIDE,
        );
        assert!(n > 0, "{producer:?}");
        let types = wyvern::frontend::dwarf::read_bytes(&no_values, "no-values").unwrap();
        let why = types.why_skipped("enum small");
        assert!(
            why.is_some_and(|w| w.contains("enumerator 'S_A'")),
            "{producer:?}: {why:?}"
        );
        assert!(types.constant("S_B").is_err(), "{producer:?}");
        assert!(types.function("keep_it").is_ok(), "{producer:?}");
    }
}

/// `check` and merge follow one rule (issue 12): what merging a header with an
/// object's DWARF accepts, `check` does not report. gcc's DWARF 2 (no
/// `DW_AT_type` on the enum) gives `0xffffffff` in a form read back as `-1`, and
/// DWARF states no alignment, so a packed record whose members sit at aligned
/// offsets reads as aligned.
#[test]
fn check_reports_nothing_that_merge_accepts() {
    let dir = TempDir::new("dwarf-check-merge");
    let header = dir.path().join("e.h");
    std::fs::write(
        &header,
        "enum big { NONE = 0, ALL = 0xffffffff };
struct __attribute__((packed)) pk { short a; short b; };
int use(enum big b, struct pk *p);
",
    )
    .unwrap();
    let source = format!(
        "#include \"{}\"\nint use(enum big b, struct pk *p) {{ return b + p->a; }}\n",
        header.display()
    );
    for flags in [["-gdwarf-2", "-gstrict-dwarf"], ["-gdwarf-4", "-g"]] {
        let mut all = vec!["-c"];
        all.extend(flags);
        let object = gcc_compile(dir.path(), "e.o", &source, &all).built();
        let binary = wyvern::frontend::dwarf::read(&object).unwrap();
        let headers = wyvern::Parser::new()
            .header(header.display().to_string())
            .parse()
            .unwrap();
        assert!(headers.merge(&binary).is_ok(), "{flags:?}");
        let report = wyvern::check::compare(&headers, &binary);
        assert!(report.is_clean(), "{flags:?}:\n{report}");
        assert_eq!(report.checked.enums, 1, "{report}");
        assert_eq!(report.checked.records, 1, "{report}");
    }
}

/// Offsets are kept in bits as u64: a record of 2^60 bytes or more (gcc compiles
/// them: objects up to PTRDIFF_MAX bytes are valid) is left out and listed, as
/// from headers, instead of overflowing (it panicked) or wrapping; one just below
/// keeps gcc's offsets, from DWARF 5's and DWARF 4's encodings alike.
#[test]
fn records_too_large_for_bit_offsets_are_left_out() {
    let dir = TempDir::new("dwarf-huge");
    let source = "struct huge { char a[1ULL << 61]; int c; };\n\
                  struct huge *huge_p;\n\
                  struct big { char a[(1ULL << 60) - 16]; int c; int bits : 3; };\n\
                  struct big *big_p;\n";
    // (clang refuses arrays of 2^60 bytes or more.)
    for (producer, flags) in [(Producer::Gcc, "-gdwarf-5"), (Producer::Gcc, "-gdwarf-4")] {
        let name = format!("huge-{producer:?}{flags}.o");
        let object = build_with(producer, &dir, &name, source, &["-c", flags]);
        let types = wyvern::frontend::dwarf::read(&object).unwrap();
        let why = types.why_skipped("struct huge").unwrap_or_default();
        assert!(
            why.starts_with("a record of 2305843009213693956 bytes is too large"),
            "{producer:?} {flags}: {why}"
        );
        let big = types.type_named("struct big").unwrap();
        let layout = types.record_layout(big.id, "struct big").unwrap();
        let at = |n: &str| {
            let f = layout.fields.iter().find(|f| f.name.as_deref() == Some(n));
            f.map(|f| (f.offset, f.bit_offset))
        };
        let c = (1u64 << 60) - 16;
        assert_eq!(at("c"), Some((c, c * 8)), "{producer:?} {flags}");
        assert_eq!(
            at("bits").map(|(_, bits)| bits),
            Some((c + 4) * 8),
            "{producer:?} {flags}"
        );
    }
}
