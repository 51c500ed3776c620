//! Field paths (`"a.b[3].c"`) into a [`CData`]: resolving them to a place in
//! its buffer, and reading and writing the values there.

use std::sync::Arc;

use super::{size_of, CData, Kept, Owner};
use crate::error::{closest, Error, ErrorKind, Result, ValueProblem};
use crate::runtime::mem::{load, value_error, Place};
use crate::runtime::store::store;
use crate::runtime::value::Value;
use crate::types::{QualType, Type, TypeId, TypeSet};

impl CData {
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
                ValueProblem::Null,
            )),
        }
    }

    /// The text of the `char` array at `path` (`"d_name"`, `""` for an array
    /// object), up to its first NUL or its end: cffi's `ffi.string` of an
    /// array. `signed char` and `unsigned char` arrays too.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("struct dirent_like { long ino; char d_name[16]; };")?;
    /// let mut d = wyvern::CData::new_named(&types, "struct dirent_like")?;
    /// d.set("d_name", "file.txt")?;
    /// assert_eq!(d.string("d_name")?, b"file.txt");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get); [`ErrorKind::Value`] when `path` is not an array
    /// of a character type.
    pub fn string(&self, path: &str) -> Result<Vec<u8>> {
        let place = self.place(path)?;
        crate::runtime::ptr::chars(&self.0.set, place, self.0.buf.all())
            .map_err(|p| value_error(&|| self.describe_path(path), p))
    }

    /// The C string the pointer at `path` points to (`None` for NULL), or
    /// the text of the `char` array at `path` (as [`string`](Self::string)).
    ///
    /// # Errors
    /// [`ErrorKind::Value`] when `path` is neither a pointer nor a `char` array.
    ///
    /// # Safety
    /// The pointer must be NULL or point to a NUL-terminated string.
    pub unsafe fn c_string(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let place = self.place(path)?;
        match self.0.set.ty(self.0.set.canonical(place.ty)) {
            Type::Pointer(_) => {}
            Type::Array { .. } => return self.string(path).map(Some),
            _ => return Err(self.not_pointer(path, place.ty)),
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
            ValueProblem::NotAPointer {
                ty: self.0.set.spell(QualType::new(ty)),
                object: false,
            },
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
    let bad = |problem: ValueProblem| -> Error {
        ErrorKind::Value {
            place: format!("path '{path}'"),
            problem,
        }
        .into()
    };
    let bad_path = |reason: &'static str| bad(ValueProblem::BadPath { reason });
    let mut rest = path.trim();
    while !rest.is_empty() {
        if place.bit_width.is_some() {
            return Err(bad_path("a bitfield has no members"));
        }
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(|| bad_path("'[' without ']'"))?;
            let index_text = after[..end].trim();
            let index: u64 = parse_index(index_text).ok_or_else(|| {
                bad(ValueProblem::NotAnIndex {
                    text: index_text.to_owned(),
                })
            })?;
            let canonical = set.canonical(place.ty);
            let Type::Array { elem, len } = set.ty(canonical) else {
                return Err(bad(ValueProblem::NotAnArray {
                    ty: set.spell(QualType::new(place.ty)),
                }));
            };
            if let Some(len) = len {
                if index >= *len {
                    return Err(bad(ValueProblem::IndexOutOfBounds {
                        index,
                        len: *len,
                        ty: set.spell(QualType::new(place.ty)),
                    }));
                }
            } else {
                return Err(bad_path("the array has no length"));
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
            return Err(bad_path("a member name is missing"));
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
