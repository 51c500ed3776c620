//! Function types and declared functions.

use serde::{Deserialize, Serialize};

use super::ty::QualType;
use super::TypeId;
use crate::SourceLocation;

/// A calling convention, as the declaration gave it.
///
/// Conventions are never silently replaced: one the front end reports but wyvern
/// does not know is kept as [`CallConv::Unknown`] with its raw code, and refused
/// when called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CallConv {
    /// The target's default C convention (System V on x86-64 Linux, cdecl on i386).
    C,
    /// `__attribute__((sysv_abi))`
    SysV,
    /// `__attribute__((ms_abi))`: the Microsoft x64 convention.
    Win64,
    /// `__stdcall`
    StdCall,
    /// `__fastcall`
    FastCall,
    /// `__thiscall`
    ThisCall,
    /// `__vectorcall`
    VectorCall,
    /// `__attribute__((pcs("aapcs")))`
    Aapcs,
    /// `__attribute__((pcs("aapcs-vfp")))`
    AapcsVfp,
    /// `__attribute__((regcall))`
    RegCall,
    /// A convention wyvern does not know, with the front end's raw code.
    Unknown(u32),
}

impl CallConv {
    /// The name used in dumps and errors.
    pub fn name(self) -> String {
        match self {
            CallConv::C => "c".into(),
            CallConv::SysV => "sysv_abi".into(),
            CallConv::Win64 => "ms_abi".into(),
            CallConv::StdCall => "stdcall".into(),
            CallConv::FastCall => "fastcall".into(),
            CallConv::ThisCall => "thiscall".into(),
            CallConv::VectorCall => "vectorcall".into(),
            CallConv::Aapcs => "aapcs".into(),
            CallConv::AapcsVfp => "aapcs-vfp".into(),
            CallConv::RegCall => "regcall".into(),
            CallConv::Unknown(raw) => format!("unknown({raw})"),
        }
    }

    /// The GNU attribute that spells it, if it is not the default.
    pub fn attribute(self) -> Option<String> {
        match self {
            CallConv::C => None,
            CallConv::Aapcs => Some("__attribute__((pcs(\"aapcs\")))".into()),
            CallConv::AapcsVfp => Some("__attribute__((pcs(\"aapcs-vfp\")))".into()),
            CallConv::Unknown(_) => Some(format!("/* {} */", self.name())),
            other => Some(format!("__attribute__(({}))", other.name())),
        }
    }
}

/// The type of a function: what calls need. Parameter names are not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FnSig {
    /// The return type.
    pub ret: QualType,
    /// The parameter types, after the usual adjustments (arrays and functions to pointers).
    pub params: Vec<QualType>,
    /// Whether it ends in `...`.
    pub variadic: bool,
    /// Whether it has a prototype (`int f()` in C before C23 does not).
    pub prototyped: bool,
    /// The calling convention.
    pub conv: CallConv,
}

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
}
