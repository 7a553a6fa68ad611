/* st_vec: a growable array of pointers. */
#include <stdlib.h>

#include "util.h"
#include "banned.h"

int st_vec_push(st_vec *v, void *item)
{
    if (v->len == v->alloc) {
        size_t n = v->alloc ? v->alloc * 2 : 16;
        void **p = st_realloc(v->items, n * sizeof(void *));
        if (!p)
            return ST_ENOMEM;
        v->items = p;
        v->alloc = n;
    }
    v->items[v->len++] = item;
    return 0;
}

void st_vec_release(st_vec *v)
{
    st_free(v->items);
    v->items = NULL;
    v->len = v->alloc = 0;
}

void st_vec_sort(st_vec *v, int (*cmp)(const void *a, const void *b))
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof(void *), cmp);
}
