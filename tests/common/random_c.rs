//! The random C values shared by the generated-ABI tests (`abi_random`,
//! `abi_ms`): integers of any width, floating values with their edge cases, and
//! their C literals.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use super::Rng;

/// A random integer that fits `bits` bits.
pub fn gen_int(rng: &mut Rng, bits: u32, signed: bool) -> i128 {
    let magnitude = if signed { bits - 1 } else { bits };
    let hi = match magnitude {
        0 => 0,
        127.. => i128::MAX,
        m => (1i128 << m) - 1,
    };
    let lo = if signed { -hi - 1 } else { 0 };
    match rng.below(10) {
        0 => lo,
        1 => hi,
        2 => 0,
        3 => {
            if signed {
                -1
            } else {
                hi.min(1)
            }
        }
        _ if magnitude == 0 => rng.pick(&[lo, hi]),
        _ => {
            let k = rng.between(1, magnitude as usize) as u32;
            let m = (rng.wide() & ((1u128 << k) - 1)) as i128;
            if signed && rng.chance(50) {
                -m - i128::from(rng.chance(50))
            } else {
                m
            }
        }
    }
}

/// A random `double`: special values, small integers, any finite value.
pub fn gen_f64(rng: &mut Rng) -> f64 {
    match rng.below(12) {
        0 => rng.pick(&[
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            -f64::MAX,
            1e300,
        ]),
        1 | 2 => rng.below(2001) as f64 - 1000.0,
        _ => {
            let exp = rng.between(1, 2046) as u64;
            let bits = (rng.next() & (1 << 63)) | (exp << 52) | (rng.next() >> 12);
            f64::from_bits(bits)
        }
    }
}

/// A random `float`, as [`gen_f64`].
pub fn gen_f32(rng: &mut Rng) -> f32 {
    match rng.below(12) {
        0 => rng.pick(&[
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1,
            f32::MIN_POSITIVE,
            1e-45,
            f32::MAX,
            -f32::MAX,
        ]),
        1 | 2 => rng.below(2001) as f32 - 1000.0,
        _ => {
            let exp = rng.between(1, 254) as u32;
            let bits = (rng.next() as u32 & (1 << 31)) | (exp << 23) | (rng.next() as u32 >> 9);
            f32::from_bits(bits)
        }
    }
}

/// The C literal for the integer `v` (`long long`, `unsigned long long` or
/// `__int128`).
pub fn int_literal(v: i128) -> String {
    if v == i128::from(i64::MIN) {
        "(-9223372036854775807LL-1)".into()
    } else if i64::try_from(v).is_ok() {
        format!("{v}LL")
    } else if u64::try_from(v).is_ok() {
        format!("{v}ULL")
    } else {
        format!("(__int128){}", u128_literal(v as u128))
    }
}

/// The C literal for the `unsigned __int128` `u`.
pub fn u128_literal(u: u128) -> String {
    format!(
        "((unsigned __int128)0x{:x}ULL << 64 | 0x{:x}ULL)",
        (u >> 64) as u64,
        u as u64
    )
}
