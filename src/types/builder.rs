//! [`TypeBuilder`]: how front ends make a [`TypeSet`].
//!
//! A front end declares records before it defines them (so cycles through pointers and
//! opaque records need nothing special), interns the structural types (scalars,
//! pointers, arrays, function types) so each distinct one gets exactly one id, and
//! finally [`freeze`](TypeBuilder::freeze)s the result into an immutable, shareable set.
//! Front-end handles (cursors, DIE offsets) stay in the front end's own side tables.

use rustc_hash::FxHashMap;

use super::data::{Target, TypeNode, TypeSetData};
use super::decl::{Constant, Enum, Global, Typedef};
use super::func::FunctionDecl;
use super::id::{EnumId, FunctionId, RecordId, TypeId, TypedefId};
use super::record::{Record, RecordDef, RecordKind};
use super::set::TypeSet;
use super::ty::{Layout, Type};
use crate::SourceLocation;

/// How deeply a type nests: the longest chain of types below it, itself
/// included, along the two graphs database validation measures (what a type
/// holds by value; what it is derived from). Both stay within
/// [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH) in a set a front end built,
/// so the recursive walkers over it stay bounded and its database loads.
#[derive(Debug, Clone, Copy)]
struct Nesting {
    /// Through typedef targets, array and vector elements, record fields and
    /// enum underlying types.
    value: u32,
    /// Through everything but record fields: pointees, elements, parameters and
    /// results, typedef targets, enum underlying types.
    derived: u32,
}

impl Nesting {
    const LEAF: Nesting = Nesting {
        value: 1,
        derived: 1,
    };
}

/// Builds a [`TypeSet`]. See the module docs.
#[derive(Debug)]
pub struct TypeBuilder {
    data: TypeSetData,
    interned: FxHashMap<Type, TypeId>,
    /// The nesting of each type, by type index (for a typedef, computed when
    /// asked: what it names may be a record defined after it).
    nesting: Vec<Nesting>,
    /// For a record's type, the longest chain of typedefs naming it: a record
    /// defined after its typedefs (`typedef struct s s_t; struct s {...};`)
    /// nests that much deeper through them.
    typedefs_above: FxHashMap<TypeId, u32>,
}

impl TypeBuilder {
    /// An empty builder for `target`.
    pub fn new(target: Target) -> TypeBuilder {
        TypeBuilder {
            data: TypeSetData::empty(target),
            interned: FxHashMap::default(),
            nesting: Vec::new(),
            typedefs_above: FxHashMap::default(),
        }
    }

    /// A builder that goes on from `data`, a set's arenas: what merging adds
    /// another set's declarations to. Its structural types are interned as they
    /// stand (the first of equal ones is the one found).
    ///
    /// The nesting the `check_*_nesting` methods answer from is computed in id
    /// order, so a record's is that of its fields as far as they come before
    /// it; merging checks its whole result with `check_nesting` instead.
    pub(crate) fn from_data(data: TypeSetData) -> TypeBuilder {
        let mut builder = TypeBuilder {
            interned: FxHashMap::default(),
            nesting: Vec::with_capacity(data.types.len()),
            typedefs_above: FxHashMap::default(),
            data,
        };
        for i in 0..builder.data.types.len() {
            let id = TypeId::from_index(i);
            let ty = &builder.data.types[i].ty;
            let mut nesting = builder.nesting_of(ty);
            match ty {
                Type::Record(_) | Type::Enum(_) | Type::Typedef(_) => {}
                _ => {
                    builder.interned.entry(ty.clone()).or_insert(id);
                }
            }
            if let Type::Record(r) = ty {
                if let Some(def) = builder
                    .data
                    .records
                    .get(r.index())
                    .and_then(|r| r.def.as_ref())
                {
                    let parts: Vec<TypeId> = def.fields.iter().map(|f| f.ty.id).collect();
                    nesting.value = builder.nesting_of_parts(&parts, &[]).value;
                }
            }
            if let Type::Typedef(t) = ty {
                if let Some(target) = builder.data.typedefs.get(t.index()).map(|t| t.target.id) {
                    builder.note_typedef_of(target);
                }
            }
            builder.nesting.push(nesting);
        }
        builder
    }

    /// Counts one more typedef above the record the chain from `target` ends at.
    fn note_typedef_of(&mut self, target: TypeId) {
        let (base, steps) = self.typedef_chain(target);
        if matches!(self.get(base), Some(Type::Record(_))) {
            let above = self.typedefs_above.entry(base).or_insert(0);
            *above = (*above).max(steps.saturating_add(1));
        }
    }

    /// What the typedef chain from `id` ends at, and how many typedefs it passes
    /// (bounded: a chain longer than the limit is refused when added).
    fn typedef_chain(&self, mut id: TypeId) -> (TypeId, u32) {
        let mut steps = 0;
        while let Some(Type::Typedef(t)) = self.get(id) {
            match self.data.typedefs.get(t.index()) {
                Some(td) if steps <= crate::limits::MAX_TYPE_DEPTH => {
                    id = td.target.id;
                    steps += 1;
                }
                _ => break,
            }
        }
        (id, steps)
    }

    fn nesting_at(&self, id: TypeId) -> Nesting {
        let (base, steps) = self.typedef_chain(id);
        let n = self
            .nesting
            .get(base.index())
            .copied()
            .unwrap_or(Nesting::LEAF);
        Nesting {
            value: n.value.saturating_add(steps),
            derived: n.derived.saturating_add(steps),
        }
    }

    /// The nesting a type made of `value` parts (held by value, and derived
    /// from) and `derived` parts (derived from only) has.
    fn nesting_of_parts(&self, value: &[TypeId], derived: &[TypeId]) -> Nesting {
        let mut n = Nesting::LEAF;
        for &id in value {
            let part = self.nesting_at(id);
            n.value = n.value.max(part.value.saturating_add(1));
            n.derived = n.derived.max(part.derived.saturating_add(1));
        }
        for &id in derived {
            n.derived = n.derived.max(self.nesting_at(id).derived.saturating_add(1));
        }
        n
    }

    /// The nesting of `ty` once added.
    fn nesting_of(&self, ty: &Type) -> Nesting {
        match ty {
            Type::Pointer(p) => self.nesting_of_parts(&[], &[p.id]),
            Type::Array { elem, .. } => self.nesting_of_parts(&[elem.id], &[]),
            Type::Vector { elem, .. } => self.nesting_of_parts(&[*elem], &[]),
            Type::Function(sig) => {
                let parts: Vec<TypeId> = std::iter::once(sig.ret.id)
                    .chain(sig.params.iter().map(|p| p.id))
                    .collect();
                self.nesting_of_parts(&[], &parts)
            }
            Type::Typedef(t) => match self.data.typedefs.get(t.index()) {
                Some(td) => self.nesting_of_parts(&[td.target.id], &[]),
                None => Nesting::LEAF,
            },
            Type::Enum(e) => match self.data.enums.get(e.index()) {
                Some(e) => self.nesting_of_parts(&[e.underlying], &[]),
                None => Nesting::LEAF,
            },
            // A record's fields count once it is defined (`define_record`).
            _ => Nesting::LEAF,
        }
    }

    /// An error past the limit.
    #[cfg_attr(not(any(feature = "clang", feature = "dwarf")), allow(dead_code))]
    fn within_limit(n: Nesting) -> Result<(), String> {
        if n.value.max(n.derived) > crate::limits::MAX_TYPE_DEPTH {
            Err(crate::limits::types_too_deep())
        } else {
            Ok(())
        }
    }

    /// Whether the structural type `ty` (or a typedef, enum) would nest within
    /// [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH): front ends ask before
    /// they intern it, and leave out the declaration that needs it when not.
    #[cfg_attr(not(any(feature = "clang", feature = "dwarf")), allow(dead_code))]
    pub(crate) fn check_nesting(&self, ty: &Type) -> Result<(), String> {
        Self::within_limit(self.nesting_of(ty))
    }

    /// As [`check_nesting`](Self::check_nesting), for a typedef of `target`.
    #[cfg_attr(not(any(feature = "clang", feature = "dwarf")), allow(dead_code))]
    pub(crate) fn check_typedef_nesting(&self, target: TypeId) -> Result<(), String> {
        Self::within_limit(self.nesting_of_parts(&[target], &[]))
    }

    /// As [`check_nesting`](Self::check_nesting), for `record` defined with
    /// `fields`, and the typedefs that already name it.
    #[cfg_attr(not(any(feature = "clang", feature = "dwarf")), allow(dead_code))]
    pub(crate) fn check_record_nesting(
        &self,
        record: RecordId,
        fields: &[super::record::Field],
    ) -> Result<(), String> {
        let parts: Vec<TypeId> = fields.iter().map(|f| f.ty.id).collect();
        // Fields are held by value only: a record is derived from nothing.
        let value = self.nesting_of_parts(&parts, &[]).value;
        let above = self
            .data
            .record_types
            .get(record.index())
            .and_then(|ty| self.typedefs_above.get(ty))
            .copied()
            .unwrap_or(0);
        Self::within_limit(Nesting {
            value: value.saturating_add(above),
            derived: 1,
        })
    }

    /// The target this builder's layouts are for.
    pub fn target(&self) -> &Target {
        &self.data.target
    }

    /// The id of a structural type (scalar, pointer, array, vector, function type),
    /// adding it on first use. `layout` is recorded the first time only.
    pub fn intern(&mut self, ty: Type, layout: Option<Layout>) -> TypeId {
        if let Some(&id) = self.interned.get(&ty) {
            return id;
        }
        let id = self.push(ty.clone(), layout);
        self.interned.insert(ty, id);
        id
    }

    fn push(&mut self, ty: Type, layout: Option<Layout>) -> TypeId {
        let id = TypeId::from_index(self.data.types.len());
        self.nesting.push(self.nesting_of(&ty));
        self.data.types.push(TypeNode { ty, layout });
        id
    }

    /// Declares a record, incomplete until [`define_record`](Self::define_record).
    pub fn declare_record(
        &mut self,
        kind: RecordKind,
        tag: Option<String>,
        location: Option<SourceLocation>,
    ) -> (RecordId, TypeId) {
        let record = RecordId::from_index(self.data.records.len());
        self.data.records.push(Record {
            kind,
            tag,
            def: None,
            location,
        });
        let id = self.push(Type::Record(record), None);
        self.data.record_types.push(id);
        (record, id)
    }

    /// Gives a declared record its definition.
    pub fn define_record(&mut self, record: RecordId, def: RecordDef) {
        let parts: Vec<TypeId> = def.fields.iter().map(|f| f.ty.id).collect();
        let value = self.nesting_of_parts(&parts, &[]).value;
        if let Some(&ty) = self.data.record_types.get(record.index()) {
            if let Some(n) = self.nesting.get_mut(ty.index()) {
                n.value = value;
            }
        }
        if let Some(r) = self.data.records.get_mut(record.index()) {
            r.def = Some(def);
        }
    }

    /// The record behind a declared id.
    pub fn record(&self, record: RecordId) -> Option<&Record> {
        self.data.records.get(record.index())
    }

    /// Updates where a record was declared (to its definition, once seen).
    pub fn set_record_location(&mut self, record: RecordId, location: Option<SourceLocation>) {
        if let Some(r) = self.data.records.get_mut(record.index()) {
            r.location = location;
        }
    }

    /// Adds an enum; its layout is its underlying type's unless given.
    pub fn add_enum(&mut self, e: Enum, layout: Option<Layout>) -> (EnumId, TypeId) {
        let layout = layout.or_else(|| self.data.layout_of(e.underlying));
        self.push_enum(e, layout)
    }

    /// Adds an enum whose underlying type may not be of this builder yet
    /// (merging remaps it later, with [`update_enum`](Self::update_enum)), with
    /// `layout` as given.
    pub(crate) fn push_enum(&mut self, e: Enum, layout: Option<Layout>) -> (EnumId, TypeId) {
        let id = EnumId::from_index(self.data.enums.len());
        self.data.enums.push(e);
        (id, self.push(Type::Enum(id), layout))
    }

    /// Gives a type node its layout (an enum another set completes).
    pub(crate) fn set_layout(&mut self, id: TypeId, layout: Option<Layout>) {
        if let Some(node) = self.data.types.get_mut(id.index()) {
            node.layout = layout;
        }
    }

    /// Replaces an enum's body (a forward-declared enum that is defined later).
    pub fn update_enum(&mut self, id: EnumId, e: Enum) {
        if let Some(slot) = self.data.enums.get_mut(id.index()) {
            *slot = e;
        }
    }

    /// Adds a typedef with the layout the front end gave it (typedefs can carry
    /// their own alignment: `typedef int a8 __attribute__((aligned(8)))`).
    pub fn add_typedef(&mut self, t: Typedef, layout: Option<Layout>) -> (TypedefId, TypeId) {
        self.note_typedef_of(t.target.id);
        self.push_typedef(t, layout)
    }

    /// Adds a typedef whose target may not be of this builder yet (merging
    /// places every typedef before it can remap their targets), with `layout`
    /// as given; [`update_typedef`](Self::update_typedef) gives the target.
    pub(crate) fn push_typedef(
        &mut self,
        t: Typedef,
        layout: Option<Layout>,
    ) -> (TypedefId, TypeId) {
        let id = TypedefId::from_index(self.data.typedefs.len());
        self.data.typedefs.push(t);
        (id, self.push(Type::Typedef(id), layout))
    }

    /// Replaces a typedef [`push_typedef`](Self::push_typedef) added.
    pub(crate) fn update_typedef(&mut self, id: TypedefId, t: Typedef) {
        self.note_typedef_of(t.target.id);
        if let Some(slot) = self.data.typedefs.get_mut(id.index()) {
            *slot = t;
        }
    }

    /// Adds a declared function.
    pub fn add_function(&mut self, f: FunctionDecl) -> FunctionId {
        let id = FunctionId::from_index(self.data.functions.len());
        self.data.functions.push(f);
        id
    }

    /// Gives the first function declared as `name` the asm label `label` (one a
    /// later declaration adds); a label equal to the name is no label.
    pub fn set_function_label(&mut self, name: &str, label: String) {
        if let Some(f) = self.data.functions.iter_mut().find(|f| f.name == name) {
            f.asm_label = (label != name).then_some(label);
        }
    }

    /// Gives the first global declared as `name` the asm label `label`, as
    /// [`set_function_label`](Self::set_function_label).
    pub fn set_global_label(&mut self, name: &str, label: String) {
        if let Some(g) = self.data.globals.iter_mut().find(|g| g.name == name) {
            g.asm_label = (label != name).then_some(label);
        }
    }

    /// Adds a global variable.
    pub fn add_global(&mut self, g: Global) {
        self.data.globals.push(g);
    }

    /// Adds a named constant.
    pub fn add_constant(&mut self, c: Constant) {
        self.data.constants.push(c);
    }

    /// Records that a declaration was left out because its type cannot be
    /// represented, and why (dumps list it; asking for it says so).
    pub fn skip_declaration(&mut self, name: String, reason: String) {
        self.data.skipped_declarations.push((name, reason));
    }

    /// Records that macro `name` is not a constant, and why (asked for, it says so).
    pub fn skip_macro(&mut self, name: String, reason: String) {
        self.data.skipped_macros.push((name, reason));
    }

    /// Records a macro a program may name as a function ([`FunctionMacro`](super::FunctionMacro)).
    pub fn add_function_macro(&mut self, m: super::FunctionMacro) {
        self.data.function_macros.push(m);
    }

    /// The type behind an id.
    pub fn get(&self, id: TypeId) -> Option<&Type> {
        self.data.types.get(id.index()).map(|n| &n.ty)
    }

    /// A view of what has been built so far, for front ends that need lookups
    /// (constant evaluation reads typedefs and enums) before freezing.
    pub(crate) fn data(&self) -> &TypeSetData {
        &self.data
    }

    /// Gives every typedef without a layout the layout of what it names, and
    /// every array of known length without one its element's times its length:
    /// for front ends that learn a record's layout after its typedef (as DWARF's
    /// do), and merges that complete a record one set left incomplete (whose
    /// arrays only [`TypeSet::derive`] can have made: C has no arrays of
    /// incomplete types). An element comes before its array, so one pass in id
    /// order completes nested ones.
    pub fn complete_typedef_layouts(&mut self) {
        let data = &mut self.data;
        for i in 0..data.types.len() {
            let layout = match &data.types[i] {
                TypeNode {
                    ty: Type::Typedef(_),
                    layout: None,
                } => data.layout_of(data.canonical(TypeId::from_index(i))),
                TypeNode {
                    ty: Type::Array { elem, len: Some(n) },
                    layout: None,
                } => data.layout_of(elem.id).and_then(|e| {
                    let size = e
                        .size
                        .checked_mul(*n)
                        .filter(|s| *s < crate::limits::MAX_OBJECT_BYTES)?;
                    Some(Layout::new(size, e.align))
                }),
                _ => continue,
            };
            data.types[i].layout = layout;
        }
    }

    /// The type with every typedef seen through.
    pub fn canonical(&self, id: TypeId) -> TypeId {
        self.data.canonical(id)
    }

    /// Size and alignment of a type added so far (records: once defined).
    pub fn layout_of(&self, id: TypeId) -> Option<Layout> {
        self.data.layout_of(id)
    }

    /// Turns the builder into an immutable, shareable [`TypeSet`].
    pub fn freeze(self) -> TypeSet {
        TypeSet::from_data(self.data)
    }
}

impl TypeBuilder {
    /// Sets what the front end learned of the target beyond its triple.
    pub fn set_target_details(&mut self, char_signed: bool, little_endian: bool) {
        self.data.target.char_signed = char_signed;
        self.data.target.little_endian = little_endian;
    }
}
