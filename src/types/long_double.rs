//! [`LongDouble`]: an x87 80-bit extended value, carried bit for bit.
//!
//! Rust has no `long double`, and rounding one to `f64` loses 11 bits of
//! mantissa and most of the exponent range (`1e4000L` is finite). This type
//! keeps the 10 bytes C stores; decimal and hexadecimal text is read correctly
//! rounded (through `rustc_apfloat`, LLVM's APFloat) and printed from the exact
//! binary value the way glibc's `printf("%.21Lg")` prints it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rustc_apfloat::ieee::{Double, Single, X87DoubleExtended};
use rustc_apfloat::{Float, FloatConvert, Status};

/// An x87 extended-precision `long double`: 64-bit mantissa with an explicit
/// integer bit, 15-bit exponent, sign.
///
/// Values compare numerically (`0 == -0`, NaN equals nothing), as C compares them.
///
/// ```
/// use wyvern::LongDouble;
/// let big: LongDouble = "1e4000".parse().unwrap();
/// assert_eq!(big.to_string(), "9.99999999999999999997e+3999");
/// assert_eq!(big.to_f64(), f64::INFINITY);
/// let third: LongDouble = "0x1.5555555555555556p-2".parse().unwrap();
/// assert_eq!(third.to_string(), "0.333333333333333333342");
/// assert_eq!(LongDouble::from(2.5).exact_f64(), Some(2.5));
/// ```
#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct LongDouble {
    /// The 10 bytes of the value as x86 stores them (little-endian mantissa,
    /// then sign and exponent).
    bytes: [u8; 10],
}

/// Significant digits that read back to the same `long double` (and what
/// `%.21Lg` prints).
const DIGITS: usize = 21;

impl LongDouble {
    /// The value stored in these 10 bytes (the x86 memory image).
    pub fn from_le_bytes(bytes: [u8; 10]) -> LongDouble {
        LongDouble { bytes }
    }

    /// The 10 bytes C stores for this value.
    pub fn to_le_bytes(self) -> [u8; 10] {
        self.bytes
    }

    fn from_apfloat(v: X87DoubleExtended) -> LongDouble {
        let bits = v.to_bits().to_le_bytes();
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&bits[..10]);
        LongDouble { bytes }
    }

    fn apfloat(self) -> X87DoubleExtended {
        let mut bits = [0u8; 16];
        bits[..10].copy_from_slice(&self.bytes);
        X87DoubleExtended::from_bits(u128::from_le_bytes(bits))
    }

    /// The nearest `f64` (ties to even); values beyond `f64`'s range become
    /// infinities, tiny ones subnormals or zero.
    pub fn to_f64(self) -> f64 {
        let converted: Double = self.apfloat().convert(&mut false).value;
        f64::from_bits(converted.to_bits() as u64)
    }

    /// The nearest `f32` (ties to even, rounded once).
    pub fn to_f32(self) -> f32 {
        let converted: Single = self.apfloat().convert(&mut false).value;
        f32::from_bits(converted.to_bits() as u32)
    }

    /// The `f64` holding exactly this value, if there is one (NaN has none).
    pub fn exact_f64(self) -> Option<f64> {
        let v = self.to_f64();
        (!v.is_nan() && LongDouble::from(v) == self).then_some(v)
    }

    /// The `long double` holding exactly this integer, if there is one (every
    /// integer of up to 64 significant bits).
    pub fn from_int_exact(v: i128) -> Option<LongDouble> {
        let r = X87DoubleExtended::from_i128(v);
        (r.status == Status::OK).then(|| LongDouble::from_apfloat(r.value))
    }

    /// Whether this is a NaN (including the bit patterns x87 hardware rejects).
    pub fn is_nan(self) -> bool {
        self.apfloat().is_nan()
    }

    /// Whether this is neither infinite nor NaN.
    pub fn is_finite(self) -> bool {
        self.apfloat().is_finite()
    }

    /// Whether the sign bit is set (also for `-0` and negative NaNs).
    pub fn is_sign_negative(self) -> bool {
        self.bytes[9] & 0x80 != 0
    }

    /// The exact decimal value: its significant digits (no leading or trailing
    /// zeros) and the power of ten of the first one. `None` for zero, infinities
    /// and NaN.
    fn exact_decimal(self) -> Option<(Vec<u8>, i64)> {
        let v = self.apfloat().abs();
        if !v.is_finite_non_zero() {
            return None;
        }
        // With no width APFloat prints in scientific notation, and with more
        // digits of precision than any x87 value has (a subnormal has about
        // 11,500) it prints them all, exactly: `D.DDDE+X`.
        let text = format!("{v:width$.precision$}", width = 0, precision = 20_000);
        let (mantissa, exponent) = text.split_once('E')?;
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.len() > 1 && digits.last() == Some(&b'0') {
            digits.pop();
        }
        Some((digits, exponent.parse().ok()?))
    }
}

/// Rounds decimal `digits` (first digit at power `exp`) to `n` significant
/// digits, ties to even, as glibc's `printf` does in the default rounding mode.
fn round_digits(mut digits: Vec<u8>, mut exp: i64, n: usize) -> (Vec<u8>, i64) {
    if digits.len() > n {
        let next = digits[n];
        let rest_nonzero = digits[n + 1..].iter().any(|d| *d != b'0');
        let odd = (digits[n - 1] - b'0') % 2 == 1;
        let up = next > b'5' || (next == b'5' && (rest_nonzero || odd));
        digits.truncate(n);
        if up {
            let mut i = n;
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    digits.truncate(n);
                    exp += 1;
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
    }
    digits.resize(n, b'0');
    (digits, exp)
}

/// `%.{precision}Lg`: the exact value rounded to `precision` significant
/// digits, fixed or scientific notation by C's rule, trailing zeros removed.
fn write_g(f: &mut fmt::Formatter<'_>, v: LongDouble, precision: usize) -> fmt::Result {
    // No value has more than about 11,500 significant digits, and `%g` drops
    // trailing zeros: a larger precision prints the same text.
    let precision = precision.clamp(1, 20_000);
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v.is_nan() {
        return write!(f, "{sign}nan");
    }
    if !v.is_finite() {
        return write!(f, "{sign}inf");
    }
    let Some((digits, exp)) = v.exact_decimal() else {
        return write!(f, "{sign}0");
    };
    let (digits, exp) = round_digits(digits, exp, precision);
    // C: scientific when the exponent is below -4 or not below the precision.
    let text = if exp < -4 || exp >= precision as i64 {
        let mut s = String::new();
        s.push(char::from(digits[0]));
        let frac = std::str::from_utf8(&digits[1..]).unwrap_or_default();
        let frac = frac.trim_end_matches('0');
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        s.push_str(&format!("e{esign}{:02}", exp.unsigned_abs()));
        s
    } else if exp < 0 {
        let all = std::str::from_utf8(&digits).unwrap_or_default();
        let zeros = "0".repeat((-exp - 1) as usize);
        format!("0.{zeros}{}", all.trim_end_matches('0'))
    } else {
        let split = exp as usize + 1;
        let int = std::str::from_utf8(&digits[..split]).unwrap_or_default();
        let frac = std::str::from_utf8(&digits[split..]).unwrap_or_default();
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            int.to_owned()
        } else {
            format!("{int}.{frac}")
        }
    };
    write!(f, "{sign}{text}")
}

/// As `printf("%.21Lg")` prints it: 21 significant digits, which read back to the
/// same value (`{:.N}` asks for N). `inf`, `-inf`, `nan`.
impl fmt::Display for LongDouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_g(f, *self, f.precision().unwrap_or(DIGITS))
    }
}

impl fmt::Debug for LongDouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}L")
    }
}

impl From<f64> for LongDouble {
    /// Exact: every `f64` is a `long double`.
    fn from(v: f64) -> LongDouble {
        let bits = v.to_bits();
        let sign = ((bits >> 63) as u16) << 15;
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        let (e, m): (u16, u64) = if exp == 0 && frac == 0 {
            (0, 0)
        } else if exp == 0x7ff {
            (0x7fff, (1 << 63) | (frac << 11))
        } else if exp == 0 {
            // A subnormal f64 is a normal long double.
            let shift = frac.leading_zeros() as i32;
            ((-1074 - shift + 16383 + 63) as u16, frac << shift)
        } else {
            ((exp - 1023 + 16383) as u16, (1 << 63) | (frac << 11))
        };
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&m.to_le_bytes());
        bytes[8..].copy_from_slice(&(sign | e).to_le_bytes());
        LongDouble { bytes }
    }
}

impl From<f32> for LongDouble {
    fn from(v: f32) -> LongDouble {
        LongDouble::from(f64::from(v))
    }
}

impl std::ops::Neg for LongDouble {
    type Output = LongDouble;

    /// Flips the sign bit, as C's unary minus does.
    fn neg(mut self) -> LongDouble {
        self.bytes[9] ^= 0x80;
        self
    }
}

impl PartialEq for LongDouble {
    fn eq(&self, other: &LongDouble) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for LongDouble {
    fn partial_cmp(&self, other: &LongDouble) -> Option<Ordering> {
        self.apfloat().partial_cmp(&other.apfloat())
    }
}

/// Why text is not a `long double`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLongDoubleError {
    text: String,
    reason: &'static str,
}

impl fmt::Display for ParseLongDoubleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown: String = self.text.chars().take(40).collect();
        if shown.len() < self.text.len() {
            shown.push('…');
        }
        write!(f, "cannot read '{shown}' as a long double: {}", self.reason)
    }
}

impl std::error::Error for ParseLongDoubleError {}

/// Reads a decimal (`1e4000`, `.5`) or hexadecimal (`0x1.8p3`) floating
/// number with an optional sign, or `inf`, `infinity`, `nan` in any case,
/// correctly rounded to the nearest `long double` (ties to even), as `strtold`
/// reads it. No suffix and no surrounding space; out-of-range values become
/// infinities or zero.
impl FromStr for LongDouble {
    type Err = ParseLongDoubleError;

    fn from_str(text: &str) -> Result<LongDouble, ParseLongDoubleError> {
        let error = |reason| ParseLongDoubleError {
            text: text.to_owned(),
            reason,
        };
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let lower = body.to_ascii_lowercase();
        let magnitude = match lower.as_str() {
            "inf" | "infinity" => X87DoubleExtended::INFINITY,
            "nan" => X87DoubleExtended::NAN,
            _ => {
                if !lower.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                    return Err(error("expected a digit or '.'"));
                }
                // C allows a hex float without its binary exponent only in
                // `strtold`; APFloat wants one.
                let body = match lower.strip_prefix("0x") {
                    Some(hex) if !hex.contains('p') => format!("{lower}p0"),
                    Some(_) => lower,
                    None => {
                        // APFloat reads a bare `1e` as `1e0`; C does not.
                        if let Some((_, exp)) = lower.split_once('e') {
                            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                            if digits.is_empty() {
                                return Err(error("the exponent has no digits"));
                            }
                        }
                        lower
                    }
                };
                X87DoubleExtended::from_str(&body).map_err(|e| error(e.0))?
            }
        };
        let v = LongDouble::from_apfloat(magnitude);
        Ok(if negative { -v } else { v })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(text: &str) -> LongDouble {
        text.parse().unwrap()
    }

    #[test]
    fn f64_round_trips_exactly() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-310,
            f64::INFINITY,
            f64::NEG_INFINITY,
            std::f64::consts::PI,
        ] {
            assert_eq!(LongDouble::from(v).to_f64().to_bits(), v.to_bits(), "{v}");
            assert_eq!(
                LongDouble::from(v).exact_f64().map(f64::to_bits),
                Some(v.to_bits())
            );
        }
        assert!(LongDouble::from(f64::NAN).to_f64().is_nan());
        assert_eq!(
            LongDouble::from(1.0).to_le_bytes(),
            [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]
        );
    }

    #[test]
    fn prints_like_printf_g() {
        // Each expected text is what glibc's printf("%.21Lg") (or %.NLg) prints.
        assert_eq!(ld("1").to_string(), "1");
        assert_eq!(ld("-0").to_string(), "-0");
        assert_eq!(ld("0.1").to_string(), "0.100000000000000000001");
        assert_eq!(ld("1e21").to_string(), "1e+21");
        assert_eq!(
            ld("123456789012345678901").to_string(),
            "123456789012345678904"
        );
        assert_eq!(ld("0.0001").to_string(), "0.000100000000000000000001");
        assert_eq!(ld("1e-5").to_string(), "9.99999999999999999995e-06");
        assert_eq!(ld("-inf").to_string(), "-inf");
        assert_eq!(ld("nan").to_string(), "nan");
        assert_eq!(format!("{:.3}", ld("2.5")), "2.5");
        assert_eq!(format!("{:.1}", ld("2.5")), "2");
        assert_eq!(format!("{:.1}", ld("3.5")), "4");
        assert_eq!(format!("{:.2}", ld("99.7")), "1e+02");
        assert_eq!(format!("{:.65535}", ld("0.5")), "0.5");
        // The largest and smallest values.
        assert_eq!(
            LongDouble::from_le_bytes(
                [0xff; 8]
                    .into_iter()
                    .chain([0xfe, 0x7f])
                    .collect::<Vec<_>>()
                    .try_into()
                    .unwrap()
            )
            .to_string(),
            "1.18973149535723176502e+4932"
        );
        assert_eq!(
            LongDouble::from_le_bytes([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).to_string(),
            "3.64519953188247460253e-4951"
        );
    }

    #[test]
    fn reads_what_it_prints() {
        for text in [
            "0.1",
            "1e4000",
            "-3.64519953188247460253e-4951",
            "0x1.fp-16400",
            "12.75",
        ] {
            let v = ld(text);
            assert_eq!(ld(&v.to_string()).to_le_bytes(), v.to_le_bytes(), "{text}");
        }
        assert_eq!(ld("0x1.8").to_f64(), 1.5);
        assert_eq!(ld("1e99999999999999").to_f64(), f64::INFINITY);
        assert_eq!(ld("1e-99999999999999").to_f64(), 0.0);
        assert!("".parse::<LongDouble>().is_err());
        assert!("1.5L".parse::<LongDouble>().is_err());
        assert!("x".parse::<LongDouble>().is_err());
        assert!("1e".parse::<LongDouble>().is_err());
        assert!("1e+".parse::<LongDouble>().is_err());
    }

    #[test]
    fn bit_patterns_x87_rejects_still_print() {
        // Pseudo-denormal, unnormal, pseudo-infinity, pseudo-NaN, and the
        // largest subnormal: read from C memory, they must not panic. (x87
        // hardware never produces the first five; glibc prints pseudo-denormals
        // without their integer bit, this type as the hardware reads them.)
        for (mantissa, sign_exponent) in [
            (1u64 << 63, 0u16),
            (u64::MAX, 0),
            (1, 0x4000),
            (0, 0x7fff),
            (1, 0x7fff),
            (u64::MAX >> 1, 0),
            (u64::MAX >> 1, 0x8000),
        ] {
            let mut bytes = [0u8; 10];
            bytes[..8].copy_from_slice(&mantissa.to_le_bytes());
            bytes[8..].copy_from_slice(&sign_exponent.to_le_bytes());
            let v = LongDouble::from_le_bytes(bytes);
            let text = v.to_string();
            assert!(!text.is_empty());
            let _ = (v.to_f64(), v.to_f32(), v.exact_f64(), v == v);
        }
    }

    #[test]
    fn compares_numerically() {
        assert_eq!(ld("0"), ld("-0"));
        assert_ne!(ld("nan"), ld("nan"));
        assert!(ld("1e4000") > ld("1e3999"));
        assert_eq!(
            LongDouble::from_int_exact(1 << 70),
            Some(ld("1180591620717411303424"))
        );
        assert_eq!(LongDouble::from_int_exact((1 << 70) + 1), None);
    }
}
