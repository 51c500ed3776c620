//! # wyvern: call C from its headers, at run time
//!
//! wyvern reads real C declarations — header files with their `#include`s, parsed
//! by libclang, or the DWARF debug info of a compiled object — into its own C type
//! system: records with their exact layouts, unions, bitfields, enums, typedefs,
//! function types with their calling conventions, globals and macro constants.
//! That type system drives libffi: nobody writes a type code by hand.
//!
//! ```no_run
//! # fn main() -> wyvern::Result<()> {
//! let types = wyvern::Parser::new().header("<math.h>").parse()?;
//! // SAFETY: loading libm runs no initialiser that could harm this process.
//! let module = wyvern::Module::new(types, unsafe { wyvern::Library::open("libm.so.6")? });
//! // SAFETY: pow has no preconditions.
//! let r = unsafe { module.function("pow")?.call(&mut [2.into(), 10.into()])? };
//! assert_eq!(r, wyvern::Value::Float(1024.0));
//! # Ok(()) }
//! ```
//!
//! ```
//! # fn main() -> wyvern::Result<()> {
//! let types = wyvern::Parser::new().header("<fcntl.h>").header("<stdio.h>").parse()?;
//! assert_eq!(types.constant("O_CREAT")?.value, wyvern::ConstValue::Int(0o100));
//! assert_eq!(types.constant("EOF")?.value, wyvern::ConstValue::Int(-1));
//! let file = types.type_named("FILE")?;
//! println!("{}", types.record_layout(file.id, "FILE")?.to_text());
//! # Ok(()) }
//! ```
//!
//! ## Overview
//! - [`Parser`] and [`cdef`] (feature `clang`): C text and headers to a [`TypeSet`].
//! - [`TypeSet`]: immutable, `Send + Sync`, cheap to clone; everything is found by its
//!   C name ([`TypeSet::type_named`], [`TypeSet::function`], [`TypeSet::constant`]),
//!   spelled back as C ([`TypeSet::spell`]) and laid out ([`TypeSet::record_layout`]).
//! - [`types`]: the type system itself, and [`TypeBuilder`](types::TypeBuilder) for front ends.
//! - [`Library`], [`Module`], [`Function`]: functions and globals by header name;
//!   [`Function::call`] with checked [`Value`]s, [`Function::typed`] for a plain
//!   function pointer checked against the header. [`CData`]: owned C objects.
//! - [`db`] (feature `db`): precompiled type databases, loaded without a parser.
//! - [`limits`]: how deeply types and expressions may nest.
//!
//! ## Features
//! - `clang` (default): the libclang front end. libclang is loaded at run time
//!   (`LIBCLANG_PATH` to choose one), so the crate builds without it.
//! - `dwarf` (default): the DWARF front end (gimli).
//! - `db` (default): precompiled type databases ([`db`]): save a type set once,
//!   load it later without libclang or gimli (serde and postcard only).
//! - `cli` (default): the `wyvern` command-line tool.
//!
//! ## Safety model
//! Parsing, layouts, lookups, printing, building values and checking types are
//! safe and never panic on any input: bad input is an [`Error`] saying what, where
//! and what is close. Loading a library runs its initialisers and calling C can do
//! anything, so [`Library::open`], [`Function::call`] and global access are
//! `unsafe`, each with a `# Safety` section.

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

// The README's Rust examples run as doctests, so they stay true.
#[cfg(all(doctest, feature = "clang"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod abi;
pub mod check;
#[cfg(feature = "db")]
pub mod db;
mod error;
pub mod frontend;
pub mod limits;
mod runtime;
pub mod types;

pub use error::{Diagnostic, Error, ErrorKind, Result, SourceLocation};
#[cfg(feature = "clang")]
pub use frontend::clang::{cdef, libclang_version, Parser};
pub use runtime::{
    last_errno, set_errno, typed_callback, CData, CType, Callback, CallbackArgs, FnType, Function,
    Library, Module, RustType, Value,
};
pub use types::decl::{ConstValue, Constant};
pub use types::func::CallConv;
pub use types::id::TypeId;
pub use types::layout::RecordLayout;
pub use types::long_double::LongDouble;
pub use types::set::TypeSet;
pub use types::ty::{FloatKind, IntKind, Layout, QualType, Type};

/// Hooks for wyvern's own tests, benchmarks and fuzzers: **not part of the API**.
/// Anything here may change or go away in any release, and nothing here is covered
/// by semver.
#[doc(hidden)]
pub mod __private {
    pub use crate::abi::{sysv, CallInterface};

    /// Rewrites a database's body length and checksum to match its body, so a
    /// deliberately mutated body gets past the checksum (what the fuzz test needs
    /// to reach the validation of decoded bodies). `None` when the bytes have no
    /// complete fixed part and header.
    #[cfg(feature = "db")]
    pub fn reseal(bytes: &[u8]) -> Option<Vec<u8>> {
        crate::db::reseal(bytes)
    }

    /// Parses `text` with libclang and `args` and throws the result away: the
    /// floor any libclang-based reader pays, for benchmarks to compare against.
    ///
    /// # Errors
    /// [`ErrorKind::LibclangUnavailable`](crate::ErrorKind::LibclangUnavailable)
    /// when libclang cannot be loaded, and [`ErrorKind::Parse`](crate::ErrorKind::Parse)
    /// when libclang fails outright.
    #[cfg(feature = "clang")]
    pub fn bare_parse(args: &[String], text: &str) -> crate::Result<()> {
        crate::frontend::clang::bare_parse(args, text)
    }
}
