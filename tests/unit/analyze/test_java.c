/* java: real jar metadata (pom.properties, the manifest fallback, shaded
 * jars, a war), pom.xml rules, hostile XML (XXE, billion laughs), the
 * properties and manifest text formats, and the nesting and entry bounds
 * on archives written here with libarchive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "analyze/analyzer.h"
#include "analyze/java_parse.h"
#include "strata/scan.h"
#include "util/util.h"

typedef struct run {
    st_scan_ctx *ctx;
    void *state;
} run;

static const st_analyzer_ops *ops = &st_analyzer_java;

static void start(run *r)
{
    r->ctx = st_scan__test_ctx();
    assert_non_null(r->ctx);
    assert_int_equal(ops->begin(&r->state, r->ctx), 0);
}

static void feed(run *r, const char *path, const char *data, size_t len)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.size = len;
    e.layer = 0;
    e.visible = true;
    assert_true(ops->wants(&e));
    assert_int_equal(ops->file(r->state, r->ctx, &e, data, len), 0);
}

static st_result *finish(run *r)
{
    assert_int_equal(ops->end(r->state, r->ctx), 0);
    ops->release(r->state);
    r->state = NULL;
    return st_scan__test_result(r->ctx);
}

static void stop(run *r)
{
    st_scan__test_ctx_free(r->ctx);
}

static const st_package *find(const st_result *res, const char *name,
                              const char *found_in)
{
    for (size_t i = 0; i < st_result_package_count(res); i++) {
        const st_package *p = st_result_package(res, i);
        if (!strcmp(p->name, name) &&
            (!found_in || !strcmp(p->found_in, found_in)))
            return p;
    }
    return NULL;
}

static bool has_diag(const st_result *res, const char *needle)
{
    for (size_t i = 0; i < st_result_diagnostic_count(res); i++)
        if (strstr(st_result_diagnostic(res, i)->message, needle))
            return true;
    return false;
}

static char *slurp(const char *rel, size_t *len)
{
    char p[1024];
    FILE *f;
    char *b;
    long n;
    snprintf(p, sizeof(p), "%s/java/%s", ST_TEST_DATA, rel);
    f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static st_result *scan_file(run *r, const char *rel, const char *path)
{
    size_t len;
    char *data = slurp(rel, &len);
    start(r);
    feed(r, path, data, len);
    free(data);
    return finish(r);
}

/* ---- zips written here ------------------------------------------------- */

typedef struct zbuf {
    char *p;
    size_t len;
} zbuf;

struct zent {
    const char *name;
    const void *data;
    size_t len;
};

static zbuf mkzip(const struct zent *ents, size_t n)
{
    struct archive *a = archive_write_new();
    size_t cap = 1 << 20, used = 0;
    zbuf z;
    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        cap += ents[i].len + strlen(ents[i].name) * 2 + 256;
    z.p = malloc(cap);
    assert_non_null(z.p);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, z.p, cap, &used),
                     ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)ents[i].len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (ents[i].len)
            assert_int_equal(archive_write_data(a, ents[i].data, ents[i].len),
                             (la_ssize_t)ents[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    z.len = used;
    return z;
}

#define X16 "xxxxxxxxxxxxxxxx"
#define X128 X16 X16 X16 X16 X16 X16 X16 X16
#define PROPS(g, a, v) "groupId=" g "\nartifactId=" a "\nversion=" v "\n"

/* ---- archives -------------------------------------------------------- */

static void test_java__wants(void **s)
{
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"app/lib/x.jar", true},  {"app/x.WAR", true},  {"x.ear", true},
        {"a/b.par", true},        {"j/p.jpi", true},    {"j/p.hpi", true},
        {"pom.xml", true},        {"src/pom.xml", true}, {"src/xpom.xml", false},
        {"a/pom.xml.bak", false}, {"x.jarx", false},    {".jar", false},
        {"a/b.zip", false},       {"jar", false},       {"a/pom.properties", false},
    };
    (void)s;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_entry e;
        memset(&e, 0, sizeof(e));
        e.path = cases[i].path;
        e.path_len = strlen(e.path);
        e.type = ST_ENTRY_FILE;
        if (ops->wants(&e) != cases[i].want)
            fail_msg("wants(%s) != %d", cases[i].path, cases[i].want);
    }
    {
        st_entry e;
        memset(&e, 0, sizeof(e));
        e.path = "x.jar";
        e.path_len = 5;
        e.type = ST_ENTRY_SYMLINK;
        assert_false(ops->wants(&e));
    }
}

static void test_java__real_jar(void **s)
{
    run r;
    const st_package *p;
    st_result *res = scan_file(&r, "commons-io-2.11.0-meta.jar",
                               "app/lib/commons-io.jar");
    (void)s;
    assert_int_equal(st_result_package_count(res), 1);
    p = find(res, "commons-io:commons-io", "/app/lib/commons-io.jar");
    assert_non_null(p);
    assert_string_equal(p->type, "maven");
    assert_string_equal(p->version, "2.11.0");
    assert_int_equal(p->direct, -1);
    assert_int_equal(p->dev, 0);
    assert_int_equal(p->layer_index, 0);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    stop(&r);
}

static void test_java__manifest_fallback(void **s)
{
    run r;
    const st_package *p;
    st_result *res = scan_file(&r, "log4j-api-manifest-only.jar",
                               "usr/share/java/log4j-api.jar");
    (void)s;
    assert_int_equal(st_result_package_count(res), 1);
    /* Implementation-Vendor-Id "org.apache" is the group the manifest
     * gives; the file name is the artifact (the title has spaces). */
    p = find(res, "org.apache:log4j-api", "/usr/share/java/log4j-api.jar");
    assert_non_null(p);
    assert_string_equal(p->version, "2.19.0");
    assert_true(has_diag(res, "identified from MANIFEST.MF only"));
    stop(&r);
}

static void test_java__shaded(void **s)
{
    run r;
    st_result *res = scan_file(&r, "shaded.jar", "opt/uber.jar");
    (void)s;
    assert_int_equal(st_result_package_count(res), 2);
    assert_string_equal(
        find(res, "com.fasterxml.jackson.core:jackson-databind", "/opt/uber.jar")
            ->version,
        "2.14.0");
    assert_string_equal(
        find(res, "org.apache.commons:commons-lang3", "/opt/uber.jar")->version,
        "3.12.0");
    stop(&r);
}

static void test_java__war(void **s)
{
    run r;
    st_result *res = scan_file(&r, "app.war", "srv/app.war");
    (void)s;
    assert_int_equal(st_result_package_count(res), 1);
    assert_non_null(find(res, "commons-io:commons-io",
                         "/srv/app.war!/WEB-INF/lib/commons-io-2.11.0.jar"));
    stop(&r);
}

static void test_java__pom_properties_forms(void **s)
{
    /* Missing groupId/artifactId come from the directory names; a
     * pom.properties without a version is skipped with a note; a file at
     * the wrong depth is not a Maven descriptor. */
    const char *p1 = "artifactId=from-file\r\nversion = 1.0\r\n";
    const char *p2 = "groupId=x\nartifactId=y\n";
    const char *p3 = PROPS("wrong", "depth", "9");
    struct zent ents[] = {
        {"META-INF/maven/dir.group/dir-art/pom.properties", p1, strlen(p1)},
        {"META-INF/maven/x/y/pom.properties", p2, strlen(p2)},
        {"META-INF/maven/a/b/c/pom.properties", p3, strlen(p3)},
        {"META-INF/maven/a/pom.properties", p3, strlen(p3)},
    };
    zbuf z = mkzip(ents, 4);
    run r;
    st_result *res;
    (void)s;
    start(&r);
    feed(&r, "x.jar", z.p, z.len);
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 1);
    assert_string_equal(find(res, "dir.group:from-file", "/x.jar")->version,
                        "1.0");
    assert_true(has_diag(res, "has no version"));
    stop(&r);
    free(z.p);
}

static void test_java__nesting_bound(void **s)
{
    /* Ten levels, each with a pom.properties: the top and 4 nested levels
     * are read, the rest is a diagnostic. */
    const char *props = PROPS("g", "deep", "1");
    zbuf z = mkzip((struct zent[]){{"META-INF/maven/g/deep/pom.properties",
                                    props, strlen(props)}},
                   1);
    run r;
    st_result *res;
    (void)s;
    for (int i = 0; i < 10; i++) {
        zbuf outer = mkzip(
            (struct zent[]){
                {"META-INF/maven/g/deep/pom.properties", props, strlen(props)},
                {"BOOT-INF/lib/in.jar", z.p, z.len}},
            2);
        free(z.p);
        z = outer;
    }
    start(&r);
    feed(&r, "deep.jar", z.p, z.len);
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 5);
    assert_non_null(find(res, "g:deep",
                         "/deep.jar!/BOOT-INF/lib/in.jar!/BOOT-INF/lib/in.jar!"
                         "/BOOT-INF/lib/in.jar!/BOOT-INF/lib/in.jar"));
    assert_true(has_diag(res, "nested more than 4 deep"));
    stop(&r);
    free(z.p);
}

static void test_java__entry_bound(void **s)
{
    size_t n = 100001;
    struct zent *ents = calloc(n, sizeof(*ents));
    char (*names)[16] = calloc(n, 16);
    zbuf z;
    run r;
    st_result *res;
    (void)s;
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 16, "e%zu", i);
        ents[i].name = names[i];
    }
    z = mkzip(ents, n);
    start(&r);
    feed(&r, "many.jar", z.p, z.len);
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 0);
    assert_true(has_diag(res, "100000"));
    stop(&r);
    free(z.p);
    free(ents);
    free(names);
}

static void test_java__garbage(void **s)
{
    static const char *inputs[] = {"", "PK", "PK\3\4garbage", "PK\5\6",
                                   "not a zip at all"};
    (void)s;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        run r;
        st_result *res;
        start(&r);
        feed(&r, "bad.jar", inputs[i], strlen(inputs[i]));
        res = finish(&r);
        assert_int_equal(st_result_package_count(res), 0);
        assert_true(has_diag(res, "not a readable zip archive"));
        stop(&r);
    }
}

static void test_java__nested_garbage(void **s)
{
    const char *props = PROPS("g", "outer", "2.0");
    zbuf z = mkzip((struct zent[]){{"lib/bad.jar", "PK\3\4xx", 6},
                                   {"META-INF/maven/g/outer/pom.properties",
                                    props, strlen(props)}},
                   2);
    run r;
    st_result *res;
    (void)s;
    start(&r);
    feed(&r, "o.ear", z.p, z.len);
    res = finish(&r);
    assert_non_null(find(res, "g:outer", "/o.ear"));
    assert_true(has_diag(res, "/o.ear!/lib/bad.jar is not a readable zip"));
    stop(&r);
    free(z.p);
}

/* ---- pom.xml ------------------------------------------------------------- */

static void test_java__pom_properties(void **s)
{
    run r;
    const st_package *p;
    st_result *res = scan_file(&r, "properties.pom", "src/proj/pom.xml");
    (void)s;
    assert_int_equal(st_result_package_count(res), 4);
    p = find(res, "com.fasterxml.jackson.core:jackson-databind", NULL);
    assert_string_equal(p->version, "2.9.8");
    assert_string_equal(p->found_in, "/src/proj/pom.xml");
    assert_int_equal(p->direct, 1);
    assert_int_equal(p->dev, 0);
    assert_string_equal(find(res, "org.springframework:spring-webmvc", NULL)
                            ->version,
                        "5.3.20.RELEASE");
    assert_string_equal(find(res, "com.example:proj-core", NULL)->version,
                        "1.2.3");
    assert_int_equal(find(res, "junit:junit", NULL)->dev, 1);
    assert_null(find(res, "managed:only", NULL));
    assert_null(find(res, "plugin:dep", NULL));
    assert_true(has_diag(res, "3 dependencies without a literal version"));
    stop(&r);
}

static void test_java__pom_debian(void **s)
{
    run r;
    st_result *res = scan_file(&r, "jackson-databind-2.14.0.pom", "pom.xml");
    (void)s;
    assert_int_equal(st_result_package_count(res), 2);
    assert_string_equal(
        find(res, "com.fasterxml.jackson.core:jackson-core", NULL)->version,
        "2.x");
    stop(&r);
    res = scan_file(&r, "log4j-web-2.19.0.pom", "pom.xml");
    assert_int_equal(st_result_package_count(res), 0);
    assert_true(has_diag(res, "3 dependencies without"));
    stop(&r);
}

static void test_java__pom_xxe(void **s)
{
    run r;
    st_result *res = scan_file(&r, "xxe.pom", "pom.xml");
    (void)s;
    assert_int_equal(st_result_package_count(res), 0);
    assert_true(has_diag(res, "DOCTYPE"));
    stop(&r);
}

static void test_java__pom_laughs(void **s)
{
    run r;
    time_t t0 = time(NULL);
    st_result *res = scan_file(&r, "laughs.pom", "pom.xml");
    (void)s;
    assert_int_equal(st_result_package_count(res), 0);
    assert_true(st_result_diagnostic_count(res) >= 1);
    assert_true(time(NULL) - t0 < 10);
    stop(&r);
}

static void test_java__pom_hostile(void **s)
{
    static const struct {
        const char *xml;
        size_t pkgs;
        const char *diag; /* NULL: none expected */
    } cases[] = {
        {"", 0, "not valid XML"},
        {"<project><dependencies>", 0, "not valid XML"},
        {"<notaproject/>", 0, "no <project>"},
        /* a property that refers to itself */
        {"<project><properties><a>${a}</a></properties><dependencies>"
         "<dependency><groupId>g</groupId><artifactId>a</artifactId>"
         "<version>${a}</version></dependency></dependencies></project>",
         0, "1 dependency without"},
        /* doubling properties: bounded by the value length */
        {"<project><properties><a>${b}${b}</a><b>${c}${c}</b><c>${d}${d}</c>"
         "<d>${e}${e}</d><e>${f}${f}</e><f>${g}${g}</f><g>" X128 "</g>"
         "</properties><dependencies><dependency><groupId>g</groupId>"
         "<artifactId>a</artifactId><version>${a}</version></dependency>"
         "</dependencies></project>",
         0, "1 dependency without"},
        /* an element inside the version, an unterminated ${ */
        {"<project><dependencies><dependency><groupId>g</groupId>"
         "<artifactId>a</artifactId><version><b>1</b></version></dependency>"
         "<dependency><groupId>g</groupId><artifactId>b</artifactId>"
         "<version>${x</version></dependency></dependencies></project>",
         0, "2 dependencies without"},
        /* namespaces, CDATA, white space, comments */
        {"<?xml version='1.0'?><p:project xmlns:p='http://maven.apache.org/"
         "POM/4.0.0'><p:dependencies><p:dependency><p:groupId> g "
         "</p:groupId><p:artifactId><![CDATA[a]]></p:artifactId><p:version>"
         "<!-- c -->1.0\n</p:version><p:scope>test</p:scope></p:dependency>"
         "</p:dependencies></p:project>",
         1, NULL},
        /* Latin-1 declared */
        {"<?xml version='1.0' encoding='ISO-8859-1'?><project><dependencies>"
         "<dependency><groupId>g</groupId><artifactId>caf\xe9</artifactId>"
         "<version>1</version></dependency></dependencies></project>",
         1, NULL},
    };
    (void)s;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run r;
        st_result *res;
        start(&r);
        feed(&r, "pom.xml", cases[i].xml, strlen(cases[i].xml));
        res = finish(&r);
        if (st_result_package_count(res) != cases[i].pkgs)
            fail_msg("case %zu: %zu packages", i,
                     st_result_package_count(res));
        if (cases[i].diag && !has_diag(res, cases[i].diag))
            fail_msg("case %zu: no diagnostic '%s'", i, cases[i].diag);
        if (!cases[i].diag && st_result_diagnostic_count(res))
            fail_msg("case %zu: %s", i, st_result_diagnostic(res, 0)->message);
        stop(&r);
    }
    {
        run r;
        st_result *res;
        const char *x = cases[6].xml;
        start(&r);
        feed(&r, "pom.xml", x, strlen(x));
        res = finish(&r);
        assert_int_equal(st_result_package(res, 0)->dev, 1);
        assert_string_equal(st_result_package(res, 0)->name, "g:a");
        stop(&r);
        x = cases[7].xml;
        start(&r);
        feed(&r, "pom.xml", x, strlen(x));
        res = finish(&r);
        assert_string_equal(st_result_package(res, 0)->name, "g:caf\xc3\xa9");
        stop(&r);
    }
}

/* ---- text formats -------------------------------------------------------- */

struct kv {
    char out[1024];
};

static int collect(void *payload, const char *key, size_t klen,
                   const char *val, size_t vlen)
{
    struct kv *c = payload;
    size_t n = strlen(c->out);
    snprintf(c->out + n, sizeof(c->out) - n, "[%.*s=%.*s]", (int)klen, key,
             (int)vlen, val);
    return 0;
}

static void test_java__props_text(void **s)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a=1\nb=2\n", "[a=1][b=2]"},
        {"# c\n! c\n  a : 1 \r\nb 2\rc=\n", "[a=1 ][b=2][c=]"},
        {"a=x\\\n    y\\\r\n  z\n", "[a=xyz]"},
        {"a=x\\\\\nb=y", "[a=x\\][b=y]"},
        {"k\\=e\\ y=v\\tw\\u0041\\u00e9\\uzz", "[k=e y=v\twA\xc3\xa9uzz]"},
        {"a\\", "[a=]"},
        {"=v\n:w", "[=v][=w]"},
        {"", ""},
        {"\n\n   \n", ""},
        {"a=1\\", "[a=1]"},
    };
    (void)s;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kv c;
        c.out[0] = 0;
        assert_int_equal(st_java__props_parse(cases[i].in, strlen(cases[i].in),
                                              collect, &c),
                         0);
        if (strcmp(c.out, cases[i].want))
            fail_msg("case %zu: got %s want %s", i, c.out, cases[i].want);
    }
}

static void test_java__manifest_text(void **s)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Manifest-Version: 1.0\r\nA: b\r\n\r\nName: x\r\nA: c\r\n",
         "[Manifest-Version=1.0][A=b]"},
        {"Bundle-SymbolicName: org.apache.logging.log4j.c\r\n ore;singleton\n"
         "X: y",
         "[Bundle-SymbolicName=org.apache.logging.log4j.core;singleton][X=y]"},
        {" orphan\nno colon\nK:v\n", "[K=v]"},
        {"\xEF\xBB\xBFK: v", "[K=v]"},
        {"", ""},
    };
    (void)s;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kv c;
        c.out[0] = 0;
        assert_int_equal(st_java__manifest_parse(cases[i].in,
                                                 strlen(cases[i].in), collect,
                                                 &c),
                         0);
        if (strcmp(c.out, cases[i].want))
            fail_msg("case %zu: got %s want %s", i, c.out, cases[i].want);
    }
}

static void test_java__clean(void **s)
{
    st_arena *a = st_arena_new();
    (void)s;
    assert_string_equal(st_java__clean(a, "  x y\t\n", 7), "x y");
    assert_string_equal(st_java__clean(a, "a\x01" "b\xff" "c", 5), "a?b?c");
    assert_string_equal(st_java__clean(a, "\xc3\xa9\xc3", 3), "\xc3\xa9?");
    assert_string_equal(st_java__clean(a, "\xed\xa0\x80", 3), "???");
    assert_string_equal(st_java__clean(a, "", 0), "");
    assert_true(st_java__coord_ok("org.apache-x_1", 14));
    assert_false(st_java__coord_ok("Apache Log4j", 12));
    assert_false(st_java__coord_ok("", 0));
    st_arena_free(a);
}

/* Every allocation of a scan fails in turn: ST_ENOMEM or success, never a
 * crash or a leak (ASan), for an archive with nesting and for a pom. */
static void test_java__alloc_failures(void **s)
{
    static const char *const files[][2] = {
        {"app.war", "srv/app.war"},
        {"log4j-api-manifest-only.jar", "l/log4j-api.jar"},
        {"properties.pom", "pom.xml"},
    };
    (void)s;
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        char *data = slurp(files[k][0], &len);
        long failed = 0;
        for (long n = 1; n < 5000; n++) {
            st_scan_ctx *ctx = st_scan__test_ctx();
            void *state = NULL;
            st_entry e;
            int rc;
            assert_non_null(ctx);
            memset(&e, 0, sizeof(e));
            e.path = files[k][1];
            e.path_len = strlen(e.path);
            e.type = ST_ENTRY_FILE;
            e.visible = true;
            st_alloc_fail_after(n);
            rc = ops->begin(&state, ctx);
            if (rc == 0)
                rc = ops->file(state, ctx, &e, data, len);
            if (rc == 0)
                rc = ops->end(state, ctx);
            st_alloc_fail_after(0);
            ops->release(state);
            st_scan__test_ctx_free(ctx);
            if (rc == 0) {
                if (n > failed + 50)
                    break;
            } else {
                assert_int_equal(rc, ST_ENOMEM);
                failed = n;
            }
        }
        assert_true(failed > 0);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java__wants),
        cmocka_unit_test(test_java__real_jar),
        cmocka_unit_test(test_java__manifest_fallback),
        cmocka_unit_test(test_java__shaded),
        cmocka_unit_test(test_java__war),
        cmocka_unit_test(test_java__pom_properties_forms),
        cmocka_unit_test(test_java__nesting_bound),
        cmocka_unit_test(test_java__entry_bound),
        cmocka_unit_test(test_java__garbage),
        cmocka_unit_test(test_java__nested_garbage),
        cmocka_unit_test(test_java__pom_properties),
        cmocka_unit_test(test_java__pom_debian),
        cmocka_unit_test(test_java__pom_xxe),
        cmocka_unit_test(test_java__pom_laughs),
        cmocka_unit_test(test_java__pom_hostile),
        cmocka_unit_test(test_java__props_text),
        cmocka_unit_test(test_java__manifest_text),
        cmocka_unit_test(test_java__clean),
        cmocka_unit_test(test_java__alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
