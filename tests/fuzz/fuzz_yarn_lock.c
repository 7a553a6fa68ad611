/* Fuzz target: the npm analyzer on yarn.lock, classic or berry (YAML, when it has
 * "__metadata:"), driven through
 * st_scan__test_ctx as the walker drives it. Content is handed over without
 * a terminating NUL, as the walker's buffer may be. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_npm;
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    char *copy = malloc(size ? size : 1);
    st_entry e;

    if (!ctx || !copy)
        goto done;
    memcpy(copy, data, size);
    memset(&e, 0, sizeof(e));
    e.path = "app/yarn.lock";
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.size = size;
    e.visible = true;
    if (ops->begin && ops->begin(&state, ctx) < 0)
        goto done;
    if (ops->wants(&e) && ops->file(state, ctx, &e, copy, size) >= 0 &&
        ops->end)
        ops->end(state, ctx);
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *p = st_result_package(r, i);
            if (!p->name || !p->version || !p->name[0] || !p->version[0] ||
                strcmp(p->type, "npm") || p->direct < -1 || p->direct > 1 ||
                (p->dev != 0 && p->dev != 1))
                __builtin_trap();
        }
    }
done:
    if (ops->release)
        ops->release(state);
    if (ctx)
        st_scan__test_ctx_free(ctx);
    free(copy);
    return 0;
}
