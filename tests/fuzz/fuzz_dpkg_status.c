/* Fuzz target: the dpkg analyzer on a status database, driven through
 * st_scan__test_ctx like the walker drives it. The data producer carves
 * one to three copies of var/lib/dpkg/status (visible top copy, then lower
 * copies for layer attribution), a status.d/ entry, an info/NAME.list and
 * a copyright file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int feed(const st_analyzer_ops *ops, void *state, st_scan_ctx *ctx,
                const char *path, int layer, bool visible, const uint8_t *d,
                size_t n)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.size = n;
    e.layer = layer;
    e.visible = visible;
    if (!ops->wants(&e))
        return 0;
    return ops->file(state, ctx, &e, (const char *)d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_dpkg;
    fdp p = fdp_new(data, size);
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    unsigned copies = fdp_range(&p, 1, 3);
    unsigned extras = fdp_range(&p, 0, 7);
    int rc = 0;

    if (!ctx)
        return 0;
    if (ops->begin(&state, ctx) < 0)
        goto done;
    for (unsigned c = 0; c < copies && rc >= 0; c++) {
        size_t n;
        const uint8_t *d = c + 1 < copies ? fdp_chunk(&p, &n)
                                          : fdp_rest(&p, &n);
        rc = feed(ops, state, ctx, "var/lib/dpkg/status",
                  (int)(copies - 1 - c), c == 0, d, n);
        if (c == 0 && rc >= 0 && (extras & 1)) {
            /* the same bytes as other databases the analyzer reads */
            rc = feed(ops, state, ctx, "var/lib/dpkg/status.d/base", 2,
                      true, d, n);
            if (rc >= 0 && (extras & 2))
                rc = feed(ops, state, ctx, "var/lib/dpkg/info/libc6:amd64.list",
                          2, true, d, n);
            if (rc >= 0 && (extras & 4))
                rc = feed(ops, state, ctx, "usr/share/doc/libc6/copyright", 2,
                          true, d, n);
        }
    }
    if (rc >= 0 && ops->end)
        ops->end(state, ctx);
    {
        st_result *r = st_scan__test_result(ctx);
        size_t n = st_result_package_count(r);
        for (size_t i = 0; i < n; i++) {
            const st_package *pk = st_result_package(r, i);
            /* a NUL inside a field once made a package named "" */
            if (!pk->name || !pk->version || !pk->source_name ||
                !pk->source_version || !pk->name[0])
                __builtin_trap();
        }
    }
done:
    ops->release(state);
    st_scan__test_ctx_free(ctx);
    return 0;
}
