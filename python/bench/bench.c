#include "bench.h"
int add(int a, int b) { return a + b; }
double dot(struct P a, struct P b) { return a.x * b.x + a.y * b.y; }
struct P3 scale3(struct P3 p, double k) { struct P3 r = { p.x * k, p.y * k, p.z * k }; return r; }
long sum_cb(inc_fn f, int n) { long t = 0; for (int i = 0; i < n; i++) t += f(i); return t; }
int c_inc(int x) { return x + 1; }

/* Not in bench.h: bench.py calls it through ctypes to check a cdef of the six
 * headers against gcc's layout of struct stat. */
#include <sys/stat.h>
unsigned long stat_size(void) { return sizeof(struct stat); }
