/* Drives one analyzer the way the walker does (begin, file*, end, release
 * on a st_scan__test_ctx) for a fuzz target. A header of static inline
 * helpers, not a library: each fuzz_*.c is linked alone into libFuzzer or
 * the standalone driver, and traps rather than asserts. */
#ifndef ST_FUZZ_DRIVE_H
#define ST_FUZZ_DRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "fuzz_data_producer.h"

/* drive_file: the entry was not wanted, so `file` was not called. */
#define DRIVE_UNWANTED 1

typedef struct drive {
    const st_analyzer_ops *ops;
    st_scan_ctx *ctx;
    void *state;
    bool begun; /* begin succeeded: file and end may run */
} drive;

/* ctx is NULL when out of memory; begun is false when begin failed. */
static inline drive drive_new(const st_analyzer_ops *ops)
{
    drive d = {ops, st_scan__test_ctx(), NULL, false};
    if (d.ctx)
        d.begun = !ops->begin || ops->begin(&d.state, d.ctx) >= 0;
    return d;
}

/* `file` on data/len as the image file `path`: its return, or
 * DRIVE_UNWANTED when the analyzer does not want the entry. */
static inline int drive_file(drive *d, const char *path, int layer,
                             bool visible, const uint8_t *data, size_t len)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.size = len;
    e.layer = layer;
    e.visible = visible;
    if (!d->ops->wants(&e))
        return DRIVE_UNWANTED;
    return d->ops->file(d->state, d->ctx, &e, (const char *)data, len);
}

/* end's return (0 without one); the result is drive_result's. */
static inline int drive_finish(drive *d)
{
    return d->ops->end ? d->ops->end(d->state, d->ctx) : 0;
}

static inline st_result *drive_result(drive *d)
{
    return st_scan__test_result(d->ctx);
}

/* Traps on a package missing a field every package database fills (a NUL
 * inside a field once made a package named ""). */
static inline void drive_check_packages(drive *d)
{
    st_result *r = st_scan__test_result(d->ctx);
    for (size_t i = 0; i < st_result_package_count(r); i++) {
        const st_package *pk = st_result_package(r, i);
        if (!pk->name || !pk->version || !pk->source_name ||
            !pk->source_version || !pk->name[0])
            __builtin_trap();
    }
}

static inline bool drive_printable(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ')
            return false;
    return true;
}

/* The whole body of a lockfile target: carves one to three files from the
 * input, each named by one of `paths` (all of which the analyzer must
 * want), feeds them, ends, and traps on a failure other than ST_ENOMEM or
 * on a package that is not a well-formed `type` package. */

/* release and the context; safe on a drive whose ctx is NULL. */
static inline void drive_free(drive *d)
{
    if (d->ctx && d->ops->release)
        d->ops->release(d->state);
    if (d->ctx)
        st_scan__test_ctx_free(d->ctx);
    d->ctx = NULL;
    d->state = NULL;
}

static inline void drive_carved(const st_analyzer_ops *ops,
                                const char *const *paths, size_t npaths,
                                const char *type, const uint8_t *data,
                                size_t size)
{
    fdp p = fdp_new(data, size);
    drive dr = drive_new(ops);
    unsigned files = npaths > 1 ? fdp_range(&p, 1, 3) : 1;
    int rc = 0;

    if (!dr.begun)
        goto done;
    for (unsigned i = 0; i < files && rc >= 0; i++) {
        size_t n;
        const char *path =
            paths[npaths > 1 ? fdp_range(&p, 0, (uint32_t)npaths - 1) : 0];
        const uint8_t *d = i + 1 < files ? fdp_chunk(&p, &n) : fdp_rest(&p, &n);
        rc = drive_file(&dr, path, 0, true, d, n);
        if (rc == DRIVE_UNWANTED)
            __builtin_trap(); /* the paths are all wanted */
        /* only ST_ENOMEM may fail a file: malformed input is a diagnostic */
        if (rc < 0 && rc != ST_ENOMEM)
            __builtin_trap();
    }
    if (rc >= 0 && drive_finish(&dr) < 0)
        __builtin_trap();
    {
        st_result *r = drive_result(&dr);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *pk = st_result_package(r, i);
            if (!drive_printable(pk->name) || !drive_printable(pk->version) ||
                !pk->found_in || strcmp(pk->type, type) || pk->direct < -1 ||
                pk->direct > 1 || pk->dev < 0 || pk->dev > 1)
                __builtin_trap();
        }
    }
done:
    drive_free(&dr);
}

#endif
