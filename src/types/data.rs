//! The arenas of a set as plain data ([`TypeSetData`]: what a database stores,
//! what [`TypeBuilder`](super::TypeBuilder) fills and
//! [`TypeSet`](super::TypeSet) indexes), and the [`Target`] they are for.

use serde::{Deserialize, Serialize};

use super::decl::{Constant, Enum, FunctionMacro, Global, Typedef};
use super::func::FunctionDecl;
use super::id::TypeId;
use super::record::Record;
use super::ty::{Layout, Type};

/// What the layouts of a set are for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// The target triple, as the front end normalised it (`x86_64-pc-linux-gnu`).
    pub triple: String,
    /// Size of a data pointer, in bytes.
    pub pointer_size: u8,
    /// Whether plain `char` is signed.
    pub char_signed: bool,
    /// Whether the target is little-endian.
    pub little_endian: bool,
}

impl Target {
    /// The machine this code was compiled for.
    pub fn host() -> Target {
        Target {
            triple: host_triple().to_owned(),
            pointer_size: std::mem::size_of::<usize>() as u8,
            char_signed: std::ffi::c_char::MIN != 0,
            little_endian: cfg!(target_endian = "little"),
        }
    }
}

/// The triple and what layouts depend on: `x86_64-pc-linux-gnu (pointer 8,
/// little-endian, char signed)`.
impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (pointer {}, {}-endian, char {})",
            self.triple,
            self.pointer_size,
            if self.little_endian { "little" } else { "big" },
            if self.char_signed {
                "signed"
            } else {
                "unsigned"
            }
        )
    }
}

fn host_triple() -> &'static str {
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        "x86_64-pc-linux-gnu"
    } else if cfg!(all(target_arch = "aarch64", target_os = "linux")) {
        "aarch64-unknown-linux-gnu"
    } else if cfg!(all(target_arch = "x86", target_os = "linux")) {
        "i686-pc-linux-gnu"
    } else {
        "unknown"
    }
}

/// One type in the arena: what it is, and its layout where the front end knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TypeNode {
    pub(crate) ty: Type,
    /// For records this is `None`: their layout lives in their definition.
    pub(crate) layout: Option<Layout>,
}

/// The arenas of a set: plain data, what a database stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TypeSetData {
    pub(crate) target: Target,
    pub(crate) types: Vec<TypeNode>,
    pub(crate) records: Vec<Record>,
    /// The type id of each record, by record index.
    pub(crate) record_types: Vec<TypeId>,
    pub(crate) enums: Vec<Enum>,
    pub(crate) typedefs: Vec<Typedef>,
    pub(crate) functions: Vec<FunctionDecl>,
    pub(crate) globals: Vec<Global>,
    pub(crate) constants: Vec<Constant>,
    pub(crate) skipped_macros: Vec<(String, String)>,
    /// Macros a program may name as functions: function-like ones, and
    /// object-like ones that stand for a function's (or such a macro's) name.
    pub(crate) function_macros: Vec<FunctionMacro>,
    /// Declarations left out, with why: `("struct s", "cannot represent …")`.
    pub(crate) skipped_declarations: Vec<(String, String)>,
}

impl TypeSetData {
    pub(crate) fn empty(target: Target) -> TypeSetData {
        TypeSetData {
            target,
            types: Vec::new(),
            records: Vec::new(),
            record_types: Vec::new(),
            enums: Vec::new(),
            typedefs: Vec::new(),
            functions: Vec::new(),
            globals: Vec::new(),
            constants: Vec::new(),
            skipped_macros: Vec::new(),
            function_macros: Vec::new(),
            skipped_declarations: Vec::new(),
        }
    }

    pub(crate) fn ty(&self, id: TypeId) -> Option<&Type> {
        self.types.get(id.index()).map(|n| &n.ty)
    }

    pub(crate) fn layout_of(&self, id: TypeId) -> Option<Layout> {
        let node = self.types.get(id.index())?;
        match &node.ty {
            Type::Record(r) => self.records.get(r.index())?.def.as_ref().map(|d| d.layout),
            _ => node.layout,
        }
    }

    /// Sees through typedefs, with a bound so a corrupt (cyclic) set cannot hang.
    pub(crate) fn canonical(&self, mut id: TypeId) -> TypeId {
        for _ in 0..256 {
            match self.ty(id) {
                Some(Type::Typedef(t)) => match self.typedefs.get(t.index()) {
                    Some(td) => id = td.target.id,
                    None => return id,
                },
                _ => return id,
            }
        }
        id
    }
}
