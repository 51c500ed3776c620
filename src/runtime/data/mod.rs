//! [`CData`]: an owned, zeroed, correctly aligned C object of any complete type.
//!
//! This file is the object itself: its buffer, its type, and the owners of the
//! pointers stored into it. Reading and writing it by field path is in `path`,
//! its C initializer syntax in `print`, its JSON in `json`. It knows nothing of
//! [`Value`](crate::Value), which holds objects.

use std::alloc::{alloc_zeroed, dealloc, Layout as AllocLayout};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::types::{QualType, Type, TypeId, TypeSet};

mod json;
pub(crate) mod path;
mod print;

/// An owned C object: zeroed memory with the size and alignment of its type, read
/// and written by field path (`"a.b[3].c"`), every write checked.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::cdef("struct p { int x; unsigned char tag : 3; double v[2]; };")?;
/// let mut p = wyvern::CData::new_named(&types, "struct p")?;
/// p.set("x", -5)?;
/// p.set("tag", 7)?;
/// p.set("v[1]", 2.5)?;
/// assert_eq!(p.get("x")?, wyvern::Value::Int(-5));
/// assert!(p.set("tag", 8).is_err()); // a 3-bit field holds 0..=7
/// assert_eq!(p.to_string(), "{.x = -5, .tag = 7, .v = {0, 2.5}}");
/// # Ok(()) }
/// ```
pub struct CData(Box<Fields>);

/// Boxed, so a [`Value`](crate::Value) holding an object stays small (it is moved on every call).
struct Fields {
    set: TypeSet,
    ty: QualType,
    buf: Buffer,
    /// What the pointers in this object that wyvern stored point into, by where
    /// each pointer is. Every copy of a pointer takes its owner along: clones,
    /// objects stored into other objects, sub-objects read back, pointees.
    owners: Vec<Owner>,
}

/// A string, buffer or object (given by address) that the pointer at `offset`
/// (in bytes, from the object's start) points into. Shared between copies.
#[derive(Clone)]
struct Owner {
    offset: usize,
    value: Arc<Kept>,
}

/// What an [`Owner`] keeps alive: the value a stored pointer was made from,
/// whose heap storage it points into. Not a [`Value`](crate::Value), so that
/// objects need not know values (values hold objects).
enum Kept {
    /// A [`Value::Str`](crate::Value::Str): its bytes.
    Str { _storage: std::ffi::CString },
    /// A [`Value::Bytes`](crate::Value::Bytes): its buffer.
    Bytes { _storage: Vec<u8> },
    /// A [`Value::Ref`](crate::Value::Ref): the object, whose own owners its
    /// pointees share.
    Object(CData),
}

/// The size of a pointer, the span of bytes an owner's pointer occupies.
const POINTER_SIZE: usize = std::mem::size_of::<usize>();

impl Owner {
    /// Whether the pointer lies wholly inside bytes `start..start + len`.
    fn within(&self, start: usize, len: usize) -> bool {
        self.offset >= start
            && self.offset.saturating_add(POINTER_SIZE) <= start.saturating_add(len)
    }
}

/// Heap memory, zeroed, aligned for the type and at least 16 bytes in whole
/// eightbytes, since libffi reads and writes registers' worth.
struct Buffer {
    ptr: NonNull<u8>,
    layout: AllocLayout,
    /// The C size of the object (the buffer may be larger).
    size: usize,
}

impl Buffer {
    fn zeroed(size: usize, align: usize) -> Result<Buffer> {
        let capacity = size.max(16).next_multiple_of(8);
        let layout = AllocLayout::from_size_align(capacity, align.max(8)).map_err(|_| {
            ErrorKind::TooLarge {
                what: format!("an object of {size} bytes"),
            }
        })?;
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or(ErrorKind::OutOfMemory { bytes: size })?;
        Ok(Buffer { ptr, layout, size })
    }

    #[inline]
    fn all(&self) -> &[u8] {
        // SAFETY: `ptr` owns `layout.size()` initialised (zeroed, then written) bytes.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.layout.size()) }
    }

    fn all_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `all`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.layout.size()) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with this same layout.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

// SAFETY: the buffer is uniquely owned heap memory (no interior mutability);
// `TypeSet` is Send + Sync; `owners` holds only owned values.
unsafe impl Send for CData {}
// SAFETY: shared access only reads.
unsafe impl Sync for CData {}

impl Clone for CData {
    /// A copy of the bytes. Pointers inside still point where they did, and the
    /// copy keeps what they point into alive too.
    fn clone(&self) -> CData {
        let mut buf = match Buffer::zeroed(self.0.buf.size, self.0.buf.layout.align()) {
            Ok(b) => b,
            Err(_) => std::alloc::handle_alloc_error(self.0.buf.layout),
        };
        buf.all_mut().copy_from_slice(self.0.buf.all());
        CData(Box::new(Fields {
            set: self.0.set.clone(),
            ty: self.0.ty,
            buf,
            owners: self.0.owners.clone(),
        }))
    }
}

impl PartialEq for CData {
    /// Same type (in the same set) and the same bytes.
    fn eq(&self, other: &CData) -> bool {
        self.same_set(&other.0.set)
            && self.0.ty.id == other.0.ty.id
            && self.bytes() == other.bytes()
    }
}

impl fmt::Debug for CData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CData({} = {self})", self.type_name())
    }
}
impl CData {
    /// A zeroed object of type `ty`.
    ///
    /// # Errors
    /// [`ErrorKind::Incomplete`] for an incomplete type, `void` or a function type.
    pub fn new(set: &TypeSet, ty: QualType) -> Result<CData> {
        let size = size_of(set, ty.id)?;
        let align = set.layout(ty.id).map_or(1, |l| l.align) as usize;
        Ok(CData(Box::new(Fields {
            set: set.clone(),
            ty,
            buf: Buffer::zeroed(size, align.max(1))?,
            owners: Vec::new(),
        })))
    }

    /// A zeroed object of the type named `name` (`"struct stat"`, `"int [4]"`).
    ///
    /// # Errors
    /// As [`TypeSet::type_named`] and [`new`](Self::new).
    pub fn new_named(set: &TypeSet, name: &str) -> Result<CData> {
        CData::new(set, set.type_named(name)?)
    }

    /// A copy of the object of type `ty` at `address`. Pointers in it are
    /// copied as addresses: what they point to is the caller's to keep valid.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    ///
    /// # Safety
    /// `address` must point to a readable object of type `ty`.
    pub unsafe fn read_from(set: &TypeSet, ty: QualType, address: *const u8) -> Result<CData> {
        let data = CData::new(set, ty)?;
        let size = data.0.buf.size;
        // SAFETY: the caller guarantees `size` readable bytes at `address`; the
        // buffer is at least `size` bytes and a separate allocation.
        unsafe { std::ptr::copy_nonoverlapping(address, data.0.buf.ptr.as_ptr(), size) };
        Ok(data)
    }

    /// The set its type belongs to.
    pub fn types(&self) -> &TypeSet {
        &self.0.set
    }

    /// Its type.
    pub fn ty(&self) -> QualType {
        self.0.ty
    }

    pub(crate) fn type_id(&self) -> TypeId {
        self.0.ty.id
    }

    /// Its type, spelled as C.
    pub fn type_name(&self) -> String {
        self.0.set.spell(self.0.ty)
    }

    pub(crate) fn same_set(&self, set: &TypeSet) -> bool {
        self.0.set.same(set)
    }

    /// The object's bytes (`sizeof` of its type).
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        &self.0.buf.all()[..self.0.buf.size]
    }

    /// The object's bytes, to write. Writing over a pointer wyvern stored does
    /// not free what it pointed into: the object keeps that until it is dropped.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        let size = self.0.buf.size;
        &mut self.0.buf.all_mut()[..size]
    }

    /// The buffer libffi reads and writes: whole eightbytes, at least 16 bytes.
    pub(crate) fn ffi_buffer(&mut self) -> *mut u8 {
        self.0.buf.ptr.as_ptr()
    }

    /// The object's address, to pass to C.
    pub fn as_ptr(&self) -> *const u8 {
        self.0.buf.ptr.as_ptr()
    }

    /// The object's address, for C to write through.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.0.buf.ptr.as_ptr()
    }

    /// The owners of the pointers inside bytes `start..start + len`, with their
    /// offsets from `start`.
    fn owners_within(&self, start: usize, len: usize) -> Vec<Owner> {
        self.0
            .owners
            .iter()
            .filter(|o| o.within(start, len))
            .map(|o| Owner {
                offset: o.offset - start,
                value: o.value.clone(),
            })
            .collect()
    }

    /// The owners of the pointers inside the `len` bytes at `address`, when that
    /// lies in an object one of this object's pointers was given
    /// ([`Value::Ref`]); its own owners, that is.
    fn owners_at(&self, address: usize, len: usize) -> Vec<Owner> {
        for owner in &self.0.owners {
            if let Kept::Object(target) = &*owner.value {
                let base = target.as_ptr() as usize;
                if (base..base.saturating_add(target.0.buf.size)).contains(&address) {
                    return target.owners_within(address - base, len);
                }
            }
        }
        Vec::new()
    }

    /// Whether pointers in this object point into memory it keeps alive
    /// (strings, buffers or objects stored into it): a copy of its bytes that
    /// does not travel with it, into C memory, would dangle once it is dropped.
    pub(crate) fn owns_pointees(&self) -> bool {
        !self.0.owners.is_empty()
    }
}

/// The size in bytes of a value of `ty`, or an error naming why it has none.
pub(crate) fn size_of(set: &TypeSet, ty: TypeId) -> Result<usize> {
    match (set.layout(ty), set.ty(set.canonical(ty))) {
        (_, Type::Void | Type::Function(_)) => Err(ErrorKind::WrongKind {
            name: set.spell(QualType::new(ty)),
            expected: "an object type (one with values)",
            found: None,
        }
        .into()),
        (Some(l), _) => usize::try_from(l.size).map_err(|_| too_large(set, ty)),
        (None, _) => Err(ErrorKind::Incomplete {
            name: set.spell(QualType::new(ty)),
        }
        .into()),
    }
}

pub(crate) fn too_large(set: &TypeSet, ty: TypeId) -> Error {
    ErrorKind::TooLarge {
        what: format!("'{}'", set.spell(QualType::new(ty))),
    }
    .into()
}

#[cfg(all(test, feature = "clang"))]
mod tests {
    use super::*;
    use crate::Value;

    /// Each pointer has at most one owner: storing again releases the last one,
    /// so an object reused in a loop does not grow.
    #[test]
    fn overwriting_a_pointer_releases_its_owner() {
        let types = crate::cdef(
            "struct s { const char *name; int n; };
             struct t { struct s one; struct s many[2]; };
             union u { struct s s; long raw[2]; char bytes[16]; };",
        )
        .unwrap();
        let mut t = CData::new_named(&types, "struct t").unwrap();
        let mut s = CData::new_named(&types, "struct s").unwrap();
        s.set("name", "inner").unwrap();
        for _ in 0..100 {
            t.set("one.name", "a string").unwrap();
            t.set("many[1]", s.clone()).unwrap();
            t.set("many[0].name", Value::Bytes(vec![1, 2, 0])).unwrap();
        }
        assert_eq!(t.0.owners.len(), 3);
        // The string's owner in `s` is shared, not copied.
        assert_eq!(Arc::strong_count(&s.0.owners[0].value), 2);
        // Integers beside the pointer keep it; NULL over it releases it.
        t.set("one.n", 5).unwrap();
        assert_eq!(t.0.owners.len(), 3);
        t.set("one.name", Value::Null).unwrap();
        t.set("many", CData::new_named(&types, "struct s [2]").unwrap())
            .unwrap();
        assert!(t.0.owners.is_empty());
        assert_eq!(Arc::strong_count(&s.0.owners[0].value), 1);

        // In a union, a write over the pointer's bytes releases it; one beside
        // it does not.
        let mut u = CData::new_named(&types, "union u").unwrap();
        u.set("s.name", "text").unwrap();
        u.set("raw[1]", 7).unwrap();
        assert_eq!(u.0.owners.len(), 1);
        u.set("bytes", "copied in").unwrap();
        assert!(u.0.owners.is_empty());
        // A sub-object read back takes only the owners of its own pointers.
        t.set("many[1].name", "second").unwrap();
        t.set("one.name", "first").unwrap();
        let Value::Data(second) = t.get("many[1]").unwrap() else {
            panic!("a struct reads back as an object")
        };
        assert_eq!(second.0.owners.len(), 1);
        assert_eq!(second.0.owners[0].offset, 0);
    }
}
