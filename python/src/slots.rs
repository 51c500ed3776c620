//! Weak references to `CData` and `Lib` objects, and `Lib`'s cache of looked
//! up names as its instance dict, in the one abi3 wheel that also serves
//! CPython 3.8.
//!
//! PyO3's `weakref` and `dict` class options need the stable ABI of 3.9
//! (where type specs learnt `__weaklistoffset__` and `__dictoffset__`), so
//! the classes hold their own pointer field instead (a [`WeakList`], or
//! `Lib`'s dict) and [`install`] tells the type object where it lies:
//! `tp_weaklistoffset` or `tp_dictoffset`, written once, as PyO3 itself
//! writes them in its version-specific builds for 3.8. Both fields have
//! stayed at the same place in `PyTypeObject` from 3.8 to 3.14. The write
//! is made only after checking that the type object holds what CPython
//! reports through its own attributes (`__basicsize__`, and the offset's
//! `__weakrefoffset__` or `__dictoffset__`, 0 before), and it is checked
//! again after by reading the offset back through the same attribute
//! (CPython's own `offsetof`); on any other layout nothing is written, and
//! weak references to the objects raise `TypeError` as for any type
//! without them (`Lib` then finds its cache in `__getattr__`).
//!
//! A weak-referenceable type's `tp_dealloc` is put behind [`dealloc`],
//! which clears the object's weak references first, as PyO3's does for its
//! own `weakref` classes.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::OnceLock;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// Byte offsets in `PyTypeObject` on 64-bit hosts, 3.8 to 3.14 (after the
/// 24-byte `PyVarObject` head).
const TP_BASICSIZE: usize = 32;
const TP_DEALLOC: usize = 48;
const TP_WEAKLISTOFFSET: usize = 208;
const TP_DICTOFFSET: usize = 288;

/// Whether this interpreter's `PyTypeObject` is one whose layout the
/// modules that write type fields (this one, `vectorcall`, `freelist`)
/// know: CPython 3.8 to 3.14 on a 64-bit host.
pub fn known_layout(py: Python<'_>) -> bool {
    let version = py.version_info();
    usize::BITS == 64 && ((3, 8)..=(3, 14)).contains(&(version.major, version.minor))
}

/// Whether `ty`'s `tp_basicsize` is where this module reads it: the first
/// check [`install`] makes.
fn basicsize_matches(ty: &Bound<'_, PyType>) -> PyResult<bool> {
    let basicsize: isize = ty.getattr("__basicsize__")?.extract()?;
    // SAFETY: a type object is a `PyTypeObject`, larger than 40 bytes.
    let seen = unsafe {
        ty.as_ptr()
            .cast::<u8>()
            .add(TP_BASICSIZE)
            .cast::<isize>()
            .read()
    };
    Ok(seen == basicsize)
}

/// The head of an object's list of weak references, which CPython keeps
/// (through `tp_weaklistoffset`).
#[repr(transparent)]
pub struct WeakList(UnsafeCell<*mut ffi::PyObject>);

// SAFETY: only CPython reads and writes the field, with the GIL held.
unsafe impl Send for WeakList {}
// SAFETY: as above.
unsafe impl Sync for WeakList {}

impl WeakList {
    pub const fn new() -> WeakList {
        WeakList(UnsafeCell::new(std::ptr::null_mut()))
    }
}

/// Which field of the type object [`install`] sets.
#[derive(Clone, Copy, PartialEq)]
pub enum Slot {
    /// `tp_weaklistoffset`, to a [`WeakList`].
    WeakList,
    /// `tp_dictoffset`, to a `Py<PyDict>` the object owns.
    Dict,
}

/// The classes whose deallocation [`dealloc`] wraps, each with what it
/// needs there.
#[derive(Clone, Copy)]
pub enum Class {
    CData = 0,
    Lib = 1,
}

/// Per [`Class`]: the `tp_dealloc` PyO3 made, and the weak list's offset.
struct Wrapped {
    dealloc: OnceLock<ffi::destructor>,
    weaklist: AtomicUsize,
    /// Whether the cycle collector tracks the class's objects.
    gc: AtomicBool,
}

static WRAPPED: [Wrapped; 2] = [
    Wrapped {
        dealloc: OnceLock::new(),
        weaklist: AtomicUsize::new(0),
        gc: AtomicBool::new(false),
    },
    Wrapped {
        dealloc: OnceLock::new(),
        weaklist: AtomicUsize::new(0),
        gc: AtomicBool::new(false),
    },
];

/// Tells the type `ty` (of `class`) that its objects' `slot` lies at
/// `field`, an address inside `sample`, one of its objects. Returns whether
/// it did; `false` leaves the type as it was.
pub fn install(
    ty: &Bound<'_, PyType>,
    class: Class,
    sample: &Bound<'_, PyAny>,
    field: *const u8,
    slot: Slot,
) -> PyResult<bool> {
    let py = ty.py();
    if !known_layout(py) || !basicsize_matches(ty)? {
        return Ok(false);
    }
    let (at, name) = match slot {
        Slot::WeakList => (TP_WEAKLISTOFFSET, "__weakrefoffset__"),
        Slot::Dict => (TP_DICTOFFSET, "__dictoffset__"),
    };
    let basicsize: usize = ty.getattr("__basicsize__")?.extract()?;
    let Some(offset) = (field as usize).checked_sub(sample.as_ptr() as usize) else {
        return Ok(false);
    };
    let fits = offset >= std::mem::size_of::<ffi::PyObject>()
        && offset + std::mem::size_of::<*mut ffi::PyObject>() <= basicsize
        && offset % std::mem::align_of::<*mut ffi::PyObject>() == 0;
    let reported: isize = ty.getattr(name)?.extract()?;
    let base = ty.as_ptr().cast::<u8>();
    // SAFETY: a type object is a `PyTypeObject`, larger than 296 bytes in
    // every CPython this runs on (`known_layout`).
    let seen = unsafe { base.add(at).cast::<isize>().read() };
    if !fits || reported != 0 || seen != 0 {
        return Ok(false);
    }
    let wrapped = &WRAPPED[class as usize];
    if slot == Slot::WeakList {
        // SAFETY: as above; the slot is read through CPython's call first.
        let (pyo3, seen) = unsafe {
            (
                ffi::PyType_GetSlot(ty.as_ptr().cast(), ffi::Py_tp_dealloc),
                base.add(TP_DEALLOC).cast::<*mut std::ffi::c_void>().read(),
            )
        };
        if pyo3.is_null() || pyo3 != seen || wrapped.dealloc.get().is_some() {
            return Ok(false);
        }
        // SAFETY: CPython's `tp_dealloc` slot holds a `destructor`.
        let pyo3: ffi::destructor = unsafe { std::mem::transmute(pyo3) };
        if wrapped.dealloc.set(pyo3).is_err() {
            return Ok(false);
        }
        wrapped.weaklist.store(offset, Relaxed);
        // SAFETY: the type object is live (borrowed).
        let flags = unsafe { ffi::PyType_GetFlags(ty.as_ptr().cast()) };
        wrapped
            .gc
            .store(flags & ffi::Py_TPFLAGS_HAVE_GC != 0, Relaxed);
    }
    // SAFETY: the fields are where the checks found them. Every object of
    // the type holds a null pointer or CPython's own object at `offset`
    // (the type is not subclassable, and `sample` was made by it); CPython
    // reads it when it needs the list or the dict. `dealloc` hands every
    // object to the function that was in `tp_dealloc`.
    unsafe {
        base.add(at).cast::<isize>().write(offset as isize);
        if slot == Slot::WeakList {
            let dealloc = match class {
                Class::CData => dealloc::<0>,
                Class::Lib => dealloc::<1>,
            };
            base.add(TP_DEALLOC)
                .cast::<ffi::destructor>()
                .write(dealloc);
        }
        ffi::PyType_Modified(ty.as_ptr().cast());
    }
    let now: isize = ty.getattr(name)?.extract()?;
    if now != offset as isize {
        // Not the field CPython names: put it back (no object has used it).
        // SAFETY: as above.
        unsafe {
            base.add(at).cast::<isize>().write(0);
            ffi::PyType_Modified(ty.as_ptr().cast());
        }
        return Ok(false);
    }
    Ok(true)
}

/// `tp_dealloc` of a weak-referenceable class (`CLASS`, a [`Class`]): clears
/// the object's weak references, then hands it to PyO3's. An object the
/// cycle collector tracks leaves it first, as CPython's own deallocation
/// does: the references' callbacks run Python code, which may collect.
///
/// # Safety
/// CPython's contract: the GIL held, `obj` an object of the class whose
/// reference count reached zero; [`install`] ran for it.
unsafe extern "C" fn dealloc<const CLASS: usize>(obj: *mut ffi::PyObject) {
    let wrapped = &WRAPPED[CLASS];
    // SAFETY: the weak list lies at the offset `install` checked; an object
    // leaves the collector once (PyO3's dealloc checks before it does too).
    unsafe {
        let list = obj.cast::<u8>().add(wrapped.weaklist.load(Relaxed));
        if !list.cast::<*mut ffi::PyObject>().read().is_null() {
            if wrapped.gc.load(Relaxed) {
                ffi::PyObject_GC_UnTrack(obj.cast());
            }
            ffi::PyObject_ClearWeakRefs(obj);
        }
    }
    if let Some(pyo3) = wrapped.dealloc.get() {
        // SAFETY: forwarded from CPython's contract.
        unsafe { pyo3(obj) }
    }
}
