/*
 * packing.h - packed records and fields, #pragma pack, and over-aligned
 * records and members.
 *
 * Used by tests/it/gcc_layout.rs: gcc checks every size, alignment and offset.
 */
#ifndef WYVERN_FIXTURE_PACKING_H
#define WYVERN_FIXTURE_PACKING_H

struct __attribute__((packed)) packed_struct {
    char c;
    int i;
    short s;
    double d;
};

struct packed_fields {
    char c;
    int i __attribute__((packed));
    char c2;
    long long ll __attribute__((packed));
    short s;
};

union __attribute__((packed)) packed_union {
    char c;
    int i;
    double d;
};

struct contains_packed {
    char c;
    struct packed_struct p;
    int after;
};

#pragma pack(push, 1)
struct pragma_pack_1 {
    char c;
    int i;
    double d;
    short s;
};
#pragma pack(pop)

#pragma pack(push)
#pragma pack(2)
struct pragma_pack_2 {
    char c;
    int i;
    char c2;
    double d;
};
#pragma pack(pop)

#pragma pack(push, 4)
struct pragma_pack_4 {
    char c;
    double d;
    short s;
    long long ll;
};
#pragma pack(pop)

/* Back to natural alignment after the pops. */
struct after_pragma_pop {
    char c;
    double d;
};

struct __attribute__((aligned(16))) aligned_struct {
    int x;
};

struct aligned_field {
    char c;
    int x __attribute__((aligned(16)));
    char d;
};

struct __attribute__((aligned(64))) cache_line {
    int counter;
    char pad;
};

struct contains_overaligned {
    char c;
    struct cache_line line;
    short s;
    struct aligned_struct a;
};

typedef int aligned_int __attribute__((aligned(8)));

struct uses_aligned_typedef {
    char c;
    aligned_int i;
    char d;
    aligned_int j;
};

struct alignas_fields {
    char c;
    _Alignas(32) char wide;
    _Alignas(double) short s;
    char tail;
};

struct __attribute__((packed, aligned(4))) packed_and_aligned {
    char c;
    int i;
    char d;
};

#endif /* WYVERN_FIXTURE_PACKING_H */
