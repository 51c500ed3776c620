/*
 * scalars.h - one field of every C scalar type, qualified pointers and
 * function pointers.
 *
 * Used by tests/it/gcc_layout.rs: gcc is the oracle for every size, alignment
 * and offset here, on the host and (through `gcc -m32`) on i686.  Must stay
 * plain C that compiles without a sysroot for x86_64, i686, aarch64 and
 * x86_64-windows-msvc, so it includes nothing but compiler builtin headers.
 */
#ifndef WYVERN_FIXTURE_SCALARS_H
#define WYVERN_FIXTURE_SCALARS_H

#include <stddef.h>

/* Every integer and floating type, each after a char so that its
 * alignment shows up as a hole. */
struct scalars {
    _Bool b;
    char c;
    signed char sc;
    unsigned char uc;
    short s;
    unsigned short us;
    int i;
    unsigned u;
    long l;
    unsigned long ul;
    long long ll;
    unsigned long long ull;
    float f;
    double d;
    long double ld;
#ifdef __SIZEOF_INT128__
    __int128 i128;
    unsigned __int128 u128;
#endif
    float _Complex fc;
    double _Complex dc;
    long double _Complex ldc;
    size_t size;
    ptrdiff_t diff;
    wchar_t wc;
};

/* The same scalars, each after a char: the hole before each one is its
 * alignment inside a record (which differs from _Alignof on i686). */
struct char_then_double { char c; double d; };
struct char_then_long_long { char c; long long ll; };
struct char_then_long_double { char c; long double ld; };
struct char_then_dcomplex { char c; double _Complex dc; };
#ifdef __SIZEOF_INT128__
struct char_then_int128 { char c; __int128 i; };
#endif

/* `long` is 4 bytes on x86_64-windows-msvc and 8 on LP64 targets:
 * size 8 there, 16 on x86_64/aarch64 Linux, 8 on i686. */
struct char_long {
    char c;
    long l;
};

typedef int (*binary_op)(int, int);
typedef void (*handler_fn)(int signo, void *context);

struct pointers {
    void *vp;
    const char *cstr;
    char *const const_ptr;
    volatile int *vol;
    int *restrict restricted;
    const void *const *cvcp;
    const volatile unsigned long *cvul;
    char **argv;
    int (*fn)(int, char **);
    void (*callback)(void *user, const char *msg, ...);
    binary_op op;
    handler_fn handlers[3];
    double (*(*fn_returning_fn_ptr)(int))(double);
    int (*ptr_to_array)[4];
};

struct const_fields {
    const int ci;
    volatile short vs;
    const volatile char cvc;
    const double cd;
};

/* Atomic and vector types: their alignment can exceed their base type's
 * (`_Atomic long long` is 8-aligned on i686, where `long long` is 4). */
typedef float v4sf __attribute__((vector_size(16)));

struct special_scalars {
    char c;
    _Atomic int atomic_int;
    char c2;
    _Atomic long long atomic_ll;
    v4sf vec;
    char tail;
};

#endif /* WYVERN_FIXTURE_SCALARS_H */
