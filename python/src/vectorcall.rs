//! CPython's vectorcall protocol for function pointer cdata: `lib.add(20, 22)`
//! reaches [`entry`] with the arguments where the interpreter already has them,
//! instead of through `tp_call`, which packs them into a new tuple first (and
//! PyO3's `__call__`, which unpacks it again): about 700 of the 2,500
//! instructions such a call took.
//!
//! PyO3 declares no vectorcall slot for a class, and the limited API only
//! names the flag from 3.12, so [`install`] sets CPython's two type fields
//! itself, once, on the `CData` type: the offset of [`CData::vectorcall`]
//! inside its objects and the `Py_TPFLAGS_HAVE_VECTORCALL` bit. Both fields
//! have stayed at the same place in `PyTypeObject` from 3.8 (which added
//! vectorcall) to 3.14, and `install` first checks that the type object
//! holds there what CPython reports through its public interface
//! (`__basicsize__`, `PyType_GetFlags`); on any other layout it changes
//! nothing and calls take the `tp_call` path, which stays complete (a call
//! with keyword arguments or through `__call__` takes it too). Objects whose
//! field is `None` (every cdata that is not a function pointer) are called
//! through `tp_call` as before: CPython checks the slot for NULL.

use std::ffi::c_ulong;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::Borrowed;

use crate::call::Args;
use crate::object::CData;

/// CPython's vectorcall function type (`vectorcallfunc`).
pub type Entry = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    usize,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// `Py_TPFLAGS_HAVE_VECTORCALL`: the same bit from 3.8 on.
const HAVE_VECTORCALL: c_ulong = 1 << 11;
/// Byte offsets in `PyTypeObject` (after the 24-byte `PyVarObject` head:
/// `tp_name`, `tp_basicsize`, `tp_itemsize`, `tp_dealloc`,
/// `tp_vectorcall_offset`, ... `tp_as_buffer`, `tp_flags`) on 64-bit hosts.
const TP_BASICSIZE: usize = 32;
const TP_VECTORCALL_OFFSET: usize = 56;
const TP_FLAGS: usize = 168;
/// `PY_VECTORCALL_ARGUMENTS_OFFSET`: a flag in the argument count.
const ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);

/// Gives function pointer cdata the vectorcall protocol: `sample` is any
/// object of type `ty` (the `CData` class), used to find where the field
/// lies. Returns whether it was installed; `false` leaves the type as PyO3
/// made it.
pub fn install(ty: &Bound<'_, PyType>, sample: &Bound<'_, CData>) -> PyResult<bool> {
    if std::env::var_os("WYVERN_PY_NO_VECTORCALL").is_some() || !crate::slots::known_layout(ty.py())
    {
        return Ok(false);
    }
    let object = sample.as_ptr() as usize;
    let field = std::ptr::addr_of!(sample.get().vectorcall) as usize;
    let offset = field
        .checked_sub(object)
        .ok_or_else(|| PyValueError::new_err("the cdata field lies before its object"))?;
    let basicsize: usize = ty.getattr("__basicsize__")?.extract()?;
    let base = ty.as_ptr().cast::<u8>();
    // SAFETY: a type object is a `PyTypeObject`, larger than 176 bytes in
    // every CPython with vectorcall; the reads are checked against what
    // CPython reports before anything is written.
    let (seen_size, seen_offset, seen_flags) = unsafe {
        (
            base.add(TP_BASICSIZE).cast::<isize>().read(),
            base.add(TP_VECTORCALL_OFFSET).cast::<isize>().read(),
            base.add(TP_FLAGS).cast::<c_ulong>().read(),
        )
    };
    // SAFETY: the type object is live (borrowed).
    let flags = unsafe { ffi::PyType_GetFlags(ty.as_ptr().cast()) };
    let fits = offset + std::mem::size_of::<Option<Entry>>() <= basicsize;
    if usize::try_from(seen_size).ok() != Some(basicsize)
        || seen_offset != 0
        || seen_flags != flags
        || !fits
    {
        return Ok(false);
    }
    // SAFETY: the fields are where the checks found them; CPython reads them
    // on each call (the flag, then the pointer at the offset), and every
    // object of the type holds an `Option<Entry>` there, `None` (NULL: no
    // vectorcall) unless it is a function pointer. `PyType_Modified` drops
    // what CPython cached about the type.
    unsafe {
        base.add(TP_VECTORCALL_OFFSET)
            .cast::<isize>()
            .write(offset as isize);
        base.add(TP_FLAGS)
            .cast::<c_ulong>()
            .write(seen_flags | HAVE_VECTORCALL);
        ffi::PyType_Modified(ty.as_ptr().cast());
    }
    Ok(true)
}

/// The vectorcall entry of a function pointer cdata: the call inside
/// PyO3's own trampoline for `METH_FASTCALL` functions (hidden in
/// `pyo3::impl_`, but what PyO3's generated code calls), which marks the
/// thread attached for PyO3 (so references dropped in the call are released
/// at once rather than queued), turns panics into Python exceptions and
/// sets the error of a failed call.
///
/// # Safety
/// CPython's vectorcall contract: the GIL held, `callable` a live `CData`,
/// `args` its `nargsf` arguments then one per name in `kwnames` (or NULL).
pub unsafe extern "C" fn entry(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let n = (nargsf & !ARGUMENTS_OFFSET) as ffi::Py_ssize_t;
    // SAFETY: forwarded from CPython's contract.
    unsafe { pyo3::impl_::trampoline::fastcall_with_keywords(callable, args, n, kwnames, call) }
}

/// # Safety
/// As [`entry`], with `n` the positional argument count.
unsafe fn call(
    py: Python<'_>,
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    n: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: CPython lends the callable for the call.
    let callable = unsafe { Borrowed::from_ptr(py, callable) };
    let data = callable.downcast::<CData>()?.get();
    // SAFETY: `kwnames` is NULL or a tuple of the keyword names.
    if !kwnames.is_null() && unsafe { ffi::PyTuple_Size(kwnames) } != 0 {
        return Err(PyTypeError::new_err(format!(
            "cdata '{}' takes no keyword arguments",
            data.ty.name
        )));
    }
    let n = usize::try_from(n).unwrap_or(0);
    let args: &[*mut ffi::PyObject] = if n == 0 || args.is_null() {
        &[]
    } else {
        // SAFETY: CPython passes `n` borrowed references at `args`.
        unsafe { std::slice::from_raw_parts(args, n) }
    };
    let result = data.plan()?.call(py, &data.types, Args::Vector(args))?;
    Ok(result.into_ptr())
}
