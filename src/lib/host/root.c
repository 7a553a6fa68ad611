/* Every path of an audit is resolved inside its root: openat2 with
 * RESOLVE_IN_ROOT (Linux 5.6+) where the kernel has it, otherwise one
 * component at a time with O_NOFOLLOW, following symlinks by hand so an
 * absolute target restarts at the root and ".." stops there. Either way
 * a link in a mounted image never reads the auditing host's files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "host/host_int.h"
#include "util/banned.h"

#define MAX_LINKS 40
#define MAX_COMPONENTS 256

int st_host__root_open(st_host__root *r, const char *dir, st_error **err)
{
    struct stat st;
    r->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (r->fd < 0 || fstat(r->fd, &st) < 0) {
        int e = errno;
        if (r->fd >= 0)
            close(r->fd);
        r->fd = -1;
        return st_error_set(err, e == ENOENT ? ST_ENOTFOUND : ST_EIO, "host",
                            "%s: %s", dir, strerror(e));
    }
    return 0;
}

void st_host__root_close(st_host__root *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

/* Resolves `path` to (a directory fd the caller closes, a final name that
 * is not a symlink unless `nofollow`). */
static int resolve(const st_host__root *r, const char *path, bool nofollow,
                   int *parent_out, char *name, size_t name_size)
{
    int fds[MAX_COMPONENTS];
    size_t depth = 0;
    unsigned links = 0;
    char *rest = NULL, *cur;
    int rc = 0;
    size_t plen = strlen(path);

    fds[0] = r->fd;
    if (plen >= 4096 || !(rest = st_malloc(8192)))
        return plen >= 4096 ? -ENAMETOOLONG : -ENOMEM;
    memcpy(rest, path, plen + 1);
    cur = rest;
    snprintf(name, name_size, ".");
    for (;;) {
        char comp[256], target[4096];
        size_t k;
        bool last;
        int fd;
        struct stat st;
        ssize_t tl;

        while (*cur == '/')
            cur++;
        if (!*cur)
            break; /* the path named a directory: name stays "." */
        k = strcspn(cur, "/");
        if (k >= sizeof(comp)) {
            rc = -ENAMETOOLONG;
            goto done;
        }
        memcpy(comp, cur, k);
        comp[k] = 0;
        cur += k;
        while (*cur == '/')
            cur++;
        last = !*cur;
        snprintf(name, name_size, ".");
        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) {
            if (depth)
                close(fds[depth--]);
            continue;
        }
        if (last && nofollow) {
            snprintf(name, name_size, "%s", comp);
            break;
        }
        fd = openat(fds[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (last && errno == ENOENT) {
                snprintf(name, name_size, "%s", comp);
                break;
            }
            rc = -errno;
            goto done;
        }
        if (fstat(fd, &st) < 0) {
            rc = -errno;
            close(fd);
            goto done;
        }
        if (S_ISLNK(st.st_mode)) {
            size_t rl = strlen(cur);
            tl = readlinkat(fd, "", target, sizeof(target) - 1);
            close(fd);
            if (tl < 0 || ++links > MAX_LINKS) {
                rc = tl < 0 ? -errno : -ELOOP;
                goto done;
            }
            target[tl] = 0;
            if (target[0] == '/')
                while (depth)
                    close(fds[depth--]);
            /* the rest of the path now follows the link's target */
            if ((size_t)tl + 1 + rl + 1 > 8192) {
                rc = -ENAMETOOLONG;
                goto done;
            }
            memmove(rest + tl + 1, cur, rl + 1);
            memcpy(rest, target, (size_t)tl);
            rest[tl] = '/';
            cur = rest;
            continue;
        }
        if (last) {
            close(fd);
            snprintf(name, name_size, "%s", comp);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(fd);
            rc = -ENOTDIR;
            goto done;
        }
        if (depth + 1 == MAX_COMPONENTS) {
            close(fd);
            rc = -ENAMETOOLONG;
            goto done;
        }
        fds[++depth] = fd;
    }
    *parent_out = depth ? fds[depth] : dup(r->fd);
    if (*parent_out < 0)
        rc = -errno;
    else if (depth)
        depth--; /* handed to the caller */
done:
    while (depth)
        close(fds[depth--]);
    st_free(rest);
    return rc;
}

int st_host__open(const st_host__root *r, const char *path, int flags)
{
    char name[256];
    int parent = -1, fd, rc;

#ifdef SYS_openat2
    if (!r->no_openat2) {
        struct open_how how;
        memset(&how, 0, sizeof(how));
        how.flags = (unsigned long long)(flags | O_CLOEXEC);
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, r->fd, path, &how, sizeof(how));
        if (fd >= 0)
            return fd;
        if (errno != ENOSYS && errno != EPERM && errno != E2BIG)
            return -errno;
        /* no openat2 here (old kernel, seccomp): by hand */
    }
#endif
    rc = resolve(r, path, (flags & O_NOFOLLOW) != 0, &parent, name,
                 sizeof(name));
    if (rc < 0)
        return rc;
    fd = openat(parent, name, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ELOOP && !(flags & O_NOFOLLOW))
        errno = ELOOP;
    rc = fd < 0 ? -errno : fd;
    close(parent);
    return rc;
}

int st_host__stat(const st_host__root *r, const char *path, struct stat *st,
                  bool nofollow)
{
    int fd = st_host__open(r, path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
    int rc = 0;
    if (fd < 0)
        return fd;
    if (fstat(fd, st) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

bool st_host__exists(const st_host__root *r, const char *path)
{
    struct stat st;
    return st_host__stat(r, path, &st, true) == 0;
}

int st_host__read(const st_host__root *r, const char *path, st_buf *out,
                  size_t max, st_error **err)
{
    struct stat st;
    char chunk[8192];
    int rc = 0, fd;

    st_buf_reset(out);
    /* never open a device or a FIFO of a hostile root: look first */
    fd = st_host__stat(r, path, &st, false);
    if (fd == 0 && !S_ISREG(st.st_mode))
        return st_error_set(err, ST_EIO, "host", "%s: not a regular file",
                            path);
    if (fd == 0)
        fd = st_host__open(r, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return st_error_set(err, fd == -ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "host", "%s: %s", path, strerror(-fd));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = st_error_set(err, ST_EIO, "host", "%s: not a regular file",
                          path);
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = st_error_set(err, ST_EIO, "host", "%s: %s", path,
                              strerror(errno));
            goto done;
        }
        if (!n)
            break;
        if (out->len + (size_t)n > max) {
            rc = st_error_set(err, ST_ELIMIT, "host",
                              "%s: larger than %zu bytes", path, max);
            goto done;
        }
        if (st_buf_put(out, chunk, (size_t)n) < 0) {
            rc = st_error_set(err, ST_ENOMEM, "host", "out of memory");
            goto done;
        }
    }
done:
    close(fd);
    return rc;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int st_host__list(const st_host__root *r, const char *dir, st_arena *a,
                  const char ***names_out, size_t *n_out, size_t max)
{
    int fd = st_host__open(r, dir, O_RDONLY | O_DIRECTORY);
    DIR *d;
    struct dirent *e;
    st_vec v = ST_VEC_INIT;
    int rc = 0;

    *names_out = NULL;
    *n_out = 0;
    if (fd < 0)
        return 0;
    if (!(d = fdopendir(fd))) {
        close(fd);
        return 0;
    }
    while ((e = readdir(d)) && v.len < max) {
        char *s;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!(s = st_arena_strdup(a, e->d_name)) || st_vec_push(&v, s) < 0) {
            rc = ST_ENOMEM;
            goto done;
        }
    }
    qsort(v.items, v.len, sizeof(void *), cmpstr);
    if (v.len && !(*names_out = st_arena_memdup(a, v.items,
                                                v.len * sizeof(void *)))) {
        rc = ST_ENOMEM;
        goto done;
    }
    *n_out = v.len;
done:
    closedir(d);
    st_vec_release(&v);
    return rc;
}
