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
//! ## Where things live
//! Read top-down, in the order a C declaration travels:
//!
//! 1. **Reading C** (the front ends) makes a [`TypeSet`]:
//!    - [`Parser`] and [`cdef`] (feature `clang`): header files and C text, through
//!      libclang; [`libclang_version`] says which libclang is in use.
//!    - [`frontend::dwarf`] (feature `dwarf`): the DWARF debug info of a compiled
//!      object, with no header.
//!    - [`frontend::Inputs`]: everything a front end read, for databases to hash.
//! 2. **The type system** holds what was read, immutable, `Send + Sync` and cheap
//!    to clone: [`TypeSet`] finds everything by its C name
//!    ([`TypeSet::type_named`], [`TypeSet::function`], [`TypeSet::constant`]),
//!    spells it back as C ([`TypeSet::spell`]) and lays it out
//!    ([`TypeSet::record_layout`]), evaluates C constant expressions
//!    ([`TypeSet::evaluate`], by the one reader of C literals, [`types::Literal`],
//!    that macro constants, type names and the CLI's arguments use too) and merges
//!    sets ([`TypeSet::merge`], comparing types by the same rules as [`check`];
//!    they are written down once, in the `types::equiv` module's docs). The names most programs write are here at the
//!    root: [`Type`], [`QualType`], [`TypeId`], [`Layout`], [`RecordLayout`],
//!    [`Constant`] and [`ConstValue`], [`CallConv`], [`LongDouble`], [`IntKind`]
//!    and [`FloatKind`]. The rest of its vocabulary is in [`types`]: records
//!    ([`types::Record`], [`types::Field`]), enums, typedefs, declarations
//!    ([`types::FunctionDecl`], [`types::Global`]), the typed ids, and
//!    [`types::TypeBuilder`], which front ends fill.
//! 3. **Calling C** binds declarations to a loaded library: [`Library`] (a shared
//!    object, or the running process), [`Module`] (a type set with its libraries),
//!    [`Function`] (one function bound to its symbol: [`Function::call`] with
//!    checked [`Value`]s, [`Function::typed`] for a plain function pointer checked
//!    against the header, with [`FnType`], [`CType`], [`RustType`] and
//!    [`c_struct!`] describing the Rust side), [`CData`] (owned C objects, read and
//!    written by field path), [`CPtr`] (a typed pointer into C memory, an object's
//!    or C's own, read and written in place and checked against what it may reach;
//!    [`Accessor`] and [`TypedAccessor`] resolve a path once), [`Callback`] and
//!    [`typed_callback`] (Rust closures
//!    and functions as C function pointers; [`CallbackArgs`] is a typed callback's
//!    tuple of Rust parameters; errors name the parameter a callback is for as
//!    a [`Param`]),
//!    [`last_errno`] and [`set_errno`] (`errno` as cffi keeps it).
//! 4. **Beside them**, reading type sets only: [`db`] (feature `db`) saves a type
//!    set to bytes and loads it back without a parser; [`check`] compares a
//!    header's type set with a binary's and lists where they differ; [`limits`]
//!    says how deeply anything may nest.
//! 5. **Errors**: every fallible call returns [`Result`]; an [`Error`] carries an
//!    [`ErrorKind`] to match on, and header errors their [`Diagnostic`]s, each at
//!    its [`SourceLocation`]; a value that cannot be converted, stored or read
//!    ([`ErrorKind::Value`]) says where it was going and its [`ValueProblem`] (an
//!    integer outside an [`IntRange`], a value of the wrong kind, an index out of
//!    bounds, …).
//!
//! Each item has one public path: the root's names are not also reachable through
//! a module, and no two public items share a name.
//!
//! ## Layers: what may use what
//! A declaration flows **front ends → types → abi → runtime**. `types` is the
//! base every other part uses, and no part uses one downstream of it:
//!
//! - `types` is the C type system alone: no libclang, no gimli, no libffi. It uses
//!   only the errors and [`limits`].
//! - The front ends (`frontend::clang`, whose items are at the root, and
//!   [`frontend::dwarf`]) fill a [`types::TypeBuilder`] and freeze it; they know
//!   nothing of calling.
//! - `abi` (internal) lowers types to registers, memory and libffi call
//!   interfaces, from the records' real layouts; it knows nothing of where a type
//!   came from, nor of [`Value`]s, and makes no call.
//! - The runtime (internal too; its items are the root's calling names) resolves
//!   symbols, converts [`Value`]s to and from C memory and makes the calls `abi`
//!   prepared.
//! - [`db`] and [`check`] sit beside the layers and use `types` only (what a set
//!   was read from, [`frontend::Inputs`], is a `types` item too, for [`db`] to
//!   hash): neither parses nor calls C.
//!
//! The crate's own tests, benchmarks and fuzzers reach a few internals through a
//! hidden `__private` module: it is not part of the API, and may change in any
//! release.
//!
//! ## Features
//! - `clang` (default): the libclang front end. libclang is loaded at run time
//!   (`LIBCLANG_PATH` to choose one), so the crate builds without it.
//! - `dwarf` (default): the DWARF front end (gimli).
//! - `db` (default): precompiled type databases ([`db`]): save a type set once,
//!   load it later without libclang or gimli (postcard, sha2 and crc32fast).
//! - `cli` (default): the `wyvern` command-line tool.
//!
//! ## Safety model
//! Parsing, layouts, lookups, printing, building values and checking types are
//! safe and never panic on any input: bad input is an [`Error`] saying what, where
//! and what is close. Loading a library runs its initialisers and calling C can do
//! anything, so [`Library::open`], [`Function::call`] and global access are
//! `unsafe`, each with a `# Safety` section.

#![deny(missing_docs)]
// The crate docs name every front end and the database; with one of them left
// out, its links have nowhere to go.
#![cfg_attr(
    not(all(feature = "clang", feature = "dwarf", feature = "db")),
    allow(rustdoc::broken_intra_doc_links)
)]
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
mod location;
mod runtime;
pub mod types;

pub use error::{Diagnostic, Error, ErrorKind, IntRange, Param, Result, Severity, ValueProblem};
#[cfg(feature = "clang")]
pub use frontend::clang::{cdef, libclang_version, Definition, DefinitionKind, Parser};
pub use location::SourceLocation;
pub use runtime::{
    last_errno, set_errno, typed_callback, Accessor, Bound, CData, CPtr, CType, Callback,
    CallbackArgs, FnType, Function, Library, Module, RustType, TypedAccessor, Value,
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

    /// The file of the libclang this process loaded (loading it if needed), for a
    /// benchmark to run a bare parse process with the same library.
    ///
    /// # Errors
    /// [`ErrorKind::LibclangUnavailable`](crate::ErrorKind::LibclangUnavailable)
    /// when libclang cannot be loaded.
    #[cfg(feature = "clang")]
    pub fn libclang_path() -> crate::Result<std::path::PathBuf> {
        crate::frontend::clang::libclang_path()
    }
}
