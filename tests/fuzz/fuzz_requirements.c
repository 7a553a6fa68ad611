/* Fuzz target: the python analyzer on a requirements.txt. Every package
 * must be a pinned name==version with a usable name and version; direct
 * stays in {-1, 0, 1}. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_python;
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    st_entry e;
    int rc;

    if (!ctx)
        return 0;
    memset(&e, 0, sizeof(e));
    e.path = "app/requirements-dev.txt";
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.size = size;
    e.visible = true;
    rc = ops->begin(&state, ctx);
    if (rc >= 0)
        rc = ops->file(state, ctx, &e, (const char *)data, size);
    if (rc >= 0)
        rc = ops->end(state, ctx);
    if (rc < 0 && rc != ST_ENOMEM)
        __builtin_trap();
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *p = st_result_package(r, i);
            if (!p->name || !p->name[0] || !p->version || !p->version[0] ||
                p->direct < -1 || p->direct > 1 ||
                strpbrk(p->version, " \t=<>;#,*") || strpbrk(p->name, " \t[=<>;"))
                __builtin_trap();
        }
    }
    ops->release(state);
    st_scan__test_ctx_free(ctx);
    return 0;
}
