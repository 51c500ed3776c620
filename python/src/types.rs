//! C types as the Python side sees them: a [`TypeInfo`] per type, classified
//! once into the [`Kind`] every conversion dispatches on, and cffi's spelling
//! of its name (`int *`, `int[10]`, `int(*)(int, int)`).

use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;
use wyvern::types::{EnumId, Quals, RecordId, RecordKind};
use wyvern::{FloatKind, IntKind, QualType, Type, TypeId, TypeSet};

/// A scalar's shape, as conversions need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prim {
    /// Any integer but plain `char`: a Python `int`.
    Int {
        size: u8,
        signed: bool,
    },
    /// Plain `char`: `bytes` of length 1, as in cffi.
    Char,
    /// `_Bool`
    Bool,
    /// `wchar_t`, `char16_t`, `char32_t` (integer typedefs C gives those
    /// names): a `str` of length 1, as in cffi.
    WChar {
        size: u8,
        signed: bool,
    },
    Float,
    Double,
    LongDouble,
}

/// What a type is, with typedefs seen through.
#[derive(Clone, Debug)]
pub enum Kind {
    Void,
    Prim(Prim),
    Enum {
        size: u8,
        signed: bool,
        id: EnumId,
    },
    /// A pointer to data (or to `void`).
    Pointer {
        pointee: QualType,
    },
    /// A pointer to a function.
    FuncPtr {
        func: TypeId,
    },
    Array {
        elem: QualType,
        len: Option<u64>,
    },
    Record {
        union: bool,
        id: RecordId,
    },
    /// A function type itself.
    Function,
    /// `_Complex`, vectors: declared, but not converted.
    Unsupported,
}

/// One C type of one set, classified.
pub struct TypeInfo {
    pub set: TypeSet,
    pub qt: QualType,
    /// The type with typedefs seen through.
    pub canon: TypeId,
    /// cffi's spelling.
    pub name: String,
    /// `sizeof`, when complete.
    pub size: Option<usize>,
    pub align: usize,
    pub kind: Kind,
    /// Made of C's own types only (scalars, `void`, cffi's primitive
    /// typedefs, and pointers, arrays and functions of them): the same type
    /// in every FFI, as cffi shares it.
    pub builtin: bool,
    /// A record's named members, flattened, made on first use.
    fields: OnceLock<Vec<crate::convert::FieldInfo>>,
    /// A pointer's pointee or an array's element, classified on first use.
    target: OnceLock<Arc<TypeInfo>>,
}

impl TypeInfo {
    /// A record's named members (anonymous members' own flattened in).
    pub fn fields(&self) -> &[crate::convert::FieldInfo] {
        self.fields.get_or_init(|| crate::convert::fields(self))
    }

    /// The member `name`, and where it is.
    pub fn field(&self, name: &str) -> Option<&crate::convert::FieldInfo> {
        self.fields().iter().find(|f| f.name == name)
    }

    pub fn is_pointer_like(&self) -> bool {
        matches!(self.kind, Kind::Pointer { .. } | Kind::FuncPtr { .. })
    }

    /// cffi's `kind` attribute.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Void => "void",
            Kind::Prim(_) | Kind::Unsupported => "primitive",
            Kind::Enum { .. } => "enum",
            Kind::Pointer { .. } => "pointer",
            // cffi's kind for a function pointer type is "function".
            Kind::FuncPtr { .. } => "function",
            Kind::Array { .. } => "array",
            Kind::Record { union: false, .. } => "struct",
            Kind::Record { union: true, .. } => "union",
            Kind::Function => "function",
        }
    }

    /// Whether `self` and `other` are the same C type (qualifiers aside).
    pub fn same_type(&self, other: &TypeInfo) -> bool {
        if self.set.same(&other.set) {
            // `canon` sees through top-level typedefs only: `myint[3]` and
            // `int[3]` differ there but are one type, as their names say (cffi's
            // names see through typedefs; anonymous records' names are not unique).
            self.canon == other.canon || (self.name == other.name && !self.name.contains('$'))
        } else {
            self.name_unqualified() == other.name_unqualified() && self.size == other.size
        }
    }

    fn name_unqualified(&self) -> &str {
        self.name
            .strip_prefix("const ")
            .or_else(|| self.name.strip_prefix("volatile "))
            .unwrap_or(&self.name)
    }
}

/// A type set with a cache of classified types: shared by an `FFI` and every
/// type and object made from it. A new `cdef` makes a new one (with the old
/// ids still valid in it); objects keep the one they were made with.
pub struct Types {
    pub set: TypeSet,
    cache: Mutex<FxHashMap<(TypeId, u8), Arc<TypeInfo>>>,
    /// The one `CType` object of each type (cffi's `typeof(a) is typeof(b)`),
    /// by the address of its `TypeInfo` (which the `CType` keeps alive).
    pub ctypes: Mutex<FxHashMap<usize, pyo3::Py<crate::ctype::CType>>>,
}

impl Types {
    pub fn new(set: TypeSet) -> Arc<Types> {
        Arc::new(Types {
            set,
            cache: Mutex::new(FxHashMap::default()),
            ctypes: Mutex::new(FxHashMap::default()),
        })
    }

    /// The classified type `qt`.
    pub fn info(&self, qt: QualType) -> Arc<TypeInfo> {
        let key = (qt.id, quals_bits(qt.quals));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(&key) {
            return found.clone();
        }
        let info = Arc::new(classify(&self.set, qt));
        cache.insert(key, info.clone());
        info
    }

    /// The type named `name` (cffi's `int[]` included, as an array of unknown length).
    pub fn named(&self, name: &str) -> wyvern::Result<Arc<TypeInfo>> {
        let trimmed = name.trim();
        if let Some(elem) = trimmed.strip_suffix("[]") {
            let elem = self.named(elem)?.qt;
            let id = self.set.derive(Type::Array { elem, len: None })?;
            return Ok(self.info(QualType::new(id)));
        }
        match self.set.type_named(trimmed) {
            Ok(qt) => Ok(self.info(qt)),
            Err(e) => match builtin_typedefs(&self.set, trimmed) {
                Some(spelled) => Ok(self.info(self.set.type_named(&spelled).map_err(|_| e)?)),
                None => Err(e),
            },
        }
    }

    /// What `ty` points to or holds (its pointee, its element), cached in it.
    pub fn target(&self, ty: &TypeInfo, qt: QualType) -> Arc<TypeInfo> {
        ty.target.get_or_init(|| self.info(qt)).clone()
    }

    pub fn pointer_to(&self, qt: QualType) -> wyvern::Result<Arc<TypeInfo>> {
        Ok(self.info(QualType::new(self.set.pointer_to(qt)?)))
    }

    pub fn array_of(&self, elem: QualType, len: Option<u64>) -> wyvern::Result<Arc<TypeInfo>> {
        let id = match len {
            Some(len) => self.set.array_of(elem, len)?,
            None => self.set.derive(Type::Array { elem, len: None })?,
        };
        Ok(self.info(QualType::new(id)))
    }

    /// A scalar by its C name (`int`, `char`, `void`).
    pub fn scalar(&self, name: &str) -> Option<Arc<TypeInfo>> {
        self.set.type_named(name).ok().map(|qt| self.info(qt))
    }
}

fn quals_bits(q: Quals) -> u8 {
    [
        Quals::CONST,
        Quals::VOLATILE,
        Quals::RESTRICT,
        Quals::ATOMIC,
    ]
    .iter()
    .enumerate()
    .filter(|(_, &b)| q.contains(b))
    .fold(0, |acc, (i, _)| acc | (1 << i))
}

fn classify(set: &TypeSet, qt: QualType) -> TypeInfo {
    let canon = set.canonical(qt.id);
    let layout = set.layout(canon);
    let size = layout.and_then(|l| usize::try_from(l.size).ok());
    let align = layout.map_or(1, |l| l.align.max(1) as usize);
    let kind = match set.ty(canon) {
        Type::Int(k) if is_wide_char(set, qt.id) => Kind::Prim(Prim::WChar {
            size: size.unwrap_or(4) as u8,
            signed: k.is_signed(),
        }),
        Type::Void => Kind::Void,
        Type::Bool => Kind::Prim(Prim::Bool),
        Type::Int(IntKind::Char { .. }) => Kind::Prim(Prim::Char),
        Type::Int(k) => Kind::Prim(Prim::Int {
            size: size.unwrap_or(0) as u8,
            signed: k.is_signed(),
        }),
        Type::Float(FloatKind::Float) => Kind::Prim(Prim::Float),
        Type::Float(FloatKind::Double) => Kind::Prim(Prim::Double),
        Type::Float(_) => Kind::Prim(Prim::LongDouble),
        Type::Pointer(p) => match set.ty(set.canonical(p.id)) {
            Type::Function(_) => Kind::FuncPtr {
                func: set.canonical(p.id),
            },
            _ => Kind::Pointer { pointee: *p },
        },
        Type::Array { elem, len } => Kind::Array {
            elem: *elem,
            len: *len,
        },
        Type::Record(r) => Kind::Record {
            union: set.record(*r).kind == RecordKind::Union,
            id: *r,
        },
        Type::Enum(e) => {
            let under = set.canonical(set.enum_(*e).underlying);
            let signed = matches!(set.ty(under), Type::Int(k) if k.is_signed());
            Kind::Enum {
                size: size.unwrap_or(4) as u8,
                signed,
                id: *e,
            }
        }
        Type::Function(_) => Kind::Function,
        _ => Kind::Unsupported,
    };
    TypeInfo {
        set: set.clone(),
        qt,
        canon,
        name: cffi_name(set, qt, String::new(), 0),
        size,
        align,
        kind,
        fields: OnceLock::new(),
        target: OnceLock::new(),
        builtin: builtin_only(set, qt.id, 0),
    }
}

/// cffi's spelling of `qt` around the declarator text `inner`: `int *`,
/// `int * *`, `int[10]`, `char *[5]`, `int(*)[5]`, `int(*)(int, double)`.
fn cffi_name(set: &TypeSet, qt: QualType, inner: String, depth: u32) -> String {
    if depth > 64 {
        return format!("...{inner}");
    }
    let quals = if qt.quals.contains(Quals::CONST) {
        "const "
    } else {
        ""
    };
    match set.ty(qt.id) {
        Type::Pointer(p) => {
            let star = match quals {
                "" => "*".to_owned(),
                _ => "* const".to_owned(),
            };
            let wrapped = match set.ty(set.canonical(p.id)) {
                Type::Array { .. } | Type::Function(_) if inner.starts_with('*') => {
                    format!("({star} {inner})")
                }
                Type::Array { .. } | Type::Function(_) => format!("({star}{inner})"),
                _ if inner.is_empty() => star,
                _ if inner.starts_with('*') => format!("{star} {inner}"),
                _ => format!("{star}{inner}"),
            };
            cffi_name(set, *p, wrapped, depth + 1)
        }
        Type::Array { elem, len } => {
            let dims = match len {
                Some(n) => format!("{inner}[{n}]"),
                None => format!("{inner}[]"),
            };
            cffi_name(set, *elem, dims, depth + 1)
        }
        Type::Function(sig) => {
            let mut params: Vec<String> = sig
                .params
                .iter()
                .map(|p| cffi_name(set, *p, String::new(), depth + 1))
                .collect();
            if sig.variadic {
                params.push("...".to_owned());
            }
            if params.is_empty() {
                params.push("void".to_owned());
            }
            let text = format!("{inner}({})", params.join(", "));
            cffi_name(set, sig.ret, text, depth + 1)
        }
        _ => {
            let base = base_name(set, qt.id);
            if inner.is_empty() {
                format!("{quals}{base}")
            } else if inner.starts_with('[') || inner.starts_with('(') {
                format!("{quals}{base}{inner}")
            } else {
                format!("{quals}{base} {inner}")
            }
        }
    }
}

/// The typedefs cffi has as primitive types, by their own names.
const CFFI_PRIMITIVE_TYPEDEFS: [&str; 37] = [
    "int8_t",
    "uint8_t",
    "int16_t",
    "uint16_t",
    "int32_t",
    "uint32_t",
    "int64_t",
    "uint64_t",
    "int_least8_t",
    "uint_least8_t",
    "int_least16_t",
    "uint_least16_t",
    "int_least32_t",
    "uint_least32_t",
    "int_least64_t",
    "uint_least64_t",
    "int_fast8_t",
    "uint_fast8_t",
    "int_fast16_t",
    "uint_fast16_t",
    "int_fast32_t",
    "uint_fast32_t",
    "int_fast64_t",
    "uint_fast64_t",
    "intptr_t",
    "uintptr_t",
    "intmax_t",
    "uintmax_t",
    "ptrdiff_t",
    "size_t",
    "ssize_t",
    "wchar_t",
    "char16_t",
    "char32_t",
    "char8_t",
    "_Float16",
    "bool",
];

/// What cffi's builtin typedefs are on this host: the names `<stdint.h>` and
/// `<stddef.h>` declare, for a set without them (an FFI before any `cdef`, or
/// from DWARF or a database).
fn builtin_typedef(name: &str) -> Option<&'static str> {
    let long64 = if usize::BITS == 64 {
        "long"
    } else {
        "long long"
    };
    let ulong64 = if usize::BITS == 64 {
        "unsigned long"
    } else {
        "unsigned long long"
    };
    Some(match name {
        "int8_t" => "signed char",
        "uint8_t" => "unsigned char",
        "int16_t" => "short",
        "uint16_t" => "unsigned short",
        "int32_t" => "int",
        "uint32_t" => "unsigned int",
        "int64_t" | "intmax_t" => long64,
        "uint64_t" | "uintmax_t" => ulong64,
        "intptr_t" | "ptrdiff_t" | "ssize_t" => "long",
        "uintptr_t" | "size_t" => "unsigned long",
        "bool" => "_Bool",
        _ => return None,
    })
}

/// `text` with the builtin typedef names the set does not declare spelled as
/// their scalars (`uint16_t *` as `unsigned short *`); `None` if there are none.
fn builtin_typedefs(set: &TypeSet, text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        match builtin_typedef(word).filter(|_| set.type_named(word).is_err()) {
            Some(scalar) => {
                out.push_str(scalar);
                changed = true;
            }
            None => out.push_str(word),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// A named type's name: `int`, `struct foo`, a typedef's name, or for an
/// anonymous record the typedef that names it.
fn base_name(set: &TypeSet, id: TypeId) -> String {
    match set.ty(id) {
        Type::Typedef(t) => {
            // cffi sees through typedefs, except to name anonymous records and
            // for the standard ones it has as primitives (`size_t`, `int8_t`).
            let canon = set.canonical(id);
            let name = &set.typedef(*t).name;
            if CFFI_PRIMITIVE_TYPEDEFS.contains(&name.as_str()) {
                return name.clone();
            }
            match set.ty(canon) {
                Type::Record(r) if set.record(*r).tag.is_none() => set.typedef(*t).name.clone(),
                Type::Enum(e) if set.enum_(*e).tag.is_none() => set.typedef(*t).name.clone(),
                _ => cffi_name(set, QualType::new(canon), String::new(), 1),
            }
        }
        Type::Record(r) => {
            let record = set.record(*r);
            match &record.tag {
                Some(tag) => format!("{} {tag}", record.kind.keyword()),
                None => set
                    .display_name(id)
                    .unwrap_or_else(|| format!("{} $anonymous", record.kind.keyword())),
            }
        }
        Type::Enum(e) => match &set.enum_(*e).tag {
            Some(tag) => format!("enum {tag}"),
            None => set
                .display_name(id)
                .unwrap_or_else(|| "enum $anonymous".to_owned()),
        },
        _ => set.spell(QualType::new(id)),
    }
}

/// Whether `id` is made of C's own types only: no record, enum or typedef
/// of the declarations' (cffi's primitive typedefs are C's).
fn builtin_only(set: &TypeSet, id: TypeId, depth: u32) -> bool {
    if depth > 64 {
        return false;
    }
    match set.ty(id) {
        Type::Void | Type::Bool | Type::Int(_) | Type::Float(_) | Type::Complex(_) => true,
        Type::Pointer(p) => builtin_only(set, p.id, depth + 1),
        Type::Array { elem, .. } => builtin_only(set, elem.id, depth + 1),
        Type::Function(sig) => {
            builtin_only(set, sig.ret.id, depth + 1)
                && sig
                    .params
                    .iter()
                    .all(|p| builtin_only(set, p.id, depth + 1))
        }
        Type::Typedef(t) => CFFI_PRIMITIVE_TYPEDEFS.contains(&set.typedef(*t).name.as_str()),
        _ => false,
    }
}

/// Whether `id` is (a typedef chain through) `wchar_t`, `char16_t` or `char32_t`.
fn is_wide_char(set: &TypeSet, mut id: TypeId) -> bool {
    for _ in 0..64 {
        match set.ty(id) {
            Type::Typedef(t) => {
                let typedef = set.typedef(*t);
                if matches!(typedef.name.as_str(), "wchar_t" | "char16_t" | "char32_t") {
                    return true;
                }
                id = typedef.target.id;
            }
            _ => return false,
        }
    }
    false
}
