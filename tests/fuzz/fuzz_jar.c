/* Fuzz target: the java analyzer on a Java archive, driven through
 * st_scan__test_ctx like the walker drives it (production limits). The
 * last byte picks the mode:
 *   even: the rest of the input is the archive's bytes, as found in an
 *         image (the corpus holds real jars, wars and zip oddities);
 *   odd:  an archive is written here with libarchive from carved parts,
 *         so mutations reach pom.properties, MANIFEST.MF and nesting
 *         without having to forge zip structure: each entry is a
 *         pom.properties, a manifest, a nested archive built the same way
 *         (recursively), a nested archive of raw bytes, or a raw name and
 *         content; each archive stored or deflated. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "analyze/analyzer.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct out {
    unsigned char *p;
    size_t len, cap;
} out;

static la_ssize_t on_write(struct archive *a, void *payload, const void *buf,
                           size_t n)
{
    out *o = payload;
    (void)a;
    if (o->len + n > o->cap) {
        size_t cap = (o->len + n) * 2 + 4096;
        unsigned char *p = realloc(o->p, cap);
        if (!p)
            return -1;
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, buf, n);
    o->len += n;
    return (la_ssize_t)n;
}

static void put(struct archive *a, const char *name, const void *d, size_t n)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return;
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    if (archive_write_header(a, e) == ARCHIVE_OK && n)
        archive_write_data(a, d, n);
    archive_entry_free(e);
}

static void name_from(char *dst, size_t cap, const uint8_t *d, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, d, n);
    dst[n] = 0; /* a NUL inside cuts the name short, as zip names can't */
}

static out build(fdp *p, int depth)
{
    static const char *const libs[] = {"WEB-INF/lib/a.jar", "lib/b.jar",
                                       "BOOT-INF/lib/c-1.0.jar", "d.war",
                                       "x/e.ear", "f.JAR"};
    struct archive *a = archive_write_new();
    out o = {NULL, 0, 0};
    unsigned n = fdp_range(p, 0, 6);
    char name[512];

    if (!a)
        return o;
    archive_write_set_format_zip(a);
    if (fdp_bool(p))
        archive_write_set_format_option(a, "zip", "compression", "store");
    if (archive_write_open(a, &o, NULL, on_write, NULL) != ARCHIVE_OK) {
        archive_write_free(a);
        return o;
    }
    for (unsigned i = 0; i < n; i++) {
        size_t len, glen, alen;
        const uint8_t *d, *g, *ar;
        switch (fdp_range(p, 0, 4)) {
        case 0:
            g = fdp_bytes(p, fdp_range(p, 0, 24), &glen);
            ar = fdp_bytes(p, fdp_range(p, 0, 24), &alen);
            snprintf(name, sizeof(name),
                     "META-INF/maven/%.*s/%.*s/pom.properties", (int)glen,
                     (const char *)g, (int)alen, (const char *)ar);
            d = fdp_chunk(p, &len);
            put(a, name, d, len);
            break;
        case 1:
            d = fdp_chunk(p, &len);
            put(a, "META-INF/MANIFEST.MF", d, len);
            break;
        case 2:
            if (depth < 7) {
                out inner = build(p, depth + 1);
                put(a, libs[fdp_range(p, 0, 5)], inner.p, inner.len);
                free(inner.p);
            }
            break;
        case 3:
            d = fdp_chunk(p, &len);
            put(a, libs[fdp_range(p, 0, 5)], d, len);
            break;
        default:
            d = fdp_bytes(p, fdp_range(p, 0, 200), &len);
            name_from(name, sizeof(name), d, len);
            d = fdp_chunk(p, &len);
            if (name[0])
                put(a, name, d, len);
            break;
        }
    }
    archive_write_close(a);
    archive_write_free(a);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"app/lib/x.jar", "srv/app-1.0.war",
                                        "opt/suite.ear", "p.par",
                                        "var/jenkins/plugins/git.hpi"};
    const st_analyzer_ops *ops = &st_analyzer_java;
    fdp p = fdp_new(data, size);
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    out built = {NULL, 0, 0};
    const uint8_t *bytes;
    size_t len;
    st_entry e;

    if (!ctx)
        return 0;
    if (fdp_range(&p, 0, 1)) {
        built = build(&p, 0);
        bytes = built.p;
        len = built.len;
    } else {
        bytes = fdp_rest(&p, &len);
    }
    memset(&e, 0, sizeof(e));
    e.path = paths[fdp_range(&p, 0, 4)];
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.size = len;
    e.visible = true;
    if (ops->begin(&state, ctx) < 0)
        goto done;
    if (!ops->wants(&e))
        __builtin_trap();
    if (ops->file(state, ctx, &e, bytes ? (const char *)bytes : "", len) >= 0)
        ops->end(state, ctx);
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *pk = st_result_package(r, i);
            if (!pk->name || !pk->version || !pk->found_in ||
                strcmp(pk->type, "maven") || pk->found_in[0] != '/' ||
                !pk->version[0])
                __builtin_trap();
        }
    }
done:
    ops->release(state);
    st_scan__test_ctx_free(ctx);
    free(built.p);
    return 0;
}
