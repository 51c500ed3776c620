//! Enums: by tag, by typedef, or by their first enumerator; value by value.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Checker, DifferenceKind, Found, Item};
use crate::types::equiv::values_agree;
use crate::types::{EnumId, Type, TypeId};

impl<'a> Checker<'a> {
    pub(super) fn enums(&mut self) {
        let set = self.h.set;
        let mut typedef_names: FxHashMap<EnumId, (&str, TypeId)> = FxHashMap::default();
        for typedef in set.typedefs() {
            if let Type::Enum(e) = self.h.ty(typedef.target.id) {
                typedef_names
                    .entry(*e)
                    .or_insert((&typedef.name, typedef.target.id));
            }
        }
        let mut seen = FxHashSet::default();
        for (id, e) in set.enums() {
            if !e.complete || e.location.is_none() {
                continue;
            }
            let (name, header_ty, found) = match &e.tag {
                Some(tag) => {
                    if self.h.enum_tags.get(tag.as_str()) != Some(&id) {
                        continue;
                    }
                    let ty = self.h.set.tag("enum", tag).ok();
                    (format!("enum {tag}"), ty, self.binary_enum_by_tag(tag))
                }
                None => match typedef_names.get(&id) {
                    Some(&(name, ty)) => {
                        (name.to_owned(), Some(ty), self.binary_enum_by_typedef(name))
                    }
                    None => {
                        let Some((first, _)) = e.constants.first() else {
                            continue;
                        };
                        let found = match self.b.enumerators.get(first.as_str()) {
                            Some(&b) => match self.b.enum_(b) {
                                Some(be) => Found::Defined((be, None)),
                                None => Found::Absent,
                            },
                            None => Found::Absent,
                        };
                        (format!("enum {{ {first}, ... }}"), None, found)
                    }
                },
            };
            if seen.insert(name.clone()) {
                self.enum_item(name, e, header_ty, found);
            }
        }
    }

    fn binary_enum_by_tag(&self, tag: &str) -> Found<(&'a crate::types::Enum, Option<TypeId>)> {
        match self.b.enum_tags.get(tag).and_then(|&e| self.b.enum_(e)) {
            Some(e) => Found::Defined((e, self.b.set.tag("enum", tag).ok())),
            None => Found::Absent,
        }
    }

    fn binary_enum_by_typedef(
        &self,
        name: &str,
    ) -> Found<(&'a crate::types::Enum, Option<TypeId>)> {
        let Some(id) = self.b.set.typedef_named(name) else {
            return Found::Absent;
        };
        let ty = self.b.resolve(id.into());
        match self.b.ty(ty.id) {
            Type::Enum(e) => match self.b.enum_(*e) {
                Some(e) => Found::Defined((e, Some(ty.id))),
                None => Found::Absent,
            },
            _ => Found::Other(self.b.describe(ty)),
        }
    }

    fn enum_item(
        &mut self,
        name: String,
        e: &crate::types::Enum,
        header_ty: Option<TypeId>,
        found: Found<(&crate::types::Enum, Option<TypeId>)>,
    ) {
        let (be, binary_ty) = match found {
            Found::Defined((be, ty)) if be.complete => (be, ty),
            Found::Defined(_) | Found::Absent => {
                self.report.not_checked.push(name);
                return;
            }
            Found::Other(what) => {
                self.report.checked.enums += 1;
                let item = Item::new(name, &e.location, &None);
                let message = format!("an enum in the header, {what} in the binary");
                self.differ(&item, DifferenceKind::ItemKind, None, message, None);
                return;
            }
        };
        self.report.checked.enums += 1;
        let item = Item::new(name, &e.location, &be.location);
        let hl = self.h.enum_layout(header_ty, e);
        let bl = self.b.enum_layout(binary_ty, be);
        if let (Some(hl), Some(bl)) = (hl, bl) {
            if hl.size != bl.size {
                let (hs, bs) = (hl.size.to_string(), bl.size.to_string());
                self.differ_value(&item, DifferenceKind::Size, None, "size", hs, bs);
            }
        }
        // Enumerators are compared as bit patterns of the enum's size.
        let bits = hl.map_or(128, |l| l.size.saturating_mul(8));
        let values: FxHashMap<&str, i128> =
            be.constants.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        for (constant, value) in &e.constants {
            match values.get(constant.as_str()) {
                Some(&other) if values_agree(other, *value, bits) => {}
                Some(other) => {
                    let subject = format!("{}.{constant}", item.name);
                    let (h, b) = (value.to_string(), other.to_string());
                    let kind = DifferenceKind::EnumValue;
                    self.differ_value(&item, kind, Some(&subject), "value", h, b);
                }
                None => {
                    let message = format!("enumerator '{constant}' is missing in the binary");
                    let kind = DifferenceKind::MissingEnumerator;
                    self.differ(&item, kind, None, message, None);
                }
            }
        }
        let in_header: FxHashSet<&str> = e.constants.iter().map(|(n, _)| n.as_str()).collect();
        for (constant, _) in &be.constants {
            if !in_header.contains(constant.as_str()) {
                let message = format!("enumerator '{constant}' is only in the binary");
                let kind = DifferenceKind::ExtraEnumerator;
                self.differ(&item, kind, None, message, None);
            }
        }
    }
}
