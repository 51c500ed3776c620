//! Records and arrays: initialisers from lists, tuples, dicts, `bytes`,
//! `str` and objects of their own type; members by name, anonymous ones'
//! flattened in; bitfields.

use std::sync::Arc;

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use wyvern::types::FlatField;
use wyvern::QualType;

use super::{as_int, wide_codes, write, write_int, wrong_type, MAX_DEPTH};
use crate::object::CData;
use crate::types::{Kind, Prim, TypeInfo, Types};

/// # Safety
/// `dst` must point to writable memory for the array `ty`.
pub(super) unsafe fn write_array(
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    elem: QualType,
    len: Option<u64>,
    dst: *mut u8,
    obj: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    let elem_info = types.info(elem);
    let elem_size = elem_info.size.unwrap_or(0);
    let capacity = len.map_or(usize::MAX, |n| n as usize);
    if let Ok(b) = obj.downcast::<PyBytes>() {
        if elem_size == 1 && matches!(elem_info.kind, Kind::Prim(_)) {
            let bytes = b.as_bytes();
            if bytes.len() > capacity {
                return Err(index_error(format!(
                    "initializer bytes is too long for '{}' (got {} characters)",
                    ty.name,
                    bytes.len()
                )));
            }
            // SAFETY: the array holds `capacity` bytes.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
            if bytes.len() < capacity {
                // SAFETY: as above; C strings end in a NUL.
                unsafe { dst.add(bytes.len()).write(0) };
            }
            return Ok(());
        }
    }
    if let (Ok(text), Kind::Prim(Prim::WChar { size, .. })) =
        (obj.downcast::<PyString>(), &elem_info.kind)
    {
        let codes = wide_codes(&text.to_cow()?, *size);
        if codes.len() > capacity {
            return Err(index_error(format!(
                "initializer string is too long for '{}' (got {} characters)",
                ty.name,
                codes.len()
            )));
        }
        for (i, code) in codes
            .iter()
            .chain(std::iter::once(&0))
            .take(capacity)
            .enumerate()
        {
            // SAFETY: element `i` is inside the array.
            unsafe { write_int(dst.add(i * elem_size), i128::from(*code), *size) };
        }
        return Ok(());
    }
    if let Ok(data) = obj.downcast::<CData>() {
        let data = data.get();
        if let Kind::Array { .. } = data.ty.kind {
            if data.ty.same_type(ty) || elem_info.same_type(&types.info(array_elem(&data.ty))) {
                // Of the same length only, as in cffi (`int[5]` from an `int[4]`
                // would leave a part unset that the initializer does not say).
                let n = data.len.unwrap_or(0);
                if n > capacity || (len.is_some() && n != capacity) {
                    return Err(PyTypeError::new_err(format!(
                        "cannot initialize '{}' from cdata '{}' of {n} items",
                        ty.name, data.ty.name
                    )));
                }
                // SAFETY: both hold `n` elements.
                unsafe { std::ptr::copy(data.addr() as *const u8, dst, n * elem_size) };
                return Ok(());
            }
        }
    }
    let items = sequence(obj).ok_or_else(|| wrong_type(ty, "a list or tuple", obj))?;
    if items.len() > capacity {
        return Err(index_error(format!(
            "too many initializers for '{}' (got {})",
            ty.name,
            items.len()
        )));
    }
    for (i, item) in items.iter().enumerate() {
        // SAFETY: element `i` is inside the array.
        unsafe { write(types, &elem_info, dst.add(i * elem_size), item, depth + 1)? };
    }
    Ok(())
}

fn index_error(message: String) -> PyErr {
    pyo3::exceptions::PyIndexError::new_err(message)
}

pub fn array_elem(ty: &TypeInfo) -> QualType {
    match ty.kind {
        Kind::Array { elem, .. } => elem,
        _ => ty.qt,
    }
}

/// A list's or tuple's items.
pub fn sequence<'py>(obj: &Bound<'py, PyAny>) -> Option<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = obj.downcast::<PyList>() {
        return Some(list.iter().collect());
    }
    if let Ok(tuple) = obj.downcast::<PyTuple>() {
        return Some(tuple.iter().collect());
    }
    None
}

/// # Safety
/// `dst` must point to writable memory for the record `ty`.
pub(super) unsafe fn write_record(
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    dst: *mut u8,
    obj: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    let size = ty.size.ok_or_else(|| incomplete(ty))?;
    if let Ok(data) = obj.downcast::<CData>() {
        let data = data.get();
        if matches!(data.ty.kind, Kind::Record { .. }) && data.ty.same_type(ty) {
            // SAFETY: both are records of `size` bytes.
            unsafe { std::ptr::copy(data.addr() as *const u8, dst, size) };
            return Ok(());
        }
        return Err(wrong_type(
            ty,
            "a list or dict or cdata of the same type",
            obj,
        ));
    }
    let fields = ty.fields();
    if let Ok(dict) = obj.downcast::<PyDict>() {
        for (key, value) in dict.iter() {
            let name: String = key.extract()?;
            let field = fields
                .iter()
                .find(|f| f.name == name)
                .ok_or_else(|| key_error(format!("'{}' has no field '{name}'", ty.name)))?;
            // SAFETY: the field lies inside the record.
            unsafe { write_field(types, field, dst, &value, depth)? };
        }
        return Ok(());
    }
    let items = sequence(obj)
        .ok_or_else(|| wrong_type(ty, "a list or dict or cdata of the same type", obj))?;
    // Positional initialisers fill the members in order, an anonymous
    // struct's members among them, and a union's (an anonymous one's) first.
    let positional = positional_fields(ty);
    if items.len() > positional.len() {
        return Err(PyValueError::new_err(format!(
            "too many initializers for '{}' (got {})",
            ty.name,
            items.len()
        )));
    }
    for (field, item) in positional.iter().zip(items.iter()) {
        // SAFETY: the field lies inside the record.
        unsafe { write_field(types, field, dst, item, depth)? };
    }
    Ok(())
}

/// The members a positional initialiser fills, in order (cffi's rule): the
/// named members, an anonymous struct's members in their place, and only the
/// first member of a union (an anonymous one's too).
pub fn positional_fields(ty: &TypeInfo) -> Vec<FieldInfo> {
    let Kind::Record { id, union } = ty.kind else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_positional(&ty.set, id, union, 0, 0, &mut out);
    out
}

fn collect_positional(
    set: &wyvern::TypeSet,
    id: wyvern::types::RecordId,
    union: bool,
    base_bits: u64,
    depth: u32,
    out: &mut Vec<FieldInfo>,
) {
    let Some(def) = &set.record(id).def else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    // An unnamed bitfield is padding.
    for field in def
        .fields
        .iter()
        .filter(|f| f.name.is_some() || f.bit_width.is_none())
    {
        let offset_bits = base_bits + field.offset_bits;
        match &field.name {
            Some(name) => out.push(FieldInfo {
                name: name.clone(),
                ty: field.ty,
                offset_bits,
                bit_width: field.bit_width,
                top_level: depth == 0,
            }),
            None => {
                if let wyvern::Type::Record(inner) = set.ty(set.canonical(field.ty.id)) {
                    let inner_union = set.record(*inner).kind == wyvern::types::RecordKind::Union;
                    collect_positional(set, *inner, inner_union, offset_bits, depth + 1, out);
                }
            }
        }
        if union {
            break;
        }
    }
}

fn key_error(message: String) -> PyErr {
    pyo3::exceptions::PyKeyError::new_err(message)
}

pub fn incomplete(ty: &TypeInfo) -> PyErr {
    pyo3::exceptions::PyTypeError::new_err(format!(
        "'{}' has no size (it is opaque or incomplete)",
        ty.name
    ))
}

/// A record's member, flattened out of anonymous members, as accessors use it.
#[derive(Clone)]
pub struct FieldInfo {
    pub name: String,
    pub ty: QualType,
    pub offset_bits: u64,
    pub bit_width: Option<u32>,
    /// A direct member (not one of an anonymous struct or union inside).
    pub top_level: bool,
}

/// The named members of record `ty`.
pub fn fields(ty: &TypeInfo) -> Vec<FieldInfo> {
    let Kind::Record { id, .. } = ty.kind else {
        return Vec::new();
    };
    let Some(def) = &ty.set.record(id).def else {
        return Vec::new();
    };
    let top: Vec<&str> = def
        .fields
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect();
    ty.set
        .flat_fields(def)
        .into_iter()
        .map(|f: FlatField<'_>| FieldInfo {
            name: f.name.to_owned(),
            ty: f.ty,
            offset_bits: f.offset_bits,
            bit_width: f.bit_width,
            top_level: top.contains(&f.name),
        })
        .collect()
}

/// # Safety
/// `base` must point to writable memory for the record holding `field`.
pub unsafe fn write_field(
    types: &Arc<Types>,
    field: &FieldInfo,
    base: *mut u8,
    obj: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    let info = types.info(field.ty);
    let byte = (field.offset_bits / 8) as usize;
    match field.bit_width {
        None => {
            // SAFETY: the field lies inside the record.
            unsafe { write(types, &info, base.add(byte), obj, depth + 1) }
        }
        Some(width) => {
            let (signed, v) = match info.kind {
                Kind::Prim(Prim::Int { signed, .. }) | Kind::Enum { signed, .. } => {
                    (signed, as_int(obj, &info)?)
                }
                Kind::Prim(Prim::Bool) => (false, as_int(obj, &info)?),
                _ => return Err(wrong_type(&info, "an int", obj)),
            };
            let (lo, hi) = bit_range(width, signed);
            if v < lo || v > hi {
                return Err(PyOverflowError::new_err(format!(
                    "value {v} outside the range allowed by the bit field width: {lo} <= x <= {hi}"
                )));
            }
            // SAFETY: the bits lie inside the record.
            unsafe { store_bits(base, field.offset_bits, width, v as u128) };
            Ok(())
        }
    }
}

pub fn bit_range(width: u32, signed: bool) -> (i128, i128) {
    let width = width.clamp(1, 127);
    if signed {
        (-(1i128 << (width - 1)), (1i128 << (width - 1)) - 1)
    } else {
        (0, (1i128 << width) - 1)
    }
}

/// The bytes `offset_bits .. + width` span, at most 17.
fn bit_span(offset_bits: u64, width: u32) -> (usize, usize, u32) {
    let start = (offset_bits / 8) as usize;
    let shift = (offset_bits % 8) as u32;
    let bytes = (shift + width).div_ceil(8) as usize;
    (start, bytes.min(16), shift)
}

/// # Safety
/// The bits must lie inside writable memory at `base`.
unsafe fn store_bits(base: *mut u8, offset_bits: u64, width: u32, v: u128) {
    let (start, bytes, shift) = bit_span(offset_bits, width);
    let mut buf = [0u8; 16];
    // SAFETY: the caller's promise.
    unsafe { std::ptr::copy_nonoverlapping(base.add(start), buf.as_mut_ptr(), bytes) };
    let mut word = u128::from_le_bytes(buf);
    let mask = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    word = (word & !(mask << shift)) | ((v & mask) << shift);
    let out = word.to_le_bytes();
    // SAFETY: as above.
    unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), base.add(start), bytes) };
}

/// # Safety
/// The bits must lie inside readable memory at `base`.
pub unsafe fn load_bits(base: *const u8, offset_bits: u64, width: u32, signed: bool) -> i128 {
    let (start, bytes, shift) = bit_span(offset_bits, width);
    let mut buf = [0u8; 16];
    // SAFETY: the caller's promise.
    unsafe { std::ptr::copy_nonoverlapping(base.add(start), buf.as_mut_ptr(), bytes) };
    let word = u128::from_le_bytes(buf) >> shift;
    let width = width.clamp(1, 127);
    let raw = (word & ((1u128 << width) - 1)) as i128;
    if signed && raw >> (width - 1) & 1 == 1 {
        raw - (1i128 << width)
    } else {
        raw
    }
}
