//! Front ends: where a [`TypeSet`](crate::TypeSet) comes from.
//!
//! - The libclang front end (feature `clang`) reads headers and C text; its
//!   items are at the crate root: [`Parser`](crate::Parser),
//!   [`cdef`](crate::cdef) and [`libclang_version`](crate::libclang_version).
//! - [`dwarf`] (feature `dwarf`) reads a compiled object's debug info.
//! - [`Inputs`] is what either read, which a [`db`](crate::db) database hashes
//!   to tell whether it is out of date.
//!
//! A front end uses only [`types`](crate::types) (it fills a
//! [`TypeBuilder`](crate::types::TypeBuilder)), the crate's errors and
//! [`limits`](crate::limits): it knows nothing of calling C.

#[cfg(feature = "clang")]
pub(crate) mod clang;
#[cfg(feature = "dwarf")]
pub mod dwarf;

/// Everything a front end read to make a type set: what decides whether a
/// precompiled database of it is still up to date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The reader and its version (`"Debian clang version 14.0.6"`), when it matters.
    pub reader: String,
    /// The settings that shape the result (compiler arguments: `-I`, `-D`, `--target`).
    pub flags: Vec<String>,
    /// Every file read, by name, with its contents as read: the main file (which
    /// holds the `#include` lines and `cdef` text), each header it included, and
    /// each header those included.
    pub files: Vec<(String, Vec<u8>)>,
}
