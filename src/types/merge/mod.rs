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
//!   What is the declaration's and not its type's, its parameter names and the
//!   arrays its parameters were declared as, is the first set's for a pair.
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

mod compare;
mod import;
mod matching;

use super::builder::TypeBuilder;
use super::data::TypeSetData;
use super::id::{EnumId, RecordId, TypeId, TypedefId};
use super::set::TypeSet;
use crate::error::{ErrorKind, Result};
use compare::Comparison;

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
    /// [`ErrorKind::DamagedSet`] when `other` is damaged (a type that contains
    /// itself, or nests deeper than [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH)),
    /// and [`ErrorKind::Conflict`] when the result would nest deeper than that.
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
                difference: format!("{} in {label}, {} in {other_label}", a.target, b.target),
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
        super::nesting::check_nesting(merger.out.data()).map_err(|why| ErrorKind::Conflict {
            name: format!("cannot merge {other_label} into {label}"),
            difference: format!("in the result, {why} (the limit wyvern::limits::MAX_TYPE_DEPTH)"),
        })?;
        Ok(merger.out.freeze())
    }
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
}

#[cfg(test)]
mod tests {
    use super::super::data::TypeNode;
    use super::super::decl::Global;
    use super::super::ty::{QualType, Type};
    use super::*;
    use crate::types::data::Target;
    use crate::types::IntKind;
    use rustc_hash::FxHashMap;

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
