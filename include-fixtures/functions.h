/*
 * functions.h - function prototypes of every shape (variadic, void
 * parameters, records by value, function-pointer parameters, an inline
 * definition, explicit calling conventions) and global variables.
 *
 * Used by tests/it/gcc_layout.rs for the records passed by value.
 */
#ifndef WYVERN_FIXTURE_FUNCTIONS_H
#define WYVERN_FIXTURE_FUNCTIONS_H

#include <stdarg.h>
#include <stddef.h>

struct vec2 {
    double x;
    double y;
};

struct mixed_args {
    int i;
    float f;
    char c;
};

struct big_args {
    long values[5];
    char tag;
};

union number {
    long i;
    double d;
};

typedef int (*compare_fn)(const void *, const void *);

int log_msg(const char *fmt, ...);
int log_va(const char *fmt, va_list args);
void reset(void);
int get_value(void);

struct vec2 vec2_add(struct vec2 a, struct vec2 b);
double vec2_dot(struct vec2 a, struct vec2 b);
struct mixed_args make_mixed(int i, float f, char c);
struct big_args make_big(const struct big_args *template_, long extra);
union number number_negate(union number n);

void sort(void *base, size_t count, size_t size, compare_fn compare);
void visit(int (*callback)(int value, void *user), void *user);
void (*signal_like(int sig, void (*handler)(int)))(int);

static inline int inline_square(int x)
{
    return x * x;
}

#if defined(__x86_64__)
int __attribute__((ms_abi)) ms_add(int a, int b);
int __attribute__((sysv_abi)) sysv_add(int a, int b);
double __attribute__((ms_abi)) ms_scale(double x, struct vec2 v);
#endif

extern int counter;
extern const char *names[4];
extern struct vec2 origin;
extern double (*current_op)(double, double);

#endif /* WYVERN_FIXTURE_FUNCTIONS_H */
