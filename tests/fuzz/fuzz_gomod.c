/* Fuzz target: the gomod analyzer on a hostile go.mod, driven through
 * st_scan__test_ctx as the walker drives it. Every package it lists must
 * have a name without spaces or control bytes and, when it has a version,
 * a non-empty one; a replaced one names its original. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool clean(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_gomod;
    st_scan_ctx *ctx = st_scan__test_ctx();
    st_entry e;

    if (!ctx)
        return 0;
    memset(&e, 0, sizeof(e));
    e.path = "src/app/go.mod";
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.mode = 0644;
    e.size = size;
    e.visible = true;
    if (ops->wants(&e) &&
        ops->file(NULL, ctx, &e, (const char *)data, size) == 0) {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *p = st_result_package(r, i);
            if (!clean(p->name) || (p->version && !clean(p->version)) ||
                strcmp(p->type, "golang") ||
                strcmp(p->found_in, "/src/app/go.mod") ||
                (!p->version && !p->source_name) ||
                (p->source_name && !clean(p->source_name)))
                __builtin_trap();
        }
    }
    st_scan__test_ctx_free(ctx);
    return 0;
}
