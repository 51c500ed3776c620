//! Calling C: libraries, values, objects and functions.
//!
//! This module is private: its items are re-exported at the crate root, their
//! one public path. It is the last layer, using [`crate::abi`] to lower calls and
//! [`crate::types`] for what it calls.
//!
//! - [`Library`]: a shared object opened by path or soname, or the running process.
//! - [`Module`]: a [`TypeSet`](crate::TypeSet) with the libraries that define it;
//!   functions and globals by their header names.
//! - [`Function`]: one function bound to its symbol, with its libffi interface
//!   prepared once; [`Function::call`] takes checked [`Value`]s,
//!   [`Function::typed`] hands out a plain Rust function pointer after checking
//!   its type against the header.
//! - [`Value`] and [`CData`]: values and owned C objects, read and written by
//!   field path with every conversion checked.
//! - [`CPtr`]: a typed pointer to C memory (an object's, or C's own), read and
//!   written in place by the same paths, checked against the memory it may reach.

mod call;
mod callback;
mod data;
mod errno;
mod invoke;
mod library;
mod mem;
mod module;
mod named;
mod per_thread;
mod ptr;
mod raw;
mod register_call;
mod scalar;
mod store;
mod typed;
mod unwind;
mod value;

pub use call::Function;
pub use callback::typed::{typed_callback, CallbackArgs};
pub use callback::Callback;
pub use data::CData;
pub use errno::{last_errno, set_errno};
pub use library::Library;
pub use module::Module;
pub use ptr::{Accessor, Bound, CPtr, TypedAccessor};
pub use typed::{CType, FnType, RustType};
pub use value::Value;
