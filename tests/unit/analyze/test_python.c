/* python: installed distributions (real Debian metadata and hand-made
 * ones), requirements files, poetry/Pipfile/uv locks against hand-checked
 * golden lists (tests/data/python/…/expected.tsv: name, version, direct,
 * dev), manifests met before or after their lock, malformed files as
 * diagnostics, and allocation failures. */
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

static const st_analyzer_ops *ops = &st_analyzer_python;

static char *slurp(const char *rel, size_t *len)
{
    return drive_slurp("python", rel, len);
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

/* Feeds tests/data/python/<rel> as the image file <path>. */
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
    drive_check_tsv(res, "python", tsv, "pypi");
}

/* ---- installed ----------------------------------------------------------- */

#define SP "site-packages/"
static const char *const installed_files[][2] = {
    {SP "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
     "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA"},
    {SP "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
     "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"},
    {SP "usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA",
     "usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"},
    {SP "usr/local/lib/python3.11/site-packages/legacy_pkg-0.9.egg-info",
     "usr/local/lib/python3.11/site-packages/legacy_pkg-0.9.egg-info"},
    {SP "usr/local/lib/python3.11/site-packages/broken-1.0.dist-info/METADATA",
     "usr/local/lib/python3.11/site-packages/broken-1.0.dist-info/METADATA"},
};

static void test_python__installed(void **state)
{
    drive r;
    const st_result *res;
    const st_package *p;
    (void)state;

    r = drive_new(ops);
    for (size_t i = 0; i < sizeof(installed_files) / sizeof(installed_files[0]); i++)
        feed(&r, installed_files[i][0], installed_files[i][1]);
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 4);
    p = drive_pkg(res, "PyYAML");
    assert_non_null(p);
    assert_string_equal(p->version, "6.0");
    assert_string_equal(p->license, "MIT");
    assert_string_equal(p->found_in,
                        "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA");
    assert_int_equal(p->direct, -1);
    assert_int_equal(p->dev, 0);
    p = drive_pkg(res, "six");
    assert_string_equal(p->version, "1.16.0");
    assert_string_equal(p->license, "MIT");
    /* the body after the headers is not read: "Version: 9.9.9" there */
    p = drive_pkg(res, "requests");
    assert_string_equal(p->version, "2.19.0");
    assert_string_equal(p->license, "Apache 2.0");
    /* License: UNKNOWN falls back to the classifiers */
    p = drive_pkg(res, "legacy_pkg");
    assert_string_equal(p->version, "0.9");
    assert_string_equal(p->license, "BSD License, MIT License");
    assert_true(drive_has_diag(res, "no Name or Version field"));
    drive_free(&r);
}

static void test_python__which_files(void **state)
{
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"usr/lib/python3.11/site-packages/a-1.dist-info/METADATA", true},
        {"usr/lib/python3/dist-packages/a-1.egg-info/PKG-INFO", true},
        {"usr/lib/python3/dist-packages/a-1.egg-info", true},
        {"site-packages/a-1.dist-info/METADATA", true},
        {"venv/lib/python3.12/site-packages/a-1.dist-info/METADATA", true},
        {"usr/share/doc/a-1.dist-info/METADATA", false},
        {"usr/lib/python3/dist-packages/a-1.dist-info/RECORD", false},
        {"usr/lib/python3/dist-packages/a/b-1.dist-info/METADATA", false},
        {"usr/lib/python3/dist-packages/a-1.dist-info/PKG-INFO", false},
        {"usr/lib/python3/my-site-packages/a-1.dist-info/METADATA", false},
        {"METADATA", false},
        {"app/requirements.txt", true},
        {"app/requirements-dev.txt", true},
        {"requirements_test.txt", true},
        {"app/requirements.in", false},
        {"app/requirements", false},
        {"app/poetry.lock", true},
        {"app/Pipfile.lock", true},
        {"app/Pipfile", true},
        {"app/uv.lock", true},
        {"app/pyproject.toml", true},
        {"app/setup.py", false},
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
        e.type = ST_ENTRY_DIR;
        assert_false(ops->wants(&e));
    }
}

/* ---- requirements ----------------------------------------------------- */

static void test_python__requirements(void **state)
{
    drive r;
    const st_result *res;
    static const char *const unpinned[] = {
        "line 15: unpinned: flask>=2.0",
        "line 16: unpinned: numpy",
        "line 17: unpinned: pandas==1.*",
        "line 18: unpinned: -e git+https://github.com/example/project.git#egg=project",
        "line 19: unpinned: https://example.com/pkg-1.0.tar.gz",
        "line 3: includes another file (not followed): -r requirements-base.txt",
    };
    (void)state;

    r = drive_new(ops);
    feed(&r, "requirements/requirements.txt", "app/requirements.txt");
    res = drive_finish(&r);
    check_tsv(res, "requirements/requirements.expected.tsv");
    for (size_t i = 0; i < sizeof(unpinned) / sizeof(unpinned[0]); i++)
        if (!drive_has_diag(res, unpinned[i]))
            fail_msg("no diagnostic \"%s\"", unpinned[i]);
    assert_int_equal(st_result_diagnostic_count(res), 6);
    assert_string_equal(drive_pkg(res, "Django")->found_in,
                        "/app/requirements.txt");
    drive_free(&r);

    r = drive_new(ops);
    feed(&r, "requirements/requirements-compiled.txt",
         "requirements-compiled.txt");
    res = drive_finish(&r);
    check_tsv(res, "requirements/requirements-compiled.expected.tsv");
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
}

static void test_python__requirements_edges(void **state)
{
    static const char text[] =
        "a==1\r\n"                 /* CRLF */
        "b == 2 ; os_name=='nt' \\\n"
        "   --hash=sha256:00\n"    /* continuation */
        "c[x] ==3#no space: part of the version, so unpinned\n"
        "d==4 # via -r x.in\n"     /* annotation on the line */
        "e===5.0+local\n"
        "f==6,<7\n"                /* two clauses: not pinned */
        "==7\n"                    /* no name */
        "g==\n"
        "h==8 \\";                 /* continuation at the end of the file */
    drive r;
    const st_result *res;
    (void)state;

    r = drive_new(ops);
    assert_true(feed_mem(&r, "requirements.txt", text, sizeof(text) - 1));
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 5);
    assert_string_equal(drive_pkg(res, "a")->version, "1");
    assert_string_equal(drive_pkg(res, "b")->version, "2");
    assert_null(drive_pkg(res, "c"));
    assert_int_equal(drive_pkg(res, "d")->direct, 1);
    assert_string_equal(drive_pkg(res, "e")->version, "5.0+local");
    assert_string_equal(drive_pkg(res, "h")->version, "8");
    assert_true(drive_has_diag(res, "line 4: unpinned: c[x] ==3#no"));
    assert_true(drive_has_diag(res, "line 7: unpinned: f==6,<7"));
    assert_true(drive_has_diag(res, "line 8: unpinned: ==7"));
    assert_true(drive_has_diag(res, "line 9: unpinned: g=="));
    drive_free(&r);

    /* UTF-16 (Windows' pip freeze > file) is not read as text */
    r = drive_new(ops);
    assert_true(feed_mem(&r, "requirements.txt", "\xff\xfe" "a\0=\0=\0" "1\0",
                         10));
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 0);
    assert_true(drive_has_diag(res, "not a text file"));
    drive_free(&r);
}

/* ---- locks --------------------------------------------------------------- */

static void lock_case(const char *dir, const char *lock, const char *manifest,
                      bool manifest_first)
{
    char lp[256], mp[256], dl[256], dm[256], tsv[256];
    drive r;
    const st_result *res;

    snprintf(lp, sizeof(lp), "%s/%s", dir, lock);
    snprintf(dl, sizeof(dl), "srv/%s/%s", dir, lock);
    snprintf(tsv, sizeof(tsv), "%s/expected.tsv", dir);
    r = drive_new(ops);
    if (manifest && manifest_first) {
        snprintf(mp, sizeof(mp), "%s/%s", dir, manifest);
        snprintf(dm, sizeof(dm), "srv/%s/%s", dir, manifest);
        feed(&r, mp, dm);
    }
    feed(&r, lp, dl);
    if (manifest && !manifest_first) {
        snprintf(mp, sizeof(mp), "%s/%s", dir, manifest);
        snprintf(dm, sizeof(dm), "srv/%s/%s", dir, manifest);
        feed(&r, mp, dm);
    }
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

static void test_python__poetry(void **state)
{
    (void)state;
    lock_case("poetry1", "poetry.lock", "pyproject.toml", true);
    lock_case("poetry1", "poetry.lock", "pyproject.toml", false);
    lock_case("poetry2", "poetry.lock", "pyproject.toml", false);
    lock_case("poetry21", "poetry.lock", NULL, false);
}

static void test_python__poetry_without_manifest(void **state)
{
    drive r;
    const st_result *res;
    (void)state;
    r = drive_new(ops);
    feed(&r, "poetry1/poetry.lock", "poetry.lock");
    /* a manifest elsewhere is not the lock's */
    feed(&r, "poetry1/pyproject.toml", "other/pyproject.toml");
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 9);
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(st_result_package(res, i)->direct, -1);
    assert_int_equal(drive_pkg(res, "pytest")->dev, 1); /* category */
    drive_free(&r);
}

static void test_python__pipenv(void **state)
{
    (void)state;
    lock_case("pipenv", "Pipfile.lock", "Pipfile", true);
    lock_case("pipenv", "Pipfile.lock", "Pipfile", false);
}

static void test_python__uv(void **state)
{
    (void)state;
    lock_case("uv", "uv.lock", NULL, false);
}

static void test_python__malformed(void **state)
{
    static const struct {
        const char *path, *data, *diag;
    } cases[] = {
        {"a/poetry.lock", "[[package]]\nname = \"x\"\nname = \"y\"\n",
         "a/poetry.lock:3:1: duplicate key 'name'"},
        {"b/uv.lock", "version = 1\n[[package]\nname = \"x\"\n",
         "b/uv.lock:2:11: expected ']]' to close a header"},
        {"c/Pipfile.lock", "{\"default\": ", "c/Pipfile.lock: line 1"},
        {"d/Pipfile.lock", "[1]", "not a JSON object"},
        {"e/pyproject.toml", "[project\n", "e/pyproject.toml:1:9"},
        {"f/poetry.lock", "[[package]]\nname = \"x\"\n[[package]]\nversion = \"1\"\n",
         "2 [[package]] entries without a name or version skipped"},
        {"g/Pipfile.lock", "{\"default\": {\"x\": {\"version\": \">=1\"}}}",
         "1 entries without a pinned version skipped"},
        {"h/uv.lock", "[[package]]\nname = \"x\"\nversion = 1\n",
         "1 [[package]] entries without a name or version skipped"},
        {"usr/lib/python3/dist-packages/x.dist-info/METADATA", "garbage\n",
         "no Name or Version field"},
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
            fail_msg("%s: no diagnostic \"%s\" (%zu diagnostics)",
                     cases[i].path, cases[i].diag,
                     st_result_diagnostic_count(res));
        drive_free(&r);
    }
}

/* Every file at once under every allocation failure: ST_ENOMEM or
 * success, never a crash or a leak. */
static void test_python__alloc_failure(void **state)
{
    static const char *const files[][2] = {
        {"requirements/requirements-compiled.txt", "requirements.txt"},
        {"poetry2/poetry.lock", "poetry.lock"},
        {"poetry2/pyproject.toml", "pyproject.toml"},
        {"pipenv/Pipfile.lock", "Pipfile.lock"},
        {"pipenv/Pipfile", "Pipfile"},
        {"uv/uv.lock", "uv.lock"},
        {SP "usr/local/lib/python3.11/site-packages/legacy_pkg-0.9.egg-info",
         "usr/local/lib/python3.11/site-packages/legacy_pkg-0.9.egg-info"},
    };
    char *data[7];
    size_t len[7];
    long last_fail = 0;
    (void)state;

    json_set_alloc_funcs(st_malloc, st_free);
    for (size_t i = 0; i < 7; i++)
        data[i] = slurp(files[i][0], &len[i]);
    for (long n = 1; n < 20000 && n < last_fail + 200; n++) {
        st_scan_ctx *ctx = st_scan__test_ctx();
        void *st = NULL;
        int rc;
        assert_non_null(ctx);
        st_alloc_fail_after(n);
        rc = ops->begin(&st, ctx);
        for (size_t i = 0; i < 7 && rc >= 0; i++) {
            st_entry e;
            memset(&e, 0, sizeof(e));
            e.path = files[i][1];
            e.path_len = strlen(e.path);
            e.type = ST_ENTRY_FILE;
            e.visible = true;
            rc = ops->file(st, ctx, &e, data[i], len[i]);
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
    for (size_t i = 0; i < 7; i++)
        free(data[i]);
    json_set_alloc_funcs(malloc, free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python__installed),
        cmocka_unit_test(test_python__which_files),
        cmocka_unit_test(test_python__requirements),
        cmocka_unit_test(test_python__requirements_edges),
        cmocka_unit_test(test_python__poetry),
        cmocka_unit_test(test_python__poetry_without_manifest),
        cmocka_unit_test(test_python__pipenv),
        cmocka_unit_test(test_python__uv),
        cmocka_unit_test(test_python__malformed),
        cmocka_unit_test(test_python__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
