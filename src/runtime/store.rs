//! Writing [`Value`]s into C memory, every conversion checked: `300` into an
//! `unsigned char` or `8` into a 3-bit field is an error naming the place, never
//! a truncation. Reading them back is [`load`](super::mem::load).

use super::data::{size_of, CData};
use super::mem::{int_shape, range_mut, read_uint, value_error, write_uint, Place};
use super::value::Value;
use crate::error::{closest, Error, ErrorKind, IntRange, Result, ValueProblem};
use crate::types::{FloatKind, IntKind, LongDouble, QualType, Type, TypeId, TypeSet};

/// Resolves an identifier for a destination of type `ty`: its own enum's
/// enumerators first, then every integer constant of the set.
fn ident_value(set: &TypeSet, ty: TypeId, name: &str) -> std::result::Result<i128, ValueProblem> {
    if let Type::Enum(e) = set.ty(set.canonical(ty)) {
        if let Some((_, v)) = set.enum_(*e).constants.iter().find(|(n, _)| n == name) {
            return Ok(*v);
        }
    }
    match set.constant(name) {
        Ok(c) => match c.value {
            crate::ConstValue::Int(v) => Ok(v),
            _ => Err(Error::from(ErrorKind::WrongKind {
                name: name.to_owned(),
                expected: "an integer constant",
                found: None,
            })
            .into()),
        },
        Err(e) => {
            if let Type::Enum(en) = set.ty(set.canonical(ty)) {
                let names = set.enum_(*en).constants.iter().map(|(n, _)| n.as_str());
                if let Some(close) = closest(name, names) {
                    return Err(Error::not_found("enumerator", name, Some(close)).into());
                }
            }
            Err(e.into())
        }
    }
}

/// The bits to store for integer `value` in `bits` bits, or the range it missed.
fn fit_int(value: &Value, bits: u32, signed: bool) -> std::result::Result<u128, IntRange> {
    let v: i128 = match value {
        Value::U128(u) if !signed && bits >= 128 => return Ok(*u),
        Value::U128(_) => return Err(IntRange::of(bits, signed)),
        other => other.as_int().ok_or_else(|| IntRange::of(bits, signed))?,
    };
    let fits = if bits >= 128 {
        signed || v >= 0
    } else if signed {
        let half = 1i128 << (bits - 1);
        (-half..half).contains(&v)
    } else {
        v >= 0 && v < (1i128 << bits)
    };
    if fits {
        Ok(v as u128)
    } else {
        Err(IntRange::of(bits, signed))
    }
}

/// Writes `value` at `place` in `bytes`. Strings, buffers and objects given by
/// address are written as pointers to their own storage: the caller keeps them
/// alive as long as C may use the pointer.
pub(crate) fn store(
    set: &TypeSet,
    place: Place,
    bytes: &mut [u8],
    value: &mut Value,
    at: &dyn Fn() -> String,
) -> Result<()> {
    let ty = set.canonical(place.ty);
    let dest = Dest {
        set,
        declared: place.ty,
        at,
    };
    if let Some(width) = place.bit_width {
        return store_bitfield(&dest, ty, place, width, bytes, value);
    }
    let size = size_of(set, ty)?;
    let here = range_mut(bytes, place.byte(), size)?;
    match set.ty(ty) {
        Type::Bool => store_bool(&dest, here, value)?,
        Type::Int(_) | Type::Enum(_) => store_int(&dest, ty, size, here, value)?,
        Type::Float(kind) => store_float(&dest, kind, size, here, value)?,
        Type::Pointer(pointee) => store_pointer(&dest, *pointee, here, value)?,
        Type::Array { elem, len } => store_array(&dest, ty, (*elem, *len), size, here, value)?,
        Type::Record(_) | Type::Complex(_) | Type::Vector { .. } => match value {
            Value::Data(d) => copy_object(set, ty, true, here, d, at)?,
            other => return Err(dest.mismatch(other)),
        },
        Type::Void | Type::Function(_) | Type::Typedef(_) => return Err(dest.mismatch(value)),
    }
    Ok(())
}

/// Where [`store`] writes, for its messages.
struct Dest<'s> {
    set: &'s TypeSet,
    /// The place's type as declared (typedefs kept).
    declared: TypeId,
    at: &'s dyn Fn() -> String,
}

impl Dest<'_> {
    fn spelled(&self) -> String {
        self.set.spell(QualType::new(self.declared))
    }

    fn mismatch(&self, value: &Value) -> Error {
        value_error(
            self.at,
            ValueProblem::WrongKind {
                value: value.describe(),
                ty: self.spelled(),
            },
        )
    }
}

/// [`store`] into a bitfield of `width` bits.
fn store_bitfield(
    dest: &Dest<'_>,
    ty: TypeId,
    place: Place,
    width: u32,
    bytes: &mut [u8],
    value: &Value,
) -> Result<()> {
    let set = dest.set;
    let (_, signed) = int_shape(set, ty).ok_or_else(|| dest.mismatch(value))?;
    let v = integer_for(set, ty, value).map_err(|m| value_error(dest.at, m))?;
    let bits = fit_int(&Value::Int(v), width, signed).map_err(|range| {
        value_error(
            dest.at,
            ValueProblem::DoesNotFit {
                value: v.to_string(),
                ty: dest.spelled(),
                bits: Some(width),
                range,
            },
        )
    })?;
    let first = place.byte();
    let shift = (place.offset_bits % 8) as u32;
    let span = ((shift + width).div_ceil(8)) as usize;
    let here = range_mut(bytes, first, span.min(16))?;
    let mask = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    } << shift;
    let old = read_uint(here);
    write_uint(here, (old & !mask) | ((bits << shift) & mask));
    Ok(())
}

/// [`store`] into a `_Bool`.
fn store_bool(dest: &Dest<'_>, here: &mut [u8], value: &Value) -> Result<()> {
    let v = match value {
        Value::Bool(b) => *b,
        Value::Int(0) | Value::IntOf(_, 0) => false,
        Value::Int(1) | Value::IntOf(_, 1) => true,
        other => {
            return Err(value_error(
                dest.at,
                ValueProblem::NotABoolean {
                    value: other.describe(),
                },
            ))
        }
    };
    here.fill(0);
    here[0] = u8::from(v);
    Ok(())
}

/// [`store`] into an integer or an enum of `size` bytes.
fn store_int(
    dest: &Dest<'_>,
    ty: TypeId,
    size: usize,
    here: &mut [u8],
    value: &Value,
) -> Result<()> {
    let set = dest.set;
    let (_, signed) = int_shape(set, ty).ok_or_else(|| dest.mismatch(value))?;
    let bits = (size * 8).min(128) as u32;
    let as_int = match value {
        Value::U128(u) => Value::U128(*u),
        _ => Value::Int(integer_for(set, ty, value).map_err(|m| value_error(dest.at, m))?),
    };
    let raw = fit_int(&as_int, bits, signed).map_err(|range| {
        value_error(
            dest.at,
            ValueProblem::DoesNotFit {
                value: as_int.to_string(),
                ty: dest.spelled(),
                bits: None,
                range,
            },
        )
    })?;
    write_uint(here, raw);
    Ok(())
}

/// [`store`] into a floating type of `size` bytes.
fn store_float(
    dest: &Dest<'_>,
    kind: &FloatKind,
    size: usize,
    here: &mut [u8],
    value: &Value,
) -> Result<()> {
    let set = dest.set;
    let v = match value {
        Value::Ident(name) => match set.constant(name).map(|c| &c.value) {
            Ok(crate::ConstValue::Float(f)) => Some(LongDouble::from(*f)),
            Ok(crate::ConstValue::LongDouble(v)) => Some(*v),
            Ok(crate::ConstValue::Int(i)) => float_for(&Value::Int(*i), *kind),
            Ok(_) => None,
            Err(e) => return Err(value_error(dest.at, e.into())),
        },
        other => float_for(other, *kind),
    }
    .ok_or_else(|| dest.mismatch(value))?;
    let out_of_range = |c: &str| {
        value_error(
            dest.at,
            ValueProblem::OutOfRange {
                value: float_text(value, v),
                ty: c.to_owned(),
            },
        )
    };
    match (kind, size) {
        (FloatKind::Float, 4) => {
            let f = v.to_f32();
            if v.is_finite() && f.is_infinite() {
                return Err(out_of_range("float"));
            }
            here.copy_from_slice(&f.to_le_bytes());
        }
        (FloatKind::Double, 8) | (FloatKind::LongDouble, 8) => {
            let d = v.to_f64();
            if v.is_finite() && d.is_infinite() {
                return Err(out_of_range(kind.spelling()));
            }
            here.copy_from_slice(&d.to_le_bytes())
        }
        (FloatKind::LongDouble, n) if n >= 10 => {
            here.fill(0);
            here[..10].copy_from_slice(&v.to_le_bytes());
        }
        _ => {
            return Err(ErrorKind::NoValues {
                ty: kind.spelling().to_owned(),
                writing: true,
            }
            .into())
        }
    }
    Ok(())
}

/// [`store`] into a pointer to `pointee`. A string constant given by name
/// becomes the string itself, in `value`, which the pointer then points into.
fn store_pointer(
    dest: &Dest<'_>,
    pointee: QualType,
    here: &mut [u8],
    value: &mut Value,
) -> Result<()> {
    let set = dest.set;
    if let Value::Ident(name) = value {
        // A pointer constant by name (`MAP_FAILED`, `SIG_IGN`), checked for the type.
        if let Some(address) = super::named::constant_address(set, dest.declared, name) {
            let address = address.map_err(|m| value_error(dest.at, m))?;
            write_uint(here, address as u128);
            return Ok(());
        }
        // A string constant by name (`P_tmpdir`) becomes the string itself.
        if let Ok(crate::ConstValue::Str(bytes)) = set.constant(name).map(|c| &c.value) {
            if let Ok(text) = std::ffi::CString::new(bytes.clone()) {
                *value = Value::Str(text);
            }
        } else if set.constant(name).is_err() && set.function(name).is_ok() {
            // Only a call knows the libraries where a function's address is.
            return Err(value_error(
                dest.at,
                ValueProblem::CannotPoint {
                    value: format!("the function '{name}' by name"),
                    pointee: set.spell(pointee),
                    hint: Some("only a call resolves a function's name; store Module::function_value's address"),
                },
            ));
        }
    }
    let address = pointer_for(set, pointee, value).map_err(|m| match m {
        Some(m) => value_error(dest.at, m),
        None => dest.mismatch(value),
    })?;
    write_uint(here, address as u128);
    Ok(())
}

/// [`store`] into an array of `elem`s (`len` of them, when known), `size` bytes.
fn store_array(
    dest: &Dest<'_>,
    ty: TypeId,
    (elem, len): (QualType, Option<u64>),
    size: usize,
    here: &mut [u8],
    value: &Value,
) -> Result<()> {
    let set = dest.set;
    let elem_size = set.layout(elem.id).map_or(0, |l| l.size) as usize;
    match value {
        Value::Str(_) | Value::Bytes(_) if elem_size == 1 => {
            let (text, nul) = match value {
                Value::Str(s) => (s.as_bytes(), 1),
                Value::Bytes(b) => (b.as_slice(), 0),
                _ => unreachable!("matched above"),
            };
            if text.len() + nul > size {
                return Err(value_error(
                    dest.at,
                    ValueProblem::TooLong {
                        bytes: text.len() + nul,
                        ty: dest.spelled(),
                    },
                ));
            }
            here.fill(0);
            here[..text.len()].copy_from_slice(text);
        }
        Value::Data(d) => copy_object(set, ty, len.is_some(), here, d, dest.at)?,
        other => return Err(dest.mismatch(other)),
    }
    Ok(())
}

fn copy_object(
    set: &TypeSet,
    ty: TypeId,
    complete: bool,
    here: &mut [u8],
    data: &CData,
    at: &dyn Fn() -> String,
) -> Result<()> {
    if !complete || !data.same_set(set) || set.canonical(data.type_id()) != ty {
        return Err(value_error(
            at,
            ValueProblem::WrongKind {
                value: format!("a '{}' object", data.type_name()),
                ty: set.spell(QualType::new(ty)),
            },
        ));
    }
    here.copy_from_slice(&data.bytes()[..here.len()]);
    Ok(())
}

/// The integer a value stands for, for an integer destination of type `ty`.
fn integer_for(
    set: &TypeSet,
    ty: TypeId,
    value: &Value,
) -> std::result::Result<i128, ValueProblem> {
    let dest = || set.spell(QualType::new(ty));
    match value {
        Value::Ident(name) => ident_value(set, ty, name),
        Value::Float(_) | Value::FloatOf(..) | Value::LongDouble(_) => {
            Err(ValueProblem::NotAnInteger {
                value: value.describe(),
                ty: dest(),
            })
        }
        other => other.as_int().ok_or_else(|| ValueProblem::WrongKind {
            value: other.describe(),
            ty: dest(),
        }),
    }
}

/// The number for a floating destination of `kind`: floats, and integers that
/// convert exactly (up to 53 significant bits, 64 for `long double`).
fn float_for(value: &Value, kind: FloatKind) -> Option<LongDouble> {
    match value {
        Value::Float(v) | Value::FloatOf(_, v) => Some(LongDouble::from(*v)),
        Value::LongDouble(v) => Some(*v),
        Value::Int(i) | Value::IntOf(_, i) if kind == FloatKind::LongDouble => {
            LongDouble::from_int_exact(*i)
        }
        Value::Int(i) | Value::IntOf(_, i) => {
            let f = *i as f64;
            (f as i128 == *i && f.abs() < 1.7e308).then(|| LongDouble::from(f))
        }
        _ => None,
    }
}

/// A floating value as an error message shows it: as given.
fn float_text(value: &Value, v: LongDouble) -> String {
    match value {
        Value::Float(f) | Value::FloatOf(_, f) => super::value::Fmt(*f).to_string(),
        _ => v.to_string(),
    }
}

fn is_byte_like(set: &TypeSet, ty: TypeId) -> bool {
    matches!(
        set.ty(set.canonical(ty)),
        Type::Void | Type::Int(IntKind::Char { .. } | IntKind::SChar | IntKind::UChar)
    )
}

/// The address to store for a pointer to `pointee`. `Err(None)` means the value
/// is not a pointer at all.
fn pointer_for(
    set: &TypeSet,
    pointee: QualType,
    value: &mut Value,
) -> std::result::Result<usize, Option<ValueProblem>> {
    let target = || set.spell(pointee);
    match value {
        Value::Null => Ok(0),
        Value::Pointer(a) => Ok(*a),
        Value::Int(0) | Value::IntOf(_, 0) => Ok(0),
        Value::Str(s) => {
            if is_byte_like(set, pointee.id) {
                Ok(s.as_ptr() as usize)
            } else {
                Err(Some(ValueProblem::CannotPoint {
                    value: "a string".into(),
                    pointee: target(),
                    hint: None,
                }))
            }
        }
        Value::Bytes(b) => {
            if is_byte_like(set, pointee.id) {
                Ok(b.as_mut_ptr() as usize)
            } else {
                Err(Some(ValueProblem::CannotPoint {
                    value: "a byte buffer".into(),
                    pointee: target(),
                    hint: Some("use an object of that type"),
                }))
            }
        }
        Value::Ref(d) => {
            let want = set.canonical(pointee.id);
            let have = set.canonical(d.type_id());
            let decays = match set.ty(have) {
                Type::Array { elem, .. } => set.canonical(elem.id) == want,
                _ => false,
            };
            let void = matches!(set.ty(want), Type::Void);
            if d.same_set(set) && (want == have || decays || void) {
                Ok(d.as_mut_ptr() as usize)
            } else {
                Err(Some(ValueProblem::CannotPoint {
                    value: format!("the address of a '{}' object", d.type_name()),
                    pointee: target(),
                    hint: None,
                }))
            }
        }
        Value::Ident(name) if name == "NULL" || name == "nullptr" => Ok(0),
        Value::Data(d) => Err(Some(ValueProblem::NotAPointer {
            ty: d.type_name(),
            object: true,
        })),
        _ => Err(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_fit_or_say_why() {
        assert_eq!(fit_int(&Value::Int(255), 8, false), Ok(255));
        assert_eq!(
            fit_int(&Value::Int(300), 8, false).unwrap_err().to_string(),
            "0..=255"
        );
        assert_eq!(
            fit_int(&Value::Int(-129), 8, true).unwrap_err().to_string(),
            "-128..=127"
        );
        assert_eq!(
            fit_int(&Value::U128(u128::MAX), 128, true).unwrap_err(),
            IntRange {
                min: i128::MIN,
                max: i128::MAX as u128
            }
        );
        assert_eq!(fit_int(&Value::Int(-1), 64, true), Ok(u128::MAX));
        assert!(fit_int(&Value::Int(-1), 64, false).is_err());
        assert_eq!(fit_int(&Value::U128(u128::MAX), 128, false), Ok(u128::MAX));
    }
}
