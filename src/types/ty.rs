//! The kinds of C type.

use serde::{Deserialize, Serialize};

use super::id::{EnumId, RecordId, TypeId, TypedefId};

/// Type qualifiers, as a small bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quals(u8);

impl Quals {
    /// No qualifier.
    pub const NONE: Quals = Quals(0);
    /// `const`
    pub const CONST: Quals = Quals(1);
    /// `volatile`
    pub const VOLATILE: Quals = Quals(2);
    /// `restrict`
    pub const RESTRICT: Quals = Quals(4);
    /// `_Atomic`
    pub const ATOMIC: Quals = Quals(8);

    /// Whether every qualifier of `other` is in `self`.
    pub fn contains(self, other: Quals) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether there is no qualifier.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The C spelling, in the usual order, each followed by nothing (`"const volatile"`).
    pub fn spelling(self) -> String {
        self.as_str().to_owned()
    }

    /// As [`spelling`](Self::spelling), with no allocation.
    pub(crate) fn as_str(self) -> &'static str {
        // Indexed by the four bits: const 1, volatile 2, restrict 4, _Atomic 8.
        const SPELLINGS: [&str; 16] = [
            "",
            "const",
            "volatile",
            "const volatile",
            "restrict",
            "const restrict",
            "volatile restrict",
            "const volatile restrict",
            "_Atomic",
            "const _Atomic",
            "volatile _Atomic",
            "const volatile _Atomic",
            "restrict _Atomic",
            "const restrict _Atomic",
            "volatile restrict _Atomic",
            "const volatile restrict _Atomic",
        ];
        SPELLINGS[usize::from(self.0 & 15)]
    }
}

impl std::ops::BitOr for Quals {
    type Output = Quals;
    fn bitor(self, rhs: Quals) -> Quals {
        Quals(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Quals {
    fn bitor_assign(&mut self, rhs: Quals) {
        self.0 |= rhs.0;
    }
}

/// A type with its qualifiers: what a field, parameter or pointer refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QualType {
    /// The unqualified type.
    pub id: TypeId,
    /// Its qualifiers.
    pub quals: Quals,
}

impl QualType {
    /// The unqualified use of `id`.
    pub fn new(id: TypeId) -> QualType {
        QualType {
            id,
            quals: Quals::NONE,
        }
    }

    /// `id` with `quals`.
    pub fn with(id: TypeId, quals: Quals) -> QualType {
        QualType { id, quals }
    }
}

impl From<TypeId> for QualType {
    fn from(id: TypeId) -> QualType {
        QualType::new(id)
    }
}

/// The integer types of C. Sizes belong to the target, not to the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IntKind {
    /// Plain `char`: a distinct type whose signedness is the target's.
    Char {
        /// Whether `char` is signed on the target.
        signed: bool,
    },
    /// `signed char`
    SChar,
    /// `unsigned char`
    UChar,
    /// `short`
    Short,
    /// `unsigned short`
    UShort,
    /// `int`
    Int,
    /// `unsigned int`
    UInt,
    /// `long`
    Long,
    /// `unsigned long`
    ULong,
    /// `long long`
    LongLong,
    /// `unsigned long long`
    ULongLong,
    /// `__int128`
    Int128,
    /// `unsigned __int128`
    UInt128,
    /// `wchar_t` when the front end sees it as a builtin (C++ or MSVC); a typedef in C.
    WChar {
        /// Whether it is signed on the target.
        signed: bool,
    },
    /// `char16_t` as a builtin.
    Char16,
    /// `char32_t` as a builtin.
    Char32,
}

impl IntKind {
    /// Whether values of this type are signed.
    pub fn is_signed(self) -> bool {
        match self {
            IntKind::Char { signed } | IntKind::WChar { signed } => signed,
            IntKind::SChar | IntKind::Short | IntKind::Int | IntKind::Long => true,
            IntKind::LongLong | IntKind::Int128 => true,
            _ => false,
        }
    }

    /// The C spelling.
    pub fn spelling(self) -> &'static str {
        match self {
            IntKind::Char { .. } => "char",
            IntKind::SChar => "signed char",
            IntKind::UChar => "unsigned char",
            IntKind::Short => "short",
            IntKind::UShort => "unsigned short",
            IntKind::Int => "int",
            IntKind::UInt => "unsigned int",
            IntKind::Long => "long",
            IntKind::ULong => "unsigned long",
            IntKind::LongLong => "long long",
            IntKind::ULongLong => "unsigned long long",
            IntKind::Int128 => "__int128",
            IntKind::UInt128 => "unsigned __int128",
            IntKind::WChar { .. } => "wchar_t",
            IntKind::Char16 => "char16_t",
            IntKind::Char32 => "char32_t",
        }
    }

    /// The integer conversion rank (C11 6.3.1.1), for the usual arithmetic conversions.
    pub fn rank(self) -> u8 {
        match self {
            IntKind::Char { .. } | IntKind::SChar | IntKind::UChar => 1,
            IntKind::Short | IntKind::UShort | IntKind::Char16 => 2,
            IntKind::Int | IntKind::UInt | IntKind::WChar { .. } | IntKind::Char32 => 3,
            IntKind::Long | IntKind::ULong => 4,
            IntKind::LongLong | IntKind::ULongLong => 5,
            IntKind::Int128 | IntKind::UInt128 => 6,
        }
    }
}

/// The floating-point types of C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FloatKind {
    /// `_Float16`
    Half,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `long double`
    LongDouble,
    /// `__float128`
    Float128,
}

impl FloatKind {
    /// The C spelling.
    pub fn spelling(self) -> &'static str {
        match self {
            FloatKind::Half => "_Float16",
            FloatKind::Float => "float",
            FloatKind::Double => "double",
            FloatKind::LongDouble => "long double",
            FloatKind::Float128 => "__float128",
        }
    }
}

/// A C type. Records, enums and typedefs are nodes of their own, referred to by id;
/// pointers, arrays and function types are interned, one id per distinct type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Type {
    /// `void`
    Void,
    /// `_Bool`
    Bool,
    /// An integer type.
    Int(IntKind),
    /// A real floating type.
    Float(FloatKind),
    /// `_Complex` of a floating type.
    Complex(FloatKind),
    /// A pointer to a (qualified) type.
    Pointer(QualType),
    /// An array; `len` is `None` for an incomplete array (`int x[]`, a flexible member).
    Array {
        /// The element type.
        elem: QualType,
        /// The number of elements, when known.
        len: Option<u64>,
    },
    /// A GNU vector (`__attribute__((vector_size(N)))`).
    Vector {
        /// The element type.
        elem: TypeId,
        /// The number of elements.
        len: u64,
    },
    /// A struct or union.
    Record(RecordId),
    /// An enum.
    Enum(EnumId),
    /// A typedef name.
    Typedef(TypedefId),
    /// A function type.
    Function(FnSig),
}

/// Size and alignment in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layout {
    /// `sizeof`, in bytes.
    pub size: u64,
    /// `_Alignof`, in bytes.
    pub align: u64,
}

impl Layout {
    /// A layout of `size` bytes aligned to `align`.
    pub fn new(size: u64, align: u64) -> Layout {
        Layout { size, align }
    }
}

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

#[cfg(test)]
mod tests {
    use super::Quals;

    #[test]
    fn every_combination_of_qualifiers_is_spelled_in_order() {
        let words = [
            (Quals::CONST, "const"),
            (Quals::VOLATILE, "volatile"),
            (Quals::RESTRICT, "restrict"),
            (Quals::ATOMIC, "_Atomic"),
        ];
        for bits in 0..16u8 {
            let q = Quals(bits);
            let expected: Vec<&str> = words
                .iter()
                .filter(|(w, _)| q.contains(*w))
                .map(|(_, s)| *s)
                .collect();
            assert_eq!(q.spelling(), expected.join(" "), "bits {bits:#06b}");
        }
    }
}
