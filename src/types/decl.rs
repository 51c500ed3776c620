//! Enums, typedefs, global variables and constants.

use serde::{Deserialize, Serialize};

use super::ty::QualType;
use super::TypeId;
use crate::SourceLocation;

/// An enum with its constants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enum {
    /// The tag, or `None` for an anonymous enum.
    pub tag: Option<String>,
    /// The integer type that holds its values (an [`Int`](super::Type::Int) type).
    pub underlying: TypeId,
    /// The constants in declaration order.
    pub constants: Vec<(String, i128)>,
    /// Whether it has a definition.
    pub complete: bool,
    /// Where it was declared.
    pub location: Option<SourceLocation>,
}

/// A typedef: a name for a type, kept as a node of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Typedef {
    /// The name.
    pub name: String,
    /// What it names.
    pub target: QualType,
    /// Where it was declared.
    pub location: Option<SourceLocation>,
}

/// A global variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Global {
    /// Its C name (and its symbol, without an asm label).
    pub name: String,
    /// The symbol an asm label gives it (`extern int x __asm__("y");`), or the
    /// linkage name the binary's debug info records, when that differs from its
    /// name. [`symbol`](Self::symbol) is what lookups resolve.
    pub asm_label: Option<String>,
    /// Its type.
    pub ty: QualType,
    /// Where it was declared.
    pub location: Option<SourceLocation>,
}

impl Global {
    /// The symbol C compiled against this declaration links to: its asm label
    /// where it has one, else its name.
    pub fn symbol(&self) -> &str {
        self.asm_label.as_deref().unwrap_or(&self.name)
    }
}

/// The value of a constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConstValue {
    /// An integer, exact for every C integer type.
    Int(i128),
    /// A floating value.
    Float(f64),
    /// A string literal's bytes, without the terminating NUL.
    Str(Vec<u8>),
    /// An x87 `long double` literal (`1e4000L`), at full precision; a constant
    /// computed from one (`2 * 1.5L`) is computed in `double` and is a `Float`.
    LongDouble(super::LongDouble),
    /// An address of the constant's pointer type: what a cast of an integer to
    /// a pointer type makes (`NULL` as `((void *)0)`, `MAP_FAILED` as
    /// `((void *) -1)`, `SIG_IGN` as `((__sighandler_t) 1)`), as an unsigned
    /// number of the pointer's width.
    Pointer(u64),
}

/// Where a constant came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstOrigin {
    /// An object-like `#define`.
    Macro,
    /// An enumerator.
    Enum,
}

/// A named constant: an evaluated macro or an enumerator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    /// The name.
    pub name: String,
    /// Its C type (`int`, `unsigned long`, `double`, `char *`, an enum type,
    /// the pointer type of a [`Pointer`](ConstValue::Pointer)…).
    pub ty: QualType,
    /// Its value.
    pub value: ConstValue,
    /// Macro or enumerator.
    pub origin: ConstOrigin,
    /// Where it was defined.
    pub location: Option<SourceLocation>,
}

/// A macro a program may name where it means a function (kept so that naming
/// it does the right thing): an object-like macro whose body is one name
/// (`#define EVP_MD_size EVP_MD_get_size`), callable by the macro's name, or
/// a function-like macro (`deflateInit(strm, level)`), which has no symbol of
/// its own and which the error refusing it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionMacro {
    /// The macro's name.
    pub name: String,
    /// The parameters of a function-like macro (`...` for a variadic one);
    /// `None` for an object-like one.
    pub params: Option<Vec<String>>,
    /// The body, tokens spaced as C prints them (`deflateInit_((strm), (level),
    /// ZLIB_VERSION, (int)sizeof(z_stream))`); for an object-like macro, the
    /// name it stands for.
    pub body: String,
    /// Where it was defined.
    pub location: Option<SourceLocation>,
}

impl FunctionMacro {
    /// The name an object-like macro stands for; `None` for a function-like one.
    pub fn alias(&self) -> Option<&str> {
        self.params.is_none().then_some(self.body.as_str())
    }

    /// How it is used: `deflateInit(strm, level)`, or the name alone.
    pub fn usage(&self) -> String {
        match &self.params {
            Some(params) => format!("{}({})", self.name, params.join(", ")),
            None => self.name.clone(),
        }
    }
}
