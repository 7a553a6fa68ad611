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
#include "drive.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_php;

enum { LAYER = 0 };

static char *slurp(const char *rel, size_t *len)
{
    return drive_slurp(NULL, rel, len);
}

static void feed(drive *r, const char *path, const char *d, size_t n)
{
    assert_int_equal(drive_file(r, path, LAYER, true, d, n), 0);
}

static void feed_file(drive *r, const char *path, const char *rel)
{
    size_t len;
    char *d = slurp(rel, &len);
    feed(r, path, d, len);
    free(d);
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
        p = drive_pkg_in(res, f[1], lock ? lock_path : inst_path);
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
        st_entry e = drive_entry(cases[i].path, LAYER, true, 0);
        if (ops->wants(&e) != cases[i].want)
            fail_msg("wants(%s) != %d", cases[i].path, cases[i].want);
    }
}

static void test_php__composer2_project(void **state)
{
    const st_result *res;
    const st_package *p;
    drive r;
    (void)state;

    r = drive_new(ops);
    /* the lock before its composer.json: direct is settled in end() */
    feed_file(&r, "var/www/app/composer.lock", "php/composer.lock");
    feed_file(&r, "var/www/app/vendor/composer/installed.json",
              "php/installed.json");
    feed_file(&r, "var/www/app/composer.json", "php/composer.json");
    res = drive_finish(&r);
    compare_expected(res, "/var/www/app/composer.lock",
                     "/var/www/app/vendor/composer/installed.json");
    p = drive_pkg_in(res, "acme/devtool", "/var/www/app/composer.lock");
    assert_string_equal(p->license, "LGPL-2.1-only OR GPL-3.0-or-later");
    p = drive_pkg_in(res, "symfony/http-kernel",
            "/var/www/app/vendor/composer/installed.json");
    assert_string_equal(p->license, "MIT");
    assert_int_equal(p->layer_index, 0);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
}

static void test_php__lock_without_manifest(void **state)
{
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed_file(&r, "composer.lock", "php/composer.lock");
    /* a composer.json elsewhere says nothing about this lock */
    feed_file(&r, "other/composer.json", "php/composer.json");
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(st_result_package(res, i)->direct, -1);
    drive_free(&r);
}

/* Composer 1 wrote installed.json as a bare array, with no dev list. */
static void test_php__composer1_installed(void **state)
{
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed_file(&r, "app/vendor/composer/installed.json",
              "php/installed-composer1.json");
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 3);
    assert_string_equal(
        drive_pkg_in(res, "symfony/http-kernel", "/app/vendor/composer/installed.json")
            ->version,
        "v5.4.19");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(st_result_package(res, i)->dev, 0);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
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
        drive r;
        const st_result *res;
        r = drive_new(ops);
        feed(&r, cases[i].path, cases[i].text, strlen(cases[i].text));
        res = drive_finish(&r);
        if (st_result_package_count(res) != cases[i].packages ||
            st_result_diagnostic_count(res) != cases[i].diags)
            fail_msg("case %zu: %zu packages, %zu diagnostics", i,
                     st_result_package_count(res),
                     st_result_diagnostic_count(res));
        if (i == 10)
            assert_int_equal(st_result_package(res, 0)->dev, 1);
        drive_free(&r);
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
        st_entry a = drive_entry("composer.lock", LAYER, true, 0), b = drive_entry("composer.json", LAYER, true, 0),
                 c = drive_entry("vendor/composer/installed.json", LAYER, true, 0);
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
