/* The content-addressed blob cache: <dir>/blobs/sha256/<hex>, written as
 * "<hex>.partXXXXXX" beside it and renamed into place only once the blob's
 * digest matched, so every file under its final name has been verified. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/registry_int.h"
#include "util/banned.h"

#define MODULE   ST_REG_MODULE
#define MAX_PATH 4096

static const char *hex_of(const char *digest)
{
    if (!digest || !st_digest_valid(digest) ||
        !st_str_startswith(digest, "sha256:"))
        return NULL;
    return digest + 7;
}

/* mkdir -p for <cache>/blobs/sha256; 0755. */
static int make_dirs(const char *cache_dir, st_buf *dir)
{
    static const char *const parts[] = {"", "/blobs", "/blobs/sha256"};
    for (size_t i = 0; i < 3; i++) {
        st_buf_reset(dir);
        if (st_buf_printf(dir, "%s%s", cache_dir, parts[i]) < 0)
            return ST_ENOMEM;
        if (mkdir(dir->ptr, 0755) < 0 && errno != EEXIST)
            return ST_EIO;
    }
    return 0;
}

int st_blobcache__begin(const char *cache_dir, const char *digest,
                        char **path_out, int *fd_out, st_error **err)
{
    st_buf dir = ST_BUF_INIT(MAX_PATH), path = ST_BUF_INIT(MAX_PATH);
    const char *hex = hex_of(digest);
    int fd = -1, rc = 0;

    *path_out = NULL;
    *fd_out = -1;
    if (!hex || !cache_dir || !*cache_dir)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "blob cache: a directory and a sha256 digest");
    if ((rc = make_dirs(cache_dir, &dir)) < 0) {
        rc = st_error_set(err, rc, MODULE, "blob cache %s: %s", dir.ptr,
                          rc == ST_EIO ? strerror(errno) : st_strerror(rc));
        goto done;
    }
    if (st_buf_printf(&path, "%s/%s.partXXXXXX", dir.ptr, hex) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    if ((fd = mkostemp(path.ptr, O_CLOEXEC)) < 0 || fchmod(fd, 0644) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "blob cache %s: %s", path.ptr,
                          strerror(errno));
        if (fd >= 0) {
            close(fd);
            (void)unlink(path.ptr);
        }
        goto done;
    }
    *fd_out = fd;
    *path_out = st_buf_detach(&path, NULL);
done:
    st_buf_release(&dir);
    st_buf_release(&path);
    return rc;
}

int st_blobcache__commit(const char *cache_dir, const char *digest,
                         const char *tmp_path, int fd, st_error **err)
{
    st_buf dir = ST_BUF_INIT(MAX_PATH), path = ST_BUF_INIT(MAX_PATH);
    const char *hex = hex_of(digest);
    int dfd = -1, rc = 0;

    if (fsync(fd) < 0) {
        close(fd);
        rc = st_error_set(err, ST_EIO, MODULE, "blob cache %s: %s", tmp_path,
                          strerror(errno));
        goto done;
    }
    if (close(fd) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "blob cache %s: %s", tmp_path,
                          strerror(errno));
        goto done;
    }
    if (!hex || st_buf_printf(&dir, "%s/blobs/sha256", cache_dir) < 0 ||
        st_buf_printf(&path, "%s/%s", dir.ptr, hex) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    if (rename(tmp_path, path.ptr) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "blob cache %s: %s", path.ptr,
                          strerror(errno));
        goto done;
    }
    /* The rename is durable once the directory is. */
    if ((dfd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
done:
    if (rc < 0)
        (void)unlink(tmp_path);
    st_buf_release(&dir);
    st_buf_release(&path);
    return rc;
}

int st_blobcache_open(const char *cache_dir, const char *digest,
                      uint64_t *size_out)
{
    st_buf path = ST_BUF_INIT(MAX_PATH);
    const char *hex = hex_of(digest);
    struct stat st;
    int fd = -1;

    if (size_out)
        *size_out = 0;
    if (!hex || !cache_dir || !*cache_dir ||
        st_buf_printf(&path, "%s/blobs/sha256/%s", cache_dir, hex) < 0)
        goto done;
    fd = open(path.ptr, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0 && size_out)
        *size_out = (uint64_t)st.st_size;
done:
    st_buf_release(&path);
    return fd;
}
