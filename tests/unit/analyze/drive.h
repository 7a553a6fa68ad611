/* Drives one analyzer by hand the way the walker does (begin, file*, end,
 * release on a st_scan__test_ctx) and looks at what it found. A header of
 * static inline helpers, not a library: each test_*.c is its own cmocka
 * executable, and the helpers assert through cmocka inside the test. */
#ifndef ST_TEST_ANALYZE_DRIVE_H
#define ST_TEST_ANALYZE_DRIVE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyzer.h"
#include "strata/scan.h"

/* drive_file: the entry was not wanted, so `file` was not called. */
#define DRIVE_UNWANTED 1

typedef struct drive {
    const st_analyzer_ops *ops;
    st_scan_ctx *ctx;
    void *state;
} drive;

static inline st_entry drive_entry(const char *path, int layer, bool visible,
                                   size_t size)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.size = size;
    e.layer = layer;
    e.visible = visible;
    return e;
}

/* A test context and the analyzer's begin (which must succeed). */
static inline drive drive_new(const st_analyzer_ops *ops)
{
    drive d = {ops, st_scan__test_ctx(), NULL};
    assert_non_null(d.ctx);
    if (ops->begin)
        assert_int_equal(ops->begin(&d.state, d.ctx), 0);
    return d;
}

/* `file` on data/len as the image file `path`: its return, or
 * DRIVE_UNWANTED when the analyzer does not want the entry. */
static inline int drive_file(drive *d, const char *path, int layer,
                             bool visible, const char *data, size_t len)
{
    st_entry e = drive_entry(path, layer, visible, len);
    if (!d->ops->wants(&e))
        return DRIVE_UNWANTED;
    return d->ops->file(d->state, d->ctx, &e, data, len);
}

/* end (which must succeed) and release; the result lives until drive_free. */
static inline st_result *drive_finish(drive *d)
{
    if (d->ops->end)
        assert_int_equal(d->ops->end(d->state, d->ctx), 0);
    if (d->ops->release)
        d->ops->release(d->state);
    d->state = NULL;
    return st_scan__test_result(d->ctx);
}

static inline void drive_free(drive *d)
{
    st_scan__test_ctx_free(d->ctx);
    d->ctx = NULL;
}

/* The first package named `name` found in `found_in` (NULL: anywhere). */
static inline const st_package *
drive_pkg_in(const st_result *res, const char *name, const char *found_in)
{
    for (size_t i = 0; i < st_result_package_count(res); i++) {
        const st_package *p = st_result_package(res, i);
        if (!strcmp(p->name, name) &&
            (!found_in || !strcmp(p->found_in, found_in)))
            return p;
    }
    return NULL;
}

static inline const st_package *drive_pkg(const st_result *res,
                                          const char *name)
{
    return drive_pkg_in(res, name, NULL);
}

static inline bool drive_has_diag(const st_result *res, const char *text)
{
    for (size_t i = 0; i < st_result_diagnostic_count(res); i++)
        if (strstr(st_result_diagnostic(res, i)->message, text))
            return true;
    return false;
}

/* tests/data/<dir>/<rel> (dir NULL: tests/data/<rel>), NUL-terminated. */
static inline char *drive_slurp(const char *dir, const char *rel, size_t *len)
{
    char p[1024];
    FILE *f;
    char *b;
    long n;
    snprintf(p, sizeof(p), "%s/%s%s%s", ST_TEST_DATA, dir ? dir : "",
             dir ? "/" : "", rel);
    f = fopen(p, "rb");
    if (!f)
        fail_msg("cannot open %s", p);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static inline int drive__cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The packages, all of `type`, as sorted "name\tversion\tdirect\tdev"
 * lines against the golden file tests/data/<dir>/<tsv> (its header line
 * skipped). */
static inline void drive_check_tsv(const st_result *res, const char *dir,
                                   const char *tsv, const char *type)
{
    size_t n = st_result_package_count(res), len, off = 0;
    char **lines = calloc(n + 1, sizeof(char *));
    char *want = drive_slurp(dir, tsv, &len), *got = calloc(1, n * 256 + 1);
    char *body = strchr(want, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        const st_package *p = st_result_package(res, i);
        assert_string_equal(p->type, type);
        lines[i] = malloc(256);
        snprintf(lines[i], 256, "%s\t%s\t%d\t%d\n", p->name, p->version,
                 p->direct, p->dev);
    }
    qsort(lines, n, sizeof(char *), drive__cmp_str);
    for (size_t i = 0; i < n; i++) {
        off += (size_t)snprintf(got + off, 256, "%s", lines[i]);
        free(lines[i]);
    }
    if (strcmp(got, body))
        fail_msg("%s:\n got:\n%s want:\n%s", tsv, got, body);
    free(lines);
    free(got);
    free(want);
}

#endif
