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
