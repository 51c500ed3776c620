//! Text out of objects: `string` of chars and wide chars, cffi's type name
//! spellings for `getctype`, layouts as JSON.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{self, read_int, scalar_int};
use crate::object::CData;
use crate::types::{Kind, Prim};

/// Where in a cffi type name a declarator goes, as cffi's `&` marks it:
/// `int(*&)(int)`, `int(*&)[5]`, `int *&[3]`, `int&[5]`, `int *&`.
pub(super) fn declarator_place(name: &str) -> usize {
    if let Some(open) = name.find("(*") {
        let rest = &name[open..];
        return open + rest.find([')', '[']).unwrap_or(rest.len());
    }
    name.find(['[', '(']).unwrap_or(name.len())
}

pub(super) fn serde_json_text(layout: &wyvern::RecordLayout) -> PyResult<String> {
    serde_json::to_string(layout).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// `string()` of a wide character pointer or array: the `str` up to the NUL
/// (or `limit` characters, or the array's end).
pub(super) fn wide_string(
    py: Python<'_>,
    data: &CData,
    elem: wyvern::QualType,
    limit: usize,
) -> PyResult<Py<PyAny>> {
    let Kind::Prim(Prim::WChar { size, signed }) = data.types.info(elem).kind else {
        return Err(PyTypeError::new_err("not a wide character type"));
    };
    let bound = text_bound(data, limit)?;
    let mut codes = Vec::new();
    while codes.len() < bound {
        let at = data.addr() + codes.len() * usize::from(size);
        // SAFETY: a wide character pointer points to text up to a NUL (cffi's
        // contract); an array holds `len` characters.
        let code = unsafe { read_int(at as *const u8, size, signed) };
        if code == 0 {
            break;
        }
        codes.push(code as u32);
    }
    Ok(PyString::new(py, &convert::wide_text(&codes, size))
        .into_any()
        .unbind())
}

/// How many characters `string()` may read from `data`: `limit`, and an
/// array's length; a NULL pointer is refused.
fn text_bound(data: &CData, limit: usize) -> PyResult<usize> {
    if data.addr() == 0 {
        return Err(PyRuntimeError::new_err(format!(
            "cannot use string() on {}",
            data.__repr__()
        )));
    }
    Ok(match data.ty.kind {
        Kind::Array { .. } => data.len.unwrap_or(usize::MAX).min(limit),
        _ => limit,
    })
}

pub(super) fn string(py: Python<'_>, data: &CData, maxlen: isize) -> PyResult<Py<PyAny>> {
    let limit = usize::try_from(maxlen).unwrap_or(usize::MAX);
    match data.ty.kind {
        Kind::Pointer { pointee } | Kind::Array { elem: pointee, .. }
            if matches!(
                data.types.info(pointee).kind,
                Kind::Prim(Prim::WChar { .. })
            ) =>
        {
            wide_string(py, data, pointee, limit)
        }
        Kind::Pointer { pointee } | Kind::Array { elem: pointee, .. } => {
            let elem = data.types.info(pointee);
            if elem.size != Some(1) || !matches!(elem.kind, Kind::Prim(_)) {
                return Err(PyTypeError::new_err(format!(
                    "string() of cdata '{}': expected a char pointer or array",
                    data.ty.name
                )));
            }
            let bound = text_bound(data, limit)?;
            let mut n = 0;
            // SAFETY: a char pointer points to text up to a NUL (cffi's
            // contract), an array holds `len` bytes.
            while n < bound && unsafe { *(data.addr() as *const u8).add(n) } != 0 {
                n += 1;
            }
            // SAFETY: the `n` bytes were just read.
            let bytes = unsafe { std::slice::from_raw_parts(data.addr() as *const u8, n) };
            Ok(PyBytes::new(py, bytes).into_any().unbind())
        }
        Kind::Prim(Prim::Char) => Ok(PyBytes::new(py, &data.value()[..1]).into_any().unbind()),
        Kind::Prim(Prim::WChar { .. }) => {
            convert::wide_char_object(py, scalar_int(data).unwrap_or(0))
        }
        Kind::Enum { size, signed, id } => {
            // SAFETY: an enum's value bytes.
            let v = unsafe { read_int(data.value().as_ptr(), size, signed) };
            let e = data.ty.set.enum_(id);
            let name = e
                .constants
                .iter()
                .find(|(_, c)| *c == v)
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| v.to_string());
            Ok(PyString::new(py, &name).into_any().unbind())
        }
        // cffi's rule: of the scalars, only chars and enums have a string.
        _ => Err(PyTypeError::new_err(format!(
            "string(): unexpected cdata '{}' argument (a char or wide char pointer or array, a char, or an enum is expected)",
            data.ty.name
        ))),
    }
}
