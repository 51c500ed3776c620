//! [`Accessor`] and [`TypedAccessor`]: a member path of one pointee type,
//! resolved once, read and written through any [`CPtr`] to that type.

use std::marker::PhantomData;

use super::{pointer_name, CPtr, Relative};
use crate::error::{Error, ErrorKind, Result, ValueProblem};
use crate::runtime::mem::{load, Place};
use crate::runtime::typed::{check, CType, RustType};
use crate::runtime::value::Value;
use crate::types::{QualType, TypeSet};

/// A member path of one pointee type, resolved once ([`CPtr::accessor`]):
/// reads and writes it through any [`CPtr`] to that type, as
/// [`CPtr::get`] and [`CPtr::set`] do, without resolving the path again.
#[derive(Debug, Clone)]
pub struct Accessor {
    pub(super) set: TypeSet,
    pub(super) pointee: crate::types::TypeId,
    pub(super) path: String,
    pub(super) at: Relative,
}

impl Accessor {
    /// Reads the member through `p`.
    ///
    /// # Errors
    /// As [`CPtr::get`]; [`ValueProblem::AccessorType`] for a pointer to another type.
    pub fn get(&self, p: &CPtr<'_>) -> Result<Value> {
        let place = self.place(p)?;
        load(p.set, place, p.memory())
    }

    /// Writes the member through `p`.
    ///
    /// # Errors
    /// As [`CPtr::set`]; [`ValueProblem::AccessorType`] for a pointer to another type.
    pub fn set(&self, p: &mut CPtr<'_>, value: impl Into<Value>) -> Result<()> {
        let place = self.place(p)?;
        p.store(&self.path, place, value.into())
    }

    /// This accessor reading and writing the member as Rust type `T` (`i32`,
    /// `f64`, `*const c_void`, a [`c_struct!`](crate::c_struct) struct),
    /// checked once against the member's C type: then an access is a bounds
    /// check and a load or store, as through a Rust pointer.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("struct p { int x; double y; };")?;
    /// let mut p = wyvern::CData::new_named(&types, "struct p")?;
    /// let mut ptr = p.ptr_mut();
    /// let y = ptr.accessor("y")?.typed::<f64>()?;
    /// y.set(&mut ptr, 2.5)?;
    /// assert_eq!(y.get(&ptr)?, 2.5);
    /// assert!(ptr.accessor("x")?.typed::<i64>().is_err()); // int is 4 bytes
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::TypeMismatch`] when `T` is not the member's C type (or
    /// holds a `bool`, which C memory may hold as any byte), and for a
    /// bitfield, which no Rust type is.
    pub fn typed<T: CType + Copy>(&self) -> Result<TypedAccessor<T>> {
        let rust = T::describe();
        let mismatch = |message: String| -> Error {
            ErrorKind::TypeMismatch {
                callback: None,
                prototype: format!(
                    "'{}' of '{}'",
                    self.path,
                    pointer_name(&self.set, QualType::new(self.pointee))
                ),
                message,
            }
            .into()
        };
        if self.at.bit_width.is_some() {
            return Err(mismatch(
                "a bitfield has no Rust type; read it with Accessor::get".into(),
            ));
        }
        if holds_bool(&rust) {
            return Err(mismatch(
                "a bool cannot be read from C memory unchecked (a _Bool may hold any byte); use Accessor::get".into(),
            ));
        }
        check(&self.set, self.at.ty, &rust).map_err(mismatch)?;
        Ok(TypedAccessor {
            untyped: self.clone(),
            offset: (self.at.bits / 8) as isize,
            _rust: PhantomData,
        })
    }

    #[inline]
    fn place(&self, p: &CPtr<'_>) -> Result<Place> {
        if p.pointee.id != self.pointee || !p.set.same(&self.set) {
            let problem = ValueProblem::AccessorType {
                path: self.path.clone(),
                expected: pointer_name(&self.set, QualType::new(self.pointee)),
                found: p.type_name(),
            };
            return Err(p.error("", problem));
        }
        p.null_check(&self.path)?;
        p.inside(&self.path, self.at)
    }
}

/// An [`Accessor`] whose member is read and written as the Rust type `T`,
/// checked once ([`Accessor::typed`]).
#[derive(Debug, Clone)]
pub struct TypedAccessor<T> {
    untyped: Accessor,
    /// The member's bytes from the pointer.
    offset: isize,
    _rust: PhantomData<fn() -> T>,
}

impl<T: CType + Copy> TypedAccessor<T> {
    /// Reads the member through `p`.
    ///
    /// # Errors
    /// As [`Accessor::get`].
    #[inline]
    pub fn get(&self, p: &CPtr<'_>) -> Result<T> {
        self.get_at(p, 0)
    }

    /// Writes the member through `p`.
    ///
    /// # Errors
    /// As [`Accessor::set`] (a pointer that reads only).
    #[inline]
    pub fn set(&self, p: &mut CPtr<'_>, value: T) -> Result<()> {
        self.set_at(p, 0, value)
    }

    /// Reads the member of element `index` through `p` (`p[index].member`),
    /// without making the pointer `p + index`.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    #[inline]
    pub fn get_at(&self, p: &CPtr<'_>, index: usize) -> Result<T> {
        let at = self.address_at(p, index)?;
        // SAFETY: the bytes lie in the memory `p` may read (checked by
        // `address_at`), and `T` was checked to be the member's C type, which
        // holds no bool: every bit pattern of its bytes is a valid `T`.
        Ok(unsafe { std::ptr::read_unaligned(at as *const T) })
    }

    /// Writes the member of element `index` through `p` (`p[index].member`).
    ///
    /// # Errors
    /// As [`set`](Self::set).
    #[inline]
    pub fn set_at(&self, p: &mut CPtr<'_>, index: usize, value: T) -> Result<()> {
        if !p.writable {
            return Err(p.error(&self.untyped.path, ValueProblem::ReadOnly));
        }
        let at = self.address_at(p, index)?;
        // SAFETY: as in `get_at`, and `p` may write there.
        unsafe { std::ptr::write_unaligned(at as *mut T, value) };
        Ok(())
    }

    // Always: the fast path is a few compares, the slow one a call.
    #[inline(always)]
    fn address_at(&self, p: &CPtr<'_>, index: usize) -> Result<usize> {
        let u = &self.untyped;
        if p.pointee.id == u.pointee && p.set.same(&u.set) {
            let start = index
                .checked_mul(p.stride.unwrap_or(0))
                .and_then(|delta| p.address.checked_add(delta))
                .and_then(|a| a.checked_add_signed(self.offset));
            // NULL reaches nothing, so it fails the bounds check too.
            if let Some(start) = start.filter(|s| *s >= p.reach.start) {
                if p.reach.end.checked_sub(start) >= Some(std::mem::size_of::<T>()) {
                    return Ok(start);
                }
            }
        }
        match index {
            0 => self.slow_address(p),
            i => self.slow_address(&p.offset(isize::try_from(i).unwrap_or(isize::MAX))?),
        }
    }

    /// This accessor bound to pointer `p`: its type and set checked once, and
    /// how many elements from `p` hold the member within what `p` may reach
    /// worked out once, so that [`Bound::get`] and [`Bound::set`] of element
    /// `i` (`p[i].member`) check only `i`.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("struct p { int x; double y; };")?;
    /// let mut points = wyvern::CData::new_named(&types, "struct p [8]")?;
    /// let p = points.ptr_mut();
    /// let y = p.accessor("y")?.typed::<f64>()?;
    /// let y = y.bind(&p)?;
    /// for i in 0..y.len() {
    ///     y.set(i, i as f64 / 2.0)?;
    /// }
    /// assert_eq!(y.get(7)?, 3.5);
    /// assert!(y.get(8).is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get) of element 0 (a pointer to another type, NULL).
    pub fn bind<'p, 'a>(&'p self, p: &'p CPtr<'a>) -> Result<Bound<'p, 'a, T>> {
        let first = self.address_at(p, 0)?;
        let stride = p.stride.unwrap_or(0);
        let room = p.reach.end - first - std::mem::size_of::<T>();
        let len = match stride {
            0 => 1,
            s => room / s + 1,
        };
        Ok(Bound {
            accessor: self,
            p,
            first,
            stride,
            len,
        })
    }

    /// [`address_at`](Self::address_at) when the fast path's checks fail: the
    /// error, or the address through the general checks.
    #[cold]
    fn slow_address(&self, p: &CPtr<'_>) -> Result<usize> {
        let place = self.untyped.place(p)?;
        Ok(p.reach.start + place.byte())
    }
}

/// A [`TypedAccessor`] bound to one pointer ([`TypedAccessor::bind`]): the
/// member of element `i` through it, checked against `len` only.
#[derive(Debug)]
pub struct Bound<'p, 'a, T> {
    accessor: &'p TypedAccessor<T>,
    p: &'p CPtr<'a>,
    /// The member's address in element 0.
    first: usize,
    stride: usize,
    len: usize,
}

impl<T: CType + Copy> Bound<'_, '_, T> {
    /// How many elements from the pointer hold the member within what it
    /// may reach.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none does (never: binding checks element 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads the member of element `i` (`p[i].member`).
    ///
    /// # Errors
    /// [`ValueProblem::OutsideMemory`] for `i` at or past [`len`](Self::len).
    #[inline]
    pub fn get(&self, i: usize) -> Result<T> {
        let at = self.address(i)?;
        // SAFETY: `bind` checked the type (no bool in it), and `i < len` puts
        // the member's bytes inside what the pointer may read.
        Ok(unsafe { std::ptr::read_unaligned(at as *const T) })
    }

    /// Writes the member of element `i`.
    ///
    /// # Errors
    /// As [`get`](Self::get), and [`ValueProblem::ReadOnly`] through a pointer
    /// that reads only.
    #[inline]
    pub fn set(&self, i: usize, value: T) -> Result<()> {
        if !self.p.writable {
            return Err(self
                .p
                .error(&self.accessor.untyped.path, ValueProblem::ReadOnly));
        }
        let at = self.address(i)?;
        // SAFETY: as in `get`, and the pointer may write there.
        unsafe { std::ptr::write_unaligned(at as *mut T, value) };
        Ok(())
    }

    #[inline(always)]
    fn address(&self, i: usize) -> Result<usize> {
        if i < self.len {
            return Ok(self.first + i * self.stride);
        }
        // Past `len`: the general checks say why (never an address).
        let start = (self.first - self.p.address) as i128 + (i as i128) * self.stride as i128;
        let end = start + std::mem::size_of::<T>() as i128;
        Err(self.p.outside(&self.accessor.untyped.path, start, end))
    }
}

/// Whether a Rust type holds a `bool` (directly, in an array or a struct).
fn holds_bool(rust: &RustType) -> bool {
    match rust {
        RustType::Bool => true,
        RustType::Array { elem, .. } => holds_bool(elem),
        RustType::Record { fields, .. } => fields.iter().any(|(_, _, f)| holds_bool(f)),
        _ => false,
    }
}
