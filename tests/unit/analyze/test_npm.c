/* npm: real lockfiles of one project (npm 11 v1/v2/v3, yarn 1 and 4, pnpm
 * 7/8/9) against what `npm ls` says of it (tests/data/npm/expected.tsv),
 * installed package.json files, which paths are read, aliases, workspaces,
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
#include "analyze/npm.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_npm;

static char *slurp(const char *rel, size_t *len)
{
    char p[1024];
    FILE *f;
    char *b;
    long n;
    snprintf(p, sizeof(p), "%s/npm/%s", ST_TEST_DATA, rel);
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

static st_entry entry(const char *path)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.layer = 2;
    e.visible = true;
    return e;
}

/* Scans one file given as `path` with content d/n; returns the context. */
static st_scan_ctx *scan(const char *path, const char *d, size_t n)
{
    st_scan_ctx *ctx = st_scan__test_ctx();
    void *state = NULL;
    st_entry e = entry(path);
    assert_non_null(ctx);
    e.size = n;
    if (ops->begin)
        assert_int_equal(ops->begin(&state, ctx), 0);
    assert_true(ops->wants(&e));
    assert_int_equal(ops->file(state, ctx, &e, d, n), 0);
    if (ops->end)
        assert_int_equal(ops->end(state, ctx), 0);
    if (ops->release)
        ops->release(state);
    return ctx;
}

static const st_package *find(const st_result *r, const char *name,
                              const char *version)
{
    for (size_t i = 0; i < st_result_package_count(r); i++) {
        const st_package *p = st_result_package(r, i);
        if (!strcmp(p->name, name) && !strcmp(p->version, version))
            return p;
    }
    return NULL;
}

enum { DIRECT = 1, DEV = 2 }; /* what a format records */

/* Compares with expected.tsv (name, version, direct, dev from npm ls). */
static void against_npm_ls(const char *file, const char *path,
                           unsigned records)
{
    size_t len, elen, rows = 0;
    char *d = slurp(file, &len), *exp = slurp("expected.tsv", &elen);
    char *save = NULL;
    st_scan_ctx *ctx = scan(path, d, len);
    const st_result *r = st_scan__test_result(ctx);

    for (char *line = strtok_r(exp, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char name[128], ver[64];
        int direct, dev;
        const st_package *p;
        assert_int_equal(sscanf(line, "%127s %63s %d %d", name, ver, &direct,
                                &dev),
                         4);
        p = find(r, name, ver);
        if (!p)
            fail_msg("%s: no %s@%s", file, name, ver);
        assert_string_equal(p->type, "npm");
        if (records & DIRECT)
            assert_int_equal(p->direct, direct);
        else
            assert_int_equal(p->direct, -1);
        if (records & DEV)
            assert_int_equal(p->dev, dev);
        else
            assert_int_equal(p->dev, 0);
        assert_string_equal(p->found_in + 1, path);
        assert_int_equal(p->layer_index, 2);
        rows++;
    }
    assert_int_equal(st_result_package_count(r), rows);
    assert_int_equal(st_result_diagnostic_count(r), 0);
    st_scan__test_ctx_free(ctx);
    free(d);
    free(exp);
}

static void test_npm__lock_v3(void **state)
{
    (void)state;
    against_npm_ls("package-lock.v3.json", "app/package-lock.json",
                   DIRECT | DEV);
}

static void test_npm__lock_v2(void **state)
{
    (void)state;
    against_npm_ls("package-lock.v2.json", "package-lock.json", DIRECT | DEV);
}

static void test_npm__lock_v1(void **state)
{
    (void)state;
    /* v1 does not say which dependencies are the project's own */
    against_npm_ls("package-lock.v1.json", "srv/npm-shrinkwrap.json", DEV);
}

static void test_npm__yarn_classic(void **state)
{
    (void)state;
    against_npm_ls("yarn.classic.lock", "app/yarn.lock", 0);
}

static void test_npm__yarn_berry(void **state)
{
    (void)state;
    /* workspaces list direct dependencies; dev is not recorded */
    against_npm_ls("yarn.berry.lock", "app/yarn.lock", DIRECT);
}

static void test_npm__pnpm_v5(void **state)
{
    (void)state;
    against_npm_ls("pnpm-lock.v5.yaml", "pnpm-lock.yaml", DIRECT | DEV);
}

static void test_npm__pnpm_v6(void **state)
{
    (void)state;
    against_npm_ls("pnpm-lock.v6.yaml", "pnpm-lock.yaml", DIRECT | DEV);
}

static void test_npm__pnpm_v9(void **state)
{
    (void)state;
    /* dev from the importers' devDependencies through the snapshots */
    against_npm_ls("pnpm-lock.v9.yaml", "x/pnpm-lock.yaml", DIRECT | DEV);
}

static void test_npm__installed(void **state)
{
    (void)state;
    size_t len;
    char *d = slurp("installed/node_modules/lodash/package.json", &len);
    st_scan_ctx *ctx = scan("usr/lib/app/node_modules/lodash/package.json",
                            d, len);
    const st_result *r = st_scan__test_result(ctx);
    const st_package *p = find(r, "lodash", "4.17.15");
    assert_int_equal(st_result_package_count(r), 1);
    assert_non_null(p);
    assert_string_equal(p->license, "MIT");
    assert_string_equal(p->found_in,
                        "/usr/lib/app/node_modules/lodash/package.json");
    assert_int_equal(p->direct, -1);
    assert_int_equal(p->dev, 0);
    st_scan__test_ctx_free(ctx);
    free(d);

    d = slurp("installed/node_modules/debug/node_modules/ms/package.json",
              &len);
    ctx = scan("node_modules/debug/node_modules/ms/package.json", d, len);
    r = st_scan__test_result(ctx);
    assert_non_null(find(r, "ms", "2.0.0"));
    st_scan__test_ctx_free(ctx);
    free(d);
}

static void test_npm__wants(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"package-lock.json", true},
        {"app/package-lock.json", true},
        {"app/npm-shrinkwrap.json", true},
        {"yarn.lock", true},
        {"a/b/pnpm-lock.yaml", true},
        {"package.json", false}, /* a project, not an installed package */
        {"app/package.json", false},
        {"node_modules/lodash/package.json", true},
        {"app/node_modules/@babel/core/package.json", true},
        {"node_modules/a/node_modules/@s/b/package.json", true},
        {"node_modules/.pnpm/lodash@4.17.15/node_modules/lodash/package.json",
         true},
        {"node_modules/package.json", false},
        {"node_modules/@babel/package.json", false},
        {"node_modules/a/test/package.json", false},
        {"node_modules/a/test/fixtures/node_modules/b/package.json", false},
        {"node_modules/@babel/runtime/helpers/esm/package.json", false},
        {"node_modules/.bin/package.json", false},
        {"node_modules/.package-lock.json", false},
        {"node_modules/a/package-lock.json", false},
        {"node_modules/a/yarn.lock", false},
        {"xnode_modules/a/package.json", false},
        {"app/package-lock.json.bak", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        st_entry e = entry(cases[i].path);
        if (ops->wants(&e) != cases[i].want)
            fail_msg("%s: wants %d", cases[i].path, !cases[i].want);
    }
    {
        st_entry e = entry("package-lock.json");
        e.type = ST_ENTRY_DIR;
        assert_false(ops->wants(&e));
    }
}

/* Hand-made cases: aliases, links, extraneous, non-registry entries. */
static void test_npm__edge_cases(void **state)
{
    (void)state;
    static const char v3[] =
        "{\"lockfileVersion\":3,\"packages\":{"
        "\"\":{\"dependencies\":{\"my-lodash\":\"npm:lodash@4.17.15\"},"
        "\"peerDependencies\":{\"react\":\"*\"}},"
        "\"node_modules/my-lodash\":{\"name\":\"lodash\",\"version\":\"4.17.15\"},"
        "\"node_modules/react\":{\"version\":\"18.2.0\",\"peer\":true},"
        "\"node_modules/ws\":{\"resolved\":\"packages/ws\",\"link\":true},"
        "\"packages/ws\":{\"name\":\"ws\",\"version\":\"1.0.0\","
        "\"dependencies\":{\"left-pad\":\"1\"}},"
        "\"packages/ws/node_modules/left-pad\":{\"version\":\"1.3.0\"},"
        "\"node_modules/old\":{\"version\":\"0.1.0\",\"extraneous\":true},"
        "\"node_modules/nover\":{}}}";
    static const char v1[] =
        "{\"lockfileVersion\":1,\"dependencies\":{"
        "\"my-lodash\":{\"version\":\"npm:lodash@4.17.15\"},"
        "\"ws\":{\"version\":\"file:packages/ws\"},"
        "\"a\":{\"version\":\"1.0.0\",\"dependencies\":{"
        "\"b\":{\"version\":\"2.0.0\",\"dev\":true}}}}}";
    static const char yarn[] =
        "# yarn lockfile v1\n\n"
        "\"my-lodash@npm:lodash@4.17.15\":\n  version \"4.17.15\"\n\n"
        "\"@babel/core@^7.0.0\", \"@babel/core@^7.1.0\":\r\n"
        "  version \"7.23.7\"\r\n  dependencies:\r\n    version \"9\"\r\n\n"
        "local@file:../local:\n  version \"1.0.0\"\n\n"
        "broken line\n"
        "plain@^1:\n  version 1.2.3\n";
    static const char berry[] =
        "__metadata:\n  version: 8\n\n"
        "\"app@workspace:.\":\n  version: 0.0.0-use.local\n"
        "  resolution: \"app@workspace:.\"\n  dependencies:\n"
        "    typescript: \"patch:typescript@npm%3A^5.0.0#~builtin<compat/typescript>\"\n"
        "  languageName: unknown\n  linkType: soft\n\n"
        "\"typescript@npm:^5.0.0\":\n  version: 5.3.3\n"
        "  resolution: \"typescript@npm:5.3.3\"\n  languageName: node\n"
        "  linkType: hard\n\n"
        "\"typescript@patch:typescript@npm%3A^5.0.0#~builtin<compat/typescript>\":\n"
        "  version: 5.3.3\n"
        "  resolution: \"typescript@patch:typescript@npm%3A5.3.3#~builtin<compat/typescript>::version=5.3.3&hash=f3b441\"\n"
        "  languageName: node\n  linkType: hard\n\n"
        "\"x@npm:1\":\n  version: 1.0.0\n  resolution: \"x@npm:1.0.0\"\n";
    static const char pnpm9[] =
        "lockfileVersion: '9.0'\n"
        "importers:\n  .:\n    dependencies:\n"
        "      react-dom:\n        specifier: ^18\n"
        "        version: 18.2.0(react@18.2.0)\n"
        "      alias:\n        specifier: npm:lodash@4\n"
        "        version: lodash@4.17.21\n"
        "      ws:\n        specifier: workspace:*\n        version: link:packages/ws\n"
        "    devDependencies:\n      react:\n        specifier: ^18\n"
        "        version: 18.2.0\n"
        "packages:\n  react@18.2.0:\n    resolution: {integrity: x}\n"
        "  react-dom@18.2.0:\n    resolution: {integrity: y}\n"
        "  lodash@4.17.21:\n    resolution: {integrity: z}\n"
        "  loose-envify@1.4.0:\n    resolution: {integrity: w}\n"
        "  tar@https://x/tar.tgz:\n    resolution: {tarball: https://x/tar.tgz}\n"
        "    version: 6.0.0\n"
        "  local@file:../local:\n    resolution: {directory: ../local}\n"
        "snapshots:\n  react@18.2.0:\n    dependencies:\n"
        "      loose-envify: 1.4.0\n"
        "  react-dom@18.2.0(react@18.2.0):\n    dependencies:\n"
        "      react: 18.2.0\n"
        "  lodash@4.17.21: {}\n  loose-envify@1.4.0: {}\n";
    st_scan_ctx *ctx;
    const st_result *r;
    const st_package *p;

    ctx = scan("package-lock.json", v3, strlen(v3));
    r = st_scan__test_result(ctx);
    assert_int_equal(st_result_package_count(r), 4);
    assert_int_equal(find(r, "lodash", "4.17.15")->direct, 1);
    assert_int_equal(find(r, "react", "18.2.0")->direct, 1); /* peer */
    assert_int_equal(find(r, "left-pad", "1.3.0")->direct, 1); /* workspace */
    assert_int_equal(find(r, "old", "0.1.0")->direct, 0);
    assert_null(find(r, "ws", "1.0.0"));
    assert_int_equal(st_result_diagnostic_count(r), 1); /* "nover" */
    st_scan__test_ctx_free(ctx);

    ctx = scan("package-lock.json", v1, strlen(v1));
    r = st_scan__test_result(ctx);
    assert_int_equal(st_result_package_count(r), 3);
    assert_non_null(find(r, "lodash", "4.17.15"));
    assert_int_equal(find(r, "b", "2.0.0")->dev, 1);
    assert_int_equal(find(r, "a", "1.0.0")->dev, 0);
    st_scan__test_ctx_free(ctx);

    ctx = scan("yarn.lock", yarn, strlen(yarn));
    r = st_scan__test_result(ctx);
    assert_int_equal(st_result_package_count(r), 3);
    assert_non_null(find(r, "lodash", "4.17.15"));
    assert_non_null(find(r, "@babel/core", "7.23.7"));
    assert_non_null(find(r, "plain", "1.2.3"));
    assert_int_equal(st_result_diagnostic_count(r), 1); /* broken line */
    st_scan__test_ctx_free(ctx);

    ctx = scan("yarn.lock", berry, strlen(berry));
    r = st_scan__test_result(ctx);
    assert_int_equal(st_result_package_count(r), 2);
    p = find(r, "typescript", "5.3.3");
    assert_int_equal(p->direct, 1); /* through the patch */
    assert_int_equal(find(r, "x", "1.0.0")->direct, 0);
    st_scan__test_ctx_free(ctx);

    ctx = scan("pnpm-lock.yaml", pnpm9, strlen(pnpm9));
    r = st_scan__test_result(ctx);
    assert_int_equal(st_result_package_count(r), 5);
    p = find(r, "react-dom", "18.2.0");
    assert_int_equal(p->direct, 1);
    assert_int_equal(p->dev, 0);
    p = find(r, "react", "18.2.0"); /* dev, but react-dom needs it */
    assert_int_equal(p->direct, 1);
    assert_int_equal(p->dev, 0);
    assert_int_equal(find(r, "loose-envify", "1.4.0")->dev, 0);
    assert_int_equal(find(r, "loose-envify", "1.4.0")->direct, 0);
    assert_int_equal(find(r, "lodash", "4.17.21")->direct, 1);
    assert_non_null(find(r, "tar", "6.0.0"));
    st_scan__test_ctx_free(ctx);
}

static void test_npm__malformed(void **state)
{
    (void)state;
    static const struct {
        const char *path, *data;
        size_t packages;
    } cases[] = {
        {"package-lock.json", "{\"packages\": ", 0},
        {"package-lock.json", "[1,2]", 0},
        {"package-lock.json", "{\"name\": \"x\"}", 0},
        {"package-lock.json", "{\"packages\":{\"node_modules/a\":[1]}}", 0},
        {"node_modules/a/package.json", "{\"name\": 1}", 0},
        {"node_modules/a/package.json", "nope", 0},
        {"pnpm-lock.yaml", "- a\n- b\n", 0},
        {"pnpm-lock.yaml", "lockfileVersion: 6.0\npackages: [\n", 0},
        {"pnpm-lock.yaml", "packages:\n  /a@1: {}\n", 0},
        {"pnpm-lock.yaml",
         "lockfileVersion: '6.0'\na: &x [1]\npackages:\n  /a@1.0.0: *x\n"
         "  *x : 1\n", 1},
        {"yarn.lock", "__metadata:\n  version: 8\n\"a@npm:1\": [\n", 0},
        {"yarn.lock", "\"unterminated@1:\n  version \"1\"\n", 0},
        {"yarn.lock", "", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        st_scan_ctx *ctx = scan(cases[i].path, cases[i].data,
                                strlen(cases[i].data));
        const st_result *r = st_scan__test_result(ctx);
        if (st_result_package_count(r) != cases[i].packages)
            fail_msg("case %zu: %zu packages", i, st_result_package_count(r));
        st_scan__test_ctx_free(ctx);
    }
}

/* Content is not NUL-terminated: a lockfile cut anywhere never reads past
 * its end (ASan) and never fails the scan. */
static void test_npm__truncated(void **state)
{
    (void)state;
    static const char *const files[][2] = {
        {"package-lock.v3.json", "package-lock.json"},
        {"yarn.classic.lock", "yarn.lock"},
        {"yarn.berry.lock", "yarn.lock"},
        {"pnpm-lock.v9.yaml", "pnpm-lock.yaml"},
    };
    for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
        size_t len;
        char *d = slurp(files[f][0], &len);
        for (size_t cut = 0; cut < len; cut += 97) {
            char *c = malloc(cut ? cut : 1);
            memcpy(c, d, cut);
            st_scan__test_ctx_free(scan(files[f][1], c, cut));
            free(c);
        }
        free(d);
    }
}

/* The fast package-lock scanner against the jansson reference: the same
 * packages whenever it accepts a file, nothing when it declines. */
static void test_npm__fast_matches_tree(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int fast; /* 0: accepted, else ST_ENOTFOUND */
    } cases[] = {
        {"{\"lockfileVersion\":3,\"x\":\"a\\\\\\tb\\u00e9\\ud83d\\ude00\","
         "\"packages\":{\"\":{\"dependencies\":{\"caf\\u00e9\":\"1\"}},"
         "\"node_modules/caf\\u00e9\":{\"version\":\"1.0.0\",\"license\":"
         "\"M\\\"IT\",\"dev\":false,\"x\":[1,-2.5e+3,true,null,{}]}}}",
         0},
        {"{\"packages\":{\"node_modules/a\":{\"version\":1,\"name\":[],"
         "\"license\":{\"type\":\"MIT\"},\"dev\":\"true\",\"link\":1}}}",
         0},
        {" {\"packages\":{}} ", 0},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"1\"},"
         "\"node_modules/a\":{\"version\":\"2\"}}}",
         ST_ENOTFOUND}, /* a duplicate key: the last one wins */
        {"{\"packages\":{\"\":{\"dependencies\":{\"a\":\"1\"},"
         "\"dependencies\":{\"b\":\"1\"}},\"node_modules/a\":{\"version\":"
         "\"1\",\"engines\":{\"n\":1,\"n\":2}},\"node_modules/b\":{"
         "\"version\":\"2\",\"version\":\"3\"}}}",
         ST_ENOTFOUND},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"1\"}},"
         "\"packages\":{\"node_modules/b\":{\"version\":\"1\"}}}",
         ST_ENOTFOUND},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"1\","
         "\"engines\":{\"n\":1,\"n\":2},\"dependencies\":{\"x\":\"1\","
         "\"x\":\"2\"}}}}",
         0},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"\\u0000\"}}}",
         ST_ENOTFOUND},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"\\ud800\"}}}",
         ST_ENOTFOUND},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"\xc3\"}}}",
         ST_ENOTFOUND},
        {"{\"packages\":{\"node_modules/a\":{\"version\":\"1\"}}} x",
         ST_ENOTFOUND},
        {"{\"packages\":{\"node_modules/a\":{\"version\":01}}}",
         ST_ENOTFOUND},
        {"{\"packages\":[]}", ST_ENOTFOUND},
        {"{\"dependencies\":{\"a\":{\"version\":\"1\"}}}", ST_ENOTFOUND},
    };
    st_entry e = entry("package-lock.json");
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        st_scan_ctx *c1 = st_scan__test_ctx(), *c2 = st_scan__test_ctx();
        st_npm_file f1 = {c1, &e, "/package-lock.json", 0};
        st_npm_file f2 = {c2, &e, "/package-lock.json", 0};
        const char *j = cases[i].json;
        int rc = st_npm__lock_fast(&f1, j, strlen(j));
        const st_result *r1 = st_scan__test_result(c1);
        const st_result *r2 = st_scan__test_result(c2);
        if (rc != cases[i].fast)
            fail_msg("case %zu: fast path returned %d", i, rc);
        assert_int_equal(st_npm__lock_tree(&f2, j, strlen(j)), 0);
        if (rc == 0) {
            assert_int_equal(st_result_package_count(r1),
                             st_result_package_count(r2));
            assert_int_equal(f1.skipped, f2.skipped);
            for (size_t k = 0; k < st_result_package_count(r1); k++) {
                const st_package *a = st_result_package(r1, k);
                const st_package *b = st_result_package(r2, k);
                assert_string_equal(a->name, b->name);
                assert_string_equal(a->version, b->version);
                assert_int_equal(a->direct, b->direct);
                assert_int_equal(a->dev, b->dev);
                assert_true(!a->license == !b->license);
                if (a->license)
                    assert_string_equal(a->license, b->license);
            }
        } else {
            assert_int_equal(st_result_package_count(r1), 0);
        }
        st_scan__test_ctx_free(c1);
        st_scan__test_ctx_free(c2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npm__lock_v3),
        cmocka_unit_test(test_npm__lock_v2),
        cmocka_unit_test(test_npm__lock_v1),
        cmocka_unit_test(test_npm__yarn_classic),
        cmocka_unit_test(test_npm__yarn_berry),
        cmocka_unit_test(test_npm__pnpm_v5),
        cmocka_unit_test(test_npm__pnpm_v6),
        cmocka_unit_test(test_npm__pnpm_v9),
        cmocka_unit_test(test_npm__installed),
        cmocka_unit_test(test_npm__wants),
        cmocka_unit_test(test_npm__edge_cases),
        cmocka_unit_test(test_npm__malformed),
        cmocka_unit_test(test_npm__truncated),
        cmocka_unit_test(test_npm__fast_matches_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
