/* Fuzz target: the npm analyzer on package-lock.json (on an input that
 * starts with 'I': the rest as an installed node_modules/x/package.json),
 * driven through st_scan__test_ctx as the walker drives it. Content is
 * handed over without a terminating NUL, as the walker's buffer may be.
 * Differential: when the fast scanner of v2/v3 locks and the jansson
 * reference both accept the input, they list exactly the same packages
 * (the scanner may accept more: numbers past the range of a double). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/npm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const st_result *r)
{
    for (size_t i = 0; i < st_result_package_count(r); i++) {
        const st_package *p = st_result_package(r, i);
        if (!p->name || !p->version || !p->name[0] || !p->version[0] ||
            strcmp(p->type, "npm") || p->direct < -1 || p->direct > 1 ||
            (p->dev != 0 && p->dev != 1))
            __builtin_trap();
    }
}

static bool same(const st_package *a, const st_package *b)
{
    return !strcmp(a->name, b->name) && !strcmp(a->version, b->version) &&
           a->direct == b->direct && a->dev == b->dev &&
           !a->license == !b->license &&
           (!a->license || !strcmp(a->license, b->license));
}

/* Both parsers on the same lockfile. */
static void differential(const char *d, size_t n, const st_entry *e)
{
    st_scan_ctx *c1 = st_scan__test_ctx(), *c2 = st_scan__test_ctx();
    st_npm_file f1, f2;
    int rc;
    if (!c1 || !c2)
        goto done;
    memset(&f1, 0, sizeof(f1));
    memset(&f2, 0, sizeof(f2));
    f1.ctx = c1;
    f2.ctx = c2;
    f1.e = f2.e = e;
    f1.found_in = f2.found_in = "/app/package-lock.json";
    rc = st_npm__lock_fast(&f1, d, n);
    if (rc == ST_ENOTFOUND) {
        if (st_result_package_count(st_scan__test_result(c1)))
            __builtin_trap(); /* fell back after emitting */
        goto done;
    }
    if (rc < 0 || st_npm__lock_tree(&f2, d, n) < 0)
        goto done; /* out of memory */
    if (st_result_diagnostic_count(st_scan__test_result(c2)))
        goto done; /* jansson rejected it */
    {
        st_result *r1 = st_scan__test_result(c1);
        st_result *r2 = st_scan__test_result(c2);
        size_t k = st_result_package_count(r1);
        if (k != st_result_package_count(r2) || f1.skipped != f2.skipped)
            __builtin_trap();
        for (size_t i = 0; i < k; i++)
            if (!same(st_result_package(r1, i), st_result_package(r2, i)))
                __builtin_trap();
    }
done:
    if (c1)
        st_scan__test_ctx_free(c1);
    if (c2)
        st_scan__test_ctx_free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_npm;
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    char *copy = malloc(size ? size : 1);
    bool installed = size && data[0] == 'I';
    st_entry e;

    if (!ctx || !copy)
        goto done;
    memset(&e, 0, sizeof(e));
    e.path = "app/package-lock.json";
    if (installed) {
        e.path = "app/node_modules/x/package.json";
        data++;
        size--;
    }
    memcpy(copy, data, size);
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.size = size;
    e.visible = true;
    if (ops->begin && ops->begin(&state, ctx) < 0)
        goto done;
    if (ops->wants(&e) && ops->file(state, ctx, &e, copy, size) >= 0 &&
        ops->end)
        ops->end(state, ctx);
    check(st_scan__test_result(ctx));
    if (!installed)
        differential(copy, size, &e);
done:
    if (ops->release)
        ops->release(state);
    if (ctx)
        st_scan__test_ctx_free(ctx);
    free(copy);
    return 0;
}
