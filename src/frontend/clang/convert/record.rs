//! Structs and unions: their members, with the offsets libclang reports (or
//! derives), and bitfields.

use clang_sys::*;

use super::{is_anonymous_spelling, location, Converter, RecordState, PER_FIELD_OFFSET_QUERIES};
use crate::error::{ErrorKind, Result};
use crate::frontend::clang::sys::Cursor;
use crate::types::{Field, Layout, QualType, RecordDef, RecordId, RecordKind, TypeId};

impl<'tu> Converter<'tu> {
    /// Declares (and, when its definition is visible, defines) a struct or union.
    pub(super) fn record(&mut self, c: Cursor<'tu>) -> Result<TypeId> {
        let key = c.key();
        let (record, ty, state) = match self.records.get(&key) {
            Some(&entry) => entry,
            None => {
                let kind = if c.kind() == CXCursor_UnionDecl {
                    RecordKind::Union
                } else {
                    RecordKind::Struct
                };
                let tag = self.tag_of(c);
                let loc = location(&mut self.file_names, c);
                let (record, ty) = self.b.declare_record(kind, tag, loc);
                self.records
                    .insert(key, (record, ty, RecordState::Declared));
                (record, ty, RecordState::Declared)
            }
        };
        if state == RecordState::Declared {
            if let Some(def) = c.definition() {
                self.records
                    .insert(key, (record, ty, RecordState::Defining));
                let result = self.define_record(record, def);
                let state = if result.is_ok() {
                    RecordState::Defined
                } else {
                    RecordState::Declared
                };
                self.records.insert(key, (record, ty, state));
                result?;
            }
        }
        Ok(ty)
    }

    pub(super) fn define_record(&mut self, record: RecordId, def: Cursor<'tu>) -> Result<()> {
        let Some((size, align)) = def.ty().size_align() else {
            return Ok(());
        };
        // libclang gives offsets in bits as 64-bit signed numbers: past 2^60 bytes
        // it has none to give, and none is invented.
        if size >= crate::limits::MAX_OBJECT_BYTES {
            return Err(ErrorKind::TooLarge {
                what: format!(
                    "a record of {size} bytes (libclang gives field offsets in bits, \
                     so records below 2^60 bytes are read)"
                ),
            }
            .into());
        }
        // Nested definitions are declared at file scope in C: register them first.
        let mut packed = false;
        for child in def.children() {
            match child.kind() {
                CXCursor_StructDecl | CXCursor_UnionDecl => {
                    self.record(child)?;
                }
                CXCursor_EnumDecl => {
                    self.enum_decl(child)?;
                }
                CXCursor_PackedAttr => packed = true,
                _ => {}
            }
        }
        let cursors = def.ty().fields();
        let types = cursors
            .iter()
            .map(|field| self.ty(field.ty()))
            .collect::<Result<Vec<_>>>()?;
        let layout = Layout::new(size, align);
        let offsets = self.field_offsets(def, &cursors, &types, packed, layout)?;
        let mut fields = Vec::new();
        for ((field, ty), offset_bits) in cursors.into_iter().zip(types).zip(offsets) {
            let bit_width = if field.is_bitfield() {
                field.bit_width()
            } else {
                None
            };
            let name = field.spelling();
            let name = (!name.is_empty() && !is_anonymous_spelling(&name)).then_some(name);
            if bit_width.is_none() {
                if let Some(l) = self.b.data().layout_of(ty.id) {
                    packed |= l.align > 1 && offset_bits % (l.align * 8) != 0;
                }
            }
            fields.push(Field {
                name,
                ty,
                offset_bits,
                bit_width,
            });
        }
        self.b
            .check_record_nesting(record, &fields)
            .map_err(|_| ErrorKind::TooDeep)?;
        if let Some(r) = self.b.record(record) {
            if r.location.is_none() || def.is_definition() {
                let loc = location(&mut self.file_names, def);
                self.b.set_record_location(record, loc);
            }
        }
        self.b.define_record(
            record,
            RecordDef {
                layout,
                fields,
                packed,
            },
        );
        Ok(())
    }

    /// The bit offsets of a record's fields: derived for a large record (see
    /// [`Converter::derived_offsets`]), else asked of clang field by field. A
    /// field whose offset clang does not give is an error, never offset 0.
    fn field_offsets(
        &self,
        def: Cursor<'tu>,
        cursors: &[Cursor<'tu>],
        types: &[QualType],
        packed: bool,
        layout: Layout,
    ) -> Result<Vec<u64>> {
        let union = def.kind() == CXCursor_UnionDecl;
        (cursors.len() > PER_FIELD_OFFSET_QUERIES && !packed)
            .then(|| self.derived_offsets(cursors, types, union, layout))
            .flatten()
            .or_else(|| cursors.iter().map(|f| f.field_offset_bits()).collect())
            .ok_or_else(|| {
                ErrorKind::Unrepresentable {
                    ty: def.ty().spelling(),
                    what: "a field whose offset libclang does not give".into(),
                }
                .into()
            })
    }

    /// The bit offsets of a large record's fields, laid out from their types'
    /// sizes and alignments (which clang gave) the way every C ABI lays out plain
    /// fields, and checked against clang: the record's size and alignment, and the
    /// offsets clang gives for eight fields spread over the record, the last among
    /// them. `None` (ask clang for each field) when a field is a bitfield, carries
    /// an attribute or has no layout, or when a check fails — as it does under
    /// `#pragma pack`, which lowers the record's alignment. (A flexible array
    /// member has a layout of size 0 and its element's alignment, which is where
    /// the ABIs place it.)
    pub(super) fn derived_offsets(
        &self,
        cursors: &[Cursor<'tu>],
        types: &[QualType],
        union: bool,
        layout: Layout,
    ) -> Option<Vec<u64>> {
        let mut offsets = Vec::with_capacity(cursors.len());
        let (mut end, mut align) = (0u64, 1u64);
        for (field, ty) in cursors.iter().zip(types) {
            if field.is_bitfield() || field.has_attributes() {
                return None;
            }
            let field_layout = self.b.data().layout_of(ty.id)?;
            let field_align = field_layout.align.max(1);
            let offset = if union {
                0
            } else {
                end.checked_next_multiple_of(field_align)?
            };
            offsets.push(offset.checked_mul(8)?);
            end = end.max(offset.checked_add(field_layout.size)?);
            align = align.max(field_align);
        }
        if (end.checked_next_multiple_of(align)?, align) != (layout.size, layout.align) {
            return None;
        }
        let last = cursors.len().checked_sub(1)?;
        (0..8)
            .map(|k| k * last / 7)
            .all(|i| cursors[i].field_offset_bits() == Some(offsets[i]))
            .then_some(offsets)
    }
}
