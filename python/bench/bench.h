/* The C side of python/bench/bench.py. add, dot and struct P are benches/call.rs'
 * HEADER/SOURCE; inc_fn, sum_cb and c_inc are its CALLBACK_HEADER/SOURCE; scale3 adds
 * a struct returned through memory (24 bytes: class MEMORY on x86-64, returned
 * through a hidden pointer the caller passes). bench.py cdefs this text as it is. */
struct P { double x, y; };
struct P3 { double x, y, z; };
typedef int (*inc_fn)(int);
int add(int a, int b);
double dot(struct P a, struct P b);
struct P3 scale3(struct P3 p, double k);
long sum_cb(inc_fn f, int n);
int c_inc(int x);
