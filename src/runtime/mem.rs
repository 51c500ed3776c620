//! Reading C values from memory: the bytes of a C type to a [`Value`], and the
//! places and byte ranges that reading and writing ([`store`](super::store))
//! share.

use super::data::{size_of, too_large, CData};
use super::value::Value;
use crate::error::{Error, ErrorKind, Result, ValueProblem};
use crate::types::{FloatKind, LongDouble, QualType, RecordKind, Type, TypeId, TypeSet};

/// Where a value lives inside a buffer: its type, and its bit offset (and width,
/// for a bitfield) from the buffer's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) ty: TypeId,
    pub(crate) offset_bits: u64,
    pub(crate) bit_width: Option<u32>,
}

impl Place {
    pub(crate) fn whole(ty: TypeId) -> Place {
        Place {
            ty,
            offset_bits: 0,
            bit_width: None,
        }
    }

    pub(crate) fn byte(&self) -> usize {
        (self.offset_bits / 8) as usize
    }
}

pub(crate) fn value_error(place: &dyn Fn() -> String, problem: ValueProblem) -> Error {
    ErrorKind::Value {
        place: place(),
        problem,
    }
    .into()
}

/// The bytes `[at, at + len)` of `bytes`, or an error (never a panic).
fn range(bytes: &[u8], at: usize, len: usize) -> Result<&[u8]> {
    at.checked_add(len)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| ErrorKind::Internal("a value lies outside its buffer".into()).into())
}

pub(crate) fn range_mut(bytes: &mut [u8], at: usize, len: usize) -> Result<&mut [u8]> {
    at.checked_add(len)
        .and_then(|end| bytes.get_mut(at..end))
        .ok_or_else(|| ErrorKind::Internal("a value lies outside its buffer".into()).into())
}

/// Size and signedness of an integer-like type (integers, enums, `_Bool`).
pub(crate) fn int_shape(set: &TypeSet, ty: TypeId) -> Option<(usize, bool)> {
    let ty = set.canonical(ty);
    let size = set.layout(ty)?.size as usize;
    match set.ty(ty) {
        Type::Int(k) => Some((size, k.is_signed())),
        Type::Bool => Some((size, false)),
        Type::Enum(e) => {
            let under = set.enum_(*e).underlying;
            match set.ty(set.canonical(under)) {
                Type::Int(k) => Some((size, k.is_signed())),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(crate) fn read_uint(bytes: &[u8]) -> u128 {
    let mut v = 0u128;
    for (i, b) in bytes.iter().take(16).enumerate() {
        v |= u128::from(*b) << (8 * i);
    }
    v
}

pub(crate) fn write_uint(bytes: &mut [u8], v: u128) {
    for (i, b) in bytes.iter_mut().take(16).enumerate() {
        *b = (v >> (8 * i)) as u8;
    }
}

fn int_value(raw: u128, bits: u32, signed: bool) -> Value {
    if bits == 0 {
        return Value::Int(0);
    }
    if signed {
        let shift = 128 - bits;
        Value::Int(((raw << shift) as i128) >> shift)
    } else {
        let masked = if bits >= 128 {
            raw
        } else {
            raw & ((1u128 << bits) - 1)
        };
        match i128::try_from(masked) {
            Ok(v) => Value::Int(v),
            Err(_) => Value::U128(masked),
        }
    }
}

/// Reads the value at `place` out of `bytes`.
pub(crate) fn load(set: &TypeSet, place: Place, bytes: &[u8]) -> Result<Value> {
    let ty = set.canonical(place.ty);
    if let Some(width) = place.bit_width {
        let (_, signed) = int_shape(set, ty).unwrap_or((0, false));
        let first = place.byte();
        let shift = (place.offset_bits % 8) as u32;
        let span = ((shift + width).div_ceil(8)) as usize;
        let raw = read_uint(range(bytes, first, span.min(16))?) >> shift;
        let value = int_value(raw, width, signed);
        return Ok(match set.ty(ty) {
            Type::Bool => Value::Bool(value != Value::Int(0)),
            _ => value,
        });
    }
    let at = place.byte();
    let size = size_of(set, ty)?;
    let here = range(bytes, at, size)?;
    Ok(match set.ty(ty) {
        Type::Bool => Value::Bool(here.iter().any(|b| *b != 0)),
        Type::Int(_) | Type::Enum(_) => {
            let (_, signed) = int_shape(set, ty).unwrap_or((size, false));
            int_value(read_uint(here), (size * 8).min(128) as u32, signed)
        }
        Type::Float(FloatKind::Float) => Value::Float(f64::from(f32::from_le_bytes(
            here.try_into().map_err(|_| too_large(set, ty))?,
        ))),
        Type::Float(FloatKind::Double) => Value::Float(f64::from_le_bytes(
            here.try_into().map_err(|_| too_large(set, ty))?,
        )),
        Type::Float(FloatKind::LongDouble) if size >= 10 => {
            let mut x87 = [0u8; 10];
            x87.copy_from_slice(range(here, 0, 10)?);
            Value::LongDouble(LongDouble::from_le_bytes(x87))
        }
        Type::Float(FloatKind::LongDouble) if size == 8 => Value::Float(f64::from_le_bytes(
            here.try_into().map_err(|_| too_large(set, ty))?,
        )),
        Type::Float(k) => {
            return Err(ErrorKind::NoValues {
                ty: k.spelling().to_owned(),
                writing: false,
            }
            .into())
        }
        Type::Pointer(_) => match read_uint(here) as usize {
            0 => Value::Null,
            a => Value::Pointer(a),
        },
        Type::Array { len: None, .. } => {
            return Err(ErrorKind::UnknownLength {
                name: None,
                ty: set.spell(QualType::new(place.ty)),
            }
            .into())
        }
        Type::Record(_) | Type::Array { .. } | Type::Complex(_) | Type::Vector { .. } => {
            let mut data = CData::new(set, QualType::new(place.ty))?;
            data.bytes_mut().copy_from_slice(here);
            Value::Data(data)
        }
        Type::Void | Type::Function(_) | Type::Typedef(_) => {
            return Err(ErrorKind::WrongKind {
                name: set.spell(QualType::new(ty)),
                expected: "a value type",
                found: None,
            }
            .into())
        }
    })
}

/// The record kind of `ty`, if it is a record.
pub(crate) fn record_kind(set: &TypeSet, ty: TypeId) -> Option<RecordKind> {
    match set.ty(set.canonical(ty)) {
        Type::Record(r) => Some(set.record(*r).kind),
        _ => None,
    }
}
