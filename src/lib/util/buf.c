/* st_buf: growable, bounded, always NUL-terminated byte buffer. */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "banned.h"

char st_buf__empty[1];

void st_buf_init(st_buf *b, size_t max)
{
    b->ptr = st_buf__empty;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
}

int st_buf_grow(st_buf *b, size_t extra)
{
    size_t want, n;
    char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return ST_ELIMIT;
    want = b->len + extra + 1;
    if (b->max && want - 1 > b->max)
        return ST_ELIMIT;
    if (want <= b->alloc)
        return 0;
    n = b->alloc ? b->alloc : 64;
    while (n < want)
        n = n > SIZE_MAX / 2 ? want : n * 2;
    if (b->max && b->max < SIZE_MAX && n > b->max + 1)
        n = b->max + 1;
    p = st_realloc(b->alloc ? b->ptr : NULL, n);
    if (!p)
        return ST_ENOMEM;
    if (!b->alloc)
        p[0] = 0;
    b->ptr = p;
    b->alloc = n;
    return 0;
}

int st_buf_put(st_buf *b, const void *data, size_t n)
{
    int rc = st_buf_grow(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->ptr + b->len, data, n);
    b->len += n;
    b->ptr[b->len] = 0;
    return 0;
}

int st_buf_puts(st_buf *b, const char *s)
{
    return st_buf_put(b, s, strlen(s));
}

int st_buf_putc(st_buf *b, char c)
{
    return st_buf_put(b, &c, 1);
}

int st_buf_vprintf(st_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n, rc;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return ST_EINVALID;
    if ((rc = st_buf_grow(b, (size_t)n)) < 0)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int st_buf_printf(st_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = st_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void st_buf_reset(st_buf *b)
{
    b->len = 0;
    if (b->alloc)
        b->ptr[0] = 0;
}

void st_buf_release(st_buf *b)
{
    if (b->alloc)
        st_free(b->ptr);
    b->ptr = st_buf__empty;
    b->len = b->alloc = 0;
}

char *st_buf_detach(st_buf *b, size_t *len_out)
{
    char *p;
    if (len_out)
        *len_out = b->len;
    if (!b->alloc) {
        p = st_malloc(1);
        if (p)
            p[0] = 0;
        return p;
    }
    p = b->ptr;
    b->ptr = st_buf__empty;
    b->len = b->alloc = 0;
    return p;
}
