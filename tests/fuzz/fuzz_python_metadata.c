/* Fuzz target: the python analyzer on installed-distribution metadata
 * (Core Metadata headers: dist-info/METADATA, egg-info/PKG-INFO or a
 * single-file egg-info), the first byte choosing which; and on the same
 * bytes as Pipfile.lock (JSON) with a Pipfile beside it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
    "usr/local/lib/python3.11/site-packages/x-1.egg-info/PKG-INFO",
    "usr/lib/python3/dist-packages/x-1.egg-info",
    "app/Pipfile.lock",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_python;
    st_scan_ctx *ctx;
    void *state = NULL;
    unsigned which;
    int rc;

    if (!size)
        return 0;
    which = data[0] % 4;
    data++;
    size--;
    if (!(ctx = st_scan__test_ctx()))
        return 0;
    rc = ops->begin(&state, ctx);
    for (int i = 0; i < (which == 3 ? 2 : 1) && rc >= 0; i++) {
        st_entry e;
        memset(&e, 0, sizeof(e));
        e.path = i ? "app/Pipfile" : paths[which];
        e.path_len = strlen(e.path);
        e.type = ST_ENTRY_FILE;
        e.size = size;
        e.visible = true;
        if (!ops->wants(&e))
            __builtin_trap();
        rc = ops->file(state, ctx, &e, (const char *)data, size);
    }
    if (rc >= 0)
        rc = ops->end(state, ctx);
    if (rc < 0 && rc != ST_ENOMEM)
        __builtin_trap();
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *p = st_result_package(r, i);
            if (!p->name || !p->name[0] || !p->version || !p->version[0] ||
                strcmp(p->type, "pypi"))
                __builtin_trap();
            for (const char *s = p->name; *s; s++)
                if ((unsigned char)*s < 0x20)
                    __builtin_trap();
        }
    }
    ops->release(state);
    st_scan__test_ctx_free(ctx);
    return 0;
}
