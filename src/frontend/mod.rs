//! Front ends: where a [`TypeSet`](crate::TypeSet) comes from.

#[cfg(feature = "clang")]
pub mod clang;
#[cfg(feature = "dwarf")]
pub mod dwarf;
