/*
 * constants.h - object-like macros that are constants (every literal kind,
 * suffix and simple expression), macros that are NOT constants and must be
 * skipped, and enum constants.
 *
 * Used by tests/it/gcc_constants.rs: gcc gives every constant's value and its
 * type (through _Generic), and the test checks that the non-constant
 * macros listed there do not show up as constants.
 */
#ifndef WYVERN_FIXTURE_CONSTANTS_H
#define WYVERN_FIXTURE_CONSTANTS_H

/* ---- integer literals ---- */
#define DEC_INT 42
#define HEX_INT 0x7f
#define OCT_INT 0755
#define ZERO 0
#define UNSIGNED_INT 3000000000U
#define LONG_INT 1234567L
#define UNSIGNED_LONG 0xdeadbeefUL
#define LONG_LONG 9000000000LL
#define UNSIGNED_LONG_LONG 18446744073709551615ULL
#define LOWER_SUFFIX 17u
#define BIG_DECIMAL 4294967296
#define HEX_NEEDS_UNSIGNED 0xFFFFFFFF
#define NEGATIVE (-1)
#define NEGATIVE_HEX (-0x10)
#define MOST_NEGATIVE_LL (-9223372036854775807LL - 1)

/* ---- expressions ---- */
#define SHIFTED (1u << 4)
#define FLAG_A 0x01
#define FLAG_B 0x02
#define FLAG_C (1 << 2)
#define FLAGS_AB (FLAG_A | FLAG_B)
#define FLAGS_ALL (FLAGS_AB | FLAG_C)
#define CAST_UCHAR ((unsigned char)200)
#define CAST_SHORT ((short)-3)
#define CAST_LONG ((long)1 << 40)
#define TERNARY (1 ? 2 : 3)
#define ARITH ((DEC_INT * 2 + 1) / 5 % 7)
#define INT_SIZE sizeof(int)
#define STRUCT_SIZE (sizeof(struct constants_probe) * 2)
#define NOT_ZERO (!0)
#define COMPLEMENT (~0u)

/* ---- characters, floats, strings ---- */
#define CHAR_A 'A'
#define CHAR_NEWLINE '\n'
#define CHAR_OCTAL '\101'
#define FLOAT_DOUBLE 3.25
#define FLOAT_NEG (-0.5)
#define FLOAT_F 1e-3f
#define FLOAT_LONG_DOUBLE 2.5L
#define FLOAT_HEX 0x1.8p1
#define FLOAT_EXPR (FLOAT_DOUBLE * 2)
#define STRING "wyvern"
#define STRING_ESCAPES "tab\there \"quoted\" back\\slash"
#define STRING_CONCAT "wy" "vern"
#define STRING_EMPTY ""

/* ---- every escape and suffix, by the one reader's rules (types/cexpr) ---- */
#define CHAR_UCN '\u00e9'
#define WIDE_CHAR_UCN L'\u00e9'
#define CHAR16_HEX_ESCAPE u'\xffff'
#define CHAR32_UCN U'\U0001F600'
#define CHAR_HEX_LEADING_ZEROS '\x000041'
#define CHAR_MULTI 'ab'
#define CHAR_ESC '\e'
#define STRING_UCN "caf\u00e9"
#define STRING_U8 u8"\u00e9t\u00e9"
#define SUFFIX_LLU 5llu
#define SUFFIX_ULL_MIXED 7uLL
#define SUFFIX_LU 9lu
#define HEX_UNSIGNED_BIG 0x1ffffffffU
#define FLOAT_HEX_F 0x1p-2f
#define FLOAT_UPPER_L 1.5L

/* ---- enum constants, and macros that name them ---- */
enum color { COLOR_RED, COLOR_GREEN = 5, COLOR_BLUE };
enum constant_limits { LIMIT_NEG = -7, LIMIT_BIG = 0x7fffffff };

#define DEFAULT_COLOR COLOR_GREEN
#define COLOR_AFTER_BLUE (COLOR_BLUE + 1)

struct constants_probe {
    int a;
    char b;
};

/* ---- _Alignof, offsetof (what <stddef.h>'s offsetof expands to) ---- */
struct constants_nested {
    char c;
    struct { short s; double d[3]; };
    struct constants_probe probe[2];
};
typedef struct constants_nested constants_nested_t;
struct constants_incomplete;
#define ALIGN_DOUBLE _Alignof(double)
#define ALIGN_LONG_DOUBLE __alignof__(long double)
#define ALIGN_NESTED _Alignof(struct constants_nested)
#define ALIGN_TYPEDEF _Alignof(constants_nested_t)
#define OFFSET_C __builtin_offsetof(struct constants_nested, c)
#define OFFSET_ANONYMOUS __builtin_offsetof(struct constants_nested, d)
#define OFFSET_INDEXED __builtin_offsetof(struct constants_nested, d[2])
#define OFFSET_DEEP __builtin_offsetof(constants_nested_t, probe[1].b)
#define OFFSET_EXPR (__builtin_offsetof(struct constants_nested, probe) + sizeof(int))

/* ---- pointer casts: an address read back as an integer is a constant ---- */
#define PTR_ROUND_TRIP ((unsigned long)(void *)16)
#define PTR_TO_BOOL ((_Bool)(char *)0)
#define PTR_CHAIN ((long)(const char *)(void *)-1)
#define PTR_SIZE sizeof((char *)0)

int some_function(int);

/* ---- pointer constants: an integer cast to a pointer type ---- */
typedef void (*constants_handler)(int);
#define NULL_POINTER ((void *)0)
#define ALL_ONES_POINTER ((void *) -1)
#define HANDLER_ONE ((constants_handler) 1)
#define HANDLER_MINUS_TWO ((constants_handler) -2)
#define PROBE_POINTER ((struct constants_probe **) 0x40)
#define INT_POINTER ((unsigned int *) (4 * 16 + 1))
#define CONST_POINTER ((const double *) 8)
#define POINTER_OF_POINTER ((void *)(char *)24)
#define CHOSEN_POINTER (1 ? (void *)32 : (void *)64)

/* ---- NOT constants: tests/it/gcc_constants.rs checks these are skipped ---- */
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define EMPTY
#define ALIAS some_function
#define KEYWORD static
#define TYPE_NAME unsigned int
#define STATEMENT do { } while (0)
#define UNDEFINED_REFERENCE no_such_identifier
#define CALLS_FUNCTION some_function(3)
/* C gives these no value: gcc -pedantic-errors and clang reject them (gcc
 * alone warns and truncates or drops the backslash), gcc rejects the suffixes
 * and the hex float outright. */
#define HEX_ESCAPE_OUT_OF_RANGE '\x100'
#define OCTAL_ESCAPE_OUT_OF_RANGE '\777'
#define HEX_ESCAPE_OUT_OF_RANGE_STRING "\x141"
#define UNKNOWN_ESCAPE "\q"
#define SUFFIX_TWO_U 5uu
#define SUFFIX_LUL 5lul
#define SUFFIX_MIXED_CASE_LL 5lL
#define HEX_FLOAT_WITHOUT_EXPONENT 0x1.8f
#define OFFSET_NO_FIELD __builtin_offsetof(struct constants_nested, nope)
#define SIZE_INCOMPLETE sizeof(struct constants_incomplete)
#define SIZE_UNDECLARED sizeof(struct constants_never_declared)
/* C11 6.6p4: a constant expression's value must fit its type (gcc
 * -pedantic-errors: "overflow in constant expression"; gcc alone wraps). */
#define SIGNED_OVERFLOW (0x7fffffff + 1)
#define SIGNED_NEGATION_OVERFLOW (-(-0x7fffffff - 1))
/* Pointer arithmetic has no constant value wyvern has. */
#define POINTER_ARITHMETIC ((long)((char *)0 + 1))

#endif /* WYVERN_FIXTURE_CONSTANTS_H */
