/* walk: real OCI layouts built in a temp dir from layer tars written with
 * libarchive, walked top layer first; whiteouts, opaque directories,
 * hostile paths, links, digests and the threaded pipeline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "image/image_int.h"
#include "strata/image.h"
#include "strata/scan.h"
#include "util/util.h"
#include "walk/walk.h"

/* ---- building layers ---------------------------------------------------- */

typedef struct tent {
    char type;        /* 'f' file, 'd' dir, 's' symlink, 'h' hardlink, 'F' big
                         pseudo-random file of `size` bytes */
    const char *path;
    const char *data; /* content, or link target */
    size_t size;
} tent;

static la_ssize_t to_buf(struct archive *a, void *p, const void *b, size_t n)
{
    (void)a;
    return st_buf_put(p, b, n) == 0 ? (la_ssize_t)n : -1;
}

static void make_tar(st_buf *out, const tent *ents, size_t n)
{
    struct archive *a = archive_write_new();
    st_buf_reset(out);
    assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open(a, out, NULL, to_buf, NULL),
                     ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        const tent *t = &ents[i];
        uint8_t *big = NULL;
        size_t len = 0;
        archive_entry_set_pathname(e, t->path);
        archive_entry_set_mtime(e, 1700000000, 0);
        switch (t->type) {
        case 'd':
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
            break;
        case 's':
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, t->data);
            break;
        case 'h':
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_hardlink(e, t->data);
            break;
        case 'F': {
            uint32_t x = 2463534242u;
            big = malloc(t->size);
            for (size_t k = 0; k < t->size; k++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                big[k] = (uint8_t)(k % 3 ? x : 'a' + k % 26);
            }
            len = t->size;
        }
            /* fall through */
        default:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 04755);
            if (!big)
                len = t->data ? strlen(t->data) : 0;
            archive_entry_set_size(e, (la_int64_t)len);
            break;
        }
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (len)
            assert_int_equal(archive_write_data(a, big ? (void *)big
                                                       : (void *)t->data,
                                                len),
                             (la_ssize_t)len);
        free(big);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static void gzip_buf(st_buf *out, const void *in, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    st_buf_reset(out);
    assert_int_equal(st_buf_grow(out, deflateBound(&z, n) + 64), 0);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->ptr;
    z.avail_out = (uInt)(out->alloc - 1);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len = z.total_out;
    deflateEnd(&z);
}

static void zstd_buf(st_buf *out, const void *in, size_t n)
{
    size_t cap = ZSTD_compressBound(n), r;
    st_buf_reset(out);
    assert_int_equal(st_buf_grow(out, cap), 0);
    r = ZSTD_compress(out->ptr, cap, in, n, 3);
    assert_false(ZSTD_isError(r));
    out->len = r;
}

/* ---- building OCI layouts ---------------------------------------------- */

enum { C_NONE, C_GZIP, C_ZSTD };

typedef struct layer {
    const tent *ents;
    size_t n;
    int comp;
} lspec;

enum {
    F_TAMPER_BLOB = 1,    /* layer 0's blob no longer matches its digest */
    F_BAD_DIFF_ID = 2,    /* layer 0's diff_id is wrong */
    F_TRUNCATE_GZIP = 4,  /* layer 0's gzip stream is cut (digest fits) */
};

static void write_file(const char *dir, const char *name, const void *d,
                       size_t n)
{
    char p[4096];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

static void put_blob(const char *dir, const void *d, size_t n,
                     char digest[72])
{
    char name[128];
    st_sha256_hex(d, n, digest);
    snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
    write_file(dir, name, d, n);
}

static char *make_layout(const lspec *ls, size_t n, unsigned flags)
{
    char tmpl[] = "/tmp/st-walk-XXXXXX", p[4096];
    char *dir = strdup(mkdtemp(tmpl));
    st_buf tar = ST_BUF_INIT(0), blob = ST_BUF_INIT(0);
    st_buf cfg = ST_BUF_INIT(0), man = ST_BUF_INIT(0), idx = ST_BUF_INIT(0);
    char cdig[72], mdig[72];
    st_buf layers = ST_BUF_INIT(0), ids = ST_BUF_INIT(0);

    snprintf(p, sizeof(p), "%s/blobs", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
    mkdir(p, 0755);
    write_file(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    for (size_t i = 0; i < n; i++) {
        char dig[72], diff[72];
        const char *mt;
        make_tar(&tar, ls[i].ents, ls[i].n);
        st_sha256_hex(tar.ptr, tar.len, diff);
        if (i == 0 && (flags & F_BAD_DIFF_ID))
            st_sha256_hex("not the tar", 11, diff);
        if (ls[i].comp == C_GZIP) {
            gzip_buf(&blob, tar.ptr, tar.len);
            mt = "application/vnd.oci.image.layer.v1.tar+gzip";
        } else if (ls[i].comp == C_ZSTD) {
            zstd_buf(&blob, tar.ptr, tar.len);
            mt = "application/vnd.oci.image.layer.v1.tar+zstd";
        } else {
            st_buf_reset(&blob);
            st_buf_put(&blob, tar.ptr, tar.len);
            mt = "application/vnd.oci.image.layer.v1.tar";
        }
        if (i == 0 && (flags & F_TRUNCATE_GZIP))
            blob.len = blob.len / 2;
        put_blob(dir, blob.ptr, blob.len, dig);
        if (i == 0 && (flags & F_TAMPER_BLOB)) {
            char name[128];
            blob.ptr[blob.len / 2] ^= 1;
            snprintf(name, sizeof(name), "blobs/sha256/%s", dig + 7);
            write_file(dir, name, blob.ptr, blob.len);
        }
        st_buf_printf(&layers, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\","
                      "\"size\":%zu}", i ? "," : "", mt, dig, blob.len);
        st_buf_printf(&ids, "%s\"%s\"", i ? "," : "", diff);
    }
    st_buf_printf(&cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\","
                  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
                  ids.ptr);
    put_blob(dir, cfg.ptr, cfg.len, cdig);
    st_buf_printf(&man, "{\"schemaVersion\":2,\"mediaType\":\"application/"
                  "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                  "\"application/vnd.oci.image.config.v1+json\",\"digest\":"
                  "\"%s\",\"size\":%zu},\"layers\":[%s]}",
                  cdig, cfg.len, layers.ptr);
    put_blob(dir, man.ptr, man.len, mdig);
    st_buf_printf(&idx, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                  "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":"
                  "\"%s\",\"size\":%zu}]}", mdig, man.len);
    write_file(dir, "index.json", idx.ptr, idx.len);
    st_buf_release(&tar);
    st_buf_release(&blob);
    st_buf_release(&cfg);
    st_buf_release(&man);
    st_buf_release(&idx);
    st_buf_release(&layers);
    st_buf_release(&ids);
    return dir;
}

static void rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- walking ------------------------------------------------------------ */

typedef struct rec {
    char path[512];
    int layer;
    bool visible;
    st_entry_type type;
    char link[256];
    char sha[72];
} rec;

typedef struct walkrec {
    rec *r;
    size_t n, cap;
    char diags[8192];
    bool read_content;
} walkrec;

static int on_entry(void *payload, const st_entry *e, st_walk_content *c)
{
    walkrec *w = payload;
    rec *r;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->r = realloc(w->r, w->cap * sizeof(rec));
    }
    r = &w->r[w->n++];
    memset(r, 0, sizeof(*r));
    assert_int_equal(strlen(e->path), e->path_len);
    snprintf(r->path, sizeof(r->path), "%s", e->path);
    r->layer = e->layer;
    r->visible = e->visible;
    r->type = e->type;
    if (e->link)
        snprintf(r->link, sizeof(r->link), "%s", e->link);
    if (w->read_content && e->type == ST_ENTRY_FILE) {
        st_buf b = ST_BUF_INIT(0);
        assert_int_equal(st_walk_read_content(c, &b, 1u << 30), 0);
        assert_int_equal(b.len, e->size);
        st_sha256_hex(b.ptr, b.len, r->sha);
        st_buf_release(&b);
    }
    return 0;
}

static void on_diag(void *payload, const char *path, int layer,
                    const char *msg)
{
    walkrec *w = payload;
    size_t l = strlen(w->diags);
    snprintf(w->diags + l, sizeof(w->diags) - l, "[%d] %s: %s\n", layer,
             path ? path : "(null)", msg);
}

static const rec *find(const walkrec *w, const char *path, int layer)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->r[i].path, path) && w->r[i].layer == layer)
            return &w->r[i];
    return NULL;
}

/* Opens dir as "oci:DIR" and walks it; returns the walk's rc. */
static int walk_layout(const char *dir, walkrec *wr, bool single,
                       st_walk **wout, st_error **err)
{
    st_image *img = NULL;
    st_walk *w = st_walk_new();
    st_scan_stats stats;
    st_walk_options o;
    char ref[4200];
    int rc;

    memset(&stats, 0, sizeof(stats));
    memset(&o, 0, sizeof(o));
    o.entry = on_entry;
    o.diag = on_diag;
    o.payload = wr;
    o.max_layer_bytes = 1ull << 32;
    o.max_ratio = 2000;
    o.single_thread = single;
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    rc = st_image_open(&img, ref, NULL, err);
    assert_int_equal(rc, 0);
    rc = st_walk_image(w, img, &o, &stats, err);
    if (rc == 0)
        assert_int_equal(stats.layers, img->info.layer_count);
    st_image_free(img);
    if (wout)
        *wout = w;
    else
        st_walk_free(w);
    return rc;
}

#define EXPECT(w, path, layer, vis)                                         \
    do {                                                                    \
        const rec *r_ = find(w, path, layer);                               \
        if (!r_)                                                            \
            fail_msg("no entry %s in layer %d", path, layer);               \
        if (r_->visible != (vis))                                           \
            fail_msg("%s (layer %d): visible=%d, want %d", path, layer,    \
                     r_->visible, vis);                                     \
    } while (0)

static void test_walk__whiteouts(void **state)
{
    (void)state;
    static const tent l0[] = {
        {'d', "etc", NULL, 0},          {'f', "etc/a", "lower a", 0},
        {'f', "etc/b", "lower b", 0},   {'d', "d", NULL, 0},
        {'f', "d/x", "x", 0},           {'d', "d/sub", NULL, 0},
        {'f', "d/sub/y", "y", 0},       {'d', "keep", NULL, 0},
        {'f', "keep/k", "k", 0},        {'d', "r", NULL, 0},
        {'f', "r/z", "z", 0},           {'f', "plain", "p", 0},
    };
    static const tent l1[] = {
        {'f', "etc/.wh.a", "", 0},
        {'f', ".wh.d", "", 0},
        {'d', "keep", NULL, 0},      /* not opaque: lower children stay */
        {'f', "keep/u", "u", 0},
        {'f', "r", "now a file", 0}, /* replaces a directory */
    };
    lspec ls[] = {{l0, sizeof(l0) / sizeof(l0[0]), C_GZIP},
                  {l1, sizeof(l1) / sizeof(l1[0]), C_GZIP}};
    char *dir = make_layout(ls, 2, 0);
    walkrec wr;
    st_walk *w = NULL;
    st_error *err = NULL;
    const st_fsnode *nd;

    memset(&wr, 0, sizeof(wr));
    assert_int_equal(walk_layout(dir, &wr, false, &w, &err), 0);
    /* top layer first */
    assert_int_equal(wr.r[0].layer, 1);
    assert_int_equal(wr.r[wr.n - 1].layer, 0);
    /* whiteout markers are not entries */
    for (size_t i = 0; i < wr.n; i++)
        assert_null(strstr(wr.r[i].path, ".wh."));
    assert_int_equal(wr.n, 3 + 12);
    EXPECT(&wr, "keep", 1, true);
    EXPECT(&wr, "keep/u", 1, true);
    EXPECT(&wr, "r", 1, true);
    EXPECT(&wr, "etc", 0, true);
    EXPECT(&wr, "etc/a", 0, false);     /* file whiteout */
    EXPECT(&wr, "etc/b", 0, true);
    EXPECT(&wr, "d", 0, false);         /* directory whiteout ... */
    EXPECT(&wr, "d/x", 0, false);       /* ... hides the subtree */
    EXPECT(&wr, "d/sub", 0, false);
    EXPECT(&wr, "d/sub/y", 0, false);
    EXPECT(&wr, "keep", 0, false);      /* shadowed by layer 1's keep */
    EXPECT(&wr, "keep/k", 0, true);     /* merged directory */
    EXPECT(&wr, "r", 0, false);         /* replaced by a file */
    EXPECT(&wr, "r/z", 0, false);
    EXPECT(&wr, "plain", 0, true);

    /* the merged filesystem agrees */
    assert_null(st_walk_lookup(w, "etc/a", false, NULL));
    assert_null(st_walk_lookup(w, "d", false, NULL));
    assert_null(st_walk_lookup(w, "d/x", true, NULL));
    nd = st_walk_lookup(w, "etc/b", false, NULL);
    assert_non_null(nd);
    assert_int_equal(nd->layer, 0);
    nd = st_walk_lookup(w, "keep/k", true, NULL);
    assert_non_null(nd);
    assert_int_equal(nd->layer, 0);
    nd = st_walk_lookup(w, "r", false, NULL);
    assert_non_null(nd);
    assert_int_equal(nd->type, ST_ENTRY_FILE);
    assert_int_equal(nd->layer, 1);
    assert_null(st_walk_lookup(w, "r/z", true, NULL));
    st_walk_free(w);
    rm_rf(dir);
    free(dir);
    free(wr.r);
}

/* ".wh..wh..opq" hides every lower child of its directory but none of the
 * same layer's, wherever the marker sits in the tar. */
static void test_walk__opaque_dir(void **state)
{
    (void)state;
    static const tent l0[] = {
        {'d', "o", NULL, 0},          {'f', "o/lower1", "1", 0},
        {'d', "o/keepdir", NULL, 0},  {'f', "o/keepdir/z", "z", 0},
        {'f', "other", "x", 0},
    };
    static const tent l1[] = {
        {'d', "o", NULL, 0},
        {'f', "o/upper1", "u1", 0},  /* before the marker in the tar */
        {'f', "o/.wh..wh..opq", "", 0},
        {'f', "o/upper2", "u2", 0},  /* after it */
    };
    lspec ls[] = {{l0, sizeof(l0) / sizeof(l0[0]), C_GZIP},
                  {l1, sizeof(l1) / sizeof(l1[0]), C_GZIP}};
    char *dir = make_layout(ls, 2, 0);
    walkrec wr;
    st_walk *w = NULL;
    st_error *err = NULL;

    memset(&wr, 0, sizeof(wr));
    assert_int_equal(walk_layout(dir, &wr, false, &w, &err), 0);
    assert_int_equal(wr.n, 3 + 5);
    EXPECT(&wr, "o", 1, true);
    EXPECT(&wr, "o/upper1", 1, true);
    EXPECT(&wr, "o/upper2", 1, true);
    EXPECT(&wr, "other", 0, true);
    EXPECT(&wr, "o", 0, false);
    EXPECT(&wr, "o/lower1", 0, false);
    EXPECT(&wr, "o/keepdir", 0, false);
    EXPECT(&wr, "o/keepdir/z", 0, false);
    assert_null(st_walk_lookup(w, "o/lower1", true, NULL));
    assert_non_null(st_walk_lookup(w, "o/upper1", true, NULL));
    st_walk_free(w);
    rm_rf(dir);
    free(dir);
    free(wr.r);
}

/* A path deleted in layer 2 and re-created in layer 1 is hidden in 0 and
 * visible in 1; re-created in the deleting layer itself it is visible. */
static void test_walk__whiteout_then_recreate(void **state)
{
    (void)state;
    static const tent l0[] = {{'f', "f", "0", 0}, {'f', "g", "0", 0}};
    static const tent l1[] = {{'f', "f", "1", 0}};
    static const tent l2[] = {{'f', ".wh.g", "", 0}, {'f', "g", "2", 0}};
    lspec ls[] = {{l0, 2, C_NONE}, {l1, 1, C_ZSTD}, {l2, 2, C_GZIP}};
    char *dir = make_layout(ls, 3, 0);
    walkrec wr;
    st_error *err = NULL;
    memset(&wr, 0, sizeof(wr));
    assert_int_equal(walk_layout(dir, &wr, true, NULL, &err), 0);
    assert_int_equal(wr.n, 4);
    EXPECT(&wr, "g", 2, true);
    EXPECT(&wr, "f", 1, true);
    EXPECT(&wr, "f", 0, false);
    EXPECT(&wr, "g", 0, false);
    rm_rf(dir);
    free(dir);
    free(wr.r);
}

static void test_walk__links_and_lookup(void **state)
{
    (void)state;
    static const tent l0[] = {
        {'d', "usr", NULL, 0},
        {'d', "usr/lib", NULL, 0},
        {'f', "usr/lib/os-release", "ID=debian\n", 0},
        {'d', "etc", NULL, 0},
        {'s', "etc/os-release", "../usr/lib/os-release", 0},
        {'s', "lib", "usr/lib", 0},
        {'s', "abs", "/usr/lib/os-release", 0},
        {'s', "up", "../../../../usr/lib/os-release", 0},
        {'d', "bin", NULL, 0},
        {'f', "bin/busybox", "ELF", 0},
        {'s', "bin/sh", "busybox", 0},
        {'h', "bin/ln", "bin/busybox", 0},
        {'h', "bin/ln2", "/bin/./busybox", 0},
        {'s', "loop1", "loop2", 0},
        {'s', "loop2", "loop1", 0},
        {'s', "self", "self", 0},
        {'s', "dangling", "nowhere", 0},
    };
    lspec ls[] = {{l0, sizeof(l0) / sizeof(l0[0]), C_GZIP}};
    char *dir = make_layout(ls, 1, 0);
    walkrec wr;
    st_walk *w = NULL;
    st_error *err = NULL;
    st_buf res = ST_BUF_INIT(4096);
    const st_fsnode *nd;
    const rec *r;

    memset(&wr, 0, sizeof(wr));
    assert_int_equal(walk_layout(dir, &wr, false, &w, &err), 0);
    r = find(&wr, "etc/os-release", 0);
    assert_non_null(r);
    assert_int_equal(r->type, ST_ENTRY_SYMLINK);
    assert_string_equal(r->link, "../usr/lib/os-release"); /* as stored */
    r = find(&wr, "bin/ln", 0);
    assert_non_null(r);
    assert_int_equal(r->type, ST_ENTRY_HARDLINK);
    assert_string_equal(r->link, "bin/busybox");
    r = find(&wr, "bin/ln2", 0);
    assert_non_null(r);
    assert_int_equal(r->type, ST_ENTRY_HARDLINK);
    assert_string_equal(r->link, "bin/busybox"); /* cleaned */
    r = find(&wr, "usr", 0);
    assert_int_equal(r->type, ST_ENTRY_DIR);
    r = find(&wr, "bin/busybox", 0);
    assert_int_equal(r->type, ST_ENTRY_FILE);

    static const struct {
        const char *path, *resolved;
    } ok[] = {
        {"etc/os-release", "usr/lib/os-release"},
        {"/etc/os-release", "usr/lib/os-release"},
        {"lib/os-release", "usr/lib/os-release"},
        {"abs", "usr/lib/os-release"},
        {"up", "usr/lib/os-release"},
        {"bin/sh", "bin/busybox"},
        {"etc/../lib/os-release", "usr/lib/os-release"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        nd = st_walk_lookup(w, ok[i].path, true, &res);
        if (!nd)
            fail_msg("lookup %s failed", ok[i].path);
        assert_int_equal(nd->type, ST_ENTRY_FILE);
        assert_string_equal(res.ptr, ok[i].resolved);
    }
    /* without follow a symlink is itself */
    nd = st_walk_lookup(w, "etc/os-release", false, NULL);
    assert_non_null(nd);
    assert_int_equal(nd->type, ST_ENTRY_SYMLINK);
    assert_string_equal(nd->link, "../usr/lib/os-release");
    /* loops and dangling links end, with NULL */
    assert_null(st_walk_lookup(w, "loop1", true, &res));
    assert_null(st_walk_lookup(w, "self", true, &res));
    assert_null(st_walk_lookup(w, "loop1/x", true, &res));
    assert_null(st_walk_lookup(w, "dangling", true, &res));
    assert_null(st_walk_lookup(w, "../etc/os-release", true, &res));
    assert_null(st_walk_lookup(w, "nothing/here", true, &res));
    st_buf_release(&res);
    st_walk_free(w);
    rm_rf(dir);
    free(dir);
    free(wr.r);
}

static void test_walk__hostile_paths(void **state)
{
    (void)state;
    char longp[300];
    memset(longp, 0, sizeof(longp));
    for (int i = 0; i < 20; i++)
        strcat(longp, "directory/"); /* 200 chars */
    strcat(longp, "file-with-a-long-name.txt");
    const tent l0[] = {
        {'f', "../escape", "x", 0},
        {'f', "a/../../escape2", "x", 0},
        {'f', "/abs/file", "x", 0},
        {'f', "./rel/file", "x", 0},
        {'f', "dup//slashes/./f", "x", 0},
        {'h', "badlink", "../../etc/shadow", 0},
        {'f', longp, "long", 0},
    };
    lspec ls[] = {{l0, sizeof(l0) / sizeof(l0[0]), C_NONE}};
    char *dir = make_layout(ls, 1, 0);
    walkrec wr;
    st_error *err = NULL;

    memset(&wr, 0, sizeof(wr));
    assert_int_equal(walk_layout(dir, &wr, false, NULL, &err), 0);
    assert_int_equal(wr.n, 4);
    EXPECT(&wr, "abs/file", 0, true);
    EXPECT(&wr, "rel/file", 0, true);
    EXPECT(&wr, "dup/slashes/f", 0, true);
    EXPECT(&wr, longp, 0, true);
    for (size_t i = 0; i < wr.n; i++)
        assert_null(strstr(wr.r[i].path, "escape"));
    assert_non_null(strstr(wr.diags, "../escape: entry escapes the root"));
    assert_non_null(strstr(wr.diags, "a/../../escape2: entry escapes"));
    assert_non_null(strstr(wr.diags, "badlink: hard link target escapes"));
    rm_rf(dir);
    free(dir);
    free(wr.r);
}

static void expect_error(unsigned flags, int code, const char *needle)
{
    static const tent l0[] = {{'f', "a", "some content", 0},
                              {'F', "big", NULL, 200000}};
    static const tent l1[] = {{'f', "b", "b", 0}};
    lspec ls[] = {{l0, 2, C_GZIP}, {l1, 1, C_GZIP}};
    char *dir = make_layout(ls, 2, flags);
    walkrec wr;
    st_error *err = NULL;
    char *msg;
    for (int single = 0; single < 2; single++) {
        memset(&wr, 0, sizeof(wr));
        assert_int_equal(walk_layout(dir, &wr, single, NULL, &err), code);
        msg = st_error_format(err);
        if (!strstr(msg, needle))
            fail_msg("error \"%s\" lacks \"%s\"", msg, needle);
        st_free(msg);
        st_error_free(err);
        err = NULL;
        free(wr.r);
    }
    rm_rf(dir);
    free(dir);
}

static void test_walk__truncated_gzip(void **state)
{
    (void)state;
    expect_error(F_TRUNCATE_GZIP, ST_EINVALID, "layer 1");
    expect_error(F_TRUNCATE_GZIP, ST_EINVALID, "truncated");
}

static void test_walk__blob_digest_mismatch(void **state)
{
    (void)state;
    expect_error(F_TAMPER_BLOB, ST_EDIGEST, "does not match its digest");
}

static void test_walk__diff_id_mismatch(void **state)
{
    (void)state;
    expect_error(F_BAD_DIFF_ID, ST_EDIGEST, "diff_id");
}

/* Layers larger than the pipeline's chunks, three compressions: the
 * threaded and single-threaded walks see the same entries and bytes. */
static void test_walk__threaded_equals_single(void **state)
{
    (void)state;
    tent l0[64], l1[3], l2[2];
    char names[64][32];
    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof(names[i]), "data/f%02d", i);
        l0[i] = (tent){'F', names[i], NULL, (size_t)(i * 7919) % 100000};
    }
    l0[60] = (tent){'F', "data/huge", NULL, 3u << 20};
    l0[61] = (tent){'f', "data/f07", "dup", 0}; /* same path twice */
    l1[0] = (tent){'F', "data/huge", NULL, (1u << 20) + 1};
    l1[1] = (tent){'f', "data/.wh.f01", "", 0};
    l1[2] = (tent){'s', "data/link", "huge", 0};
    l2[0] = (tent){'F', "top", NULL, 2500000};
    l2[1] = (tent){'f', ".wh.data", "", 0};
    lspec ls[] = {{l0, 62, C_GZIP}, {l1, 3, C_ZSTD}, {l2, 2, C_NONE}};
    char *dir = make_layout(ls, 3, 0);
    walkrec a, b;
    st_error *err = NULL;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.read_content = b.read_content = true;
    assert_int_equal(walk_layout(dir, &a, false, NULL, &err), 0);
    assert_int_equal(walk_layout(dir, &b, true, NULL, &err), 0);
    assert_int_equal(a.n, 62 + 2 + 1);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.r[i].path, b.r[i].path);
        assert_int_equal(a.r[i].layer, b.r[i].layer);
        assert_int_equal(a.r[i].visible, b.r[i].visible);
        assert_string_equal(a.r[i].sha, b.r[i].sha);
    }
    EXPECT(&a, "top", 2, true);
    EXPECT(&a, "data/huge", 1, false); /* under a whited-out directory */
    EXPECT(&a, "data/huge", 0, false);
    rm_rf(dir);
    free(dir);
    free(a.r);
    free(b.r);
}

/* st_scan_image end to end on the same kind of layout. */
static void test_walk__scan_image_stats(void **state)
{
    (void)state;
    static const tent l0[] = {{'d', "etc", NULL, 0},
                              {'f', "etc/os-release",
                               "ID=alpine\nVERSION_ID=3.19.1\n", 0}};
    static const tent l1[] = {{'f', "x", "y", 0}};
    lspec ls[] = {{l0, 2, C_GZIP}, {l1, 1, C_ZSTD}};
    char *dir = make_layout(ls, 2, 0);
    char ref[4200];
    st_image *img = NULL;
    st_result *r = NULL;
    st_error *err = NULL;
    const st_scan_stats *s;

    snprintf(ref, sizeof(ref), "oci:%s", dir);
    assert_int_equal(st_image_open(&img, ref, NULL, &err), 0);
    assert_int_equal(st_scan_image(&r, img, NULL, &err), 0);
    s = st_result_stats(r);
    assert_int_equal(s->layers, 2);
    assert_int_equal(s->entries, 3);
    assert_string_equal(st_result_os(r)->family, "alpine");
    assert_string_equal(st_result_os(r)->version_id, "3.19.1");
    st_result_free(r);
    st_image_free(img);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk__whiteouts),
        cmocka_unit_test(test_walk__opaque_dir),
        cmocka_unit_test(test_walk__whiteout_then_recreate),
        cmocka_unit_test(test_walk__links_and_lookup),
        cmocka_unit_test(test_walk__hostile_paths),
        cmocka_unit_test(test_walk__truncated_gzip),
        cmocka_unit_test(test_walk__blob_digest_mismatch),
        cmocka_unit_test(test_walk__diff_id_mismatch),
        cmocka_unit_test(test_walk__threaded_equals_single),
        cmocka_unit_test(test_walk__scan_image_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
