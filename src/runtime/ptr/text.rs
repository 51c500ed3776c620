//! Text in C memory: `char` arrays up to their NUL, and the strings `char *`
//! pointers point to.

use super::CPtr;
use crate::error::{Result, ValueProblem};
use crate::runtime::data::path::read_c_string;
use crate::runtime::mem::Place;
use crate::types::{QualType, Type, TypeSet};

/// Text and bytes, read and written in place.
impl<'a> CPtr<'a> {
    /// The text of the `char` array at `path` (`"d_name"`; `""` when this
    /// points to the array), up to its first NUL or its end: cffi's
    /// `ffi.string` of an array. `signed char` and `unsigned char` arrays too.
    ///
    /// # Errors
    /// As [`get`](Self::get); [`ValueProblem::NotText`] when `path` is not an
    /// array of a character type.
    pub fn string(&self, path: &str) -> Result<Vec<u8>> {
        let place = self.locate(path)?;
        chars(self.set, place, self.memory()).map_err(|p| self.error(path, p))
    }

    /// The NUL-terminated string this `char *` (or any pointer) points to, up
    /// to `max_len` bytes when given (LuaJIT's and cffi's `ffi.string(p, n)`);
    /// `None` for NULL.
    ///
    /// # Safety
    /// The bytes must be readable up to their NUL, or to `max_len`.
    pub unsafe fn c_string(&self, max_len: Option<usize>) -> Option<Vec<u8>> {
        // SAFETY: the caller's promise.
        unsafe { read_string(self.address, max_len) }
    }

    /// A copy of the pointee's bytes (`sizeof` of its type).
    ///
    /// # Errors
    /// As [`get`](Self::get) of `""`.
    pub fn read_bytes(&self) -> Result<Vec<u8>> {
        let place = self.locate("")?;
        let size = self.size()?;
        Ok(self.memory()[place.byte()..place.byte() + size].to_vec())
    }

    /// Copies `bytes` to the memory this points to, checked against what it
    /// may reach (a buffer filled from a slice).
    ///
    /// # Errors
    /// [`ValueProblem::OutsideMemory`] for more bytes than it reaches, and as
    /// [`set`](Self::set) for a pointer that reads only.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.null_check("")?;
        if !self.writable {
            return Err(self.error("", ValueProblem::ReadOnly));
        }
        if self.address.saturating_add(bytes.len()) > self.reach.end {
            return Err(self.outside("", 0, bytes.len() as i128));
        }
        // SAFETY: the bytes lie in the reach (checked), which is writable for
        // `'a` by this pointer's maker's promise (or a mutable borrow).
        unsafe { std::ptr::copy(bytes.as_ptr(), self.address as *mut u8, bytes.len()) };
        Ok(())
    }

    /// The `len` bytes this points to, in place, without a copy.
    ///
    /// # Errors
    /// [`ValueProblem::OutsideMemory`] for more bytes than it reaches.
    ///
    /// # Safety
    /// Nothing may write those bytes while the slice lives (no `set` through
    /// this pointer or another to the same memory, no C call writing them).
    pub unsafe fn as_slice(&self, len: usize) -> Result<&'a [u8]> {
        self.null_check("")?;
        if self.address.saturating_add(len) > self.reach.end {
            return Err(self.outside("", 0, len as i128));
        }
        // SAFETY: inside the reach (checked), readable for `'a`; the caller
        // promises no writes while it lives.
        Ok(unsafe { std::slice::from_raw_parts(self.address as *const u8, len) })
    }
}

/// The text of the character array at `place` in `memory`, up to its first
/// NUL or its end.
pub(crate) fn chars(
    set: &TypeSet,
    place: Place,
    memory: &[u8],
) -> std::result::Result<Vec<u8>, ValueProblem> {
    let ty = set.canonical(place.ty);
    let len = match set.ty(ty) {
        Type::Array { elem, len } if is_char(set, elem.id) => len.unwrap_or(0) as usize,
        _ => {
            let ty = set.spell(QualType::new(place.ty));
            return Err(ValueProblem::NotText { ty });
        }
    };
    let chars = memory.get(place.byte()..).unwrap_or_default();
    let chars = &chars[..len.min(chars.len())];
    let end = chars.iter().position(|&b| b == 0).unwrap_or(chars.len());
    Ok(chars[..end].to_vec())
}

/// Whether `ty` is `char`, `signed char` or `unsigned char`.
fn is_char(set: &TypeSet, ty: crate::types::TypeId) -> bool {
    use crate::types::IntKind;
    matches!(
        set.ty(set.canonical(ty)),
        Type::Int(IntKind::Char { .. } | IntKind::SChar | IntKind::UChar)
    )
}

/// The bytes of the NUL-terminated string at `address`, up to `max_len`;
/// `None` for NULL.
///
/// # Safety
/// The bytes must be readable up to the NUL, or to `max_len`.
pub(crate) unsafe fn read_string(address: usize, max_len: Option<usize>) -> Option<Vec<u8>> {
    if address == 0 {
        return None;
    }
    let Some(max) = max_len else {
        // SAFETY: the caller's promise: NUL-terminated.
        return Some(unsafe { read_c_string(address) });
    };
    // SAFETY: the caller's promise: `max` bytes, or up to a NUL before them,
    // are readable; reading stops at the NUL.
    let bytes = (0..max)
        .map(|i| unsafe { *((address + i) as *const u8) })
        .take_while(|&b| b != 0)
        .collect();
    Some(bytes)
}
