//! Structs and unions, with their exact layouts.

use serde::{Deserialize, Serialize};

use super::ty::{Layout, QualType};
use crate::SourceLocation;

/// `struct` or `union`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordKind {
    /// A struct: fields one after another.
    Struct,
    /// A union: fields overlap at offset 0.
    Union,
}

impl RecordKind {
    /// `"struct"` or `"union"`.
    pub fn keyword(self) -> &'static str {
        match self {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
        }
    }
}

/// A struct or union. Declared first, defined later (or never: an opaque record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// struct or union.
    pub kind: RecordKind,
    /// The tag, or `None` for an anonymous record.
    pub tag: Option<String>,
    /// The definition, or `None` while the record is incomplete.
    pub def: Option<RecordDef>,
    /// Where it was declared (defined, when it is).
    pub location: Option<SourceLocation>,
}

impl Record {
    /// Whether the record has a definition.
    pub fn is_complete(&self) -> bool {
        self.def.is_some()
    }
}

/// The body of a complete record, with the layout the compiler gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDef {
    /// `sizeof` and `_Alignof`.
    pub layout: Layout,
    /// The members in declaration order, unnamed bitfields and anonymous members included.
    pub fields: Vec<Field>,
    /// Whether `__attribute__((packed))` or `#pragma pack` shaped it.
    pub packed: bool,
}

/// A member of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The name; `None` for an anonymous struct/union member or an unnamed bitfield.
    pub name: Option<String>,
    /// Its type.
    pub ty: QualType,
    /// Offset from the record's start, in bits (bitfields need no special case).
    pub offset_bits: u64,
    /// The width, for a bitfield.
    pub bit_width: Option<u32>,
}

impl Field {
    /// Whether the member is padding: an unnamed bitfield. DWARF does not
    /// describe them, and a record's layout and its other members' offsets
    /// already say where the padding is, so comparisons of members leave them
    /// out (see `types::equiv`).
    pub(crate) fn is_padding(&self) -> bool {
        self.name.is_none() && self.bit_width.is_some()
    }
}

impl Field {
    /// Whether this is an anonymous struct or union member whose fields belong to the parent.
    pub fn is_anonymous_member(&self) -> bool {
        self.name.is_none() && self.bit_width.is_none()
    }
}

/// A field as C code names it: a named member of a record, or a named member of
/// one of its anonymous struct or union members, lifted into the record at its
/// offset from the record's start. See [`TypeSet::flat_fields`](super::TypeSet::flat_fields).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlatField<'a> {
    /// The name.
    pub name: &'a str,
    /// Its type.
    pub ty: QualType,
    /// Offset from the outer record's start, in bits.
    pub offset_bits: u64,
    /// The width, for a bitfield.
    pub bit_width: Option<u32>,
}
