/*
 * records.h - arrays, flexible array members, anonymous members, unions,
 * recursive and opaque records, typedef chains and enums of every size.
 *
 * Used by tests/it/gcc_layout.rs (gcc checks every layout) and
 * tests/it/gcc_constants.rs (gcc checks every enum constant's value and type).
 */
#ifndef WYVERN_FIXTURE_RECORDS_H
#define WYVERN_FIXTURE_RECORDS_H

/* ---- arrays ---- */

struct arrays {
    char name[13];
    int values[5];
    double matrix[3][4];
    short cube[2][3][4];
    char *strings[2];
    struct { int x, y; } points[3];
};

/* An incomplete array: a global whose size is not known here. */
extern int table[];

struct flexible {
    unsigned count;
    char kind;
    long items[];
};

struct flexible_chars {
    short len;
    char data[];
};

/* ---- anonymous members, nested two deep ---- */

struct anonymous_members {
    int tag;
    union {
        struct {
            char a;
            double b;
        };
        struct {
            short c;
            union {
                int d;
                float e;
            };
            char f;
        };
        long long whole;
    };
    struct {
        char g;
        int h;
    };
    char last;
};

union with_anonymous_struct {
    struct {
        unsigned short lo;
        unsigned short hi;
    };
    unsigned int word;
};

/* Named members of anonymous record type (not flattened in C). */
struct named_anonymous_types {
    struct {
        int x;
        char y;
    } inner;
    union {
        float f;
        unsigned u;
    } pun;
    char after;
};

/* ---- unions ---- */

union mixed {
    char c;
    short s;
    int i;
    long l;
    float f;
    double d;
    long double ld;
    char bytes[11];
    void *p;
};

union small_union {
    char c;
    unsigned char uc[3];
};

struct contains_unions {
    char c;
    union mixed m;
    union small_union su;
    short tail;
};

/* ---- recursive and opaque records ---- */

struct node {
    int value;
    struct node *next;
    struct node *prev;
};

struct tree_b;

struct tree_a {
    struct tree_b *child;
    int depth;
};

struct tree_b {
    struct tree_a *parent;
    struct tree_a sibling;
    char label;
};

/* Declared but never defined: only usable through a pointer. */
struct opaque;
typedef struct opaque opaque_t;

struct handle {
    struct opaque *impl;
    opaque_t *alias;
    int refs;
};

/* ---- typedefs ---- */

typedef int a_t;
typedef a_t b_t;
typedef b_t *c_t;
typedef c_t d_t[2];

struct typedef_chain {
    a_t a;
    b_t b;
    c_t c;
    d_t d;
};

typedef struct {
    double x;
    double y;
    char label;
} point_t;

typedef union {
    int i;
    char c[6];
} anon_union_t;

typedef struct tagged_pair {
    point_t first;
    anon_union_t second;
} tagged_pair_t;

/* ---- enums ---- */

enum default_enum { DEFAULT_ZERO, DEFAULT_ONE, DEFAULT_TWO };

enum negative_enum { NEG_MINUS_TWO = -2, NEG_MINUS_ONE, NEG_ZERO, NEG_BIG = -100000 };

enum large_unsigned_enum { LARGE_SMALL = 1, LARGE_MAX = 0xFFFFFFFFu };

enum wide_enum { WIDE_LOW = 1, WIDE_HIGH = 0x123456789ALL };

enum signed_wide_enum { SWIDE_LOW = -0x100000000LL, SWIDE_HIGH = 7 };

enum __attribute__((packed)) packed_enum { PACKED_A, PACKED_B = 200 };

enum __attribute__((packed)) packed_signed_enum { PSIGNED_A = -1, PSIGNED_B = 100 };

enum derived_enum {
    DERIVED_BASE = 10,
    DERIVED_NEXT,
    DERIVED_DOUBLE = DERIVED_BASE * 2,
    DERIVED_MASK = (1 << 3) | DERIVED_NEXT,
    DERIVED_FROM_OTHER = DEFAULT_TWO + 100
};

struct enums {
    enum default_enum d;
    enum packed_enum p;
    enum packed_signed_enum ps;
    enum wide_enum w;
    char c;
    enum negative_enum n;
    enum signed_wide_enum sw;
    enum large_unsigned_enum lu;
};

#endif /* WYVERN_FIXTURE_RECORDS_H */
