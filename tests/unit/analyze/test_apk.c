/* apk: syft's real installed databases against their expected lists,
 * origin as the source, F:/R: file lists, malformed entries, layers. */
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

static const st_analyzer_ops *ops = &st_analyzer_apk;

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

static void feed(run *r, int layer, bool visible, const char *d, size_t n)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = "lib/apk/db/installed";
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.size = n;
    e.layer = layer;
    e.visible = visible;
    assert_true(ops->wants(&e));
    assert_int_equal(ops->file(r->state, r->ctx, &e, d, n), 0);
}

static st_result *finish(run *r)
{
    if (ops->end)
        assert_int_equal(ops->end(r->state, r->ctx), 0);
    ops->release(r->state);
    return st_scan__test_result(r->ctx);
}

static const st_package *pkg(const st_result *res, const char *name)
{
    for (size_t i = 0; i < st_result_package_count(res); i++)
        if (!strcmp(st_result_package(res, i)->name, name))
            return st_result_package(res, i);
    return NULL;
}

/* Compares the packages with an upstream expected.tsv (name, version). */
static void check_tsv(const st_result *res, const char *tsv)
{
    size_t len, rows = 0;
    char *t = slurp(tsv, &len), *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *tab, *tab2;
        if (line[0] == '#' || !strncmp(line, "name\t", 5))
            continue;
        tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        tab2 = strchr(tab + 1, '\t');
        if (tab2)
            *tab2 = 0;
        const st_package *p = pkg(res, line);
        if (!p)
            fail_msg("%s: no package %s", tsv, line);
        assert_string_equal(p->version, tab + 1);
        rows++;
    }
    assert_int_equal(st_result_package_count(res), rows);
    free(t);
}

static void test_apk__syft_single(void **state)
{
    (void)state;
    size_t len;
    char *db = slurp("apk/single", &len);
    run r;
    const st_result *res;
    const st_package *p;

    start(&r);
    feed(&r, 0, true, db, len);
    res = finish(&r);
    check_tsv(res, "apk/single.expected.tsv");
    p = pkg(res, "musl-utils");
    assert_string_equal(p->type, "apk");
    assert_string_equal(p->arch, "x86_64");
    assert_string_equal(p->source_name, "musl"); /* o: origin */
    assert_string_equal(p->source_version, "1.1.24-r2");
    assert_string_equal(p->license, "MIT BSD GPL2+");
    assert_string_equal(p->found_in, "/lib/apk/db/installed");
    assert_int_equal(p->layer_index, 0);
    static const char *const files[] = {"/sbin/ldconfig", "/usr/bin/iconv",
                                        "/usr/bin/ldd", "/usr/bin/getconf",
                                        "/usr/bin/getent"};
    assert_int_equal(p->file_count, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(p->files[i], files[i]);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    st_scan__test_ctx_free(r.ctx);
    free(db);
}

static void test_apk__syft_multiple(void **state)
{
    (void)state;
    size_t len;
    char *db = slurp("apk/multiple-1.installed", &len);
    run r;
    const st_result *res;

    start(&r);
    feed(&r, 1, true, db, len);
    res = finish(&r);
    check_tsv(res, "apk/multiple-1.installed.expected.tsv");
    assert_string_equal(pkg(res, "busybox-binsh")->source_name, "busybox");
    assert_int_equal(pkg(res, "busybox-binsh")->file_count, 1);
    assert_string_equal(pkg(res, "busybox-binsh")->files[0], "/bin/sh");
    assert_int_equal(pkg(res, "bash")->file_count, 0);
    assert_int_equal(pkg(res, "readline")->file_count, 2);
    assert_string_equal(pkg(res, "readline")->files[0], "/etc/inputrc");
    assert_string_equal(pkg(res, "readline")->files[1],
                        "/usr/lib/libreadline.so.8");
    assert_int_equal(pkg(res, "musl")->layer_index, 1);
    st_scan__test_ctx_free(r.ctx);
    free(db);
}

static void test_apk__malformed_and_no_origin(void **state)
{
    (void)state;
    static const char db[] = "P:noorigin\nV:1.0-r0\nR:orphan-file\n\n"
                             "P:nover\n\n"
                             "V:2.0\n\n"
                             "junk line without colon\n\n"
                             "P:ok\r\nV:3.0-r1\r\no:\r\n";
    run r;
    const st_result *res;
    start(&r);
    feed(&r, 0, true, db, sizeof(db) - 1);
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 2);
    assert_string_equal(pkg(res, "noorigin")->source_name, "noorigin");
    /* R: without F: is relative to the root */
    assert_int_equal(pkg(res, "noorigin")->file_count, 1);
    assert_string_equal(pkg(res, "noorigin")->files[0], "/orphan-file");
    assert_string_equal(pkg(res, "ok")->version, "3.0-r1");
    assert_string_equal(pkg(res, "ok")->source_name, "ok");
    assert_int_equal(st_result_diagnostic_count(res), 2);
    assert_non_null(strstr(st_result_diagnostic(res, 0)->message, "line 5"));
    assert_non_null(strstr(st_result_diagnostic(res, 1)->message,
                           "3 malformed entries"));
    st_scan__test_ctx_free(r.ctx);
}

static void test_apk__layers(void **state)
{
    (void)state;
    static const char top[] = "P:a\nV:1\nA:x86_64\n\nP:b\nV:2\nA:x86_64\n\n"
                              "P:c\nV:1\nA:x86_64\n";
    static const char mid[] = "P:a\nV:1\nA:x86_64\n\nP:b\nV:1\nA:x86_64\n";
    static const char low[] = "P:a\nV:1\nA:x86_64\n\nP:c\nV:1\nA:x86_64\n";
    run r;
    const st_result *res;
    start(&r);
    feed(&r, 2, true, top, sizeof(top) - 1);
    feed(&r, 1, false, mid, sizeof(mid) - 1);
    feed(&r, 0, false, low, sizeof(low) - 1);
    res = finish(&r);
    assert_int_equal(pkg(res, "a")->layer_index, 0);
    assert_int_equal(pkg(res, "b")->layer_index, 2);
    assert_int_equal(pkg(res, "c")->layer_index, 2); /* removed, re-added */
    st_scan__test_ctx_free(r.ctx);
}

/* A NUL inside P: (a corrupt file) must not give a package named "".
 * Found by fuzz_apk_installed. */
static void test_apk__nul_in_name(void **state)
{
    (void)state;
    static const char db[] = "P:\0\0\nV:1\n\nP:good\nV:2\n";
    run r;
    const st_result *res;
    start(&r);
    feed(&r, 0, true, db, sizeof(db) - 1);
    res = finish(&r);
    for (size_t i = 0; i < st_result_package_count(res); i++)
        if (strlen(st_result_package(res, i)->name) == 0)
            fail_msg("a package named \"\" was listed");
    assert_non_null(pkg(res, "good"));
    st_scan__test_ctx_free(r.ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apk__syft_single),
        cmocka_unit_test(test_apk__syft_multiple),
        cmocka_unit_test(test_apk__malformed_and_no_origin),
        cmocka_unit_test(test_apk__layers),
        cmocka_unit_test(test_apk__nul_in_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
