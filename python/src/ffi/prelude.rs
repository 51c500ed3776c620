//! What an FFI knows before any declaration: every scalar with the host's
//! layout and cffi's wide character typedefs (the set it starts from), and
//! cffi's builtin typedefs as a prelude to every `cdef`.

use wyvern::TypeSet;

/// The typedefs cffi knows without a declaration (`size_t`, the `<stdint.h>`
/// types, `wchar_t`, `char16_t` ...), each as the compiler's own predefined
/// type names it (`__SIZE_TYPE__`), which is what the system headers declare
/// too: C11 lets a header declare them again. Text, not `#include`s: the
/// headers would cost a parse of their own in every `cdef`, and `<uchar.h>`
/// brings functions that `check` would report. (Not `bool`: a cdef may
/// declare `typedef int bool;`. Not the `int_fast` types: glibc's differ
/// from the compiler's.)
pub(super) const CFFI_PRELUDE: &str = "\
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __PTRDIFF_TYPE__ ssize_t;
typedef __WCHAR_TYPE__ wchar_t;
typedef __CHAR16_TYPE__ char16_t;
typedef __CHAR32_TYPE__ char32_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __INTMAX_TYPE__ intmax_t;
typedef __UINTMAX_TYPE__ uintmax_t;
typedef __INT8_TYPE__ int8_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __INT16_TYPE__ int16_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __INT32_TYPE__ int32_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT_LEAST8_TYPE__ int_least8_t;
typedef __UINT_LEAST8_TYPE__ uint_least8_t;
typedef __INT_LEAST16_TYPE__ int_least16_t;
typedef __UINT_LEAST16_TYPE__ uint_least16_t;
typedef __INT_LEAST32_TYPE__ int_least32_t;
typedef __UINT_LEAST32_TYPE__ uint_least32_t;
typedef __INT_LEAST64_TYPE__ int_least64_t;
typedef __UINT_LEAST64_TYPE__ uint_least64_t;
";

/// The set an FFI starts from: every standard scalar with the host's layout,
/// so `new("int *")`, `NULL` and `sizeof("double")` work before any `cdef`
/// (as in cffi) and after `dwarf` or `load`, whose sets have only what they use.
pub(super) fn empty_set() -> TypeSet {
    use std::ffi::{c_char, c_int, c_long, c_longlong, c_short};
    use std::mem::{align_of, size_of};
    use wyvern::{FloatKind, IntKind, Layout, Type};
    fn layout<T>() -> Option<Layout> {
        Some(Layout::new(size_of::<T>() as u64, align_of::<T>() as u64))
    }
    let mut b = wyvern::types::TypeBuilder::new(wyvern::types::Target::host());
    let char_signed = b.target().char_signed;
    b.intern(Type::Void, None);
    b.intern(Type::Bool, layout::<bool>());
    let ints = [
        (
            IntKind::Char {
                signed: char_signed,
            },
            layout::<c_char>(),
        ),
        (IntKind::SChar, layout::<c_char>()),
        (IntKind::UChar, layout::<c_char>()),
        (IntKind::Short, layout::<c_short>()),
        (IntKind::UShort, layout::<c_short>()),
        (IntKind::Int, layout::<c_int>()),
        (IntKind::UInt, layout::<c_int>()),
        (IntKind::Long, layout::<c_long>()),
        (IntKind::ULong, layout::<c_long>()),
        (IntKind::LongLong, layout::<c_longlong>()),
        (IntKind::ULongLong, layout::<c_longlong>()),
        (IntKind::Int128, layout::<i128>()),
        (IntKind::UInt128, layout::<i128>()),
    ];
    for (kind, l) in ints {
        b.intern(Type::Int(kind), l);
    }
    // `long double`: 16 bytes aligned to 16 on the 64-bit targets, 12 aligned to 4 on i386.
    let long_double = if size_of::<usize>() == 8 {
        Layout::new(16, 16)
    } else {
        Layout::new(12, 4)
    };
    b.intern(Type::Float(FloatKind::Float), layout::<f32>());
    b.intern(Type::Float(FloatKind::Double), layout::<f64>());
    b.intern(Type::Float(FloatKind::LongDouble), Some(long_double));
    // cffi's wide character types, which C declares as typedefs of integers.
    let wide = [
        ("wchar_t", IntKind::Int, layout::<c_int>()),
        ("char16_t", IntKind::UShort, layout::<c_short>()),
        ("char32_t", IntKind::UInt, layout::<c_int>()),
    ];
    for (name, kind, l) in wide {
        let target = b.intern(Type::Int(kind), l);
        b.add_typedef(
            wyvern::types::Typedef {
                name: name.to_owned(),
                target: wyvern::QualType::new(target),
                location: None,
            },
            l,
        );
    }
    b.freeze()
}
