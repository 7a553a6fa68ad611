/* java: Maven artifacts in Java archives (*.jar, *.war, *.ear, *.par and
 * Jenkins' *.jpi, *.hpi) and the direct dependencies of pom.xml files.
 *
 * Archives are read from memory with libarchive's seekable zip reader
 * (the central directory), never unpacked to disk. In each archive:
 *   META-INF/maven/<group>/<artifact>/pom.properties  one package each
 *       (a shaded jar carries several: each is listed);
 *   META-INF/MANIFEST.MF  only when the archive has no pom.properties: a
 *       weaker guess (group from Implementation-Vendor-Id or the
 *       Bundle-SymbolicName, artifact from the file name or
 *       Implementation-Title, version from Implementation-Version or
 *       Bundle-Version), reported with direct = -1 like the others and
 *       counted in one informational diagnostic per scan;
 *   nested archives (the jars in WEB-INF/lib of a war, in lib and the modules of
 *       an ear, in BOOT-INF/lib of a Spring Boot jar: any entry with an
 *       archive extension) are read the same way, recursively, from memory.
 * found_in is the archive's path in the image, and for a nested archive
 * the chain "/app/x.war!/WEB-INF/lib/y.jar".
 *
 * Bounds per top-level archive (a zip bomb ends in a diagnostic): nesting
 * at most JAVA_MAX_DEPTH archives deep, JAVA_MAX_BYTES uncompressed bytes
 * read in all, JAVA_MAX_ENTRIES entries walked, JAVA_MAX_NESTED bytes for
 * one nested archive; and JAVA_SCAN_BYTES read per scan.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "java_parse.h"
#include "util/banned.h"

#define JAVA_MAX_TOP (512ull << 20)     /* a top-level archive (max_content) */
#define JAVA_MAX_DEPTH 4                /* nested archives below the top */
#define JAVA_MAX_BYTES (1ull << 30)     /* uncompressed, per top-level */
#define JAVA_MAX_ENTRIES 100000ull      /* entries, per top-level */
#define JAVA_MAX_NESTED (256ull << 20)  /* one nested archive */
#define JAVA_SCAN_BYTES (8ull << 30)    /* uncompressed, per scan */

struct java {
    uint64_t scan_bytes;   /* uncompressed bytes read in this scan */
    size_t from_manifest;  /* packages guessed from a manifest */
    const char *manifest_example;
    bool said_scan_budget;
};

/* One top-level archive being read, with everything below it. */
struct walk {
    struct java *d;
    st_scan_ctx *ctx;
    const st_entry *e;
    uint64_t bytes, entries;
    bool stop;            /* a bound of the whole archive was reached */
    bool said_depth, said_nested, said_bad;
};

/* What one archive (top-level or nested) says about itself. */
struct found {
    struct walk *w;
    const char *found_in;
    const char *stem;     /* file name without directory and extension */
    size_t stem_len;
    size_t poms;          /* pom.properties read */
    /* pom.properties being parsed */
    const char *group, *artifact, *version;
    /* MANIFEST.MF main attributes */
    const char *title, *impl_version, *vendor_id, *symbolic, *bundle_version;
};

static bool ext_is(const char *p, size_t n, const char *ext)
{
    /* ext: 3 lower-case letters; p[0..n) ends with "." ext, any case */
    if (n < 5 || p[n - 4] != '.')
        return false;
    for (size_t i = 0; i < 3; i++) {
        char c = p[n - 3 + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != ext[i])
            return false;
    }
    return true;
}

static bool is_archive_name(const char *p, size_t n)
{
    return ext_is(p, n, "jar") || ext_is(p, n, "war") ||
           ext_is(p, n, "ear") || ext_is(p, n, "par") ||
           ext_is(p, n, "jpi") || ext_is(p, n, "hpi");
}

static bool wants(const st_entry *e)
{
    const char *p = e->path;
    size_t n = e->path_len;
    if (e->type != ST_ENTRY_FILE)
        return false;
    if (n >= 7 && !memcmp(p + n - 7, "pom.xml", 7) &&
        (n == 7 || p[n - 8] == '/'))
        return true;
    return is_archive_name(p, n);
}

static int begin(void **state, st_scan_ctx *ctx)
{
    struct java *d = st_calloc(1, sizeof(*d));
    (void)ctx;
    if (!d)
        return ST_ENOMEM;
    st_java__xml_init();
    *state = d;
    return 0;
}

static void release(void *state)
{
    st_free(state);
}

/* ---- packages -------------------------------------------------------- */

static int add(struct found *f, const char *group, size_t glen,
               const char *artifact, size_t alen, const char *version,
               size_t vlen)
{
    st_arena *a = st_ctx_arena(f->w->ctx);
    char *g = glen ? st_java__clean(a, group, glen) : NULL;
    char *art = st_java__clean(a, artifact, alen);
    char *v = st_java__clean(a, version, vlen);
    st_package *p;

    if (!art || !v || (glen && !g))
        return ST_ENOMEM;
    if (!*art || !*v)
        return 0; /* nothing but white space or control characters */
    if (!(p = st_ctx_add_package(f->w->ctx)))
        return ST_ENOMEM;
    p->type = "maven";
    p->name = g && *g ? st_arena_printf(a, "%s:%s", g, art) : art;
    p->version = v;
    p->found_in = f->found_in;
    p->direct = -1;
    if (!p->name)
        return ST_ENOMEM;
    st_ctx_package_layer(f->w->ctx, p, f->w->e->layer);
    return 0;
}

static int on_prop(void *payload, const char *key, size_t klen,
                   const char *val, size_t vlen)
{
    struct found *f = payload;
    const char **slot = NULL;
    char *copy;
    if (klen == 7 && !memcmp(key, "groupId", 7))
        slot = &f->group;
    else if (klen == 10 && !memcmp(key, "artifactId", 10))
        slot = &f->artifact;
    else if (klen == 7 && !memcmp(key, "version", 7))
        slot = &f->version;
    if (!slot)
        return 0;
    if (!(copy = st_java__clean(st_ctx_arena(f->w->ctx), val, vlen)))
        return ST_ENOMEM;
    *slot = copy;
    return 0;
}

/* META-INF/maven/<g>/<a>/pom.properties: the directory names stand in for
 * a missing groupId or artifactId. */
static int pom_properties(struct found *f, const char *name,
                          const char *data, size_t len)
{
    const char *g = name + strlen("META-INF/maven/");
    const char *slash = strchr(g, '/');
    const char *a = slash + 1;
    const char *end = strchr(a, '/');
    int rc;

    f->group = f->artifact = f->version = NULL;
    if ((rc = st_java__props_parse(data, len, on_prop, f)) < 0)
        return rc;
    if (!f->group || !*f->group)
        f->group = st_java__clean(st_ctx_arena(f->w->ctx), g,
                                  (size_t)(slash - g));
    if (!f->artifact || !*f->artifact)
        f->artifact = st_java__clean(st_ctx_arena(f->w->ctx), a,
                                     (size_t)(end - a));
    if (!f->group || !f->artifact)
        return ST_ENOMEM;
    if (!f->version || !*f->version) {
        st_ctx_diag(f->w->ctx, ST_DIAG_INFO, "java", f->w->e->path,
                    f->w->e->layer, "%s!/%s has no version: skipped",
                    f->found_in,
                    st_java__clean(st_ctx_arena(f->w->ctx), name,
                                   strlen(name)));
        return 0;
    }
    f->poms++;
    return add(f, f->group, strlen(f->group), f->artifact,
               strlen(f->artifact), f->version, strlen(f->version));
}

static int on_manifest(void *payload, const char *key, size_t klen,
                       const char *val, size_t vlen)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {"Implementation-Title", offsetof(struct found, title)},
        {"Implementation-Version", offsetof(struct found, impl_version)},
        {"Implementation-Vendor-Id", offsetof(struct found, vendor_id)},
        {"Bundle-SymbolicName", offsetof(struct found, symbolic)},
        {"Bundle-Version", offsetof(struct found, bundle_version)},
    };
    struct found *f = payload;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char *copy;
        if (strlen(keys[i].key) != klen || strncasecmp(keys[i].key, key, klen))
            continue;
        if (!(copy = st_java__clean(st_ctx_arena(f->w->ctx), val, vlen)))
            return ST_ENOMEM;
        memcpy((char *)f + keys[i].off, &copy, sizeof(copy));
        break;
    }
    return 0;
}

/* The fallback when an archive has no pom.properties. */
static int from_manifest(struct found *f)
{
    const char *version = f->impl_version && *f->impl_version
                              ? f->impl_version
                              : f->bundle_version;
    const char *group = NULL, *artifact = NULL;
    size_t glen = 0, alen = 0, vlen;
    struct java *d = f->w->d;

    if (!version || !*version)
        return 0;
    vlen = strlen(version);
    /* group: Implementation-Vendor-Id, else the symbolic name less its
     * last part ("org.apache.commons.lang3" -> "org.apache.commons"). */
    if (f->vendor_id && st_java__coord_ok(f->vendor_id, strlen(f->vendor_id))) {
        group = f->vendor_id;
        glen = strlen(group);
    } else if (f->symbolic) {
        size_t n = strcspn(f->symbolic, "; ");
        const char *dot = memrchr(f->symbolic, '.', n);
        if (dot && st_java__coord_ok(f->symbolic, n)) {
            group = f->symbolic;
            glen = (size_t)(dot - group);
        }
    }
    /* artifact: the file name "artifact-<version>", else a title that is
     * a plain token, else the file name. */
    if (f->stem_len > vlen + 1 &&
        !memcmp(f->stem + f->stem_len - vlen, version, vlen) &&
        f->stem[f->stem_len - vlen - 1] == '-') {
        artifact = f->stem;
        alen = f->stem_len - vlen - 1;
    } else if (f->title && st_java__coord_ok(f->title, strlen(f->title))) {
        artifact = f->title;
        alen = strlen(artifact);
    } else if (f->stem_len) {
        artifact = f->stem;
        alen = f->stem_len;
    }
    if (!alen)
        return 0;
    if (!d->from_manifest++) {
        d->manifest_example = f->found_in;
    }
    return add(f, group, glen, artifact, alen, version, vlen);
}

/* ---- archives -------------------------------------------------------- */

enum read_end { READ_OK, READ_TOO_BIG, READ_BUDGET, READ_BAD };

/* Reads the current entry's data into out, at most `limit` bytes, counting
 * them against the archive's and the scan's budgets. */
static int read_entry(struct walk *w, struct archive *a, st_buf *out,
                      uint64_t limit, enum read_end *how)
{
    int rc;
    *how = READ_OK;
    st_buf_reset(out);
    for (;;) {
        la_ssize_t n;
        size_t want = 65536;
        if ((rc = st_buf_grow(out, want)) < 0) {
            if (rc == ST_ENOMEM)
                return rc;
            *how = READ_TOO_BIG;
            return 0;
        }
        n = archive_read_data(a, out->ptr + out->len, want);
        if (n < 0) {
            *how = READ_BAD;
            return 0;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->ptr[out->len] = 0;
        w->bytes += (uint64_t)n;
        w->d->scan_bytes += (uint64_t)n;
        if (w->bytes > JAVA_MAX_BYTES || w->d->scan_bytes > JAVA_SCAN_BYTES) {
            *how = READ_BUDGET;
            return 0;
        }
        if (out->len > limit) {
            *how = READ_TOO_BIG;
            return 0;
        }
    }
    return 0;
}

static void budget_diag(struct walk *w, const char *where)
{
    struct java *d = w->d;
    if (w->d->scan_bytes > JAVA_SCAN_BYTES) {
        if (!d->said_scan_budget)
            st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path,
                        w->e->layer,
                        "Java archives: more than %llu GiB uncompressed read "
                        "in this scan (at %s): the rest not read",
                        JAVA_SCAN_BYTES >> 30, where);
        d->said_scan_budget = true;
    } else {
        st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path, w->e->layer,
                    "more than %llu GiB uncompressed in this archive (a zip "
                    "bomb?), at %s: the rest not read",
                    JAVA_MAX_BYTES >> 30, where);
    }
    w->stop = true;
}

/* The number of entries the end of central directory record declares, or
 * -1 when there is none to find (libarchive will say). */
static int64_t zip_declared_entries(const unsigned char *p, size_t len)
{
    size_t i, lo;
    if (len < 22)
        return -1;
    lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
    for (i = len - 22 + 1; i-- > lo;) {
        uint64_t n;
        if (memcmp(p + i, "PK\5\6", 4))
            continue;
        n = (uint64_t)p[i + 10] | (uint64_t)p[i + 11] << 8;
        if (n == 0xFFFF && i >= 20 && !memcmp(p + i - 20, "PK\6\7", 4)) {
            uint64_t off = 0;
            for (int k = 7; k >= 0; k--)
                off = off << 8 | p[i - 20 + 8 + k];
            if (len >= 56 && off <= len - 56 && !memcmp(p + off, "PK\6\6", 4)) {
                n = 0;
                for (int k = 7; k >= 0; k--)
                    n = n << 8 | p[off + 32 + k];
            }
        }
        return n > INT64_MAX ? INT64_MAX : (int64_t)n;
    }
    return -1;
}

static int read_archive(struct walk *w, const char *data, size_t len,
                        const char *found_in, const char *stem,
                        size_t stem_len, int depth);

static void unreadable(struct walk *w, struct archive *a, const char *in,
                       const char *name)
{
    st_arena *ar = st_ctx_arena(w->ctx);
    const char *msg = archive_error_string(a);
    if (!msg)
        msg = "read error";
    st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path, w->e->layer,
                "%s!/%s: %s: not read", in,
                st_java__clean(ar, name, strlen(name)),
                st_java__clean(ar, msg, strlen(msg)));
}

static int nested(struct walk *w, struct found *f, struct archive *a,
                  struct archive_entry *ent, const char *name, int depth,
                  st_buf *buf)
{
    st_arena *ar = st_ctx_arena(w->ctx);
    const char *base = strrchr(name, '/');
    const char *in;
    size_t nlen = strlen(name);
    enum read_end how;
    int rc;

    base = base ? base + 1 : name;
    if (!(in = st_arena_printf(ar, "%s!/%s", f->found_in,
                               st_java__clean(ar, name, nlen))))
        return ST_ENOMEM;
    if (depth + 1 > JAVA_MAX_DEPTH) {
        if (!w->said_depth)
            st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path,
                        w->e->layer,
                        "archives nested more than %d deep (%s): not read",
                        JAVA_MAX_DEPTH, in);
        w->said_depth = true;
        return 0;
    }
    if (archive_entry_size_is_set(ent) &&
        (uint64_t)archive_entry_size(ent) > JAVA_MAX_NESTED) {
        how = READ_TOO_BIG;
    } else {
        st_buf_init(buf, JAVA_MAX_NESTED + 65536);
        if ((rc = read_entry(w, a, buf, JAVA_MAX_NESTED, &how)) < 0)
            return rc;
    }
    switch (how) {
    case READ_OK:
        return read_archive(w, buf->ptr, buf->len, in, base,
                            strlen(base) - 4, depth + 1);
    case READ_TOO_BIG:
        if (!w->said_nested)
            st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path,
                        w->e->layer,
                        "nested archive %s larger than %llu MiB: not read",
                        in, JAVA_MAX_NESTED >> 20);
        w->said_nested = true;
        return 0;
    case READ_BUDGET:
        budget_diag(w, in);
        return 0;
    case READ_BAD:
        unreadable(w, a, f->found_in, name);
        return 0;
    }
    return 0;
}

static int read_archive(struct walk *w, const char *data, size_t len,
                        const char *found_in, const char *stem,
                        size_t stem_len, int depth)
{
    struct archive *a = NULL;
    struct archive_entry *ent;
    st_buf small = ST_BUF_INIT(ST_JAVA_MAX_MANIFEST + 65536);
    st_buf manifest = ST_BUF_INIT(ST_JAVA_MAX_MANIFEST + 65536);
    st_buf inner = ST_BUF_INIT(0);
    st_arena *ar = st_ctx_arena(w->ctx);
    struct found f;
    int64_t declared;
    bool have_manifest = false;
    int rc = 0, r;

    memset(&f, 0, sizeof(f));
    f.w = w;
    f.found_in = found_in;
    f.stem = stem;
    f.stem_len = stem_len;
    declared = zip_declared_entries((const unsigned char *)data, len);
    if (declared == 0)
        goto done; /* an empty zip: libarchive would call it unrecognized */
    if (declared > 0 && (uint64_t)declared > JAVA_MAX_ENTRIES - w->entries) {
        st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path, w->e->layer,
                    "%s declares %llu entries, more than the %llu allowed: "
                    "not read", found_in, (unsigned long long)declared,
                    JAVA_MAX_ENTRIES);
        w->stop = true;
        goto done;
    }
    if (!(a = archive_read_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    archive_read_support_format_zip_seekable(a);
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
        goto bad;
    while (!w->stop) {
        const char *name;
        size_t nlen;
        enum read_end how;

        r = archive_read_next_header(a, &ent);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_FATAL)
            goto bad;
        if (++w->entries > JAVA_MAX_ENTRIES) {
            st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path,
                        w->e->layer,
                        "more than %llu entries in this archive (at %s): "
                        "the rest not read", JAVA_MAX_ENTRIES, found_in);
            w->stop = true;
            break;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            continue;
        if (archive_entry_filetype(ent) != AE_IFREG)
            continue;
        name = archive_entry_pathname_utf8(ent);
        if (!name)
            name = archive_entry_pathname(ent);
        if (!name)
            continue;
        nlen = strlen(name);
        if (st_str_startswith(name, "META-INF/maven/") &&
            st_str_endswith(name, "/pom.properties")) {
            const char *g = name + strlen("META-INF/maven/");
            const char *s1 = strchr(g, '/');
            if (!s1 || s1 == g || s1[1] == '/' ||
                strchr(s1 + 1, '/') != name + nlen - strlen("/pom.properties"))
                continue;
            ST_CHECK(read_entry(w, a, &small, ST_JAVA_MAX_PROPS, &how));
            if (how == READ_BUDGET) {
                budget_diag(w, found_in);
                break;
            }
            if (how == READ_OK)
                ST_CHECK(pom_properties(&f, name, small.ptr, small.len));
            else if (how == READ_BAD)
                unreadable(w, a, found_in, name);
        } else if (!have_manifest && !strcasecmp(name, "META-INF/MANIFEST.MF")) {
            ST_CHECK(read_entry(w, a, &manifest, ST_JAVA_MAX_MANIFEST, &how));
            if (how == READ_BUDGET) {
                budget_diag(w, found_in);
                break;
            }
            have_manifest = how == READ_OK;
            if (how == READ_BAD)
                unreadable(w, a, found_in, name);
        } else if (is_archive_name(name, nlen) && name[nlen - 5] != '/') {
            ST_CHECK(nested(w, &f, a, ent, name, depth, &inner));
            st_buf_release(&inner);
        }
    }
    if (!f.poms && have_manifest) {
        ST_CHECK(st_java__manifest_parse(manifest.ptr, manifest.len,
                                         on_manifest, &f));
        ST_CHECK(from_manifest(&f));
    }
    goto done;
bad:
    if (depth == 0 || !w->said_bad) {
        const char *msg = archive_error_string(a);
        if (!msg)
            msg = "unreadable";
        st_ctx_diag(w->ctx, ST_DIAG_WARNING, "java", w->e->path, w->e->layer,
                    "%s is not a readable zip archive (%s)", found_in,
                    st_java__clean(ar, msg, strlen(msg)));
    }
    if (depth > 0)
        w->said_bad = true;
    /* What was found before the damage still counts. */
    if (!f.poms && have_manifest) {
        ST_CHECK(st_java__manifest_parse(manifest.ptr, manifest.len,
                                         on_manifest, &f));
        ST_CHECK(from_manifest(&f));
    }
done:
    if (a)
        archive_read_free(a);
    st_buf_release(&small);
    st_buf_release(&manifest);
    st_buf_release(&inner);
    return rc;
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct walk w;
    const char *base, *found_in;
    size_t n = e->path_len;

    if (!is_archive_name(e->path, n))
        return st_java__pom(ctx, e, data, len);
    memset(&w, 0, sizeof(w));
    w.d = state;
    w.ctx = ctx;
    w.e = e;
    if (w.d->scan_bytes > JAVA_SCAN_BYTES)
        return 0;
    if (!(found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", e->path)))
        return ST_ENOMEM;
    base = strrchr(e->path, '/');
    base = base ? base + 1 : e->path;
    return read_archive(&w, data, len, found_in, base, strlen(base) - 4, 0);
}

static int end(void *state, st_scan_ctx *ctx)
{
    struct java *d = state;
    if (d->from_manifest)
        st_ctx_diag(ctx, ST_DIAG_INFO, "java", NULL, -1,
                    "%zu Java archive%s without pom.properties identified "
                    "from MANIFEST.MF only (a weaker guess), e.g. %s",
                    d->from_manifest, d->from_manifest == 1 ? "" : "s",
                    d->manifest_example);
    return 0;
}

const st_analyzer_ops st_analyzer_java = {
    .name = "java",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = JAVA_MAX_TOP,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
};
