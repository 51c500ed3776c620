//! ABI lowering: how C types travel in registers and memory for a target.
//!
//! libffi cannot express unions, bitfields or packed and over-aligned fields, so
//! aggregates are classified from their *real* layout (the record's field offsets,
//! in bits) rather than from libffi's idea of the struct. Each target has its own
//! module; x86-64 System V is the first.
//!
//! This module knows nothing of where a type came from (header or DWARF).

mod direct;
mod ffi;
pub mod sysv;

pub use ffi::CallInterface;
pub(crate) use ffi::Shape;
