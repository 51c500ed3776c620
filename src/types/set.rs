//! [`TypeSet`]: the frozen result of a parse, with lookups by C name.

use std::sync::Arc;

use super::data::{Target, TypeNode, TypeSetData};
use super::decl::{Constant, Enum, Global, Typedef};
use super::derived::Derived;
use super::func::{FnSig, FunctionDecl};
use super::id::{EnumId, RecordId, TypeId, TypedefId};
use super::names::{index, Names};
use super::record::{FlatField, Record, RecordDef};
use super::ty::{Layout, QualType, Type};
use crate::error::{closest, Error, ErrorKind, Result};

mod macros;

/// An id no set reaches: arenas are far smaller than `u32::MAX` entries.
const NO_TYPE: TypeId = TypeId(u32::MAX);

/// What [`TypeSet::record`], [`TypeSet::enum_`] and [`TypeSet::typedef`] give
/// for an id of another set, so they answer as [`TypeSet::ty`] does instead of
/// panicking.
static FOREIGN_RECORD: Record = Record {
    kind: super::record::RecordKind::Struct,
    tag: None,
    def: None,
    location: None,
};
static FOREIGN_ENUM: Enum = Enum {
    tag: None,
    underlying: NO_TYPE,
    constants: Vec::new(),
    complete: false,
    location: None,
};
static FOREIGN_TYPEDEF: Typedef = Typedef {
    name: String::new(),
    target: QualType {
        id: NO_TYPE,
        quals: super::ty::Quals::NONE,
    },
    location: None,
};

/// An immutable, `Send + Sync` set of C declarations with their exact layouts.
///
/// Cloning is cheap (an `Arc`). Everything in it is found by its C name:
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::cdef("struct point { int x, y; }; typedef struct point point_t;")?;
/// let point = types.type_named("point_t")?;
/// assert_eq!(types.layout(point.id).unwrap().size, 8);
/// assert_eq!(types.spell(types.canonical(point.id).into()), "struct point");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TypeSet {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    data: TypeSetData,
    names: Names,
    derived: Derived,
}

// What the overlay must keep true of every set, checked when this compiles.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<TypeSet>();
};

impl TypeSet {
    pub(crate) fn from_data(data: TypeSetData) -> TypeSet {
        let names = index(&data);
        TypeSet {
            inner: Arc::new(Inner {
                data,
                names,
                derived: Derived::default(),
            }),
        }
    }

    /// The arenas, as a database stores them.
    #[cfg_attr(not(feature = "db"), allow(dead_code))]
    pub(crate) fn data(&self) -> &TypeSetData {
        &self.inner.data
    }

    /// A copy of the set without the functions and globals named `names`
    /// (every other declaration, and every type id, as they are here): what a
    /// caller replacing declarations merges the new ones into (cffi's
    /// `cdef(..., override=True)`). The ids of types derived from this set
    /// after it was made ([`pointer_to`](Self::pointer_to), [`derive`](Self::derive))
    /// are not carried over: derive them again from the copy.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let old = wyvern::cdef("int f(int); double g; int h(void);")?;
    /// let new = wyvern::cdef("long f(long); double g;")?;
    /// assert!(old.merge(&new).is_err());
    /// let both = old.without(&["f"]).merge(&new)?;
    /// assert_eq!(both.prototype(both.function("f")?), "long f(long)");
    /// assert!(both.function("h").is_ok() && both.global("g").is_ok());
    /// # Ok(()) }
    /// ```
    pub fn without(&self, names: &[&str]) -> TypeSet {
        let mut data = self.inner.data.clone();
        data.functions.retain(|f| !names.contains(&f.name.as_str()));
        data.globals.retain(|g| !names.contains(&g.name.as_str()));
        TypeSet::from_data(data)
    }

    /// Whether `other` is this same set (a clone of it), so ids are shared.
    #[inline]
    pub fn same(&self, other: &TypeSet) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The target the layouts are for.
    pub fn target(&self) -> &Target {
        &self.inner.data.target
    }

    /// The type behind an id. Ids come from this set, so this only fails for a
    /// foreign id (another set's, beyond this one's types), for which it returns
    /// `&Type::Void`.
    pub fn ty(&self, id: TypeId) -> &Type {
        match self.inner.data.ty(id) {
            Some(ty) => ty,
            None => self.derived_node(id).map_or(&Type::Void, |n| &n.ty),
        }
    }

    /// Whether `id` names a type of this set (one of its declarations' or one
    /// [`derive`](Self::derive) added), rather than being another set's.
    pub fn has_type(&self, id: TypeId) -> bool {
        id.index() < self.inner.data.types.len() || self.derived_node(id).is_some()
    }

    /// Size and alignment of a type; `None` for `void`, functions, incomplete
    /// types and foreign ids.
    pub fn layout(&self, id: TypeId) -> Option<Layout> {
        match self.inner.data.layout_of(id) {
            Some(layout) => Some(layout),
            None if id.index() < self.inner.data.types.len() => None,
            None => self.derived_node(id).and_then(|n| n.layout),
        }
    }

    /// The types [`derive`](Self::derive) added so far, in id order: a set
    /// built from this one (a merge) appends them after the frozen arena, so
    /// their ids keep naming them.
    pub(crate) fn derived_nodes(&self) -> Vec<TypeNode> {
        self.inner.derived.nodes()
    }

    fn derived_node(&self, id: TypeId) -> Option<&TypeNode> {
        let at = id.index().checked_sub(self.inner.data.types.len())?;
        self.inner.derived.node(at)
    }

    /// The id of a pointer, array or function type built from this set's types,
    /// adding it when the declarations never used it. Layouts follow the target
    /// (pointers) and the element (arrays).
    ///
    /// # Errors
    /// [`ErrorKind::TooLarge`] for an array whose size overflows,
    /// [`ErrorKind::WrongKind`] for anything but a pointer, array or function
    /// type, and [`ErrorKind::ForeignType`] for a type built from ids that are not
    /// of this set.
    pub fn derive(&self, ty: Type) -> Result<TypeId> {
        if let Some(id) = self.interned(&ty) {
            return Ok(id);
        }
        let parts: Vec<TypeId> = match &ty {
            Type::Pointer(q) | Type::Array { elem: q, .. } => vec![q.id],
            Type::Function(sig) => std::iter::once(sig.ret.id)
                .chain(sig.params.iter().map(|p| p.id))
                .collect(),
            _ => Vec::new(),
        };
        if let Some(foreign) = parts.into_iter().find(|&id| !self.has_type(id)) {
            return Err(ErrorKind::ForeignType {
                id: foreign.index(),
                types: self.inner.data.types.len() + self.inner.derived.count(),
            }
            .into());
        }
        let layout = match &ty {
            Type::Pointer(_) => {
                let size = u64::from(self.target().pointer_size);
                Some(Layout::new(size, size))
            }
            Type::Array { elem, len } => match (self.layout(elem.id), len) {
                (Some(e), Some(n)) => {
                    let size = e
                        .size
                        .checked_mul(*n)
                        .filter(|s| *s < crate::limits::MAX_OBJECT_BYTES)
                        .ok_or_else(|| ErrorKind::TooLarge {
                            what: format!("an array of {n} '{}'", self.spell(*elem)),
                        })?;
                    Some(Layout::new(size, e.align))
                }
                _ => None,
            },
            Type::Function(_) => None,
            other => {
                return Err(ErrorKind::WrongKind {
                    name: format!("{other:?}"),
                    expected: "a pointer, array or function type, the kinds a set derives",
                    found: None,
                }
                .into())
            }
        };
        let first = self.inner.data.types.len();
        Ok(self.inner.derived.intern(ty, layout, first))
    }

    /// `T *` for a type `T` of this set.
    pub fn pointer_to(&self, pointee: QualType) -> Result<TypeId> {
        self.derive(Type::Pointer(pointee))
    }

    /// `T [len]` for a type `T` of this set.
    pub fn array_of(&self, elem: QualType, len: u64) -> Result<TypeId> {
        self.derive(Type::Array {
            elem,
            len: Some(len),
        })
    }

    /// The type with every typedef seen through.
    pub fn canonical(&self, id: TypeId) -> TypeId {
        self.inner.data.canonical(id)
    }

    /// The record behind an id. For a foreign id (another set's, beyond this
    /// one's records) an incomplete anonymous struct, as [`ty`](Self::ty)
    /// answers `void`.
    pub fn record(&self, id: RecordId) -> &Record {
        self.inner
            .data
            .records
            .get(id.index())
            .unwrap_or(&FOREIGN_RECORD)
    }

    /// The fields of a record body as C code names them, in declaration order:
    /// named members, and the named members of anonymous struct and union members
    /// lifted in at their offsets from the record's start (as deep as they nest,
    /// at most [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH)).
    /// Unnamed bitfields, which are padding, are left out.
    pub fn flat_fields<'s>(&'s self, def: &'s RecordDef) -> Vec<FlatField<'s>> {
        let mut out = Vec::new();
        self.flatten(def, 0, 0, &mut out);
        out
    }

    fn flatten<'s>(
        &'s self,
        def: &'s RecordDef,
        base_bits: u64,
        depth: u32,
        out: &mut Vec<FlatField<'s>>,
    ) {
        for field in &def.fields {
            let offset_bits = base_bits.saturating_add(field.offset_bits);
            match &field.name {
                Some(name) => out.push(FlatField {
                    name,
                    ty: field.ty,
                    offset_bits,
                    bit_width: field.bit_width,
                }),
                None if field.is_padding() || depth >= crate::limits::MAX_TYPE_DEPTH => {}
                None => {
                    let Type::Record(r) = self.ty(self.canonical(field.ty.id)) else {
                        continue;
                    };
                    let inner = self.inner.data.records.get(r.index());
                    if let Some(inner) = inner.and_then(|r| r.def.as_ref()) {
                        self.flatten(inner, offset_bits, depth + 1, out);
                    }
                }
            }
        }
    }

    /// The type id of a record; for a foreign record id, an id that is no type
    /// of this set (whose [`ty`](Self::ty) is `void`).
    pub fn record_type(&self, id: RecordId) -> TypeId {
        self.inner
            .data
            .record_types
            .get(id.index())
            .copied()
            .unwrap_or(NO_TYPE)
    }

    /// The enum behind an id. For a foreign id, an incomplete anonymous enum
    /// with no constants, whose underlying type is no type of this set.
    pub fn enum_(&self, id: EnumId) -> &Enum {
        self.inner
            .data
            .enums
            .get(id.index())
            .unwrap_or(&FOREIGN_ENUM)
    }

    /// The typedef behind an id. For a foreign id, a typedef with an empty name
    /// naming no type of this set.
    pub fn typedef(&self, id: TypedefId) -> &Typedef {
        self.inner
            .data
            .typedefs
            .get(id.index())
            .unwrap_or(&FOREIGN_TYPEDEF)
    }

    /// The function type behind a type id, seeing through typedefs.
    pub fn fn_sig(&self, id: TypeId) -> Option<&FnSig> {
        match self.ty(self.canonical(id)) {
            Type::Function(sig) => Some(sig),
            _ => None,
        }
    }

    /// Every record, complete or not, in declaration order.
    pub fn records(&self) -> impl Iterator<Item = (RecordId, &Record)> {
        self.inner
            .data
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (RecordId::from_index(i), r))
    }

    /// Every enum.
    pub fn enums(&self) -> impl Iterator<Item = (EnumId, &Enum)> {
        self.inner
            .data
            .enums
            .iter()
            .enumerate()
            .map(|(i, e)| (EnumId::from_index(i), e))
    }

    /// Every typedef.
    pub fn typedefs(&self) -> impl Iterator<Item = &Typedef> {
        self.inner.data.typedefs.iter()
    }

    /// Every declared function.
    pub fn functions(&self) -> impl Iterator<Item = &FunctionDecl> {
        self.inner.data.functions.iter()
    }

    /// Every global variable.
    pub fn globals(&self) -> impl Iterator<Item = &Global> {
        self.inner.data.globals.iter()
    }

    /// Declarations left out because a type in them cannot be represented
    /// (`_BitInt(13)`, `_Complex int`), each with the reason.
    pub fn skipped_declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inner
            .data
            .skipped_declarations
            .iter()
            .map(|(n, r)| (n.as_str(), r.as_str()))
    }

    /// Why a declaration named `name` was left out, if it was.
    pub fn why_skipped(&self, name: &str) -> Option<&str> {
        self.inner
            .data
            .skipped_declarations
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.as_str())
    }

    /// Every constant: evaluated macros and enumerators.
    pub fn constants(&self) -> impl Iterator<Item = &Constant> {
        self.inner.data.constants.iter()
    }

    /// The name a user would write for a type: its tag (`struct stat`), or for an
    /// anonymous record or enum the first typedef that names it.
    pub fn display_name(&self, id: TypeId) -> Option<String> {
        match self.ty(id) {
            Type::Record(r) => {
                let record = self.record(*r);
                match &record.tag {
                    Some(tag) => Some(super::tag_name(record.kind.keyword(), tag)),
                    None => self.inner.names.anonymous_names.get(&id).cloned(),
                }
            }
            Type::Enum(e) => match &self.enum_(*e).tag {
                Some(tag) => Some(super::tag_name("enum", tag)),
                None => self.inner.names.anonymous_names.get(&id).cloned(),
            },
            Type::Typedef(t) => Some(self.typedef(*t).name.clone()),
            _ => None,
        }
    }

    /// A declared function by name, or the function a macro stands for
    /// (`#define EVP_MD_size EVP_MD_get_size`, through chains of such macros).
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef(
    ///     "int get_size(void *);\n#define size get_size\n#define twice(x) get_size(x) * 2",
    /// )?;
    /// assert_eq!(types.function("size")?.name, "get_size");
    /// assert_eq!(
    ///     types.function("twice").unwrap_err().to_string(),
    ///     "'twice' is a function-like macro, not a function: twice(x) expands to \
    ///      get_size(x) * 2 (defined at <cdef>:3:9); call 'get_size' with the arguments it expands to"
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::FunctionLikeMacro`] for a function-like macro, saying what it
    /// expands to; [`ErrorKind::NotFound`] with the closest function name.
    pub fn function(&self, name: &str) -> Result<&FunctionDecl> {
        self.function_through_macros(name, 0)
    }

    /// A global variable by name.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] with the closest global's name.
    pub fn global(&self, name: &str) -> Result<&Global> {
        let data = &self.inner.data;
        let globals = |i: usize| data.globals.get(i).map(|g| g.name.as_str());
        match self.inner.names.globals.get(name, globals) {
            Some(i) => Ok(&data.globals[i]),
            None => Err(Error::not_found(
                "global variable",
                name,
                closest(name, data.globals.iter().map(|g| g.name.as_str())),
            )),
        }
    }

    /// A constant (evaluated object-like macro or enumerator) by name.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("#define FLAG (1u << 4)\nenum color { RED, GREEN = 5 };")?;
    /// let flag = types.constant("FLAG")?;
    /// assert_eq!(flag.value, wyvern::ConstValue::Int(16));
    /// assert_eq!(types.spell(flag.ty), "unsigned int");
    /// assert_eq!(types.constant("GREEN")?.value, wyvern::ConstValue::Int(5));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotAConstant`] for a macro that is not a constant, saying why;
    /// [`ErrorKind::NotFound`] with the closest name otherwise.
    pub fn constant(&self, name: &str) -> Result<&Constant> {
        let data = &self.inner.data;
        let constants = |i: usize| data.constants.get(i).map(|c| c.name.as_str());
        let skipped = |i: usize| data.skipped_macros.get(i).map(|(n, _)| n.as_str());
        if let Some(i) = self.inner.names.constants.get(name, constants) {
            return Ok(&data.constants[i]);
        }
        if let Some(i) = self.inner.names.skipped.get(name, skipped) {
            let (name, reason) = &data.skipped_macros[i];
            return Err(ErrorKind::NotAConstant {
                name: name.clone(),
                reason: reason.clone(),
            }
            .into());
        }
        Err(Error::not_found(
            "constant",
            name,
            closest(name, data.constants.iter().map(|c| c.name.as_str())),
        ))
    }

    /// Whether `struct s` (`union u`, `enum e`), spelled so, names a type here.
    pub(crate) fn tag_exists(&self, key: &str) -> bool {
        self.inner.names.tags.contains_key(key)
    }

    pub(crate) fn tag(&self, keyword: &str, tag: &str) -> Result<TypeId> {
        let key = super::tag_name(keyword, tag);
        match self.inner.names.tags.get(&key) {
            Some(&id) => Ok(id),
            None if self.why_skipped(&key).is_some() => Err(ErrorKind::LeftOut {
                reason: self.why_skipped(&key).unwrap_or_default().to_string(),
                name: key,
            }
            .into()),
            None => Err(Error::not_found(
                "type",
                &key,
                closest(
                    &key,
                    self.inner
                        .names
                        .tags
                        .keys()
                        .chain(self.inner.names.typedefs.keys())
                        .map(String::as_str),
                ),
            )),
        }
    }

    pub(crate) fn typedef_named(&self, name: &str) -> Option<TypeId> {
        self.inner.names.typedefs.get(name).copied()
    }

    pub(crate) fn scalar_named(&self, spelling: &str) -> Option<TypeId> {
        self.inner.names.scalars.get(spelling).copied()
    }

    pub(crate) fn interned(&self, ty: &Type) -> Option<TypeId> {
        let types = &self.inner.data.types;
        self.inner
            .names
            .interned
            .get(ty, |i| types.get(i).map(|node| &node.ty))
            .map(TypeId::from_index)
    }

    /// Every type name the set knows: tags, typedefs and scalar spellings (for suggestions).
    pub(crate) fn type_names(&self) -> impl Iterator<Item = &str> {
        let names = &self.inner.names;
        names
            .tags
            .keys()
            .map(String::as_str)
            .chain(names.typedefs.keys().map(String::as_str))
            .chain(names.scalars.keys().copied())
    }

    /// Every complete record a user can name, in declaration order: its name
    /// (`struct x`, or the typedef of an anonymous one) and the type to lay out under
    /// that name (the typedef, for an anonymous record: a typedef may add alignment).
    /// Compiler-implicit records (`struct __va_list_tag`), which no header declares,
    /// are left out.
    pub fn named_records(&self) -> Vec<(String, TypeId)> {
        // At most one a record: sized once rather than grown.
        let mut out = Vec::with_capacity(self.inner.data.records.len());
        for (id, record) in self.records() {
            if record.def.is_none() || record.location.is_none() {
                continue;
            }
            let ty = self.record_type(id);
            if record.tag.is_some() {
                if let Some(name) = self.display_name(ty) {
                    out.push((name, ty));
                }
            } else if let Some(name) = self.inner.names.anonymous_names.get(&ty) {
                if let Some(typedef) = self.typedef_named(name) {
                    out.push((name.clone(), typedef));
                }
            }
        }
        out
    }
}
