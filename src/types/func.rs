//! Declared functions: [`FunctionDecl`] and its [`Linkage`]. Function *types*
//! ([`FnSig`], [`CallConv`]) are kinds of C type and live in `ty`.

use serde::{Deserialize, Serialize};

use super::{QualType, TypeId};
use crate::SourceLocation;

// A function's type is one of the kinds of C type (`ty`); re-exported where
// the crate's code found it before.
pub use super::ty::{CallConv, FnSig};

/// How a function can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Linkage {
    /// An external symbol: callable through a loaded library.
    External,
    /// `static` (often `static inline`): there is no symbol to call.
    Internal,
}

/// A declared function: its name, type, parameter names and symbol, as the
/// header or the debug info declares it. [`TypeSet::function`](crate::TypeSet::function)
/// finds one by name; the callable function, bound to a library, is
/// [`crate::Function`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDecl {
    /// Its C name (and its symbol, when external and without an asm label).
    pub name: String,
    /// The symbol an asm label gives it (`int f(void) __asm__("g");`, glibc's
    /// `__REDIRECT`), or the linkage name the binary's debug info records, when
    /// that differs from its name. [`symbol`](Self::symbol) is what calls resolve.
    pub asm_label: Option<String>,
    /// Its function type (a [`Type::Function`](super::Type::Function)).
    pub ty: TypeId,
    /// The parameter names, as declared (`None` where unnamed).
    pub param_names: Vec<Option<String>>,
    /// The array type each parameter was declared as, where it was declared as
    /// an array of known length (`uuid_t out` with `typedef unsigned char
    /// uuid_t[16]`, `int a[4]`, `int a[static 8]`, `double m[3][3]`); `None`
    /// elsewhere, and for every parameter where the source does not say (DWARF
    /// records only the pointer). Shorter than the parameters when the rest
    /// have none; empty for none at all.
    ///
    /// The parameter's type in [`ty`](Self::ty) is the pointer C adjusts it to
    /// (C11 6.7.6.3p7): the declared length is not part of the function's type
    /// (prototypes differing only in it are the same type, as in C), it is what
    /// the declaration says the function reads or writes, which a caller making
    /// the argument needs (`wyvern call uuid_generate &{}` makes 16 bytes).
    pub param_arrays: Vec<Option<QualType>>,
    /// Whether a symbol exists to call.
    pub linkage: Linkage,
    /// Whether it was declared `inline`.
    pub inline: bool,
    /// Where it was declared.
    pub location: Option<SourceLocation>,
}

impl FunctionDecl {
    /// Whether it can be called through a library symbol.
    pub fn is_callable(&self) -> bool {
        self.linkage == Linkage::External
    }

    /// The symbol C compiled against this declaration links to: its asm label
    /// where it has one, else its name. On x86-64 Linux the label is the symbol
    /// verbatim (no user-label prefix).
    pub fn symbol(&self) -> &str {
        self.asm_label.as_deref().unwrap_or(&self.name)
    }

    /// The array type parameter `i` (0-based) was declared as, when it was
    /// declared as an array of known length: see [`param_arrays`](Self::param_arrays).
    pub fn param_array(&self, i: usize) -> Option<QualType> {
        self.param_arrays.get(i).copied().flatten()
    }
}
