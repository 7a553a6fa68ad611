/* Small string and file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

bool st_str_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool st_str_endswith(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int st_read_file(st_buf *b, const char *path, size_t max, st_error **err)
{
    char tmp[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "util", "%s: %s", path, strerror(errno));
    st_buf_reset(b);
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = st_error_set(err, ST_EIO, "util", "%s: %s", path,
                              strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (b->len + (size_t)n > max) {
            rc = st_error_set(err, ST_ELIMIT, "util",
                              "%s: larger than %zu bytes", path, max);
            break;
        }
        if ((rc = st_buf_put(b, tmp, (size_t)n)) < 0) {
            rc = st_error_set(err, rc, "util", "%s: %s", path,
                              st_strerror(rc));
            break;
        }
    }
    close(fd);
    return rc;
}

size_t st_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c, need, cp, min;

    if (!n)
        return 0;
    c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < need + 1)
        return 0;
    for (unsigned i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need + 1;
}

size_t st_utf8_check(const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        size_t k = s[i] < 0x80 ? 1 : st_utf8_len(s + i, n - i);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

size_t st_text_check(const void *p, size_t n)
{
    size_t ok = st_utf8_check(p, n);
    const unsigned char *nul = memchr(p, 0, ok);
    return nul ? (size_t)(nul - (const unsigned char *)p) : ok;
}
