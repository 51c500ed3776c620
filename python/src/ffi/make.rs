//! Making objects: `new`'s allocation and initialisation, `cast`, the walk of
//! `offsetof` and `addressof` through fields and indexes, and opening libraries.

use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use wyvern::Library;

use crate::convert::{self, scalar_int, sequence};
use crate::error::{to_py, CDefError};
use crate::object::{CData, Mem, Owner, Shown};
use crate::types::{Kind, Prim, TypeInfo, Types};

/// cffi's error for the size of an opaque or incomplete type.
pub(super) fn unknown_size(ty: &TypeInfo) -> PyErr {
    PyValueError::new_err(format!("ctype '{}' is of unknown size", ty.name))
}

/// `struct X` or `union X`, where `name` starts so, when `error` says it is
/// not declared.
pub(super) fn opaque_tag<'a>(name: &'a str, error: &wyvern::Error) -> Option<&'a str> {
    if !matches!(error.kind(), wyvern::ErrorKind::NotFound { .. }) {
        return None;
    }
    let mut tokens = wyvern::types::tokenize(name);
    let (_, keyword) = tokens.next()?;
    let (kind, tag) = tokens.next()?;
    let is_record = matches!(&name[keyword.clone()], "struct" | "union");
    (is_record && kind == wyvern::types::TokenKind::Identifier)
        .then(|| &name[keyword.start..tag.end])
}

/// Opens `name` as `dlopen` would, else as the linker resolves `-lNAME`
/// (`"m"`, `"z"`, `"libz.so"`), as cffi's `find_library` fallback does.
///
/// `flags` are `dlopen`'s (`RTLD_GLOBAL`, `RTLD_NODELETE`, ...), as cffi's
/// `dlopen(name, flags)` takes them; 0 is the default (`RTLD_NOW`). A binding
/// mode is added when `flags` has none, as cffi does.
pub fn open_library(name: &str, flags: i32) -> PyResult<Library> {
    // SAFETY: loading a library runs its initialisers: what the caller of
    // `dlopen` asks for, as in cffi.
    let open = |path: &str| unsafe {
        if flags == 0 {
            Library::open(path)
        } else {
            Library::open_with_flags(path, flags)
        }
    };
    match open(name) {
        Ok(lib) => Ok(lib),
        Err(first) => {
            let short = name.trim_start_matches("lib");
            let short = short.split(".so").next().unwrap_or(short);
            if !name.contains('/') {
                if let Some(lib) = Library::find_linker_name(short)
                    .ok()
                    .and_then(|path| open(path.to_str()?).ok())
                {
                    return Ok(lib);
                }
            }
            Err(PyErr::new::<pyo3::exceptions::PyOSError, _>(
                first.to_string(),
            ))
        }
    }
}

/// cffi's refusal of a function type (or an array of them) where an object's
/// type goes: `new` and `cast` want a pointer to the function; and of a
/// pointer to a function C cannot have.
pub(super) fn no_function_type(types: &Arc<Types>, ty: &TypeInfo) -> PyResult<()> {
    let function = match ty.kind {
        Kind::Function => true,
        Kind::Array { elem, .. } => matches!(types.info(elem).kind, Kind::Function),
        _ => false,
    };
    if function {
        return Err(CDefError::new_err(format!(
            "the type '{}' is a function type, not a pointer-to-function type",
            ty.name
        )));
    }
    // C has no function returning an array or a function (C11 6.7.6.3p1).
    if let Kind::FuncPtr { func } = ty.kind {
        if let Some(sig) = ty.set.fn_sig(func) {
            if let Kind::Array { .. } | Kind::Function = types.info(sig.ret).kind {
                return Err(PyTypeError::new_err(format!(
                    "'{}': a function cannot return an array or a function",
                    ty.name
                )));
            }
        }
    }
    Ok(())
}

pub(super) fn new_object(
    py: Python<'_>,
    types: &Arc<Types>,
    ty: Arc<TypeInfo>,
    init: Option<&Bound<'_, PyAny>>,
) -> PyResult<CData> {
    let _ = py;
    match ty.kind {
        Kind::Pointer { pointee } => {
            let target = types.info(pointee);
            let size = match target.kind {
                Kind::Void => {
                    return Err(PyTypeError::new_err(format!(
                        "cannot instantiate ctype '{}' of unknown size",
                        target.name
                    )))
                }
                _ => target.size.ok_or_else(|| convert::incomplete(&target))?,
            };
            let size = size.max(flexible_end(types, &target, init)?);
            let mem = Mem::zeroed(size, target.align)?;
            if let Some(init) = init {
                // SAFETY: the memory holds a value of the pointee type.
                unsafe { convert::write(types, &target, mem.addr() as *mut u8, init, 0)? };
            }
            let mut data = CData::pointer(types, ty, mem.addr(), Owner::Mem(mem));
            data.shown = Shown::Owning(size);
            Ok(data)
        }
        Kind::Array { elem, len } => {
            let elem_info = types.info(elem);
            let elem_size = elem_info
                .size
                .ok_or_else(|| convert::incomplete(&elem_info))?;
            let n = match (len, init) {
                (Some(n), _) => n as usize,
                (None, Some(init)) => array_length(&elem_info, init)?,
                (None, None) => {
                    return Err(PyTypeError::new_err(format!(
                        "'{}': an array of unknown length needs a length or an initializer",
                        ty.name
                    )))
                }
            };
            let size = n
                .checked_mul(elem_size)
                .ok_or_else(|| PyValueError::new_err("array too large"))?;
            let mem = Mem::zeroed(size, elem_info.align)?;
            let array_ty = types.array_of(elem, Some(n as u64)).map_err(to_py)?;
            if let Some(init) = init.filter(|i| i.extract::<usize>().is_err() || len.is_some()) {
                // SAFETY: the memory holds `n` elements.
                unsafe { convert::write(types, &array_ty, mem.addr() as *mut u8, init, 0)? };
            }
            let mut data = CData::object(
                types,
                if len.is_some() { ty } else { ty.clone() },
                mem.addr(),
                Owner::Mem(mem),
            );
            data.len = Some(n);
            data.shown = Shown::Owning(size);
            Ok(data)
        }
        _ => Err(PyTypeError::new_err(format!(
            "expected a pointer or array ctype, got '{}'",
            ty.name
        ))),
    }
}

/// Where a struct's flexible array member ends with the elements `init`
/// gives it (`new("struct s *", [n, [1, 2, 3]])`): what cffi allocates for a
/// var-sized struct; 0 when there is none or `init` leaves it empty.
pub(super) fn flexible_end(
    types: &Arc<Types>,
    record: &TypeInfo,
    init: Option<&Bound<'_, PyAny>>,
) -> PyResult<usize> {
    let Some(init) = init else { return Ok(0) };
    let top: Vec<_> = record.fields().iter().filter(|f| f.top_level).collect();
    let Some(last) = top.last() else { return Ok(0) };
    let Kind::Array { elem, len: None } = types.info(last.ty).kind else {
        return Ok(0);
    };
    let value = match init.downcast::<PyDict>() {
        Ok(dict) => dict.get_item(&last.name)?,
        Err(_) => sequence(init).and_then(|items| items.get(top.len() - 1).cloned()),
    };
    let Some(value) = value else { return Ok(0) };
    let elem = types.info(elem);
    let n = array_length(&elem, &value)?;
    n.checked_mul(elem.size.unwrap_or(0))
        .and_then(|bytes| bytes.checked_add((last.offset_bits / 8) as usize))
        .ok_or_else(|| PyValueError::new_err("array too large"))
}

/// The length `new("T[]", init)` makes: an int is the length; a sequence's
/// length; `bytes` for a `char[]` with its NUL.
pub(super) fn array_length(elem: &TypeInfo, init: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Ok(n) = init.extract::<isize>() {
        return usize::try_from(n)
            .map_err(|_| PyValueError::new_err(format!("negative array length {n}")));
    }
    if let Ok(b) = init.downcast::<PyBytes>() {
        if elem.size == Some(1) {
            return Ok(b.as_bytes().len() + 1);
        }
    }
    if let (Ok(text), Kind::Prim(Prim::WChar { size, .. })) =
        (init.downcast::<PyString>(), &elem.kind)
    {
        return Ok(convert::wide_codes(&text.to_cow()?, *size).len() + 1);
    }
    if let Some(items) = sequence(init) {
        return Ok(items.len());
    }
    Err(PyTypeError::new_err(format!(
        "expected a length or a list, got {}",
        convert::type_name(init)
    )))
}

/// Follows `fields` (names, or indexes into arrays) from `start`: the type
/// reached and its offset in bytes.
pub(super) fn walk(
    types: &Arc<Types>,
    start: Arc<TypeInfo>,
    fields: &Bound<'_, PyTuple>,
) -> PyResult<(Arc<TypeInfo>, usize)> {
    let mut ty = start;
    let mut offset = 0usize;
    for f in fields.iter() {
        if let Ok(name) = f.extract::<String>() {
            let field = ty
                .field(&name)
                .cloned()
                .ok_or_else(|| key_error(format!("'{}' has no field '{name}'", ty.name)))?;
            if field.bit_width.is_some() {
                return Err(PyTypeError::new_err(format!(
                    "field '{name}' is a bitfield"
                )));
            }
            offset += (field.offset_bits / 8) as usize;
            ty = types.info(field.ty);
        } else {
            let i: usize = f.extract()?;
            let (elem, size) = match ty.kind {
                Kind::Array { elem, .. } | Kind::Pointer { pointee: elem } => {
                    let e = types.info(elem);
                    let s = e.size.unwrap_or(0);
                    (e, s)
                }
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "'{}' is not an array",
                        ty.name
                    )))
                }
            };
            offset += i * size;
            ty = elem;
        }
    }
    Ok((ty, offset))
}

fn key_error(message: String) -> PyErr {
    pyo3::exceptions::PyKeyError::new_err(message)
}

/// `(ty) value`.
pub(super) fn cast(
    types: &Arc<Types>,
    ty: Arc<TypeInfo>,
    value: &Bound<'_, PyAny>,
) -> PyResult<CData> {
    match ty.kind {
        Kind::Pointer { .. } | Kind::FuncPtr { .. } => {
            let addr = if value.is_none() {
                0
            } else if let Ok(data) = value.downcast::<CData>() {
                let data = data.get();
                match data.as_address() {
                    Some(a) => a,
                    None => scalar_int(data).map(|v| v as usize).ok_or_else(|| {
                        PyTypeError::new_err(format!(
                            "cannot cast cdata '{}' to '{}'",
                            data.ty.name, ty.name
                        ))
                    })?,
                }
            } else {
                let v: i128 = value
                    .extract()
                    .map_err(|_| convert::wrong_type(&ty, "an int or a cdata", value))?;
                v as usize
            };
            Ok(CData::pointer(types, ty, addr, Owner::None))
        }
        Kind::Prim(p) => {
            let mut bytes = [0u8; 16];
            match p {
                Prim::Float | Prim::Double | Prim::LongDouble => {
                    let f = cast_float(value, &ty)?;
                    match p {
                        Prim::Float => bytes[..4].copy_from_slice(&(f as f32).to_le_bytes()),
                        Prim::Double => bytes[..8].copy_from_slice(&f.to_le_bytes()),
                        _ => bytes = convert::long_double_bytes(f),
                    }
                }
                // Any non-zero value, a float's included, is true.
                Prim::Bool => bytes[0] = u8::from(cast_truth(value, &ty)?),
                Prim::Char | Prim::Int { .. } | Prim::WChar { .. } => {
                    let v = cast_int(value, &ty)?;
                    bytes = v.to_le_bytes();
                    let size = ty.size.unwrap_or(16);
                    bytes[size.min(16)..].fill(0);
                }
            }
            Ok(CData::scalar(types, ty, bytes))
        }
        Kind::Enum { size, .. } => {
            let v = cast_int(value, &ty)?;
            let mut bytes = v.to_le_bytes();
            bytes[usize::from(size).min(16)..].fill(0);
            Ok(CData::scalar(types, ty, bytes))
        }
        // An array at a pointer's (or another array's) address, as cffi casts.
        Kind::Array { .. } => {
            let addr = value
                .downcast::<CData>()
                .ok()
                .and_then(|d| d.get().as_address())
                .ok_or_else(|| convert::wrong_type(&ty, "a cdata pointer or array", value))?;
            Ok(CData::object(types, ty, addr, Owner::None))
        }
        Kind::Function => Err(CDefError::new_err(format!(
            "cannot cast to the function type '{}': cast to a pointer to it",
            ty.name
        ))),
        _ => Err(PyTypeError::new_err(format!(
            "cannot cast to ctype '{}'",
            ty.name
        ))),
    }
}

/// A float cast to an integer type: truncated, as C does; NaN and the
/// infinities have no integer (cffi's `ValueError` and `OverflowError`).
pub(super) fn float_to_int(f: f64) -> PyResult<i128> {
    if f.is_nan() {
        return Err(PyValueError::new_err("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(pyo3::exceptions::PyOverflowError::new_err(
            "cannot convert float infinity to integer",
        ));
    }
    Ok(f as i128)
}

/// `(_Bool) value`: whether it is non-zero (`0.1` is true).
pub(super) fn cast_truth(value: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<bool> {
    if let Ok(f) = value.downcast::<pyo3::types::PyFloat>() {
        return Ok(f.value() != 0.0);
    }
    Ok(cast_int(value, ty)? != 0)
}

pub(super) fn cast_int(value: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<i128> {
    // A character: its code (`(int) L'x'`).
    if let Ok(s) = value.downcast::<PyString>() {
        let text = s.to_cow()?;
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(i128::from(u32::from(c)));
        }
    }
    if let Ok(b) = value.downcast::<PyBytes>() {
        if let [byte] = b.as_bytes() {
            return Ok(i128::from(*byte));
        }
    }
    if let Ok(data) = value.downcast::<CData>() {
        let data = data.get();
        if let Some(v) = scalar_int(data) {
            return Ok(v);
        }
        if let Some(a) = data.as_address() {
            return Ok(a as i128);
        }
        if let Ok(f) = value
            .call_method0("__float__")
            .and_then(|f| f.extract::<f64>())
        {
            return float_to_int(f);
        }
    }
    if let Ok(f) = value.downcast::<pyo3::types::PyFloat>() {
        return float_to_int(f.value());
    }
    if let Ok(v) = value.extract::<i128>() {
        return Ok(v);
    }
    // Beyond 128 bits: wrap as C does.
    if let Ok(masked) = value
        .call_method1("__and__", (u128::MAX,))
        .and_then(|m| m.extract::<u128>())
    {
        return Ok(masked as i128);
    }
    Err(convert::wrong_type(ty, "an int or a cdata", value))
}

pub(super) fn cast_float(value: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<f64> {
    if let Ok(b) = value.downcast::<PyBytes>() {
        if let [byte] = b.as_bytes() {
            return Ok(f64::from(*byte));
        }
    }
    convert::as_float(value, ty)
}
