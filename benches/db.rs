//! Loading the precompiled database of six common libc headers against `cdef` of
//! the same headers, in one run. Prints the ratio (target ≥ 50×), the database's
//! size, and the Rust heap each resulting type set holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use wyvern::db::{self, Database};

const HEADERS: &str = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\
                       #include <math.h>\n#include <time.h>\n#include <sys/stat.h>\n";

/// Counts the bytes live on the Rust heap (libclang's own allocations are not seen).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter
// is updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is System's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is System's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The Rust heap bytes the value `make` returns holds once made.
fn retained<T>(make: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let value = make();
    (value, LIVE.load(Ordering::Relaxed).saturating_sub(before))
}

fn bench(c: &mut Criterion) {
    let parser = wyvern::Parser::new().cdef(HEADERS);
    let (types, inputs) = parser.parse_with_inputs().expect("the headers parse");
    let bytes = Database::new(types, &inputs).to_bytes();

    let mut group = c.benchmark_group("six libc headers");
    group.sample_size(20);
    // Each is timed up to a usable set; freeing it is left out of both.
    group.bench_function("wyvern cdef", |b| {
        b.iter_with_large_drop(|| parser.parse().unwrap())
    });
    group.bench_function("db::load", |b| {
        b.iter_with_large_drop(|| db::load(&bytes).unwrap())
    });
    group.finish();

    // The ratio from one interleaved run, best of each, so both see the same load;
    // each set is freed outside the timed part.
    let (mut parse, mut load) = (f64::MAX, f64::MAX);
    for _ in 0..30 {
        let t = Instant::now();
        let parsed = black_box(parser.parse().unwrap());
        parse = parse.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let loaded = black_box(db::load(&bytes).unwrap());
        load = load.min(t.elapsed().as_secs_f64());
        drop((parsed, loaded));
    }
    let (parsed, parsed_heap) = retained(|| parser.parse().unwrap());
    let (loaded, loaded_heap) = retained(|| db::load(&bytes).unwrap());
    println!(
        "\n{}\nratio: cdef {:.2} ms / db::load {:.3} ms = {:.0}x (target >= 50x)\n\
         database: {} bytes ({:.1} KiB) from {} files; {} functions, {} records, {} typedefs, {} constants\n\
         Rust heap held: {:.1} KiB parsed, {:.1} KiB loaded",
        wyvern::libclang_version().unwrap(),
        parse * 1e3,
        load * 1e3,
        parse / load,
        bytes.len(),
        bytes.len() as f64 / 1024.0,
        inputs.files.len(),
        loaded.functions().count(),
        loaded.records().count(),
        loaded.typedefs().count(),
        loaded.constants().count(),
        parsed_heap as f64 / 1024.0,
        loaded_heap as f64 / 1024.0,
    );
    drop((parsed, loaded));
}

criterion_group!(benches, bench);
criterion_main!(benches);
