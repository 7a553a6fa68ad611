/* st_arena: a bump allocator. Blocks are chained and freed all at once. */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define BLOCK_SIZE (64 * 1024)

struct block {
    struct block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

struct st_arena {
    struct block *head;
    size_t total;
};

st_arena *st_arena_new(void)
{
    return st_calloc(1, sizeof(st_arena));
}

void st_arena_free(st_arena *a)
{
    if (!a)
        return;
    for (struct block *b = a->head, *n; b; b = n) {
        n = b->next;
        st_free(b);
    }
    st_free(a);
}

void *st_arena_alloc(st_arena *a, size_t n)
{
    struct block *b = a->head;
    size_t need = (n + 15) & ~(size_t)15;
    void *p;

    if (n > SIZE_MAX / 2)
        return NULL;
    if (!b || b->size - b->used < need) {
        size_t size = need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE;
        struct block *nb = st_malloc(sizeof(*nb) + size);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = size;
        if (b && size != BLOCK_SIZE) {
            /* A big one-off: keep the current block as the bump block. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        a->total += size;
        b = nb;
    }
    p = b->data + b->used;
    b->used += need;
    memset(p, 0, n);
    return p;
}

void *st_arena_memdup(st_arena *a, const void *src, size_t n)
{
    void *p = st_arena_alloc(a, n);
    if (p && n)
        memcpy(p, src, n);
    return p;
}

char *st_arena_strndup(st_arena *a, const char *s, size_t n)
{
    char *p = st_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

char *st_arena_strdup(st_arena *a, const char *s)
{
    return s ? st_arena_strndup(a, s, strlen(s)) : NULL;
}

char *st_arena_printf(st_arena *a, const char *fmt, ...)
{
    va_list ap, cp;
    int n;
    char *p;

    va_start(ap, fmt);
    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || !(p = st_arena_alloc(a, (size_t)n + 1))) {
        va_end(ap);
        return NULL;
    }
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t st_arena_size(const st_arena *a)
{
    return a->total;
}
