//! Enums: their enumerators and underlying type.

use gimli::AttributeValue;

use super::{Converter, Die, Malformed, Result, Unit};
use crate::types::{tag_name, Enum, IntKind, Layout, QualType, Type, TypeId};

impl<'d, 'a> Converter<'d, 'a> {
    pub(super) fn enumeration(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        depth: u32,
    ) -> Result<TypeId> {
        let tag = self.name(unit, entry)?;
        let key = tag.as_deref().map(|t| tag_name("enum", t));
        if let Some(id) = key.as_ref().and_then(|k| self.named.get(k).copied()) {
            return Ok(id);
        }
        let at = self.key(unit, entry.offset());
        // A value in a `DW_FORM_dataN` has no sign of its own: the enum's type says
        // whether 0xffffffff is 4294967295 or -1.
        let explicit = match entry.attr_value(gimli::DW_AT_type) {
            Some(_) => Some(self.type_of(unit, entry, depth)?.id),
            None => None,
        };
        // With no `DW_AT_byte_size`, the underlying type's (DWARF 3 and later);
        // with neither, the enum's size is unknown, not guessed.
        let size = match Self::udata(entry, gimli::DW_AT_byte_size) {
            Some(size) => size,
            None => match explicit.and_then(|id| self.b_layout(id)) {
                Some(layout) => layout.size,
                None => {
                    return Err(Malformed::Skip(format!(
                        "its enum states neither its size nor its underlying type \
                         (the DWARF entry at {at:#x})"
                    )))
                }
            },
        };
        let unsigned = explicit.is_some_and(|id| {
            matches!(self.b.get(self.b.canonical(id)), Some(Type::Int(k)) if !k.is_signed())
                || matches!(self.b.get(self.b.canonical(id)), Some(Type::Bool))
        });
        let constants = self.enumerators(unit, entry, unsigned)?;
        // Units that include the same header repeat its anonymous enums: they are
        // one enum, known by their first enumerator (a name unique in C's scope).
        let anonymous_key = match (&tag, constants.first()) {
            (None, Some((first, _))) => {
                if let Some(&id) = self.anonymous_enums.get(first) {
                    return Ok(id);
                }
                Some(first.clone())
            }
            _ => None,
        };
        let underlying = match explicit {
            Some(id) => id,
            None => {
                let negative = constants.iter().any(|(_, v)| *v < 0);
                let kind = implied_kind(size, negative);
                self.b
                    .intern(Type::Int(kind), Some(Layout::new(size, size.max(1))))
            }
        };
        let declaration = Self::flag(entry, gimli::DW_AT_declaration);
        self.add_enumerators(&constants);
        let location = self.location(unit, entry);
        let (_, id) = self.b.add_enum(
            Enum {
                tag,
                underlying,
                constants,
                complete: !declaration,
                location,
            },
            Some(Layout::new(size, size.max(1))),
        );
        if let Some(k) = key {
            self.named.insert(k, id);
        }
        if let Some(first) = anonymous_key {
            self.anonymous_enums.insert(first, id);
        }
        Ok(id)
    }

    /// The enumerators of `entry`, by name with their values (read as unsigned
    /// when the enum's type is).
    fn enumerators(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        unsigned: bool,
    ) -> Result<Vec<(String, i128)>> {
        let mut constants = Vec::new();
        let mut tree = unit.entries_tree(Some(entry.offset()))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let e = child.entry();
            if e.tag() != gimli::DW_TAG_enumerator {
                continue;
            }
            let name = self.name(unit, e)?.unwrap_or_default();
            let value = match e.attr_value(gimli::DW_AT_const_value) {
                Some(AttributeValue::Udata(u)) => Some(i128::from(u)),
                Some(AttributeValue::Sdata(i)) => Some(i128::from(i)),
                Some(v) if unsigned => v.udata_value().map(i128::from),
                Some(v) => v.sdata_value().map(i128::from),
                None => None,
            };
            let Some(value) = value else {
                return Err(Malformed::Skip(format!(
                    "the value of its enumerator '{name}' cannot be read \
                     (the DWARF entry at {:#x})",
                    self.key(unit, e.offset())
                )));
            };
            constants.push((name, value));
        }
        Ok(constants)
    }

    /// Adds each enumerator as an `int` constant of the set.
    fn add_enumerators(&mut self, constants: &[(String, i128)]) {
        let int = QualType::new(
            self.b
                .intern(Type::Int(IntKind::Int), Some(Layout::new(4, 4))),
        );
        for (name, value) in constants {
            self.b.add_constant(crate::types::Constant {
                name: name.clone(),
                ty: int,
                value: crate::types::ConstValue::Int(*value),
                origin: crate::types::ConstOrigin::Enum,
                location: None,
            });
        }
    }
}

/// The integer kind of an enum that names no underlying type: of its size,
/// signed when an enumerator is negative.
fn implied_kind(size: u64, negative: bool) -> IntKind {
    match (size, negative) {
        (1, true) => IntKind::SChar,
        (1, false) => IntKind::UChar,
        (2, true) => IntKind::Short,
        (2, false) => IntKind::UShort,
        (8, true) => IntKind::Long,
        (8, false) => IntKind::ULong,
        (_, true) => IntKind::Int,
        (_, false) => IntKind::UInt,
    }
}
