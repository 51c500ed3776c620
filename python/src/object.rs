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
    /// The object's own inline bytes (a small struct a call
    /// returned): the object is the memory, so a part of it keeps the
    /// object itself alive ([`CData::part_owner`]).
    Inline,
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
}

/// Records up to this size that a call returns live inside their `CData`.
pub const INLINE_RECORD: usize = 32;

/// A record's bytes inside its own Python object (which CPython never
/// moves), aligned for any C type up to 16 and in whole eightbytes, as
/// [`Mem`]: one allocation for a returned struct instead of two.
#[repr(C, align(16))]
pub struct InlineBytes(std::cell::UnsafeCell<[u8; INLINE_RECORD]>);

// SAFETY: as `Mem`: every access goes through raw pointers whose users (C,
// and conversions holding the GIL) synchronise as C would.
unsafe impl Send for InlineBytes {}
// SAFETY: as above.
unsafe impl Sync for InlineBytes {}

impl InlineBytes {
    fn zeroed() -> InlineBytes {
        InlineBytes(std::cell::UnsafeCell::new([0; INLINE_RECORD]))
    }
}

/// A C value Python holds: cffi's `CData`.
#[pyclass(frozen, module = "wyvern", name = "CData")]
pub struct CData {
    pub types: Arc<Types>,
    pub ty: Arc<TypeInfo>,
    /// Pointers: the pointer's value; records and arrays: where they are
    /// (but see [`addr`](Self::addr)); scalars: unused (the value is in
    /// `bytes`).
    place: usize,
    /// A scalar's bytes (up to `long double`'s 16: see
    /// [`value`](Self::value)), or a record's own when its owner is
    /// [`Owner::Inline`]. One field for both keeps the object at 128 bytes,
    /// which Rust moves without calling `memcpy`.
    bytes: InlineBytes,
    /// An array's length (its type's, or what `new("int[]", n)` made).
    pub len: Option<usize>,
    pub owner: Owner,
    /// What its repr says of its memory.
    pub shown: Shown,
    /// A function pointer's call plan, made on the first call.
    pub plan: OnceLock<Arc<CallPlan>>,
    /// What CPython calls to call it (see [`crate::vectorcall`]): set for
    /// function pointers, `None` (`tp_call`) for every other cdata.
    pub vectorcall: Option<crate::vectorcall::Entry>,
    /// Its weak references (see [`crate::slots`]).
    pub weaklist: crate::slots::WeakList,
}

/// What a cdata's repr says of its memory, besides its type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Its address (or value).
    Plain,
    /// The bytes `ffi.new` (or a call's result) allocated for it.
    Owning(usize),
    /// A slice of an array (`p[2:5]`), with its length.
    Sliced,
}

impl CData {
    pub fn pointer(types: &Arc<Types>, ty: Arc<TypeInfo>, addr: usize, owner: Owner) -> CData {
        CData {
            types: types.clone(),
            place: addr,
            bytes: InlineBytes::zeroed(),
            len: None,
            owner,
            shown: Shown::Plain,
            plan: OnceLock::new(),
            vectorcall: match ty.kind {
                Kind::FuncPtr { .. } => Some(crate::vectorcall::entry),
                _ => None,
            },
            weaklist: crate::slots::WeakList::new(),
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
        let mut data = CData::pointer(types, ty, 0, Owner::None);
        data.set_value(value);
        data
    }

    /// A scalar's bytes (a copy: they live in the same cell as an inline
    /// record's).
    pub fn value(&self) -> [u8; 16] {
        let mut value = [0; 16];
        // SAFETY: the cell holds at least 16 bytes; a scalar's are written
        // only before it is shared (`set_value`).
        unsafe {
            std::ptr::copy_nonoverlapping(self.bytes.0.get().cast::<u8>(), value.as_mut_ptr(), 16)
        };
        value
    }

    /// Sets a scalar's bytes, before the object is shared.
    pub fn set_value(&mut self, value: [u8; 16]) {
        self.bytes.0.get_mut()[..16].copy_from_slice(&value);
    }

    /// A zeroed record of `ty` (at most [`INLINE_RECORD`] bytes, aligned to
    /// at most 16) whose bytes are inside the object: what a call returns.
    /// It owns them, as cffi's returned structs do.
    pub fn inline_record(types: &Arc<Types>, ty: Arc<TypeInfo>, size: usize) -> CData {
        CData {
            shown: Shown::Owning(size),
            ..CData::object(types, ty, 0, Owner::Inline)
        }
    }

    /// Pointers: the pointer's value; records and arrays: where they are;
    /// scalars: 0 (the value is in `value`).
    #[inline]
    pub fn addr(&self) -> usize {
        match self.owner {
            Owner::Inline => self.bytes.0.get() as usize,
            _ => self.place,
        }
    }

    /// What a part of it (a field, an element, `ffi.addressof`) keeps
    /// alive: what keeps its memory alive, or, for a record whose bytes are
    /// inside it, the object itself.
    pub fn part_owner(slf: &Bound<'_, CData>) -> Owner {
        match &slf.get().owner {
            Owner::None => Owner::None,
            Owner::ReadOnly => Owner::ReadOnly,
            Owner::Within(inner) => Owner::Within(inner.clone()),
            Owner::Inline => Owner::Py(Arc::new(slf.clone().into_any().unbind())),
            other => Owner::Within(Arc::new(other.clone())),
        }
    }

    /// Where its C bytes are: a scalar's own, else its memory.
    pub fn bytes_ptr(&self) -> *const u8 {
        match self.ty.kind {
            Kind::Record { .. } | Kind::Array { .. } => self.addr() as *const u8,
            _ if self.ty.is_pointer_like() => (&self.place as *const usize).cast(),
            _ => self.bytes.0.get().cast::<u8>(),
        }
    }

    /// The address a pointer to it, or it as a pointer, holds.
    pub fn as_address(&self) -> Option<usize> {
        match self.ty.kind {
            Kind::Pointer { .. } | Kind::FuncPtr { .. } | Kind::Array { .. } => Some(self.addr()),
            _ => None,
        }
    }
}
