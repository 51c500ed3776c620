//! Numbers: the CLI's sign, `inf` and `nan` around wyvern's one reader of C
//! literals.

use super::Lit;
use wyvern::types::Literal;
use wyvern::LongDouble;

/// An integer literal's value (`&[N]`, `[index]`).
pub(super) fn parse_unsigned(text: &str) -> Option<u128> {
    match Literal::parse(text, true).ok()? {
        Literal::Int(int) => Some(int.value),
        _ => None,
    }
}

/// The CLI's names of floating values C spells with macros: `inf`,
/// `INFINITY`, `nan`, `NAN`.
pub(super) fn special_float(word: &str) -> Option<f64> {
    match word {
        "inf" | "INFINITY" => Some(f64::INFINITY),
        "nan" | "NAN" => Some(f64::NAN),
        _ => None,
    }
}

/// Whether a signed number's body names an infinity or a NaN (`-inf`,
/// `+Infinity`, `-NaN`, any case).
pub(super) fn signed_special_float(body: &str) -> bool {
    ["inf", "infinity", "nan"]
        .iter()
        .any(|w| body.eq_ignore_ascii_case(w))
}

/// Reads a C number: decimal, hex, octal or binary integers with `U`/`L`/`LL`
/// suffixes, and decimal or hex floats with `f`/`L` suffixes.
pub(super) fn number(text: &str) -> std::result::Result<Lit, String> {
    let (negative, body) = match text.as_bytes().first().ok_or("it is empty")? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if signed_special_float(body) {
        let value = if body.eq_ignore_ascii_case("nan") {
            f64::NAN
        } else {
            f64::INFINITY
        };
        let value = if negative { -value } else { value };
        return Ok(Lit::Float {
            value,
            long: LongDouble::from(value),
            kind: None,
        });
    }
    // wyvern's one reader of C literals; the sign is the CLI's, as is `inf`.
    Ok(match Literal::parse(body, true).map_err(|e| e.reason)? {
        Literal::Float(f) => Lit::Float {
            value: if negative { -f.value } else { f.value },
            long: if negative { -f.long } else { f.long },
            kind: f.suffix,
        },
        Literal::Int(int) => {
            // The suffix's own type: the parameter's type decides the rest.
            let kind = int.has_suffix().then(|| int.candidates()[0]);
            match i128::try_from(int.value) {
                Ok(value) => Lit::Int {
                    value: if negative { -value } else { value },
                    kind,
                },
                Err(_) if !negative => Lit::BigUnsigned(int.value),
                Err(_) => return Err("it is out of range".into()),
            }
        }
        Literal::Char(..) | Literal::Str(_) => return Err("it is not a number".into()),
    })
}
