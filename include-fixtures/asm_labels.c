/*
 * asm_labels.c - the definitions behind asm_labels.h (see there). Defining a
 * declared function defines its label's symbol.
 */
#include "asm_labels.h"

int labelled_add(int a, int b)
{
    return a + b + 1000;
}

int labelled_counter = 42;

int redirected_scale(int x)
{
    return x * 3;
}

int late_label(void)
{
    return 2;
}

int plain_sub(int a, int b)
{
    return a - b;
}

/*
 * The decoys: symbols under the plain C names, as glibc keeps the old `sscanf`
 * next to `__isoc99_sscanf`. C code cannot call them through the header.
 */
int decoy_add(int a, int b) __asm__("labelled_add");
int decoy_add(int a, int b)
{
    return a - b - 1000;
}

int decoy_counter __asm__("labelled_counter") = -7;

int decoy_scale(int x) __asm__("redirected_scale");
int decoy_scale(int x)
{
    return -x;
}

int decoy_late(void) __asm__("late_label");
int decoy_late(void)
{
    return -2;
}
