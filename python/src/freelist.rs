//! A free list of one for the records calls return: `lib.scale3(p, k)` in a
//! loop makes a `CData` whose bytes are inside it ([`Owner::Inline`]) and
//! drops it before the next call. When such an object dies, [`dealloc`]
//! keeps it, dead (reference count 0, weak references cleared, as CPython's
//! own free lists keep floats and tuples) but with its Rust value intact,
//! and the next call returning the same type from the same `FFI` takes it
//! back ([`take`]): no allocation, no free, and none of the four atomic
//! reference count changes of its `types` and `ty`, which were most of such
//! a call's cost after the GIL's release. Python sees nothing of it: a live
//! object is never reused, only one whose last reference went.
//!
//! PyO3 has no hook for this, so [`install`] puts [`dealloc`] in the `CData`
//! type's `tp_dealloc`, once, in front of PyO3's own (which it calls for
//! every other object), after checking that the type object holds there what
//! CPython reports through `PyType_GetSlot`; on any other layout it changes
//! nothing. Everything here runs with the GIL held (CPython calls
//! `tp_dealloc` with it; [`take`] asks for the token), which is what makes
//! the plain loads and stores of the one slot exclusive: the `abi3` module
//! does not load in a free-threaded interpreter. The object kept at exit is
//! not freed.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::object::{CData, Owner};
use crate::types::{TypeInfo, Types};

/// Byte offset of `tp_dealloc` in `PyTypeObject` on 64-bit hosts (after the
/// 24-byte `PyVarObject` head: `tp_name`, `tp_basicsize`, `tp_itemsize`).
const TP_DEALLOC: usize = 48;

/// PyO3's `tp_dealloc` for `CData`, which [`dealloc`] calls for the objects
/// it does not keep.
static PYO3_DEALLOC: OnceLock<ffi::destructor> = OnceLock::new();
/// Where a `CData` object's Rust value is, from the object's start.
static CONTENTS: AtomicUsize = AtomicUsize::new(0);
/// `tp_weaklistoffset`: where an object's list of weak references is.
static WEAKLIST: AtomicUsize = AtomicUsize::new(0);
/// The dead result record kept for reuse, or null.
static FREE: AtomicPtr<ffi::PyObject> = AtomicPtr::new(std::ptr::null_mut());

/// Puts [`dealloc`] in front of PyO3's in the type `ty` (the `CData` class);
/// `sample` is any object of it, used to find where its value lies. Returns
/// whether it was installed; `false` leaves the type as PyO3 made it.
pub fn install(ty: &Bound<'_, PyType>, sample: &Bound<'_, CData>) -> PyResult<bool> {
    if std::env::var_os("WYVERN_PY_NO_FREELIST").is_some() || !crate::slots::known_layout(ty.py()) {
        return Ok(false);
    }
    let Some(weaklist) = ty
        .getattr("__weakrefoffset__")
        .and_then(|v| v.extract::<isize>())
        .ok()
    else {
        return Ok(false);
    };
    let object = sample.as_ptr() as usize;
    let value = sample.get() as *const CData as usize;
    let (Some(contents), Ok(weaklist)) = (value.checked_sub(object), usize::try_from(weaklist))
    else {
        return Ok(false);
    };
    let base = ty.as_ptr().cast::<u8>();
    // SAFETY: a type object is a `PyTypeObject`, larger than 56 bytes in
    // every CPython; the slot is read through CPython's own call first.
    let (slot, seen) = unsafe {
        (
            ffi::PyType_GetSlot(ty.as_ptr().cast(), ffi::Py_tp_dealloc),
            base.add(TP_DEALLOC).cast::<*mut std::ffi::c_void>().read(),
        )
    };
    if slot.is_null() || slot != seen || weaklist == 0 || PYO3_DEALLOC.get().is_some() {
        return Ok(false);
    }
    // SAFETY: CPython's `tp_dealloc` slot holds a `destructor`.
    let pyo3_dealloc: ffi::destructor = unsafe { std::mem::transmute(slot) };
    if PYO3_DEALLOC.set(pyo3_dealloc).is_err() {
        return Ok(false);
    }
    CONTENTS.store(contents, Relaxed);
    WEAKLIST.store(weaklist, Relaxed);
    // SAFETY: the field is where the check found it; CPython reads it when
    // an object of the type dies, and `dealloc` hands every object it does
    // not keep to the function that was there.
    unsafe {
        base.add(TP_DEALLOC)
            .cast::<ffi::destructor>()
            .write(dealloc);
        ffi::PyType_Modified(ty.as_ptr().cast());
    }
    Ok(true)
}

/// The `CData` value of `obj`.
///
/// # Safety
/// `obj` must be a `CData` object whose value has not been dropped, and
/// [`install`] must have run.
unsafe fn value<'a>(obj: *mut ffi::PyObject) -> &'a CData {
    // SAFETY: the caller's promise; `CONTENTS` is where the value lies.
    unsafe { &*(obj.cast::<u8>().add(CONTENTS.load(Relaxed)).cast::<CData>()) }
}

/// `tp_dealloc` of `CData`: keeps a dying result record (when the slot is
/// empty), hands everything else to PyO3.
///
/// # Safety
/// CPython's contract: the GIL held, `obj` a `CData` whose reference count
/// reached zero.
unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: installed before this can run; `obj` is a `CData` (the type is
    // not subclassable) whose value is alive until PyO3's dealloc drops it.
    let data = unsafe { value(obj) };
    if matches!(data.owner, Owner::Inline) && FREE.load(Relaxed).is_null() {
        // SAFETY: the weak reference list lies at `tp_weaklistoffset`;
        // clearing it is what PyO3's dealloc would do first.
        unsafe {
            let list = obj.cast::<u8>().add(WEAKLIST.load(Relaxed));
            if !list.cast::<*mut ffi::PyObject>().read().is_null() {
                ffi::PyObject_ClearWeakRefs(obj);
            }
        }
        // A weak reference's callback may have filled the slot meanwhile.
        if FREE.load(Relaxed).is_null() {
            FREE.store(obj, Relaxed);
            return;
        }
    }
    if let Some(pyo3_dealloc) = PYO3_DEALLOC.get() {
        // SAFETY: forwarded from CPython's contract.
        unsafe { pyo3_dealloc(obj) }
    }
}

/// The kept record, alive again, when it is of type `ty` from `types`; its
/// bytes are as its last user left them. A kept record of another type is
/// freed (the slot is then free for this call's result).
pub fn take(py: Python<'_>, types: &Arc<Types>, ty: &Arc<TypeInfo>) -> Option<Py<CData>> {
    let obj = FREE.load(Relaxed);
    if obj.is_null() {
        return None;
    }
    FREE.store(std::ptr::null_mut(), Relaxed);
    // SAFETY: a kept object's value is intact (its dealloc returned early).
    let data = unsafe { value(obj) };
    if !(Arc::ptr_eq(&data.ty, ty) && Arc::ptr_eq(&data.types, types)) {
        if let Some(pyo3_dealloc) = PYO3_DEALLOC.get() {
            // SAFETY: a dead `CData` (count zero) that nothing refers to,
            // with the GIL held (the token).
            unsafe { pyo3_dealloc(obj) }
        }
        return None;
    }
    // SAFETY: the GIL is held; a count of zero becomes the caller's one
    // reference, as CPython's own free lists revive objects.
    unsafe {
        ffi::Py_INCREF(obj);
        Some(Py::from_owned_ptr(py, obj))
    }
}
