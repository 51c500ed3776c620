//! What [`compare`](super::compare) returns: the differences, and how they print.

use std::fmt;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::SourceLocation;

/// What kind of disagreement a [`Difference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DifferenceKind {
    /// A function the header declares with external linkage that the binary does
    /// not define (or defines only as `static`).
    MissingFunction,
    /// The same name is a different kind of thing: a struct in one and a union in the
    /// other, a record and a scalar, a function and a variable.
    ItemKind,
    /// A function's return type.
    ReturnType,
    /// A function's number of parameters.
    ParameterCount,
    /// The type of one parameter.
    ParameterType,
    /// Whether a function ends in `...`.
    Variadic,
    /// A function's calling convention.
    CallingConvention,
    /// The size of a record or enum.
    Size,
    /// The alignment of a record.
    Alignment,
    /// A field the header has and the binary does not.
    MissingField,
    /// A field only the binary has.
    ExtraField,
    /// Where a field is.
    FieldOffset,
    /// Whether a field is a bitfield, and its width.
    FieldBitWidth,
    /// The type of a field.
    FieldType,
    /// The value of an enumerator.
    EnumValue,
    /// An enumerator the header has and the binary does not.
    MissingEnumerator,
    /// An enumerator only the binary has.
    ExtraEnumerator,
    /// The type of a global variable.
    GlobalType,
    /// The symbol a function or global links to: the header's asm label (or its
    /// name) against the binary's linkage name (or its name).
    Symbol,
}

impl DifferenceKind {
    /// The diff-like mark of the kind: `-` for what the binary lacks, `+` for what
    /// only the binary has, `!` for what both have but differently.
    pub fn marker(self) -> char {
        match self {
            DifferenceKind::MissingFunction
            | DifferenceKind::MissingField
            | DifferenceKind::MissingEnumerator => '-',
            DifferenceKind::ExtraField | DifferenceKind::ExtraEnumerator => '+',
            _ => '!',
        }
    }
}

/// One disagreement between the header and the binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What kind of disagreement it is.
    pub kind: DifferenceKind,
    /// The item compared: `struct config`, `point_t` (an anonymous record named by a
    /// typedef), `enum color`, `function open`, `global environ`.
    pub item: String,
    /// What in the item differs: the item itself, or a member of it
    /// (`struct config.flags`, `struct outer.inner.x`, `enum color.GREEN`).
    pub subject: String,
    /// What differs, the header first: `offset 8 in the header, 12 in the binary`.
    /// Offsets are in bytes, or in bits (`bit offset 3 …`) where either is not a
    /// whole byte.
    pub message: String,
    /// The header's value, for a difference of value (`24`, `'int'`).
    pub header: Option<String>,
    /// The binary's value, for a difference of value (`32`, `'long'`).
    pub binary: Option<String>,
    /// Where the item is declared: in the header when known, else in the binary.
    pub location: Option<SourceLocation>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// How many items of each kind were compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CheckCounts {
    /// Functions of the header with external linkage, missing ones included.
    pub functions: usize,
    /// Records defined in both.
    pub records: usize,
    /// Enums defined in both.
    pub enums: usize,
    /// Global variables in both.
    pub globals: usize,
}

impl CheckCounts {
    /// Every item compared.
    pub fn total(&self) -> usize {
        self.functions + self.records + self.enums + self.globals
    }
}

/// The result of [`compare`](super::compare): every difference, and what was compared.
///
/// `Display` prints one line per difference, grouped by item, then a summary:
///
/// ```text
/// <cdef>:2:8: struct config
///   ! size 24 in the header, 32 in the binary
///   ! .flags: offset 8 in the header, 12 in the binary
///   - field 'debug' is missing in the binary
/// 3 differences in 1 of 41 items checked
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The differences, item by item in the header's order: functions, then
    /// records, enums and globals.
    pub differences: Vec<Difference>,
    /// What was compared.
    pub checked: CheckCounts,
    /// Header items that could not be checked because the binary does not describe
    /// them: records and enums it does not define, globals it does not have, and
    /// `inline` functions it has no symbol for (an inline definition need not emit one).
    pub not_checked: Vec<String>,
}

impl CheckReport {
    /// Whether the header and the binary agree on everything compared.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }

    /// How many items have at least one difference.
    pub fn items_with_differences(&self) -> usize {
        self.differences
            .iter()
            .map(|d| d.item.as_str())
            .collect::<FxHashSet<_>>()
            .len()
    }

    /// The differences grouped by item, in order of first appearance.
    fn groups(&self) -> Vec<(&str, Vec<&Difference>)> {
        let mut order: Vec<(&str, Vec<&Difference>)> = Vec::new();
        let mut at: FxHashMap<&str, usize> = FxHashMap::default();
        for d in &self.differences {
            let i = *at.entry(d.item.as_str()).or_insert_with(|| {
                order.push((d.item.as_str(), Vec::new()));
                order.len() - 1
            });
            if let Some((_, group)) = order.get_mut(i) {
                group.push(d);
            }
        }
        order
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (item, group) in self.groups() {
            match group.iter().find_map(|d| d.location.as_ref()) {
                Some(location) => writeln!(f, "{location}: {item}")?,
                None => writeln!(f, "{item}")?,
            }
            for d in group {
                let member = d.subject.strip_prefix(item).unwrap_or(&d.subject);
                let marker = d.kind.marker();
                if member.is_empty() {
                    writeln!(f, "  {marker} {}", d.message)?;
                } else {
                    writeln!(f, "  {marker} {member}: {}", d.message)?;
                }
            }
        }
        let total = self.checked.total();
        let items = plural(total, "item");
        if self.is_clean() {
            write!(f, "no differences in {total} {items} checked")?;
        } else {
            let count = self.differences.len();
            write!(
                f,
                "{count} {} in {} of {total} {items} checked",
                plural(count, "difference"),
                self.items_with_differences()
            )?;
        }
        match self.not_checked.len() {
            0 => writeln!(f),
            n => writeln!(f, "; {n} not checked (the binary does not describe them)"),
        }
    }
}

pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
