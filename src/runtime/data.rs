//! [`CData`]: an owned, zeroed, correctly aligned C object of any complete type.

use std::alloc::{alloc_zeroed, dealloc, Layout as AllocLayout};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use super::mem::{load, record_kind, size_of, store, value_error, Place};
use super::value::{write_c_string, Fmt, Value};
use crate::error::{closest, Error, ErrorKind, Result};
use crate::types::{IntKind, LongDouble, QualType, RecordKind, Type, TypeId, TypeSet};

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

/// Boxed, so a [`Value`] holding an object stays small (it is moved on every call).
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
        let layout = AllocLayout::from_size_align(capacity, align.max(8))
            .map_err(|_| ErrorKind::Unsupported(format!("an object of {size} bytes")))?;
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or_else(|| {
            ErrorKind::Unsupported(format!("out of memory for an object of {size} bytes"))
        })?;
        Ok(Buffer { ptr, layout, size })
    }

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

    /// Reads the value at `path` (`""` for the whole object): a field by name
    /// (`"st_size"`, fields of anonymous members included), an array element
    /// (`"[3]"`), or a chain of both (`"a.b[3].c"`).
    ///
    /// A struct, union or array comes back as a copy that shares what its
    /// pointers point into (see [`set`](Self::set)), so it stays valid after
    /// this object is dropped.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for a field that does not exist, with the closest
    /// name; [`ErrorKind::Value`] for an index out of bounds.
    pub fn get(&self, path: &str) -> Result<Value> {
        let place = self.place(path)?;
        let mut value = load(&self.0.set, place, self.0.buf.all())?;
        if let Value::Data(part) = &mut value {
            part.0.owners = self.owners_within(place.byte(), part.0.buf.size);
        }
        Ok(value)
    }

    /// The type of the member at `path` (`""`: the object's own).
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn type_at(&self, path: &str) -> Result<QualType> {
        Ok(QualType::new(self.place(path)?.ty))
    }

    /// Writes `value` at `path`, checked: `300` into an `unsigned char` field or
    /// `8` into a 3-bit field is an error, not a truncation.
    ///
    /// A string, buffer or [`Value::Ref`] object stored into a pointer field is
    /// kept alive by this object, and by every copy of the pointer wyvern makes:
    /// clones, objects this one is stored into by value, sub-objects read back
    /// with [`get`](Self::get), [`pointee`](Self::pointee) copies. An object
    /// stored by value ([`Value::Data`]) brings what its own pointers point into.
    /// Overwriting a pointer releases what it pointed into.
    ///
    /// # Errors
    /// As [`get`](Self::get), and [`ErrorKind::Value`] for a value that does not fit.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) -> Result<()> {
        let place = self.place(path)?;
        let mut value = value.into();
        let fields = &mut *self.0;
        let (set, ty) = (&fields.set, fields.ty);
        let at = || describe_path(set, ty, path);
        store(set, place, fields.buf.all_mut(), &mut value, &at)?;
        // A bitfield holds an integer: what it overlaps in a union stays owned.
        if place.bit_width.is_some() {
            return Ok(());
        }
        let start = place.byte();
        let size = size_of(set, place.ty)?;
        fields.owners.retain(|o| !o.within(start, size));
        let pointer = matches!(set.ty(set.canonical(place.ty)), Type::Pointer(_));
        // The pointer targets the value's heap storage (the string's, the
        // buffer's, the object's), which stays put when the value moves here.
        let kept = match value {
            Value::Str(storage) if pointer => Kept::Str { _storage: storage },
            Value::Bytes(storage) if pointer => Kept::Bytes { _storage: storage },
            Value::Ref(object) if pointer => Kept::Object(object),
            Value::Data(mut data) => {
                let moved = std::mem::take(&mut data.0.owners);
                fields.owners.extend(moved.into_iter().map(|o| Owner {
                    offset: start + o.offset,
                    value: o.value,
                }));
                return Ok(());
            }
            _ => return Ok(()),
        };
        fields.owners.push(Owner {
            offset: start,
            value: Arc::new(kept),
        });
        Ok(())
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

    /// A copy of the object the pointer at `path` points to. When the pointer
    /// was stored as a [`Value::Ref`], the copy shares what that object's own
    /// pointers point into.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] when `path` is not a pointer to a complete type, or is NULL.
    ///
    /// # Safety
    /// The pointer must point to a readable object of its pointee type.
    pub unsafe fn pointee(&self, path: &str) -> Result<CData> {
        let place = self.place(path)?;
        let Type::Pointer(pointee) = self.0.set.ty(self.0.set.canonical(place.ty)) else {
            return Err(self.not_pointer(path, place.ty));
        };
        match load(&self.0.set, place, self.0.buf.all())? {
            Value::Pointer(a) => {
                // SAFETY: the caller guarantees the pointer.
                let mut copy = unsafe { CData::read_from(&self.0.set, *pointee, a as *const u8) }?;
                copy.0.owners = self.owners_at(a, copy.0.buf.size);
                Ok(copy)
            }
            _ => Err(value_error(
                &|| self.describe_path(path),
                "it is NULL".into(),
            )),
        }
    }

    /// The C string the pointer at `path` points to (`None` for NULL).
    ///
    /// # Errors
    /// [`ErrorKind::Value`] when `path` is not a pointer.
    ///
    /// # Safety
    /// The pointer must be NULL or point to a NUL-terminated string.
    pub unsafe fn c_string(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let place = self.place(path)?;
        if !matches!(
            self.0.set.ty(self.0.set.canonical(place.ty)),
            Type::Pointer(_)
        ) {
            return Err(self.not_pointer(path, place.ty));
        }
        match load(&self.0.set, place, self.0.buf.all())? {
            // SAFETY: the caller guarantees a NUL-terminated string.
            Value::Pointer(a) => Ok(Some(unsafe { read_c_string(a) })),
            _ => Ok(None),
        }
    }

    fn not_pointer(&self, path: &str, ty: TypeId) -> Error {
        value_error(
            &|| self.describe_path(path),
            format!("'{}' is not a pointer", self.0.set.spell(QualType::new(ty))),
        )
    }

    fn describe_path(&self, path: &str) -> String {
        describe_path(&self.0.set, self.0.ty, path)
    }

    /// Resolves a path to its place in the buffer.
    pub(crate) fn place(&self, path: &str) -> Result<Place> {
        resolve(&self.0.set, self.0.ty.id, path)
    }
}

/// Where `path` is in an object of type `ty`, for messages.
fn describe_path(set: &TypeSet, ty: QualType, path: &str) -> String {
    if path.is_empty() {
        format!("the '{}' object", set.spell(ty))
    } else {
        format!("'{path}' of '{}'", set.spell(ty))
    }
}

/// Reads a NUL-terminated string's bytes.
///
/// # Safety
/// `address` must point to a NUL-terminated string.
pub(crate) unsafe fn read_c_string(address: usize) -> Vec<u8> {
    // SAFETY: the caller guarantees a NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(address as *const std::ffi::c_char) }
        .to_bytes()
        .to_vec()
}

/// Resolves `path` inside an object of type `ty`.
pub(crate) fn resolve(set: &TypeSet, ty: TypeId, path: &str) -> Result<Place> {
    let mut place = Place::whole(ty);
    let bad = |why: String| -> Error {
        ErrorKind::Value {
            place: format!("path '{path}'"),
            message: why,
        }
        .into()
    };
    let mut rest = path.trim();
    while !rest.is_empty() {
        if place.bit_width.is_some() {
            return Err(bad("a bitfield has no members".into()));
        }
        if let Some(after) = rest.strip_prefix('[') {
            let end = after
                .find(']')
                .ok_or_else(|| bad("'[' without ']'".into()))?;
            let index_text = after[..end].trim();
            let index: u64 = parse_index(index_text)
                .ok_or_else(|| bad(format!("'{index_text}' is not an index")))?;
            let canonical = set.canonical(place.ty);
            let Type::Array { elem, len } = set.ty(canonical) else {
                return Err(bad(format!(
                    "'{}' is not an array",
                    set.spell(QualType::new(place.ty))
                )));
            };
            if let Some(len) = len {
                if index >= *len {
                    return Err(bad(format!(
                        "index {index} is out of bounds of '{}' (0..{len})",
                        set.spell(QualType::new(place.ty))
                    )));
                }
            } else {
                return Err(bad("the array has no length".into()));
            }
            let elem_size = set.layout(elem.id).map_or(0, |l| l.size);
            place = Place {
                ty: elem.id,
                offset_bits: place.offset_bits + index * elem_size * 8,
                bit_width: None,
            };
            rest = after[end + 1..].trim_start();
            continue;
        }
        let after = rest.strip_prefix('.').unwrap_or(rest);
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let name = after[..end].trim();
        if name.is_empty() {
            return Err(bad("a member name is missing".into()));
        }
        place = field(set, place, name)?;
        rest = after[end..].trim_start();
    }
    Ok(place)
}

fn parse_index(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The member `name` of the record at `place`, looking into anonymous members.
fn field(set: &TypeSet, place: Place, name: &str) -> Result<Place> {
    let canonical = set.canonical(place.ty);
    let Type::Record(r) = set.ty(canonical) else {
        return Err(ErrorKind::NotARecord {
            name: set.spell(QualType::new(place.ty)),
            found: "not a record".into(),
        }
        .into());
    };
    let Some(def) = &set.record(*r).def else {
        return Err(ErrorKind::Incomplete {
            name: set.spell(QualType::new(place.ty)),
        }
        .into());
    };
    let fields = set.flat_fields(def);
    if let Some(f) = fields.iter().find(|f| f.name == name) {
        return Ok(Place {
            ty: f.ty.id,
            offset_bits: place.offset_bits + f.offset_bits,
            bit_width: f.bit_width,
        });
    }
    Err(Error::not_found(
        "field",
        &format!("{name}' in '{}", set.spell(QualType::new(place.ty))),
        closest(name, fields.iter().map(|f| f.name)),
    ))
}

/// C initializer syntax, see [`Value`]'s `Display`.
impl fmt::Display for CData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_object(
            f,
            &self.0.set,
            Place::whole(self.0.ty.id),
            self.0.buf.all(),
            0,
        )
    }
}

fn write_object(
    f: &mut fmt::Formatter<'_>,
    set: &TypeSet,
    place: Place,
    bytes: &[u8],
    depth: u32,
) -> fmt::Result {
    // A set nests at most MAX_TYPE_DEPTH deep; only a damaged one gets here.
    if depth > crate::limits::MAX_TYPE_DEPTH {
        return f.write_str("…");
    }
    let ty = set.canonical(place.ty);
    match set.ty(ty) {
        Type::Record(r) if place.bit_width.is_none() => {
            f.write_str("{")?;
            let mut first = true;
            write_fields(f, set, *r, place.offset_bits, bytes, depth, &mut first)?;
            f.write_str("}")
        }
        // A flexible array member: its elements lie beyond the object.
        Type::Array { len: None, .. } => f.write_str("{}"),
        Type::Array {
            elem,
            len: Some(len),
        } if place.bit_width.is_none() => {
            let elem_size = set.layout(elem.id).map_or(0, |l| l.size);
            let start = (place.offset_bits / 8) as usize;
            let total = (elem_size * len) as usize;
            if is_char(set, elem.id) {
                if let Some(text) = bytes.get(start..start + total) {
                    if let Some(s) = as_text(text) {
                        return write_c_string(f, s);
                    }
                }
            }
            f.write_str("{")?;
            for i in 0..*len {
                if i > 0 {
                    f.write_str(", ")?;
                }
                let p = Place {
                    ty: elem.id,
                    offset_bits: place.offset_bits + i * elem_size * 8,
                    bit_width: None,
                };
                write_object(f, set, p, bytes, depth + 1)?;
            }
            f.write_str("}")
        }
        Type::Complex(_) => {
            let half = set.layout(ty).map_or(0, |l| l.size) / 2;
            let part = |at: u64| -> Option<String> {
                let start = (place.offset_bits / 8 + at) as usize;
                let b = bytes.get(start..start + half as usize)?;
                Some(match half {
                    4 => Fmt(f64::from(f32::from_le_bytes(b.try_into().ok()?))).to_string(),
                    8 => Fmt(f64::from_le_bytes(b.try_into().ok()?)).to_string(),
                    _ => LongDouble::from_le_bytes(b.get(..10)?.try_into().ok()?).to_string(),
                })
            };
            match (part(0), part(half)) {
                (Some(re), Some(im)) => write!(f, "{{{re}, {im}}}"),
                _ => f.write_str("?"),
            }
        }
        Type::Enum(e) => match load(set, place, bytes) {
            Ok(Value::Int(v)) => match set.enum_(*e).constants.iter().find(|(_, c)| *c == v) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{v}"),
            },
            Ok(other) => write!(f, "{other}"),
            Err(_) => f.write_str("?"),
        },
        _ => match load(set, place, bytes) {
            Ok(v) => write!(f, "{v}"),
            Err(_) => f.write_str("?"),
        },
    }
}

fn write_fields(
    f: &mut fmt::Formatter<'_>,
    set: &TypeSet,
    record: crate::types::RecordId,
    base_bits: u64,
    bytes: &[u8],
    depth: u32,
    first: &mut bool,
) -> fmt::Result {
    let Some(def) = &set.record(record).def else {
        return f.write_str("…");
    };
    for field in &def.fields {
        let at = base_bits + field.offset_bits;
        match &field.name {
            Some(name) => {
                if !*first {
                    f.write_str(", ")?;
                }
                *first = false;
                write!(f, ".{name} = ")?;
                let p = Place {
                    ty: field.ty.id,
                    offset_bits: at,
                    bit_width: field.bit_width,
                };
                write_object(f, set, p, bytes, depth + 1)?;
            }
            None if field.is_anonymous_member() => {
                if let Type::Record(inner) = set.ty(set.canonical(field.ty.id)) {
                    write_fields(f, set, *inner, at, bytes, depth + 1, first)?;
                }
            }
            None => {}
        }
    }
    Ok(())
}

fn is_char(set: &TypeSet, ty: TypeId) -> bool {
    matches!(
        set.ty(set.canonical(ty)),
        Type::Int(IntKind::Char { .. } | IntKind::SChar | IntKind::UChar)
    )
}

/// The text of a `char` array when it reads as a string: printable bytes, then
/// only NULs (at least one).
fn as_text(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes.iter().position(|b| *b == 0)?;
    let (text, rest) = bytes.split_at(end);
    let printable = text
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || matches!(b, b'\n' | b'\t' | b'\r'));
    (printable && rest.iter().all(|b| *b == 0)).then_some(text)
}

/// JSON, per the CLI contract: structs as objects by field name, unions as
/// objects with every member's view, arrays as lists, integers exact.
impl serde::Serialize for CData {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Json {
            set: &self.0.set,
            place: Place::whole(self.0.ty.id),
            bytes: self.0.buf.all(),
            depth: 0,
        }
        .serialize(s)
    }
}

struct Json<'a> {
    set: &'a TypeSet,
    place: Place,
    bytes: &'a [u8],
    depth: u32,
}

impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let set = self.set;
        let ty = set.canonical(self.place.ty);
        let child = |place: Place| Json {
            set,
            place,
            bytes: self.bytes,
            depth: self.depth + 1,
        };
        if self.depth > crate::limits::MAX_TYPE_DEPTH {
            return s.serialize_none();
        }
        match set.ty(ty) {
            Type::Record(r) if self.place.bit_width.is_none() => {
                let fields = set
                    .record(*r)
                    .def
                    .as_ref()
                    .map(|d| set.flat_fields(d))
                    .unwrap_or_default();
                let mut map = s.serialize_map(Some(fields.len()))?;
                for f in fields {
                    let place = Place {
                        ty: f.ty.id,
                        offset_bits: self.place.offset_bits + f.offset_bits,
                        bit_width: f.bit_width,
                    };
                    map.serialize_entry(f.name, &child(place))?;
                }
                map.end()
            }
            Type::Array { len: None, .. } => s.serialize_seq(Some(0))?.end(),
            Type::Array {
                elem,
                len: Some(len),
            } if self.place.bit_width.is_none() => {
                let elem_size = set.layout(elem.id).map_or(0, |l| l.size);
                let mut seq = s.serialize_seq(Some(*len as usize))?;
                for i in 0..*len {
                    seq.serialize_element(&child(Place {
                        ty: elem.id,
                        offset_bits: self.place.offset_bits + i * elem_size * 8,
                        bit_width: None,
                    }))?;
                }
                seq.end()
            }
            Type::Complex(_) => {
                let text = match load(set, self.place, self.bytes) {
                    Ok(Value::Data(d)) => d.to_string(),
                    _ => String::new(),
                };
                s.serialize_str(&text)
            }
            _ => match load(set, self.place, self.bytes) {
                Ok(v) => v.serialize(s),
                Err(_) => s.serialize_none(),
            },
        }
    }
}

/// JSON per the CLI contract: integers exact, floats as numbers (non-finite ones
/// as the strings `"inf"`, `"-inf"` and `"NaN"`; a `long double` that is exactly
/// a double as that double, any other as a number with 21 significant digits,
/// or beyond double's range a string of them), pointers as `"0x…"` strings,
/// NULL and void as null.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Value::Void | Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(v) | Value::IntOf(_, v) => match i64::try_from(*v) {
                Ok(small) => s.serialize_i64(small),
                Err(_) => match u64::try_from(*v) {
                    Ok(u) => s.serialize_u64(u),
                    Err(_) => s.serialize_i128(*v),
                },
            },
            Value::U128(v) => s.serialize_u128(*v),
            // JSON has no infinity or NaN: the strings `dump --json` uses.
            Value::Float(v) | Value::FloatOf(_, v) => {
                if v.is_finite() {
                    s.serialize_f64(*v)
                } else if v.is_nan() {
                    s.serialize_str("NaN")
                } else if *v > 0.0 {
                    s.serialize_str("inf")
                } else {
                    s.serialize_str("-inf")
                }
            }
            Value::LongDouble(v) => serialize_long_double(*v, s),
            Value::Pointer(a) => s.serialize_str(&format!("{a:#x}")),
            Value::Str(c) => s.serialize_str(&String::from_utf8_lossy(c.as_bytes())),
            Value::Bytes(b) => s.serialize_str(&String::from_utf8_lossy(b)),
            Value::Ident(name) => s.serialize_str(name),
            Value::Data(d) | Value::Ref(d) => d.serialize(s),
        }
    }
}

/// A `long double` in JSON, where readers hold numbers as doubles: one that is
/// exactly a double is that double (its shortest digits, as [`Value::Float`]);
/// any other within double's range is a number with 21 significant digits
/// (`%.21Lg`), which reads back to the same `long double` and to the nearest
/// double; beyond double's range it is a string of those digits
/// (`"9.99999999999999999997e+3999"`), as infinities and NaN are strings.
pub(crate) fn serialize_long_double<S: serde::Serializer>(
    v: LongDouble,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    match v.exact_f64() {
        Some(d) => Value::Float(d).serialize(s),
        None if v.is_nan() => s.serialize_str("NaN"),
        None if v.to_f64().is_finite() => {
            match serde_json::value::RawValue::from_string(v.to_string()) {
                Ok(raw) => raw.serialize(s),
                Err(e) => Err(serde::ser::Error::custom(e)),
            }
        }
        None => s.serialize_str(&v.to_string()),
    }
}

impl CData {
    /// Whether this is a union (its JSON shows every member's view).
    pub fn is_union(&self) -> bool {
        record_kind(&self.0.set, self.0.ty.id) == Some(RecordKind::Union)
    }
}

#[cfg(all(test, feature = "clang"))]
mod tests {
    use super::*;

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
