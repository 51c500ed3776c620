//! The reasons macros are not constants, pinned: every kind of problem the
//! expression reader and the macro evaluator report, with the text they have
//! always shown (skip lists, `wyvern dump`, errors), taken from wyvern's own
//! output before the reasons became typed data.

use crate::ErrorKind;

/// A macro for every problem (and the declarations they use).
const HEADER: &str = r#"struct s { int a; int b : 3; struct { int c; } ; int arr[4]; };
struct inc;
union u { int x; };
enum e { E1 = 1 };
typedef struct s S;
int func(int);
extern int var;
#define FL(x) x
#define UNDEFD 1
#undef UNDEFD
#define UNDEFD 2
#undef UNDEFD
#define FNLIKE(a) a
#define EMPTY
#define M01 5uu
#define M02 09
#define M03 0b2
#define M04 0x
#define M05 99999999999999999999999999999999999999999
#define M06 340282366920938463463374607431768211456
#define M07 18446744073709551616
#define M08 0x1.8f
#define M09 1e
#define M10 1.0fl
#define M11 "\q"
#define M12 "\x100"
#define M13 "\777"
#define M14 "\x"
#define M15 "\u12"
#define M16 "\ud800"
#define M17 L"wide"
#define M18 'ab' + u'ab'
#define M19 'abcde'
#define M20 ''
#define M21 1 +
#define M22 (1
#define M23 1 2
#define M24 func
#define M25 var
#define M26 FNLIKE
#define M27 nosuch
#define M28 -"s"
#define M29 ~1.0
#define M30 "a" + 1
#define M31 1.0 % 2.0
#define M32 1.0 << 2
#define M33 (void *)0 + 1
#define M34 2147483647 + 1
#define M35 (__int128)1 << 100
#define M36 ((__int128)1 << 100) * ((__int128)1 << 100)
#define M37 1 / 0
#define M38 1 << 40
#define M39 (int)"s"
#define M40 (void)1
#define M41 (float)(void *)1
#define M42 (void *)1.0
#define M43 (int)__builtin_inf()
#define M44 (struct s)1
#define M45 (S)1
#define M46 "s" ? 1 : 2
#define M47 (struct nosuch *)0
#define M48 sizeof(struct inc)
#define M49 sizeof(struct nosuch)
#define M50 _Alignof(1)
#define M51 __builtin_offsetof(1, a)
#define M52 __builtin_offsetof(int, a)
#define M53 __builtin_offsetof(struct s, a.)
#define M54 __builtin_offsetof(struct s, arr[-1])
#define M55 __builtin_offsetof(struct s, arr[1.0])
#define M56 __builtin_offsetof(struct s, a[1])
#define M57 __builtin_offsetof(struct s, a.x)
#define M58 __builtin_offsetof(struct s, b)
#define M59 __builtin_offsetof(struct s, zz)
#define M60 __builtin_offsetof(struct s, arr[0x7fffffffffffffff])
#define M61 FL(1
#define M62 sizeof(int
#define M63 1 ? 2 3
#define M64 int
#define M65 'a
#define A1 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2
#define A2 A3 A3 A3 A3 A3 A3 A3 A3 A3 A3
#define A3 A4 A4 A4 A4 A4 A4 A4 A4 A4 A4
#define A4 A5 A5 A5 A5 A5 A5 A5 A5 A5 A5
#define A5 1 1 1 1 1 1 1 1 1 1
#define M68 1 + 1.0 * (((1
#define M69 __builtin_offsetof(struct inc, a)
#define M70 (enum nosuch)1 + (long)(void*)16 + (struct nosuch)1
"#;

/// Each macro and why it is not a constant.
const REASONS: [(&str, &str); 73] = [
    // Defined twice and #undef'd twice: neither definition is in force (the
    // first was read as the constant 1).
    ("UNDEFD", r#"it is #undef'd at <cdef>:12:1"#),
    ("A1", r#"its expansion exceeds 20000 tokens"#),
    ("A2", r#"'1' is not part of a constant expression"#),
    ("EMPTY", r#"it expands to nothing"#),
    ("FL", r#"it is a function-like macro"#),
    ("FNLIKE", r#"it is a function-like macro"#),
    ("M01", r#"'5uu': 'uu' is not an integer suffix"#),
    ("M02", r#"'09': '9' is not a digit of a octal constant"#),
    ("M03", r#"'0b2': '2' is not a digit of a binary constant"#),
    ("M04", r#"'0x': it has no digits where C needs them"#),
    (
        "M05",
        r#"'99999999999999999999999999999999999999999': it is too large for any integer type"#,
    ),
    (
        "M06",
        r#"'340282366920938463463374607431768211456': it is too large for any integer type"#,
    ),
    (
        "M07",
        r#"'18446744073709551616' is too large for any integer type"#,
    ),
    (
        "M08",
        r#"'0x1.8f': a hexadecimal floating constant needs a 'p' exponent"#,
    ),
    ("M09", r#"'1e': its exponent has no digits"#),
    (
        "M10",
        r#"'1.0fl': its digits are not those of a floating constant"#,
    ),
    (
        "M11",
        r#""\q": '\q' (at byte 1) is not an escape sequence of C"#,
    ),
    ("M12", r#""\x100": the escape '\x100' is out of range"#),
    ("M13", r#""\777": the escape '\777' is out of range"#),
    ("M14", r#""\x": \x is used with no hex digits after it"#),
    (
        "M15",
        r#""\u12": '\u12' is not a universal character name (C11 6.4.3)"#,
    ),
    (
        "M16",
        r#""\ud800": '\ud800' is not a universal character name (C11 6.4.3)"#,
    ),
    ("M17", r#"L"wide": a wide string is not a char * constant"#),
    (
        "M18",
        r#"u'ab': a prefixed character constant holds one character"#,
    ),
    (
        "M19",
        r#"'abcde': a character constant holds more than 4 bytes"#,
    ),
    ("M20", r#"'': a character constant holds no character"#),
    ("M21", r#"the expression ends early"#),
    ("M22", r#"expected ')', found the end"#),
    ("M23", r#"'2' is not part of a constant expression"#),
    ("M24", r#"it expands to the function 'func'"#),
    ("M25", r#"it expands to the variable 'var'"#),
    (
        "M26",
        r#"it uses the function-like macro 'FNLIKE' without arguments"#,
    ),
    ("M27", r#"it uses 'nosuch', which is not a constant"#),
    ("M28", r#"'-' applied to a string"#),
    ("M29", r#"'~' applied to a floating value"#),
    ("M30", r#"an operator applied to a string"#),
    ("M31", r#"'%' applied to floating values"#),
    ("M32", r#"'<<' needs integers"#),
    ("M33", r#"an operator applied to a pointer"#),
    ("M34", r#"the result 2147483648 overflows 'int'"#),
    ("M36", r#"an overflow"#),
    ("M37", r#"a division by zero"#),
    ("M38", r#"a shift by 40 bits is out of range"#),
    ("M39", r#"a cast of a string"#),
    ("M40", r#"it is cast to void"#),
    ("M41", r#"a pointer converted to a floating type"#),
    ("M42", r#"a floating value converted to a pointer"#),
    ("M43", r#"a non-finite value converted to an integer"#),
    ("M44", r#"casts to 'struct s' are not constants"#),
    ("M45", r#"casts to 'S' are not constants"#),
    ("M46", r#"a string used as a condition"#),
    (
        "M47",
        r#"it is a pointer to a type the declarations do not have"#,
    ),
    ("M48", r#"'struct inc' is incomplete, so it has no size"#),
    ("M49", r#"sizeof an unknown type 'struct nosuch'"#),
    ("M50", r#"_Alignof needs a type name"#),
    ("M51", r#"offsetof needs a type name"#),
    (
        "M52",
        r#"offsetof in 'int', which is not a struct or union"#,
    ),
    ("M53", r#"expected ')', found the end"#),
    ("M54", r#"a negative index"#),
    ("M55", r#"an offsetof index must be an integer"#),
    ("M56", r#"[1] in offsetof applies to a non-array"#),
    (
        "M57",
        r#"offsetof 'x' in a type that is not a struct or union"#,
    ),
    ("M58", r#"'b' is a bitfield, which has no offsetof"#),
    ("M59", r#"no field 'zz' for offsetof"#),
    ("M60", r#"an offsetof too large"#),
    ("M61", r#"a macro call is missing its ')'"#),
    ("M62", r#"expected ')', found the end"#),
    ("M63", r#"expected ':', found '3'"#),
    ("M64", r#"'int' is not part of a constant expression"#),
    ("M65", r#"''a': it has no digits where C needs them"#),
    ("M68", r#"expected ')', found the end"#),
    ("M69", r#"offsetof 'a' in an incomplete record"#),
    ("M70", r#"casts to 'struct nosuch' are not constants"#),
];

#[test]
fn every_reason_reads_as_before() {
    let set = crate::cdef(HEADER).unwrap();
    for (name, reason) in REASONS {
        match set.constant(name).unwrap_err().kind() {
            ErrorKind::NotAConstant { reason: got, .. } => assert_eq!(got, reason, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}
