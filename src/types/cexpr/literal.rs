//! C literal tokens: integer, floating, character and string literals, read by
//! the rules in the [module docs](super).

use super::{EvalError, Malformed};
use crate::types::{FloatKind, IntKind, LongDouble};

/// Why a token is not a literal, or not one wyvern reads.
pub(crate) type Reason = EvalError;

/// How many `l`s an integer suffix has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Longs {
    /// No `l`: `5`, `5u`.
    None,
    /// `l`: `5l`, `5ul`.
    Long,
    /// `ll`: `5ll`, `5ull`.
    LongLong,
}

/// An integer literal: its value and what its suffix and base say about its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntLiteral {
    /// The value the digits spell.
    pub value: u128,
    /// A `u` suffix.
    pub unsigned: bool,
    /// An `l` or `ll` suffix.
    pub longs: Longs,
    /// Decimal digits: without `u`, only signed types are candidates (C11 6.4.4.1p5).
    pub decimal: bool,
}

impl IntLiteral {
    /// The types the literal may have, the first that holds its value being its
    /// type (C11 6.4.4.1p5). The suffix's own type comes first: `5u` is
    /// `unsigned int` before it is anything else.
    pub fn candidates(&self) -> &'static [IntKind] {
        use IntKind::*;
        match (self.unsigned, self.longs, self.decimal) {
            (false, Longs::None, true) => &[Int, Long, LongLong],
            (false, Longs::None, false) => &[Int, UInt, Long, ULong, LongLong, ULongLong],
            (false, Longs::Long, true) => &[Long, LongLong],
            (false, Longs::Long, false) => &[Long, ULong, LongLong, ULongLong],
            (false, Longs::LongLong, true) => &[LongLong],
            (false, Longs::LongLong, false) => &[LongLong, ULongLong],
            (true, Longs::None, _) => &[UInt, ULong, ULongLong],
            (true, Longs::Long, _) => &[ULong, ULongLong],
            (true, Longs::LongLong, _) => &[ULongLong],
        }
    }

    /// Whether the literal had a suffix at all.
    pub fn has_suffix(&self) -> bool {
        self.unsigned || self.longs != Longs::None
    }
}

/// Reads an integer literal: decimal, octal (`0755`), hex (`0x1F`) or binary
/// (`0b101`) digits, `'` digit separators (C23), and a suffix C allows: `u`,
/// `l`, `ll` and `u` with either, in either order and either case, `ll` in
/// one case (`5uLL`, `5llu`; not `5lL`, `5uu` or `5lul`).
pub(crate) fn int_literal(text: &str) -> Result<IntLiteral, Reason> {
    let body_end = text.len() - text.trim_end_matches(['u', 'U', 'l', 'L']).len();
    let (body, suffix) = text.split_at(text.len() - body_end);
    let (unsigned, longs) = match suffix {
        "" => (false, Longs::None),
        "u" | "U" => (true, Longs::None),
        "l" | "L" => (false, Longs::Long),
        "ll" | "LL" => (false, Longs::LongLong),
        "ul" | "uL" | "Ul" | "UL" | "lu" | "lU" | "Lu" | "LU" => (true, Longs::Long),
        "ull" | "uLL" | "Ull" | "ULL" | "llu" | "llU" | "LLu" | "LLU" => (true, Longs::LongLong),
        _ => {
            return Err(EvalError::BadSuffix {
                suffix: suffix.to_owned(),
            })
        }
    };
    let digits = body.replace('\'', "");
    let lower = digits.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h, 16)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || body.starts_with('\'') || body.ends_with('\'') || body.contains("''") {
        return Err(Malformed::NoDigits.into());
    }
    if let Some(digit) = digits.chars().find(|c| !c.is_digit(radix)) {
        return Err(EvalError::BadDigit { digit, radix });
    }
    let value = u128::from_str_radix(digits, radix).map_err(|_| EvalError::TooLarge {
        literal: None,
        beyond_i128: false,
    })?;
    Ok(IntLiteral {
        value,
        unsigned,
        longs,
        decimal: radix == 10,
    })
}

/// A floating literal, at the precision of both `double` and `long double`
/// (each rounded once from the text).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloatLiteral {
    /// The nearest `double` (for an `f` suffix, the nearest `float`, widened).
    pub value: f64,
    /// The nearest x87 `long double`.
    pub long: LongDouble,
    /// `f` (float) or `l` (long double); `None` is `double`.
    pub suffix: Option<FloatKind>,
}

/// Whether a pp-number spells a floating literal rather than an integer.
pub(crate) fn is_float(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("0x") {
        lower.contains('.') || lower.contains('p')
    } else {
        lower.contains('.') || lower.contains('e')
    }
}

/// Reads a floating literal: decimal (`1.5`, `.5`, `1e-3`) or hex with its
/// required binary exponent (`0x1.8p1`), and an `f` or `l` suffix in either case.
pub(crate) fn float_literal(text: &str) -> Result<FloatLiteral, Reason> {
    let lower = text.to_ascii_lowercase();
    let hex = lower.starts_with("0x");
    let (body, suffix) = match lower.as_bytes().last() {
        Some(b'f') if !hex || lower.contains('p') => {
            (&lower[..lower.len() - 1], Some(FloatKind::Float))
        }
        Some(b'l') => (&lower[..lower.len() - 1], Some(FloatKind::LongDouble)),
        _ => (lower.as_str(), None),
    };
    let body = body.replace('\'', "");
    let (mantissa, exponent) = if hex {
        let Some((m, e)) = body[2..].split_once('p') else {
            return Err(Malformed::NoHexExponent.into());
        };
        (m, Some(e))
    } else {
        match body.split_once('e') {
            Some((m, e)) => (m, Some(e)),
            None => (body.as_str(), None),
        }
    };
    let radix = if hex { 16 } else { 10 };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.chars().all(|c| c.is_digit(radix));
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
    {
        return Err(Malformed::FloatDigits.into());
    }
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Malformed::ExponentDigits.into());
        }
    }
    let value = if hex {
        super::hex_float(&body[2..]).ok_or(Malformed::ExponentRange)?
    } else {
        body.parse::<f64>().map_err(EvalError::BadFloat)?
    };
    let long = body
        .parse::<LongDouble>()
        .map_err(|_| Malformed::NotANumber)?;
    let value = match suffix {
        Some(FloatKind::Float) => f64::from(value as f32),
        _ => value,
    };
    Ok(FloatLiteral {
        value,
        long,
        suffix,
    })
}

/// The encoding prefix of a character or string literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefix {
    /// None: `char`, UTF-8.
    Plain,
    /// `u8`: UTF-8.
    Utf8,
    /// `u`: `char16_t`, UTF-16.
    Utf16,
    /// `U`: `char32_t`, UTF-32.
    Utf32,
    /// `L`: `wchar_t`, UTF-32 (wyvern's targets have a 32-bit `wchar_t`).
    Wide,
}

impl Prefix {
    /// The prefix of a quoted literal and the rest from its quote.
    pub(super) fn split(text: &str) -> (Prefix, &str) {
        for (spelling, prefix) in [
            ("u8", Prefix::Utf8),
            ("u", Prefix::Utf16),
            ("U", Prefix::Utf32),
            ("L", Prefix::Wide),
        ] {
            if let Some(rest) = text.strip_prefix(spelling) {
                if rest.starts_with(['\'', '"']) {
                    return (prefix, rest);
                }
            }
        }
        (Prefix::Plain, text)
    }

    /// The largest code unit.
    fn max_unit(self) -> u32 {
        match self {
            Prefix::Plain | Prefix::Utf8 => 0xff,
            Prefix::Utf16 => 0xffff,
            Prefix::Utf32 | Prefix::Wide => u32::MAX,
        }
    }

    /// Appends `c` in this encoding.
    fn encode(self, c: char, out: &mut Vec<u32>) {
        match self {
            Prefix::Plain | Prefix::Utf8 => {
                out.extend(c.encode_utf8(&mut [0; 4]).bytes().map(u32::from))
            }
            Prefix::Utf16 => out.extend(c.encode_utf16(&mut [0; 2]).iter().map(|&u| u32::from(u))),
            Prefix::Utf32 | Prefix::Wide => out.push(u32::from(c)),
        }
    }
}

/// A character literal's value and type: `'A'` is an `int` (a `char` converted,
/// so `'\xff'` is -1 where `char` is signed), `u'x'` a `char16_t`
/// (`unsigned short`), `U'x'` a `char32_t` (`unsigned int`), `L'x'` a
/// `wchar_t` (`int`), `u8'x'` (C23) an `unsigned char`. A plain literal of
/// several characters (`'ab'`) is an `int` of their bytes, as gcc makes it.
pub(crate) fn char_literal(text: &str, char_signed: bool) -> Result<(i128, IntKind), Reason> {
    let (prefix, rest) = Prefix::split(text);
    let inner = rest
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .filter(|_| closed(rest))
        .ok_or_else(|| unquoted(rest, Malformed::NotQuotedChar))?;
    let units = unescape(inner, prefix)?;
    let kind = match prefix {
        Prefix::Plain | Prefix::Wide => IntKind::Int,
        Prefix::Utf8 => IntKind::UChar,
        Prefix::Utf16 => IntKind::UShort,
        Prefix::Utf32 => IntKind::UInt,
    };
    let value = match (prefix, units.as_slice()) {
        (_, []) => return Err(Malformed::EmptyChar.into()),
        (Prefix::Plain, [u]) if char_signed => i128::from(*u as u8 as i8),
        (_, [u]) => i128::from(*u),
        (Prefix::Plain, many) if many.len() <= 4 => {
            let v = many.iter().fold(0u32, |acc, u| (acc << 8) | u);
            i128::from(v as i32)
        }
        (Prefix::Plain, _) => return Err(Malformed::LongChar.into()),
        _ => return Err(Malformed::PrefixedChars.into()),
    };
    Ok((value, kind))
}

/// A string literal's bytes, escapes decoded (no terminating NUL). Only `char`
/// strings (plain and `u8`) are `char *` constants; wide ones are refused.
pub(crate) fn string_literal(text: &str) -> Result<Vec<u8>, Reason> {
    let (prefix, rest) = Prefix::split(text);
    let inner = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| closed(rest))
        .ok_or_else(|| unquoted(rest, Malformed::NotQuotedString))?;
    if !matches!(prefix, Prefix::Plain | Prefix::Utf8) {
        return Err(Malformed::WideString.into());
    }
    // Every unit of a `char` string is at most 0xff.
    Ok(unescape(inner, prefix)?
        .into_iter()
        .map(|u| u as u8)
        .collect())
}

/// Whether the quote `rest` starts with closes at its end (and not before).
fn closed(rest: &str) -> bool {
    closing(rest) == Some(rest.len())
}

/// Where the quote `rest` starts with closes (the index after it); `None`:
/// it does not, before the text or its line ends.
fn closing(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let quote = *bytes.first()?;
    let mut i = 1;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' => i += 2,
            b'\n' => return None,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Why `rest`, which is not one quoted literal, is not: a quote that does
/// not close, or `otherwise`.
fn unquoted(rest: &str, otherwise: Malformed) -> Malformed {
    if rest.starts_with(['\'', '"']) && closing(rest).is_none() {
        Malformed::Unclosed
    } else {
        otherwise
    }
}

/// The code units of a quoted literal's body in `prefix`'s encoding, every
/// escape decoded by the rules in the [module docs](super).
pub(crate) fn unescape(body: &str, prefix: Prefix) -> Result<Vec<u32>, Reason> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            prefix.encode(c, &mut out);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err(Malformed::TrailingBackslash.into());
        };
        match simple_escape(e) {
            Some(b) => out.push(u32::from(b)),
            None => numeric_escape(e, &mut chars, prefix, &mut out).map_err(|why| {
                why.unwrap_or(EvalError::UnknownEscape {
                    escape: e,
                    at: at + 1,
                })
            })?,
        }
    }
    Ok(out)
}

/// The byte a one-character escape (`\n`, `\"`) stands for.
fn simple_escape(e: char) -> Option<u8> {
    Some(match e {
        'n' => b'\n',
        't' => b'\t',
        'r' => b'\r',
        'a' => 7,
        'b' => 8,
        'f' => 12,
        'v' => 11,
        // gcc's extension for ESC, which glibc's headers do not use but
        // terminal code does.
        'e' | 'E' => 27,
        '\\' | '\'' | '"' | '?' => e as u8,
        _ => return None,
    })
}

/// Decodes the octal, `\x`, `\u` or `\U` escape that `e` starts, reading its
/// digits from `chars`. `Err(None)`: `e` starts no escape at all.
fn numeric_escape(
    e: char,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    prefix: Prefix,
    out: &mut Vec<u32>,
) -> Result<(), Option<Reason>> {
    let mut digits = |radix: u32, max: usize| {
        let mut s = String::new();
        while s.len() < max {
            match chars.peek() {
                Some(&(_, d)) if d.is_digit(radix) => {
                    s.push(d);
                    chars.next();
                }
                _ => break,
            }
        }
        s
    };
    match e {
        'x' => {
            let hex = digits(16, usize::MAX);
            if hex.is_empty() {
                return Err(Some(Malformed::EmptyHexEscape.into()));
            }
            let significant = hex.trim_start_matches('0');
            let unit = if significant.is_empty() {
                Some(0)
            } else {
                u32::from_str_radix(significant, 16).ok()
            };
            match unit.filter(|v| *v <= prefix.max_unit()) {
                Some(unit) => out.push(unit),
                None => {
                    return Err(Some(EvalError::EscapeOutOfRange {
                        escape: format!("x{hex}"),
                    }))
                }
            }
        }
        '0'..='7' => {
            let octal = format!("{e}{}", digits(8, 2));
            let unit = u32::from_str_radix(&octal, 8).unwrap_or(u32::MAX);
            if unit > prefix.max_unit() {
                return Err(Some(EvalError::EscapeOutOfRange { escape: octal }));
            }
            out.push(unit);
        }
        'u' | 'U' => {
            let len = if e == 'u' { 4 } else { 8 };
            let hex = digits(16, len);
            let c = (hex.len() == len)
                .then(|| u32::from_str_radix(&hex, 16).ok())
                .flatten()
                .filter(|v| *v >= 0xa0 || matches!(v, 0x24 | 0x40 | 0x60))
                .and_then(char::from_u32)
                .ok_or_else(|| EvalError::BadUniversalName {
                    escape: format!("{e}{hex}"),
                })?;
            prefix.encode(c, out);
        }
        _ => return Err(None),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_in_every_order_c_allows() {
        for ok in [
            "5u", "5U", "5l", "5LL", "5ul", "5lu", "5uLL", "5LLu", "5llU", "5Ull",
        ] {
            assert!(int_literal(ok).is_ok(), "{ok}");
        }
        for bad in [
            "5uu", "5lL", "5Ll", "5lul", "5lll", "5ulu", "09", "0x", "0b2", "1'",
        ] {
            assert!(int_literal(bad).is_err(), "{bad}");
        }
        let lit = int_literal("0x1'0ULL").unwrap();
        assert_eq!(
            (lit.value, lit.unsigned, lit.longs),
            (16, true, Longs::LongLong)
        );
        assert_eq!(int_literal("010").unwrap().value, 8);
    }

    #[test]
    fn floats() {
        assert_eq!(float_literal("0x1.8p1").unwrap().value, 3.0);
        assert_eq!(float_literal("1e-3f").unwrap().value, f64::from(1e-3f32));
        assert!(float_literal("0x1.8f").is_err());
        assert!(float_literal("1e").is_err());
        assert!(float_literal("1.0fl").is_err());
        assert_eq!(
            float_literal("2.5L").unwrap().suffix,
            Some(FloatKind::LongDouble)
        );
    }

    #[test]
    fn escapes() {
        let bytes = |s: &str| string_literal(s);
        assert_eq!(bytes(r#""a\n\x41\101\0""#).unwrap(), b"a\nAA\0");
        assert_eq!(bytes(r#""\x000041""#).unwrap(), b"A");
        assert_eq!(bytes(r#""\u00e9""#).unwrap(), "é".as_bytes());
        assert_eq!(bytes(r#"u8"\U0001F600""#).unwrap(), "😀".as_bytes());
        for bad in [
            r#""\q""#,
            r#""\x100""#,
            r#""\777""#,
            r#""\x""#,
            r#""\u12""#,
            r#""\ud800""#,
        ] {
            assert!(bytes(bad).is_err(), "{bad}");
        }
        assert!(bytes(r#"L"wide""#).is_err());
    }

    #[test]
    fn chars() {
        assert_eq!(char_literal("'A'", true).unwrap(), (65, IntKind::Int));
        assert_eq!(char_literal(r"'\xff'", true).unwrap(), (-1, IntKind::Int));
        assert_eq!(char_literal(r"'\xff'", false).unwrap(), (255, IntKind::Int));
        assert_eq!(char_literal("'ab'", true).unwrap(), (0x6162, IntKind::Int));
        assert_eq!(
            char_literal(r"L'\u00e9'", true).unwrap(),
            (0xe9, IntKind::Int)
        );
        assert_eq!(
            char_literal(r"u'\xffff'", true).unwrap(),
            (0xffff, IntKind::UShort)
        );
        assert_eq!(
            char_literal("U'😀'", true).unwrap(),
            (0x1f600, IntKind::UInt)
        );
        assert!(char_literal(r"u'\x10000'", true).is_err());
        assert!(char_literal("''", true).is_err());
        assert!(char_literal("'", true).is_err());
    }
}
