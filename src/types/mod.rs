//! wyvern's C type system: no libclang, no gimli, no libffi in here.
//!
//! Front ends fill a [`TypeBuilder`]; [`TypeBuilder::freeze`] turns it into an
//! immutable [`TypeSet`], which everything downstream reads:
//!
//! - [`Type`]: the kinds of C type, in an arena addressed by [`TypeId`];
//!   [`QualType`] adds `const`/`volatile`/`restrict`.
//! - [`Record`] with [`RecordDef`] and [`Field`]: structs and unions with exact
//!   layouts, offsets in bits so bitfields need no special case.
//! - [`FnSig`] and [`FunctionDecl`]: function types with their [`CallConv`].
//! - [`Enum`], [`Typedef`], [`Global`], [`Constant`].
//! - [`RecordLayout`](crate::RecordLayout): the pahole-style report of a record.

mod builder;
pub(crate) mod decl;
pub(crate) mod func;
pub(crate) mod id;
pub(crate) mod layout;
pub(crate) mod long_double;
mod merge;
mod nesting;
mod number;
mod print;
mod record;
pub(crate) mod set;
pub(crate) mod ty;
mod typename;

// The names most programs write live at the crate root (their one public path);
// the crate's own code reaches them here too.
pub(crate) use decl::{ConstValue, Constant};
pub(crate) use func::CallConv;
pub(crate) use id::TypeId;
pub(crate) use long_double::LongDouble;
pub(crate) use set::TypeSet;
pub(crate) use ty::{FloatKind, IntKind, Layout, QualType, Type};

pub use builder::TypeBuilder;
pub use decl::{ConstOrigin, Enum, Global, Typedef};
pub use func::{FnSig, FunctionDecl, Linkage};

/// The old name of [`FunctionDecl`], which clashed with the callable
/// [`crate::Function`].
#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed `wyvern::types::FunctionDecl`")]
pub type Function = FunctionDecl;
pub use id::{EnumId, FunctionId, RecordId, TypedefId};
pub use layout::{FieldLayout, Hole};
pub use long_double::ParseLongDoubleError;
#[cfg_attr(not(feature = "db"), allow(unused_imports))]
pub(crate) use nesting::check_nesting;
pub use number::hex_float;
pub use record::{Field, FlatField, Record, RecordDef, RecordKind};
pub use set::Target;
pub(crate) use set::TypeSetData;
pub use ty::{scalar_from_words, Quals};
