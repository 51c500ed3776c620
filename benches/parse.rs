//! `cdef` of six common libc headers against a bare libclang parse of the same text
//! with the same arguments, in the same run. Prints the ratio (target ≤ 1.25×;
//! pydffi's cdef of the same headers is about 7× a bare parse).

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use wyvern::frontend::clang::bare_parse;

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

criterion_group!(benches, bench);
criterion_main!(benches);
