//! Python values to C memory and back, by a type's [`Kind`], with cffi's
//! rules: integers range-checked (`OverflowError`), plain `char` as `bytes`
//! of length 1, pointers only from compatible pointers, records and arrays
//! from lists, tuples, dicts or objects of their own type.

use std::sync::Arc;

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyString};
use wyvern::{LongDouble, QualType};

mod aggregate;

use crate::object::{CData, Owner};
use crate::types::{Kind, Prim, TypeInfo, Types};
pub use aggregate::{
    fields, incomplete, load_bits, positional_fields, sequence, write_field, FieldInfo,
};
use aggregate::{write_array, write_record};

/// How deeply initialisers may nest (lists of lists of structs ...).
pub(crate) const MAX_DEPTH: u32 = 64;

/// Reads the C value of type `ty` at `src` as Python sees it: scalars as
/// `int`, `float`, `bool` or `bytes`; pointers, records and arrays as `CData`
/// (records and arrays referring to the memory, kept alive by what `owner`
/// gives: asked only for those).
///
/// # Safety
/// `src` must point to a readable value of type `ty`.
pub unsafe fn read(
    py: Python<'_>,
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    src: *const u8,
    owner: impl FnOnce() -> Owner,
) -> PyResult<Py<PyAny>> {
    match ty.kind {
        Kind::Prim(p) => {
            // SAFETY: the caller's promise.
            unsafe { read_prim(py, types, ty, p, src) }
        }
        Kind::Enum { size, signed, .. } => {
            // SAFETY: as above.
            let v = unsafe { read_int(src, size, signed) };
            int_object(py, v)
        }
        Kind::Pointer { .. } | Kind::FuncPtr { .. } => {
            // SAFETY: as above.
            let addr = unsafe { src.cast::<usize>().read_unaligned() };
            Ok(Py::new(py, CData::pointer(types, ty.clone(), addr, Owner::None))?.into_any())
        }
        Kind::Record { .. } | Kind::Array { .. } => {
            let data = CData::object(types, ty.clone(), src as usize, owner());
            Ok(Py::new(py, data)?.into_any())
        }
        Kind::Void | Kind::Function | Kind::Unsupported => Err(PyTypeError::new_err(format!(
            "cannot read a value of type '{}'",
            ty.name
        ))),
    }
}

/// # Safety
/// `src` must point to a readable value of the scalar `ty`.
unsafe fn read_prim(
    py: Python<'_>,
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    p: Prim,
    src: *const u8,
) -> PyResult<Py<PyAny>> {
    // SAFETY (every read below): the caller's promise.
    Ok(match p {
        Prim::Int { size, signed } => {
            return int_object(py, unsafe { read_int(src, size, signed) })
        }
        Prim::Char => PyBytes::new(py, &[unsafe { src.read() }])
            .into_any()
            .unbind(),
        Prim::WChar { size, signed } => {
            let code = unsafe { read_int(src, size, signed) };
            return wide_char_object(py, code);
        }
        Prim::Bool => PyBool::new(py, unsafe { src.read() } != 0)
            .to_owned()
            .into_any()
            .unbind(),
        Prim::Float => PyFloat::new(py, f64::from(unsafe { src.cast::<f32>().read_unaligned() }))
            .into_any()
            .unbind(),
        Prim::Double => PyFloat::new(py, unsafe { src.cast::<f64>().read_unaligned() })
            .into_any()
            .unbind(),
        Prim::LongDouble => {
            // cffi keeps a `long double` as a cdata, so no precision is lost.
            let mut value = [0u8; 16];
            let size = ty.size.unwrap_or(16).min(16);
            unsafe { std::ptr::copy_nonoverlapping(src, value.as_mut_ptr(), size) };
            Py::new(py, CData::scalar(types, ty.clone(), value))?.into_any()
        }
    })
}

/// # Safety
/// `src` must point to `size` readable bytes.
pub unsafe fn read_int(src: *const u8, size: u8, signed: bool) -> i128 {
    // SAFETY: the caller's promise.
    unsafe {
        match (size, signed) {
            (1, true) => i128::from(src.cast::<i8>().read()),
            (1, false) => i128::from(src.read()),
            (2, true) => i128::from(src.cast::<i16>().read_unaligned()),
            (2, false) => i128::from(src.cast::<u16>().read_unaligned()),
            (4, true) => i128::from(src.cast::<i32>().read_unaligned()),
            (4, false) => i128::from(src.cast::<u32>().read_unaligned()),
            (8, true) => i128::from(src.cast::<i64>().read_unaligned()),
            (8, false) => i128::from(src.cast::<u64>().read_unaligned()),
            (_, true) => src.cast::<i128>().read_unaligned(),
            (_, false) => src.cast::<u128>().read_unaligned() as i128,
        }
    }
}

pub fn int_object(py: Python<'_>, v: i128) -> PyResult<Py<PyAny>> {
    if let Ok(small) = i64::try_from(v) {
        return Ok(small.into_pyobject(py)?.into_any().unbind());
    }
    Ok(v.into_pyobject(py)?.into_any().unbind())
}

/// The range of an integer of `size` bytes.
pub fn int_range(size: u8, signed: bool) -> (i128, i128) {
    let bits = u32::from(size) * 8;
    match (signed, bits) {
        (true, b) if b >= 128 => (i128::MIN, i128::MAX),
        (false, b) if b >= 128 => (0, i128::MAX),
        (true, b) => (-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1),
        (false, b) => (0, (1i128 << b) - 1),
    }
}

/// An integer from a Python object: an `int` (or anything with `__index__`),
/// or an integer `CData`.
pub fn as_int(obj: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<i128> {
    if let Ok(v) = obj.extract::<i64>() {
        return Ok(i128::from(v));
    }
    if let Ok(v) = obj.extract::<i128>() {
        return Ok(v);
    }
    if let Ok(v) = obj.extract::<u128>() {
        return Err(PyOverflowError::new_err(format!(
            "integer {v} does not fit '{}'",
            ty.name
        )));
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        // Beyond 128 bits: too big for any C integer, as cffi says.
        return Err(PyOverflowError::new_err(format!(
            "integer {} does not fit '{}'",
            obj.str().map(|s| s.to_string()).unwrap_or_default(),
            ty.name
        )));
    }
    if let Ok(data) = obj.downcast::<CData>() {
        let data = data.get();
        if let Some(v) = scalar_int(data) {
            return Ok(v);
        }
    }
    Err(wrong_type(ty, "an int", obj))
}

/// A scalar cdata's value as an integer (`char` as its code).
pub fn scalar_int(data: &CData) -> Option<i128> {
    match data.ty.kind {
        Kind::Prim(Prim::Int { size, signed } | Prim::WChar { size, signed })
        | Kind::Enum { size, signed, .. } => {
            // SAFETY: the value's bytes hold an integer of this size.
            Some(unsafe { read_int(data.value().as_ptr(), size, signed) })
        }
        Kind::Prim(Prim::Char | Prim::Bool) => Some(i128::from(data.value()[0])),
        _ => None,
    }
}

/// cffi's message for a value of the wrong kind.
pub fn wrong_type(ty: &TypeInfo, expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "initializer for ctype '{}' must be {expected}, not {}",
        ty.name,
        type_name(obj)
    ))
}

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(data) = obj.downcast::<CData>() {
        return format!("cdata '{}'", data.get().ty.name);
    }
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Writes `obj` as a value of type `ty` at `dst`.
///
/// # Safety
/// `dst` must point to writable memory for a value of type `ty`.
pub unsafe fn write(
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    dst: *mut u8,
    obj: &Bound<'_, PyAny>,
    depth: u32,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "initializer nests deeper than {MAX_DEPTH} levels"
        )));
    }
    match ty.kind {
        // SAFETY (each arm): forwarded from the caller.
        Kind::Prim(p) => unsafe { write_prim(ty, p, dst, obj) },
        // An enum takes integers only (cffi refuses enumerator names).
        Kind::Enum { size, signed, .. } => {
            let v = as_int(obj, ty)?;
            check_range(v, size, signed, ty)?;
            unsafe { write_int(dst, v, size) };
            Ok(())
        }
        Kind::Pointer { .. } | Kind::FuncPtr { .. } => {
            let addr = pointer_value(ty, obj)?;
            unsafe { dst.cast::<usize>().write_unaligned(addr) };
            Ok(())
        }
        Kind::Array { elem, len } => unsafe { write_array(types, ty, elem, len, dst, obj, depth) },
        Kind::Record { .. } => unsafe { write_record(types, ty, dst, obj, depth) },
        Kind::Void | Kind::Function | Kind::Unsupported => Err(PyTypeError::new_err(format!(
            "cannot store a value of type '{}'",
            ty.name
        ))),
    }
}

pub fn check_range(v: i128, size: u8, signed: bool, ty: &TypeInfo) -> PyResult<()> {
    let (lo, hi) = int_range(size, signed);
    if v < lo || v > hi {
        return Err(PyOverflowError::new_err(format!(
            "integer {v} does not fit '{}'",
            ty.name
        )));
    }
    Ok(())
}

/// # Safety
/// `dst` must point to `size` writable bytes.
pub unsafe fn write_int(dst: *mut u8, v: i128, size: u8) {
    let bytes = v.to_le_bytes();
    // SAFETY: the caller's promise.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, usize::from(size).min(16)) };
}

/// # Safety
/// `dst` must point to writable memory for the scalar `ty`.
unsafe fn write_prim(ty: &TypeInfo, p: Prim, dst: *mut u8, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    // SAFETY (every write below): the caller's promise.
    match p {
        Prim::Int { size, signed } => {
            let v = as_int(obj, ty)?;
            check_range(v, size, signed, ty)?;
            unsafe { write_int(dst, v, size) };
        }
        Prim::Char => {
            let byte = char_byte(ty, obj)?;
            unsafe { dst.write(byte) };
        }
        Prim::WChar { size, .. } => {
            let code = wide_char(ty, size, obj)?;
            unsafe { write_int(dst, i128::from(code), size) };
        }
        Prim::Bool => {
            let v = if obj.is_instance_of::<PyBool>() {
                i128::from(obj.is_truthy()?)
            } else {
                as_int(obj, ty)?
            };
            if !(0..=1).contains(&v) {
                return Err(PyOverflowError::new_err(format!(
                    "integer {v} does not fit '_Bool'"
                )));
            }
            unsafe { dst.write(v as u8) };
        }
        Prim::Float => {
            let v = as_float(obj, ty)?;
            unsafe { dst.cast::<f32>().write_unaligned(v as f32) };
        }
        Prim::Double => {
            let v = as_float(obj, ty)?;
            unsafe { dst.cast::<f64>().write_unaligned(v) };
        }
        Prim::LongDouble => {
            let bytes = match obj.downcast::<CData>() {
                Ok(d) if matches!(d.get().ty.kind, Kind::Prim(Prim::LongDouble)) => d.get().value(),
                _ => long_double_bytes(as_float(obj, ty)?),
            };
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, ty.size.unwrap_or(16)) };
        }
    }
    Ok(())
}

/// The 16 bytes of a `long double` holding `v` exactly.
pub fn long_double_bytes(v: f64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..10].copy_from_slice(&LongDouble::from(v).to_le_bytes());
    out
}

/// A wide character as Python has it: a `str` of length 1 (a code C holds
/// that is no character, `(wchar_t)-1`, is its integer).
pub fn wide_char_object(py: Python<'_>, code: i128) -> PyResult<Py<PyAny>> {
    match u32::try_from(code).ok().and_then(char::from_u32) {
        Some(c) => Ok(PyString::new(py, c.encode_utf8(&mut [0; 4]))
            .into_any()
            .unbind()),
        None => int_object(py, code),
    }
}

/// The code of a wide character from a `str` of length 1 (or a cdata of a
/// wide character type), for a `wchar_t`, `char16_t` or `char32_t` of `size` bytes.
pub fn wide_char(ty: &TypeInfo, size: u8, obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    if let Ok(s) = obj.downcast::<PyString>() {
        let text = s.to_cow()?;
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            let code = u32::from(c);
            if size < 4 && code > 0xFFFF {
                return Err(PyTypeError::new_err(format!(
                    "character U+{code:04X} does not fit '{}' (it needs a surrogate pair)",
                    ty.name
                )));
            }
            return Ok(code);
        }
    }
    if let Ok(data) = obj.downcast::<CData>() {
        if let Kind::Prim(Prim::WChar { .. }) = data.get().ty.kind {
            return Ok(scalar_int(data.get()).unwrap_or(0) as u32);
        }
    }
    Err(wrong_type(ty, "a str of length 1", obj))
}

/// `text` as the codes of a wide character array of `size`-byte elements:
/// UTF-16 (surrogate pairs) for 2 bytes, code points for 4.
pub fn wide_codes(text: &str, size: u8) -> Vec<u32> {
    if size < 4 {
        text.encode_utf16().map(u32::from).collect()
    } else {
        text.chars().map(u32::from).collect()
    }
}

/// The `str` of wide character codes `codes` (UTF-16 for 2-byte ones).
pub fn wide_text(codes: &[u32], size: u8) -> String {
    if size < 4 {
        let units: Vec<u16> = codes.iter().map(|&c| c as u16).collect();
        String::from_utf16_lossy(&units)
    } else {
        codes
            .iter()
            .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }
}

fn char_byte(ty: &TypeInfo, obj: &Bound<'_, PyAny>) -> PyResult<u8> {
    if let Ok(b) = obj.downcast::<PyBytes>() {
        if let [byte] = b.as_bytes() {
            return Ok(*byte);
        }
    }
    if let Ok(data) = obj.downcast::<CData>() {
        if let Kind::Prim(Prim::Char) = data.get().ty.kind {
            return Ok(data.get().value()[0]);
        }
    }
    Err(wrong_type(ty, "a bytes of length 1", obj))
}

/// A floating value: a Python `float`, an `int`, or a numeric cdata.
/// A floating cdata's value (`float`, `double`, `long double` rounded).
pub fn scalar_float(data: &CData) -> Option<f64> {
    let bytes = &data.value();
    match data.ty.kind {
        Kind::Prim(Prim::Float) => Some(f64::from(f32::from_le_bytes(bytes[..4].try_into().ok()?))),
        Kind::Prim(Prim::Double) => Some(f64::from_le_bytes(bytes[..8].try_into().ok()?)),
        Kind::Prim(Prim::LongDouble) => Some(long_double_value(bytes)),
        _ => None,
    }
}

pub fn as_float(obj: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<f64> {
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return Ok(f.value());
    }
    if let Ok(data) = obj.downcast::<CData>() {
        let data = data.get();
        return scalar_float(data)
            .or_else(|| scalar_int(data).map(|v| v as f64))
            .ok_or_else(|| wrong_type(ty, "a float", obj));
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(wrong_type(ty, "a float", obj));
    }
    obj.extract::<f64>().map_err(|e| {
        // An int too large for a double is an OverflowError, as in cffi.
        if obj.is_instance_of::<pyo3::types::PyInt>() {
            e
        } else {
            wrong_type(ty, "a float", obj)
        }
    })
}

pub fn long_double_value(bytes: &[u8; 16]) -> f64 {
    let mut ten = [0u8; 10];
    ten.copy_from_slice(&bytes[..10]);
    LongDouble::from_le_bytes(ten).to_f64()
}

/// The address a pointer of type `ty` takes from `obj`: `None` for NULL, or
/// a pointer, array or function cdata of a compatible type.
pub fn pointer_value(ty: &TypeInfo, obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    // As in cffi, `None` is not NULL here (`ffi.NULL` is); a call's argument
    // takes it (see `call::store_arg`).
    let Ok(data) = obj.downcast::<CData>() else {
        return Err(wrong_type(ty, "a cdata pointer", obj));
    };
    let data = data.get();
    let Some(addr) = data.as_address() else {
        return Err(wrong_type(ty, "a cdata pointer", obj));
    };
    if compatible_pointer(ty, &data.ty) {
        Ok(addr)
    } else {
        Err(PyTypeError::new_err(format!(
            "initializer for ctype '{}' must be a pointer to type '{}', not cdata '{}'",
            ty.name,
            pointee_name(ty),
            data.ty.name
        )))
    }
}

fn pointee_name(ty: &TypeInfo) -> String {
    match ty.kind {
        Kind::Pointer { pointee } => ty.set.spell(pointee),
        _ => ty.name.clone(),
    }
}

/// Whether a value of type `from` (a pointer or array) may initialise a
/// pointer of type `to`: either is `void *`, or they point to the same type
/// (an array as a pointer to its first element), qualifiers aside.
pub fn compatible_pointer(to: &TypeInfo, from: &TypeInfo) -> bool {
    let target = |t: &TypeInfo| -> Option<QualType> {
        match t.kind {
            Kind::Pointer { pointee } => Some(pointee),
            Kind::Array { elem, .. } => Some(elem),
            _ => None,
        }
    };
    let is_void =
        |t: &TypeInfo, q: QualType| matches!(t.set.ty(t.set.canonical(q.id)), wyvern::Type::Void);
    match (&to.kind, &from.kind) {
        // cffi's rule: a function pointer takes only one of its own type
        // (parameters, result and variadic alike), qualifiers aside.
        (Kind::FuncPtr { func: a }, Kind::FuncPtr { func: b }) => {
            (to.set.same(&from.set) && a == b)
                || to.set.spell(QualType::new(*a)) == from.set.spell(QualType::new(*b))
        }
        (Kind::FuncPtr { .. }, _) | (_, Kind::FuncPtr { .. }) => {
            target(to).is_some_and(|q| is_void(to, q))
                || target(from).is_some_and(|q| is_void(from, q))
        }
        _ => match (target(to), target(from)) {
            (Some(a), Some(b)) => {
                is_void(to, a)
                    || is_void(from, b)
                    || (to.set.same(&from.set)
                        && to.set.canonical(a.id) == from.set.canonical(b.id))
                    || (!to.set.same(&from.set) && to.set.spell(a) == from.set.spell(b))
                    || char_like(to, a) && char_like(from, b)
            }
            _ => false,
        },
    }
}

/// `char`, `signed char` and `unsigned char` point at the same bytes: cffi
/// lets one initialise the other.
fn char_like(t: &TypeInfo, q: QualType) -> bool {
    matches!(t.set.layout(t.set.canonical(q.id)).map(|l| l.size), Some(1))
        && matches!(t.set.ty(t.set.canonical(q.id)), wyvern::Type::Int(_))
}
