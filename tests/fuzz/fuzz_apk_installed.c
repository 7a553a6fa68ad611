/* Fuzz target: the apk analyzer on lib/apk/db/installed, driven through
 * st_scan__test_ctx like the walker drives it. The data producer carves
 * one to three copies of the database: the visible top copy, then lower
 * copies that date the packages (layer attribution). */
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
    const st_analyzer_ops *ops = &st_analyzer_apk;
    fdp p = fdp_new(data, size);
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    unsigned copies = fdp_range(&p, 1, 3);
    int rc = 0;

    if (!ctx)
        return 0;
    if (ops->begin(&state, ctx) < 0)
        goto done;
    for (unsigned c = 0; c < copies && rc >= 0; c++) {
        size_t n;
        const uint8_t *d = c + 1 < copies ? fdp_chunk(&p, &n)
                                          : fdp_rest(&p, &n);
        rc = feed(ops, state, ctx, "lib/apk/db/installed",
                  (int)(copies - 1 - c), c == 0, d, n);
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
