/* The C fixture library the pytest suite calls (compiled by conftest.py). */
#include <stdint.h>

struct point { int x; int y; };
struct vec3 { double x, y, z; };              /* 24 bytes: passed in memory */
struct mixed { int i; double d; };            /* one INTEGER, one SSE eightbyte */
struct big { long a[5]; };                    /* 40 bytes: returned through memory */
struct flags { unsigned a : 3; unsigned b : 5; signed c : 4; unsigned d : 20; };
union num { int i; float f; double d; };
struct inner { short s; char tag[3]; };
struct outer { char c; struct inner in; double w; struct point pts[2]; };
struct box { struct vec3 lo; double r; };     /* 32 bytes, a record inside */
typedef int (*binop)(int, int);
enum color { RED, GREEN = 5, BLUE };

extern int counter;
extern double ratio;
extern const char *greeting;
extern struct point origin;
extern int table[4];
extern const int limit;
typedef const double const_double;
extern const_double golden;
extern const char label[6];
extern binop current_op;

int add(int a, int b);
double scale(double x, int n);
int64_t mul64(int64_t a, int64_t b);
uint8_t low_byte(uint32_t v);
unsigned long long ull_max(void);
float halve(float f);
struct point make_point(int x, int y);
int point_sum(struct point p);
struct vec3 vec3_scale(struct vec3 v, double k);
double vec3_dot(struct vec3 a, struct vec3 b);
struct box box_around(struct vec3 v, double r);
struct mixed mixed_make(int i, double d);
double mixed_total(struct mixed m);
struct big big_make(long start);
long big_sum(struct big b);
struct flags flags_make(unsigned a, unsigned b, int c, unsigned d);
long flags_pack(struct flags f);
union num num_from_double(double d);
int num_low_int(union num n);
double outer_weight(const struct outer *o);
void fill(char *out, int n, char c);
int count_char(const char *s, char c);
void set_errno_to(int e);
int get_errno(void);
int bump(void);
int sum_ints(int n, ...);
int apply(binop f, int a, int b);
int apply_in_thread(binop f, int a, int b);
const char *color_name(enum color c);
int sum_array(const int *xs, int n);
void reverse(int *xs, int n);

/* C calling back into Python with records and floats both ways */
struct big call_big(struct big (*f)(long), long x);
double call_vec(double (*f)(struct vec3, double), double k);
struct point call_point(struct point (*f)(struct point), int x, int y);
struct mixed call_mixed(struct mixed (*f)(struct mixed), int i, double d);
float call_float(float (*f)(float, double), float a);
long call_many(long (*f)(int, long, double, float, char, short, unsigned, long long, double, int));
long many_args(int a, long b, double c, float d, char e, short f, unsigned g, long long h, double i, int j);
long double ld_twice(long double x);
int sum_bytes(const unsigned char *p, int n);
int call_current(int a, int b);
long apply_in_threads(binop f, int threads, int calls);
struct ops { binop f; int base; };
int ops_run(const struct ops *o, int x);
int count_args(char *const *argv, char *joined, int size);
int handshake(int out_fd, int in_fd, int timeout_ms);

#define FIXTURE_VERSION 3
#define FIXTURE_NAME "fixture"
#define FIXTURE_SCALE 2.5
#define FIXTURE_MASK (1u << 12)
