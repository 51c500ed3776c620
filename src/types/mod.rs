//! wyvern's C type system: what the front ends make and everything else reads.
//!
//! No libclang, no gimli, no libffi in here: this module uses only the crate's
//! errors and [`limits`](crate::limits); the front ends, the ABI, the runtime,
//! [`db`](crate::db) and [`check`](crate::check) build on it.
//!
//! A front end fills a [`TypeBuilder`]; [`TypeBuilder::freeze`] turns it into an
//! immutable [`TypeSet`]. The names most programs write are at the crate root,
//! their one path: [`TypeSet`], [`Type`], [`QualType`], [`TypeId`], [`Layout`],
//! [`RecordLayout`](crate::RecordLayout), [`Constant`], [`ConstValue`],
//! [`CallConv`], [`LongDouble`], [`IntKind`] and [`FloatKind`]. Here is the rest
//! of the vocabulary:
//!
//! - Records: [`Record`] with its [`RecordKind`] and [`RecordDef`], whose
//!   [`Field`]s carry exact offsets in bits (so bitfields need no special case);
//!   [`FlatField`] for a record's fields with anonymous members flattened.
//! - Declarations: [`FunctionDecl`] (a declared function with its [`FnSig`] and
//!   [`Linkage`]; the callable one is [`crate::Function`]; a parameter declared
//!   as an array has the adjusted pointer in the [`FnSig`] and the declared
//!   array in [`FunctionDecl::param_arrays`], the declaration's and not the
//!   type's), [`Global`],
//!   [`Enum`], [`Typedef`], and [`ConstOrigin`] (where a constant came from).
//! - Ids into the set's arenas: [`RecordId`], [`EnumId`], [`TypedefId`],
//!   [`FunctionId`] (and [`TypeId`] at the root); [`Quals`] for
//!   `const`/`volatile`/`restrict`.
//! - Layout reports: [`FieldLayout`] and [`Hole`], the parts of a
//!   [`RecordLayout`](crate::RecordLayout).
//! - [`Target`]: the triple, pointer size, `char` signedness and byte order a set
//!   was read for.
//! - Reading C literals by the rules wyvern applies everywhere (macro
//!   constants, type names, `wyvern call` arguments): [`Literal`] with
//!   [`IntLiteral`] (and its [`Longs`]), [`FloatLiteral`] and [`LiteralError`]
//!   (with its [`LiteralProblem`]);
//!   [`tokenize`] and [`TokenKind`], to split C text into tokens the same way;
//!   [`ParseLongDoubleError`].

mod builder;
pub(crate) mod cexpr;
pub(crate) mod data;
pub(crate) mod decl;
mod derived;
pub(crate) mod equiv;
pub(crate) mod func;
pub(crate) mod id;
pub(crate) mod inputs;
pub(crate) mod layout;
pub(crate) mod long_double;
mod merge;
mod names;
mod nesting;
mod print;
mod record;
pub(crate) mod set;
pub(crate) mod ty;
mod typename;

// The names most programs write live at the crate root (their one public path);
// the crate's own code reaches them here too.
// (Only the front ends name the constants' types this way.)
#[cfg_attr(not(any(feature = "clang", feature = "dwarf")), allow(unused_imports))]
pub(crate) use decl::{ConstValue, Constant};
pub(crate) use id::TypeId;
pub(crate) use long_double::LongDouble;
pub(crate) use set::TypeSet;
pub(crate) use ty::CallConv;
pub(crate) use ty::{FloatKind, IntKind, Layout, QualType, Type};

pub use builder::TypeBuilder;
pub use decl::{ConstOrigin, Enum, FunctionMacro, Global, Typedef};
pub use func::{FunctionDecl, Linkage};
pub use ty::FnSig;

/// The old name of [`FunctionDecl`], which clashed with the callable
/// [`crate::Function`].
#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed `wyvern::types::FunctionDecl`")]
pub type Function = FunctionDecl;
// (The DWARF front end names base types by these words.)
#[cfg_attr(not(feature = "dwarf"), allow(unused_imports))]
pub(crate) use cexpr::scalar_from_words;
pub use cexpr::{
    tokenize, FloatLiteral, IntLiteral, Literal, LiteralError, LiteralProblem, Longs, TokenKind,
};
pub use data::Target;
pub(crate) use data::TypeSetData;
pub use id::{EnumId, FunctionId, RecordId, TypedefId};
pub use layout::{FieldLayout, Hole};
pub use long_double::ParseLongDoubleError;
#[cfg_attr(not(feature = "db"), allow(unused_imports))]
pub(crate) use names::tag_name;
pub(crate) use nesting::check_nesting;
pub use record::{Field, FlatField, Record, RecordDef, RecordKind};
pub use ty::Quals;
