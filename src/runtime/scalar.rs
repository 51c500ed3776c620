//! Plain scalars (integers, `float`, `double`, pointers) between [`Value`]s and
//! register-sized buffers, by their [`Shape`] alone: the fast path of calls and
//! callbacks, which leaves everything else to [`mem`](super::mem).

use super::value::Value;
use crate::abi::Shape;

/// Writes the common scalar cases without consulting the type set; `false`
/// leaves the value to the general (and error-reporting) path.
#[inline]
pub(crate) fn store_fast(shape: Shape, value: &Value, dst: &mut [u8; 16]) -> bool {
    match (shape, value) {
        (Shape::Int { size, signed }, Value::Int(v)) => {
            let bits = u32::from(size) * 8;
            let word = if signed {
                i64::try_from(*v).ok().filter(|x| {
                    bits == 64 || {
                        let half = 1i64 << (bits - 1);
                        (-half..half).contains(x)
                    }
                })
            } else {
                u64::try_from(*v)
                    .ok()
                    .filter(|x| bits == 64 || *x < 1u64 << bits)
                    .map(|x| x as i64)
            };
            match word {
                Some(x) => {
                    dst[..8].copy_from_slice(&x.to_le_bytes());
                    true
                }
                None => false,
            }
        }
        (Shape::F64, Value::Float(v)) => {
            dst[..8].copy_from_slice(&v.to_le_bytes());
            true
        }
        (Shape::F32, Value::Float(v)) if !v.is_finite() || (*v as f32).is_finite() => {
            dst[..4].copy_from_slice(&(*v as f32).to_le_bytes());
            true
        }
        (Shape::Pointer, Value::Pointer(a)) => {
            dst[..8].copy_from_slice(&(*a as u64).to_le_bytes());
            true
        }
        (Shape::Pointer, Value::Null) => {
            dst[..8].fill(0);
            true
        }
        _ => false,
    }
}

/// Reads the common scalar results without consulting the type set.
#[inline]
pub(crate) fn load_fast(shape: Shape, src: &[u8]) -> Option<Value> {
    let mut word = [0u8; 8];
    word.copy_from_slice(src.get(..8)?);
    let raw = u64::from_le_bytes(word);
    Some(match shape {
        Shape::Int { size, signed } => int_value(raw, size, signed),
        Shape::F64 => Value::Float(f64::from_bits(raw)),
        Shape::F32 => Value::Float(f64::from(f32::from_bits(raw as u32))),
        Shape::Pointer if raw == 0 => Value::Null,
        Shape::Pointer => Value::Pointer(raw as usize),
        Shape::Other => return None,
    })
}

/// An integer of `size` bytes held in the low bytes of `raw`, as a value.
#[inline]
pub(crate) fn int_value(raw: u64, size: u8, signed: bool) -> Value {
    let word = crate::abi::extend(raw, usize::from(size), signed);
    Value::Int(if signed {
        i128::from(word as i64)
    } else {
        i128::from(word)
    })
}
