//! A [`CData`] in C initializer syntax (`{.x = -5, .v = {0, 2.5}}`).

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
            if is_char(set, elem.id) {
                if let Some(text) = bytes.get(start..start + total) {
                    if let Some(s) = as_text(text) {
                        return write_c_string(f, s);
                    }
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

fn is_char(set: &TypeSet, ty: TypeId) -> bool {
    matches!(
        set.ty(set.canonical(ty)),
        Type::Int(IntKind::Char { .. } | IntKind::SChar | IntKind::UChar)
    )
}

/// The text of a `char` array when it reads as a string: printable bytes, then
/// only NULs (at least one).
fn as_text(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes.iter().position(|b| *b == 0)?;
    let (text, rest) = bytes.split_at(end);
    let printable = text
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || matches!(b, b'\n' | b'\t' | b'\r'));
    (printable && rest.iter().all(|b| *b == 0)).then_some(text)
}
