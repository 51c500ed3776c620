//! The random C values shared by the generated-ABI tests (`abi_random`,
//! `abi_ms`): the C scalar types and their spelling, integers of any width,
//! floating values with their edge cases, and their C literals.

use super::abi::hex_float;
use super::{c_string, Rng};

use std::ffi::{c_char, CStr, CString};
use std::fmt::Write as _;

use wyvern::Value;

use Scalar as S;

/// A C scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    Bool,
    Char,
    SChar,
    UChar,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    LLong,
    ULLong,
    I128,
    U128,
    Float,
    Double,
    LDouble,
    Str,
    VoidPtr,
    /// `enum e<k>`
    Enum(usize),
}

/// The integer types (`_Bool` among them), narrowest first.
pub const INTEGERS: [Scalar; 12] = [
    S::Bool,
    S::Char,
    S::SChar,
    S::UChar,
    S::Short,
    S::UShort,
    S::Int,
    S::UInt,
    S::Long,
    S::ULong,
    S::LLong,
    S::ULLong,
];

impl Scalar {
    /// How C spells it.
    pub fn c_name(self) -> String {
        match self {
            S::Bool => "_Bool",
            S::Char => "char",
            S::SChar => "signed char",
            S::UChar => "unsigned char",
            S::Short => "short",
            S::UShort => "unsigned short",
            S::Int => "int",
            S::UInt => "unsigned int",
            S::Long => "long",
            S::ULong => "unsigned long",
            S::LLong => "long long",
            S::ULLong => "unsigned long long",
            S::I128 => "__int128",
            S::U128 => "unsigned __int128",
            S::Float => "float",
            S::Double => "double",
            S::LDouble => "long double",
            S::Str => "const char *",
            S::VoidPtr => "void *",
            S::Enum(k) => return format!("enum e{k}"),
        }
        .to_string()
    }

    /// Bits and signedness of an integer type (not enums).
    pub fn int_shape(self) -> Option<(u32, bool)> {
        Some(match self {
            S::Bool => (1, false),
            S::Char | S::SChar => (8, true),
            S::UChar => (8, false),
            S::Short => (16, true),
            S::UShort => (16, false),
            S::Int => (32, true),
            S::UInt => (32, false),
            S::Long | S::LLong => (64, true),
            S::ULong | S::ULLong => (64, false),
            S::I128 => (128, true),
            S::U128 => (128, false),
            _ => return None,
        })
    }

    /// Its size, which is also its alignment; not for enums, whose size is their
    /// definition's.
    pub fn size(self) -> usize {
        match self {
            S::Bool | S::Char | S::SChar | S::UChar => 1,
            S::Short | S::UShort => 2,
            S::Int | S::UInt | S::Float => 4,
            S::Long | S::ULong | S::LLong | S::ULLong | S::Double | S::Str | S::VoidPtr => 8,
            S::I128 | S::U128 | S::LDouble => 16,
            S::Enum(k) => panic!("the size of enum e{k} is its definition's"),
        }
    }
}

/// A value of a scalar type.
#[derive(Clone, Debug)]
pub enum Leaf {
    Int(i128),
    U128(u128),
    Bool(bool),
    F32(f32),
    F64(f64),
    LDouble(f64),
    Str(Option<String>),
    Ptr(u64),
    Enum {
        def: usize,
        index: usize,
        by_name: bool,
    },
}

/// A random value of the scalar type `s`, of `bits` bits for a bit-field; not
/// for enums, whose values are their definition's.
pub fn gen_leaf(rng: &mut Rng, s: Scalar, bits: Option<u32>) -> Leaf {
    match s {
        S::Bool => Leaf::Bool(rng.chance(50)),
        S::U128 => Leaf::U128(match rng.below(8) {
            0 => 0,
            1 => u128::MAX,
            _ => {
                let k = rng.between(1, 128) as u32;
                rng.wide() & (u128::MAX >> (128 - k))
            }
        }),
        S::Float => Leaf::F32(gen_f32(rng)),
        S::Double => Leaf::F64(gen_f64(rng)),
        S::LDouble => Leaf::LDouble(gen_f64(rng)),
        S::Str => Leaf::Str(if rng.chance(10) {
            None
        } else {
            let len = rng.below(12);
            let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            Some(
                (0..len)
                    .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
                    .collect(),
            )
        }),
        S::VoidPtr => Leaf::Ptr(if rng.chance(10) {
            0
        } else {
            rng.next() >> rng.below(20)
        }),
        S::Enum(k) => panic!("the values of enum e{k} are its definition's"),
        _ => {
            let (width, signed) = s.int_shape().expect("an integer type");
            Leaf::Int(gen_int(rng, bits.unwrap_or(width), signed))
        }
    }
}

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

/// The C expression for a leaf value.
pub fn c_literal(leaf: &Leaf) -> String {
    match leaf {
        Leaf::Int(v) => int_literal(*v),
        Leaf::U128(u) => u128_literal(*u),
        Leaf::Bool(b) => u8::from(*b).to_string(),
        Leaf::F32(f) => format!("{}f", hex_float(f64::from(*f))),
        Leaf::F64(f) => hex_float(*f),
        Leaf::LDouble(f) => format!("{}L", hex_float(*f)),
        Leaf::Str(Some(s)) => c_string(s),
        Leaf::Str(None) => "0".into(),
        Leaf::Ptr(a) => format!("(void *)0x{a:x}UL"),
        Leaf::Enum { def, index, .. } => format!("e{def}_{index}"),
    }
}

/// The C declarations of the log a generated library keeps (`wyv_log`, of
/// `size` bytes, and `wyv_log_len`) and of the functions that append to it:
/// `wyv_put` a string as it is, `wyv_put_<kind>` a value with no separator
/// (integers in decimal, floating values by their bits, strings quoted or
/// `null`, pointers in hex).
pub fn log_declarations(size: usize) -> String {
    format!(
        "extern char wyv_log[{size}];\nextern unsigned long wyv_log_len;\n\
         void wyv_reset(void);\nvoid wyv_put(const char *s);\n\
         void wyv_put_i(__int128 v);\nvoid wyv_put_u(unsigned __int128 v);\n\
         void wyv_put_f(float v);\nvoid wyv_put_d(double v);\n\
         void wyv_put_ld(long double v);\nvoid wyv_put_s(const char *s);\n\
         void wyv_put_p(const void *p);\n"
    )
}

/// The C definitions of [`log_declarations`], for a library that includes
/// `<stdio.h>`, `<string.h>` and those declarations.
pub const LOG_DEFINITIONS: &str = r#"
char wyv_log[sizeof wyv_log];
unsigned long wyv_log_len;

void wyv_reset(void) {
  wyv_log_len = 0;
  wyv_log[0] = 0;
}

void wyv_put(const char *s) {
  for (; *s; s++)
    if (wyv_log_len + 1 < sizeof wyv_log)
      wyv_log[wyv_log_len++] = *s;
  wyv_log[wyv_log_len] = 0;
}

void wyv_put_u(unsigned __int128 v) {
  char b[48];
  int i = 47;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  wyv_put(b + i);
}

void wyv_put_i(__int128 v) {
  if (v < 0) {
    wyv_put("-");
    wyv_put_u(-(unsigned __int128)v);
  } else {
    wyv_put_u((unsigned __int128)v);
  }
}

void wyv_put_f(float v) {
  unsigned u;
  char b[16];
  memcpy(&u, &v, sizeof u);
  snprintf(b, sizeof b, "f%08x", u);
  wyv_put(b);
}

void wyv_put_d(double v) {
  unsigned long long u;
  char b[24];
  memcpy(&u, &v, sizeof u);
  snprintf(b, sizeof b, "d%016llx", u);
  wyv_put(b);
}

void wyv_put_ld(long double v) {
  unsigned char c[sizeof v];
  char b[32];
  memcpy(c, &v, sizeof v);
  b[0] = 'x';
  for (int i = 0; i < 10; i++)
    snprintf(b + 1 + 2 * i, 3, "%02x", c[i]);
  wyv_put(b);
}

void wyv_put_s(const char *s) {
  if (!s) {
    wyv_put("null");
  } else {
    wyv_put("\"");
    wyv_put(s);
    wyv_put("\"");
  }
}

void wyv_put_p(const void *p) {
  char b[24];
  snprintf(b, sizeof b, "p%lx", (unsigned long)p);
  wyv_put(b);
}
"#;

/// The C statement that logs the scalar `expr`.
pub fn c_put(s: Scalar, expr: &str) -> String {
    match s {
        S::U128 => format!("wyv_put_u({expr});"),
        S::Float => format!("wyv_put_f({expr});"),
        S::Double => format!("wyv_put_d({expr});"),
        S::LDouble => format!("wyv_put_ld({expr});"),
        S::Str => format!("wyv_put_s({expr});"),
        S::VoidPtr => format!("wyv_put_p({expr});"),
        _ => format!("wyv_put_i((__int128)({expr}));"),
    }
}

/// What the C log prints for a scalar of type `s` that wyvern returned as `v`.
pub fn fmt_value(s: Scalar, v: &Value) -> Result<String, String> {
    let bad = || Err(format!("a '{}' came back as {v:?}", s.c_name()));
    Ok(match (s, v) {
        (S::Float, Value::Float(f)) => format!("f{:08x}", (*f as f32).to_bits()),
        (S::Double, Value::Float(f)) => format!("d{:016x}", f.to_bits()),
        (S::LDouble, Value::LongDouble(v)) => {
            let mut out = String::from("x");
            for b in v.to_le_bytes() {
                let _ = write!(out, "{b:02x}");
            }
            out
        }
        (S::Str, Value::Null) => "null".into(),
        (S::Str, Value::Pointer(a)) => {
            // SAFETY: the library only returns pointers to its string literals.
            let text = unsafe { CStr::from_ptr(*a as *const c_char) };
            format!("\"{}\"", text.to_string_lossy())
        }
        (S::VoidPtr, Value::Null) => "p0".into(),
        (S::VoidPtr, Value::Pointer(a)) => format!("p{a:x}"),
        (S::Float | S::Double | S::LDouble | S::Str | S::VoidPtr, _) => return bad(),
        (_, Value::Int(i) | Value::IntOf(_, i)) => i.to_string(),
        (_, Value::U128(u)) => u.to_string(),
        (_, Value::Bool(b)) => u8::from(*b).to_string(),
        _ => return bad(),
    })
}

/// The [`Value`] wyvern is given for `leaf`; not for enums (by name or by
/// value: the test's choice).
pub fn leaf_value(leaf: &Leaf) -> Value {
    match leaf {
        Leaf::Int(v) => Value::Int(*v),
        Leaf::U128(u) => match i128::try_from(*u) {
            Ok(v) => Value::Int(v),
            Err(_) => Value::U128(*u),
        },
        Leaf::Bool(b) => Value::Bool(*b),
        Leaf::F32(f) => Value::Float(f64::from(*f)),
        Leaf::F64(f) | Leaf::LDouble(f) => Value::Float(*f),
        Leaf::Str(Some(s)) => Value::Str(CString::new(s.as_str()).expect("no NUL")),
        Leaf::Str(None) | Leaf::Ptr(0) => Value::Null,
        Leaf::Ptr(a) => Value::Pointer(*a as usize),
        Leaf::Enum { def, .. } => panic!("enum e{def}: the test picks how to pass it"),
    }
}
