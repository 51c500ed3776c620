/*
 * arrays.c - the definitions behind arrays.h. Each reads (or writes) the whole
 * array its parameter is declared as, so a short argument would show.
 */
#include "arrays.h"

void fill_uuid(uuid_t out)
{
    for (int i = 0; i < 16; i++)
        out[i] = (unsigned char)(i + 1);
}

int sum_uuid(const uuid_t uu)
{
    int sum = 0;
    for (int i = 0; i < 16; i++)
        sum += uu[i];
    return sum;
}

int compare_uuid(const uuid_t a, const uuid_t b)
{
    for (int i = 0; i < 16; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

int nonzero_from(const uuid_t uu, int from)
{
    int count = 0;
    for (int i = from; i < 16; i++)
        count += uu[i] != 0;
    return count;
}

int text_in(const char name[8])
{
    int length = 0;
    while (length < 8 && name[length])
        length++;
    int after = 0;
    for (int i = length + 1; i < 8; i++)
        after += name[i] != 0;
    return 100 * length + after;
}

long sum4(int a[4])
{
    return (long)a[0] + a[1] + a[2] + a[3];
}

double trace3(double m[3][3])
{
    return m[0][0] + m[1][1] + m[2][2];
}

long sum_static(int n, int a[static 8])
{
    long sum = n;
    for (int i = 0; i < 8; i++)
        sum += a[i];
    return sum;
}

long sum_n(int n, int a[])
{
    long sum = 0;
    for (int i = 0; i < n; i++)
        sum += a[i];
    return sum;
}

long sum_vla(int n, int a[n])
{
    return sum_n(n, a);
}

long sum_pointer(int *a)
{
    return *a;
}
