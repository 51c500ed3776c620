/*
 * bitfields.h - bitfields of every base type, zero-width separators,
 * unnamed padding, fields spanning storage units, bitfields in unions and
 * in packed records.
 *
 * Used by tests/it/gcc_layout.rs, which finds each named bitfield's bit offset
 * and width in gcc by setting it to all ones in a zeroed object and scanning
 * the bytes.
 */
#ifndef WYVERN_FIXTURE_BITFIELDS_H
#define WYVERN_FIXTURE_BITFIELDS_H

struct flags {
    unsigned readable : 1;
    unsigned writable : 1;
    unsigned executable : 1;
    unsigned mode : 9;
    unsigned reserved : 20;
};

struct signed_bits {
    int small : 3;
    signed int medium : 10;
    int large : 19;
    int next_unit : 5;
};

struct bool_bits {
    _Bool a : 1;
    _Bool b : 1;
    char c;
    _Bool d : 1;
};

struct char_bits {
    char lo : 4;
    char hi : 4;
    unsigned char u : 7;
    signed char s : 3;
};

struct long_long_bits {
    unsigned long long low : 40;
    unsigned long long high : 24;
    long long sign : 33;
    long long rest : 31;
    char tail;
};

/* A zero-width bitfield closes the current storage unit. */
struct zero_width {
    int a : 3;
    int : 0;
    int b : 3;
    char c;
    long long : 0;
    int d : 2;
};

/* Unnamed bitfields take space but have no name (and cannot be assigned). */
struct unnamed_padding {
    unsigned first : 4;
    unsigned : 4;
    unsigned second : 8;
    unsigned : 3;
    unsigned third : 5;
};

/* Fields that do not fit in what is left of their unit start a new one. */
struct spanning {
    unsigned a : 30;
    unsigned b : 4;
    unsigned short c : 10;
    unsigned short d : 10;
    unsigned long long e : 60;
    unsigned long long f : 10;
};

struct mixed_bases {
    char c : 3;
    short s : 9;
    int i : 17;
    long long ll : 35;
    unsigned char after;
};

struct bits_then_fields {
    unsigned kind : 3;
    double value;
    unsigned short tag : 5;
    char name[3];
};

union bit_union {
    unsigned a : 3;
    unsigned long long b : 50;
    char c;
    struct {
        unsigned x : 4;
        unsigned y : 12;
    };
};

struct __attribute__((packed)) packed_bits {
    unsigned char a : 3;
    unsigned int b : 17;
    unsigned long long c : 40;
    char d;
};

struct packed_bit_field {
    char c;
    int x : 7 __attribute__((packed));
    int y : 30;
};

enum bit_color { BIT_RED, BIT_GREEN, BIT_BLUE };

struct enum_bits {
    enum bit_color color : 2;
    unsigned level : 4;
    char name;
};

#endif /* WYVERN_FIXTURE_BITFIELDS_H */
