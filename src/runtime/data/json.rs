//! A [`CData`] and a [`Value`] as JSON, per the CLI contract.

use super::CData;
use crate::runtime::mem::{load, record_kind, Place};
use crate::runtime::value::Value;
use crate::types::{LongDouble, RecordKind, Type, TypeSet};

/// JSON, per the CLI contract: structs as objects by field name, unions as
/// objects with every member's view, arrays as lists, integers exact.
impl serde::Serialize for CData {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Json {
            set: &self.0.set,
            place: Place::whole(self.0.ty.id),
            bytes: self.0.buf.all(),
            depth: 0,
        }
        .serialize(s)
    }
}

struct Json<'a> {
    set: &'a TypeSet,
    place: Place,
    bytes: &'a [u8],
    depth: u32,
}

impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let set = self.set;
        let ty = set.canonical(self.place.ty);
        let child = |place: Place| Json {
            set,
            place,
            bytes: self.bytes,
            depth: self.depth + 1,
        };
        if self.depth > crate::limits::MAX_TYPE_DEPTH {
            return s.serialize_none();
        }
        match set.ty(ty) {
            Type::Record(r) if self.place.bit_width.is_none() => {
                let fields = set
                    .record(*r)
                    .def
                    .as_ref()
                    .map(|d| set.flat_fields(d))
                    .unwrap_or_default();
                let mut map = s.serialize_map(Some(fields.len()))?;
                for f in fields {
                    let place = Place {
                        ty: f.ty.id,
                        offset_bits: self.place.offset_bits + f.offset_bits,
                        bit_width: f.bit_width,
                    };
                    map.serialize_entry(f.name, &child(place))?;
                }
                map.end()
            }
            Type::Array { len: None, .. } => s.serialize_seq(Some(0))?.end(),
            Type::Array {
                elem,
                len: Some(len),
            } if self.place.bit_width.is_none() => {
                let elem_size = set.layout(elem.id).map_or(0, |l| l.size);
                let mut seq = s.serialize_seq(Some(*len as usize))?;
                for i in 0..*len {
                    seq.serialize_element(&child(Place {
                        ty: elem.id,
                        offset_bits: self.place.offset_bits + i * elem_size * 8,
                        bit_width: None,
                    }))?;
                }
                seq.end()
            }
            Type::Complex(_) => {
                let text = match load(set, self.place, self.bytes) {
                    Ok(Value::Data(d)) => d.to_string(),
                    _ => String::new(),
                };
                s.serialize_str(&text)
            }
            _ => match load(set, self.place, self.bytes) {
                Ok(v) => v.serialize(s),
                Err(_) => s.serialize_none(),
            },
        }
    }
}

/// JSON per the CLI contract: integers exact, floats as numbers (non-finite ones
/// as the strings `"inf"`, `"-inf"` and `"NaN"`; a `long double` that is exactly
/// a double as that double, any other as a number with 21 significant digits,
/// or beyond double's range a string of them), pointers as `"0x…"` strings,
/// NULL and void as null.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Value::Void | Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(v) | Value::IntOf(_, v) => match i64::try_from(*v) {
                Ok(small) => s.serialize_i64(small),
                Err(_) => match u64::try_from(*v) {
                    Ok(u) => s.serialize_u64(u),
                    Err(_) => s.serialize_i128(*v),
                },
            },
            Value::U128(v) => s.serialize_u128(*v),
            // JSON has no infinity or NaN: the strings `dump --json` uses.
            Value::Float(v) | Value::FloatOf(_, v) => {
                if v.is_finite() {
                    s.serialize_f64(*v)
                } else if v.is_nan() {
                    s.serialize_str("NaN")
                } else if *v > 0.0 {
                    s.serialize_str("inf")
                } else {
                    s.serialize_str("-inf")
                }
            }
            Value::LongDouble(v) => serialize_long_double(*v, s),
            Value::Pointer(a) => s.serialize_str(&format!("{a:#x}")),
            Value::Str(c) => s.serialize_str(&String::from_utf8_lossy(c.as_bytes())),
            Value::Bytes(b) => s.serialize_str(&String::from_utf8_lossy(b)),
            Value::Ident(name) => s.serialize_str(name),
            Value::Data(d) | Value::Ref(d) => d.serialize(s),
        }
    }
}

/// A `long double` in JSON, where readers hold numbers as doubles: one that is
/// exactly a double is that double (its shortest digits, as [`Value::Float`]);
/// any other within double's range is a number with 21 significant digits
/// (`%.21Lg`), which reads back to the same `long double` and to the nearest
/// double; beyond double's range it is a string of those digits
/// (`"9.99999999999999999997e+3999"`), as infinities and NaN are strings.
pub(crate) fn serialize_long_double<S: serde::Serializer>(
    v: LongDouble,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    match v.exact_f64() {
        Some(d) => Value::Float(d).serialize(s),
        None if v.is_nan() => s.serialize_str("NaN"),
        None if v.to_f64().is_finite() => {
            match serde_json::value::RawValue::from_string(v.to_string()) {
                Ok(raw) => raw.serialize(s),
                Err(e) => Err(serde::ser::Error::custom(e)),
            }
        }
        None => s.serialize_str(&v.to_string()),
    }
}

impl CData {
    /// Whether this is a union (its JSON shows every member's view).
    pub fn is_union(&self) -> bool {
        record_kind(&self.0.set, self.0.ty.id) == Some(RecordKind::Union)
    }
}
