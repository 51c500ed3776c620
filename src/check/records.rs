//! Records: by tag, or by the typedef naming an anonymous one; member by member.

use rustc_hash::{FxHashMap, FxHashSet};

use super::side::article;
use super::{plural, Checker, DifferenceKind, Found, Item, MAX_RECORD_NESTING};
use crate::types::equiv::alignments_agree;
use crate::types::{FlatField, Record, RecordId, RecordKind, Type};

impl<'a> Checker<'a> {
    pub(super) fn records(&mut self) {
        let set = self.h.set;
        // The first typedef naming each anonymous record names it.
        let mut typedef_names: FxHashMap<RecordId, &str> = FxHashMap::default();
        for typedef in set.typedefs() {
            if let Type::Record(r) = self.h.ty(typedef.target.id) {
                typedef_names.entry(*r).or_insert(&typedef.name);
            }
        }
        let mut seen = FxHashSet::default();
        for (id, record) in set.records() {
            // Compiler-implicit records (`struct __va_list_tag`) have no location.
            if record.def.is_none() || record.location.is_none() {
                continue;
            }
            match &record.tag {
                Some(tag) => {
                    let name = format!("{} {tag}", record.kind.keyword());
                    // The definition the name finds, which later ones may not be.
                    let found = self
                        .h
                        .record_tags
                        .get(&name)
                        .and_then(|&r| self.h.record(r));
                    let record = found.unwrap_or(record);
                    if seen.insert(name.clone()) {
                        let found = self.binary_record_by_tag(record.kind, tag);
                        self.record_item(name, record, found);
                    }
                }
                None => {
                    let Some(&name) = typedef_names.get(&id) else {
                        continue;
                    };
                    if seen.insert(name.to_owned()) {
                        let found = self.binary_record_by_typedef(name);
                        self.record_item(name.to_owned(), record, found);
                    }
                }
            }
        }
    }

    fn binary_record_by_tag(&self, kind: RecordKind, tag: &str) -> Found<&'a Record> {
        let key = format!("{} {tag}", kind.keyword());
        if let Some(record) = self.b.record_tags.get(&key).and_then(|&r| self.b.record(r)) {
            return Found::Defined(record);
        }
        let other = match kind {
            RecordKind::Struct => RecordKind::Union,
            RecordKind::Union => RecordKind::Struct,
        };
        let key = format!("{} {tag}", other.keyword());
        match self.b.record_tags.get(&key).and_then(|&r| self.b.record(r)) {
            Some(record) if record.def.is_some() => Found::Other(article(other).into()),
            _ => Found::Absent,
        }
    }

    fn binary_record_by_typedef(&self, name: &str) -> Found<&'a Record> {
        let Some(id) = self.b.set.typedef_named(name) else {
            return Found::Absent;
        };
        let ty = self.b.resolve(id.into());
        match self.b.ty(ty.id) {
            Type::Record(r) => match self.b.record(*r) {
                Some(record) => Found::Defined(record),
                None => Found::Absent,
            },
            _ => Found::Other(self.b.describe(ty)),
        }
    }

    fn record_item(&mut self, name: String, record: &Record, found: Found<&Record>) {
        let binary = match found {
            Found::Defined(binary) if binary.def.is_some() => binary,
            Found::Defined(_) | Found::Absent => {
                self.report.not_checked.push(name);
                return;
            }
            Found::Other(what) => {
                self.report.checked.records += 1;
                let item = Item::new(name, &record.location, &None);
                let message = format!(
                    "{} in the header, {what} in the binary",
                    article(record.kind)
                );
                self.differ(&item, DifferenceKind::ItemKind, None, message, None);
                return;
            }
        };
        self.report.checked.records += 1;
        let item = Item::new(name, &record.location, &binary.location);
        if record.kind != binary.kind {
            let message = format!(
                "{} in the header, {} in the binary",
                article(record.kind),
                article(binary.kind)
            );
            self.differ(&item, DifferenceKind::ItemKind, None, message, None);
            return;
        }
        let subject = item.name.clone();
        self.record_body(&item, &subject, record, binary, 0);
    }

    /// Compares two record definitions, `subject` naming the record (`struct s`,
    /// or `struct s.inner` for a nested anonymous one).
    fn record_body(&mut self, item: &Item, subject: &str, h: &Record, b: &Record, nesting: u32) {
        let (Some(hd), Some(bd)) = (&h.def, &b.def) else {
            return;
        };
        let at = Some(subject);
        if hd.layout.size != bd.layout.size {
            let (hs, bs) = (hd.layout.size.to_string(), bd.layout.size.to_string());
            self.differ_value(item, DifferenceKind::Size, at, "size", hs, bs);
        }
        if !alignments_agree(hd, bd) {
            let (ha, ba) = (hd.layout.align.to_string(), bd.layout.align.to_string());
            self.differ_value(item, DifferenceKind::Alignment, at, "alignment", ha, ba);
        }
        let hf = self.h.set.flat_fields(hd);
        let bf = self.b.set.flat_fields(bd);
        let mut by_name: FxHashMap<&str, &FlatField> = FxHashMap::default();
        for field in &bf {
            by_name.entry(field.name).or_insert(field);
        }
        for field in &hf {
            match by_name.get(field.name) {
                Some(other) => self.field(item, subject, field, other, nesting),
                None => {
                    let message = format!("field '{}' is missing in the binary", field.name);
                    self.differ(item, DifferenceKind::MissingField, at, message, None);
                }
            }
        }
        let in_header: FxHashSet<&str> = hf.iter().map(|f| f.name).collect();
        for field in &bf {
            if !in_header.contains(field.name) {
                let message = format!("field '{}' is only in the binary", field.name);
                self.differ(item, DifferenceKind::ExtraField, at, message, None);
            }
        }
    }

    fn field(&mut self, item: &Item, record: &str, h: &FlatField, b: &FlatField, nesting: u32) {
        let subject = format!("{record}.{}", h.name);
        let at = Some(subject.as_str());
        if h.offset_bits != b.offset_bits {
            let (ho, bo) = (h.offset_bits, b.offset_bits);
            let (what, ho, bo) = if ho % 8 == 0 && bo % 8 == 0 {
                ("offset", ho / 8, bo / 8)
            } else {
                ("bit offset", ho, bo)
            };
            let kind = DifferenceKind::FieldOffset;
            self.differ_value(item, kind, at, what, ho.to_string(), bo.to_string());
        }
        if h.bit_width != b.bit_width {
            let width = |w: Option<u32>| match w {
                Some(w) => format!("{w} {}", plural(w as usize, "bit")),
                None => "not a bitfield".into(),
            };
            let (hw, bw) = (width(h.bit_width), width(b.bit_width));
            let message = format!("{hw} in the header, {bw} in the binary");
            let kind = DifferenceKind::FieldBitWidth;
            self.differ(item, kind, at, message, Some((hw, bw)));
        }
        // A member of anonymous record type (`struct { int x; } pos;`) is compared
        // member by member, so the report says which member differs.
        let (ht, bt) = (self.h.resolve(h.ty), self.b.resolve(b.ty));
        let nested = match (self.h.ty(ht.id), self.b.ty(bt.id)) {
            (Type::Record(hr), Type::Record(br)) => self.h.record(*hr).zip(self.b.record(*br)),
            _ => None,
        };
        match nested {
            Some((hr, br))
                if hr.tag.is_none()
                    && br.tag.is_none()
                    && hr.kind == br.kind
                    && ht.quals == bt.quals
                    && nesting < MAX_RECORD_NESTING =>
            {
                self.record_body(item, &subject, hr, br, nesting + 1);
            }
            _ => {
                let outcome = self.same_qual(h.ty, b.ty, true);
                if !outcome.is_same() {
                    let kind = DifferenceKind::FieldType;
                    self.differ_types(item, kind, at, "type", (h.ty, b.ty), outcome);
                }
            }
        }
    }
}
