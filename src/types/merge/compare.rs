//! How `self`'s and `other`'s declarations differ, as merge errors say it.

use super::super::decl::Enum;
use super::super::equiv::{EnumMismatch, Equiv, FieldPart, Outcome, Rules, ShapeMismatch};
use super::super::id::TypeId;
use super::super::record::RecordDef;
use super::super::set::TypeSet;
use super::super::ty::{QualType, Type};
use crate::error::{ErrorKind, Result};

/// Compares declarations of `a` (self) with those of `b` (other), as spelled
/// ([`Rules::SPELLED`]), and says how they differ in the sets' labels.
pub(super) struct Comparison<'s> {
    pub(super) a: &'s TypeSet,
    pub(super) b: &'s TypeSet,
    pub(super) a_label: &'s str,
    pub(super) b_label: &'s str,
    pub(super) equiv: Equiv<'s>,
}

impl<'s> Comparison<'s> {
    pub(super) fn new(
        a: &'s TypeSet,
        a_label: &'s str,
        b: &'s TypeSet,
        b_label: &'s str,
    ) -> Comparison<'s> {
        Comparison {
            a,
            b,
            a_label,
            b_label,
            equiv: Equiv::new(a, b, Rules::SPELLED).keeping_pairs(),
        }
    }

    pub(super) fn conflict(&self, name: String, difference: String) -> crate::Error {
        ErrorKind::Conflict { name, difference }.into()
    }

    /// Two symbols (asm labels, or names) of one declaration.
    pub(super) fn symbols(&self, x: &str, y: &str) -> String {
        format!(
            "symbol '{x}' in {}, '{y}' in {}",
            self.a_label, self.b_label
        )
    }

    pub(super) fn spellings(&self, x: QualType, y: QualType) -> String {
        format!(
            "'{}' in {}, '{}' in {}",
            self.a.spell(x),
            self.a_label,
            self.b.spell(y),
            self.b_label
        )
    }

    /// Why two types could not be compared.
    pub(super) fn too_deep(&self) -> String {
        format!(
            "cannot be compared between {} and {}: {}",
            self.a_label,
            self.b_label,
            crate::limits::types_too_deep()
        )
    }

    /// The declaration `name` has type `x` in `a` and `y` in `b` (`quals`: with
    /// their top-level qualifiers): an error unless they are the same.
    pub(super) fn same_or_conflict(
        &mut self,
        name: String,
        x: QualType,
        y: QualType,
        quals: bool,
    ) -> Result<()> {
        let outcome = if quals {
            self.equiv.qual(x, y)
        } else {
            self.equiv.unqualified(x, y)
        };
        let difference = match outcome {
            Outcome::Same => return Ok(()),
            Outcome::TooDeep => self.too_deep(),
            Outcome::Different => self.explain(x, y),
        };
        Err(self.conflict(name, difference))
    }

    /// How two types differ: their spellings, or for two anonymous records
    /// (which spell alike) how their bodies differ.
    pub(super) fn explain(&mut self, x: QualType, y: QualType) -> String {
        let body = |set: &'s TypeSet, id: TypeId| match set.data().ty(id) {
            Some(Type::Record(r)) => set
                .data()
                .records
                .get(r.index())
                .filter(|r| r.tag.is_none())
                .and_then(|r| r.def.as_ref()),
            _ => None,
        };
        if let (Some(d), Some(e)) = (body(self.a, x.id), body(self.b, y.id)) {
            if let Some(difference) = self.def_difference(d, e) {
                return format!("the struct or union it names has {difference}");
            }
        }
        self.spellings(x, y)
    }

    /// How two enum bodies differ, if they do.
    pub(super) fn enum_difference(&self, ea: &Enum, eb: &Enum) -> Option<String> {
        let (a_label, b_label) = (self.a_label, self.b_label);
        match self.equiv.enum_body(ea, eb)? {
            EnumMismatch::Size(la, lb) => Some(format!(
                "size {} in {a_label}, {} in {b_label}",
                la.map_or("unknown".into(), |l| l.to_string()),
                lb.map_or("unknown".into(), |l| l.to_string()),
            )),
            EnumMismatch::Constants => {
                let shown = |e: &Enum| {
                    let names: Vec<String> = e
                        .constants
                        .iter()
                        .map(|(n, v)| format!("{n} = {v}"))
                        .collect();
                    format!("{{{}}}", names.join(", "))
                };
                Some(format!(
                    "constants {} in {a_label}, {} in {b_label}",
                    shown(ea),
                    shown(eb),
                ))
            }
        }
    }

    /// How two record bodies differ, if they do: size, alignment, then member by
    /// member (padding left out).
    pub(super) fn def_difference(&mut self, d: &RecordDef, e: &RecordDef) -> Option<String> {
        let (a_label, b_label) = (self.a_label, self.b_label);
        let (n, f, g, part) = match self.equiv.record_shape(d, e)? {
            ShapeMismatch::Size(x, y) => {
                return Some(format!("size {x} in {a_label}, {y} in {b_label}"))
            }
            ShapeMismatch::Align(x, y) => {
                return Some(format!("alignment {x} in {a_label}, {y} in {b_label}"))
            }
            ShapeMismatch::FieldCount(x, y) => {
                return Some(format!("{x} fields in {a_label}, {y} in {b_label}"))
            }
            ShapeMismatch::Field { index, a, b, part } => (index, a, b, part),
        };
        let shown = f
            .name
            .as_deref()
            .map_or(format!("field {}", n + 1), |name| format!("field '{name}'"));
        Some(match part {
            FieldPart::Name => {
                let name = |n: &Option<String>| {
                    n.as_deref().map_or("unnamed".into(), |n| format!("'{n}'"))
                };
                format!(
                    "field {} is {} in {a_label}, {} in {b_label}",
                    n + 1,
                    name(&f.name),
                    name(&g.name)
                )
            }
            FieldPart::Offset => format!(
                "{shown} at {} in {a_label}, {} in {b_label}",
                offset(f.offset_bits),
                offset(g.offset_bits)
            ),
            FieldPart::BitWidth => {
                let width = |w: Option<u32>| {
                    w.map_or("not a bitfield".into(), |w| format!("{w} bits wide"))
                };
                format!(
                    "{shown} is {} in {a_label}, {} in {b_label}",
                    width(f.bit_width),
                    width(g.bit_width)
                )
            }
            FieldPart::Type(Outcome::TooDeep) => format!("{shown} {}", self.too_deep()),
            FieldPart::Type(_) => format!("{shown} has type {}", self.spellings(f.ty, g.ty)),
        })
    }
}

fn offset(bits: u64) -> String {
    if bits % 8 == 0 {
        format!("offset {}", bits / 8)
    } else {
        format!("bit offset {bits}")
    }
}
