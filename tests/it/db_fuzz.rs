//! Damaged databases: any byte string loads as a valid type set or gives an
//! error, never a panic, and whatever loads can be printed, laid out and lowered.
//!
//! A seeded mutation fuzzer (stable Rust, no extra tools): each case takes a good
//! database, applies one to four mutations (bit flips, interesting bytes, cuts,
//! deleted, repeated and copied ranges), mostly in the body with the checksum
//! rewritten afterwards (so the decoded body's validation is what is tested,
//! not just the checksum), and loads it. Every case that loads is then exercised
//! in full: every type spelled and classified, every record laid out, every
//! function's signature lowered to a libffi call interface.
//!
//! `WYVERN_DB_FUZZ_CASES` sets the number of cases (default 100,000) and
//! `WYVERN_DB_FUZZ_SEED` the seed; a longer run:
//!
//! ```text
//! WYVERN_DB_FUZZ_CASES=10000000 WYVERN_DB_FUZZ_SEED=7 cargo test --release --test it db_fuzz::
//! ```
//!
//! A case that panics is written to `target/db-fuzz-failure.wydb` and named.
#![cfg(feature = "clang")]

use std::panic::{catch_unwind, AssertUnwindSafe};

use wyvern::db::{self, Database};
use wyvern::Parser;

use crate::common::db as db_common;
use crate::common::rng;

use rng::{env_number, Rng};

/// A small database with every kind of declaration: most cases use it.
const SMALL: &str = r#"
#include <stddef.h>
struct node { struct node *next; int value; };
struct opaque;
typedef struct opaque opaque_t;
typedef int (*compare_fn)(const void *, const void *);
union number { int i; double d; struct { char c[3]; short s; } pair; };
struct bits { unsigned a : 3; int b : 13; long long c : 40; _Bool d : 1; };
struct __attribute__((packed)) packed { char c; int i; double d[2]; };
struct flex { size_t n; int items[]; };
struct aligned { char c; _Alignas(32) int i; };
typedef struct { float x, y; } vec2;
enum mode { MODE_A = 1, MODE_B = 1 << 3 };
typedef enum { RED, GREEN } color;
extern const char *names[4];
extern int grid[3][4];
void sort(void *base, size_t n, compare_fn cmp);
vec2 add(vec2 a, vec2 b);
union number pick(struct bits b, long double x, ...);
struct packed make(int, struct aligned *);
static inline int twice(int x) { return 2 * x; }
int __attribute__((ms_abi)) win(int, double);
typedef int v4si __attribute__((vector_size(16)));
v4si vadd(v4si, v4si);
_Complex double cplx(_Complex float);
#define FLAGS (MODE_B | 0x10u)
#define NAME "wyvern"
#define PI 3.14159
"#;

/// Where the body starts: after the fixed part and the header.
fn body_start(bytes: &[u8]) -> usize {
    14 + u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize
}

/// One mutation of `bytes` within `from..`.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, from: usize) {
    if bytes.len() <= from {
        bytes.push(rng.next() as u8);
        return;
    }
    let span = bytes.len() - from;
    let at = from + rng.below(span);
    match rng.below(8) {
        0 => bytes[at] ^= 1 << rng.below(8),
        1 => {
            const INTERESTING: [u8; 8] = [0, 1, 0x7f, 0x80, 0xff, 0x3f, 0x40, 0xfe];
            bytes[at] = INTERESTING[rng.below(INTERESTING.len())];
        }
        2 => bytes[at] = rng.next() as u8,
        3 => bytes.truncate(at),
        4 => {
            let len = 1 + rng.below(16.min(bytes.len() - at));
            bytes.drain(at..at + len);
        }
        5 => {
            let len = 1 + rng.below(16.min(bytes.len() - at));
            let copy: Vec<u8> = bytes[at..at + len].to_vec();
            bytes.splice(at..at, copy);
        }
        6 => {
            // A varint grown by one byte: a length or id that moves what follows.
            bytes.insert(at, 0x80 | rng.next() as u8);
        }
        _ => {
            let src = from + rng.below(span);
            let len = 1 + rng.below(8.min(bytes.len() - src).min(bytes.len() - at));
            let copy: Vec<u8> = bytes[src..src + len].to_vec();
            bytes[at..at + len].copy_from_slice(&copy);
        }
    }
}

/// A mutated copy of `good`.
fn mutated(rng: &mut Rng, good: &[u8]) -> Vec<u8> {
    let mut bytes = good.to_vec();
    let body = body_start(good);
    let (from, reseal) = match rng.below(10) {
        0 => (0, false),
        1 => (0, true),
        2 => (body, false),
        _ => (body, true),
    };
    for _ in 0..1 + rng.below(4) {
        mutate(rng, &mut bytes, from);
    }
    if reseal {
        if let Some(resealed) = wyvern::__private::reseal(&bytes) {
            bytes = resealed;
        }
    }
    bytes
}

/// Loads `bytes` and exercises what loads; whether it loaded.
fn load_and_use(bytes: &[u8]) -> bool {
    match db::load(bytes) {
        Ok(set) => {
            db_common::exercise(&set);
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

fn run(name: &str, good: &[u8], cases: u64, seed: u64) -> u64 {
    let mut rng = Rng::new(seed);
    let mut loaded = 0;
    for n in 0..cases {
        let bytes = mutated(&mut rng, good);
        match catch_unwind(AssertUnwindSafe(|| load_and_use(&bytes))) {
            Ok(true) => loaded += 1,
            Ok(false) => {}
            Err(_) => {
                let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/db-fuzz-failure.wydb");
                let _ = std::fs::write(path, &bytes);
                panic!("{name}: case {n} (seed {seed}) panicked; its bytes are in {path}");
            }
        }
    }
    loaded
}

#[test]
fn mutated_databases_never_panic() {
    let cases = env_number("WYVERN_DB_FUZZ_CASES").unwrap_or(100_000);
    let seed = env_number("WYVERN_DB_FUZZ_SEED").unwrap_or(1);
    let small = Database::new(wyvern::cdef(SMALL).unwrap(), &Default::default()).to_bytes();
    let real = Parser::new()
        .header("<stdio.h>")
        .header("<sys/stat.h>")
        .parse()
        .unwrap();
    let real = Database::new(real, &Default::default()).to_bytes();
    // The good databases load, or the test tests nothing.
    db_common::exercise(&db::load(&small).unwrap());
    db_common::exercise(&db::load(&real).unwrap());

    let real_cases = (cases / 200).max(1);
    let started = std::time::Instant::now();
    let loaded_small = run("small", &small, cases - real_cases, seed);
    let loaded_real = run("stdio.h + sys/stat.h", &real, real_cases, seed);
    eprintln!(
        "{cases} cases ({} on a {}-byte database, {real_cases} on a {}-byte one) in {:.1?}: \
         {loaded_small} and {loaded_real} loaded and were exercised",
        cases - real_cases,
        small.len(),
        real.len(),
        started.elapsed()
    );
    // Mutations that keep a body valid (a changed name, size or constant) must
    // load: the validation refuses what is wrong, not everything changed.
    assert!(
        loaded_small > 0,
        "no mutated database loaded: the fuzzer tests only errors"
    );
}
