//! Matching `other`'s declarations with `self`'s, by name (tagged records and
//! enums by tag) and, for anonymous ones, through what names them.

use rustc_hash::FxHashMap;

use super::super::decl::{ConstOrigin, ConstValue};
use super::super::equiv::{values_agree, Pair};
use super::super::id::{EnumId, RecordId, TypedefId};
use super::super::ty::QualType;
use super::{Fate, Merger};
use crate::error::Result;

impl Merger<'_> {
    /// Tagged records of `other` against `self`'s of the same tag.
    pub(super) fn match_records(&mut self) -> Result<()> {
        let (a, b) = (self.a(), self.b());
        let mut by_tag: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, r) in a.records.iter().enumerate() {
            if let Some(tag) = &r.tag {
                by_tag.entry(tag).or_default().push(i);
            }
        }
        // Which of `self`'s incomplete records `other` already completes.
        let mut completed: FxHashMap<usize, usize> = FxHashMap::default();
        for (j, rb) in b.records.iter().enumerate() {
            let Some(tag) = &rb.tag else { continue };
            let Some(candidates) = by_tag.get(tag.as_str()) else {
                self.records[j] = Fate::New;
                continue;
            };
            let same_kind: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| a.records[i].kind == rb.kind)
                .collect();
            let Some(&first) = same_kind.first() else {
                let ra = &a.records[candidates[0]];
                return Err(self.compare.conflict(
                    format!("{} {tag}", ra.kind.keyword()),
                    format!(
                        "a {} in {}, a {} in {}",
                        ra.kind.keyword(),
                        self.compare.a_label,
                        rb.kind.keyword(),
                        self.compare.b_label
                    ),
                ));
            };
            let complete = same_kind
                .iter()
                .copied()
                .find(|&i| a.records[i].def.is_some());
            let Some(def_b) = &rb.def else {
                self.records[j] = Fate::Same(RecordId::from_index(complete.unwrap_or(first)));
                continue;
            };
            let mut fate = None;
            let mut difference = None;
            for &i in &same_kind {
                let Some(def_a) = &a.records[i].def else {
                    continue;
                };
                match self.compare.def_difference(def_a, def_b) {
                    None => {
                        fate = Some(Fate::Same(RecordId::from_index(i)));
                        break;
                    }
                    Some(d) => {
                        difference.get_or_insert(d);
                    }
                }
            }
            self.records[j] = match (fate, difference) {
                (Some(fate), _) => fate,
                (None, Some(d)) => {
                    return Err(self
                        .compare
                        .conflict(format!("{} {tag}", rb.kind.keyword()), d))
                }
                (None, None) => match completed.get(&first) {
                    // `other` defines the tag twice (DWARF of units with their own
                    // `struct x`): the second stays a record of its own, as there.
                    Some(_) => Fate::New,
                    None => {
                        completed.insert(first, j);
                        Fate::Completes(RecordId::from_index(first))
                    }
                },
            };
        }
        Ok(())
    }

    /// Tagged enums of `other` against `self`'s of the same tag.
    pub(super) fn match_enums(&mut self) -> Result<()> {
        let (a, b) = (self.a(), self.b());
        let mut by_tag: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, e) in a.enums.iter().enumerate() {
            if let Some(tag) = &e.tag {
                by_tag.entry(tag).or_default().push(i);
            }
        }
        let mut completed: FxHashMap<usize, usize> = FxHashMap::default();
        for (j, eb) in b.enums.iter().enumerate() {
            let Some(tag) = &eb.tag else { continue };
            let Some(candidates) = by_tag.get(tag.as_str()) else {
                self.enums[j] = Fate::New;
                continue;
            };
            let first = candidates[0];
            let complete = candidates.iter().copied().find(|&i| a.enums[i].complete);
            if !eb.complete {
                self.enums[j] = Fate::Same(EnumId::from_index(complete.unwrap_or(first)));
                continue;
            }
            let mut fate = None;
            let mut difference = None;
            for &i in candidates.iter().filter(|&&i| a.enums[i].complete) {
                match self.compare.enum_difference(&a.enums[i], eb) {
                    None => {
                        fate = Some(Fate::Same(EnumId::from_index(i)));
                        break;
                    }
                    Some(d) => {
                        difference.get_or_insert(d);
                    }
                }
            }
            self.enums[j] = match (fate, difference) {
                (Some(fate), _) => fate,
                (None, Some(d)) => return Err(self.compare.conflict(format!("enum {tag}"), d)),
                (None, None) => match completed.get(&first) {
                    Some(_) => Fate::New,
                    None => {
                        completed.insert(first, j);
                        Fate::Completes(EnumId::from_index(first))
                    }
                },
            };
        }
        Ok(())
    }

    pub(super) fn match_typedefs(&mut self) -> Result<()> {
        let (a, b) = (self.a(), self.b());
        let mut by_name: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, t) in a.typedefs.iter().enumerate() {
            by_name.entry(&t.name).or_insert(i);
        }
        for (j, tb) in b.typedefs.iter().enumerate() {
            let Some(&i) = by_name.get(tb.name.as_str()) else {
                self.typedefs[j] = Fate::New;
                continue;
            };
            let ta = &a.typedefs[i];
            self.compare.same_or_conflict(
                format!("typedef {}", tb.name),
                ta.target,
                tb.target,
                true,
            )?;
            self.typedefs[j] = Fate::Same(TypedefId::from_index(i));
        }
        Ok(())
    }

    pub(super) fn match_functions(&mut self) -> Result<()> {
        let (a, b) = (self.a(), self.b());
        let by_name = first_by_name(a.functions.iter().map(|f| f.name.as_str()));
        for (j, fb) in b.functions.iter().enumerate() {
            let Some(&i) = by_name.get(fb.name.as_str()) else {
                self.new_functions.push(j);
                continue;
            };
            let fa = &a.functions[i];
            if fa.symbol() != fb.symbol() {
                return Err(self.compare.conflict(
                    format!("function {}", fb.name),
                    self.compare.symbols(fa.symbol(), fb.symbol()),
                ));
            }
            self.compare.same_or_conflict(
                format!("function {}", fb.name),
                QualType::new(fa.ty),
                QualType::new(fb.ty),
                false,
            )?;
        }
        Ok(())
    }

    pub(super) fn match_globals(&mut self) -> Result<()> {
        let (a, b) = (self.a(), self.b());
        let by_name = first_by_name(a.globals.iter().map(|g| g.name.as_str()));
        for (j, gb) in b.globals.iter().enumerate() {
            let Some(&i) = by_name.get(gb.name.as_str()) else {
                self.new_globals.push(j);
                continue;
            };
            let ga = &a.globals[i];
            if ga.symbol() != gb.symbol() {
                return Err(self.compare.conflict(
                    format!("global {}", gb.name),
                    self.compare.symbols(ga.symbol(), gb.symbol()),
                ));
            }
            self.compare
                .same_or_conflict(format!("global {}", gb.name), ga.ty, gb.ty, true)?;
        }
        Ok(())
    }

    pub(super) fn match_constants(&mut self) -> Result<()> {
        let (a, b) = (self.a(), self.b());
        let by_name = first_by_name(a.constants.iter().map(|c| c.name.as_str()));
        let mut enum_widths: FxHashMap<&str, u64> = FxHashMap::default();
        for e in &a.enums {
            if let Some(layout) = a.layout_of(e.underlying) {
                for (name, _) in &e.constants {
                    enum_widths.entry(name).or_insert(layout.size);
                }
            }
        }
        for (j, cb) in b.constants.iter().enumerate() {
            let Some(&i) = by_name.get(cb.name.as_str()) else {
                self.new_constants.push(j);
                continue;
            };
            let ca = &a.constants[i];
            let enumerators = ca.origin == ConstOrigin::Enum && cb.origin == ConstOrigin::Enum;
            let mut bytes = a.layout_of(a.canonical(ca.ty.id)).map(|l| l.size);
            if enumerators {
                // Of the enum's width (a packed enum's may be narrower than `int`).
                bytes = match (bytes, enum_widths.get(ca.name.as_str())) {
                    (Some(x), Some(&y)) => Some(x.min(y)),
                    (x, y) => x.or(y.copied()),
                };
            }
            let bits = bytes.map_or(128, |size| size.saturating_mul(8));
            if !same_value(&ca.value, &cb.value, bits) {
                return Err(self.compare.conflict(
                    format!("constant {}", cb.name),
                    format!(
                        "{} in {}, {} in {}",
                        show_value(&ca.value),
                        self.compare.a_label,
                        show_value(&cb.value),
                        self.compare.b_label
                    ),
                ));
            }
            // An enumerator's type is a front end's convention (clang gives one
            // that does not fit `int` the enum's type, gcc's DWARF `int`); its
            // enum is compared as an item of its own.
            if !enumerators {
                self.compare.same_or_conflict(
                    format!("constant {}", cb.name),
                    ca.ty,
                    cb.ty,
                    true,
                )?;
            }
        }
        Ok(())
    }

    /// Anonymous records and enums the comparisons matched become the same as
    /// `self`'s; the rest are new.
    pub(super) fn take_pairs(&mut self) {
        for pair in self.compare.equiv.take_pairs() {
            match pair {
                Pair::Record(a, b) => {
                    if let Some(fate @ Fate::Open) = self.records.get_mut(b.index()) {
                        *fate = Fate::Same(a);
                    }
                }
                Pair::Enum(a, b) => {
                    if let Some(fate @ Fate::Open) = self.enums.get_mut(b.index()) {
                        *fate = Fate::Same(a);
                    }
                }
            }
        }
        for fate in &mut self.records {
            if *fate == Fate::Open {
                *fate = Fate::New;
            }
        }
        for fate in &mut self.enums {
            if *fate == Fate::Open {
                *fate = Fate::New;
            }
        }
    }
}

fn first_by_name<'n>(names: impl Iterator<Item = &'n str>) -> FxHashMap<&'n str, usize> {
    let mut by_name = FxHashMap::default();
    for (i, name) in names.enumerate() {
        by_name.entry(name).or_insert(i);
    }
    by_name
}

/// Integers are compared as bit patterns of their type's width: gcc's DWARF
/// gives an unsigned enumerator's 0xffffffff in a form read back as -1.
fn same_value(a: &ConstValue, b: &ConstValue, bits: u64) -> bool {
    match (a, b) {
        (ConstValue::Int(x), ConstValue::Int(y)) => values_agree(*x, *y, bits),
        (ConstValue::Float(x), ConstValue::Float(y)) => x.to_bits() == y.to_bits(),
        (ConstValue::LongDouble(x), ConstValue::LongDouble(y)) => {
            x.to_le_bytes() == y.to_le_bytes()
        }
        _ => a == b,
    }
}

fn show_value(value: &ConstValue) -> String {
    match value {
        ConstValue::Int(n) => n.to_string(),
        ConstValue::Float(x) => format!("{x:?}"),
        ConstValue::LongDouble(x) => x.to_string(),
        ConstValue::Str(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
        ConstValue::Pointer(address) => format!("{address:#x}"),
    }
}
