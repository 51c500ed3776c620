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

pub use crate::types::inputs::Inputs;
