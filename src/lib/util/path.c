/* Path normalisation for paths that come from hostile archives. */
#include <string.h>

#include "util.h"
#include "banned.h"

int st_path_clean(st_buf *out, const char *path, size_t len)
{
    size_t i = 0;
    int rc;

    st_buf_reset(out);
    while (i < len) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t n = j - i;
        if (n == 0 || (n == 1 && path[i] == '.')) {
            /* empty or "." component */
        } else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
            char *slash;
            if (out->len == 0)
                return ST_EINVALID;
            slash = memrchr(out->ptr, '/', out->len);
            out->len = slash ? (size_t)(slash - out->ptr) : 0;
            out->ptr[out->len] = 0;
        } else {
            if (memchr(path + i, 0, n))
                return ST_EINVALID;
            if (out->len && (rc = st_buf_putc(out, '/')) < 0)
                return rc;
            if ((rc = st_buf_put(out, path + i, n)) < 0)
                return rc;
        }
        i = j + 1;
    }
    return 0;
}

int st_path_resolve_link(st_buf *out, const char *linkpath,
                         const char *target)
{
    st_buf tmp = ST_BUF_INIT(1 << 16);
    int rc;

    if (target[0] != '/') {
        const char *slash = strrchr(linkpath, '/');
        if (slash && (rc = st_buf_put(&tmp, linkpath,
                                      (size_t)(slash - linkpath))) < 0)
            goto done;
        if ((rc = st_buf_putc(&tmp, '/')) < 0)
            goto done;
    }
    if ((rc = st_buf_puts(&tmp, target)) < 0)
        goto done;
    /* ".." at the root stays at the root, as the kernel resolves it. */
    st_buf_reset(out);
    {
        const char *p = tmp.ptr;
        size_t len = tmp.len, i = 0;
        while (i < len) {
            size_t j = i;
            while (j < len && p[j] != '/')
                j++;
            size_t n = j - i;
            if (n == 0 || (n == 1 && p[i] == '.')) {
            } else if (n == 2 && p[i] == '.' && p[i + 1] == '.') {
                char *slash = out->len ? memrchr(out->ptr, '/', out->len)
                                       : NULL;
                out->len = slash ? (size_t)(slash - out->ptr) : 0;
                if (out->alloc)
                    out->ptr[out->len] = 0;
            } else {
                if (out->len && (rc = st_buf_putc(out, '/')) < 0)
                    goto done;
                if ((rc = st_buf_put(out, p + i, n)) < 0)
                    goto done;
            }
            i = j + 1;
        }
    }
    rc = 0;
done:
    st_buf_release(&tmp);
    return rc;
}
