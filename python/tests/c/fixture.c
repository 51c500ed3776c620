#include "fixture.h"
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

int counter = 7;
double ratio = 0.25;
const char *greeting = "hello";
struct point origin = { 3, 4 };
int table[4] = { 10, 20, 30, 40 };
const int limit = 10;
const_double golden = 1.618;
const char label[6] = "label";
binop current_op;

int add(int a, int b) { return a + b; }
double scale(double x, int n) { return x * n; }
int64_t mul64(int64_t a, int64_t b) { return a * b; }
uint8_t low_byte(uint32_t v) { return (uint8_t)v; }
unsigned long long ull_max(void) { return ~0ULL; }
float halve(float f) { return f / 2; }
struct point make_point(int x, int y) { struct point p = { x, y }; return p; }
int point_sum(struct point p) { return p.x + p.y; }
struct vec3 vec3_scale(struct vec3 v, double k) { struct vec3 r = { v.x * k, v.y * k, v.z * k }; return r; }
double vec3_dot(struct vec3 a, struct vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
struct box box_around(struct vec3 v, double r) { struct box b = { { v.x - r, v.y - r, v.z - r }, r }; return b; }
struct mixed mixed_make(int i, double d) { struct mixed m = { i, d }; return m; }
double mixed_total(struct mixed m) { return m.i + m.d; }
struct big big_make(long start) {
    struct big b;
    for (int i = 0; i < 5; i++) b.a[i] = start + i;
    return b;
}
long big_sum(struct big b) { long s = 0; for (int i = 0; i < 5; i++) s += b.a[i] * (i + 1); return s; }
struct flags flags_make(unsigned a, unsigned b, int c, unsigned d) { struct flags f = { a, b, c, d }; return f; }
long flags_pack(struct flags f) { return f.a + 10L * f.b + 1000L * f.c + 100000L * f.d; }
union num num_from_double(double d) { union num n; n.d = d; return n; }
int num_low_int(union num n) { return n.i; }
double outer_weight(const struct outer *o) { return o->c + o->in.s + o->in.tag[2] + o->w + o->pts[1].y; }
void fill(char *out, int n, char c) { memset(out, c, n - 1); out[n - 1] = 0; }
int count_char(const char *s, char c) { int k = 0; for (; *s; s++) k += *s == c; return k; }
void set_errno_to(int e) { errno = e; }
int get_errno(void) { return errno; }
int bump(void) { return ++counter; }
int sum_ints(int n, ...) {
    va_list ap; int s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}
int apply(binop f, int a, int b) { return f(a, b); }

struct job { binop f; int a, b, result; };
static void *run_job(void *p) { struct job *j = p; j->result = j->f(j->a, j->b); return 0; }
int apply_in_thread(binop f, int a, int b) {
    struct job j = { f, a, b, -1 };
    pthread_t t;
    if (pthread_create(&t, 0, run_job, &j) != 0) return -2;
    pthread_join(t, 0);
    return j.result;
}
const char *color_name(enum color c) { return c == RED ? "red" : c == GREEN ? "green" : c == BLUE ? "blue" : "?"; }
int sum_array(const int *xs, int n) { int s = 0; for (int i = 0; i < n; i++) s += xs[i]; return s; }
void reverse(int *xs, int n) { for (int i = 0; i < n / 2; i++) { int t = xs[i]; xs[i] = xs[n - 1 - i]; xs[n - 1 - i] = t; } }

struct big call_big(struct big (*f)(long), long x) { return f(x); }
double call_vec(double (*f)(struct vec3, double), double k) { struct vec3 v = { 1, 2, 3 }; return f(v, k); }
struct point call_point(struct point (*f)(struct point), int x, int y) { struct point p = { x, y }; return f(p); }
struct mixed call_mixed(struct mixed (*f)(struct mixed), int i, double d) { struct mixed m = { i, d }; return f(m); }
float call_float(float (*f)(float, double), float a) { return f(a, 0.25); }
long call_many(long (*f)(int, long, double, float, char, short, unsigned, long long, double, int)) {
    return f(1, 2, 3.5, 4.5f, 5, 6, 7, 8, 9.5, 10);
}
long many_args(int a, long b, double c, float d, char e, short f, unsigned g, long long h, double i, int j) {
    return a + 10 * b + (long)(100 * c) + (long)(1000 * d) + 10000L * e + 100000L * f + 1000000L * g + 10000000LL * h + (long)(100000000 * i) + 1000000000L * j;
}
long double ld_twice(long double x) { return 2 * x; }
int sum_bytes(const unsigned char *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
int call_current(int a, int b) { return current_op ? current_op(a, b) : -1; }

struct many { binop f; int index, calls; long sum; };
static void *run_many(void *p) {
    struct many *m = p;
    for (int i = 0; i < m->calls; i++) m->sum += m->f(m->index, i);
    return 0;
}
/* `threads` threads calling f(index, i) `calls` times each, all at once. */
long apply_in_threads(binop f, int threads, int calls) {
    pthread_t t[64];
    struct many m[64];
    long total = 0;
    if (threads > 64) return -1;
    for (int i = 0; i < threads; i++) {
        m[i] = (struct many){ f, i, calls, 0 };
        if (pthread_create(&t[i], 0, run_many, &m[i]) != 0) return -2;
    }
    for (int i = 0; i < threads; i++) { pthread_join(t[i], 0); total += m[i].sum; }
    return total;
}

int ops_run(const struct ops *o, int x) { return o->f(o->base, x); }
/* Counts argv up to its NULL and joins the strings with ',' into `joined`. */
int count_args(char *const *argv, char *joined, int size) {
    int n = 0, at = 0;
    joined[0] = 0;
    for (; argv[n]; n++) {
        int len = (int)strlen(argv[n]);
        if (at + len + 2 > size) return -1;
        if (n) joined[at++] = ',';
        memcpy(joined + at, argv[n], len + 1);
        at += len;
    }
    return n;
}

/* Says "in C now" on out_fd, then waits up to timeout_ms for in_fd: 1 when
   it became readable (someone answered while this call ran), 0 if not. */
int handshake(int out_fd, int in_fd, int timeout_ms) {
    struct pollfd p = { in_fd, POLLIN, 0 };
    if (write(out_fd, "c", 1) != 1) return -1;
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}
