/* dpkg: a real status excerpt, package states, malformed stanzas,
 * continuation lines, CRLF, and the layer that installed each package. */
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

typedef struct run {
    st_scan_ctx *ctx;
    void *state;
} run;

static const st_analyzer_ops *ops = &st_analyzer_dpkg;

static void start(run *r)
{
    r->ctx = st_scan__test_ctx();
    assert_non_null(r->ctx);
    assert_int_equal(ops->begin(&r->state, r->ctx), 0);
}

static void feed(run *r, const char *path, int layer, bool visible,
                 const char *data, size_t len)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.size = len;
    e.layer = layer;
    e.visible = visible;
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

static const st_package *pkg(const st_result *res, const char *name)
{
    for (size_t i = 0; i < st_result_package_count(res); i++)
        if (!strcmp(st_result_package(res, i)->name, name))
            return st_result_package(res, i);
    return NULL;
}

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

static void test_dpkg__wants(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        bool visible, want;
    } cases[] = {
        {"var/lib/dpkg/status", true, true},
        {"var/lib/dpkg/status", false, true}, /* lower copies date pkgs */
        {"var/lib/dpkg/status-old", true, false},
        {"var/lib/dpkg/status.d/base", true, true},
        {"var/lib/dpkg/status.d/base.md5sums", true, false},
        {"var/lib/dpkg/status.d/sub/x", true, false},
        {"var/lib/dpkg/info/bash.list", true, true},
        {"var/lib/dpkg/info/bash.list", false, false},
        {"var/lib/dpkg/info/bash.md5sums", true, false},
        {"usr/share/doc/bash/copyright", true, true},
        {"usr/share/doc/bash/changelog.gz", true, false},
        {"usr/share/doc/copyright", true, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_entry e;
        memset(&e, 0, sizeof(e));
        e.path = cases[i].path;
        e.path_len = strlen(e.path);
        e.visible = cases[i].visible;
        e.type = ST_ENTRY_FILE;
        if (ops->wants(&e) != cases[i].want)
            fail_msg("wants(%s, visible=%d) != %d", e.path, e.visible,
                     cases[i].want);
        e.type = ST_ENTRY_SYMLINK;
        assert_false(ops->wants(&e));
    }
}

static void test_dpkg__real_status(void **state)
{
    (void)state;
    static const struct {
        const char *name, *version, *arch, *src, *srcver;
    } want[] = {
        {"base-files", "12.4+deb12u11", "amd64", "base-files",
         "12.4+deb12u11"},
        {"bash", "5.2.15-2+b8", "amd64", "bash", "5.2.15-2"}, /* binNMU */
        {"bc", "1.07.1-3+b1", "amd64", "bc", "1.07.1-3"},
        {"libc6", "2.36-9+deb12u14", "amd64", "glibc", "2.36-9+deb12u14"},
        {"util-linux", "2.38.1-5+deb12u3", "amd64", "util-linux",
         "2.38.1-5+deb12u3"},
    };
    run r;
    size_t len;
    char *data = slurp("dpkg/status", &len);
    const st_result *res;

    start(&r);
    feed(&r, "var/lib/dpkg/status", 0, true, data, len);
    static const char list[] = "/.\n/bin\n/bin/bash\n";
    static const char copyright[] =
        "Format: https://www.debian.org/doc/packaging-manuals/"
        "copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+\n\nFiles: x\n"
        "License: GPL-3+\n\nFiles: y\nlicense: BSD-3-clause\n";
    feed(&r, "var/lib/dpkg/info/bash:amd64.list", 0, true, list,
         strlen(list));
    feed(&r, "usr/share/doc/bash/copyright", 0, true, copyright,
         strlen(copyright));
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 5);
    for (size_t i = 0; i < 5; i++) {
        const st_package *p = pkg(res, want[i].name);
        if (!p)
            fail_msg("no package %s", want[i].name);
        assert_string_equal(p->type, "deb");
        assert_string_equal(p->version, want[i].version);
        assert_string_equal(p->arch, want[i].arch);
        assert_string_equal(p->source_name, want[i].src);
        assert_string_equal(p->source_version, want[i].srcver);
        assert_string_equal(p->found_in, "/var/lib/dpkg/status");
        assert_int_equal(p->layer_index, 0);
        assert_non_null(p->maintainer);
    }
    const st_package *b = pkg(res, "bash");
    assert_int_equal(b->file_count, 2);
    assert_string_equal(b->files[0], "/bin");
    assert_string_equal(b->files[1], "/bin/bash");
    assert_string_equal(b->license, "GPL-3+ AND BSD-3-clause");
    assert_null(pkg(res, "bc")->license);
    assert_int_equal(pkg(res, "bc")->file_count, 0);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    stop(&r);
    free(data);
}

static void test_dpkg__states_and_format(void **state)
{
    (void)state;
    static const char db[] =
        "Package: gone\r\n"
        "Status: deinstall ok config-files\r\n"
        "Version: 1.0\r\n"
        "\r\n"
        "Package: never\n"
        "Status: purge ok not-installed\n"
        "Version: 1.0\n"
        "\n"
        "Package: half\n"
        "Status: install reinstreq half-installed\n"
        "Architecture: all\n"
        "Version: 2:1.0-1\n"
        "\n"
        "Package: crlf\r\n"
        "Status: install ok installed\r\n"
        "Architecture: arm64\r\n"
        "Source: crlf-src (0.9)\r\n"
        "Version: 1.0-1\r\n"
        "Description: one\r\n"
        " continued: with a colon\r\n"
        " .\r\n"
        "\r\n"
        "Description: a stanza without Package\n"
        "Version: 3\n"
        "\n"
        "Package: nover\n"
        "Status: install ok installed\n"
        "\n"
        "package: lower-case-keys\n"
        "status: install ok installed\n"
        "version:   7.1  \n"
        "Source: spaced\n"
        "\n\n\n"
        "Package: last\n"
        "Version: 0.1\n"
        "Depends: a,\n"
        "  b\n"; /* no final newline */
    run r;
    const st_result *res;

    start(&r);
    feed(&r, "var/lib/dpkg/status", 3, true, db, sizeof(db) - 1);
    res = finish(&r);
    assert_null(pkg(res, "gone"));  /* config-files: not on disk */
    assert_null(pkg(res, "never")); /* not-installed */
    assert_null(pkg(res, "nover")); /* malformed */
    assert_non_null(pkg(res, "half"));
    assert_string_equal(pkg(res, "half")->version, "2:1.0-1");
    const st_package *c = pkg(res, "crlf");
    assert_non_null(c);
    assert_string_equal(c->version, "1.0-1");
    assert_string_equal(c->arch, "arm64");
    assert_string_equal(c->source_name, "crlf-src");
    assert_string_equal(c->source_version, "0.9");
    assert_int_equal(c->layer_index, 3);
    const st_package *l = pkg(res, "lower-case-keys");
    assert_non_null(l);
    assert_string_equal(l->version, "7.1");
    assert_string_equal(l->source_name, "spaced");
    assert_string_equal(l->source_version, "7.1");
    assert_non_null(pkg(res, "last"));
    assert_string_equal(pkg(res, "last")->version, "0.1");
    assert_null(pkg(res, "last")->arch);
    assert_int_equal(st_result_package_count(res), 4);
    /* two malformed stanzas: the first named by line, then a count */
    assert_int_equal(st_result_diagnostic_count(res), 2);
    const st_diagnostic *d = st_result_diagnostic(res, 0);
    assert_string_equal(d->analyzer, "dpkg");
    assert_non_null(strstr(d->message, "line 23"));
    assert_int_equal(d->layer_index, 3);
    assert_non_null(strstr(st_result_diagnostic(res, 1)->message,
                           "2 malformed stanzas"));
    stop(&r);
}

/* Copies of the status file in layers 2 (visible), 1 and 0 (shadowed),
 * fed top-down as the walker does. */
static void test_dpkg__layer_attribution(void **state)
{
    (void)state;
    static const char l2[] =
        "Package: base\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: upgraded\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 2\n\n"
        "Package: added1\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: readded\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: archchange\nStatus: install ok installed\n"
        "Architecture: i386\nVersion: 1\n\n"
        "Package: added2\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n";
    static const char l1[] =
        "Package: base\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: upgraded\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: added1\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: archchange\nStatus: install ok installed\n"
        "Architecture: amd64\nVersion: 1\n";
    static const char l0[] =
        "Package: base\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: upgraded\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: readded\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1\n\n"
        "Package: archchange\nStatus: install ok installed\n"
        "Architecture: i386\nVersion: 1\n";
    static const struct {
        const char *name;
        int layer;
    } want[] = {
        {"base", 0},     /* same version in every copy */
        {"upgraded", 2}, /* version changed in layer 2 */
        {"added1", 1},   /* absent from layer 0 */
        {"readded", 2},  /* in 0, removed in 1, back in 2 */
        {"archchange", 2},
        {"added2", 2},
    };
    run r;
    const st_result *res;

    start(&r);
    feed(&r, "var/lib/dpkg/status", 2, true, l2, sizeof(l2) - 1);
    feed(&r, "var/lib/dpkg/status", 1, false, l1, sizeof(l1) - 1);
    feed(&r, "var/lib/dpkg/status", 0, false, l0, sizeof(l0) - 1);
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 6);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const st_package *p = pkg(res, want[i].name);
        assert_non_null(p);
        if (p->layer_index != want[i].layer)
            fail_msg("%s: layer %d, want %d", want[i].name, p->layer_index,
                     want[i].layer);
        assert_string_equal(p->found_in, "/var/lib/dpkg/status");
    }
    stop(&r);
}

/* A status file deleted by an upper layer: only shadowed copies remain,
 * so nothing is listed. */
static void test_dpkg__deleted_status(void **state)
{
    (void)state;
    static const char db[] = "Package: a\nVersion: 1\n";
    run r;
    start(&r);
    feed(&r, "var/lib/dpkg/status", 0, false, db, sizeof(db) - 1);
    assert_int_equal(st_result_package_count(finish(&r)), 0);
    stop(&r);
}

/* distroless: one file per package in status.d/ */
static void test_dpkg__status_d(void **state)
{
    (void)state;
    static const char a[] = "Package: libc6\nVersion: 2.36-9+deb12u4\n"
                            "Architecture: amd64\nSource: glibc\n";
    static const char b[] = "Package: base-files\nVersion: 12.4\n"
                            "Architecture: amd64\n";
    run r;
    const st_result *res;
    start(&r);
    feed(&r, "var/lib/dpkg/status.d/libc6", 1, true, a, sizeof(a) - 1);
    feed(&r, "var/lib/dpkg/status.d/base", 0, true, b, sizeof(b) - 1);
    res = finish(&r);
    assert_int_equal(st_result_package_count(res), 2);
    assert_string_equal(pkg(res, "libc6")->source_name, "glibc");
    assert_string_equal(pkg(res, "libc6")->found_in,
                        "/var/lib/dpkg/status.d/libc6");
    assert_int_equal(pkg(res, "libc6")->layer_index, 1);
    assert_int_equal(pkg(res, "base-files")->layer_index, 0);
    stop(&r);
}

/* A field value with a NUL inside (a corrupt file) must not become a
 * package whose name is cut at the NUL ("" here): the stanza is malformed.
 * Found by fuzz_dpkg_status. */
static void test_dpkg__nul_in_name(void **state)
{
    (void)state;
    static const char db[] = "Package: \0\0x\nVersion: 1\n\n"
                             "Package: ok\nVersion: 1\x00\n\n"
                             "Package: good\nVersion: 2\n";
    run r;
    const st_result *res;
    start(&r);
    feed(&r, "var/lib/dpkg/status", 0, true, db, sizeof(db) - 1);
    res = finish(&r);
    for (size_t i = 0; i < st_result_package_count(res); i++) {
        const st_package *p = st_result_package(res, i);
        if (strlen(p->name) == 0 || !strcmp(p->name, "ok"))
            fail_msg("package \"%s\" %s built from a field with a NUL",
                     p->name, p->version);
    }
    assert_non_null(pkg(res, "good"));
    assert_true(st_result_diagnostic_count(res) >= 1);
    stop(&r);
}

/* `file` gets data/len; nothing promises data[len] == 0. add_license
 * calls st_str_startswith(data, "Format:") before checking len, reading
 * past a 5-byte buffer (ASan: heap-buffer-overflow). Found by
 * fuzz_dpkg_status. Kept last: under ASan it aborts the executable. */
static void test_dpkg__copyright_not_nul_terminated(void **state)
{
    (void)state;
    static const char db[] = "Package: x\nVersion: 1\n";
    char *d = malloc(5);
    run r;
    memcpy(d, "Forma", 5);
    start(&r);
    feed(&r, "var/lib/dpkg/status", 0, true, db, sizeof(db) - 1);
    feed(&r, "usr/share/doc/x/copyright", 0, true, d, 5);
    assert_null(pkg(finish(&r), "x")->license);
    stop(&r);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg__wants),
        cmocka_unit_test(test_dpkg__real_status),
        cmocka_unit_test(test_dpkg__states_and_format),
        cmocka_unit_test(test_dpkg__layer_attribution),
        cmocka_unit_test(test_dpkg__deleted_status),
        cmocka_unit_test(test_dpkg__status_d),
        cmocka_unit_test(test_dpkg__nul_in_name),
        cmocka_unit_test(test_dpkg__copyright_not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
