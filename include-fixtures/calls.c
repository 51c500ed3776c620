/*
 * calls.c - the definitions behind calls.h. tests/it/calls.rs compiles this with
 * `gcc -shared -fPIC -O1` and calls it both through wyvern and from a gcc
 * driver program.
 *
 * Results depend only on the arguments (static buffers are thread-local), so
 * the tests may call anything from any thread; only the globals are shared.
 */
#include "calls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* FNV-1a over bytes. */
static unsigned long long fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static unsigned long long mix(unsigned long long h, unsigned long long v)
{
    return (h ^ v) * 1099511628211ULL + 0x9e3779b97f4a7c15ULL;
}

static unsigned long long dbits(double d)
{
    unsigned long long u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static void fill(void *p, size_t n, int seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed * 131 + i * 29 + 17);
}

/* ---- The by-value tables ---- */

#define WY_DEFINE_FUNCTIONS(keyword, name, size) \
    _Static_assert(sizeof(keyword name) == size, #name " has the size its row says"); \
    keyword name name##_make(int seed) \
    { \
        keyword name v; \
        fill(&v, sizeof v, seed); \
        return v; \
    } \
    unsigned long long name##_hash(keyword name v) { return fnv(&v, sizeof v); } \
    keyword name name##_echo(int k, keyword name v, double x) \
    { \
        unsigned char *b = (unsigned char *)&v; \
        for (size_t i = 0; i < sizeof v; i++) \
            b[i] ^= (unsigned char)(k + 3 * i + (int)x); \
        return v; \
    } \
    unsigned long long name##_hash_late(long a, long b, long c, long d, long e, \
        double x0, double x1, double x2, double x3, double x4, double x5, double x6, \
        keyword name v, int tail) \
    { \
        unsigned long long h = fnv(&v, sizeof v); \
        h = mix(h, a); h = mix(h, b); h = mix(h, c); h = mix(h, d); h = mix(h, e); \
        h = mix(h, dbits(x0)); h = mix(h, dbits(x1)); h = mix(h, dbits(x2)); \
        h = mix(h, dbits(x3)); h = mix(h, dbits(x4)); h = mix(h, dbits(x5)); \
        h = mix(h, dbits(x6)); \
        return mix(h, tail); \
    }

#define WY_DEFINE(name, size, ...) WY_DEFINE_FUNCTIONS(struct, name, size)
#define WY_DEFINE_OTHER(name, size, keyword, attributes, ...) \
    WY_DEFINE_FUNCTIONS(keyword, name, size)

WY_SIZED(WY_DEFINE)
WY_MIX(WY_DEFINE)
WY_OTHER(WY_DEFINE_OTHER)

/* ---- Bitfields ---- */

struct bf1 bf1_make(int seed)
{
    struct bf1 v;
    memset(&v, 0, sizeof v);
    v.a = seed & 7;
    v.b = -(seed % 16);
    v.c = (seed * 77) & 0xfff;
    v.d = (seed * 5) % 128 - 64;
    v.e = ((unsigned long)seed * 0x12345679UL) & 0x1ffffffffUL;
    v.f = seed & 1;
    return v;
}

long long bf1_digest(struct bf1 v)
{
    return v.a + 3LL * v.b + 5LL * v.c + 7LL * v.d + 11LL * (long long)v.e + 13LL * v.f;
}

struct bf2 bf2_make(int seed)
{
    struct bf2 v;
    memset(&v, 0, sizeof v);
    v.f = seed * 0.25f;
    v.a = seed & 15;
    v.g = -seed * 1.5f;
    return v;
}

double bf2_digest(struct bf2 v)
{
    return v.f * 1000.0 + v.a * 10.0 + v.g;
}

struct bf3 bf3_make(long long seed)
{
    struct bf3 v;
    memset(&v, 0, sizeof v);
    v.a = seed * 3;
    v.b = -seed * 5;
    return v;
}

long long bf3_digest(struct bf3 v)
{
    return v.a * 7 + v.b;
}

struct bf4 bf4_make(int seed)
{
    struct bf4 v;
    memset(&v, 0, sizeof v);
    v.a = seed & 1;
    v.b = (seed * 1000003) & 0x7fffffff;
    v.c = seed % 4 - 2;
    v.flag = (seed >> 1) & 1;
    v.col = seed % 3 == 0 ? RED : seed % 3 == 1 ? GREEN : BLUE;
    return v;
}

long long bf4_digest(struct bf4 v)
{
    return v.a + 2LL * v.b + 3LL * v.c + 5LL * v.flag + 7LL * v.col;
}

/* ---- Over-aligned fields ---- */

struct al_i al_i_make(int x)
{
    struct al_i v;
    memset(&v, 0, sizeof v);
    v.x = x;
    return v;
}

int al_i_get(int k, struct al_i v, int j)
{
    return v.x * 3 + k - j;
}

struct al_f al_f_make(float x)
{
    struct al_f v;
    memset(&v, 0, sizeof v);
    v.x = x;
    return v;
}

float al_f_get(float k, struct al_f v, float j)
{
    return v.x * 2 + k - j;
}

/* ---- Paths ---- */

static _Thread_local int outer_target;

void outer_fill(struct outer *o, int seed)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < 4; i++) {
        o->a.b[i].c = seed + i * 10;
        o->a.b[i].d = seed * 0.5f + i;
        o->a.b[i].flags = (seed + i) & 7;
    }
    o->a.n = (short)(seed * 3);
    o->code[0] = 'x';
    o->code[1] = 'y';
    o->code[2] = (char)('0' + seed % 10);
    o->name = "outer";
    outer_target = seed * 7;
    o->ptr = &outer_target;
    o->col = GREEN;
    o->f = 1.5f * seed;
}

long long outer_digest(const struct outer *o)
{
    long long h = 0;
    for (int i = 0; i < 4; i++)
        h += o->a.b[i].c * (i + 1LL) + (long long)(o->a.b[i].d * 4) + o->a.b[i].flags * 7LL;
    h += o->a.n * 11LL;
    for (int i = 0; i < 4; i++)
        h = h * 3 + o->code[i];
    h += (o->name ? (long long)strlen(o->name) * 17 + o->name[0] : -1);
    h += (o->ptr ? *o->ptr : -1) * 19LL;
    h += o->col * 23LL;
    h += o->i * 29LL;
    return h;
}

/* ---- long double ---- */

long double ld_mul(long double a, double b)
{
    return a * b;
}

long double ld_sum3(float a, long double b, double c)
{
    return a + b + c;
}

void ld_bits(long double v, unsigned char out[10])
{
    memcpy(out, &v, 10);
}

long double ld_vsum(int n, ...)
{
    va_list ap;
    long double sum = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        sum = sum * 3 + va_arg(ap, long double);
    va_end(ap);
    return sum;
}

struct ldw ldw_make(double v)
{
    struct ldw w;
    memset(&w, 0, sizeof w);
    w.x = v * 3.0L / 7.0L;
    return w;
}

double ldw_take(struct ldw w, int k)
{
    return (double)(w.x * k);
}

struct ldm ldm_make(double v, int tag)
{
    struct ldm m;
    memset(&m, 0, sizeof m);
    m.x = v / 3.0L;
    m.tag = tag;
    return m;
}

double ldm_take(int a, struct ldm m, double b)
{
    return (double)(m.x * a + b + m.tag);
}

/* ---- __int128 ---- */

__int128 i128_mul(__int128 a, long b)
{
    return a * b;
}

unsigned __int128 u128_shl(unsigned __int128 a, int s)
{
    return a << s;
}

__int128 i128_late(long a, long b, long c, long d, long e, __int128 x, long f)
{
    return x * 2 + a + 2 * b + 3 * c + 4 * d + 5 * e - f;
}

__int128 i128_vsum(int n, ...)
{
    va_list ap;
    __int128 sum = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        sum = sum * 5 + va_arg(ap, __int128);
    va_end(ap);
    return sum;
}

/* ---- _Complex ---- */

_Complex double cd_mul(_Complex double a, _Complex double b)
{
    return a * b;
}

_Complex float cf_mul(_Complex float a, _Complex float b)
{
    return a * b;
}

double cd_norm(int k, _Complex double z)
{
    return k * (__real__ z * __real__ z + __imag__ z * __imag__ z);
}

/* ---- Enums ---- */

int color_code(enum color c)
{
    return c * 100 + 7;
}

enum color color_next(enum color c)
{
    return c == RED ? GREEN : c == GREEN ? BLUE : RED;
}

unsigned long flags_or(enum flags a, enum flags b)
{
    return (unsigned long)a | (unsigned long)b;
}

enum tiny tiny_next(enum tiny t)
{
    return t == T_MAX ? T_ZERO : (enum tiny)(t + 1);
}

int tiny_code(enum tiny t, int k)
{
    return t * 1000 + k;
}

/* ---- Pointers ---- */

int fill_point(struct point3 *out, int seed)
{
    memset(out, 0, sizeof *out);
    out->x = seed * 3;
    out->y = seed / 4.0;
    out->z = (short)-seed;
    return 1;
}

void fill_ints(int *out, int n, int seed)
{
    for (int i = 0; i < n; i++)
        out[i] = seed * i - 7;
}

long sum_ints(const int *v, int n)
{
    long s = 0;
    for (int i = 0; i < n; i++)
        s = s * 3 + v[i];
    return s;
}

static const struct point3 points[4] = {{1, 0.5, 2}, {-4, 1e100, -5}, {7, -0.0, 8}, {1 << 30, 3.25, -32768}};

const struct point3 *point_at(int i)
{
    return &points[i & 3];
}

int apply_fn(int fn(int, int), int x)
{
    return fn(x, 10) * 2;
}

long sum_grid(int rows, const int grid[][3])
{
    long s = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < 3; c++)
            s = s * 5 + grid[r][c];
    return s;
}

struct node *list_make(int n)
{
    static _Thread_local struct node nodes[8];
    if (n < 1 || n > 8)
        return NULL;
    for (int i = 0; i < n; i++) {
        nodes[i].value = (i + 1) * 11;
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    }
    return nodes;
}

long list_sum(const struct node *head)
{
    long s = 0;
    for (; head; head = head->next)
        s = s * 2 + head->value;
    return s;
}

/* ---- Strings and byte buffers ---- */

const char *greet(const char *name)
{
    static _Thread_local char buffer[64];
    snprintf(buffer, sizeof buffer, "hello, %s!", name);
    return buffer;
}

size_t count_char(const char *s, int c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

const char *maybe_name(int i)
{
    return i < 0 ? NULL : i == 0 ? "zero" : "positive";
}

char *str_reverse(char *buf)
{
    size_t n = strlen(buf);
    for (size_t i = 0; i < n / 2; i++) {
        char t = buf[i];
        buf[i] = buf[n - 1 - i];
        buf[n - 1 - i] = t;
    }
    return buf;
}

int named_check(struct named n)
{
    return n.len * 1000 + (int)strlen(n.name) * 10 + n.name[0];
}

void bytes_fill(void *buf, size_t n, int seed)
{
    fill(buf, n, seed);
}

unsigned long long bytes_hash(const void *buf, size_t n)
{
    return fnv(buf, n);
}

/* ---- Scalars and many arguments ---- */

signed char neg_char(int v)
{
    return (signed char)-v;
}

unsigned short ushort_of(int v)
{
    return (unsigned short)(v * 3);
}

_Bool is_odd(long v)
{
    return v & 1;
}

float half_of(float v)
{
    return v / 2;
}

long long many_small(signed char a, unsigned char b, short c, unsigned short d, int e,
                     unsigned f, long g, float h, _Bool i, char j, float k, double l,
                     long long m, unsigned long long n)
{
    return a + b * 2LL + c * 3LL + d * 5LL + e * 7LL + f * 11LL + g * 13LL
        + (long long)(h * 4) * 17 + i * 19LL + j * 23LL + (long long)(k * 8) * 29
        + (long long)(l * 16) * 31 + m * 37 + (long long)n * 41;
}

double many_mixed(int a0, double d0, int a1, double d1, int a2, double d2, int a3,
                  double d3, int a4, double d4, int a5, double d5, int a6, double d6,
                  int a7, double d7, int a8, double d8, int a9, double d9)
{
    int a[10] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9};
    double d[10] = {d0, d1, d2, d3, d4, d5, d6, d7, d8, d9};
    double s = 0;
    for (int i = 0; i < 10; i++)
        s = s * 1.5 + a[i] * (i + 1) + d[i] * (i + 0.5);
    return s;
}

unsigned long long spill(struct m_ff a, struct m_ifif b, struct s24 c, struct m_ffff d,
                         struct m_ii e, double f, struct m_fi g, long h, struct m_iiii i,
                         struct m_dd j, float k, struct m_ll l, int m)
{
    unsigned long long x = fnv(&a, sizeof a);
    x = mix(x, fnv(&b, sizeof b));
    x = mix(x, fnv(&c, sizeof c));
    x = mix(x, fnv(&d, sizeof d));
    x = mix(x, fnv(&e, sizeof e));
    x = mix(x, dbits(f));
    x = mix(x, fnv(&g, sizeof g));
    x = mix(x, h);
    x = mix(x, fnv(&i, sizeof i));
    x = mix(x, fnv(&j, sizeof j));
    x = mix(x, dbits(k));
    x = mix(x, fnv(&l, sizeof l));
    return mix(x, m);
}

/* ---- Variadic ---- */

int vsum_ints(int n, ...)
{
    va_list ap;
    int s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        s = s * 7 + va_arg(ap, int);
    va_end(ap);
    return s;
}

long vsum_longs(int n, ...)
{
    va_list ap;
    long s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        s = s * 7 + va_arg(ap, long);
    va_end(ap);
    return s;
}

int vformat(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

double vpoints(int n, ...)
{
    va_list ap;
    double s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        struct vec2 p = va_arg(ap, struct vec2);
        s = s * 2 + p.x * (i + 1) + p.y * 0.5;
    }
    va_end(ap);
    return s;
}

unsigned long long vsized(int n, ...)
{
    va_list ap;
    unsigned long long h = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        struct s24 v = va_arg(ap, struct s24);
        h = mix(h, fnv(&v, sizeof v));
    }
    va_end(ap);
    return h;
}

unsigned long long vtagged(const char *tags, ...)
{
    va_list ap;
    unsigned long long h = 0;
    va_start(ap, tags);
    for (const char *t = tags; *t; t++) {
        switch (*t) {
        case 'i': h = mix(h, (unsigned long long)va_arg(ap, int)); break;
        case 'l': h = mix(h, (unsigned long long)va_arg(ap, long)); break;
        case 'd': h = mix(h, dbits(va_arg(ap, double))); break;
        case 'L': {
            long double v = va_arg(ap, long double);
            h = mix(h, fnv(&v, 10));
            break;
        }
        case 'q': {
            __int128 v = va_arg(ap, __int128);
            h = mix(mix(h, (unsigned long long)v), (unsigned long long)(v >> 64));
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            h = mix(h, fnv(s, strlen(s)));
            break;
        }
        case 'p': {
            struct vec2 v = va_arg(ap, struct vec2);
            h = mix(h, fnv(&v, sizeof v));
            break;
        }
        case 'm': {
            struct m_if v = va_arg(ap, struct m_if);
            h = mix(h, fnv(&v, sizeof v));
            break;
        }
        case 'f': {
            struct m_fff v = va_arg(ap, struct m_fff);
            h = mix(h, fnv(&v, sizeof v));
            break;
        }
        case 'b': {
            struct s24 v = va_arg(ap, struct s24);
            h = mix(h, fnv(&v, sizeof v));
            break;
        }
        case 'z': {
            _Complex double v = va_arg(ap, _Complex double);
            h = mix(h, fnv(&v, sizeof v));
            break;
        }
        default:
            h = mix(h, 0xdeadULL);
        }
    }
    va_end(ap);
    return h;
}

/* ---- The typed path ---- */

int add_ints(int a, int b)
{
    return a * 3 + b;
}

double mix_dd(double a, double b)
{
    return a * 3.5 - b;
}

struct vec2 vec2_scale(struct vec2 v, double k)
{
    struct vec2 r = {v.x * k, v.y * k + 1};
    return r;
}

int off_take(struct off_s p)
{
    return p.a * 100 + p.b * 10 + p.c;
}

int take_uchar(unsigned char byte)
{
    return byte * 2;
}

/* ---- Objects holding pointers ---- */

size_t named_copy(struct named n, char *out, size_t size)
{
    if (!n.name)
        return (size_t)-1;
    size_t len = strlen(n.name);
    snprintf(out, size, "%s", n.name);
    return len;
}

size_t named_box_copy(struct named_box b, char *out, size_t size)
{
    return named_copy(b.n, out, size);
}

size_t named_row_copy(const struct named_row *row, int i, char *out, size_t size)
{
    return named_copy(row->items[i], out, size);
}

size_t named_view_copy(union named_view v, char *out, size_t size)
{
    return named_copy(v.n, out, size);
}

size_t named_ref_copy(struct named_ref r, char *out, size_t size)
{
    return r.p ? named_copy(*r.p, out, size) : (size_t)-1;
}

size_t named_made_copy(named_maker make, char *out, size_t size)
{
    return named_copy(make(0), out, size);
}

struct named g_named = {"fixture", 7};
char g_label[16] = "label";

/* ---- Globals and errno ---- */

int g_counter = 42;
struct point3 g_point = {7, 2.25, -3};
int g_table[8] = {1, 2, 3, 5, 8, 13, 21, 34};
const char *g_name = "fixture";
int *g_ptr = &g_table[2];

long long g_digest(void)
{
    long long h = g_counter * 1000003LL + g_point.x * 101LL + (long long)(g_point.y * 8) * 103
        + g_point.z * 107LL;
    for (int i = 0; i < 8; i++)
        h += g_table[i] * (i + 1LL);
    h += (g_name ? (long long)strlen(g_name) * 109 + g_name[0] * 113LL : -1);
    h += (g_ptr ? *g_ptr : -1) * 127LL;
    return h;
}

void g_bump(int k)
{
    g_counter += k;
    g_point.x -= k;
    g_table[k & 7] = k * 9;
    g_ptr = &g_table[k & 7];
    g_name = k & 1 ? "odd" : "even";
}

int set_errno(int e)
{
    errno = e;
    return -1;
}

int keep_errno(void)
{
    return 7;
}

int errno_seen(void)
{
    return errno;
}
