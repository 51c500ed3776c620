//! C's words for scalar types and the digits of hex floats, read alike by the
//! expression reader, type names and the DWARF front end (base type names).

use crate::types::{FloatKind, IntKind, Type};

/// The scalar type that C type words name, in any order (`"unsigned long"`,
/// `"long unsigned int"`, `"_Complex double"`); `char_signed` is the target's
/// plain `char`. `None` when a word is not one of C's scalar type words.
///
pub(crate) fn scalar_from_words(words: &[&str], char_signed: bool) -> Option<Type> {
    const WORDS: [&str; 14] = [
        "void",
        "_Bool",
        "char",
        "short",
        "int",
        "long",
        "signed",
        "unsigned",
        "float",
        "double",
        "__int128",
        "_Complex",
        "_Float16",
        "__float128",
    ];
    if words.is_empty() || words.iter().any(|w| !WORDS.contains(w)) {
        return None;
    }
    let count = |w: &str| words.iter().filter(|x| **x == w).count();
    let unsigned = count("unsigned") > 0;
    let longs = count("long");
    let pick = |signed: IntKind, unsigned_kind: IntKind| {
        Type::Int(if unsigned { unsigned_kind } else { signed })
    };
    Some(if count("_Complex") > 0 {
        Type::Complex(if count("float") > 0 {
            FloatKind::Float
        } else if longs > 0 {
            FloatKind::LongDouble
        } else {
            FloatKind::Double
        })
    } else if count("void") > 0 {
        Type::Void
    } else if count("_Bool") > 0 {
        Type::Bool
    } else if count("float") > 0 {
        Type::Float(FloatKind::Float)
    } else if count("double") > 0 {
        Type::Float(if longs > 0 {
            FloatKind::LongDouble
        } else {
            FloatKind::Double
        })
    } else if count("_Float16") > 0 {
        Type::Float(FloatKind::Half)
    } else if count("__float128") > 0 {
        Type::Float(FloatKind::Float128)
    } else if count("char") > 0 {
        Type::Int(match (unsigned, count("signed") > 0) {
            (true, _) => IntKind::UChar,
            (false, true) => IntKind::SChar,
            (false, false) => IntKind::Char {
                signed: char_signed,
            },
        })
    } else if count("__int128") > 0 {
        pick(IntKind::Int128, IntKind::UInt128)
    } else if count("short") > 0 {
        pick(IntKind::Short, IntKind::UShort)
    } else if longs >= 2 {
        pick(IntKind::LongLong, IntKind::ULongLong)
    } else if longs == 1 {
        pick(IntKind::Long, IntKind::ULong)
    } else {
        pick(IntKind::Int, IntKind::UInt)
    })
}

/// The value of the digits of a C hexadecimal floating constant, after the `0x`
/// and before any suffix: `1.8p3` is 12.0, `ff` is 255.0. `None` for text that
/// is not hex digits with an optional fraction and a `p` exponent.
pub(crate) fn hex_float(digits: &str) -> Option<f64> {
    let lower = digits.to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (lower.as_str(), 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(value * 2f64.powi(exponent))
}
