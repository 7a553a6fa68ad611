/* The layer walker. See walk.h and docs/internals/walk.md. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_int.h"
#include "pipeline.h"
#include "walk.h"
#include "util/banned.h"

#define MAX_ENTRIES 10000000ull /* per layer */
#define MAX_PATH_LEN 4096
#define MAX_LINK_HOPS 40
/* Real layers compress 2-10:1; past this ratio (and size) say so. */
#define SUSPICIOUS_RATIO 200
#define SUSPICIOUS_FLOOR (64ull << 20)

/* A path known from an upper layer (or the layer being walked). */
struct node {
    st_fsnode pub;
    bool whiteout;    /* deleted by ".wh.NAME" in layer pub.layer */
    int opaque_layer; /* ".wh..wh..opq" in that layer hides lower content;
                         -2 when not opaque */
};

struct st_walk {
    st_map *nodes; /* cleaned path -> struct node */
    st_arena *arena;
    st_buf path, tmp;
    int top; /* layer being walked */
    /* A rootfs walk keeps no map: the tree itself answers lookups, into
     * `scratch` (valid until the next lookup). */
    int root_fd;
    struct node scratch;
    char scratch_link[MAX_PATH_LEN + 1];
};

struct st_walk_content {
    struct archive *ar; /* tar entry */
    int fd;             /* rootfs file, opened on the first read; -1 */
    int dfd;            /* rootfs: its directory and name */
    const char *name;
    uint64_t size;
    bool size_known;    /* rootfs files learn it when opened (fstat) */
};

st_walk *st_walk_new(void)
{
    st_walk *w = st_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->nodes = st_map_new();
    w->arena = st_arena_new();
    st_buf_init(&w->path, MAX_PATH_LEN);
    st_buf_init(&w->tmp, MAX_PATH_LEN);
    w->root_fd = -1;
    if (!w->nodes || !w->arena) {
        st_walk_free(w);
        return NULL;
    }
    return w;
}

void st_walk_free(st_walk *w)
{
    if (!w)
        return;
    st_map_free(w->nodes);
    st_arena_free(w->arena);
    st_buf_release(&w->path);
    st_buf_release(&w->tmp);
    if (w->root_fd >= 0)
        close(w->root_fd);
    st_free(w);
}

/* ---- visibility --------------------------------------------------------- */

/* Is path (of layer `layer`) hidden by something an upper layer did to it
 * or to one of its parent directories? */
static bool hidden(st_walk *w, const char *path, size_t len, int layer)
{
    struct node *n = st_map_get(w->nodes, path, len);
    if (n && n->pub.layer > layer)
        return true;
    for (size_t i = len; i-- > 0;) {
        if (path[i] != '/')
            continue;
        n = st_map_get(w->nodes, path, i);
        if (!n)
            continue;
        if (n->pub.layer > layer &&
            (n->whiteout || n->pub.type != ST_ENTRY_DIR))
            return true;
        if (n->opaque_layer > layer)
            return true;
    }
    return false;
}

static struct node *node_at(st_walk *w, const char *path, size_t len,
                            bool *created)
{
    void **slot;
    if (st_map_slot(w->nodes, path, len, &slot, created) < 0)
        return NULL;
    if (*created) {
        struct node *n = st_arena_alloc(w->arena, sizeof(*n));
        if (!n)
            return NULL;
        n->opaque_layer = -2;
        *slot = n;
    }
    return *slot;
}

/* Records a whiteout marker found in `layer`. Returns 0 or ST_ENOMEM. */
static int record_whiteout(st_walk *w, const char *path, size_t len,
                           int layer)
{
    const char *base = memrchr(path, '/', len);
    size_t dirlen = base ? (size_t)(base - path) : 0;
    const char *name = base ? base + 1 : path;
    size_t namelen = len - (size_t)(name - path);
    bool created;
    struct node *n;

    if (namelen == 12 && !memcmp(name, ".wh..wh..opq", 12)) {
        n = node_at(w, path, dirlen, &created);
        if (!n)
            return ST_ENOMEM;
        if (created) {
            n->pub.type = ST_ENTRY_DIR;
            n->pub.layer = layer;
        }
        if (n->opaque_layer < layer)
            n->opaque_layer = layer;
        return 0;
    }
    /* ".wh.NAME": NAME in this directory is deleted from lower layers. */
    st_buf_reset(&w->tmp);
    if ((dirlen && (st_buf_put(&w->tmp, path, dirlen) < 0 ||
                    st_buf_putc(&w->tmp, '/') < 0)) ||
        st_buf_put(&w->tmp, name + 4, namelen - 4) < 0)
        return ST_ENOMEM;
    n = node_at(w, w->tmp.ptr, w->tmp.len, &created);
    if (!n)
        return ST_ENOMEM;
    if (created) {
        n->pub.layer = layer;
        n->whiteout = true;
    }
    return 0;
}

/* Records a visible entry so lower layers and lookups see it. */
static int record_entry(st_walk *w, const st_entry *e)
{
    bool created;
    struct node *n = node_at(w, e->path, e->path_len, &created);
    if (!n)
        return ST_ENOMEM;
    if (!created && !(n->whiteout && n->pub.layer == e->layer))
        return 0; /* a duplicate entry in the same layer */
    /* else: new, or re-created in the layer that deleted it */
    n->whiteout = false;
    n->pub.type = e->type;
    n->pub.layer = e->layer;
    n->pub.mode = e->mode;
    if (e->link && !(n->pub.link = st_arena_strdup(w->arena, e->link)))
        return ST_ENOMEM;
    return 0;
}

/* ---- content ------------------------------------------------------------ */

/* Opens a rootfs file. Most files of a tree are never read, so this
 * happens on the first read; its size comes from the open file then
 * (fstat needs no path lookup). */
static int content_open(st_walk_content *c)
{
    struct stat st;

    if (c->ar || c->fd >= 0)
        return 0;
    if (!c->name)
        return -1;
    c->fd = openat(c->dfd, c->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                                        O_NONBLOCK | O_NOCTTY);
    if (c->fd < 0)
        return -1;
    /* Only regular files have content (and this one may have been
     * replaced by something else since its directory was read). */
    if (fstat(c->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(c->fd);
        c->fd = -1;
        c->name = NULL;
        return -1;
    }
    if (!c->size_known) {
        c->size = (uint64_t)st.st_size;
        c->size_known = true;
    }
    return 0;
}

/* Reads up to cap bytes of the entry: from the tar or the rootfs file. */
static ssize_t read_some(st_walk_content *c, char *buf, size_t cap)
{
    if (c->ar) {
        la_ssize_t n = archive_read_data(c->ar, buf, cap);
        return n < 0 ? -1 : (ssize_t)n;
    }
    if (c->fd < 0 && content_open(c) < 0)
        return -1;
    for (;;) {
        ssize_t n = read(c->fd, buf, cap);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

/* Appends to out until EOF, `stop` bytes in all, or past max. */
static int read_into(st_walk_content *c, st_buf *out, uint64_t max,
                     uint64_t stop)
{
    int rc;
    while (out->len < stop) {
        ssize_t n;
        size_t room;
        if ((rc = st_buf_grow(out, 65536)) < 0)
            return rc;
        room = out->alloc - out->len - 1;
        if (stop - out->len < room)
            room = (size_t)(stop - out->len);
        n = read_some(c, out->ptr + out->len, room);
        if (n < 0) {
            st_buf_reset(out);
            return c->ar ? ST_EINVALID : ST_EIO;
        }
        if (n == 0)
            return 0;
        out->len += (size_t)n;
        out->ptr[out->len] = 0;
        if (out->len > max) {
            st_buf_reset(out);
            return ST_ELIMIT;
        }
    }
    return 0;
}

int st_walk_read_content(st_walk_content *c, st_buf *out, uint64_t max)
{
    int rc;

    st_buf_reset(out);
    if (content_open(c) < 0)
        return ST_EIO;
    if (c->size > max)
        return ST_ELIMIT;
    if ((rc = st_buf_grow(out, (size_t)c->size)) < 0)
        return rc;
    return read_into(c, out, max, UINT64_MAX);
}

int st_walk_read_head(st_walk_content *c, st_buf *out, size_t n)
{
    st_buf_reset(out);
    return read_into(c, out, UINT64_MAX, n);
}

int st_walk_read_rest(st_walk_content *c, st_buf *out, uint64_t max)
{
    int rc;
    if (c->size > max)
        return ST_ELIMIT;
    if (c->size > out->len && (rc = st_buf_grow(out, (size_t)(c->size - out->len))) < 0)
        return rc;
    return read_into(c, out, max, UINT64_MAX);
}

static void attrs_from_stat(st_entry *e, const struct stat *st)
{
    e->mode = st->st_mode & 07777;
    e->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
    e->uid = st->st_uid;
    e->gid = st->st_gid;
    e->attrs = true;
}

int st_walk_stat(st_walk_content *c, st_entry *e)
{
    struct stat st;

    if (e->attrs)
        return 0;
    if (c->fd >= 0 ? fstat(c->fd, &st) < 0
                   : fstatat(c->dfd, c->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return ST_EIO;
    attrs_from_stat(e, &st);
    if (S_ISREG(st.st_mode) && !c->size_known) {
        c->size = e->size;
        c->size_known = true;
    }
    return 0;
}

/* ---- tar layers --------------------------------------------------------- */

struct tarfeed {
    st_pipeline *pipe;
    const st_chunk *end; /* the END chunk once seen */
    st_sha256 *hash;     /* uncompressed stream */
    uint64_t bytes;
    const st_walk_options *opts;
    st_progress prog;
    uint64_t prog_base;  /* blob bytes of the layers already done */
    const uint8_t *last; /* the chunk libarchive holds */
    size_t last_len;
    bool after_end;      /* draining past the tar's end marker */
    uint64_t hidden;     /* non-zero bytes found after the end marker */
};

static uint64_t nonzero(const uint8_t *p, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += p[i] != 0;
    return c;
}

static la_ssize_t feed_read(struct archive *a, void *payload,
                            const void **buf)
{
    struct tarfeed *f = payload;
    const st_chunk *c;

    (void)a;
    if (f->end)
        return 0;
    c = st_pipeline_next(f->pipe);
    if (!c || c->kind == ST_CHUNK_END) {
        f->end = c;
        return 0;
    }
    st_sha256_update(f->hash, c->data, c->len);
    f->bytes += c->len;
    f->last = c->data;
    f->last_len = c->len;
    if (f->after_end)
        f->hidden += nonzero(c->data, c->len);
    if (f->opts->progress) {
        f->prog.bytes_done = f->prog_base + c->blob_bytes;
        f->opts->progress(&f->prog, f->opts->progress_payload);
    }
    *buf = c->data;
    return (la_ssize_t)c->len;
}

/* After the tar ends (or fails), the rest of the stream must still be
 * hashed: the diff_id covers every byte. */
static void feed_drain(struct tarfeed *f)
{
    const void *b;
    while (feed_read(NULL, f, &b) > 0)
        ;
}

static st_entry_type entry_type(struct archive_entry *ae)
{
    if (archive_entry_hardlink(ae))
        return ST_ENTRY_HARDLINK;
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG:
        return ST_ENTRY_FILE;
    case AE_IFDIR:
        return ST_ENTRY_DIR;
    case AE_IFLNK:
        return ST_ENTRY_SYMLINK;
    default:
        return ST_ENTRY_OTHER;
    }
}

static void diag(const st_walk_options *o, const char *path, int layer,
                 const char *fmt, const char *arg)
{
    char msg[512];
    if (!o->diag)
        return;
    snprintf(msg, sizeof(msg), fmt, arg);
    o->diag(o->payload, path, layer, msg);
}

/* Walks the tar of one layer. Returns 0, a negative code from a callback,
 * or ST_EINVALID with the reason in `why` for an unreadable tar. */
static int walk_tar(st_walk *w, struct tarfeed *f, int layer,
                    st_scan_stats *stats, char *why, size_t whylen)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    st_walk_content content = {NULL, -1, -1, NULL, 0, true};
    st_buf linkbuf = ST_BUF_INIT(MAX_PATH_LEN);
    uint64_t count = 0;
    int rc = 0, r;

    if (!a)
        return ST_ENOMEM;
    archive_read_support_format_tar(a);
    if (archive_read_open(a, f, NULL, feed_read, NULL) != ARCHIVE_OK) {
        snprintf(why, whylen, "tar: %s", archive_error_string(a));
        rc = ST_EINVALID;
        goto done;
    }
    content.ar = a;
    while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
           r == ARCHIVE_WARN) {
        const char *raw = archive_entry_pathname(ae);
        st_entry e;
        const char *base;

        if (++count > MAX_ENTRIES) {
            snprintf(why, whylen, "more than %llu entries",
                     (unsigned long long)MAX_ENTRIES);
            rc = ST_ELIMIT;
            goto done;
        }
        stats->entries++;
        if (!raw) {
            diag(f->opts, NULL, layer, "%s",
                 "tar entry with an unreadable name skipped");
            continue;
        }
        if (st_path_clean(&w->path, raw, strlen(raw)) < 0) {
            diag(f->opts, raw, layer, "%s",
                 "entry escapes the root (\"..\"): skipped");
            continue;
        }
        if (w->path.len == 0)
            continue; /* the root itself */
        base = memrchr(w->path.ptr, '/', w->path.len);
        base = base ? base + 1 : w->path.ptr;
        if (!strncmp(base, ".wh.", 4)) {
            if ((rc = record_whiteout(w, w->path.ptr, w->path.len, layer)))
                goto done;
            continue;
        }
        memset(&e, 0, sizeof(e));
        e.path = w->path.ptr;
        e.path_len = w->path.len;
        e.type = entry_type(ae);
        e.mode = (uint32_t)(archive_entry_mode(ae) & 07777);
        e.size = archive_entry_size_is_set(ae)
                     ? (uint64_t)archive_entry_size(ae)
                     : 0;
        e.uid = archive_entry_uid(ae);
        e.gid = archive_entry_gid(ae);
        e.attrs = true;
        e.layer = layer;
        if (e.type == ST_ENTRY_SYMLINK) {
            e.link = archive_entry_symlink(ae);
            if (!e.link)
                e.link = "";
        } else if (e.type == ST_ENTRY_HARDLINK) {
            const char *t = archive_entry_hardlink(ae);
            if (st_path_clean(&linkbuf, t, strlen(t)) < 0) {
                diag(f->opts, e.path, layer, "%s",
                     "hard link target escapes the root: skipped");
                continue;
            }
            e.link = linkbuf.ptr;
        }
        e.visible = !hidden(w, e.path, e.path_len, layer);
        if (e.visible && (rc = record_entry(w, &e)) < 0)
            goto done;
        content.size = e.size;
        if (f->opts->entry &&
            (rc = f->opts->entry(f->opts->payload, &e, &content)) < 0)
            goto done;
        rc = 0;
    }
    if (r == ARCHIVE_EOF) {
        /* Tar readers stop at the end marker; data after it is invisible
         * to them but still part of the layer: a place to hide things. */
        uint64_t consumed = (uint64_t)archive_filter_bytes(a, 0);
        uint64_t tail = f->bytes > consumed ? f->bytes - consumed : 0;
        if (f->last && tail <= f->last_len)
            f->hidden += nonzero(f->last + f->last_len - tail, (size_t)tail);
        f->after_end = true;
    } else {
        snprintf(why, whylen, "tar: %s",
                 archive_error_string(a) ? archive_error_string(a)
                                         : "unreadable archive");
        rc = ST_EINVALID;
    }
done:
    st_buf_release(&linkbuf);
    archive_read_free(a);
    return rc;
}

static int layer_error(st_error **err, const st_image *img, size_t i,
                       int code, const char *fmt, const char *arg)
{
    const st_layer_rt *l = &img->layers[i];
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, arg);
    return st_error_set(err, code, "walk", "layer %zu/%zu (%s): %s", i + 1,
                        img->info.layer_count, l->name, msg);
}

int st_walk_image(st_walk *w, st_image *img, const st_walk_options *opts,
                  st_scan_stats *stats, st_error **err)
{
    size_t n = img->info.layer_count;
    size_t *order = st_calloc(n ? n : 1, sizeof(size_t));
    st_pipeline *pipe = NULL;
    struct tarfeed f;
    st_pipeline_limits lim = {opts->max_layer_bytes, opts->max_ratio,
                              opts->single_thread};
    int rc = 0;

    memset(&f, 0, sizeof(f));
    if (!order || !(f.hash = st_sha256_new())) {
        rc = st_error_set(err, ST_ENOMEM, "walk", "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        order[k] = n - 1 - k; /* top layer first */
        if (img->layers[k].size > 0)
            f.prog.bytes_total += (uint64_t)img->layers[k].size;
    }
    f.opts = opts;
    f.prog.layers_total = (unsigned)n;
    if ((rc = st_pipeline_start(&pipe, img, order, n, &lim, err)) < 0)
        goto done;
    f.pipe = pipe;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const st_layer_rt *l = &img->layers[i];
        char why[512] = "";
        char diff_id[72];
        int trc;

        f.end = NULL;
        f.bytes = 0;
        f.last = NULL;
        f.last_len = 0;
        f.after_end = false;
        f.hidden = 0;
        st_sha256_reset(f.hash);
        w->top = (int)i;
        trc = walk_tar(w, &f, (int)i, stats, why, sizeof(why));
        if (trc == ST_ENOMEM || trc == ST_EABORT ||
            (trc < 0 && trc != ST_EINVALID && trc != ST_ELIMIT)) {
            rc = trc == ST_ENOMEM
                     ? st_error_set(err, ST_ENOMEM, "walk", "out of memory")
                     : layer_error(err, img, i, trc, "%s", "walk aborted");
            goto done;
        }
        feed_drain(&f);
        if (!f.end) {
            rc = layer_error(err, img, i, ST_EIO, "%s", "stream ended early");
            goto done;
        }
        st_sha256_final(f.hash, diff_id);
        stats->layers++;
        stats->bytes_compressed += f.end->blob_size;
        stats->bytes_uncompressed += f.bytes;
        /* Digests first: tampering explains any other failure. A stream
         * (a registry download) verifies its own digest and says so. */
        if (f.end->err == ST_EIO || f.end->err == ST_ENOTFOUND ||
            f.end->err == ST_ENOMEM || f.end->err == ST_EDIGEST) {
            rc = layer_error(err, img, i, f.end->err, "%s", f.end->why);
            goto done;
        }
        if (l->digest && strcmp(f.end->digest, l->digest)) {
            rc = st_error_set(err, ST_EDIGEST, "walk",
                              "layer %zu/%zu %s does not match its digest "
                              "(read %s): image tampered or corrupt",
                              i + 1, n, l->digest, f.end->digest);
            goto done;
        }
        if (l->size >= 0 && f.end->blob_size != (uint64_t)l->size) {
            rc = st_error_set(err, ST_EDIGEST, "walk",
                              "layer %zu/%zu %s is %llu bytes, the manifest "
                              "says %lld: image tampered or corrupt",
                              i + 1, n, l->name,
                              (unsigned long long)f.end->blob_size,
                              (long long)l->size);
            goto done;
        }
        if (f.end->err) {
            rc = layer_error(err, img, i, f.end->err, "%s", f.end->why);
            goto done;
        }
        if (l->diff_id && strcmp(diff_id, l->diff_id)) {
            rc = st_error_set(err, ST_EDIGEST, "walk",
                              "layer %zu/%zu diff_id %s does not match its "
                              "digest (read %s): image tampered or corrupt",
                              i + 1, n, l->diff_id, diff_id);
            goto done;
        }
        if (trc < 0) {
            rc = layer_error(err, img, i, trc, "%s", why);
            goto done;
        }
        if (f.hidden) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "%llu non-zero bytes after the end of the tar archive: "
                     "hidden from tar readers",
                     (unsigned long long)f.hidden);
            diag(opts, NULL, (int)i, "%s", msg);
        }
        if (f.bytes > SUSPICIOUS_FLOOR && f.end->blob_size &&
            f.bytes / f.end->blob_size >= SUSPICIOUS_RATIO) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "layer expands %llu:1 when decompressed (%llu MB): "
                     "possible decompression bomb",
                     (unsigned long long)(f.bytes / f.end->blob_size),
                     (unsigned long long)(f.bytes >> 20));
            diag(opts, NULL, (int)i, "%s", msg);
        }
        f.prog_base += f.end->blob_size;
        f.prog.layers_done++;
        if (opts->progress) {
            f.prog.bytes_done = f.prog_base;
            opts->progress(&f.prog, opts->progress_payload);
        }
    }
done:
    st_pipeline_free(pipe);
    st_sha256_free(f.hash);
    st_free(order);
    return rc;
}

/* ---- rootfs directories ------------------------------------------------- */

struct dirwalk {
    st_walk *w;
    const st_walk_options *opts;
    st_scan_stats *stats;
    st_buf rel;
    uint64_t count;
    int rc;
};

static int walk_dirfd(struct dirwalk *d, int dfd, unsigned depth);

static int dir_entry(struct dirwalk *d, int dfd, const char *name,
                     unsigned char dtype, unsigned depth)
{
    struct stat st;
    st_entry e;
    char linkbuf[MAX_PATH_LEN + 1];
    st_walk_content content = {NULL, -1, dfd, name, 0, false};
    size_t save = d->rel.len;
    int rc = 0;

    if (++d->count > MAX_ENTRIES)
        return ST_ELIMIT;
    memset(&e, 0, sizeof(e));
    /* The directory says what most entries are; only the rest need a
     * stat now (the others get one if an analyzer asks: st_walk_stat). */
    switch (dtype) {
    case DT_REG: e.type = ST_ENTRY_FILE; break;
    case DT_DIR: e.type = ST_ENTRY_DIR; break;
    case DT_LNK: e.type = ST_ENTRY_SYMLINK; break;
    default:
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return 0; /* vanished */
        attrs_from_stat(&e, &st);
        if (S_ISREG(st.st_mode)) {
            e.type = ST_ENTRY_FILE;
            content.size = e.size;
            content.size_known = true;
        } else if (S_ISDIR(st.st_mode))
            e.type = ST_ENTRY_DIR;
        else if (S_ISLNK(st.st_mode))
            e.type = ST_ENTRY_SYMLINK;
        else
            e.type = ST_ENTRY_OTHER;
    }
    d->stats->entries++;
    if ((d->rel.len && st_buf_putc(&d->rel, '/') < 0) ||
        st_buf_puts(&d->rel, name) < 0) {
        diag(d->opts, d->rel.ptr, -1, "%s", "path too long: skipped");
        goto done;
    }
    e.path = d->rel.ptr;
    e.path_len = d->rel.len;
    e.layer = -1;
    e.visible = true;
    if (e.type == ST_ENTRY_SYMLINK) {
        ssize_t n = readlinkat(dfd, name, linkbuf, MAX_PATH_LEN);
        if (n < 0)
            goto done; /* vanished or replaced */
        linkbuf[n] = 0;
        e.link = linkbuf;
    }
    if (d->opts->entry)
        rc = d->opts->entry(d->opts->payload, &e, &content);
    if (content.fd >= 0)
        close(content.fd);
    if (rc < 0)
        goto done;
    if (rc == ST_WALK_SKIP) {
        rc = 0;
        goto done; /* not below this directory */
    }
    if (e.type == ST_ENTRY_DIR) {
        int sub;
        if (depth > 256) {
            diag(d->opts, d->rel.ptr, -1, "%s", "too deep: skipped");
            goto done;
        }
        sub = openat(dfd, name,
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            diag(d->opts, d->rel.ptr, -1, "cannot open directory: %s",
                 strerror(errno));
            goto done;
        }
        rc = walk_dirfd(d, sub, depth + 1);
    }
done:
    d->rel.len = save;
    d->rel.ptr[save] = 0;
    return rc;
}

static int walk_dirfd(struct dirwalk *d, int dfd, unsigned depth)
{
    DIR *dir = fdopendir(dfd);
    struct dirent *de;
    int rc = 0;

    if (!dir) {
        close(dfd);
        return 0;
    }
    while ((de = readdir(dir))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        /* A live root's virtual filesystems are not part of an image. */
        if (depth == 0 && (!strcmp(de->d_name, "proc") ||
                           !strcmp(de->d_name, "sys")))
            continue;
        if ((rc = dir_entry(d, dirfd(dir), de->d_name, de->d_type,
                            depth)) < 0)
            break;
    }
    closedir(dir);
    return rc;
}

int st_walk_dir(st_walk *w, const char *root, const st_walk_options *opts,
                st_scan_stats *stats, st_error **err)
{
    struct dirwalk d = {w, opts, stats, ST_BUF_INIT(MAX_PATH_LEN), 0, 0};
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "walk", "%s: %s", root, strerror(errno));
    w->top = -1;
    if (w->root_fd >= 0)
        close(w->root_fd);
    if ((w->root_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        close(fd);
        return st_error_set(err, ST_EIO, "walk", "%s: %s", root,
                            strerror(errno));
    }
    rc = walk_dirfd(&d, fd, 0);
    st_buf_release(&d.rel);
    stats->layers = 1;
    if (rc == ST_ELIMIT)
        return st_error_set(err, rc, "walk", "%s: more than %llu entries",
                            root, (unsigned long long)MAX_ENTRIES);
    if (rc < 0)
        return st_error_set(err, rc, "walk", "%s: %s", root,
                            st_strerror(rc));
    return 0;
}

/* ---- lookups in the merged filesystem ----------------------------------- */

/* A rootfs lookup. Every component before the last must be a real
 * directory, so the kernel follows no symlink (which could lead out of
 * the tree): callers resolve links themselves, one component at a time. */
static const struct node *tree_node(st_walk *w, const char *p, size_t n)
{
    struct node *nd = &w->scratch;
    struct stat st;

    st_buf_reset(&w->tmp);
    if (st_buf_put(&w->tmp, p, n) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int bad;
        if (w->tmp.ptr[i] != '/')
            continue;
        w->tmp.ptr[i] = 0;
        bad = fstatat(w->root_fd, w->tmp.ptr, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
              !S_ISDIR(st.st_mode);
        w->tmp.ptr[i] = '/';
        if (bad)
            return NULL;
    }
    if (fstatat(w->root_fd, w->tmp.ptr, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return NULL;
    memset(nd, 0, sizeof(*nd));
    nd->pub.layer = -1;
    nd->pub.mode = st.st_mode & 07777;
    nd->pub.type = S_ISREG(st.st_mode)   ? ST_ENTRY_FILE
                   : S_ISDIR(st.st_mode) ? ST_ENTRY_DIR
                   : S_ISLNK(st.st_mode) ? ST_ENTRY_SYMLINK
                                         : ST_ENTRY_OTHER;
    if (nd->pub.type == ST_ENTRY_SYMLINK) {
        ssize_t len = readlinkat(w->root_fd, w->tmp.ptr, w->scratch_link,
                                 MAX_PATH_LEN);
        if (len < 0)
            return NULL;
        w->scratch_link[len] = 0;
        nd->pub.link = w->scratch_link;
    }
    return nd;
}

static const struct node *visible_node(st_walk *w, const char *p, size_t n)
{
    const struct node *nd;
    if (w->root_fd >= 0)
        return tree_node(w, p, n);
    nd = st_map_get(w->nodes, p, n);
    return nd && !nd->whiteout ? nd : NULL;
}

const st_fsnode *st_walk_lookup(st_walk *w, const char *path, bool follow,
                                st_buf *resolved)
{
    st_buf cur = ST_BUF_INIT(MAX_PATH_LEN), rest = ST_BUF_INIT(MAX_PATH_LEN);
    const struct node *nd = NULL;
    unsigned hops = 0;

    if (!follow) {
        nd = visible_node(w, path, strlen(path));
        if (resolved && nd) {
            st_buf_reset(resolved);
            st_buf_puts(resolved, path);
        }
        return nd ? &nd->pub : NULL;
    }
    /* Resolve component by component: cur is resolved, rest is not. */
    if (st_path_clean(&rest, path, strlen(path)) < 0)
        goto miss;
    while (rest.len) {
        const char *slash = memchr(rest.ptr, '/', rest.len);
        size_t clen = slash ? (size_t)(slash - rest.ptr) : rest.len;
        size_t save = cur.len;

        if ((cur.len && st_buf_putc(&cur, '/') < 0) ||
            st_buf_put(&cur, rest.ptr, clen) < 0)
            goto miss;
        /* drop the component from rest */
        memmove(rest.ptr, rest.ptr + clen + (slash ? 1 : 0),
                rest.len - clen - (slash ? 1 : 0));
        rest.len -= clen + (slash ? 1 : 0);
        rest.ptr[rest.len] = 0;

        nd = visible_node(w, cur.ptr, cur.len);
        if (!nd)
            goto miss;
        if (nd->pub.type == ST_ENTRY_SYMLINK) {
            st_buf target = ST_BUF_INIT(MAX_PATH_LEN);
            int bad;
            if (++hops > MAX_LINK_HOPS)
                goto miss;
            cur.len = save;
            cur.ptr[cur.len] = 0;
            /* Join the link target (relative to the link's directory) with
             * what is left to resolve, then start over from the root. */
            if (nd->pub.link[0] != '/' && cur.len)
                bad = st_buf_put(&target, cur.ptr, cur.len) < 0 ||
                      st_buf_putc(&target, '/') < 0;
            else
                bad = 0;
            bad = bad || st_buf_puts(&target, nd->pub.link) < 0 ||
                  (rest.len && (st_buf_putc(&target, '/') < 0 ||
                                st_buf_put(&target, rest.ptr, rest.len) < 0));
            if (bad || st_path_resolve_link(&rest, "", target.ptr) < 0) {
                st_buf_release(&target);
                goto miss;
            }
            st_buf_release(&target);
            st_buf_reset(&cur);
        }
    }
    if (!nd)
        goto miss;
    if (resolved) {
        st_buf_reset(resolved);
        st_buf_put(resolved, cur.ptr, cur.len);
    }
    st_buf_release(&cur);
    st_buf_release(&rest);
    return &nd->pub;
miss:
    st_buf_release(&cur);
    st_buf_release(&rest);
    return NULL;
}
