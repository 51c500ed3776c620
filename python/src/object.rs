//! The C objects Python holds: [`CData`] (cffi's `CData`: a pointer, an
//! object in memory, or a scalar value), the memory it may own ([`Mem`]), and
//! what keeps that memory alive ([`Owner`]).

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;
use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;

use crate::call::CallPlan;
use crate::types::{Kind, TypeInfo, Types};

/// Zeroed memory, aligned for any C type (16 bytes, or more when asked) and
/// padded to whole eightbytes (at least 16 bytes), since calls read
/// registers' worth. Up to 64 bytes live inside the `Mem` itself, which is
/// always in an `Arc` (it never moves), so a small object costs one
/// allocation.
pub struct Mem {
    storage: Storage,
    /// The bytes asked for.
    pub size: usize,
}

enum Storage {
    Inline(std::cell::UnsafeCell<[u128; 4]>),
    Heap { ptr: NonNull<u8>, layout: Layout },
}

/// Objects up to this size are stored inline.
const INLINE_BYTES: usize = 64;

// SAFETY: uniquely owned memory; every access goes through raw pointers
// whose users (C, and conversions holding the GIL) synchronise as C would.
unsafe impl Send for Mem {}
// SAFETY: as above.
unsafe impl Sync for Mem {}

impl Mem {
    pub fn zeroed(size: usize, align: usize) -> PyResult<Arc<Mem>> {
        if size <= INLINE_BYTES && align <= 16 {
            return Ok(Arc::new(Mem {
                storage: Storage::Inline(std::cell::UnsafeCell::new([0; 4])),
                size,
            }));
        }
        let capacity = size
            .max(16)
            .checked_next_multiple_of(16)
            .ok_or_else(too_large)?;
        let layout = Layout::from_size_align(capacity, align.max(16)).map_err(|_| too_large())?;
        // SAFETY: the layout's size is at least 16.
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw)
            .ok_or_else(|| pyo3::exceptions::PyMemoryError::new_err(format!("{size} bytes")))?;
        Ok(Arc::new(Mem {
            storage: Storage::Heap { ptr, layout },
            size,
        }))
    }

    /// Where the bytes are: stable, since a `Mem` lives in an `Arc`.
    pub fn addr(&self) -> usize {
        match &self.storage {
            Storage::Inline(cell) => cell.get() as usize,
            Storage::Heap { ptr, .. } => ptr.as_ptr() as usize,
        }
    }
}

fn too_large() -> PyErr {
    pyo3::exceptions::PyMemoryError::new_err("the object is too large")
}

impl Drop for Mem {
    fn drop(&mut self) {
        if let Storage::Heap { ptr, layout } = &self.storage {
            // SAFETY: allocated in `zeroed` with this layout.
            unsafe { dealloc(ptr.as_ptr(), *layout) }
        }
    }
}

/// What keeps the memory a [`CData`] points into alive.
#[derive(Clone)]
pub enum Owner {
    /// Nothing: C's memory, or a scalar value.
    None,
    /// Memory `ffi.new` allocated.
    Mem(Arc<Mem>),
    /// A Python object whose memory it is (`from_buffer`), or that a handle
    /// stands for (`new_handle`).
    Py(Arc<Py<PyAny>>),
    /// A callback's code.
    Callback(Arc<crate::callback::Held>),
    /// `ffi.gc`: a destructor to run when the last user goes.
    Gc(Arc<crate::ffi::GcHold>),
    /// An object inside another: what keeps that one alive.
    Within(Arc<Owner>),
    /// C's memory that is const (a `const struct P origin;` global): it
    /// may be in a read-only segment, where a write would crash the
    /// process, so fields and elements are not written through it.
    ReadOnly,
}

impl Owner {
    /// The memory `ffi.new` allocated that this keeps alive, if any.
    pub fn mem(&self) -> Option<&Arc<Mem>> {
        match self {
            Owner::Mem(mem) => Some(mem),
            Owner::Within(inner) => inner.mem(),
            _ => None,
        }
    }

    /// Whether the memory is const: writes through it are refused.
    pub fn is_read_only(&self) -> bool {
        match self {
            Owner::ReadOnly => true,
            Owner::Within(inner) => inner.is_read_only(),
            _ => false,
        }
    }

    /// What a part of an object held by `self` keeps alive.
    pub fn share(&self) -> Owner {
        match self {
            Owner::None => Owner::None,
            Owner::ReadOnly => Owner::ReadOnly,
            Owner::Within(inner) => Owner::Within(inner.clone()),
            other => Owner::Within(Arc::new(other.clone())),
        }
    }
}

/// A C value Python holds: cffi's `CData`.
#[pyclass(frozen, weakref, module = "wyvern", name = "CData")]
pub struct CData {
    pub types: Arc<Types>,
    pub ty: Arc<TypeInfo>,
    /// Pointers: the pointer's value; records and arrays: where they are;
    /// scalars: unused (the value is in `value`).
    pub addr: usize,
    /// A scalar's bytes (up to `long double`'s 16).
    pub value: [u8; 16],
    /// An array's length (its type's, or what `new("int[]", n)` made).
    pub len: Option<usize>,
    pub owner: Owner,
    /// Bytes `ffi.new` allocated for it, for its repr.
    pub owning: Option<usize>,
    /// A slice of an array (`p[2:5]`), for its repr.
    pub sliced: bool,
    /// A function pointer's call plan, made on the first call.
    pub plan: OnceLock<Arc<CallPlan>>,
    /// What CPython calls to call it (see [`crate::vectorcall`]): set for
    /// function pointers, `None` (`tp_call`) for every other cdata.
    pub vectorcall: Option<crate::vectorcall::Entry>,
}

impl CData {
    pub fn pointer(types: &Arc<Types>, ty: Arc<TypeInfo>, addr: usize, owner: Owner) -> CData {
        CData {
            types: types.clone(),
            addr,
            value: [0; 16],
            len: None,
            owner,
            owning: None,
            sliced: false,
            plan: OnceLock::new(),
            vectorcall: match ty.kind {
                Kind::FuncPtr { .. } => Some(crate::vectorcall::entry),
                _ => None,
            },
            ty,
        }
    }

    /// A record or array at `addr`.
    pub fn object(types: &Arc<Types>, ty: Arc<TypeInfo>, addr: usize, owner: Owner) -> CData {
        let len = match ty.kind {
            Kind::Array { len, .. } => len.map(|n| n as usize),
            _ => None,
        };
        CData {
            len,
            ..CData::pointer(types, ty, addr, owner)
        }
    }

    /// A scalar value of `ty`, its bytes `value`.
    pub fn scalar(types: &Arc<Types>, ty: Arc<TypeInfo>, value: [u8; 16]) -> CData {
        CData {
            value,
            ..CData::pointer(types, ty, 0, Owner::None)
        }
    }

    /// Where its C bytes are: a scalar's own, else its memory.
    pub fn bytes_ptr(&self) -> *const u8 {
        match self.ty.kind {
            Kind::Record { .. } | Kind::Array { .. } => self.addr as *const u8,
            _ if self.ty.is_pointer_like() => (&self.addr as *const usize).cast(),
            _ => self.value.as_ptr(),
        }
    }

    /// The address a pointer to it, or it as a pointer, holds.
    pub fn as_address(&self) -> Option<usize> {
        match self.ty.kind {
            Kind::Pointer { .. } | Kind::FuncPtr { .. } | Kind::Array { .. } => Some(self.addr),
            _ => None,
        }
    }
}
