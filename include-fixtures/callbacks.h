/* Callbacks and function pointers: the fixture tests/it/callbacks.rs builds. */
#include <stddef.h>

struct item { int key; double weight; char name[8]; };
struct P { double x, y; };
union U { int i; float f; };

typedef int (*unary_fn)(int);
typedef struct P (*p_fn)(struct P, int);
typedef union U (*u_fn)(union U, char);
typedef long (*many_fn)(int, double, long, float, char, short, struct P, long, int);

/* Stores a callback now; calls it later, from a thread it creates. */
void register_handler(unary_fn f);
int run_handler_in_thread(int x);

/* Calls its callback with structs and unions by value, both ways. */
struct P apply_p(p_fn f, struct P p, int k);
union U apply_u(u_fn f, union U u, char c);
long apply_many(many_fn f);

/* Function pointers handed out by C. */
typedef int (*binop)(int, int);
binop get_op(char which);
struct ops { binop add; binop mul; const char *name; };
extern struct ops table;

/* C-side implementations of the callback types, for gcc's expected results. */
struct P c_scale_p(struct P p, int k);
union U c_bump_u(union U u, char c);
long c_many(int a, double b, long c, float d, char e, short f, struct P g, long h, int i);

/* errno around a callback: sets errno to `before`, calls f(before) and stores
   its result in *seen, and returns errno as the callback left it. */
int errno_across(unary_fn f, int before, int *seen);

/* A void callback: visit(i, context) for i in 0..n, then n. */
typedef void (*visit_fn)(int value, void *context);
int visit_each(int n, visit_fn visit, void *context);
