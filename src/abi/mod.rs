//! ABI lowering: how C types travel in registers and memory for a target.
//!
//! libffi cannot express unions, bitfields or packed and over-aligned fields, so
//! aggregates are classified from their *real* layout (the record's field offsets,
//! in bits) rather than from libffi's idea of the struct. Each target has its own
//! module; x86-64 System V is the first.
//!
//! This module is internal (its tests reach it through `crate::__private`). It
//! uses [`crate::types`] (with the errors and limits) and nothing else, knows
//! nothing of where a type came from (header or DWARF), and runs nothing: the
//! runtime makes the calls it prepares (`runtime::invoke`).

pub(crate) mod direct;
mod ffi;
mod lower;
pub mod sysv;

pub use ffi::CallInterface;
pub(crate) use ffi::Shape;

/// The low `size` bytes (1 to 8) of a register-sized `raw`, sign- or
/// zero-extended to 64 bits: how integers narrower than a register travel.
#[inline]
pub(crate) fn extend(raw: u64, size: usize, signed: bool) -> u64 {
    let shift = 64 - (size.clamp(1, 8) as u32) * 8;
    if signed {
        (((raw << shift) as i64) >> shift) as u64
    } else {
        (raw << shift) >> shift
    }
}
