/* gomod: real go.mod files from Debian's golang-*-dev packages and
 * hand-made ones, against lists made by Go's own parser (`go mod edit
 * -json` through tests/data/gomod/oracle.jq; newer.go.mod, which Go 1.19
 * cannot parse, against a hand-checked list); which paths are read;
 * malformed input. */
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

static const st_analyzer_ops *ops = &st_analyzer_gomod;

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

static st_entry entry(const char *path, size_t size)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.mode = 0644;
    e.size = size;
    e.visible = true;
    return e;
}

static st_scan_ctx *scan(const char *path, const char *d, size_t n)
{
    st_scan_ctx *ctx = st_scan__test_ctx();
    st_entry e = entry(path, n);
    assert_non_null(ctx);
    assert_true(ops->wants(&e));
    assert_int_equal(ops->file(NULL, ctx, &e, d, n), 0);
    return ctx;
}

static bool field_eq(const char *got, const char *want)
{
    return got ? !strcmp(got, want) : !*want;
}

/* Compares with a TSV: name, version, source_name, source_version,
 * direct ("true"/"false"); empty columns for absent fields. */
static void check_tsv(const st_result *res, const char *tsv,
                      const char *found_in)
{
    size_t len, rows = 0;
    char *t = slurp(tsv, &len), *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *col[5];
        const st_package *p = NULL;
        char *s = line;
        for (int i = 0; i < 5; i++) {
            col[i] = s;
            s = strchr(s, '\t');
            if (i < 4) {
                assert_non_null(s);
                *s++ = 0;
            }
        }
        for (size_t k = 0; k < st_result_package_count(res); k++)
            if (!strcmp(st_result_package(res, k)->name, col[0]))
                p = st_result_package(res, k);
        if (!p)
            fail_msg("%s: no package %s", tsv, col[0]);
        if (!field_eq(p->version, col[1]) ||
            !field_eq(p->source_name, col[2]) ||
            !field_eq(p->source_version, col[3]) ||
            p->direct != !strcmp(col[4], "true") ||
            strcmp(p->type, "golang") || strcmp(p->found_in, found_in))
            fail_msg("%s: %s: got %s (%s %s) direct %d in %s", tsv, col[0],
                     p->version ? p->version : "-",
                     p->source_name ? p->source_name : "-",
                     p->source_version ? p->source_version : "-", p->direct,
                     p->found_in);
        rows++;
    }
    assert_int_equal(st_result_package_count(res), rows);
    free(t);
}

static void run(const char *name, size_t diags)
{
    char rel[256], tsv[256];
    size_t n;
    char *d;
    st_scan_ctx *ctx;
    snprintf(rel, sizeof(rel), "gomod/%s.go.mod", name);
    snprintf(tsv, sizeof(tsv), "gomod/%s.expected.tsv", name);
    d = slurp(rel, &n);
    ctx = scan("src/app/go.mod", d, n);
    check_tsv(st_scan__test_result(ctx), tsv, "/src/app/go.mod");
    assert_int_equal(st_result_diagnostic_count(st_scan__test_result(ctx)),
                     diags);
    st_scan__test_ctx_free(ctx);
    free(d);
}

static void test_gomod__debian_x_mod(void **state)
{
    (void)state;
    run("x-mod", 0);
}

static void test_gomod__debian_viper(void **state)
{
    (void)state;
    run("viper", 0);
}

static void test_gomod__debian_cobra(void **state)
{
    (void)state;
    run("cobra", 0);
}

static void test_gomod__hand_made(void **state)
{
    (void)state;
    run("hand", 0);
}

static void test_gomod__crlf(void **state)
{
    (void)state;
    run("crlf", 0);
}

static void test_gomod__newer_directives(void **state)
{
    (void)state;
    run("newer", 1);
}

static void test_gomod__wants(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        bool want;
    } rows[] = {
        {"go.mod", true},
        {"src/app/go.mod", true},
        {"usr/share/gocode/src/golang.org/x/mod/go.mod", true},
        {"root/go/pkg/mod/golang.org/x/text@v0.3.8/go.mod", false},
        {"go/pkg/mod/example.com/a@v1.0.0/sub/go.mod", false},
        {"src/pkg/mod/go.mod", true},
        {"app/notgo.mod", false},
        {"app/go.mod.bak", false},
        {"app/go.sum", false},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        st_entry e = entry(rows[i].path, 10);
        if (ops->wants(&e) != rows[i].want)
            fail_msg("%s: wants %d", rows[i].path, !rows[i].want);
    }
    {
        st_entry e = entry("go.mod", 10);
        e.type = ST_ENTRY_DIR;
        assert_false(ops->wants(&e));
    }
}

/* Broken files: what can be read is listed, the rest is one diagnostic. */
static void test_gomod__malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t packages, diags;
    } rows[] = {
        {"", 0, 0},
        {"require (\n\ta.com/x v1.0.0\n", 1, 1}, /* never closed */
        {"require a.com/x\n", 0, 1},
        {"require \"a.com/x v1.0.0\n", 0, 1},    /* unterminated string */
        {"require \"a.com/\\q\" v1.0.0\n", 0, 1}, /* bad escape */
        {"require \"\" v1.0.0\n", 0, 1},
        {"require a.com/x v1.0.0 // indirect\x00junk\n", 1, 0},
        {")\n(\nrequire a.com/x v1\n", 1, 1},
        {"replace a.com/x => \n", 0, 1},
        {"replace a.com/x v1 v2 => b.com/y v3\n", 0, 1},
        {"require a b c d e f g h i j k l\n", 0, 1},
        {"require a.com/x v1.0.0", 1, 0}, /* no final newline */
        {"\xff\xfe\x00require a.com/x v1\n", 0, 0},
        {"require (a.com/x v1)\n", 0, 1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t n = strlen(rows[i].text);
        const st_result *res;
        st_scan_ctx *ctx;
        if (strstr(rows[i].text, "indirect"))
            n += 5; /* past the NUL */
        ctx = scan("go.mod", rows[i].text, n);
        res = st_scan__test_result(ctx);
        if (st_result_package_count(res) != rows[i].packages ||
            st_result_diagnostic_count(res) != rows[i].diags)
            fail_msg("row %zu: %zu packages, %zu diagnostics", i,
                     st_result_package_count(res),
                     st_result_diagnostic_count(res));
        st_scan__test_ctx_free(ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gomod__debian_x_mod),
        cmocka_unit_test(test_gomod__debian_viper),
        cmocka_unit_test(test_gomod__debian_cobra),
        cmocka_unit_test(test_gomod__hand_made),
        cmocka_unit_test(test_gomod__crlf),
        cmocka_unit_test(test_gomod__newer_directives),
        cmocka_unit_test(test_gomod__wants),
        cmocka_unit_test(test_gomod__malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
