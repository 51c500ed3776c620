//! Record layout reports: every field's offset and size, the holes between them and
//! the trailing padding, for pahole-style text or JSON.

use serde::Serialize;

use super::record::{Field, RecordKind};
use super::set::TypeSet;
use super::ty::Type;
use super::TypeId;
use crate::error::{ErrorKind, Result};

/// The layout of one record, as `wyvern layout` reports it.
///
/// The default is an empty report to fill with
/// [`TypeSet::record_layout_into`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
        let mut layout = RecordLayout::default();
        self.record_layout_into(ty, name, &mut layout)?;
        Ok(layout)
    }

    /// As [`record_layout`](Self::record_layout), into `layout`, reusing the
    /// memory of what it held (its strings and lists): a caller printing every
    /// record of a set one at a time allocates for the largest, not for each.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("struct a { char c; int i; }; struct b { double d; };")?;
    /// let mut layout = wyvern::RecordLayout::default();
    /// let mut text = String::new();
    /// for (name, ty) in types.named_records() {
    ///     types.record_layout_into(ty, &name, &mut layout)?;
    ///     layout.write_text(&mut text);
    /// }
    /// assert!(text.starts_with("struct a {"));
    /// assert_eq!(layout.name, "struct b");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`record_layout`](Self::record_layout); `layout` is then left partly
    /// overwritten.
    pub fn record_layout_into(
        &self,
        ty: TypeId,
        name: &str,
        into: &mut RecordLayout,
    ) -> Result<()> {
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
        self.field_layouts_into(&def.fields, 0, 0, &mut into.fields);
        let holes = &mut into.holes;
        holes.clear();
        let mut end_bits = 0u64;
        for f in &into.fields {
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
        into.name.clear();
        into.name.push_str(name);
        into.kind = record.kind.keyword();
        into.size = layout.size;
        into.align = layout.align;
        into.padding = layout.size.saturating_sub(used_bytes);
        into.packed = def.packed;
        into.record.clear();
        self.declare_into(canonical.into(), "", &mut into.record);
        Ok(())
    }

    /// The layouts of `fields` (at `base_bits` in the outermost record) into
    /// `into`, reusing the layouts it holds.
    fn field_layouts_into(
        &self,
        fields: &[Field],
        base_bits: u64,
        depth: u32,
        into: &mut Vec<FieldLayout>,
    ) {
        into.truncate(fields.len());
        for (i, f) in fields.iter().enumerate() {
            match into.get_mut(i) {
                Some(layout) => self.field_layout_into(f, base_bits, depth, layout),
                None => {
                    // Room for most spellings, so they seldom grow.
                    let mut layout = FieldLayout {
                        ty: String::with_capacity(32),
                        decl: String::with_capacity(48),
                        ..FieldLayout::default()
                    };
                    self.field_layout_into(f, base_bits, depth, &mut layout);
                    into.push(layout);
                }
            }
        }
    }

    fn field_layout_into(&self, f: &Field, base_bits: u64, depth: u32, into: &mut FieldLayout) {
        let bit_offset = base_bits.saturating_add(f.offset_bits);
        let size = self.layout(f.ty.id).map(|l| l.size).unwrap_or(0);
        let nested = if f.is_anonymous_member() && depth < crate::limits::MAX_TYPE_DEPTH {
            match self.ty(self.canonical(f.ty.id)) {
                Type::Record(r) => self.record(*r).def.as_ref(),
                _ => None,
            }
        } else {
            None
        };
        match nested {
            Some(def) => {
                let inner = into.fields.get_or_insert_with(Vec::new);
                self.field_layouts_into(&def.fields, bit_offset, depth + 1, inner);
            }
            None => into.fields = None,
        }
        // Into the string it held, when it held one.
        into.name.clone_from(&f.name);
        into.ty.clear();
        self.declare_into(f.ty, "", &mut into.ty);
        into.decl.clear();
        self.declare_into(f.ty, f.name.as_deref().unwrap_or_default(), &mut into.decl);
        into.offset = bit_offset / 8;
        into.bit_offset = bit_offset;
        into.bit_width = f.bit_width;
        into.size = size;
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
        let mut out = String::with_capacity(64 * (self.fields.len() + 4));
        self.write_text(&mut out);
        out
    }

    /// As [`to_text`](Self::to_text), appended to `out`: a caller printing many
    /// layouts reuses one buffer.
    pub fn write_text(&self, out: &mut String) {
        // A typedef name does not say struct or union; the header line does.
        out.push_str(&self.name);
        if self.name != self.record {
            // `FILE: struct _IO_FILE {`, `pthread_mutex_t: union {`
            out.push_str(": ");
            out.push_str(self.record.trim_end_matches(" {...}"));
        }
        out.push_str(" {\n");
        let mut holes = self.holes.iter().peekable();
        let mut members = 0u64;
        for f in &self.fields {
            while let Some(h) = holes.next_if(|h| h.bit_offset < f.bit_offset && field_bits(f) > 0)
            {
                hole_line(out, h, 1);
            }
            write_field(out, f, 1);
            members += 1;
        }
        for h in holes {
            hole_line(out, h, 1);
        }
        let hole_bits: u64 = self.holes.iter().map(|h| h.bits).sum();
        out.push_str("\n\t/* size: ");
        number(out, self.size, 0);
        out.push_str(", align: ");
        number(out, self.align, 0);
        out.push_str(", members: ");
        number(out, members, 0);
        out.push_str(", cachelines: ");
        number(out, self.size.div_ceil(64), 0);
        out.push_str(" */\n");
        if !self.holes.is_empty() {
            out.push_str("\t/* sum members holes: ");
            number(out, hole_bits / 8, 0);
            out.push_str(" bytes");
            if hole_bits % 8 > 0 {
                out.push(' ');
                number(out, hole_bits % 8, 0);
                out.push_str(" bits");
            }
            out.push_str(", in ");
            number(out, self.holes.len() as u64, 0);
            out.push_str(" holes */\n");
        }
        if self.padding > 0 {
            out.push_str("\t/* padding: ");
            number(out, self.padding, 0);
            out.push_str(" */\n");
        }
        if self.packed {
            out.push_str("\t/* packed */\n");
        }
        out.push_str("};\n");
    }
}

fn write_field(out: &mut String, f: &FieldLayout, indent: usize) {
    let width = 48usize.saturating_sub(indent * 8);
    if let Some(nested) = &f.fields {
        tabs(out, indent);
        out.push_str(f.ty.trim_end_matches(" {...}"));
        out.push_str(" {\n");
        for inner in nested {
            write_field(out, inner, indent + 1);
        }
        tabs(out, indent);
        out.push_str("};");
        spaces(out, width.saturating_sub(2));
        position(out, f);
        return;
    }
    tabs(out, indent);
    let start = out.len();
    out.push_str(&f.decl);
    if let Some(w) = f.bit_width {
        out.push(':');
        number(out, u64::from(w), 0);
    }
    out.push(';');
    let decl = &out[start..];
    // At least one space after the declaration (counted in bytes), padded to the
    // column (counted in characters).
    let width = width.max(decl.len() + 1);
    // Counting characters is slower than the check that there are none but ASCII.
    let chars = if decl.is_ascii() {
        decl.len()
    } else {
        decl.chars().count()
    };
    let pad = width.saturating_sub(chars);
    spaces(out, pad);
    position(out, f);
}

/// A member's `/* offset size */` comment and the end of its line.
fn position(out: &mut String, f: &FieldLayout) {
    // `/* {offset:>6}:{bit:<2}{size:>5} */` for a bitfield, else
    // `/* {offset:>6}{size:>8} */`.
    out.push_str("/* ");
    number(out, f.offset, 6);
    if f.bit_width.is_some() {
        out.push(':');
        // A bit within a byte is one digit: `{:<2}` adds one space.
        number(out, f.bit_offset % 8, 0);
        out.push(' ');
        number(out, f.size, 5);
    } else {
        number(out, f.size, 8);
    }
    out.push_str(" */\n");
}

fn tabs(out: &mut String, n: usize) {
    repeat(out, "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t", n);
}

/// `n` spaces. Not `{:<width$}`: `format!` panics on a width above `u16::MAX`,
/// which a long member name reaches.
fn spaces(out: &mut String, n: usize) {
    repeat(
        out,
        "                                                                ",
        n,
    );
}

/// `n` copies of the one-byte character that `run` is made of, pushed a run at a time.
fn repeat(out: &mut String, run: &str, mut n: usize) {
    while n > 0 {
        let k = n.min(run.len());
        out.push_str(&run[..k]);
        n -= k;
    }
}

/// `n` in decimal, right-aligned in `width` columns (as `{n:>width$}`), with
/// no trip through `core::fmt`: a large layout prints thousands of them.
pub(super) fn number(out: &mut String, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = &digits[at..];
    spaces(out, width.saturating_sub(digits.len()));
    // Pushed one by one (a few, ASCII) rather than checked as UTF-8 first.
    for &digit in digits {
        out.push(char::from(digit));
    }
}

fn hole_line(out: &mut String, h: &Hole, indent: usize) {
    if h.bits % 8 == 0 {
        out.push('\n');
        tabs(out, indent);
        out.push_str("/* XXX ");
        number(out, h.bits / 8, 0);
        out.push_str(" bytes hole, try to pack */\n\n");
    } else {
        tabs(out, indent);
        out.push_str("/* XXX ");
        number(out, h.bits, 0);
        out.push_str(" bits hole, try to pack */\n");
    }
}
