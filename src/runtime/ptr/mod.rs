//! [`CPtr`]: a typed pointer to C memory, read and written in place — the
//! `cdata` pointer of cffi and LuaJIT.
//!
//! A pointer knows the bytes it may reach: the buffer of the [`CData`] it was
//! borrowed from (safe), or what its maker vouched for when it was made from an
//! address (`unsafe`: [`CPtr::new`], [`CPtr::follow`], [`CPtr::with_len`],
//! [`CPtr::cast_unchecked`]). Every access, offset and cast is checked against
//! those bytes, so only the `unsafe` steps carry a promise. Reading and writing
//! are the object's own ([`CData::get`]/[`CData::set`] rules, the same
//! `"a.b[3].c"` paths, bitfields included), in the memory itself: no copy.
//!
//! This file is the pointer and its checks; `text` its strings and bytes,
//! `accessor` the paths resolved once ([`Accessor`], [`TypedAccessor`]).

use std::fmt;
use std::marker::PhantomData;

mod accessor;
mod text;

pub use accessor::{Accessor, Bound, TypedAccessor};
pub(crate) use text::{chars, read_string};

use super::data::path::resolve;
use super::data::{size_of, CData};
use super::mem::{load, value_error, Place};
use super::store::store;
use super::value::Value;
use crate::error::{Error, ErrorKind, Result, ValueProblem};
use crate::types::{QualType, Type, TypeSet};

/// A typed pointer to C memory wyvern may not own: reads and writes its
/// fields, elements and bitfields in place, indexes (`"[3].x"` is `p[3].x`),
/// offsets, takes the address of any member, casts, follows pointers, and
/// passes as a pointer argument (`Value::from(&p)`).
///
/// Made safely from an owned object ([`CData::ptr`], [`CData::ptr_mut`]: it
/// borrows it), or from an address with `unsafe` ([`CPtr::new`]), as C gives
/// them: walking a linked list C built is a loop of three lines.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::cdef("struct node { int value; struct node *next; unsigned flag : 1; };")?;
/// // Two nodes, the first pointing at the second, as C would have built them.
/// let mut nodes = wyvern::CData::new_named(&types, "struct node [2]")?;
/// let mut list = nodes.ptr_mut();
/// let second = list.addressof("[1]")?;
/// list.set("[0].value", 1)?;
/// list.set("[0].next", &second)?;
/// list.set("[1].value", 2)?;
/// list.set("[1].flag", 1)?;
///
/// let mut sum = 0;
/// // SAFETY: the address is the first node's, and `next` links are valid or NULL.
/// let mut node = unsafe { wyvern::CPtr::new_named(&types, "struct node *", nodes.as_ptr() as usize)? };
/// while !node.is_null() {
///     sum += node.get("value")?.as_int().unwrap_or(0);
///     node = unsafe { node.follow("next")? };
/// }
/// assert_eq!(sum, 3);
/// assert_eq!(nodes.get("[1].flag")?, wyvern::Value::Int(1));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CPtr<'a> {
    /// Borrowed, so copying a pointer (every offset and cast) costs no
    /// reference count.
    set: &'a TypeSet,
    /// The type it points to.
    pointee: QualType,
    /// Its size (`None`: `void`, a function, an incomplete type), kept for
    /// pointer arithmetic.
    stride: Option<usize>,
    /// The address; 0 is NULL.
    address: usize,
    /// The bytes it may reach, as addresses.
    reach: std::ops::Range<usize>,
    /// Whether it may write (a pointer from `&CData` reads only).
    writable: bool,
    /// Borrowed memory: an object's, or C's for as long as its maker said.
    /// Not `Send`: the memory's owner decides which threads touch it.
    _memory: PhantomData<(&'a mut [u8], *mut u8)>,
}

impl fmt::Debug for CPtr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CPtr({self})")
    }
}

impl fmt::Display for CPtr<'_> {
    /// `(struct node *) 0x5581…`, or `(struct node *) NULL`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.address {
            0 => write!(f, "({}) NULL", self.type_name()),
            a => write!(f, "({}) {a:#x}", self.type_name()),
        }
    }
}

impl PartialEq for CPtr<'_> {
    /// The same address (C's `==` on pointers).
    fn eq(&self, other: &CPtr<'_>) -> bool {
        self.address == other.address
    }
}

impl From<&CPtr<'_>> for Value {
    /// The pointer as an argument or a value to store: its address, or `NULL`.
    fn from(p: &CPtr<'_>) -> Value {
        match p.address {
            0 => Value::Null,
            a => Value::Pointer(a),
        }
    }
}

impl From<CPtr<'_>> for Value {
    fn from(p: CPtr<'_>) -> Value {
        Value::from(&p)
    }
}

impl CData {
    /// A pointer to this object that reads it in place (C's `&object`, const;
    /// for an array, a pointer to its first element, as C's arrays decay).
    pub fn ptr(&self) -> CPtr<'_> {
        self.view(false)
    }

    /// A pointer to this object that reads and writes it in place.
    pub fn ptr_mut(&mut self) -> CPtr<'_> {
        self.view(true)
    }

    fn view(&self, writable: bool) -> CPtr<'_> {
        let start = self.as_ptr() as usize;
        let set = self.types();
        // An array decays to a pointer to its first element, as in C.
        let pointee = match set.ty(set.canonical(self.ty().id)) {
            Type::Array { elem, .. } => *elem,
            _ => self.ty(),
        };
        CPtr {
            set,
            pointee,
            stride: size_of(set, pointee.id).ok(),
            address: start,
            reach: start..start + self.bytes().len(),
            writable,
            _memory: PhantomData,
        }
    }
}

impl<'a> CPtr<'a> {
    /// A pointer of type `ty` (a pointer type: `struct addrinfo *`) to
    /// `address`, which may be 0 (NULL). It may reach one object of its
    /// pointee type (none for `void` or an incomplete type); [`with_len`](Self::with_len)
    /// for more.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] when `ty` is not a pointer type.
    ///
    /// # Safety
    /// Unless `address` is 0, the object there must be readable (and
    /// writable, for writes) for `'a`, and nothing else may access it while
    /// this pointer (or one derived from it) writes.
    pub unsafe fn new(set: &'a TypeSet, ty: QualType, address: usize) -> Result<CPtr<'a>> {
        let Type::Pointer(pointee) = set.ty(set.canonical(ty.id)) else {
            return Err(value_error(
                &|| "CPtr::new".into(),
                ValueProblem::NotAPointer {
                    ty: set.spell(ty),
                    object: false,
                },
            ));
        };
        let stride = size_of(set, pointee.id).ok();
        let len = if address == 0 { 0 } else { stride.unwrap_or(0) };
        Ok(CPtr {
            set,
            pointee: *pointee,
            stride,
            address,
            reach: address..address.saturating_add(len),
            writable: true,
            _memory: PhantomData,
        })
    }

    /// [`new`](Self::new) with the pointer type by its C name
    /// (`"struct addrinfo *"`).
    ///
    /// # Errors
    /// As [`TypeSet::type_named`] and [`new`](Self::new).
    ///
    /// # Safety
    /// As [`new`](Self::new).
    pub unsafe fn new_named(set: &'a TypeSet, ty: &str, address: usize) -> Result<CPtr<'a>> {
        // SAFETY: the caller's promise.
        unsafe { CPtr::new(set, set.type_named(ty)?, address) }
    }

    /// The address it holds (0 for NULL).
    #[inline]
    pub fn address(&self) -> usize {
        self.address
    }

    /// Whether it is NULL.
    #[inline]
    pub fn is_null(&self) -> bool {
        self.address == 0
    }

    /// The set its type belongs to.
    pub fn types(&self) -> &'a TypeSet {
        self.set
    }

    /// The type it points to.
    pub fn pointee(&self) -> QualType {
        self.pointee
    }

    /// Its own type, spelled as C (`struct node *`).
    pub fn type_name(&self) -> String {
        pointer_name(self.set, self.pointee)
    }

    /// Reads the value at `path` in place: `""` for the whole pointee (`*p`),
    /// a member (`"ai_family"`, `"a.b[3].c"`), an element through the pointer
    /// (`"[2]"` is `p[2]`, `"[2].x"` is `p[2].x`). A struct, union or array
    /// comes back as a copy ([`Value::Data`]).
    ///
    /// # Errors
    /// As [`CData::get`]; [`ValueProblem::Null`] for a NULL pointer,
    /// [`ValueProblem::OutsideMemory`] past the memory it may reach.
    pub fn get(&self, path: &str) -> Result<Value> {
        let place = self.locate(path)?;
        load(self.set, place, self.memory())
    }

    /// Writes `value` at `path` in place, checked as [`CData::set`] checks:
    /// `300` into an `unsigned char` or `8` into a 3-bit field is an error.
    /// A pointer member takes an address ([`Value::Pointer`], a `CPtr`,
    /// `NULL`): a string, buffer or object that wyvern would have to keep
    /// alive is refused, since C memory cannot keep it (store it into the
    /// [`CData`] itself, which does).
    ///
    /// # Errors
    /// As [`get`](Self::get); [`ValueProblem::ReadOnly`] through
    /// [`CData::ptr`]; [`ValueProblem::Unkept`] for a value C memory cannot
    /// keep alive.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) -> Result<()> {
        let place = self.locate(path)?;
        self.store(path, place, value.into())
    }

    /// Writes `value` at `place` (in the reach), checked.
    fn store(&mut self, path: &str, place: Place, mut value: Value) -> Result<()> {
        if !self.writable {
            return Err(self.error(path, ValueProblem::ReadOnly));
        }
        if let Some(what) = unkept(self.set, place, &value) {
            return Err(self.error(path, ValueProblem::Unkept { value: what }));
        }
        let len = self.reach.end - self.reach.start;
        // SAFETY: the reach is memory this pointer's maker vouched for as
        // writable for `'a` (or borrowed mutably from a `CData`); the slice
        // lives only for this store, and the place was checked to be inside.
        let memory = unsafe { std::slice::from_raw_parts_mut(self.reach.start as *mut u8, len) };
        let (set, pointee) = (self.set, self.pointee);
        store(set, place, memory, &mut value, &|| {
            describe(set, pointee, path)
        })
    }

    /// The pointer to the member or element at `path` (C's `&p->a.b[3]`,
    /// cffi's `addressof`), reaching what this one reaches.
    ///
    /// # Errors
    /// As [`get`](Self::get), and for a bitfield, which has no address.
    pub fn addressof(&self, path: &str) -> Result<CPtr<'a>> {
        let place = self.locate(path)?;
        if place.bit_width.is_some() {
            let reason = "a bitfield has no address";
            return Err(self.error(path, ValueProblem::BadPath { reason }));
        }
        let mut p = self.clone();
        p.address = self.reach.start + place.byte();
        p.retype(QualType::new(place.ty));
        Ok(p)
    }

    /// `p + n`: the pointer `n` elements on (or back), within the memory it
    /// may reach (one past its end included, as in C, where nothing can be
    /// read).
    ///
    /// # Errors
    /// [`ValueProblem::OutsideMemory`] beyond that, and for a pointee with no
    /// size (`void`, an incomplete type).
    #[inline]
    pub fn offset(&self, n: isize) -> Result<CPtr<'a>> {
        self.null_check("")?;
        let stride = self.size()?;
        let to = (stride as isize)
            .checked_mul(n)
            .and_then(|delta| self.address.checked_add_signed(delta))
            .filter(|to| self.reach.contains(to) || *to == self.reach.end);
        match to {
            Some(address) => Ok(CPtr {
                address,
                ..self.clone()
            }),
            None => {
                let delta = n as i128 * stride as i128;
                Err(self.outside("", delta, delta))
            }
        }
    }

    /// The same address as a pointer of type `ty` (C's cast, by the pointer
    /// type's name: `"struct sockaddr_in *"`), checked: the new pointee must
    /// lie in the memory this pointer may reach.
    ///
    /// # Errors
    /// As [`TypeSet::type_named`]; [`ValueProblem::NotAPointer`] when `ty` is
    /// not a pointer type; [`ValueProblem::OutsideMemory`] when its pointee is
    /// larger than what is left ([`cast_unchecked`](Self::cast_unchecked) says
    /// it is there).
    pub fn cast(&self, ty: &str) -> Result<CPtr<'a>> {
        let p = self.retyped(ty)?;
        let size = p.stride.unwrap_or(0);
        if !self.is_null() && self.address.saturating_add(size) > self.reach.end {
            return Err(p.outside("", 0, size as i128));
        }
        Ok(p)
    }

    /// [`cast`](Self::cast), reaching one whole pointee of the new type from
    /// this address (more than before, when it is larger).
    ///
    /// # Errors
    /// As [`cast`](Self::cast), but for the size.
    ///
    /// # Safety
    /// A whole object of the new pointee type must be at the address, as
    /// [`new`](Self::new) requires.
    pub unsafe fn cast_unchecked(&self, ty: &str) -> Result<CPtr<'a>> {
        let mut p = self.retyped(ty)?;
        let size = p.stride.unwrap_or(0);
        p.reach.end = p.reach.end.max(p.address.saturating_add(size));
        Ok(p)
    }

    /// This pointer, reaching `len` elements of its pointee from its address
    /// (a C array it points into: `argv`, a buffer of known length).
    ///
    /// # Errors
    /// For a pointee with no size.
    ///
    /// # Safety
    /// The `len` elements must be there, as [`new`](Self::new) requires.
    pub unsafe fn with_len(&self, len: usize) -> Result<CPtr<'a>> {
        let size = self.size()?;
        let bytes = size.checked_mul(len).ok_or_else(|| {
            Error::from(ErrorKind::TooLarge {
                what: format!("{len} elements of '{}'", self.set.spell(self.pointee)),
            })
        })?;
        let mut p = self.clone();
        p.reach.end = p.reach.end.max(self.address.saturating_add(bytes));
        Ok(p)
    }

    /// The pointer stored at `path`, as a `CPtr` of its type (NULL when it
    /// is): `node.follow("next")`, `ai.follow("ai_addr")`. It may reach one
    /// object of its pointee type.
    ///
    /// # Errors
    /// As [`get`](Self::get); [`ValueProblem::NotAPointer`] when `path` is not
    /// a pointer.
    ///
    /// # Safety
    /// As [`new`](Self::new), for the address stored there.
    pub unsafe fn follow(&self, path: &str) -> Result<CPtr<'a>> {
        let place = self.locate(path)?;
        let ty = QualType::new(place.ty);
        let address = match load(self.set, place, self.memory())? {
            Value::Pointer(a) => a,
            Value::Null => 0,
            _ => return Err(self.not_pointer(path, ty)),
        };
        // SAFETY: the caller's promise.
        unsafe { CPtr::new(self.set, ty, address) }
    }

    /// Where `path` is, with its offset from the start of the reach, checked
    /// to lie inside the reach.
    fn locate(&self, path: &str) -> Result<Place> {
        self.null_check(path)?;
        self.inside(path, self.relative(path)?)
    }

    /// Where `path` is from the pointer: its type, bit offset (negative
    /// before the pointer) and bit width.
    fn relative(&self, path: &str) -> Result<Relative> {
        let (index, rest) = leading_index(path).map_err(|p| self.error(path, p))?;
        let place = resolve(self.set, self.pointee.id, rest)?;
        let element = match index {
            0 => 0,
            i => i * self.size()? as i128,
        };
        Ok(Relative {
            ty: place.ty,
            bits: element * 8 + i128::from(place.offset_bits),
            bit_width: place.bit_width,
            len: place_len(self.set, place)?,
        })
    }

    /// `at` as a place in the reach, if it lies inside it.
    #[inline]
    fn inside(&self, path: &str, at: Relative) -> Result<Place> {
        let offset_bits = self.offset_in_reach() * 8 + at.bits;
        let start = offset_bits.div_euclid(8);
        let reach = (self.reach.end - self.reach.start) as i128;
        if start < 0 || start + at.len as i128 > reach {
            let from = at.bits.div_euclid(8);
            return Err(self.outside(path, from, from + at.len as i128));
        }
        Ok(Place {
            ty: at.ty,
            offset_bits: offset_bits as u64,
            bit_width: at.bit_width,
        })
    }

    /// `path` resolved once, to read and write through any pointer of this
    /// one's type without resolving it again (and without allocating).
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("struct p { int x; unsigned char y; };")?;
    /// let mut points = wyvern::CData::new_named(&types, "struct p [100]")?;
    /// let mut p = points.ptr_mut();
    /// let y = p.accessor("y")?;
    /// for i in 0..100 {
    ///     let mut each = p.offset(i)?;
    ///     y.set(&mut each, i as i128)?;
    /// }
    /// assert_eq!(y.get(&p.offset(42)?)?, wyvern::Value::Int(42));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the path.
    pub fn accessor(&self, path: &str) -> Result<Accessor> {
        Ok(Accessor {
            set: self.set.clone(),
            pointee: self.pointee.id,
            path: path.to_owned(),
            at: self.relative(path)?,
        })
    }

    /// All the memory this pointer may reach.
    fn memory(&self) -> &[u8] {
        // SAFETY: the reach is memory this pointer's maker vouched for as
        // readable for `'a` (or borrowed from a `CData`); its start is not
        // NULL when it is not empty, and u8 needs no alignment.
        unsafe {
            std::slice::from_raw_parts(
                self.reach.start.max(1) as *const u8,
                self.reach.end - self.reach.start,
            )
        }
    }

    #[inline]
    fn offset_in_reach(&self) -> i128 {
        self.address as i128 - self.reach.start as i128
    }

    #[inline]
    fn null_check(&self, path: &str) -> Result<()> {
        if self.is_null() {
            Err(self.error(path, ValueProblem::Null))
        } else {
            Ok(())
        }
    }

    fn outside(&self, path: &str, start: i128, end: i128) -> Error {
        let before = self.offset_in_reach().max(0) as u64;
        let after = (self.reach.end as i128 - self.address as i128).max(0) as u64;
        let problem = ValueProblem::OutsideMemory {
            start,
            end,
            before,
            after,
        };
        self.error(path, problem)
    }

    /// The pointee's size, or why it has none (`void`, an incomplete type).
    fn size(&self) -> Result<usize> {
        match self.stride {
            Some(size) => Ok(size),
            None => size_of(self.set, self.pointee.id),
        }
    }

    /// Points this at a `pointee` instead.
    fn retype(&mut self, pointee: QualType) {
        self.pointee = pointee;
        self.stride = size_of(self.set, pointee.id).ok();
    }

    fn retyped(&self, ty: &str) -> Result<CPtr<'a>> {
        let qt = self.set.type_named(ty)?;
        let Type::Pointer(pointee) = self.set.ty(self.set.canonical(qt.id)) else {
            return Err(self.not_pointer("", qt));
        };
        let mut p = self.clone();
        p.retype(*pointee);
        Ok(p)
    }

    fn not_pointer(&self, path: &str, ty: QualType) -> Error {
        let ty = self.set.spell(ty);
        self.error(path, ValueProblem::NotAPointer { ty, object: false })
    }

    fn error(&self, path: &str, problem: ValueProblem) -> Error {
        value_error(&|| describe(self.set, self.pointee, path), problem)
    }
}

/// Where a path is from a pointer (see [`CPtr::accessor`]).
#[derive(Debug, Clone, Copy)]
struct Relative {
    ty: crate::types::TypeId,
    /// Bits from the pointer's address.
    bits: i128,
    bit_width: Option<u32>,
    /// The bytes it spans.
    len: usize,
}

/// `p->path` for messages: `'next' through 'struct node *'`.
fn describe(set: &TypeSet, pointee: QualType, path: &str) -> String {
    let ty = pointer_name(set, pointee);
    if path.is_empty() {
        format!("the '{ty}' pointer")
    } else {
        format!("'{path}' through '{ty}'")
    }
}

/// The C name of the pointer type to `pointee` (`struct node *`, `int (*)[4]`).
fn pointer_name(set: &TypeSet, pointee: QualType) -> String {
    match set.pointer_to(pointee) {
        Ok(id) => set.spell(QualType::new(id)),
        Err(_) => format!("{} *", set.spell(pointee)),
    }
}

/// A path's leading `[i]` (an index through the pointer, which may be
/// negative), and the rest.
fn leading_index(path: &str) -> std::result::Result<(i128, &str), ValueProblem> {
    let Some(after) = path.trim_start().strip_prefix('[') else {
        return Ok((0, path));
    };
    let reason = "'[' without ']'";
    let end = after.find(']').ok_or(ValueProblem::BadPath { reason })?;
    let text = after[..end].trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d.trim_start()),
        None => (false, text),
    };
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => digits.parse::<i64>().ok(),
    }
    .ok_or_else(|| ValueProblem::NotAnIndex {
        text: text.to_owned(),
    })?;
    let value = i128::from(value);
    Ok((if negative { -value } else { value }, &after[end + 1..]))
}

/// The bytes a place spans: its type's size, or a bitfield's bytes.
fn place_len(set: &TypeSet, place: Place) -> Result<usize> {
    match place.bit_width {
        Some(width) => Ok(((place.offset_bits % 8) as u32 + width).div_ceil(8) as usize),
        None => size_of(set, place.ty),
    }
}

/// What C memory at `place` could not keep alive if `value` went there: a
/// string, buffer or object for a pointer, an object whose pointers point into
/// memory it keeps.
fn unkept(set: &TypeSet, place: Place, value: &Value) -> Option<String> {
    let pointer = matches!(set.ty(set.canonical(place.ty)), Type::Pointer(_));
    match value {
        Value::Str(_) if pointer => Some("a string".into()),
        Value::Bytes(_) if pointer => Some("a byte buffer".into()),
        Value::Ref(_) if pointer => Some("an object given by Value::Ref".into()),
        Value::Data(d) if d.owns_pointees() => Some(format!(
            "a '{}' object with pointers into memory it keeps",
            d.type_name()
        )),
        _ => None,
    }
}
