//! `cdef` of six common libc headers against a bare libclang parse of the same text
//! with the same arguments, in the same run. Prints the ratio (target ≤ 1.25×;
//! pydffi's cdef of the same headers is about 7× a bare parse). Then the growth with
//! the size of one record: `struct wide` of 1k to 64k fields, parsed and laid out,
//! against a bare parse of the same text (linear: the ratio stays flat).

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use wyvern::__private::bare_parse;

const HEADERS: &str = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\
                       #include <math.h>\n#include <time.h>\n#include <sys/stat.h>\n";

fn bench(c: &mut Criterion) {
    let parser = wyvern::Parser::new().cdef(HEADERS);
    let args = parser.clang_args().expect("libclang loads");
    let mut group = c.benchmark_group("parse six libc headers");
    group.sample_size(20);
    group.bench_function("bare libclang parse", |b| {
        b.iter(|| bare_parse(&args, HEADERS).unwrap())
    });
    group.bench_function("wyvern cdef", |b| {
        b.iter(|| black_box(parser.parse().unwrap()))
    });
    group.finish();

    // The ratio from one interleaved run, best of each, so both see the same load.
    let (mut bare, mut wyvern) = (f64::MAX, f64::MAX);
    for _ in 0..30 {
        let t = Instant::now();
        bare_parse(&args, HEADERS).unwrap();
        bare = bare.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        drop(black_box(parser.parse().unwrap()));
        wyvern = wyvern.min(t.elapsed().as_secs_f64());
    }
    let set = parser.parse().unwrap();
    println!(
        "\n{}\nratio: wyvern cdef {:.2} ms / bare libclang parse {:.2} ms = {:.2}x (target <= 1.25x)\n\
         read {} functions, {} records, {} typedefs, {} constants",
        wyvern::libclang_version().unwrap(),
        wyvern * 1e3,
        bare * 1e3,
        wyvern / bare,
        set.functions().count(),
        set.records().count(),
        set.typedefs().count(),
        set.constants().count(),
    );
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            drop(black_box(f()));
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn wide_records(_: &mut Criterion) {
    println!("\none record of N int fields: cdef + layout text, against a bare parse");
    let mut first: Option<f64> = None;
    for fields in [1_000usize, 4_000, 16_000, 64_000] {
        let mut text = String::from("struct wide {\n");
        for i in 0..fields {
            text.push_str(&format!("    int f{i};\n"));
        }
        text.push_str("};\n");
        let parser = wyvern::Parser::new().cdef(&text);
        let args = parser.clang_args().expect("libclang loads");
        let bare = best_of(3, || bare_parse(&args, &text).unwrap());
        let wyvern = best_of(3, || {
            let set = parser.parse().unwrap();
            let id = set.type_named("struct wide").unwrap().id;
            set.record_layout(id, "struct wide").unwrap().to_text()
        });
        let per_field = wyvern / fields as f64;
        let growth = per_field / *first.get_or_insert(per_field);
        println!(
            "{fields:>6} fields: wyvern {:8.1} ms, bare parse {:7.1} ms, {:.2}x bare; \
             {:.0} ns per field ({growth:.2}x the 1k figure)",
            wyvern * 1e3,
            bare * 1e3,
            wyvern / bare,
            per_field * 1e9,
        );
    }
}

criterion_group!(benches, bench, wide_records);
criterion_main!(benches);
