//! The target's data model: the sizes of its scalar types, which type the
//! conversions of C's arithmetic pick, and how a value wraps to a type.

use crate::types::{FloatKind, IntKind, Type, TypeSet};

/// Sizes of the target's scalar types: from the compiler's predefined macros
/// (the clang front end) or from a [`TypeSet`]'s own scalar layouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataModel {
    pub(crate) short: u32,
    pub(crate) int: u32,
    pub(crate) long: u32,
    pub(crate) long_long: u32,
    pub(crate) pointer: u32,
    pub(crate) char_signed: bool,
    pub(crate) size_t: IntKind,
    pub(crate) float_sizes: [u32; 3],
}

impl DataModel {
    /// The unsigned integer type as wide as a pointer (`uintptr_t`).
    pub(crate) fn pointer_int(&self) -> IntKind {
        if self.pointer == self.long {
            IntKind::ULong
        } else if self.pointer == self.int {
            IntKind::UInt
        } else {
            IntKind::ULongLong
        }
    }

    pub(crate) fn bytes(&self, k: IntKind) -> u32 {
        match k {
            IntKind::Char { .. } | IntKind::SChar | IntKind::UChar => 1,
            IntKind::Short | IntKind::UShort | IntKind::Char16 => self.short,
            IntKind::Int | IntKind::UInt | IntKind::WChar { .. } | IntKind::Char32 => self.int,
            IntKind::Long | IntKind::ULong => self.long,
            IntKind::LongLong | IntKind::ULongLong => self.long_long,
            IntKind::Int128 | IntKind::UInt128 => 16,
        }
    }

    pub(crate) fn float_bytes(&self, k: FloatKind) -> u32 {
        match k {
            FloatKind::Half => 2,
            FloatKind::Float => self.float_sizes[0],
            FloatKind::Double => self.float_sizes[1],
            FloatKind::LongDouble => self.float_sizes[2],
            FloatKind::Float128 => 16,
        }
    }

    /// Wraps `v` to the range of `k`, as a conversion to `k` does.
    pub(crate) fn wrap(&self, v: i128, k: IntKind) -> i128 {
        let bits = self.bytes(k) * 8;
        if bits >= 128 {
            return v;
        }
        let mask = (1i128 << bits) - 1;
        let low = v & mask;
        if k.is_signed() && low >> (bits - 1) != 0 {
            low - (1i128 << bits)
        } else {
            low
        }
    }

    pub(crate) fn fits(&self, v: i128, k: IntKind) -> bool {
        self.wrap(v, k) == v
    }

    fn unsigned_of(k: IntKind) -> IntKind {
        match k {
            IntKind::Int => IntKind::UInt,
            IntKind::Long => IntKind::ULong,
            IntKind::LongLong => IntKind::ULongLong,
            IntKind::Int128 => IntKind::UInt128,
            IntKind::Short => IntKind::UShort,
            IntKind::SChar | IntKind::Char { .. } => IntKind::UChar,
            other => other,
        }
    }

    /// Integer promotion.
    pub(crate) fn promote(&self, k: IntKind) -> IntKind {
        if k.rank() < IntKind::Int.rank() {
            if self.bytes(k) < self.int || k.is_signed() {
                IntKind::Int
            } else {
                IntKind::UInt
            }
        } else {
            k
        }
    }

    /// The common type of the usual arithmetic conversions for two integers.
    pub(crate) fn common(&self, a: IntKind, b: IntKind) -> IntKind {
        let (a, b) = (self.promote(a), self.promote(b));
        if a == b {
            return a;
        }
        if a.is_signed() == b.is_signed() {
            return if a.rank() >= b.rank() { a } else { b };
        }
        let (s, u) = if a.is_signed() { (a, b) } else { (b, a) };
        if u.rank() >= s.rank() {
            u
        } else if self.bytes(s) > self.bytes(u) {
            s
        } else {
            Self::unsigned_of(s)
        }
    }
}

impl DataModel {
    /// The data model of the target `set` was read for, from the layouts of its
    /// scalar types (those it lacks take their x86-64 sizes).
    pub(crate) fn of_set(set: &TypeSet) -> DataModel {
        let size = |spelling: &str, default: u32| {
            set.scalar_named(spelling)
                .and_then(|id| set.layout(id))
                .and_then(|l| u32::try_from(l.size).ok())
                .unwrap_or(default)
        };
        let size_t = set
            .typedef_named("size_t")
            .map(|id| set.ty(set.canonical(id)))
            .and_then(|ty| match ty {
                Type::Int(k) => Some(*k),
                _ => None,
            })
            .unwrap_or(IntKind::ULong);
        DataModel {
            short: size("short", 2),
            int: size("int", 4),
            long: size("long", 8),
            long_long: size("long long", 8),
            pointer: u32::from(set.target().pointer_size),
            char_signed: set.target().char_signed,
            size_t,
            float_sizes: [size("float", 4), size("double", 8), size("long double", 16)],
        }
    }
}
