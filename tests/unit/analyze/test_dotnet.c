/* dotnet: a deps.json and a packages.lock.json written by hand after
 * Microsoft's documented formats (no .NET SDK on Debian to make real ones)
 * against hand-checked golden lists in tests/data/dotnet, and malformed
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

static const st_analyzer_ops *ops = &st_analyzer_dotnet;

enum { LAYER = 1 };

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

/* Rows "name version direct [dev]". */
static void
check_tsv(const st_result *res, const char *tsv, const char *found_in)
{
    size_t len, rows = 0;
    char *t = slurp(tsv, &len), *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[4] = {line, NULL, NULL, NULL};
        int nf = 1;
        const st_package *p;
        if (line[0] == '#')
            continue;
        for (char *c = line; *c && nf < 4; c++)
            if (*c == '\t') {
                *c = 0;
                f[nf++] = c + 1;
            }
        assert_true(nf >= 3);
        p = drive_pkg(res, f[0]);
        if (!p)
            fail_msg("%s: no package %s", tsv, f[0]);
        assert_string_equal(p->type, "nuget");
        assert_string_equal(p->version, f[1]);
        assert_int_equal(p->direct, strtol(f[2], NULL, 10));
        assert_int_equal(p->dev, nf > 3 ? strtol(f[3], NULL, 10) : 0);
        assert_string_equal(p->found_in, found_in);
        assert_int_equal(p->layer_index, 1);
        rows++;
    }
    assert_int_equal(st_result_package_count(res), rows);
    free(t);
}

static void test_dotnet__wants(void **state)
{
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"app/WebApp.deps.json", true},
        {"WebApp.deps.json", true},
        {"usr/share/dotnet/shared/Microsoft.NETCore.App/6.0.8/"
         "Microsoft.NETCore.App.deps.json",
         true},
        {"app/.deps.json", false},
        {"app/deps.json", false},
        {"app/WebApp.runtimeconfig.json", false},
        {"src/WebApp/packages.lock.json", true},
        {"packages.lock.json", true},
        {"src/my-packages.lock.json", false},
        {"src/packages.lock.json.orig", false},
        {"app/WebApp.deps.json.bak", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_entry e = drive_entry(cases[i].path, LAYER, true, 0);
        if (ops->wants(&e) != cases[i].want)
            fail_msg("wants(%s) != %d", cases[i].path, cases[i].want);
    }
}

static void test_dotnet__deps_json(void **state)
{
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed_file(&r, "app/WebApp.deps.json", "dotnet/WebApp.deps.json");
    res = drive_finish(&r);
    check_tsv(res, "dotnet/WebApp.deps.expected.tsv", "/app/WebApp.deps.json");
    /* projects and the runtime pack are not NuGet packages */
    assert_null(drive_pkg(res, "WebApp"));
    assert_null(drive_pkg(res, "WebApp.Core"));
    assert_null(
        drive_pkg(res, "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64"));
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
}

static void test_dotnet__packages_lock(void **state)
{
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed_file(&r, "src/WebApp/packages.lock.json", "dotnet/packages.lock.json");
    res = drive_finish(&r);
    check_tsv(res, "dotnet/packages.lock.expected.tsv",
              "/src/WebApp/packages.lock.json");
    assert_null(drive_pkg(res, "shared.lib")); /* "type": "Project" */
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
}

/* No runtimeTarget: the only target is used; no targets: all runtime and
 * direct unknown. */
static void test_dotnet__deps_targets(void **state)
{
    static const char one[] =
        "{\"targets\": {\".NETCoreApp,Version=v8.0\": {"
        "\"A/1.0.0\": {\"dependencies\": {\"B\": \"2.0.0\"}},"
        "\"B/2.0.0\": {\"runtime\": {\"lib/B.dll\": {}}},"
        "\"C/3.0.0\": {\"runtime\": {}}}},"
        "\"libraries\": {\"A/1.0.0\": {\"type\": \"project\"},"
        "\"B/2.0.0\": {\"type\": \"package\"},"
        "\"C/3.0.0\": {\"type\": \"package\"},"
        "\"D/4.0.0\": {\"type\": \"package\"},"
        "\"E/5.0.0\": {\"type\": \"reference\"}}}";
    static const char none[] = "{\"libraries\": {\"B/2.0.0\": "
                               "{\"type\": \"package\"}}}";
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed(&r, "a.deps.json", one, sizeof(one) - 1);
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 3);
    assert_int_equal(drive_pkg(res, "B")->direct, 1);
    assert_int_equal(drive_pkg(res, "B")->dev, 0);
    assert_int_equal(drive_pkg(res, "C")->direct, 0);
    assert_int_equal(drive_pkg(res, "C")->dev, 1); /* empty runtime */
    assert_int_equal(drive_pkg(res, "D")->dev, 0); /* not in the target */
    drive_free(&r);

    r = drive_new(ops);
    feed(&r, "b.deps.json", none, sizeof(none) - 1);
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 1);
    assert_int_equal(drive_pkg(res, "B")->direct, -1);
    assert_int_equal(drive_pkg(res, "B")->dev, 0);
    drive_free(&r);
}

static void test_dotnet__malformed(void **state)
{
    static const struct {
        const char *path, *text;
        size_t packages, diags;
    } cases[] = {
        {"a.deps.json", "", 0, 1},
        {"a.deps.json", "[]", 0, 1},
        {"a.deps.json", "{}", 0, 1},
        {"a.deps.json", "{\"libraries\": []}", 0, 1},
        {"a.deps.json",
         "{\"libraries\": {\"NoVersion\": {\"type\": \"package\"},"
         "\"/1.0\": {\"type\": \"package\"}, \"X/\": {\"type\": \"package\"},"
         "\"A/B/1.0\": {\"type\": \"package\"},"
         "\"Ok/1.0\": {\"type\": \"package\"}, \"P/1\": 5,"
         "\"Q/1\": {\"type\": 7}}}",
         1, 1},
        {"a.deps.json",
         "{\"runtimeTarget\": {\"name\": \"missing\"}, \"targets\": 3,"
         "\"libraries\": {\"Ok/1.0\": {\"type\": \"package\"}}}",
         1, 0},
        {"packages.lock.json", "{}", 0, 1},
        {"packages.lock.json", "{\"dependencies\": []}", 0, 1},
        {"packages.lock.json",
         "{\"dependencies\": {\"net6.0\": 3, \"net7.0\": {"
         "\"A\": {\"type\": \"Direct\"},"
         "\"B\": {\"resolved\": \"1.0\"},"
         "\"C\": {\"type\": \"Transitive\", \"resolved\": \"\"},"
         "\"D E\": {\"type\": \"Transitive\", \"resolved\": \"1.0\"},"
         "\"F\": {\"type\": \"Weird\", \"resolved\": \"2.0\"},"
         "\"G\": 1}}}",
         1, 1},
        {"packages.lock.json", "{\"a\":1,\"a\":2}", 0, 1},
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
        drive_free(&r);
    }
}

static void test_dotnet__alloc_failures(void **state)
{
    size_t dl, ll;
    char *deps = slurp("dotnet/WebApp.deps.json", &dl);
    char *lock = slurp("dotnet/packages.lock.json", &ll);
    (void)state;
    for (long n = 1; n < 200; n++) {
        st_scan_ctx *ctx = st_scan__test_ctx();
        st_entry a = drive_entry("a.deps.json", LAYER, true, 0), b = drive_entry("packages.lock.json", LAYER, true, 0);
        int rc;
        assert_non_null(ctx);
        st_alloc_fail_after(n);
        rc = ops->file(NULL, ctx, &a, deps, dl);
        if (rc == 0)
            rc = ops->file(NULL, ctx, &b, lock, ll);
        st_alloc_fail_after(0);
        assert_true(rc == 0 || rc == ST_ENOMEM);
        st_scan__test_ctx_free(ctx);
    }
    free(deps);
    free(lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dotnet__wants),
        cmocka_unit_test(test_dotnet__deps_json),
        cmocka_unit_test(test_dotnet__packages_lock),
        cmocka_unit_test(test_dotnet__deps_targets),
        cmocka_unit_test(test_dotnet__malformed),
        cmocka_unit_test(test_dotnet__alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
