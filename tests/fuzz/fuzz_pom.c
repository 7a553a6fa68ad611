/* Fuzz target: the java analyzer on a pom.xml (hostile XML: entities,
 * DOCTYPEs, deep nesting, encodings, property loops), through
 * st_scan__test_ctx like the walker drives it. Every listed dependency
 * must have a "group:artifact" name, a version and found_in "/pom.xml". */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_java;
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    st_entry e;

    if (!ctx)
        return 0;
    memset(&e, 0, sizeof(e));
    e.path = "pom.xml";
    e.path_len = 7;
    e.type = ST_ENTRY_FILE;
    e.size = size;
    e.visible = true;
    if (ops->begin(&state, ctx) < 0)
        goto done;
    if (ops->file(state, ctx, &e, size ? (const char *)data : "", size) >= 0)
        ops->end(state, ctx);
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *pk = st_result_package(r, i);
            if (!pk->name || !strchr(pk->name, ':') || !pk->version ||
                !pk->version[0] || strcmp(pk->found_in, "/pom.xml") ||
                pk->direct != 1)
                __builtin_trap();
        }
    }
done:
    ops->release(state);
    st_scan__test_ctx_free(ctx);
    return 0;
}
