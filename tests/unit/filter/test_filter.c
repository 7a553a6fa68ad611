/* Suppressing findings: ignore files and OpenVEX documents over a result
 * built by hand. Tables of documents and what each finding's
 * suppressed_by must be afterwards; files in tests/data/{ignore,vex} for
 * the public entry points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter/filter_int.h"
#include "inventory/result_int.h"
#include "strata/filter.h"
#include "util/util.h"
#include "util/banned.h"

#define DATA ST_TEST_DATA
/* 2026-06-01T12:00:00Z */
#define NOW ((time_t)1780315200)

static const char *const tags[] = {"registry.example/app:1.0"};
static const char *const ids_libc[] = {"CVE-2024-0001", "DSA-5678-1"};
static const char *const ids_lodash[] = {"CVE-2020-8203",
                                         "GHSA-p6mc-m468-83gw"};
#define MANIFEST \
    "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define CONFIG \
    "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

enum { V_LIBC, V_BASH, V_LODASH, V_BASH_LOW, N_V };

static const st_package *pkg(const st_result *r, const char *name)
{
    for (size_t i = 0; i < st_result_package_count(r); i++) {
        if (!strcmp(st_result_package(r, i)->name, name))
            return st_result_package(r, i);
    }
    fail_msg("no package %s", name);
    return NULL;
}

static st_vuln *vuln(st_result *r, const char *id, const char *name)
{
    st_vuln *v = st_result__add_vuln(r);

    assert_non_null(v);
    v->id = id;
    v->package = pkg(r, name);
    v->installed_version = v->package->version;
    v->severity = "HIGH";
    v->status = "fixed";
    return v;
}

static st_result *make_result(void)
{
    st_result *r = st_result__new();
    st_image_info img;
    st_package *p;
    st_vuln *v;

    assert_non_null(r);
    memset(&img, 0, sizeof(img));
    img.ref = "registry.example/app:1.0";
    img.manifest_digest = MANIFEST;
    img.config_digest = CONFIG;
    img.repo_tag_count = 1;
    img.repo_tags = tags;
    assert_int_equal(st_result__set_image(r, &img), 0);
    r->os.family = "debian";
    r->os.id = "debian";
    r->os.version_id = "12";
    const char *names[] = {"bash", "libc6", "lodash"};
    const char *types[] = {"deb", "deb", "npm"};
    const char *versions[] = {"5.2.15-2+b7", "2.36-9+deb12u9", "4.17.15"};
    const char *files[] = {"/var/lib/dpkg/status", "/var/lib/dpkg/status",
                           "/app/package-lock.json"};
    for (int i = 0; i < 3; i++) {
        p = st_result__add_package(r);
        assert_non_null(p);
        p->type = types[i];
        p->name = names[i];
        p->version = versions[i];
        p->arch = i < 2 ? "amd64" : NULL;
        p->found_in = files[i];
    }
    assert_int_equal(st_result__finish(r), 0);
    v = vuln(r, "CVE-2024-0001", "libc6");
    v->id_count = 2;
    v->ids = ids_libc;
    vuln(r, "CVE-2024-0002", "bash");
    v = vuln(r, "CVE-2020-8203", "lodash");
    v->id_count = 2;
    v->ids = ids_lodash;
    vuln(r, "CVE-2024-0003", "bash");
    return r;
}

static void assert_suppressed(const st_result *r, const char *const want[N_V],
                              size_t case_no)
{
    for (size_t i = 0; i < N_V; i++) {
        const char *got = st_result_vuln(r, i)->suppressed_by;

        if (!want[i] && got)
            fail_msg("case %zu, finding %zu: suppressed by \"%s\"", case_no,
                     i, got);
        if (want[i] && (!got || strcmp(got, want[i])))
            fail_msg("case %zu, finding %zu: want \"%s\", got \"%s\"",
                     case_no, i, want[i], got ? got : "(null)");
    }
}

/* ---- ignore files ------------------------------------------------------ */

static void test_filter__ignore_rules(void **state)
{
    static const struct {
        const char *text;
        const char *want[N_V];
    } cases[] = {
        {"", {NULL}},
        {"# only a comment\n\n   \t\n", {NULL}},
        {"CVE-2024-0002\n", {NULL, "ignored by .strataignore:1"}},
        /* any merged id, any case */
        {"dsa-5678-1\n", {"ignored by .strataignore:1"}},
        {"GHSA-p6mc-m468-83gw # lodash\n",
         {NULL, NULL, "ignored by .strataignore:1"}},
        /* related-only or unknown ids match nothing */
        {"CVE-9999-0001\n", {NULL}},
        /* pkg: limits to a package name */
        {"CVE-2024-0002 pkg:libc6\n", {NULL}},
        {"CVE-2024-0002 pkg:bash\n", {NULL, "ignored by .strataignore:1"}},
        /* path: a glob over the declaring file, with or without "/" */
        {"CVE-2020-8203 path:app/*\n",
         {NULL, NULL, "ignored by .strataignore:1"}},
        {"CVE-2020-8203 path:/app/*.json\n",
         {NULL, NULL, "ignored by .strataignore:1"}},
        {"CVE-2020-8203 path:var/*\n", {NULL}},
        /* expiry: through the whole day, UTC */
        {"\r\nCVE-2024-0002 exp:2026-06-01\r\n",
         {NULL, "ignored by .strataignore:2 (expires 2026-06-01)"}},
        {"CVE-2024-0002 exp:2026-05-31\n", {NULL}},
        {"CVE-2024-0002 exp:2027-01-01 pkg:bash path:var/lib/dpkg/status\n",
         {NULL, "ignored by .strataignore:1 (expires 2027-01-01)"}},
        /* the first matching rule names the reason */
        {"CVE-2024-0003 exp:2020-01-01\nCVE-2024-0003\nCVE-2024-0003\n",
         {NULL, NULL, NULL, "ignored by .strataignore:2"}},
        /* no final newline */
        {"CVE-2024-0001", {"ignored by .strataignore:1"}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_result *r = make_result();
        st_error *err = NULL;
        int rc = st_filter__ignore_buf(r, cases[i].text,
                                       strlen(cases[i].text),
                                       "/home/me/.strataignore", NOW, &err);

        if (rc)
            fail_msg("case %zu: %s", i, st_error_message(err));
        assert_suppressed(r, cases[i].want, i);
        st_result_free(r);
    }
}

static void test_filter__ignore_errors(void **state)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"CVE-1\nCVE-2 exp:2027-13-01\n",
         "f/.strataignore:2: exp: wants a date YYYY-MM-DD, not \"2027-13-01\""},
        {"CVE-1 exp:2026-02-29\n",
         "f/.strataignore:1: exp: wants a date YYYY-MM-DD, not \"2026-02-29\""},
        {"CVE-1 exp:tomorrow\n",
         "f/.strataignore:1: exp: wants a date YYYY-MM-DD, not \"tomorrow\""},
        {"CVE-1 exp:\n",
         "f/.strataignore:1: unknown option \"exp:\" (want exp:, pkg: or "
         "path:)"},
        {"CVE-1 severity:low\n",
         "f/.strataignore:1: unknown option \"severity:low\" (want exp:, "
         "pkg: or path:)"},
        {"CVE-1 pkg:a pkg:b\n", "f/.strataignore:1: pkg: given twice"},
        {"CVE-1 path:a path:b\n", "f/.strataignore:1: path: given twice"},
        {"CVE-1 exp:2027-01-01 exp:2027-01-02\n",
         "f/.strataignore:1: exp: given twice"},
        {"pkg:bash CVE-1\n",
         "f/.strataignore:1: a rule starts with an id, not an option"},
        {"CVE-1\0x\n", "f/.strataignore:1: NUL byte"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_result *r = make_result();
        st_error *err = NULL;
        size_t len = strlen(cases[i].text);

        if (strstr(cases[i].message, "NUL"))
            len = 8;
        assert_int_equal(st_filter__ignore_buf(r, cases[i].text, len,
                                               "f/.strataignore", NOW, &err),
                         ST_EINVALID);
        assert_string_equal(st_error_message(err), cases[i].message);
        /* nothing applied, not even the good lines before */
        assert_suppressed(r, (const char *[N_V]){NULL}, i);
        st_error_free(err);
        st_result_free(r);
    }
}

static void test_filter__ignore_file(void **state)
{
    st_result *r = make_result();
    st_error *err = NULL;

    (void)state;
    assert_int_equal(st_filter_ignorefile(r, DATA "/ignore/strataignore", NOW,
                                          &err), 0);
    assert_suppressed(r, (const char *[N_V]){
        NULL, "ignored by strataignore:2",
        "ignored by strataignore:5 (expires 2027-01-01)", NULL}, 0);
    /* a second file: what is suppressed keeps its first reason */
    assert_int_equal(st_filter__ignore_buf(r, "CVE-2024-0002\nCVE-2024-0003",
                                           27, "x", NOW, &err), 0);
    assert_string_equal(st_result_vuln(r, V_BASH)->suppressed_by,
                        "ignored by strataignore:2");
    assert_string_equal(st_result_vuln(r, V_BASH_LOW)->suppressed_by,
                        "ignored by x:2");

    assert_int_equal(st_filter_ignorefile(r, DATA "/ignore/bad-date", NOW,
                                          &err), ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "bad-date:2: exp:"));
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_filter_ignorefile(r, DATA "/ignore/bad-option", NOW,
                                          &err), ST_EINVALID);
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_filter_ignorefile(r, DATA "/ignore/no-such-file", NOW,
                                          &err), ST_ENOTFOUND);
    st_error_free(err);
    assert_int_equal(st_filter_ignorefile(NULL, "x", NOW, NULL), ST_EUSAGE);
    st_result_free(r);
}

/* ---- VEX ------------------------------------------------------------------ */

#define CTX "\"@context\": \"https://openvex.dev/ns/v0.2.0\""
#define NA_PATH "VEX not_affected: vulnerable_code_not_in_execute_path (v.json)"

static void test_filter__vex_statements(void **state)
{
    static const struct {
        const char *doc;
        const char *want[N_V];
    } cases[] = {
        {"{" CTX ", \"statements\": []}", {NULL}},
        /* a package purl without version or qualifiers */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": "
         "\"pkg:deb/debian/bash\"}], \"status\": \"not_affected\", "
         "\"justification\": \"vulnerable_code_not_in_execute_path\"}]}",
         {NULL, NA_PATH}},
        /* version given: it must be the installed one (decoded) */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": "
         "\"pkg:deb/debian/bash@5.2.15-2+b7?distro=other\"}], \"status\": "
         "\"fixed\"}]}",
         {NULL, "VEX fixed (v.json)"}},
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": "
         "\"pkg:deb/debian/bash@5.2.15-3\"}], \"status\": \"fixed\"}]}",
         {NULL}},
        /* another namespace or type is another package */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": \"pkg:deb/ubuntu/bash\"},"
         " {\"@id\": \"pkg:rpm/debian/bash\"}], \"status\": \"fixed\"}]}",
         {NULL}},
        /* identifiers.purl; a merged id; no justification */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"GHSA-p6mc-m468-83gw\"}, \"products\": [{\"identifiers\": "
         "{\"purl\": \"pkg:npm/lodash@4.17.15\"}}], \"status\": "
         "\"not_affected\"}]}",
         {NULL, NULL, "VEX not_affected (v.json)"}},
        /* aliases */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"TEMP-1\", \"aliases\": [\"DSA-5678-1\"]}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/libc6\"}], \"status\": \"fixed\"}]}",
         {"VEX fixed (v.json)"}},
        /* the image: every package, by purl digest, ref or tag */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0003\"}, \"products\": [{\"@id\": \"pkg:oci/app@sha256%3A"
         "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"}],"
         " \"status\": \"fixed\"}]}",
         {NULL, NULL, NULL, "VEX fixed (v.json)"}},
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0003\"}, \"products\": [{\"@id\": "
         "\"registry.example/app:1.0\"}], \"status\": \"fixed\"}]}",
         {NULL, NULL, NULL, "VEX fixed (v.json)"}},
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0003\"}, \"products\": [{\"@id\": \"app@" MANIFEST
         "\"}], \"status\": \"fixed\"}]}",
         {NULL, NULL, NULL, "VEX fixed (v.json)"}},
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0003\"}, \"products\": [{\"@id\": \"pkg:oci/app@sha256%3A"
         "eeee\"}], \"status\": \"fixed\"}]}",
         {NULL}},
        /* the image with subcomponents: only those packages */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": \"" CONFIG "\", "
         "\"subcomponents\": [{\"@id\": \"pkg:deb/debian/libc6\"}]}], "
         "\"status\": \"fixed\"}]}",
         {NULL}},
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": \"" CONFIG "\", "
         "\"subcomponents\": [{\"@id\": \"pkg:deb/debian/libc6\"}, "
         "{\"@id\": \"pkg:deb/debian/bash\"}]}], \"status\": \"fixed\"}]}",
         {NULL, "VEX fixed (v.json)"}},
        /* affected and under_investigation change nothing */
        {"{" CTX ", \"statements\": [{\"vulnerability\": {\"name\": "
         "\"CVE-2024-0002\"}, \"products\": [{\"@id\": "
         "\"pkg:deb/debian/bash\"}], \"status\": \"affected\"}, "
         "{\"vulnerability\": {\"name\": \"CVE-2024-0001\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/libc6\"}], \"status\": "
         "\"under_investigation\"}]}",
         {NULL}},
        /* timestamps order statements: the latest decides, whatever the
         * document order; ties keep document order */
        {"{" CTX ", \"timestamp\": \"2024-01-01T00:00:00Z\", \"statements\": "
         "[{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/bash\"}], \"status\": \"affected\", "
         "\"timestamp\": \"2024-02-01T00:00:00Z\"}, "
         "{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/bash\"}], \"status\": \"fixed\"}]}",
         {NULL}},
        {"{" CTX ", \"timestamp\": \"2024-03-01T00:00:00Z\", \"statements\": "
         "[{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/bash\"}], \"status\": \"affected\", "
         "\"timestamp\": \"2024-03-01T00:30:00+01:00\"}, "
         "{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/bash\"}], \"status\": \"fixed\"}]}",
         {NULL, "VEX fixed (v.json)"}},
        {"{" CTX ", \"statements\": "
         "[{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/bash\"}], \"status\": \"fixed\"}, "
         "{\"vulnerability\": {\"name\": \"CVE-2024-0002\"}, \"products\": "
         "[{\"@id\": \"pkg:deb/debian/bash\"}], \"status\": \"affected\"}]}",
         {NULL}},
        /* 0.0.1: plain strings; an unknown justification is left out */
        {"{\"@context\": \"https://openvex.dev/ns\", \"statements\": "
         "[{\"vulnerability\": \"CVE-2020-8203\", \"products\": "
         "[\"pkg:npm/lodash\"], \"status\": \"not_affected\", "
         "\"justification\": \"because\"}]}",
         {NULL, NULL, "VEX not_affected (v.json)"}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_result *r = make_result();
        st_error *err = NULL;
        int rc = st_filter__vex_buf(r, cases[i].doc, strlen(cases[i].doc),
                                    "dir/v.json", &err);

        if (rc)
            fail_msg("case %zu: %s", i, st_error_message(err));
        assert_suppressed(r, cases[i].want, i);
        st_result_free(r);
    }
}

static void test_filter__vex_errors(void **state)
{
    static const struct {
        const char *doc;
        const char *message; /* a prefix */
    } cases[] = {
        {"", "v.json: "},
        {"[]", "v.json: not an OpenVEX document"},
        {"{\"statements\": []}", "v.json: not an OpenVEX document"},
        {"{\"@context\": \"https://example.com/ns\", \"statements\": []}",
         "v.json: not an OpenVEX document"},
        {"{" CTX "}", "v.json: no \"statements\" array"},
        {"{" CTX ", \"statements\": [1]}", "v.json: statement 0 is not an object"},
        {"{" CTX ", \"statements\": [{\"status\": \"fixed\"}]}",
         "v.json: statement 0: no vulnerability name"},
        {"{" CTX ", \"statements\": [{\"vulnerability\": \"CVE-1\", "
         "\"status\": \"gone\"}]}",
         "v.json: statement 0: status is not one of"},
        {"{" CTX ", \"statements\": [{\"vulnerability\": \"CVE-1\", "
         "\"status\": \"fixed\", \"timestamp\": \"yesterday\"}]}",
         "v.json: statement 0: timestamp is not RFC 3339"},
        {"{" CTX ", \"timestamp\": \"2024-02-30T00:00:00Z\", "
         "\"statements\": []}",
         "v.json: timestamp is not RFC 3339"},
        {"{" CTX ", " CTX ", \"statements\": []}", "v.json: "},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_result *r = make_result();
        st_error *err = NULL;

        assert_int_equal(st_filter__vex_buf(r, cases[i].doc,
                                            strlen(cases[i].doc), "v.json",
                                            &err), ST_EINVALID);
        if (!st_str_startswith(st_error_message(err), cases[i].message))
            fail_msg("case %zu: \"%s\"", i, st_error_message(err));
        st_error_free(err);
        st_result_free(r);
    }
}

static void test_filter__vex_files(void **state)
{
    st_result *r = make_result();
    st_error *err = NULL;

    (void)state;
    assert_int_equal(st_filter_vex(r, DATA "/vex/openvex-0.2.0.json", &err), 0);
    assert_suppressed(r, (const char *[N_V]){
        "VEX fixed (openvex-0.2.0.json)",
        "VEX not_affected: vulnerable_code_not_in_execute_path "
        "(openvex-0.2.0.json)", NULL, NULL}, 0);
    assert_int_equal(st_filter_vex(r, DATA "/vex/openvex-0.0.1.json", &err), 0);
    assert_string_equal(st_result_vuln(r, V_LODASH)->suppressed_by,
                        "VEX not_affected: vulnerable_code_not_present "
                        "(openvex-0.0.1.json)");
    assert_int_equal(st_filter_vex(r, DATA "/vex/not-openvex.json", &err),
                     ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "not-openvex.json"));
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_filter_vex(r, DATA "/vex/none.json", &err),
                     ST_ENOTFOUND);
    st_error_free(err);
    assert_int_equal(st_filter_vex(NULL, "x", NULL), ST_EUSAGE);
    st_result_free(r);
}

/* Allocation failures: ST_ENOMEM or the same result; never a crash or a
 * leak, and a failed pass suppresses nothing. */
static void test_filter__alloc_failure(void **state)
{
    st_buf vex = ST_BUF_INIT(1 << 20);
    long failed = 0;

    (void)state;
    assert_int_equal(st_read_file(&vex, DATA "/vex/openvex-0.2.0.json",
                                  1 << 20, NULL), 0);
    for (long n = 1; n < 2000; n++) {
        st_result *r = make_result();
        int rc;

        st_alloc_fail_after(n);
        rc = st_filter__vex_buf(r, vex.ptr, vex.len, "v.json", NULL);
        if (rc == 0)
            rc = st_filter__ignore_buf(r, "CVE-2020-8203 pkg:lodash\n", 25,
                                       "i", NOW, NULL);
        st_alloc_fail_after(0);
        if (rc) {
            assert_int_equal(rc, ST_ENOMEM);
            failed = n;
        } else {
            assert_non_null(st_result_vuln(r, V_LIBC)->suppressed_by);
            assert_non_null(st_result_vuln(r, V_LODASH)->suppressed_by);
        }
        st_result_free(r);
    }
    assert_true(failed > 0 && failed < 1000);
    st_buf_release(&vex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter__ignore_rules),
        cmocka_unit_test(test_filter__ignore_errors),
        cmocka_unit_test(test_filter__ignore_file),
        cmocka_unit_test(test_filter__vex_statements),
        cmocka_unit_test(test_filter__vex_errors),
        cmocka_unit_test(test_filter__vex_files),
        cmocka_unit_test(test_filter__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
