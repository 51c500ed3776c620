/*
 * arrays.h - parameters declared as arrays (tests/it/arrays.rs builds arrays.c
 * into a shared library). C adjusts each to a pointer to its element; the
 * declared length is what the function reads or writes, and what wyvern keeps
 * to size the argument it makes (`wyvern call fill_uuid &{}`).
 *
 * uuid_t is libuuid's typedef, written here so the test needs no libuuid.
 */
#ifndef WYVERN_FIXTURE_ARRAYS_H
#define WYVERN_FIXTURE_ARRAYS_H

typedef unsigned char uuid_t[16];

/* Writes 1, 2, ..., 16. */
void fill_uuid(uuid_t out);
/* The sum of all 16 bytes. */
int sum_uuid(const uuid_t uu);
/* -1, 0 or 1, as memcmp over the 16 bytes. */
int compare_uuid(const uuid_t a, const uuid_t b);
/* How many of the 16 bytes from `from` on are not zero. */
int nonzero_from(const uuid_t uu, int from);

/* 100 * the length of the text (at most 8), plus how many bytes after its
   NUL are not zero. */
int text_in(const char name[8]);

long sum4(int a[4]);
double trace3(double m[3][3]);
long sum_static(int n, int a[static 8]);
/* Not arrays of known length: these keep no declared length. */
long sum_n(int n, int a[]);
long sum_vla(int n, int a[n]);
long sum_pointer(int *a);

#endif
