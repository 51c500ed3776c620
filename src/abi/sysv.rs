//! The x86-64 System V classification (AMD64 psABI §3.2.3) of any C type.
//!
//! Every type is split into eightbytes, each classed INTEGER, SSE, SSEUP, X87,
//! X87UP or MEMORY from the scalars that overlap it, then the post-merger rules
//! decide whether the whole value travels in registers or in memory.

use crate::types::{FloatKind, IntKind, RecordId, RecordKind, Type, TypeId, TypeSet};

/// The class of one eightbyte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Nothing overlaps it (padding): it takes no register.
    NoClass,
    /// General-purpose registers.
    Integer,
    /// The low half of a vector register.
    Sse,
    /// The high half of a vector register, after an SSE eightbyte.
    SseUp,
    /// The 64-bit mantissa of an x87 `long double`.
    X87,
    /// The sign and exponent of an x87 `long double`.
    X87Up,
    /// `_Complex long double`.
    ComplexX87,
    /// Passed and returned in memory.
    Memory,
}

impl Class {
    /// The psABI's merge of two classes that overlap one eightbyte.
    fn merge(self, other: Class) -> Class {
        use Class::*;
        match (self, other) {
            (a, b) if a == b => a,
            (NoClass, x) | (x, NoClass) => x,
            (Memory, _) | (_, Memory) => Memory,
            (Integer, _) | (_, Integer) => Integer,
            (X87 | X87Up | ComplexX87, _) | (_, X87 | X87Up | ComplexX87) => Memory,
            _ => Sse,
        }
    }
}

/// How a value of some type is passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Passing {
    /// In registers, one class per eightbyte (`Integer`, `Sse`, `SseUp`, `X87`, `X87Up`,
    /// or `NoClass` for an eightbyte of padding only).
    Registers(Vec<Class>),
    /// In memory: copied to the stack as an argument, through a hidden pointer as a result.
    Memory,
    /// Nothing at all (`void`, an empty struct).
    Nothing,
}

/// Why a type cannot be classified; each names the type (its C spelling).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unclassifiable {
    /// A type with no size (declared, never defined).
    #[error("'{0}' has no size")]
    NoSize(String),
    /// A type, or a member of the one classified, that is incomplete.
    #[error("'{0}' is incomplete")]
    Incomplete(String),
    /// A record with a size whose debug info lists no members.
    #[error(
        "the members of '{0}' are unknown (its debug info lists none), so how it is passed \
         is too; declare it with --cdef or a header"
    )]
    MembersUnknown(String),
    /// A function type or `void` where a value is.
    #[error("'{0}' is not a value type")]
    NotAValue(String),
    /// Types nesting past [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH).
    #[error("{}", crate::limits::types_too_deep())]
    TooDeep,
}

/// Classifies a value of type `ty` (typedefs seen through).
///
/// # Errors
/// For incomplete types, functions and `void` used as a value.
pub fn classify(set: &TypeSet, ty: TypeId) -> Result<Passing, Unclassifiable> {
    let ty = set.canonical(ty);
    if matches!(set.ty(ty), Type::Void) {
        return Ok(Passing::Nothing);
    }
    let layout = set
        .layout(ty)
        .ok_or_else(|| Unclassifiable::NoSize(set.spell(ty.into())))?;
    if layout.size == 0 {
        return Ok(Passing::Nothing);
    }
    // Larger than four eightbytes, or more than two without being one vector: memory.
    if layout.size > 64 {
        return Ok(Passing::Memory);
    }
    let words = layout.size.div_ceil(8) as usize;
    let mut classes = vec![Class::NoClass; words];
    if !place(set, ty, 0, &mut classes, 0)? {
        return Ok(Passing::Memory);
    }
    Ok(post_merge(classes, layout.size))
}

/// Merges the classes of `ty` placed at `offset_bits` into `classes`.
/// Returns false when a field is unaligned (which makes the whole value MEMORY).
///
/// As gcc does: only scalars must be aligned, to their natural alignment (a
/// record or array counts as aligned as its members, whatever its own alignment);
/// an array is classified from its first element; a bitfield in a union is an
/// integer of the smallest size that holds it.
fn place(
    set: &TypeSet,
    ty: TypeId,
    offset_bits: u64,
    classes: &mut [Class],
    depth: u32,
) -> Result<bool, Unclassifiable> {
    if depth > crate::limits::MAX_TYPE_DEPTH {
        return Err(Unclassifiable::TooDeep);
    }
    let ty = set.canonical(ty);
    let Some(layout) = set.layout(ty) else {
        return Err(Unclassifiable::Incomplete(set.spell(ty.into())));
    };
    if layout.size == 0 {
        return Ok(true);
    }
    if misaligned_scalar(set.ty(ty), layout.size, offset_bits) {
        return Ok(false);
    }
    let scalar = |classes: &mut [Class], class_of_word: &[Class]| {
        let first = (offset_bits / 64) as usize;
        for (i, c) in class_of_word.iter().enumerate() {
            if let Some(slot) = classes.get_mut(first + i) {
                *slot = slot.merge(*c);
            }
        }
    };
    match set.ty(ty) {
        Type::Bool | Type::Pointer(_) | Type::Enum(_) => scalar(classes, &[Class::Integer]),
        Type::Int(IntKind::Int128 | IntKind::UInt128) => {
            scalar(classes, &[Class::Integer, Class::Integer])
        }
        Type::Int(_) => scalar(classes, &[Class::Integer]),
        Type::Float(FloatKind::LongDouble) => scalar(classes, &[Class::X87, Class::X87Up]),
        Type::Float(FloatKind::Float128) => scalar(classes, &[Class::Sse, Class::SseUp]),
        Type::Float(_) => scalar(classes, &[Class::Sse]),
        Type::Complex(FloatKind::LongDouble) => scalar(
            classes,
            &[
                Class::ComplexX87,
                Class::ComplexX87,
                Class::ComplexX87,
                Class::ComplexX87,
            ],
        ),
        Type::Complex(FloatKind::Double) => scalar(classes, &[Class::Sse, Class::Sse]),
        Type::Complex(_) => scalar(classes, &[Class::Sse]),
        Type::Vector { .. } => {
            let mut words = vec![Class::Sse];
            words.resize(layout.size.div_ceil(8) as usize, Class::SseUp);
            scalar(classes, &words)
        }
        Type::Array { elem, len } => {
            if !place_array(
                set,
                (elem.id, len.unwrap_or(0)),
                offset_bits,
                classes,
                depth,
            )? {
                return Ok(false);
            }
        }
        Type::Record(r) => {
            if !place_record(set, ty, *r, offset_bits, classes, depth)? {
                return Ok(false);
            }
        }
        Type::Function(_) | Type::Void => {
            return Err(Unclassifiable::NotAValue(set.spell(ty.into())))
        }
        // canonical() gives up on a typedef chain longer than any valid set has.
        Type::Typedef(_) => return Err(Unclassifiable::TooDeep),
    }
    Ok(true)
}

/// Whether `ty`, a scalar of `size` bytes, lies off its natural alignment at
/// `offset_bits` (records and arrays never do: their members are checked).
fn misaligned_scalar(ty: &Type, size: u64, offset_bits: u64) -> bool {
    if matches!(ty, Type::Record(_) | Type::Array { .. }) {
        return false;
    }
    // The alignment of the scalar's machine mode: its size, or the size of
    // one part of a complex number.
    let natural = match ty {
        Type::Complex(_) => size / 2,
        _ => size,
    };
    natural > 0 && offset_bits % (natural * 8) != 0
}

/// [`place`] for an array of `len` elements of type `elem`.
fn place_array(
    set: &TypeSet,
    (elem, len): (TypeId, u64),
    offset_bits: u64,
    classes: &mut [Class],
    depth: u32,
) -> Result<bool, Unclassifiable> {
    // gcc classifies the first element only, and gives the eightbytes the
    // array spans the classes of the first element's eightbytes in turn.
    let elem_size = set.layout(elem).map_or(0, |l| l.size);
    if len > 0 && elem_size > 0 {
        let mut first = vec![Class::NoClass; classes.len()];
        if !place(set, elem, offset_bits, &mut first, depth + 1)? {
            return Ok(false);
        }
        let word = (offset_bits / 64) as usize;
        let shift = offset_bits % 64;
        let per_elem = (elem_size * 8 + shift).div_ceil(64) as usize;
        let words = (len * elem_size * 8 + shift).div_ceil(64) as usize;
        for w in 0..words {
            if let (Some(slot), Some(c)) =
                (classes.get_mut(word + w), first.get(word + w % per_elem))
            {
                *slot = slot.merge(*c);
            }
        }
    }
    Ok(true)
}

/// [`place`] for the record `r` (of type `ty`): each member where it lies.
fn place_record(
    set: &TypeSet,
    ty: TypeId,
    r: RecordId,
    offset_bits: u64,
    classes: &mut [Class],
    depth: u32,
) -> Result<bool, Unclassifiable> {
    let union = set.record(r).kind == RecordKind::Union;
    let Some(def) = &set.record(r).def else {
        return Err(Unclassifiable::Incomplete(set.spell(ty.into())));
    };
    // A record with a size and no members is one whose members the DWARF
    // left out (gcc's transparent unions): how it is passed is unknown.
    if def.fields.is_empty() {
        return Err(Unclassifiable::MembersUnknown(set.spell(ty.into())));
    }
    for field in &def.fields {
        let at = offset_bits + field.offset_bits;
        match field.bit_width {
            Some(0) => {}
            Some(width) if union => {
                // gcc gives a union's bitfield an integer type of the smallest
                // size that holds it, classified like any other scalar.
                let bits = u64::from(width.next_power_of_two().max(8));
                if at % bits != 0 {
                    return Ok(false);
                }
                let first = (at / 64) as usize;
                let last = ((at + bits - 1) / 64) as usize;
                for slot in classes.iter_mut().take(last + 1).skip(first) {
                    *slot = slot.merge(Class::Integer);
                }
            }
            Some(width) => {
                // A bitfield is INTEGER in every eightbyte its bits touch.
                let first = (at / 64) as usize;
                let last = ((at + u64::from(width) - 1) / 64) as usize;
                for slot in classes.iter_mut().take(last + 1).skip(first) {
                    *slot = slot.merge(Class::Integer);
                }
            }
            None => {
                if !place(set, field.ty.id, at, classes, depth + 1)? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// The bytes of stack a call passes: the arguments that do not fit in the six
/// integer and eight vector registers (or are MEMORY or x87), each aligned to
/// at least 8, in order. A result returned in memory takes one integer register
/// for its hidden pointer.
///
/// # Errors
/// As [`classify`].
pub fn stack_bytes(
    set: &TypeSet,
    ret: TypeId,
    args: impl IntoIterator<Item = TypeId>,
) -> Result<u64, Unclassifiable> {
    let mut gpr = 0;
    let mut sse = 0;
    if classify(set, ret)? == Passing::Memory {
        gpr = 1;
    }
    let mut bytes = 0u64;
    for ty in args {
        let regs = match classify(set, ty)? {
            Passing::Registers(classes)
                if !classes
                    .iter()
                    .any(|c| matches!(c, Class::X87 | Class::X87Up)) =>
            {
                let count = |want: Class| classes.iter().filter(|c| **c == want).count();
                Some((count(Class::Integer), count(Class::Sse)))
            }
            Passing::Nothing => Some((0, 0)),
            _ => None,
        };
        match regs {
            Some((ngpr, nsse)) if gpr + ngpr <= 6 && sse + nsse <= 8 => {
                gpr += ngpr;
                sse += nsse;
            }
            _ => {
                let layout = set.layout(ty).unwrap_or(crate::types::Layout::new(0, 1));
                bytes = bytes.next_multiple_of(layout.align.max(8)) + layout.size;
            }
        }
    }
    Ok(bytes.next_multiple_of(8))
}

/// The psABI's post-merger cleanup.
fn post_merge(mut classes: Vec<Class>, size: u64) -> Passing {
    use Class::*;
    if classes.contains(&Memory) {
        return Passing::Memory;
    }
    if classes.contains(&ComplexX87) {
        // `_Complex long double` alone is returned in x87 registers but passed in memory;
        // wyvern treats it as memory both ways and the caller refuses to return it.
        return Passing::Memory;
    }
    for i in 0..classes.len() {
        if classes[i] == X87Up && (i == 0 || classes[i - 1] != X87) {
            return Passing::Memory;
        }
        if classes[i] == SseUp && (i == 0 || !matches!(classes[i - 1], Sse | SseUp)) {
            classes[i] = Sse;
        }
    }
    if size > 16 && !(classes[0] == Sse && classes[1..].iter().all(|c| *c == SseUp)) {
        return Passing::Memory;
    }
    // An eightbyte of padding only (`struct { int x __attribute__((aligned(16))); }`)
    // stays NO_CLASS and takes no register: gcc passes that struct in one register.
    Passing::Registers(classes)
}

#[cfg(all(test, feature = "clang"))]
mod tests {
    use super::Class::*;
    use super::*;

    fn class_of(decls: &str, name: &str) -> Passing {
        let set = crate::cdef(decls).unwrap();
        let ty = set.type_named(name).unwrap();
        classify(&set, ty.id).unwrap()
    }

    #[test]
    fn scalars() {
        let d = "int i; double d; long double ld; __int128 q; char *p; float _Complex fc;";
        assert_eq!(class_of(d, "int"), Passing::Registers(vec![Integer]));
        assert_eq!(class_of(d, "double"), Passing::Registers(vec![Sse]));
        assert_eq!(
            class_of(d, "long double"),
            Passing::Registers(vec![X87, X87Up])
        );
        assert_eq!(
            class_of(d, "__int128"),
            Passing::Registers(vec![Integer, Integer])
        );
        assert_eq!(class_of(d, "char *"), Passing::Registers(vec![Integer]));
        assert_eq!(class_of(d, "float _Complex"), Passing::Registers(vec![Sse]));
    }

    #[test]
    fn small_structs_split_by_eightbyte() {
        let d = "struct a { int i; float f; };
                 struct b { float x, y; };
                 struct c { double d; int i; };
                 struct e { float x, y, z; };
                 union u { int i; float f; };
                 struct bits { unsigned a : 3; float f; };";
        assert_eq!(class_of(d, "struct a"), Passing::Registers(vec![Integer]));
        assert_eq!(class_of(d, "struct b"), Passing::Registers(vec![Sse]));
        assert_eq!(
            class_of(d, "struct c"),
            Passing::Registers(vec![Sse, Integer])
        );
        assert_eq!(class_of(d, "struct e"), Passing::Registers(vec![Sse, Sse]));
        assert_eq!(class_of(d, "union u"), Passing::Registers(vec![Integer]));
        assert_eq!(
            class_of(d, "struct bits"),
            Passing::Registers(vec![Integer])
        );
    }

    /// gcc passes this packed struct on the stack and returns it through a hidden
    /// pointer (checked with `gcc -O2 -S`): unaligned fields make it MEMORY.
    #[test]
    fn memory_cases() {
        let d = "struct big { long a, b, c; };
                 struct ld { long double x; int i; };
                 struct __attribute__((packed)) pk { char c; int i; };
                 struct arr { char s[20]; };";
        assert_eq!(class_of(d, "struct big"), Passing::Memory);
        assert_eq!(class_of(d, "struct ld"), Passing::Memory);
        assert_eq!(class_of(d, "struct pk"), Passing::Memory);
        assert_eq!(class_of(d, "struct arr"), Passing::Memory);
    }

    /// gcc passes this in one integer register (checked with `gcc -O2 -S`): the
    /// eightbyte of padding takes no register at all.
    #[test]
    fn padding_eightbytes_take_no_register() {
        let d = "struct c { int x __attribute__((aligned(16))); };";
        assert_eq!(
            class_of(d, "struct c"),
            Passing::Registers(vec![Integer, NoClass])
        );
    }

    #[test]
    fn arrays_inside_structs_are_classified_element_by_element() {
        let d = "struct m { float f[2]; int i; };";
        assert_eq!(
            class_of(d, "struct m"),
            Passing::Registers(vec![Sse, Integer])
        );
    }

    #[test]
    fn what_cannot_be_classified_is_named() {
        let set = crate::cdef("struct opaque; struct opaque *p; void f(void);").unwrap();
        let opaque = set.type_named("struct opaque").unwrap();
        let error = classify(&set, opaque.id).unwrap_err();
        assert_eq!(error, Unclassifiable::NoSize("struct opaque".into()));
        assert_eq!(error.to_string(), "'struct opaque' has no size");
        let pointer = set.type_named("struct opaque *").unwrap();
        assert!(classify(&set, pointer.id).is_ok());
    }
}
