/* cargo: Cargo.lock files against hand-checked golden lists
 * (tests/data/cargo/…/expected.tsv: name, version, direct, dev), the
 * manifest met before or after its lock, malformed files as diagnostics,
 * and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyze/analyzer.h"
#include "drive.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_cargo;

static char *slurp(const char *rel, size_t *len)
{
    return drive_slurp("cargo", rel, len);
}

/* Feeds `data` as the image file `path`; false when not wanted. */
static bool feed_mem(drive *r, const char *path, const char *data, size_t n)
{
    int rc = drive_file(r, path, 0, true, data, n);
    if (rc == DRIVE_UNWANTED)
        return false;
    assert_int_equal(rc, 0);
    return true;
}

/* Feeds tests/data/cargo/<rel> as the image file <path>. */
static void feed(drive *r, const char *rel, const char *path)
{
    size_t n;
    char *d = slurp(rel, &n);
    if (!feed_mem(r, path, d, n))
        fail_msg("%s not wanted", path);
    free(d);
}

static void check_tsv(const st_result *res, const char *tsv)
{
    drive_check_tsv(res, "cargo", tsv, "cargo");
}

static void lock_case(const char *dir, bool manifest, bool manifest_first)
{
    char lp[256], mp[256], dl[256], dm[256], tsv[256];
    drive r;
    const st_result *res;

    snprintf(lp, sizeof(lp), "%s/Cargo.lock", dir);
    snprintf(dl, sizeof(dl), "src/%s/Cargo.lock", dir);
    snprintf(mp, sizeof(mp), "%s/Cargo.toml", dir);
    snprintf(dm, sizeof(dm), "src/%s/Cargo.toml", dir);
    snprintf(tsv, sizeof(tsv), "%s/expected.tsv", dir);
    r = drive_new(ops);
    if (manifest && manifest_first)
        feed(&r, mp, dm);
    feed(&r, lp, dl);
    if (manifest && !manifest_first)
        feed(&r, mp, dm);
    res = drive_finish(&r);
    check_tsv(res, tsv);
    for (size_t i = 0; i < st_result_package_count(res); i++) {
        char want[300];
        snprintf(want, sizeof(want), "/%s", dl);
        assert_string_equal(st_result_package(res, i)->found_in, want);
    }
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
}

static void test_cargo__workspace(void **state)
{
    (void)state;
    lock_case("workspace", true, true);
    lock_case("workspace", true, false);
    lock_case("v1", false, false);
}

static void test_cargo__without_manifest(void **state)
{
    drive r;
    const st_result *res;
    (void)state;
    r = drive_new(ops);
    feed(&r, "workspace/Cargo.lock", "Cargo.lock");
    feed(&r, "workspace/Cargo.toml", "elsewhere/Cargo.toml");
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 11);
    for (size_t i = 0; i < 11; i++)
        assert_int_equal(st_result_package(res, i)->dev, 0);
    assert_int_equal(drive_pkg(res, "proptest")->direct, 1);
    assert_int_equal(drive_pkg(res, "regex-syntax")->direct, 0);
    drive_free(&r);
}

static void test_cargo__which_files(void **state)
{
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"Cargo.lock", true},
        {"app/Cargo.lock", true},
        {"app/Cargo.toml", true},
        {"root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.188/Cargo.toml",
         false},
        {"app/cargo.lock", false},
        {"app/Cargo.lock.orig", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_entry e;
        memset(&e, 0, sizeof(e));
        e.path = cases[i].path;
        e.path_len = strlen(e.path);
        e.type = ST_ENTRY_FILE;
        if (ops->wants(&e) != cases[i].want)
            fail_msg("%s: wants %d", cases[i].path, !cases[i].want);
        e.type = ST_ENTRY_SYMLINK;
        assert_false(ops->wants(&e));
    }
}

static void test_cargo__malformed(void **state)
{
    static const struct {
        const char *path, *data, *diag;
    } cases[] = {
        {"a/Cargo.lock", "version = 3\n[[package]]\nname = \"x\"\nname = \"y\"\n",
         "a/Cargo.lock:4:1: duplicate key 'name'"},
        {"b/Cargo.lock", "version = 3\n", "no [[package]] entries"},
        {"c/Cargo.lock",
         "[[package]]\nname = \"x\"\nsource = \"registry+x\"\n"
         "[[package]]\nname = \"y\"\nversion = \"\\u0001\"\nsource = \"s\"\n",
         "2 [[package]] entries without a name or version skipped"},
        {"d/Cargo.toml", "[package\n", "d/Cargo.toml:1:9"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        drive r;
        const st_result *res;
        r = drive_new(ops);
        assert_true(feed_mem(&r, cases[i].path, cases[i].data,
                             strlen(cases[i].data)));
        res = drive_finish(&r);
        assert_int_equal(st_result_package_count(res), 0);
        if (!drive_has_diag(res, cases[i].diag))
            fail_msg("%s: no diagnostic \"%s\"", cases[i].path, cases[i].diag);
        drive_free(&r);
    }
}

static void test_cargo__alloc_failure(void **state)
{
    char *lock, *toml;
    size_t llen, tlen;
    long last_fail = 0;
    (void)state;

    json_set_alloc_funcs(st_malloc, st_free);
    lock = slurp("workspace/Cargo.lock", &llen);
    toml = slurp("workspace/Cargo.toml", &tlen);
    for (long n = 1; n < 20000 && n < last_fail + 200; n++) {
        st_scan_ctx *ctx = st_scan__test_ctx();
        void *st = NULL;
        st_entry e;
        int rc;
        assert_non_null(ctx);
        memset(&e, 0, sizeof(e));
        e.type = ST_ENTRY_FILE;
        e.visible = true;
        st_alloc_fail_after(n);
        rc = ops->begin(&st, ctx);
        if (rc >= 0) {
            e.path = "Cargo.lock";
            e.path_len = strlen(e.path);
            rc = ops->file(st, ctx, &e, lock, llen);
        }
        if (rc >= 0) {
            e.path = "Cargo.toml";
            e.path_len = strlen(e.path);
            rc = ops->file(st, ctx, &e, toml, tlen);
        }
        if (rc >= 0)
            rc = ops->end(st, ctx);
        st_alloc_fail_after(0);
        if (rc < 0) {
            assert_int_equal(rc, ST_ENOMEM);
            last_fail = n;
        }
        ops->release(st);
        st_scan__test_ctx_free(ctx);
    }
    assert_true(last_fail > 100);
    free(lock);
    free(toml);
    json_set_alloc_funcs(malloc, free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cargo__workspace),
        cmocka_unit_test(test_cargo__without_manifest),
        cmocka_unit_test(test_cargo__which_files),
        cmocka_unit_test(test_cargo__malformed),
        cmocka_unit_test(test_cargo__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
