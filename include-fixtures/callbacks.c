#include <errno.h>
#include <pthread.h>
#include "callbacks.h"

static unary_fn handler;
static int handler_arg, handler_result;

void register_handler(unary_fn f) { handler = f; }

static void *thread_main(void *unused) {
    (void)unused;
    handler_result = handler(handler_arg);
    return NULL;
}

int run_handler_in_thread(int x) {
    pthread_t t;
    handler_arg = x;
    if (pthread_create(&t, NULL, thread_main, NULL) != 0) return -1;
    pthread_join(t, NULL);
    return handler_result;
}

struct P apply_p(p_fn f, struct P p, int k) { return f(p, k); }
union U apply_u(u_fn f, union U u, char c) { return f(u, c); }
long apply_many(many_fn f) {
    struct P g = { 1.25, -2.5 };
    return f(-7, 0.5, 1L << 40, 2.25f, 'x', -300, g, -9, 11);
}

static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
binop get_op(char which) { return which == '+' ? add : which == '*' ? mul : NULL; }
struct ops table = { add, mul, "arith" };

struct P c_scale_p(struct P p, int k) { struct P r = { p.x * k, p.y - k }; return r; }
union U c_bump_u(union U u, char c) { union U r; r.i = u.i * 3 + c; return r; }
long c_many(int a, double b, long c, float d, char e, short f, struct P g, long h, int i) {
    return a + (long)(b * 4) + c + (long)(d * 4) + e + f + (long)(g.x * 8) + (long)(g.y * 8) + h + i;
}

int errno_across(unary_fn f, int before, int *seen) {
    errno = before;
    *seen = f(before);
    return errno;
}

int visit_each(int n, visit_fn visit, void *context) {
    for (int i = 0; i < n; i++) visit(i, context);
    return n;
}
