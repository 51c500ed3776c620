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

/* ---- enum constants, and macros that name them ---- */
enum color { COLOR_RED, COLOR_GREEN = 5, COLOR_BLUE };
enum constant_limits { LIMIT_NEG = -7, LIMIT_BIG = 0x7fffffff };

#define DEFAULT_COLOR COLOR_GREEN
#define COLOR_AFTER_BLUE (COLOR_BLUE + 1)

struct constants_probe {
    int a;
    char b;
};

int some_function(int);

/* ---- NOT constants: tests/it/gcc_constants.rs checks these are skipped ---- */
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define EMPTY
#define ALIAS some_function
#define KEYWORD static
#define TYPE_NAME unsigned int
#define STATEMENT do { } while (0)
#define UNDEFINED_REFERENCE no_such_identifier
#define CALLS_FUNCTION some_function(3)

#endif /* WYVERN_FIXTURE_CONSTANTS_H */
