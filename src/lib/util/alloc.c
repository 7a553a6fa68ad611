/* Allocation wrappers: one place to inject failures in tests. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

static long fail_countdown; /* 0: never fail */

void st_alloc_fail_after(long n)
{
    fail_countdown = n;
}

static bool should_fail(void)
{
    if (fail_countdown <= 0)
        return false;
    return --fail_countdown == 0;
}

void *st_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *st_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *st_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void st_free(void *p)
{
    free(p);
}

char *st_strndup(const char *s, size_t n)
{
    char *d = st_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *st_strdup(const char *s)
{
    return s ? st_strndup(s, strlen(s)) : NULL;
}
