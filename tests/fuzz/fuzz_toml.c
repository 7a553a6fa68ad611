/* Fuzz target: st_toml_parse with its production limits, then the lock
 * analyzers that read TOML (cargo: Cargo.lock + Cargo.toml; python:
 * poetry.lock + pyproject.toml, uv.lock) on the same bytes, so a tree that
 * parses also reaches the dependency-graph code. A parsed tree must dump
 * to JSON and read back the same (jansson agrees it is well-formed). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "util/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const st_analyzer_ops *ops, const char *lock,
                const char *manifest, const uint8_t *d, size_t n)
{
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    const char *paths[2] = {lock, manifest};
    int rc;
    if (!ctx)
        return;
    rc = ops->begin(&state, ctx);
    for (int i = 0; i < 2 && rc >= 0; i++) {
        st_entry e;
        if (!paths[i])
            continue;
        memset(&e, 0, sizeof(e));
        e.path = paths[i];
        e.path_len = strlen(paths[i]);
        e.type = ST_ENTRY_FILE;
        e.size = n;
        e.visible = true;
        if (!ops->wants(&e))
            __builtin_trap();
        rc = ops->file(state, ctx, &e, (const char *)d, n);
    }
    if (rc >= 0)
        rc = ops->end(state, ctx);
    if (rc < 0 && rc != ST_ENOMEM)
        __builtin_trap(); /* malformed input is a diagnostic, not an error */
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *p = st_result_package(r, i);
            if (!p->name || !p->name[0] || !p->version || !p->version[0] ||
                p->direct < -1 || p->direct > 1)
                __builtin_trap();
        }
    }
    ops->release(state);
    st_scan__test_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL, *back;
    st_error *err = NULL;
    int rc = st_toml_parse(&doc, (const char *)data, size, "fuzz.toml", &err);

    if (rc == 0) {
        char *s = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
        if (!s || !json_is_object(doc))
            __builtin_trap();
        back = json_loads(s, JSON_ALLOW_NUL, NULL);
        if (!back || !json_equal(doc, back))
            __builtin_trap();
        json_decref(back);
        free(s);
        json_decref(doc);
        run(&st_analyzer_cargo, "Cargo.lock", "Cargo.toml", data, size);
        run(&st_analyzer_python, "poetry.lock", "pyproject.toml", data, size);
        run(&st_analyzer_python, "uv.lock", NULL, data, size);
    } else {
        const char *m = st_error_message(err);
        if (doc || (rc != ST_EINVALID && rc != ST_ELIMIT && rc != ST_ENOMEM) ||
            !m || strncmp(m, "fuzz.toml", 9))
            __builtin_trap();
    }
    st_error_free(err);
    return 0;
}
