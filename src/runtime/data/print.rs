//! A [`CData`] in C initializer syntax (`{.x = -5, .v = {0, 2.5}}`), with
//! `char` arrays that hold text as string literals (`{.name = "ok"}`).

use std::fmt;

use super::CData;
use crate::runtime::mem::{load, Place};
use crate::runtime::value::{write_c_string, Fmt, Value};
use crate::types::{IntKind, LongDouble, Type, TypeId, TypeSet};

/// C initializer syntax, see [`Value`]'s `Display`.
impl fmt::Display for CData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_object(
            f,
            &self.0.set,
            Place::whole(self.0.ty.id),
            self.0.buf.all(),
            0,
        )
    }
}

fn write_object(
    f: &mut fmt::Formatter<'_>,
    set: &TypeSet,
    place: Place,
    bytes: &[u8],
    depth: u32,
) -> fmt::Result {
    // A set nests at most MAX_TYPE_DEPTH deep; only a damaged one gets here.
    if depth > crate::limits::MAX_TYPE_DEPTH {
        return f.write_str("…");
    }
    let ty = set.canonical(place.ty);
    match set.ty(ty) {
        Type::Record(r) if place.bit_width.is_none() => {
            f.write_str("{")?;
            let mut first = true;
            write_fields(f, set, *r, place.offset_bits, bytes, depth, &mut first)?;
            f.write_str("}")
        }
        // A flexible array member: its elements lie beyond the object.
        Type::Array { len: None, .. } => f.write_str("{}"),
        Type::Array {
            elem,
            len: Some(len),
        } if place.bit_width.is_none() => {
            let elem_size = set.layout(elem.id).map_or(0, |l| l.size);
            let start = (place.offset_bits / 8) as usize;
            let total = (elem_size * len) as usize;
            if is_plain_char(set, elem.id) {
                if let Some(s) = bytes.get(start..start + total).and_then(string_form) {
                    return write_c_string(f, s);
                }
            }
            f.write_str("{")?;
            for i in 0..*len {
                if i > 0 {
                    f.write_str(", ")?;
                }
                let p = Place {
                    ty: elem.id,
                    offset_bits: place.offset_bits + i * elem_size * 8,
                    bit_width: None,
                };
                write_object(f, set, p, bytes, depth + 1)?;
            }
            f.write_str("}")
        }
        Type::Complex(_) => {
            let half = set.layout(ty).map_or(0, |l| l.size) / 2;
            let part = |at: u64| -> Option<String> {
                let start = (place.offset_bits / 8 + at) as usize;
                let b = bytes.get(start..start + half as usize)?;
                Some(match half {
                    4 => Fmt(f64::from(f32::from_le_bytes(b.try_into().ok()?))).to_string(),
                    8 => Fmt(f64::from_le_bytes(b.try_into().ok()?)).to_string(),
                    _ => LongDouble::from_le_bytes(b.get(..10)?.try_into().ok()?).to_string(),
                })
            };
            match (part(0), part(half)) {
                (Some(re), Some(im)) => write!(f, "{{{re}, {im}}}"),
                _ => f.write_str("?"),
            }
        }
        Type::Enum(e) => match load(set, place, bytes) {
            Ok(Value::Int(v)) => match set.enum_(*e).constants.iter().find(|(_, c)| *c == v) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{v}"),
            },
            Ok(other) => write!(f, "{other}"),
            Err(_) => f.write_str("?"),
        },
        _ => match load(set, place, bytes) {
            Ok(v) => write!(f, "{v}"),
            Err(_) => f.write_str("?"),
        },
    }
}

fn write_fields(
    f: &mut fmt::Formatter<'_>,
    set: &TypeSet,
    record: crate::types::RecordId,
    base_bits: u64,
    bytes: &[u8],
    depth: u32,
    first: &mut bool,
) -> fmt::Result {
    let Some(def) = &set.record(record).def else {
        return f.write_str("…");
    };
    for field in &def.fields {
        let at = base_bits + field.offset_bits;
        match &field.name {
            Some(name) => {
                if !*first {
                    f.write_str(", ")?;
                }
                *first = false;
                write!(f, ".{name} = ")?;
                let p = Place {
                    ty: field.ty.id,
                    offset_bits: at,
                    bit_width: field.bit_width,
                };
                write_object(f, set, p, bytes, depth + 1)?;
            }
            None if field.is_anonymous_member() => {
                if let Type::Record(inner) = set.ty(set.canonical(field.ty.id)) {
                    write_fields(f, set, *inner, at, bytes, depth + 1, first)?;
                }
            }
            None => {}
        }
    }
    Ok(())
}

/// Plain `char` only: as in cffi, `signed char` and `unsigned char` are small
/// integers (`uint8_t` buffers, `uuid_t`), and their arrays print as numbers.
fn is_plain_char(set: &TypeSet, ty: TypeId) -> bool {
    matches!(set.ty(set.canonical(ty)), Type::Int(IntKind::Char { .. }))
}

/// The bytes of a `char` array to print as a string literal, when it holds
/// text up to a NUL: UTF-8 without control characters but whitespace. The
/// bytes after the first NUL are kept through the last that is not zero, so the
/// literal recreates the array exactly (`"ab\000c"`); when they are all zero,
/// as after `strcpy` into a zeroed buffer, they are left out (`"ab"`). `None`
/// for an array without a NUL or with other bytes before it: it prints as numbers.
fn string_form(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes.iter().position(|b| *b == 0)?;
    let text = std::str::from_utf8(&bytes[..end]).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
    let through = bytes
        .iter()
        .rposition(|b| *b != 0)
        .map_or(0, |last| last + 1);
    printable.then(|| &bytes[..through.max(end)])
}

#[cfg(test)]
mod tests {
    use super::string_form;

    #[test]
    fn char_arrays_read_as_text_up_to_the_nul() {
        let form = |bytes: &[u8]| string_form(bytes).map(|s| s.to_vec());
        assert_eq!(form(b"ok\0\0\0"), Some(b"ok".to_vec()));
        assert_eq!(form(b"\0\0"), Some(Vec::new()));
        assert_eq!(
            form("caf\u{e9}\n\0".as_bytes()),
            Some("caf\u{e9}\n".as_bytes().to_vec())
        );
        // What follows the NUL is kept through its last byte that is not zero.
        assert_eq!(form(b"ab\0c\0\xff\0\0"), Some(b"ab\0c\0\xff".to_vec()));
        // No NUL, control bytes or bytes that are not UTF-8 before it: numbers.
        assert_eq!(form(b"full"), None);
        assert_eq!(form(b"\x01\x02\0"), None);
        assert_eq!(form(b"\xff\xfe\0"), None);
        assert_eq!(form(b"a\x1b[0m\0"), None);
    }
}
