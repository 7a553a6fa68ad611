/* vulndb: matching through the real import and lookup, on advisories
 * written here to pin down each rule of the OSV range semantics, the
 * severity choice, alias merging and withdrawn/not-affected entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "inventory/result_int.h"
#include "strata/strata.h"

static char dir[64];

static void put(const char *name, const char *json)
{
    char p[256];
    FILE *f;
    snprintf(p, sizeof(p), "%s/osv/%s.json", dir, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
}

#define ADV(id, extra, eco, name, ranges)                                      \
    "{\"id\":\"" id "\",\"modified\":\"2024-01-01T00:00:00Z\"" extra           \
    ",\"affected\":[{\"package\":{\"ecosystem\":\"" eco "\",\"name\":\"" name  \
    "\"}," ranges "}]}"
#define R(type, ev) "\"ranges\":[{\"type\":\"" type "\",\"events\":[" ev "]}]"

static int setup(void **state)
{
    char p[128];
    const char *src[1];
    st_vulndb_update_options o = ST_VULNDB_UPDATE_OPTIONS_INIT;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/st-match-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/osv", dir);
    mkdir(p, 0755);
    /* introduced/fixed, listed out of order */
    put("A-1", ADV("A-1", "", "PyPI", "pkg-a",
                   R("ECOSYSTEM", "{\"fixed\":\"2.0\"},{\"introduced\":\"1.0\"}")));
    /* last_affected: 1.5 affected, 1.5.1 not */
    put("A-2", ADV("A-2", "", "PyPI", "pkg-a",
                   R("ECOSYSTEM", "{\"introduced\":\"0\"},{\"last_affected\":\"1.5\"}")));
    /* two intervals in one range */
    put("A-3", ADV("A-3", "", "PyPI", "pkg-a",
                   R("ECOSYSTEM", "{\"introduced\":\"1.0\"},{\"fixed\":\"1.2\"},"
                                  "{\"introduced\":\"3.0\"},{\"fixed\":\"3.1\"}")));
    /* explicit versions only; the name is normalised (PEP 503) */
    put("A-4", "{\"id\":\"A-4\",\"affected\":[{\"package\":{\"ecosystem\":"
               "\"PyPI\",\"name\":\"Pkg_A\"},\"versions\":[\"2.5\"]}]}");
    /* withdrawn: never reported */
    put("A-5", ADV("A-5", ",\"withdrawn\":\"2024-02-01T00:00:00Z\"", "PyPI",
                   "pkg-a", R("ECOSYSTEM", "{\"introduced\":\"0\"}")));
    /* Go: SEMVER ranges without the "v" of module versions */
    put("G-1", ADV("G-1", "", "Go", "example.com/m",
                   R("SEMVER", "{\"introduced\":\"0\"},{\"fixed\":\"1.2.3\"}")));
    /* two advisories for one flaw, merged through the alias; severities:
     * a CVSS v3.1 vector (9.8) and GHSA's own rating */
    put("GHSA-x", ADV("GHSA-x", ",\"aliases\":[\"CVE-2024-1\"],\"severity\":"
                      "[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/"
                      "PR:N/UI:N/S:U/C:H/I:H/A:H\"}]",
                      "npm", "lib", R("SEMVER", "{\"introduced\":\"0\"},"
                                                "{\"fixed\":\"4.17.21\"}")));
    put("NSWG-1", ADV("NSWG-1", ",\"aliases\":[\"CVE-2024-1\"],"
                      "\"database_specific\":{\"severity\":\"LOW\"}",
                      "npm", "lib", R("SEMVER", "{\"introduced\":\"0\"},"
                                                "{\"fixed\":\"4.17.20\"}")));
    /* Debian: matched by source package; the distro's urgency wins over
     * CVSS for OS packages; an entry marked not-affected is skipped */
    put("DSA-1", "{\"id\":\"DSA-1\",\"severity\":[{\"type\":\"CVSS_V3\","
                 "\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
                 "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
                 "\"name\":\"src\"}," R("ECOSYSTEM", "{\"introduced\":\"0\"},"
                 "{\"fixed\":\"1.2-3+deb12u1\"}") ",\"ecosystem_specific\":"
                 "{\"urgency\":\"low\"}}]}");
    put("DSA-2", "{\"id\":\"DSA-2\",\"affected\":[{\"package\":{\"ecosystem\":"
                 "\"Debian:12\",\"name\":\"src\"}," R("ECOSYSTEM",
                 "{\"introduced\":\"0\"}") ",\"database_specific\":"
                 "{\"status\":\"not-affected\"}}]}");
    /* no fix at all: unfixed */
    put("DSA-3", ADV("DSA-3", "", "Debian:12", "src",
                     R("ECOSYSTEM", "{\"introduced\":\"0\"}")));
    snprintf(p, sizeof(p), "%s/osv", dir);
    src[0] = p;
    o.sources = src;
    o.source_count = 1;
    snprintf(p, sizeof(p), "%s/osv", dir);
    {
        char db[128];
        snprintf(db, sizeof(db), "%s/db", dir);
        assert_int_equal(st_vulndb_update(db, &o, NULL, NULL), 0);
    }
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

/* Matches one package and returns the result (the caller frees it). */
static st_result *match(const char *type, const char *name,
                        const char *version, const char *src)
{
    char db[128];
    st_vulndb *v = NULL;
    st_result *r = st_result__new();
    st_package *p = st_result__add_package(r);
    p->type = type;
    p->name = name;
    p->version = version;
    p->source_name = src;
    p->source_version = src ? version : NULL;
    r->os.id = "debian";
    r->os.version_id = "12";
    snprintf(db, sizeof(db), "%s/db", dir);
    assert_int_equal(st_vulndb_open(&v, db, NULL), 0);
    assert_int_equal(st_vulndb_match(v, r, NULL), 0);
    st_vulndb_close(v);
    return r;
}

/* The ids found for a package at a version, "A-1,A-3" (sorted). */
static void ids(const char *type, const char *name, const char *version,
                const char *want)
{
    st_result *r = match(type, name, version, NULL);
    char got[256] = "";
    const char *list[16];
    size_t n = st_result_vuln_count(r);
    assert_true(n < 16);
    for (size_t i = 0; i < n; i++)
        list[i] = st_result_vuln(r, i)->id;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
            const char *t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                 i ? "," : "", list[i]);
    if (strcmp(got, want))
        fail_msg("%s %s %s: got [%s], want [%s]", type, name, version, got,
                 want);
    st_result_free(r);
}

static void test_vulndb__ranges(void **state)
{
    (void)state;
    ids("pypi", "pkg-a", "0.9", "A-2");          /* before A-1's introduced */
    ids("pypi", "pkg-a", "1.0", "A-1,A-2,A-3");  /* introduced is inclusive */
    ids("pypi", "pkg-a", "1.1", "A-1,A-2,A-3");
    ids("pypi", "pkg-a", "1.2", "A-1,A-2");      /* fixed is exclusive */
    ids("pypi", "pkg-a", "1.5", "A-1,A-2");      /* last_affected inclusive */
    ids("pypi", "pkg-a", "1.5.1", "A-1");
    ids("pypi", "pkg-a", "2.0", "");
    ids("pypi", "pkg-a", "2.5", "A-4");          /* explicit version */
    ids("pypi", "PKG.A", "2.5", "A-4");          /* PEP 503 on both sides */
    ids("pypi", "pkg-a", "3.0.0", "A-3");        /* second interval */
    ids("pypi", "pkg-a", "3.1", "");
    ids("golang", "example.com/m", "v1.2.2", "G-1");
    ids("golang", "example.com/m", "v1.2.3", "");
}

static void test_vulndb__fixed_version(void **state)
{
    st_result *r = match("pypi", "pkg-a", "3.0", NULL);
    const st_vuln *v;
    (void)state;
    assert_int_equal(st_result_vuln_count(r), 1);
    v = st_result_vuln(r, 0);
    assert_string_equal(v->fixed_version, "3.1"); /* the interval's own fix */
    assert_string_equal(v->status, "fixed");
    st_result_free(r);
}

static void test_vulndb__merge_and_severity(void **state)
{
    st_result *r = match("npm", "lib", "4.17.19", NULL);
    const st_vuln *v;
    (void)state;
    assert_int_equal(st_result_vuln_count(r), 1); /* merged by alias */
    v = st_result_vuln(r, 0);
    assert_string_equal(v->id, "CVE-2024-1");     /* the CVE is primary */
    assert_int_equal(v->id_count, 3);
    assert_string_equal(v->fixed_version, "4.17.21"); /* the higher fix */
    assert_string_equal(v->severity, "CRITICAL"); /* CVSS 9.8 over GHSA LOW */
    assert_string_equal(v->severity_source, "cvss:3.1");
    assert_true(v->cvss_score > 9.79 && v->cvss_score < 9.81);
    st_result_free(r);
    /* 4.17.20 is fixed for NSWG-1 but not for GHSA-x */
    r = match("npm", "lib", "4.17.20", NULL);
    assert_int_equal(st_result_vuln_count(r), 1);
    assert_int_equal(st_result_vuln(r, 0)->id_count, 2);
    st_result_free(r);
}

static void test_vulndb__debian(void **state)
{
    st_result *r = match("deb", "bin", "1.2-3", "src");
    const st_vuln *a = NULL, *b = NULL;
    (void)state;
    /* DSA-1 (fixed) and DSA-3 (unfixed); DSA-2 is not-affected */
    assert_int_equal(st_result_vuln_count(r), 2);
    for (size_t i = 0; i < 2; i++) {
        const st_vuln *v = st_result_vuln(r, i);
        if (!strcmp(v->id, "DSA-1"))
            a = v;
        if (!strcmp(v->id, "DSA-3"))
            b = v;
    }
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->severity, "LOW");      /* urgency over CVSS */
    assert_string_equal(a->severity_source, "debian");
    assert_string_equal(a->data_source, "Debian:12");
    assert_string_equal(b->status, "unfixed");
    assert_null(b->fixed_version);
    assert_string_equal(b->severity, "UNKNOWN");
    st_result_free(r);
    /* a version at the fix: only the unfixed one remains */
    r = match("deb", "bin", "1.2-3+deb12u1", "src");
    assert_int_equal(st_result_vuln_count(r), 1);
    assert_string_equal(st_result_vuln(r, 0)->id, "DSA-3");
    st_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vulndb__ranges),
        cmocka_unit_test(test_vulndb__fixed_version),
        cmocka_unit_test(test_vulndb__merge_and_severity),
        cmocka_unit_test(test_vulndb__debian),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
