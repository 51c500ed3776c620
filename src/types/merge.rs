//! Combining two type sets: [`TypeSet::merge`].
//!
//! A set made from headers and one read from a library's DWARF (or loaded from a
//! database) describe overlapping declarations with ids of their own. Merging
//! imports everything of the second set into a copy of the first, remapping every
//! id:
//!
//! - Named records, enums and typedefs, and functions, globals and constants, are
//!   matched by name. A pair that agrees is kept once; a complete definition
//!   replaces a forward declaration; a pair that disagrees is an error naming the
//!   item and how each side has it. Nothing is ever silently picked. A function's
//!   or global's symbol (its asm label, else its name) is part of what must agree.
//! - Anonymous records and enums are matched through what names them (a typedef,
//!   the field of a named record, a constant's type) when their shapes agree;
//!   otherwise they are imported as new.
//! - Pointer, array, vector and function types are interned again, so the result
//!   still has one id per distinct type.
//!
//! Types are compared as spelled: typedef names, tags and scalar kinds must be the
//! same (`size_t` and `unsigned long` differ here, unlike in [`crate::check::compare`]),
//! except that top-level qualifiers of parameters and return values are ignored, as
//! C ignores them in a function's type. The comparison is [`super::equiv`]'s,
//! under its rules for spelled types, with its policies (enumerators as bit
//! patterns, packed alignment, padding, depth): what merging accepts, `check`
//! does not report. A pair too deep to compare is refused.

use rustc_hash::FxHashMap;

use super::builder::TypeBuilder;
use super::decl::{ConstOrigin, ConstValue, Constant, Enum, Global, Typedef};
use super::equiv::{
    values_agree, EnumMismatch, Equiv, FieldPart, Outcome, Pair, Rules, ShapeMismatch,
};
use super::func::{FnSig, FunctionDecl};
use super::id::{EnumId, RecordId, TypeId, TypedefId};
use super::record::RecordDef;
use super::set::{TypeSet, TypeSetData};
use super::ty::{QualType, Type};
use crate::error::{ErrorKind, Result};

/// Structural types nested deeper than this are refused.
const MAX_DEPTH: u32 = crate::limits::MAX_TYPE_DEPTH;

impl TypeSet {
    /// All of `self` and `other` in one new set: `other`'s records, enums,
    /// typedefs, functions, globals, constants and skipped declarations imported
    /// into a copy of `self`, every id remapped. Ids of `self` stay valid in the
    /// result (those of `other` do not).
    ///
    /// What both sets name is kept once when they agree; a complete record or enum
    /// replaces a forward declaration of it. Types are compared as spelled (typedef
    /// names, tags and scalar kinds must be the same); anonymous records and enums
    /// are matched through what names them (a typedef, a field, a constant).
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let a = wyvern::cdef("struct point; struct point *origin(void);")?;
    /// let b = wyvern::cdef("struct point { int x, y; }; double norm(struct point);")?;
    /// let both = a.merge(&b)?;
    /// let point = both.type_named("struct point")?;
    /// assert_eq!(both.layout(point.id).unwrap().size, 8);
    /// assert!(both.function("origin").is_ok() && both.function("norm").is_ok());
    ///
    /// let c = wyvern::cdef("struct point { long x, y; };")?;
    /// let err = b.merge(&c).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "struct point: size 8 in the first set, 16 in the second set"
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Conflict`] when the sets are for different targets, or declare
    /// something of the same name differently (a record's size, alignment or fields,
    /// an enum's constants, a typedef's target, a function's, global's or constant's
    /// type, a constant's value, a function's or global's symbol (its asm label),
    /// a struct in one and a union in the other);
    /// [`ErrorKind::Unsupported`] when `other` is damaged (a type that contains
    /// itself, or nests deeper than [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH)),
    /// or when the result would nest deeper than that.
    pub fn merge(&self, other: &TypeSet) -> Result<TypeSet> {
        self.merge_labeled("the first set", other, "the second set")
    }

    /// [`merge`](Self::merge), with the names errors give each set
    /// (`"--cdef"`, `"--dwarf libfoo.so"`), as in
    /// `struct config: size 24 in --cdef, 12 in --dwarf libfoo.so`.
    ///
    /// # Errors
    /// As [`merge`](Self::merge).
    pub fn merge_labeled(
        &self,
        label: &str,
        other: &TypeSet,
        other_label: &str,
    ) -> Result<TypeSet> {
        let (a, b) = (self.data(), other.data());
        if a.target != b.target {
            return Err(ErrorKind::Conflict {
                name: "target".into(),
                difference: format!(
                    "{} in {label}, {} in {other_label}",
                    describe_target(&a.target),
                    describe_target(&b.target)
                ),
            }
            .into());
        }
        let compare = Comparison::new(self, label, other, other_label);
        let mut merger = Merger::new(compare);
        merger.match_records()?;
        merger.match_enums()?;
        merger.match_typedefs()?;
        merger.match_functions()?;
        merger.match_globals()?;
        merger.match_constants()?;
        merger.take_pairs();
        merger.import()?;
        // Each set nests within the limit, but a record one set completes can
        // nest deeper through the other's typedefs of it.
        super::nesting::check_nesting(merger.out.data()).map_err(|why| {
            ErrorKind::Unsupported(format!(
                "cannot merge {other_label} into {label}: in the result, {why} \
                 (the limit wyvern::limits::MAX_TYPE_DEPTH)"
            ))
        })?;
        Ok(merger.out.freeze())
    }
}

fn describe_target(t: &super::set::Target) -> String {
    format!(
        "{} (pointer {}, {}-endian, char {})",
        t.triple,
        t.pointer_size,
        if t.little_endian { "little" } else { "big" },
        if t.char_signed { "signed" } else { "unsigned" }
    )
}

/// Where one of `other`'s records, enums or typedefs goes in the result.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate<Id> {
    /// Not decided yet (anonymous ones wait for pairs found by comparisons).
    Open,
    /// The same as this one of `self`.
    Same(Id),
    /// Defines this incomplete one of `self`.
    Completes(Id),
    /// Imported as a new one.
    New,
}

/// A memo slot of the type remapping.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Todo,
    InProgress,
    Done(TypeId),
}

struct Merger<'s> {
    compare: Comparison<'s>,
    /// The result: a copy of `self`, to which `other`'s declarations are added.
    out: TypeBuilder,
    records: Vec<Fate<RecordId>>,
    enums: Vec<Fate<EnumId>>,
    typedefs: Vec<Fate<TypedefId>>,
    /// `other`'s functions, globals and constants to import (by index).
    new_functions: Vec<usize>,
    new_globals: Vec<usize>,
    new_constants: Vec<usize>,
    /// `other`'s nominal ids → the result's, once `import` has placed them.
    record_ids: Vec<Option<RecordId>>,
    enum_types: Vec<Option<TypeId>>,
    typedef_types: Vec<Option<TypeId>>,
    types: Vec<Slot>,
}

impl<'s> Merger<'s> {
    fn new(compare: Comparison<'s>) -> Merger<'s> {
        let (a, b) = (compare.a.data(), compare.b.data());
        let mut out = a.clone();
        // Types derived on demand from `self` (`char [64]`) have ids after its
        // arena's: placed there, the ids of `self` stay valid as documented.
        out.types.extend(compare.a.derived_nodes());
        Merger {
            out: TypeBuilder::from_data(out),
            records: vec![Fate::Open; b.records.len()],
            enums: vec![Fate::Open; b.enums.len()],
            typedefs: vec![Fate::Open; b.typedefs.len()],
            new_functions: Vec::new(),
            new_globals: Vec::new(),
            new_constants: Vec::new(),
            record_ids: vec![None; b.records.len()],
            enum_types: vec![None; b.enums.len()],
            typedef_types: vec![None; b.typedefs.len()],
            types: vec![Slot::Todo; b.types.len()],
            compare,
        }
    }

    fn a(&self) -> &'s TypeSetData {
        self.compare.a.data()
    }

    fn b(&self) -> &'s TypeSetData {
        self.compare.b.data()
    }

    /// Tagged records of `other` against `self`'s of the same tag.
    fn match_records(&mut self) -> Result<()> {
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
    fn match_enums(&mut self) -> Result<()> {
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

    fn match_typedefs(&mut self) -> Result<()> {
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

    fn match_functions(&mut self) -> Result<()> {
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

    fn match_globals(&mut self) -> Result<()> {
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

    fn match_constants(&mut self) -> Result<()> {
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
    fn take_pairs(&mut self) {
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

    /// Places every nominal type of `other`, then remaps and imports the rest.
    fn import(&mut self) -> Result<()> {
        let b = self.b();
        let a_enum_types = nominal_types(self.out.data(), |t| match t {
            Type::Enum(e) => Some(e.index()),
            _ => None,
        });
        let a_typedef_types = nominal_types(self.out.data(), |t| match t {
            Type::Typedef(t) => Some(t.index()),
            _ => None,
        });
        for (j, fate) in self.records.iter().enumerate() {
            self.record_ids[j] = Some(match *fate {
                Fate::Same(id) | Fate::Completes(id) => id,
                Fate::New | Fate::Open => {
                    let rb = &b.records[j];
                    let (id, _) =
                        self.out
                            .declare_record(rb.kind, rb.tag.clone(), rb.location.clone());
                    id
                }
            });
        }
        // Their type nodes are looked up once each (a linear scan per nominal
        // would be quadratic on big sets).
        let b_enum_types = nominal_types(b, |t| match t {
            Type::Enum(e) => Some(e.index()),
            _ => None,
        });
        let b_typedef_types = nominal_types(b, |t| match t {
            Type::Typedef(t) => Some(t.index()),
            _ => None,
        });
        let b_layout = |ty: Option<TypeId>| ty.and_then(|t| b.types.get(t.index())?.layout);

        for (j, fate) in self.enums.iter().enumerate() {
            self.enum_types[j] = match *fate {
                Fate::Same(id) => a_enum_types.get(id.index()).copied().flatten(),
                Fate::Completes(id) => {
                    let ty = a_enum_types.get(id.index()).copied().flatten();
                    if let Some(ty) = ty {
                        let layout = b_layout(b_enum_types.get(j).copied().flatten());
                        self.out.set_layout(ty, layout);
                    }
                    ty
                }
                Fate::New | Fate::Open => {
                    // The underlying type is remapped below, once types can be.
                    let layout = b_layout(b_enum_types.get(j).copied().flatten());
                    Some(self.out.push_enum(b.enums[j].clone(), layout).1)
                }
            };
        }
        for (j, fate) in self.typedefs.iter().enumerate() {
            self.typedef_types[j] = match *fate {
                Fate::Same(id) | Fate::Completes(id) => {
                    a_typedef_types.get(id.index()).copied().flatten()
                }
                Fate::New | Fate::Open => {
                    // The target is remapped below, once types can be.
                    let layout = b_layout(b_typedef_types.get(j).copied().flatten());
                    Some(self.out.push_typedef(b.typedefs[j].clone(), layout).1)
                }
            };
        }

        // Bodies, now that every type of `other` can be remapped.
        for j in 0..b.records.len() {
            let target = match (self.records[j], self.record_ids[j]) {
                (Fate::Completes(id), _) => id,
                (Fate::New | Fate::Open, Some(id)) => id,
                _ => continue,
            };
            let Some(def) = &b.records[j].def else {
                continue;
            };
            let def = self.map_def(def)?;
            self.out.define_record(target, def);
            if b.records[j].location.is_some() {
                self.out
                    .set_record_location(target, b.records[j].location.clone());
            }
        }
        for (j, eb) in b.enums.iter().enumerate() {
            let target = match self.enums[j] {
                Fate::Same(_) => continue,
                Fate::Completes(id) => id,
                Fate::New | Fate::Open => match self.enum_types[j].and_then(|t| self.out.get(t)) {
                    Some(Type::Enum(e)) => *e,
                    _ => continue,
                },
            };
            let underlying = self.map_type(eb.underlying, 0)?;
            self.out.update_enum(
                target,
                Enum {
                    underlying,
                    ..eb.clone()
                },
            );
        }
        for (j, tb) in b.typedefs.iter().enumerate() {
            if !matches!(self.typedefs[j], Fate::New | Fate::Open) {
                continue;
            }
            let target = self.map_qual(tb.target, 0)?;
            let id = match self.typedef_types[j].and_then(|t| self.out.get(t)) {
                Some(Type::Typedef(t)) => *t,
                _ => continue,
            };
            self.out.update_typedef(
                id,
                Typedef {
                    target,
                    ..tb.clone()
                },
            );
        }
        for j in std::mem::take(&mut self.new_functions) {
            let f = &b.functions[j];
            let ty = self.map_type(f.ty, 0)?;
            self.out.add_function(FunctionDecl { ty, ..f.clone() });
        }
        for j in std::mem::take(&mut self.new_globals) {
            let g = &b.globals[j];
            let ty = self.map_qual(g.ty, 0)?;
            self.out.add_global(Global { ty, ..g.clone() });
        }
        for j in std::mem::take(&mut self.new_constants) {
            let c = &b.constants[j];
            let ty = self.map_qual(c.ty, 0)?;
            self.out.add_constant(Constant { ty, ..c.clone() });
        }
        let out = self.out.data();
        let declarations = not_known(&out.skipped_declarations, &b.skipped_declarations);
        let macros = not_known(&out.skipped_macros, &b.skipped_macros);
        for (name, why) in declarations {
            self.out.skip_declaration(name, why);
        }
        for (name, why) in macros {
            self.out.skip_macro(name, why);
        }
        self.out.complete_typedef_layouts();
        Ok(())
    }

    fn map_def(&mut self, def: &RecordDef) -> Result<RecordDef> {
        let mut fields = Vec::with_capacity(def.fields.len());
        for field in &def.fields {
            let ty = self.map_qual(field.ty, 0)?;
            fields.push(super::record::Field {
                ty,
                ..field.clone()
            });
        }
        Ok(RecordDef {
            layout: def.layout,
            fields,
            packed: def.packed,
        })
    }

    fn map_qual(&mut self, q: QualType, depth: u32) -> Result<QualType> {
        Ok(QualType::with(self.map_type(q.id, depth)?, q.quals))
    }

    /// The result's id for a type of `other`.
    fn map_type(&mut self, id: TypeId, depth: u32) -> Result<TypeId> {
        let b = self.b();
        let damaged = |why: &str| {
            ErrorKind::Unsupported(format!(
                "cannot merge {}: type {} {why}",
                self.compare.b_label,
                id.index()
            ))
        };
        let (Some(node), Some(slot)) = (b.types.get(id.index()), self.types.get(id.index())) else {
            return Err(damaged("does not exist").into());
        };
        match *slot {
            Slot::Done(mapped) => return Ok(mapped),
            Slot::InProgress => return Err(damaged("contains itself").into()),
            Slot::Todo => {}
        }
        if depth > MAX_DEPTH {
            return Err(damaged(&crate::limits::types_too_deep()).into());
        }
        let nominal = match &node.ty {
            Type::Record(r) => Some(
                self.record_ids
                    .get(r.index())
                    .copied()
                    .flatten()
                    .and_then(|r| self.out.data().record_types.get(r.index()).copied()),
            ),
            Type::Enum(e) => Some(self.enum_types.get(e.index()).copied().flatten()),
            Type::Typedef(t) => Some(self.typedef_types.get(t.index()).copied().flatten()),
            _ => None,
        };
        let mapped = match nominal {
            Some(found) => {
                found.ok_or_else(|| damaged("names a declaration that does not exist"))?
            }
            None => {
                self.types[id.index()] = Slot::InProgress;
                let ty = match &node.ty {
                    Type::Pointer(p) => Type::Pointer(self.map_qual(*p, depth + 1)?),
                    Type::Array { elem, len } => Type::Array {
                        elem: self.map_qual(*elem, depth + 1)?,
                        len: *len,
                    },
                    Type::Vector { elem, len } => Type::Vector {
                        elem: self.map_type(*elem, depth + 1)?,
                        len: *len,
                    },
                    Type::Function(sig) => {
                        let mut params = Vec::with_capacity(sig.params.len());
                        for p in &sig.params {
                            params.push(self.map_qual(*p, depth + 1)?);
                        }
                        Type::Function(FnSig {
                            ret: self.map_qual(sig.ret, depth + 1)?,
                            params,
                            ..sig.clone()
                        })
                    }
                    other => other.clone(),
                };
                self.out.intern(ty, node.layout)
            }
        };
        self.types[id.index()] = Slot::Done(mapped);
        Ok(mapped)
    }
}

/// For each enum or typedef index, the first type node naming it.
fn nominal_types(
    data: &TypeSetData,
    index_of: impl Fn(&Type) -> Option<usize>,
) -> Vec<Option<TypeId>> {
    let mut out: Vec<Option<TypeId>> = Vec::new();
    for (i, node) in data.types.iter().enumerate() {
        if let Some(at) = index_of(&node.ty) {
            if at >= out.len() {
                // Bounded: `at` indexes an arena of the set (validated on load).
                out.resize(at + 1, None);
            }
            out[at].get_or_insert(TypeId::from_index(i));
        }
    }
    out
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
    }
}

/// The skipped items of `from` whose names `into` does not have.
fn not_known(into: &[(String, String)], from: &[(String, String)]) -> Vec<(String, String)> {
    let known: rustc_hash::FxHashSet<&str> = into.iter().map(|(n, _)| n.as_str()).collect();
    from.iter()
        .filter(|(n, _)| !known.contains(n.as_str()))
        .cloned()
        .collect()
}

/// Compares declarations of `a` (self) with those of `b` (other), as spelled
/// ([`Rules::SPELLED`]), and says how they differ in the sets' labels.
struct Comparison<'s> {
    a: &'s TypeSet,
    b: &'s TypeSet,
    a_label: &'s str,
    b_label: &'s str,
    equiv: Equiv<'s>,
}

impl<'s> Comparison<'s> {
    fn new(a: &'s TypeSet, a_label: &'s str, b: &'s TypeSet, b_label: &'s str) -> Comparison<'s> {
        Comparison {
            a,
            b,
            a_label,
            b_label,
            equiv: Equiv::new(a, b, Rules::SPELLED).keeping_pairs(),
        }
    }

    fn conflict(&self, name: String, difference: String) -> crate::Error {
        ErrorKind::Conflict { name, difference }.into()
    }

    /// Two symbols (asm labels, or names) of one declaration.
    fn symbols(&self, x: &str, y: &str) -> String {
        format!(
            "symbol '{x}' in {}, '{y}' in {}",
            self.a_label, self.b_label
        )
    }

    fn spellings(&self, x: QualType, y: QualType) -> String {
        format!(
            "'{}' in {}, '{}' in {}",
            self.a.spell(x),
            self.a_label,
            self.b.spell(y),
            self.b_label
        )
    }

    /// Why two types could not be compared.
    fn too_deep(&self) -> String {
        format!(
            "cannot be compared between {} and {}: {}",
            self.a_label,
            self.b_label,
            crate::limits::types_too_deep()
        )
    }

    /// The declaration `name` has type `x` in `a` and `y` in `b` (`quals`: with
    /// their top-level qualifiers): an error unless they are the same.
    fn same_or_conflict(
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
    fn explain(&mut self, x: QualType, y: QualType) -> String {
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
    fn enum_difference(&self, ea: &Enum, eb: &Enum) -> Option<String> {
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
    fn def_difference(&mut self, d: &RecordDef, e: &RecordDef) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::super::set::TypeNode;
    use super::*;
    use crate::types::set::Target;
    use crate::types::IntKind;

    fn is_nominal(ty: &Type) -> bool {
        matches!(ty, Type::Record(_) | Type::Enum(_) | Type::Typedef(_))
    }

    fn set_with(types: Vec<Type>) -> TypeSet {
        let mut data = TypeSetData::empty(Target::host());
        for ty in types {
            data.types.push(TypeNode { ty, layout: None });
        }
        TypeSet::from_data(data)
    }

    #[cfg(feature = "clang")]
    #[test]
    fn derived_types_stay_interned() {
        let a = crate::cdef("struct s; int f(struct s *, const char *); extern const char *v[2];")
            .unwrap();
        let b = crate::cdef(
            "struct s { int x; }; int g(struct s *, const char *);
             const char *h(const char *w[2]); extern const char *v[2];",
        )
        .unwrap();
        for merged in [
            a.merge(&b).unwrap(),
            b.merge(&a).unwrap(),
            a.merge(&a).unwrap(),
        ] {
            let mut seen = FxHashMap::default();
            for (i, node) in merged.data().types.iter().enumerate() {
                if !is_nominal(&node.ty) {
                    if let Some(first) = seen.insert(node.ty.clone(), i) {
                        panic!("{:?} at {first} and {i}", node.ty);
                    }
                }
            }
        }
        let merged = a.merge(&b).unwrap();
        assert_eq!(
            merged.function("f").unwrap().ty,
            merged.function("g").unwrap().ty
        );
        assert_eq!(a.merge(&a).unwrap().data(), a.data());
    }

    #[test]
    fn a_type_that_contains_itself_is_an_error() {
        let good = set_with(vec![Type::Int(IntKind::Int)]);
        let mut data = TypeSetData::empty(Target::host());
        data.types.push(TypeNode {
            ty: Type::Pointer(QualType::new(TypeId(0))),
            layout: None,
        });
        data.globals.push(Global {
            name: "g".into(),
            asm_label: None,
            ty: QualType::new(TypeId(0)),
            location: None,
        });
        let cyclic = TypeSet::from_data(data);
        let err = good.merge(&cyclic).unwrap_err();
        assert!(err.to_string().contains("contains itself"), "{err}");
    }

    #[test]
    fn different_targets_are_named() {
        let a = set_with(vec![]);
        let mut data = TypeSetData::empty(Target {
            triple: "i686-pc-linux-gnu".into(),
            pointer_size: 4,
            char_signed: true,
            little_endian: true,
        });
        data.types.push(TypeNode {
            ty: Type::Void,
            layout: None,
        });
        let b = TypeSet::from_data(data);
        let err = a.merge(&b).unwrap_err().to_string();
        assert!(err.starts_with("target: "), "{err}");
        assert!(err.contains("i686-pc-linux-gnu (pointer 4"), "{err}");
    }
}
