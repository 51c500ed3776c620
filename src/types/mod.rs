//! wyvern's C type system: no libclang, no gimli, no libffi in here.
//!
//! Front ends fill a [`TypeBuilder`]; [`TypeBuilder::freeze`] turns it into an
//! immutable [`TypeSet`], which everything downstream reads:
//!
//! - [`Type`]: the kinds of C type, in an arena addressed by [`TypeId`];
//!   [`QualType`] adds `const`/`volatile`/`restrict`.
//! - [`Record`] with [`RecordDef`] and [`Field`]: structs and unions with exact
//!   layouts, offsets in bits so bitfields need no special case.
//! - [`FnSig`] and [`Function`]: function types with their [`CallConv`].
//! - [`Enum`], [`Typedef`], [`Global`], [`Constant`].
//! - [`RecordLayout`]: the pahole-style report of a record.

mod builder;
mod decl;
mod func;
mod id;
mod layout;
mod long_double;
mod merge;
mod nesting;
mod number;
mod print;
mod record;
mod set;
mod ty;
mod typename;

pub use builder::TypeBuilder;
pub use decl::{ConstOrigin, ConstValue, Constant, Enum, Global, Typedef};
pub use func::{CallConv, FnSig, Function, Linkage};
pub use id::{EnumId, FunctionId, RecordId, TypeId, TypedefId};
pub use layout::{FieldLayout, Hole, RecordLayout};
pub use long_double::{LongDouble, ParseLongDoubleError};
#[cfg_attr(not(feature = "db"), allow(unused_imports))]
pub(crate) use nesting::check_nesting;
pub use number::hex_float;
pub use record::{Field, FlatField, Record, RecordDef, RecordKind};
pub(crate) use set::TypeSetData;
pub use set::{Target, TypeSet};
pub use ty::{scalar_from_words, FloatKind, IntKind, Layout, QualType, Quals, Type};
