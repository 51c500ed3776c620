//! Record layout reports: every field's offset and size, the holes between them and
//! the trailing padding, for pahole-style text or JSON.

use serde::Serialize;

use super::record::{Field, RecordKind};
use super::set::TypeSet;
use super::ty::Type;
use super::TypeId;
use crate::error::{ErrorKind, Result};

/// The layout of one record, as `wyvern layout` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordLayout {
    /// The name it was asked by (`struct stat`, `pthread_mutex_t`).
    pub name: String,
    /// `struct` or `union`.
    pub kind: &'static str,
    /// `sizeof`, in bytes.
    pub size: u64,
    /// `_Alignof`, in bytes.
    pub align: u64,
    /// Every member in declaration order.
    pub fields: Vec<FieldLayout>,
    /// Gaps between members that no member covers.
    pub holes: Vec<Hole>,
    /// Bytes after the last member up to `size`.
    pub padding: u64,
    /// Whether the record is packed.
    #[serde(skip)]
    pub packed: bool,
    /// The record's own C spelling (`struct _IO_FILE` for `FILE`).
    #[serde(skip)]
    pub record: String,
}

/// One member of a [`RecordLayout`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldLayout {
    /// The name, or `None` for an anonymous member or unnamed bitfield.
    pub name: Option<String>,
    /// The C spelling of its type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Offset in whole bytes (for a bitfield, the byte holding its first bit).
    pub offset: u64,
    /// Offset in bits from the record's start.
    pub bit_offset: u64,
    /// The width of a bitfield.
    pub bit_width: Option<u32>,
    /// `sizeof` the member's type (for a bitfield, of its declared type).
    pub size: u64,
    /// For an anonymous struct or union member: its members, offsets from the outer record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldLayout>>,
    /// The member as a C declaration (`char name[16]`, `void (*cb)(int)`).
    #[serde(skip)]
    pub decl: String,
}

/// A gap in a struct that no member covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hole {
    /// Where it starts, in bits from the record's start.
    pub bit_offset: u64,
    /// How long it is, in bits.
    pub bits: u64,
}

impl TypeSet {
    /// The layout report of a record type (seeing through typedefs), named `name`.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("struct s { char c; int i; short flags : 3; };")?;
    /// let s = types.type_named("struct s")?;
    /// let layout = types.record_layout(s.id, "struct s")?;
    /// assert_eq!((layout.size, layout.align), (12, 4));
    /// assert_eq!(layout.fields[1].offset, 4);
    /// assert_eq!(layout.holes[0].bits, 24); // after `c`
    /// assert_eq!(layout.fields[2].bit_width, Some(3));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotARecord`] for another kind of type, [`ErrorKind::Incomplete`]
    /// for a declared but undefined record.
    pub fn record_layout(&self, ty: TypeId, name: &str) -> Result<RecordLayout> {
        let canonical = self.canonical(ty);
        let Type::Record(record_id) = self.ty(canonical) else {
            return Err(ErrorKind::NotARecord {
                name: name.to_owned(),
                found: describe_kind(self, canonical),
            }
            .into());
        };
        let record = self.record(*record_id);
        let Some(def) = &record.def else {
            let spelled = self.spell(canonical.into());
            if let Some(why) = self.why_skipped(&spelled) {
                return Err(ErrorKind::LeftOut {
                    name: name.to_owned(),
                    reason: why.to_owned(),
                }
                .into());
            }
            return Err(ErrorKind::Incomplete {
                name: name.to_owned(),
            }
            .into());
        };
        // Asked by a typedef name, the typedef's own alignment attribute counts.
        let layout = self.layout(ty).unwrap_or(def.layout);
        let fields: Vec<FieldLayout> = def
            .fields
            .iter()
            .map(|f| self.field_layout(f, 0, 0))
            .collect();
        let mut holes = Vec::new();
        let mut end_bits = 0u64;
        for f in &fields {
            let extent = field_bits(f);
            // Zero-width bitfields and flexible arrays occupy nothing: they neither
            // end a hole nor start one.
            if extent == 0 {
                continue;
            }
            if record.kind == RecordKind::Struct && f.bit_offset > end_bits {
                holes.push(Hole {
                    bit_offset: end_bits,
                    bits: f.bit_offset.saturating_sub(end_bits),
                });
            }
            end_bits = end_bits.max(f.bit_offset.saturating_add(extent));
        }
        // Bits left in the last byte after a bitfield are a hole, not padding.
        let used_bytes = end_bits.div_ceil(8);
        if end_bits % 8 != 0 {
            holes.push(Hole {
                bit_offset: end_bits,
                bits: used_bytes.saturating_mul(8).saturating_sub(end_bits),
            });
        }
        Ok(RecordLayout {
            name: name.to_owned(),
            kind: record.kind.keyword(),
            size: layout.size,
            align: layout.align,
            fields,
            holes,
            padding: layout.size.saturating_sub(used_bytes),
            packed: def.packed,
            record: self.spell(canonical.into()),
        })
    }

    fn field_layout(&self, f: &Field, base_bits: u64, depth: u32) -> FieldLayout {
        let bit_offset = base_bits.saturating_add(f.offset_bits);
        let size = self.layout(f.ty.id).map(|l| l.size).unwrap_or(0);
        let nested = if f.is_anonymous_member() && depth < crate::limits::MAX_TYPE_DEPTH {
            match self.ty(self.canonical(f.ty.id)) {
                Type::Record(r) => self.record(*r).def.as_ref().map(|d| {
                    d.fields
                        .iter()
                        .map(|inner| self.field_layout(inner, bit_offset, depth + 1))
                        .collect()
                }),
                _ => None,
            }
        } else {
            None
        };
        FieldLayout {
            name: f.name.clone(),
            ty: self.spell(f.ty),
            decl: self.declare(f.ty, f.name.as_deref().unwrap_or_default()),
            offset: bit_offset / 8,
            bit_offset,
            bit_width: f.bit_width,
            size,
            fields: nested,
        }
    }
}

/// How many bits a member occupies.
fn field_bits(f: &FieldLayout) -> u64 {
    match f.bit_width {
        Some(w) => u64::from(w),
        None => f.size.saturating_mul(8),
    }
}

fn describe_kind(set: &TypeSet, id: TypeId) -> String {
    match set.ty(id) {
        Type::Void => "void".into(),
        Type::Bool | Type::Int(_) | Type::Float(_) | Type::Complex(_) | Type::Vector { .. } => {
            format!("the scalar type '{}'", set.spell(id.into()))
        }
        Type::Pointer(_) => format!("the pointer type '{}'", set.spell(id.into())),
        Type::Array { .. } => format!("the array type '{}'", set.spell(id.into())),
        Type::Enum(_) => format!("the enum type '{}'", set.spell(id.into())),
        Type::Function(_) => format!("the function type '{}'", set.spell(id.into())),
        Type::Record(_) | Type::Typedef(_) => set.spell(id.into()),
    }
}

impl RecordLayout {
    /// pahole-style text: one line per member with its offset and size, holes and
    /// padding called out, and a summary.
    pub fn to_text(&self) -> String {
        // A typedef name does not say struct or union; the header line does.
        let mut out = if self.name == self.record {
            format!("{} {{\n", self.name)
        } else {
            // `FILE: struct _IO_FILE {`, `pthread_mutex_t: union {`
            format!(
                "{}: {} {{\n",
                self.name,
                self.record.trim_end_matches(" {...}")
            )
        };
        let mut holes = self.holes.iter().peekable();
        let mut members = 0;
        for f in &self.fields {
            while let Some(h) = holes.next_if(|h| h.bit_offset < f.bit_offset && field_bits(f) > 0)
            {
                out.push_str(&hole_line(h, 1));
            }
            write_field(&mut out, f, 1);
            members += 1;
        }
        for h in holes {
            out.push_str(&hole_line(h, 1));
        }
        let hole_bytes: u64 = self.holes.iter().map(|h| h.bits).sum::<u64>() / 8;
        let hole_bits: u64 = self.holes.iter().map(|h| h.bits).sum::<u64>() % 8;
        out.push_str(&format!(
            "\n\t/* size: {}, align: {}, members: {members}, cachelines: {} */\n",
            self.size,
            self.align,
            self.size.div_ceil(64)
        ));
        if !self.holes.is_empty() {
            out.push_str(&format!(
                "\t/* sum members holes: {} bytes{}, in {} holes */\n",
                hole_bytes,
                if hole_bits > 0 {
                    format!(" {hole_bits} bits")
                } else {
                    String::new()
                },
                self.holes.len()
            ));
        }
        if self.padding > 0 {
            out.push_str(&format!("\t/* padding: {} */\n", self.padding));
        }
        if self.packed {
            out.push_str("\t/* packed */\n");
        }
        out.push_str("};\n");
        out
    }
}

fn write_field(out: &mut String, f: &FieldLayout, indent: usize) {
    let tabs = "\t".repeat(indent);
    let mut decl = f.decl.clone();
    if let Some(w) = f.bit_width {
        decl.push_str(&format!(":{w}"));
    }
    decl.push(';');
    let position = match f.bit_width {
        Some(_) => format!("{:>6}:{:<2}{:>5}", f.offset, f.bit_offset % 8, f.size),
        None => format!("{:>6}{:>8}", f.offset, f.size),
    };
    if let Some(nested) = &f.fields {
        out.push_str(&format!("{tabs}{} {{\n", f.ty.trim_end_matches(" {...}")));
        for inner in nested {
            write_field(out, inner, indent + 1);
        }
        out.push_str(&tabs);
        padded(out, "};", 48usize.saturating_sub(indent * 8));
        out.push_str(&format!("/* {position} */\n"));
        return;
    }
    out.push_str(&tabs);
    padded(
        out,
        &decl,
        48usize.saturating_sub(indent * 8).max(decl.len() + 1),
    );
    out.push_str(&format!("/* {position} */\n"));
}

/// `text` padded with spaces to `width` characters. Not `{:<width$}`: `format!`
/// panics on a width above `u16::MAX`, which a long member name reaches.
fn padded(out: &mut String, text: &str, width: usize) {
    out.push_str(text);
    let pad = width.saturating_sub(text.chars().count());
    out.extend(std::iter::repeat_n(' ', pad));
}

fn hole_line(h: &Hole, indent: usize) -> String {
    let tabs = "\t".repeat(indent);
    if h.bits % 8 == 0 {
        format!(
            "\n{tabs}/* XXX {} bytes hole, try to pack */\n\n",
            h.bits / 8
        )
    } else {
        format!("{tabs}/* XXX {} bits hole, try to pack */\n", h.bits)
    }
}
