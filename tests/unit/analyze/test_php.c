/* php: a composer.lock and a vendor/composer/installed.json written by
 * Composer 2.5 against Composer's own `composer show` (tests/data/php,
 * expected.tsv), the Composer 1 installed.json array, and malformed
 * input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyzer.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_php;

static char *slurp(const char *rel, size_t *len)
{
    char p[1024];
    FILE *f;
    char *b;
    long n;
    snprintf(p, sizeof(p), "%s/%s", ST_TEST_DATA, rel);
    f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

typedef struct run {
    st_scan_ctx *ctx;
    void *state;
} run;

static void start(run *r)
{
    r->ctx = st_scan__test_ctx();
    assert_non_null(r->ctx);
    assert_int_equal(ops->begin(&r->state, r->ctx), 0);
}

static st_entry entry(const char *path)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.layer = 0;
    e.visible = true;
    return e;
}

static void feed(run *r, const char *path, const char *d, size_t n)
{
    st_entry e = entry(path);
    e.size = n;
    assert_true(ops->wants(&e));
    assert_int_equal(ops->file(r->state, r->ctx, &e, d, n), 0);
}

static void feed_file(run *r, const char *path, const char *rel)
{
    size_t len;
    char *d = slurp(rel, &len);
    feed(r, path, d, len);
    free(d);
}

static const st_result *finish(run *r)
{
    if (ops->end)
        assert_int_equal(ops->end(r->state, r->ctx), 0);
    ops->release(r->state);
    return st_scan__test_result(r->ctx);
}

static const st_package *
pkg(const st_result *res, const char *name, const char *found_in)
{
    for (size_t i = 0; i < st_result_package_count(res); i++) {
        const st_package *p = st_result_package(res, i);
        if (!strcmp(p->name, name) && !strcmp(p->found_in, found_in))
            return p;
    }
    return NULL;
}

/* expected.tsv: "lock name version direct dev" and "installed name
 * version dev" rows; found_in tells which file each package came from. */
static void compare_expected(const st_result *res,
                             const char *lock_path,
                             const char *inst_path)
{
    size_t len, rows = 0;
    char *t = slurp("php/expected.tsv", &len), *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[5] = {line};
        int nf = 1;
        const st_package *p;
        for (char *c = line; *c && nf < 5; c++)
            if (*c == '\t') {
                *c = 0;
                f[nf++] = c + 1;
            }
        bool lock = !strcmp(f[0], "lock");
        if (!lock && !inst_path)
            continue;
        if (lock && !lock_path)
            continue;
        p = pkg(res, f[1], lock ? lock_path : inst_path);
        if (!p)
            fail_msg("no package %s from %s", f[1], f[0]);
        assert_string_equal(p->type, "composer");
        assert_string_equal(p->version, f[2]);
        if (lock) {
            assert_int_equal(p->direct, strtol(f[3], NULL, 10));
            assert_int_equal(p->dev, strtol(f[4], NULL, 10));
        } else {
            assert_int_equal(p->direct, -1);
            assert_int_equal(p->dev, strtol(f[3], NULL, 10));
        }
        rows++;
    }
    assert_int_equal(st_result_package_count(res), rows);
    free(t);
}

static void test_php__wants(void **state)
{
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"composer.lock", true},
        {"var/www/app/composer.lock", true},
        {"var/www/app/composer.json", true},
        {"composer.json", true},
        {"var/www/app/vendor/symfony/http-kernel/composer.json", false},
        {"vendor/a/b/composer.json", false},
        {"var/www/app/vendor/composer/installed.json", true},
        {"vendor/composer/installed.json", true},
        {"composer/installed.json", true},
        {"app/mycomposer/installed.json", false},
        {"app/installed.json", false},
        {"installed.json", false},
        {"app/composer.lock.bak", false},
        {"app/my-composer.lock", false},
        {"app/vendor/composer/installed.php", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_entry e = entry(cases[i].path);
        if (ops->wants(&e) != cases[i].want)
            fail_msg("wants(%s) != %d", cases[i].path, cases[i].want);
    }
}

static void test_php__composer2_project(void **state)
{
    const st_result *res;
    const st_package *p;
    run r;
    (void)state;

    start(&r);
    /* the lock before its composer.json: direct is settled in end() */
    feed_file(&r, "var/www/app/composer.lock", "php/composer.lock");
    feed_file(&r, "var/www/app/vendor/composer/installed.json",
              "php/installed.json");
    feed_file(&r, "var/www/app/composer.json", "php/composer.json");
    res = finish(&r);
    compare_expected(res, "/var/www/app/composer.lock",
                     "/var/www/app/vendor/composer/installed.json");
    p = pkg(res, "acme/devtool", "/var/www/app/composer.lock");
    assert_string_equal(p->license, "LGPL-2.1-only OR GPL-3.0-or-later");
    p = pkg(res, "symfony/http-kernel",
            "/var/www/app/vendor/composer/installed.json");
    assert_string_equal(p->license, "MIT");
    assert_int_equal(p->layer_index, 0);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    st_scan__test_ctx_free(r.ctx);
}

static void test_php__lock_without_manifest(void **state)
{
    const st_result *res;
    run r;
    (void)state;

    start(&r);
    feed_file(&r, "composer.lock", "php/composer.lock");
    /* a composer.json elsewhere says nothing about this lock */
    feed_file(&r, "other/composer.json", "php/composer.json");
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(st_result_package(res, i)->direct, -1);
    st_scan__test_ctx_free(r.ctx);
}

/* Composer 1 wrote installed.json as a bare array, with no dev list. */
static void test_php__composer1_installed(void **state)
{
    const st_result *res;
    run r;
    (void)state;

    start(&r);
    feed_file(&r, "app/vendor/composer/installed.json",
              "php/installed-composer1.json");
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 3);
    assert_string_equal(
        pkg(res, "symfony/http-kernel", "/app/vendor/composer/installed.json")
            ->version,
        "v5.4.19");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(st_result_package(res, i)->dev, 0);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    st_scan__test_ctx_free(r.ctx);
}

static void test_php__malformed(void **state)
{
    static const struct {
        const char *path, *text;
        size_t packages, diags;
    } cases[] = {
        {"composer.lock", "", 0, 1},
        {"composer.lock", "{\"packages\": [", 0, 1},
        {"composer.lock", "[]", 0, 1},
        {"composer.lock", "{\"_readme\": []}", 0, 1},
        {"composer.lock", "{\"packages\": {}}", 0, 1},
        {"composer.lock", "{\"packages\": [], \"packages-dev\": []}", 0, 0},
        {"composer.lock",
         "{\"packages\": [{\"name\": \"a/b\"}, {\"version\": \"1\"}, 7, "
         "{\"name\": \"\", \"version\": \"1\"}, {\"name\": \"c/d\", "
         "\"version\": \"1.0\", \"license\": 5}, {\"name\": \"e f\", "
         "\"version\": \"1\"}]}",
         1, 1},
        {"composer.lock", "{\"a\": 1, \"a\": 2}", 0, 1}, /* duplicate key */
        {"vendor/composer/installed.json", "{}", 0, 1},
        {"vendor/composer/installed.json", "\"x\"", 0, 1},
        {"vendor/composer/installed.json",
         "{\"packages\": [{\"name\": \"a/b\", \"version\": \"1\"}], "
         "\"dev-package-names\": [3, \"a/b\", null]}",
         1, 0},
        {"composer.json", "not json", 0, 0}, /* only a hint: silent */
        {"composer.json", "[1]", 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run r;
        const st_result *res;
        start(&r);
        feed(&r, cases[i].path, cases[i].text, strlen(cases[i].text));
        res = finish(&r);
        if (st_result_package_count(res) != cases[i].packages ||
            st_result_diagnostic_count(res) != cases[i].diags)
            fail_msg("case %zu: %zu packages, %zu diagnostics", i,
                     st_result_package_count(res),
                     st_result_diagnostic_count(res));
        if (i == 10)
            assert_int_equal(st_result_package(res, 0)->dev, 1);
        st_scan__test_ctx_free(r.ctx);
    }
}

static void test_php__alloc_failures(void **state)
{
    size_t ll, il, ml;
    char *lock = slurp("php/composer.lock", &ll);
    char *inst = slurp("php/installed.json", &il);
    char *man = slurp("php/composer.json", &ml);
    (void)state;
    for (long n = 1; n < 300; n++) {
        st_scan_ctx *ctx = st_scan__test_ctx();
        void *st = NULL;
        int rc;
        st_entry a = entry("composer.lock"), b = entry("composer.json"),
                 c = entry("vendor/composer/installed.json");
        assert_non_null(ctx);
        st_alloc_fail_after(n);
        rc = ops->begin(&st, ctx);
        if (rc == 0)
            rc = ops->file(st, ctx, &a, lock, ll);
        if (rc == 0)
            rc = ops->file(st, ctx, &b, man, ml);
        if (rc == 0)
            rc = ops->file(st, ctx, &c, inst, il);
        if (rc == 0)
            rc = ops->end(st, ctx);
        st_alloc_fail_after(0);
        assert_true(rc == 0 || rc == ST_ENOMEM);
        ops->release(st);
        st_scan__test_ctx_free(ctx);
    }
    free(lock);
    free(inst);
    free(man);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_php__wants),
        cmocka_unit_test(test_php__composer2_project),
        cmocka_unit_test(test_php__lock_without_manifest),
        cmocka_unit_test(test_php__composer1_installed),
        cmocka_unit_test(test_php__malformed),
        cmocka_unit_test(test_php__alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
