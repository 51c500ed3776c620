//! Reading C number syntax shared by the macro evaluator and the CLI's literals.

/// The value of the digits of a C hexadecimal floating constant, after the `0x`
/// and before any suffix: `1.8p3` is 12.0, `ff` is 255.0. `None` for text that
/// is not hex digits with an optional fraction and a `p` exponent.
///
/// ```
/// assert_eq!(wyvern::types::hex_float("1.8p3"), Some(12.0));
/// assert_eq!(wyvern::types::hex_float("1p-2"), Some(0.25));
/// assert_eq!(wyvern::types::hex_float("1.g"), None);
/// ```
pub fn hex_float(digits: &str) -> Option<f64> {
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
