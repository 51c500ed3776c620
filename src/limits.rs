//! How deeply anything wyvern reads may nest, and how large an object it lays
//! out: the one place these limits live.
//!
//! Every reader and walker that recurses (the header and DWARF front ends, the
//! macro evaluator, the type-name parser, printing, layouts, merging, checking,
//! database validation, the CLI's literal reader) counts its depth against one of
//! these constants and gives an error naming the limit past it, instead of
//! overflowing its stack. The limits are far above what real headers use and far
//! below what a 2 MiB thread stack can hold in a debug build.
//!
//! - Types: real headers nest pointers three or four deep and structs in structs a
//!   dozen deep; libclang itself refuses more than 256 nested braces
//!   (`-fbracket-depth`), so a deeper struct nesting never gets here.
//! - Expressions: macro constants in system headers nest parentheses and unary
//!   operators a few dozen deep at most, and macros inside macros a few levels.
//!
//! This module uses nothing else in the crate; everything else may use it.

/// The deepest nesting of types accepted: pointer to pointer, array of array,
/// struct holding struct by value, function taking function pointers, typedef of
/// typedef, counted through every such step. A type name
/// ([`TypeSet::type_named`](crate::TypeSet::type_named)), a header or DWARF
/// declaration or a database nesting deeper is an error (a declaration from a
/// header is left out and listed, as any declaration wyvern cannot represent).
pub const MAX_TYPE_DEPTH: u32 = 200;

/// The deepest nesting of a C constant expression: parentheses, unary operators
/// and operands of binary operators in a macro's value, and parentheses,
/// parameter lists and brace initializers in what the CLI reads. Deeper is an
/// error (a macro past it is not a constant, with the reason).
pub const MAX_EXPRESSION_DEPTH: u32 = 256;

/// The deepest nesting of macro expansions (a macro whose body uses a macro
/// whose body uses a macro …) the macro evaluator follows; a constant deeper is
/// not evaluated (the macro is not a constant, with the reason). System
/// headers nest a few levels; the expansion's size is bounded separately.
pub const MAX_MACRO_EXPANSION_DEPTH: u32 = 64;

/// The size of the smallest object (a record or an array) wyvern does not lay
/// out: 2^60 bytes. Offsets are kept in bits as `u64`, and libclang gives them as
/// 64-bit signed numbers, so every bit offset of a smaller object fits. A record
/// this large, from headers or DWARF, is left out and listed; a derived array
/// this large is an error.
pub const MAX_OBJECT_BYTES: u64 = 1 << 60;

/// The message for a nesting past `limit` (`"types"` and [`MAX_TYPE_DEPTH`]).
pub(crate) fn too_deep(what: &str, limit: u32, constant: &str) -> String {
    format!("{what} nest more than {limit} deep (the limit wyvern::limits::{constant})")
}

/// [`too_deep`] for types.
pub(crate) fn types_too_deep() -> String {
    too_deep("types", MAX_TYPE_DEPTH, "MAX_TYPE_DEPTH")
}

/// [`too_deep`] for expressions.
#[cfg_attr(not(feature = "clang"), allow(dead_code))]
pub(crate) fn expression_too_deep() -> String {
    too_deep(
        "the expression's parts",
        MAX_EXPRESSION_DEPTH,
        "MAX_EXPRESSION_DEPTH",
    )
}
