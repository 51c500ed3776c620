//! `cdef` of six common libc headers against a bare libclang parse of the same text
//! with the same arguments, in the same run. Prints the ratio (target ≤ 1.25×).

use std::ffi::CString;
use std::hint::black_box;
use std::os::raw::c_char;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

const HEADERS: &str = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\
                       #include <math.h>\n#include <time.h>\n#include <sys/stat.h>\n";

/// Parses `text` with libclang directly and disposes of it: the floor for any tool
/// that reads headers with libclang.
fn bare_parse(args: &[String], text: &str, options: i32) {
    let name = CString::new("bare.c").unwrap();
    let c_args: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_str()).unwrap())
        .collect();
    let ptrs: Vec<*const c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
    // SAFETY: plain libclang calls with valid pointers; everything is disposed.
    unsafe {
        let index = clang_sys::clang_createIndex(0, 0);
        let mut unsaved = clang_sys::CXUnsavedFile {
            Filename: name.as_ptr(),
            Contents: text.as_ptr() as *const c_char,
            Length: text.len() as _,
        };
        let mut tu = std::ptr::null_mut();
        let code = clang_sys::clang_parseTranslationUnit2(
            index,
            name.as_ptr(),
            ptrs.as_ptr(),
            ptrs.len() as _,
            &mut unsaved,
            1,
            options,
            &mut tu,
        );
        assert_eq!(code, clang_sys::CXError_Success);
        black_box(clang_sys::clang_getNumDiagnostics(tu));
        clang_sys::clang_disposeTranslationUnit(tu);
        clang_sys::clang_disposeIndex(index);
    }
}

fn mean(f: &mut dyn FnMut(), runs: u32) -> Duration {
    f();
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    start.elapsed() / runs
}

fn bench(c: &mut Criterion) {
    let args = wyvern::Parser::new().clang_args().expect("libclang loads");
    // wyvern loaded libclang for this thread already; the bare parse uses the same library.
    let parser = wyvern::Parser::new().cdef(HEADERS);
    let mut group = c.benchmark_group("parse six libc headers");
    group.sample_size(20);
    group.bench_function("bare libclang parse", |b| {
        b.iter(|| bare_parse(&args, HEADERS, 0))
    });
    group.bench_function("bare libclang parse + preprocessing record", |b| {
        b.iter(|| {
            bare_parse(
                &args,
                HEADERS,
                clang_sys::CXTranslationUnit_DetailedPreprocessingRecord,
            )
        })
    });
    group.bench_function("wyvern cdef", |b| {
        b.iter(|| black_box(parser.parse().unwrap()))
    });
    group.finish();

    // The ratio, measured here in one run (criterion reports each alone).
    let runs = 20;
    let bare = mean(&mut || bare_parse(&args, HEADERS, 0), runs);
    let wyvern = mean(&mut || drop(black_box(parser.parse().unwrap())), runs);
    let set = parser.parse().unwrap();
    println!(
        "\nratio: wyvern cdef {:.2?} / bare libclang parse {:.2?} = {:.2}x (target <= 1.25x; pydffi ~7x)\n\
         wyvern read {} functions, {} records, {} typedefs, {} constants",
        wyvern,
        bare,
        wyvern.as_secs_f64() / bare.as_secs_f64(),
        set.functions().count(),
        set.records().count(),
        set.typedefs().count(),
        set.constants().count(),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
