//! One side of a comparison: a set with the indexes `check` needs.

use rustc_hash::FxHashMap;

use super::{MAX_TYPEDEF_CHAIN, MAX_TYPE_DEPTH};
use crate::types::{
    EnumId, FunctionDecl, Global, Layout, QualType, Record, RecordId, RecordKind, Type, TypeId,
    TypeSet, Typedef, TypedefId,
};

/// One set, with the indexes the comparison needs. Every lookup is checked, so a
/// set whose ids do not hold together yields differences, never a panic.
pub(super) struct Side<'a> {
    pub(super) set: &'a TypeSet,
    pub(super) records: Vec<&'a Record>,
    pub(super) enums: Vec<&'a crate::types::Enum>,
    pub(super) typedefs: Vec<&'a Typedef>,
    /// By name; an external definition wins over a `static` one.
    pub(super) functions: FxHashMap<&'a str, &'a FunctionDecl>,
    /// External functions by symbol (asm label or name).
    pub(super) function_symbols: FxHashMap<&'a str, &'a FunctionDecl>,
    pub(super) globals: FxHashMap<&'a str, &'a Global>,
    /// By symbol (asm label or name).
    pub(super) global_symbols: FxHashMap<&'a str, &'a Global>,
    /// `"struct x"` → the record; a definition wins over a forward declaration.
    pub(super) record_tags: FxHashMap<String, RecordId>,
    /// `"x"` of `enum x` → the enum; a definition wins over a forward declaration.
    pub(super) enum_tags: FxHashMap<&'a str, EnumId>,
    /// Enumerator name → its enum, to find anonymous enums.
    pub(super) enumerators: FxHashMap<&'a str, EnumId>,
}

impl<'a> Side<'a> {
    pub(super) fn new(set: &'a TypeSet) -> Side<'a> {
        let records: Vec<&Record> = set.records().map(|(_, r)| r).collect();
        let enums: Vec<&crate::types::Enum> = set.enums().map(|(_, e)| e).collect();
        let mut functions: FxHashMap<&str, &FunctionDecl> = FxHashMap::default();
        for f in set.functions() {
            let replace = functions
                .get(f.name.as_str())
                .is_none_or(|old| !old.is_callable() && f.is_callable());
            if replace {
                functions.insert(&f.name, f);
            }
        }
        let mut function_symbols = FxHashMap::default();
        for f in set.functions().filter(|f| f.is_callable()) {
            function_symbols.entry(f.symbol()).or_insert(f);
        }
        let mut globals = FxHashMap::default();
        let mut global_symbols = FxHashMap::default();
        for g in set.globals() {
            globals.entry(g.name.as_str()).or_insert(g);
            global_symbols.entry(g.symbol()).or_insert(g);
        }
        let mut record_tags: FxHashMap<String, RecordId> = FxHashMap::default();
        for (id, record) in set.records() {
            let Some(tag) = &record.tag else { continue };
            let key = format!("{} {tag}", record.kind.keyword());
            let replace = record_tags.get(&key).is_none_or(|&old| {
                record.def.is_some() && records.get(old.index()).is_some_and(|r| r.def.is_none())
            });
            if replace {
                record_tags.insert(key, id);
            }
        }
        let mut enum_tags: FxHashMap<&str, EnumId> = FxHashMap::default();
        let mut enumerators = FxHashMap::default();
        for (id, e) in set.enums() {
            if let Some(tag) = &e.tag {
                let replace = enum_tags.get(tag.as_str()).is_none_or(|&old| {
                    e.complete && enums.get(old.index()).is_some_and(|o| !o.complete)
                });
                if replace {
                    enum_tags.insert(tag, id);
                }
            }
            for (name, _) in &e.constants {
                enumerators.entry(name.as_str()).or_insert(id);
            }
        }
        Side {
            set,
            records,
            enums,
            typedefs: set.typedefs().collect(),
            functions,
            function_symbols,
            globals,
            global_symbols,
            record_tags,
            enum_tags,
            enumerators,
        }
    }

    pub(super) fn ty(&self, id: TypeId) -> &'a Type {
        self.set.ty(id)
    }

    pub(super) fn record(&self, id: RecordId) -> Option<&'a Record> {
        self.records.get(id.index()).copied()
    }

    pub(super) fn enum_(&self, id: EnumId) -> Option<&'a crate::types::Enum> {
        self.enums.get(id.index()).copied()
    }

    pub(super) fn typedef(&self, id: TypedefId) -> Option<&'a Typedef> {
        self.typedefs.get(id.index()).copied()
    }

    /// The type with every typedef seen through, keeping the qualifiers the
    /// typedefs add (`typedef const int cint;`).
    pub(super) fn resolve(&self, mut ty: QualType) -> QualType {
        for _ in 0..MAX_TYPEDEF_CHAIN {
            let Type::Typedef(t) = self.ty(ty.id) else {
                return ty;
            };
            let Some(typedef) = self.typedef(*t) else {
                return ty;
            };
            ty = QualType::with(typedef.target.id, ty.quals | typedef.target.quals);
        }
        ty
    }

    /// The C spelling, or a placeholder for a type whose ids do not hold together
    /// (which [`TypeSet::spell`] would not survive).
    pub(super) fn spell(&self, ty: QualType) -> String {
        if self.spellable(ty.id, 0) {
            self.set.spell(ty)
        } else {
            "<invalid type>".into()
        }
    }

    pub(super) fn spellable(&self, id: TypeId, depth: u32) -> bool {
        if depth > MAX_TYPE_DEPTH {
            return false;
        }
        match self.ty(id) {
            Type::Pointer(to) | Type::Array { elem: to, .. } => self.spellable(to.id, depth + 1),
            Type::Vector { elem, .. } => self.spellable(*elem, depth + 1),
            Type::Function(sig) => {
                self.spellable(sig.ret.id, depth + 1)
                    && sig.params.iter().all(|p| self.spellable(p.id, depth + 1))
            }
            Type::Record(r) => self.record(*r).is_some(),
            Type::Enum(e) => self.enum_(*e).is_some(),
            Type::Typedef(t) => self.typedef(*t).is_some(),
            _ => true,
        }
    }

    /// `int f(int a, long b)`, or the bare name for an unspellable type.
    pub(super) fn prototype(&self, f: &FunctionDecl) -> String {
        // `prototype` spells the parameters of the type behind any typedef.
        if self.spellable(f.ty, 0) && self.spellable(self.resolve(f.ty.into()).id, 0) {
            self.set.prototype(f)
        } else {
            f.name.clone()
        }
    }

    /// How a type reads in a message: `a union`, `'int'`.
    pub(super) fn describe(&self, ty: QualType) -> String {
        match self.ty(self.resolve(ty).id) {
            Type::Record(r) => match self.record(*r) {
                Some(record) => article(record.kind).to_owned(),
                None => "<invalid type>".into(),
            },
            _ => format!("'{}'", self.spell(ty)),
        }
    }

    /// The size of an enum: its type's where known, else its underlying type's.
    pub(super) fn enum_layout(&self, ty: Option<TypeId>, e: &crate::types::Enum) -> Option<Layout> {
        ty.and_then(|id| self.set.layout(id))
            .or_else(|| self.set.layout(e.underlying))
    }
}

pub(super) fn article(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Struct => "a struct",
        RecordKind::Union => "a union",
    }
}
