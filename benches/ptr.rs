//! A field read and write through a live pointer (`CPtr`), four ways, against
//! the same access through a Rust `#[repr(C)]` pointer, in one run: by path
//! (`CPtr::get`/`set`), by a prepared `Accessor` (a `Value`), by a
//! `TypedAccessor<i32>` (checked once against the header) bound to the
//! pointer once a pass (`bind`: then each access checks only its index), and
//! directly. Prints the ratios to the direct access (target: a prepared
//! accessor within 3×). `tests/alloc.rs` checks that accessors do not allocate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use wyvern::{CData, CPtr, Value};

/// The header's `struct rec`, as Rust lays it out.
#[repr(C)]
struct Rec {
    a: i32,
    b: f64,
    c: [i64; 4],
}

const N: usize = 64;

#[derive(Clone, Copy)]
enum Way {
    Direct,
    Typed,
    Accessor,
    Path,
}

const WAYS: [Way; 4] = [Way::Direct, Way::Typed, Way::Accessor, Way::Path];

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Direct => "Rust #[repr(C)] pointer",
            Way::Typed => "TypedAccessor, bound",
            Way::Accessor => "Accessor (Value)",
            Way::Path => "CPtr get/set by path",
        }
    }
}

/// One pass over the array: reads `a` of each record and writes `a + 1` back;
/// the sum read. Each way does the same work on the same memory.
fn pass(
    way: Way,
    p: &mut CPtr<'_>,
    raw: *mut Rec,
    typed: &wyvern::TypedAccessor<i32>,
    acc: &wyvern::Accessor,
) -> i64 {
    let mut sum = 0i64;
    // Bound once a pass: type, set and the elements in reach checked here.
    let bound = typed.bind(p).unwrap();
    for i in 0..N {
        match way {
            Way::Direct => {
                // SAFETY: `raw` points to N records (the CData's buffer).
                let r = unsafe { &mut *raw.add(black_box(i)) };
                sum += i64::from(r.a);
                r.a = r.a.wrapping_add(1);
            }
            Way::Typed => {
                let i = black_box(i);
                let a = bound.get(i).unwrap();
                sum += i64::from(a);
                bound.set(i, a.wrapping_add(1)).unwrap();
            }
            Way::Accessor => {
                let mut each = p.offset(black_box(i) as isize).unwrap();
                let a = acc.get(&each).unwrap().as_int().unwrap();
                sum += a as i64;
                acc.set(&mut each, a + 1).unwrap();
            }
            Way::Path => {
                let path = ["[0].a", "[1].a", "[2].a", "[3].a"][i % 4];
                let mut each = p.offset((black_box(i) / 4 * 4) as isize).unwrap();
                let a = each.get(path).unwrap().as_int().unwrap();
                sum += a as i64;
                each.set(path, Value::Int(a + 1)).unwrap();
            }
        }
    }
    sum
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| matches!(a.as_str(), "--test" | "--list" | "--profile-time"))
}

fn bench(c: &mut Criterion) {
    let types = wyvern::cdef("struct rec { int a; double b; long c[4]; };").expect("cdef");
    let mut recs = CData::new_named(&types, &format!("struct rec [{N}]")).expect("object");
    assert_eq!(
        recs.bytes().len(),
        N * std::mem::size_of::<Rec>(),
        "the layouts agree"
    );
    let raw = recs.as_mut_ptr().cast::<Rec>();
    let mut p = recs.ptr_mut();
    let acc = p.accessor("a").expect("accessor");
    let typed = acc.typed::<i32>().expect("int is i32");
    // Every way reads what the one before wrote: the sums step by N each pass.
    let mut last = None;
    for way in WAYS {
        let sum = pass(way, &mut p, raw, &typed, &acc);
        if let Some(prev) = last {
            assert_eq!(sum, prev + N as i64, "{}", way.name());
        }
        last = Some(sum);
    }
    let mut group = c.benchmark_group(format!("read and write a field of {N} records"));
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for way in WAYS {
        group.bench_function(way.name(), |b| {
            b.iter(|| black_box(pass(way, &mut p, raw, &typed, &acc)))
        });
    }
    group.finish();
    if !measuring() {
        return;
    }
    // Interleaved rounds, so every way sees the same load: the best median.
    let mut best = [f64::INFINITY; 4];
    for _ in 0..15 {
        for (w, way) in WAYS.into_iter().enumerate() {
            let mut samples = Vec::new();
            for _ in 0..9 {
                let start = Instant::now();
                for _ in 0..200 {
                    black_box(pass(way, &mut p, raw, &typed, &acc));
                }
                samples.push(start.elapsed().as_secs_f64() * 1e9 / (200 * N) as f64);
            }
            best[w] = best[w].min(median(&mut samples));
        }
    }
    println!("\nns per field read + write (best of 15 rounds' medians):");
    for (way, ns) in WAYS.into_iter().zip(best) {
        println!(
            "  {:<26} {ns:>8.2}  {:>7.2}x direct",
            way.name(),
            ns / best[0]
        );
    }
    println!("  target: TypedAccessor within 3.00x direct");
}

criterion_group!(benches, bench);
criterion_main!(benches);
