/* Records, enums and typedefs whose names are written inside macro expansions:
   token pasting, X-macros, tags passed as macro arguments, and anonymous records
   that a typedef names from inside a macro. Every libclang must keep each name,
   and keep the anonymous ones anonymous. */

#define WY_TAGGED(n)                                                            \
    struct wy_tag_##n { int n; char n##_c; };                                   \
    enum wy_kind_##n { n##_FIRST = 1, n##_SECOND = 40 };                        \
    typedef struct wy_tag_##n n##_t;

WY_TAGGED(alpha)
WY_TAGGED(beta)

#define WY_RECORD(tag, type) struct tag { type value; short extra; };
#define WY_RECORDS(X) X(wy_x_int, int) X(wy_x_double, double) X(wy_x_ptr, void *)
WY_RECORDS(WY_RECORD)

#define WY_ANONYMOUS(name, type) typedef struct { type first; char second; } name;
WY_ANONYMOUS(wy_anon_pair, long)

#define WY_ANONYMOUS_UNION(name) typedef union { int i; float f; } name;
WY_ANONYMOUS_UNION(wy_anon_number)

#define WY_NESTED(t) struct t { struct t##_inner { int z; } inner; long after; };
WY_NESTED(wy_outer)

#define WY_ENUM(name) typedef enum { name##_RED, name##_GREEN = 7 } name;
WY_ENUM(wy_colour)

/* Uses of each, so the names are looked up as a user would. */
struct wy_uses {
    alpha_t a;
    struct wy_tag_beta b;
    enum wy_kind_alpha k;
    struct wy_x_double d;
    wy_anon_pair p;
    wy_anon_number n;
    struct wy_outer_inner in;
    wy_colour c;
};
