//! Records: structs and unions, their members, and the alignment DWARF leaves
//! unsaid (see the parent module).

use gimli::AttributeValue;

use super::{Converter, Die, Malformed, Result, Unit};
use crate::types::{tag_name, Field, Layout, QualType, RecordDef, RecordKind, Type, TypeId};

impl<'d, 'a> Converter<'d, 'a> {
    pub(super) fn record(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        depth: u32,
    ) -> Result<TypeId> {
        let kind = if entry.tag() == gimli::DW_TAG_union_type {
            RecordKind::Union
        } else {
            RecordKind::Struct
        };
        let tag = self.name(unit, entry)?;
        let declaration = Self::flag(entry, gimli::DW_AT_declaration);
        let key = tag.as_deref().map(|t| tag_name(kind.keyword(), t));
        // A record another unit already defined (or declared) is the same record.
        let (record, id) = match key.as_ref().and_then(|k| self.named.get(k).copied()) {
            Some(id) if self.unrepresentable.contains_key(&id) => {
                let reason = self.unrepresentable[&id].clone();
                return Err(Malformed::Skip(reason));
            }
            Some(id) => {
                let Type::Record(r) = self.b.get(id).cloned().unwrap_or(Type::Void) else {
                    return Ok(id);
                };
                if declaration || !self.incomplete.contains(&id) {
                    return Ok(id);
                }
                (r, id)
            }
            None => {
                let location = self.location(unit, entry);
                let (r, id) = self.b.declare_record(kind, tag, location);
                if let Some(k) = key {
                    self.named.insert(k, id);
                    self.incomplete.insert(id);
                }
                (r, id)
            }
        };
        self.memo
            .insert(self.key(unit, entry.offset()), QualType::new(id));
        if declaration {
            return Ok(id);
        }
        let defined = self.record_body(unit, entry, record, id, depth);
        // Memoised before its body (so pointers to itself find it), a record
        // left without a body for its depth must not read as incomplete later.
        if let Err(Malformed::Skip(reason)) = &defined {
            self.unrepresentable.insert(id, reason.clone());
        }
        defined.map(|()| id)
    }

    /// Reads the members of `record` (of the type `id`) and defines it.
    pub(super) fn record_body(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        record: crate::types::RecordId,
        id: TypeId,
        depth: u32,
    ) -> Result<()> {
        let location = self.location(unit, entry);
        self.b.set_record_location(record, location);
        let size = Self::udata(entry, gimli::DW_AT_byte_size).unwrap_or(0);
        self.check_size(unit, entry, size)?;
        let mut fields = Vec::new();
        // clang states a member's `aligned(N)` (gcc does not): a floor for the record.
        let mut member_align = 1;
        let mut tree = unit.entries_tree(Some(entry.offset()))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let member = child.entry();
            // A C++ class: its layout or use depends on what C has not.
            let cxx = match member.tag() {
                gimli::DW_TAG_inheritance => Some("derives from a base class"),
                gimli::DW_TAG_subprogram => Some("has member functions"),
                gimli::DW_TAG_template_type_parameter | gimli::DW_TAG_template_value_parameter => {
                    Some("is a template instance")
                }
                gimli::DW_TAG_variable => Some("has static data members"),
                gimli::DW_TAG_member if Self::flag(member, gimli::DW_AT_declaration) => {
                    Some("has static data members")
                }
                gimli::DW_TAG_variant_part => Some("has variant parts"),
                _ => None,
            };
            if let Some(why) = cxx {
                return Err(Malformed::Skip(format!(
                    "it is a C++ class that {why}, which C has not (the DWARF entry at {:#x})",
                    self.key(unit, entry.offset())
                )));
            }
            if member.tag() != gimli::DW_TAG_member {
                continue;
            }
            if let Some(a) = Self::udata(member, gimli::DW_AT_alignment) {
                if a.is_power_of_two() {
                    member_align = member_align.max(a);
                }
            }
            fields.push(self.member(unit, member, depth)?);
        }
        let explicit = Self::udata(entry, gimli::DW_AT_alignment);
        let align = match explicit {
            Some(a) if a > 0 => a,
            _ if fields.is_empty()
                && entry.tag() == gimli::DW_TAG_union_type
                && self.transparent_union_size(size) =>
            {
                size
            }
            _ => self.derived_align(&fields, size).max(member_align),
        };
        let packed = explicit.is_none() && fields.iter().any(|f| self.misaligned(f));
        self.b
            .check_record_nesting(record, &fields)
            .map_err(Malformed::Skip)?;
        self.b.define_record(
            record,
            RecordDef {
                layout: Layout::new(size, align),
                fields,
                packed,
            },
        );
        self.incomplete.remove(&id);
        Ok(())
    }

    /// A record of [`MAX_OBJECT_BYTES`](crate::limits::MAX_OBJECT_BYTES) or more
    /// is left out, as from headers.
    fn check_size(&self, unit: &Unit<'a>, entry: &Die<'a>, size: u64) -> Result<()> {
        if size < crate::limits::MAX_OBJECT_BYTES {
            return Ok(());
        }
        Err(Malformed::Skip(format!(
            "a record of {size} bytes is too large (offsets are kept in bits, so \
             records below 2^60 bytes are read) (the DWARF entry at {:#x})",
            self.key(unit, entry.offset())
        )))
    }

    pub(super) fn member(
        &mut self,
        unit: &Unit<'a>,
        member: &Die<'a>,
        depth: u32,
    ) -> Result<Field> {
        let name = self.name(unit, member)?;
        let ty = self.type_of(unit, member, depth)?;
        let unreadable = |this: &Self, what: &str| {
            Malformed::Skip(format!(
                "the offset of its member {} {what} (the DWARF entry at {:#x})",
                name.as_deref()
                    .map_or("(unnamed)".into(), |n| format!("'{n}'")),
                this.key(unit, member.offset())
            ))
        };
        // No location is offset 0 (DWARF 5, 5.7.6: a union's members, and a member
        // at the start of its record); a value is never invented.
        let byte_offset = match member.attr_value(gimli::DW_AT_data_member_location) {
            Some(AttributeValue::Exprloc(expr)) => {
                let mut ops = expr.operations(unit.encoding());
                let mut at = 0u64;
                while let Some(op) = ops.next()? {
                    match op {
                        gimli::Operation::PlusConstant { value } => {
                            at = at
                                .checked_add(value)
                                .ok_or_else(|| unreadable(self, "overflows"))?;
                        }
                        _ => {
                            return Err(unreadable(
                                self,
                                "is a location expression other than DW_OP_plus_uconst",
                            ))
                        }
                    }
                }
                at
            }
            Some(value) => value
                .udata_value()
                .ok_or_else(|| unreadable(self, "is not a constant"))?,
            None => 0,
        };
        let byte_bits = byte_offset
            .checked_mul(8)
            .ok_or_else(|| unreadable(self, "is past the largest record"))?;
        let bit_size = Self::udata(member, gimli::DW_AT_bit_size).map(|b| b as u32);
        let offset_bits = if let Some(bits) = Self::udata(member, gimli::DW_AT_data_bit_offset) {
            bits
        } else if let (Some(width), Some(bit_offset)) = (
            bit_size,
            member.attr_value(gimli::DW_AT_bit_offset).and_then(|v| {
                v.sdata_value()
                    .or_else(|| v.udata_value().map(|u| u as i64))
            }),
        ) {
            let storage = Self::udata(member, gimli::DW_AT_byte_size)
                .or_else(|| self.b_layout(ty.id).map(|l| l.size))
                .unwrap_or(0);
            // DWARF 4 counts from the most significant bit of the storage unit.
            // DWARF 4 counts from the most significant bit of the storage unit.
            let within = i128::from(storage) * 8 - i128::from(bit_offset) - i128::from(width);
            u64::try_from(within)
                .ok()
                .and_then(|within| byte_bits.checked_add(within))
                .ok_or_else(|| unreadable(self, "(a DWARF 4 bit offset) lies outside its record"))?
        } else {
            byte_bits
        };
        Ok(Field {
            name,
            ty,
            offset_bits,
            bit_width: bit_size,
        })
    }

    pub(super) fn b_layout(&self, id: TypeId) -> Option<Layout> {
        self.b.layout_of(self.b.canonical(id))
    }

    pub(super) fn natural_align(&self, f: &Field) -> u64 {
        if f.bit_width.is_some() {
            return 1;
        }
        self.align_of(f.ty.id)
    }

    /// A type's alignment; for a flexible array member (no size), its element's.
    pub(super) fn align_of(&self, id: TypeId) -> u64 {
        let mut id = id;
        for _ in 0..64 {
            if let Some(l) = self.b_layout(id) {
                return l.align.max(1);
            }
            match self.b.get(id) {
                Some(Type::Array { elem, .. }) => id = elem.id,
                Some(Type::Typedef(_)) => id = self.b.canonical(id),
                _ => return 1,
            }
        }
        1
    }

    pub(super) fn misaligned(&self, f: &Field) -> bool {
        f.bit_width.is_none() && f.offset_bits % (self.natural_align(f) * 8) != 0
    }

    /// Whether a union of this size, with no members in the DWARF, is a
    /// transparent union (`__SOCKADDR_ARG`): gcc writes none of its members. Each
    /// member of one has the machine mode of the first, a pointer or an integer, so
    /// it is as aligned as it is large — at most a pointer. (Nothing else is a
    /// union with a size and no members: C has no empty unions.)
    pub(super) fn transparent_union_size(&self, size: u64) -> bool {
        size.is_power_of_two() && size <= u64::from(self.b.target().pointer_size)
    }

    /// A record's alignment when DWARF does not state it: the largest power of
    /// two, up to the widest member's alignment, that divides the size and every
    /// member's offset as far as that member's own alignment goes. A plain record
    /// gets its widest member's alignment, `#pragma pack(N)` gets N, a packed one
    /// gets 1. DWARF cannot tell apart a packed record whose members all sit at
    /// aligned offsets (it comes out more aligned than it is), nor one with a few
    /// packed members among aligned ones (it comes out less aligned).
    pub(super) fn derived_align(&self, fields: &[Field], size: u64) -> u64 {
        let widest = fields
            .iter()
            .map(|f| self.align_of(f.ty.id))
            .max()
            .unwrap_or(1);
        let mut align = widest.max(1);
        while align > 1 {
            let fits = size % align == 0
                && fields.iter().all(|f| {
                    f.bit_width.is_some()
                        || f.offset_bits % (self.natural_align(f).min(align) * 8) == 0
                });
            if fits {
                break;
            }
            align /= 2;
        }
        align
    }
}
