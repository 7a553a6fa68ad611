/* Report writers over findings: a result built by hand with merged ids, an
 * unfixed finding, a suppressed one, findings without CVSS and with
 * hostile strings is written in every format and read back. With
 * ST_REPORT_DUMP=DIR set the SARIF and CycloneDX documents are also
 * written to DIR for the schema validator (tests/integration/
 * vuln_reports.sh runs this test that way). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "inventory/result_int.h"
#include "report/report_int.h"
#include "strata/report.h"
#include "util/util.h"
#include "util/banned.h"

#define T0 ((time_t)1704067200) /* 2024-01-01T00:00:00Z */

/* ---- a hand-made result with findings ----------------------------------- */

static const char *const tags[] = {"registry.example/app:1.0"};
static const st_layer_info layers[] = {
    {"sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     NULL, 10, NULL},
    {"sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     NULL, 20, NULL},
};
static const char *const ids_libc[] = {"CVE-2024-0001", "DSA-5678-1"};
static const char *const refs_libc[] = {
    "https://security-tracker.debian.org/tracker/CVE-2024-0001",
    "https://www.openwall.com/lists/oss-security/2024/01/02/1"};
static const char *const ids_lodash[] = {"CVE-2020-8203",
                                         "GHSA-p6mc-m468-83gw"};
static const char *const related_dsa[] = {"CVE-2024-0009"};

#define LONG_TITLE                                                        \
    "bash: a very long title that goes on and on describing the flaw in " \
    "far more words than any table column could ever hold at once"

static st_package *add_pkg(st_result *r, const char *type, const char *name,
                           const char *version, const char *found_in,
                           int layer)
{
    st_package *p = st_result__add_package(r);

    assert_non_null(p);
    p->type = type;
    p->name = name;
    p->version = version;
    p->arch = !strcmp(type, "deb") ? "amd64" : NULL;
    p->found_in = found_in;
    p->layer_index = layer;
    p->layer_diff_id = layers[layer].diff_id;
    return p;
}

static const st_package *find_pkg(const st_result *r, const char *name)
{
    for (size_t i = 0; i < st_result_package_count(r); i++) {
        if (!strcmp(st_result_package(r, i)->name, name))
            return st_result_package(r, i);
    }
    fail_msg("no package %s", name);
    return NULL;
}

static st_vuln *add_vuln(st_result *r, const char *id, const char *pkg,
                         const char *severity, const char *fixed)
{
    st_vuln *v = st_result__add_vuln(r);

    assert_non_null(v);
    v->id = id;
    v->package = find_pkg(r, pkg);
    v->installed_version = v->package->version;
    v->fixed_version = fixed;
    v->status = fixed ? "fixed" : "unfixed";
    v->severity = severity;
    return v;
}

#define HOSTILE "evil\x1b[31m\xff"

static st_result *make_result(void)
{
    st_result *r = st_result__new();
    st_image_info img;
    st_vuln *v;

    assert_non_null(r);
    memset(&img, 0, sizeof(img));
    img.ref = "oci:app";
    img.source = "oci";
    img.manifest_digest =
        "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    img.config_digest =
        "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    img.architecture = "amd64";
    img.repo_tag_count = 1;
    img.repo_tags = tags;
    img.layer_count = 2;
    img.layers = layers;
    assert_int_equal(st_result__set_image(r, &img), 0);
    r->os.family = "debian";
    r->os.id = "debian";
    r->os.version_id = "12";
    r->os.pretty_name = "Debian GNU/Linux 12 (bookworm)";

    add_pkg(r, "deb", "bash", "5.2.15-2+b7", "/var/lib/dpkg/status", 0);
    add_pkg(r, "deb", "libc6", "2.36-9+deb12u9", "/var/lib/dpkg/status", 0);
    add_pkg(r, "npm", "lodash", "4.17.15", "/app/package-lock.json", 1);
    add_pkg(r, "npm", HOSTILE, "1.0.0", "/app/x y/package-lock.json", 1);
    assert_int_equal(st_result__finish(r), 0);

    /* In the matcher's order: worst first, then package, then id. */
    v = add_vuln(r, "CVE-2024-0001", "libc6", "CRITICAL", "2.36-9+deb12u10");
    v->id_count = 2;
    v->ids = ids_libc;
    v->related_count = 1;
    v->related = related_dsa;
    v->severity_source = "cvss:3.1";
    v->cvss_score = 9.8;
    v->cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    v->title = "glibc: buffer overflow in getaddrinfo";
    v->description = "A buffer overflow.\nSecond line.";
    v->ref_count = 2;
    v->refs = refs_libc;
    v->published = "2024-01-02T03:04:05Z";
    v->modified = "2024-02-01";
    v->data_source = "Debian:12";

    v = add_vuln(r, "CVE-2024-0002", "bash", "HIGH", NULL);
    v->severity_source = "debian";
    v->title = LONG_TITLE;
    v->data_source = "Debian:12";

    v = add_vuln(r, "CVE-2020-8203", "lodash", "MEDIUM", "4.17.21");
    v->id_count = 2;
    v->ids = ids_lodash;
    v->severity_source = "ghsa";
    v->cvss_score = 5.3;
    v->cvss_vector = "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:H";
    v->title = "Prototype Pollution in lodash";
    v->published = "2020-07-15 17:15:00"; /* not RFC 3339: left out */
    v->data_source = "npm";

    v = add_vuln(r, "CVE-2024-0003", "bash", "LOW", "5.2.15-3");
    v->title = "bash: minor issue";
    v->suppressed_by =
        "VEX not_affected: vulnerable_code_not_in_execute_path (vex.json)";

    v = add_vuln(r, "CVE-2024-0004", HOSTILE, "UNKNOWN", NULL);
    v->title = "title " HOSTILE "\nline two";
    v->description = "desc " HOSTILE;
    return r;
}

/* ---- helpers ------------------------------------------------------------- */

static char *render_rc(const st_result *r, st_format fmt,
                       const st_report_options *o, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    st_error *err = NULL;

    assert_non_null(f);
    *rc = st_report_write(f, r, fmt, o, &err);
    assert_int_equal(fclose(f), 0);
    if (*rc < 0)
        assert_int_equal(st_error_code(err), *rc);
    st_error_free(err);
    return text;
}

static char *render(const st_result *r, st_format fmt,
                    const st_report_options *o)
{
    int rc;
    char *text = render_rc(r, fmt, o, &rc);

    assert_int_equal(rc, 0);
    assert_non_null(text);
    return text;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);

    if (!j)
        fail_msg("not JSON: line %d: %s\n%s", je.line, je.text, text);
    return j;
}

static void dump(const char *name, const char *text)
{
    const char *dir = getenv("ST_REPORT_DUMP");
    char path[1024];
    FILE *f;

    if (!dir || !*dir)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

#define S(o, k) json_string_value(json_object_get((o), (k)))

/* ---- filters -------------------------------------------------------------- */

static void test_vulns__severity_parse(void **state)
{
    static const struct {
        const char *in;
        int rc;
        unsigned bits;
    } cases[] = {
        {"HIGH,CRITICAL", 0, ST_SEV_HIGH | ST_SEV_CRITICAL},
        {"critical", 0, ST_SEV_CRITICAL},
        {"Low, Medium", 0, ST_SEV_LOW | ST_SEV_MEDIUM},
        {"UNKNOWN", 0, ST_SEV_UNKNOWN},
        {"UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", 0, ST_SEV_ALL},
        {"HIGH,HIGH", 0, ST_SEV_HIGH},
        {"", ST_EUSAGE, 0},
        {"HIGH,", ST_EUSAGE, 0},
        {",HIGH", ST_EUSAGE, 0},
        {"SEVERE", ST_EUSAGE, 0},
        {"HIGHER", ST_EUSAGE, 0},
        {"HIG", ST_EUSAGE, 0},
        {"HIGH CRITICAL", ST_EUSAGE, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned bits = 0xdead;

        assert_int_equal(st_severity_parse(&bits, cases[i].in), cases[i].rc);
        assert_int_equal(bits, cases[i].rc ? 0xdead : cases[i].bits);
    }
    assert_int_equal(st_severity_parse(NULL, "HIGH"), ST_EUSAGE);
    assert_int_equal(st_severity_parse(&(unsigned){0}, NULL), ST_EUSAGE);
}

static void test_vulns__shows(void **state)
{
    static const struct {
        const char *severity, *status, *suppressed;
        unsigned severities;
        int ignore_unfixed, show_suppressed, want;
    } cases[] = {
        {"HIGH", "fixed", NULL, 0, 0, 0, 1},
        {"HIGH", "fixed", NULL, ST_SEV_HIGH, 0, 0, 1},
        {"HIGH", "fixed", NULL, ST_SEV_CRITICAL, 0, 0, 0},
        {"LOW", "unfixed", NULL, 0, 0, 0, 1},
        {"LOW", "unfixed", NULL, 0, 1, 0, 0},
        {"LOW", "fixed", NULL, 0, 1, 0, 1},
        {"MEDIUM", "fixed", "ignored by x:1", 0, 0, 0, 0},
        {"MEDIUM", "fixed", "ignored by x:1", 0, 0, 1, 1},
        {"MEDIUM", "fixed", "ignored by x:1", ST_SEV_LOW, 0, 1, 0},
        {NULL, "fixed", NULL, ST_SEV_UNKNOWN, 0, 0, 1},
        {"weird", "fixed", NULL, ST_SEV_UNKNOWN, 0, 0, 1},
        {"weird", "fixed", NULL, ST_SEV_ALL & ~ST_SEV_UNKNOWN, 0, 0, 0},
        {"critical", "fixed", NULL, ST_SEV_CRITICAL, 0, 0, 0}, /* capitals */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_vuln v;
        st_report_options o = ST_REPORT_OPTIONS_INIT;

        memset(&v, 0, sizeof(v));
        v.severity = cases[i].severity;
        v.status = cases[i].status;
        v.suppressed_by = cases[i].suppressed;
        o.severities = cases[i].severities;
        o.ignore_unfixed = cases[i].ignore_unfixed;
        o.show_suppressed = cases[i].show_suppressed;
        if (st_report_shows(&v, &o) != cases[i].want)
            fail_msg("case %zu: want %d", i, cases[i].want);
    }
    assert_int_equal(st_report_shows(NULL, NULL), 0);
}

static void test_vulns__count(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;

    (void)state;
    assert_int_equal(st_report_count(r, NULL), 4); /* one is suppressed */
    assert_int_equal(st_report_count(r, &o), 4);
    o.show_suppressed = 1;
    assert_int_equal(st_report_count(r, &o), 5);
    o.show_suppressed = 0;
    o.severities = ST_SEV_HIGH | ST_SEV_CRITICAL;
    assert_int_equal(st_report_count(r, &o), 2);
    o.ignore_unfixed = 1;
    assert_int_equal(st_report_count(r, &o), 1);
    assert_int_equal(st_report_count(NULL, &o), 0);
    st_result_free(r);
}

/* ---- json ----------------------------------------------------------------- */

static void test_vulns__json(void **state)
{
    static const char *const keys[] = {
        "id", "ids", "related", "package", "installed_version",
        "fixed_version", "status", "severity", "severity_source",
        "cvss_score", "cvss_vector", "title", "description", "references",
        "published", "modified", "data_source", "suppressed_by", NULL};
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text = render(r, ST_FORMAT_JSON, &o), *t2;
    json_t *j = parse(text), *vs, *v, *p, *j2;
    const char *key;
    json_t *val;
    size_t i = 0;

    (void)state;
    vs = json_object_get(j, "vulnerabilities");
    assert_int_equal(json_array_size(vs), 5); /* suppressed ones too */
    v = json_array_get(vs, 0);
    json_object_foreach(v, key, val) {
        (void)val;
        assert_non_null(keys[i]);
        assert_string_equal(key, keys[i]);
        i++;
    }
    assert_null(keys[i]);
    assert_string_equal(S(v, "id"), "CVE-2024-0001");
    assert_int_equal(json_array_size(json_object_get(v, "ids")), 2);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(v, "ids"), 1)), "DSA-5678-1");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(v, "related"), 0)),
                        "CVE-2024-0009");
    p = json_object_get(v, "package");
    assert_string_equal(S(p, "name"), "libc6");
    assert_string_equal(S(p, "version"), "2.36-9+deb12u9");
    assert_string_equal(S(p, "type"), "deb");
    assert_string_equal(S(p, "purl"), find_pkg(r, "libc6")->purl);
    assert_int_equal(json_integer_value(json_object_get(p, "layer_index")), 0);
    assert_string_equal(S(p, "found_in"), "/var/lib/dpkg/status");
    assert_string_equal(S(v, "installed_version"), "2.36-9+deb12u9");
    assert_string_equal(S(v, "fixed_version"), "2.36-9+deb12u10");
    assert_string_equal(S(v, "status"), "fixed");
    assert_string_equal(S(v, "severity"), "CRITICAL");
    assert_string_equal(S(v, "severity_source"), "cvss:3.1");
    assert_true(json_is_real(json_object_get(v, "cvss_score")));
    assert_true(json_real_value(json_object_get(v, "cvss_score")) == 9.8);
    /* written as people write scores, not 9.8000000000000007 */
    assert_non_null(strstr(text, "\"cvss_score\": 9.8,"));
    assert_string_equal(S(v, "description"), "A buffer overflow.\nSecond line.");
    assert_int_equal(json_array_size(json_object_get(v, "references")), 2);
    assert_string_equal(S(v, "published"), "2024-01-02T03:04:05Z");
    assert_string_equal(S(v, "modified"), "2024-02-01");
    assert_string_equal(S(v, "data_source"), "Debian:12");
    assert_true(json_is_null(json_object_get(v, "suppressed_by")));

    v = json_array_get(vs, 1); /* unfixed, no CVSS */
    assert_string_equal(S(v, "id"), "CVE-2024-0002");
    assert_true(json_is_null(json_object_get(v, "fixed_version")));
    assert_string_equal(S(v, "status"), "unfixed");
    assert_true(json_is_null(json_object_get(v, "cvss_score")));
    assert_true(json_is_null(json_object_get(v, "cvss_vector")));
    assert_int_equal(json_array_size(json_object_get(v, "ids")), 0);
    assert_int_equal(json_array_size(json_object_get(v, "references")), 0);

    v = json_array_get(vs, 3); /* suppressed: present, saying why */
    assert_string_equal(S(v, "id"), "CVE-2024-0003");
    assert_string_equal(S(v, "suppressed_by"),
                        "VEX not_affected: vulnerable_code_not_in_execute_path"
                        " (vex.json)");

    v = json_array_get(vs, 4); /* hostile bytes: valid UTF-8 */
    assert_string_equal(S(json_object_get(v, "package"), "name"),
                        "evil\x1b[31m\xef\xbf\xbd");
    assert_string_equal(S(v, "title"),
                        "title evil\x1b[31m\xef\xbf\xbd\nline two");
    json_decref(j);
    free(text);

    /* severities and ignore_unfixed filter JSON too */
    o.severities = ST_SEV_HIGH | ST_SEV_CRITICAL | ST_SEV_LOW;
    o.ignore_unfixed = 1;
    t2 = render(r, ST_FORMAT_JSON, &o);
    j2 = parse(t2);
    vs = json_object_get(j2, "vulnerabilities");
    assert_int_equal(json_array_size(vs), 2);
    assert_string_equal(S(json_array_get(vs, 0), "id"), "CVE-2024-0001");
    assert_string_equal(S(json_array_get(vs, 1), "id"), "CVE-2024-0003");
    json_decref(j2);
    free(t2);
    st_result_free(r);
}

/* ---- table ---------------------------------------------------------------- */

static const char table_want[] =
    "\n"
    "Vulnerabilities\n"
    "\n"
    "OS packages: Debian GNU/Linux 12 (bookworm)\n"
    "PACKAGE  INSTALLED       FIXED            SEVERITY  ID                TITLE\n"
    "libc6    2.36-9+deb12u9  2.36-9+deb12u10  CRITICAL  CVE-2024-0001 +1  "
    "glibc: buffer overflow in getaddrinfo\n"
    "bash     5.2.15-2+b7     (unfixed)        HIGH      CVE-2024-0002     "
    "bash: a very long title that goes on and on descr\xe2\x80\xa6\n"
    "Total: 2 (CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0)\n"
    "\n"
    "/app/package-lock.json (npm)\n"
    "PACKAGE  INSTALLED  FIXED    SEVERITY  ID                TITLE\n"
    "lodash   4.17.15    4.17.21  MEDIUM    CVE-2020-8203 +1  "
    "Prototype Pollution in lodash\n"
    "Total: 1 (CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 0)\n"
    "\n"
    "/app/x y/package-lock.json (npm)\n"
    "PACKAGE     INSTALLED  FIXED      SEVERITY  ID             TITLE\n"
    "evil?[31m\xef\xbf\xbd  1.0.0      (unfixed)  UNKNOWN   CVE-2024-0004  "
    "title evil?[31m\xef\xbf\xbd?line two\n"
    "Total: 1 (CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 1)\n"
    "\n"
    "Total: 4 (CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 0, UNKNOWN: 1)\n"
    "\n"
    "1 not shown: 1 suppressed (ignore file or VEX)\n";

static void test_vulns__table(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text = render(r, ST_FORMAT_TABLE, &o), *sec, *line, *save = NULL;

    (void)state;
    sec = strstr(text, "\nVulnerabilities\n");
    assert_non_null(sec);
    assert_string_equal(sec, table_want);
    assert_null(strchr(text, '\033'));
    /* no line is wider than 120 columns */
    for (line = strtok_r(sec, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        assert_true(st_report__width(line) <= 120);
    free(text);
    st_result_free(r);
}

static void test_vulns__table_filters(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text, *sec;

    (void)state;
    o.severities = ST_SEV_CRITICAL | ST_SEV_LOW;
    o.show_suppressed = 1;
    text = render(r, ST_FORMAT_TABLE, &o);
    sec = strstr(text, "\nVulnerabilities\n");
    assert_non_null(sec);
    assert_string_equal(sec,
        "\n"
        "Vulnerabilities\n"
        "\n"
        "OS packages: Debian GNU/Linux 12 (bookworm)\n"
        "PACKAGE  INSTALLED       FIXED            SEVERITY  ID                TITLE\n"
        "libc6    2.36-9+deb12u9  2.36-9+deb12u10  CRITICAL  CVE-2024-0001 +1  "
        "glibc: buffer overflow in getaddrinfo\n"
        "bash     5.2.15-2+b7     5.2.15-3         LOW       CVE-2024-0003     "
        "(suppressed) bash: minor issue\n"
        "Total: 2 (CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0)\n"
        "\n"
        "3 not shown: 3 filtered out (severity or no fix)\n");
    free(text);

    /* colours: the severity cell in its colour */
    o.color = 1;
    text = render(r, ST_FORMAT_TABLE, &o);
    assert_non_null(strstr(text, "\033[1;31mCRITICAL\033[0m"));
    assert_non_null(strstr(text, "\033[34mLOW\033[0m"));
    free(text);
    st_result_free(r);
}

static void test_vulns__table_none(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text;

    (void)state;
    /* every finding filtered */
    o.severities = ST_SEV_LOW;
    text = render(r, ST_FORMAT_TABLE, &o);
    assert_non_null(strstr(text, "\nVulnerabilities\nNone found.\n"
                                 "5 not shown: 1 suppressed (ignore file or "
                                 "VEX), 4 filtered out (severity or no "
                                 "fix)\n"));
    free(text);
    st_result_free(r);

    /* matched, nothing found */
    r = st_result__new();
    assert_non_null(r);
    r->matched = true;
    text = render(r, ST_FORMAT_TABLE, &o);
    assert_non_null(strstr(text, "\nVulnerabilities\nNone found.\n"));
    assert_null(strstr(text, "not shown"));
    free(text);
    st_result_free(r);
}

/* ---- sarif ---------------------------------------------------------------- */

static void test_vulns__sarif(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text = render(r, ST_FORMAT_SARIF, &o), *t2;
    json_t *j = parse(text), *run, *drv, *rules, *results, *rule, *res, *loc,
           *j2;
    const char *fp;

    (void)state;
    dump("vulns.sarif.json", text);
    assert_string_equal(S(j, "version"), "2.1.0");
    assert_string_equal(S(j, "$schema"),
                        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/"
                        "errata01/os/schemas/sarif-schema-2.1.0.json");
    assert_int_equal(json_array_size(json_object_get(j, "runs")), 1);
    run = json_array_get(json_object_get(j, "runs"), 0);
    drv = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(S(drv, "name"), "strata");
    assert_string_equal(S(drv, "version"), st_version());
    assert_non_null(S(drv, "informationUri"));
    rules = json_object_get(drv, "rules");
    results = json_object_get(run, "results");
    /* the suppressed finding is not shown: 4 rules, 4 results */
    assert_int_equal(json_array_size(rules), 4);
    assert_int_equal(json_array_size(results), 4);

    rule = json_array_get(rules, 0);
    assert_string_equal(S(rule, "id"), "CVE-2024-0001");
    assert_string_equal(S(json_object_get(rule, "shortDescription"), "text"),
                        "glibc: buffer overflow in getaddrinfo");
    assert_string_equal(S(json_object_get(rule, "fullDescription"), "text"),
                        "A buffer overflow.\nSecond line.");
    assert_string_equal(S(rule, "helpUri"),
                        "https://nvd.nist.gov/vuln/detail/CVE-2024-0001");
    assert_non_null(S(json_object_get(rule, "help"), "text"));
    assert_non_null(S(json_object_get(rule, "help"), "markdown"));
    assert_string_equal(S(json_object_get(rule, "properties"),
                          "security-severity"), "9.8");
    {
        json_t *tg = json_object_get(json_object_get(rule, "properties"),
                                       "tags");
        assert_int_equal(json_array_size(tg), 3);
        assert_string_equal(json_string_value(json_array_get(tg, 0)),
                            "vulnerability");
        assert_string_equal(json_string_value(json_array_get(tg, 1)),
                            "security");
        assert_string_equal(json_string_value(json_array_get(tg, 2)),
                            "CRITICAL");
    }
    /* no CVSS: a score inside the severity's band */
    rule = json_array_get(rules, 1);
    assert_string_equal(S(rule, "id"), "CVE-2024-0002");
    assert_string_equal(S(json_object_get(rule, "properties"),
                          "security-severity"), "8.0");
    assert_string_equal(S(rule, "helpUri"),
                        "https://nvd.nist.gov/vuln/detail/CVE-2024-0002");
    rule = json_array_get(rules, 2);
    assert_string_equal(S(json_object_get(rule, "properties"),
                          "security-severity"), "5.3");
    rule = json_array_get(rules, 3);
    assert_string_equal(S(json_object_get(rule, "properties"),
                          "security-severity"), "0.0");

    res = json_array_get(results, 0);
    assert_string_equal(S(res, "ruleId"), "CVE-2024-0001");
    assert_int_equal(json_integer_value(json_object_get(res, "ruleIndex")), 0);
    assert_string_equal(S(res, "level"), "error");
    assert_string_equal(S(json_object_get(res, "message"), "text"),
                        "Package: libc6\nInstalled Version: 2.36-9+deb12u9\n"
                        "Vulnerability: CVE-2024-0001\nSeverity: CRITICAL\n"
                        "Fixed Version: 2.36-9+deb12u10\n"
                        "glibc: buffer overflow in getaddrinfo");
    loc = json_array_get(json_object_get(res, "locations"), 0);
    assert_string_equal(S(json_object_get(json_object_get(loc,
                          "physicalLocation"), "artifactLocation"), "uri"),
                        "var/lib/dpkg/status");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(
                         json_object_get(loc, "physicalLocation"), "region"),
                         "startLine")), 1);
    assert_string_equal(S(json_array_get(json_object_get(loc,
                          "logicalLocations"), 0), "name"),
                        layers[0].diff_id);
    fp = S(json_object_get(res, "partialFingerprints"), "strataFinding/v1");
    assert_non_null(fp);
    assert_int_equal(strlen(fp), 64);

    assert_string_equal(S(json_array_get(results, 1), "level"), "error");
    assert_string_equal(S(json_array_get(results, 2), "level"), "warning");
    assert_string_equal(S(json_array_get(results, 3), "level"), "note");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(results, 3), "ruleIndex")), 3);
    /* a path with a space and hostile bytes: a valid URI reference */
    loc = json_array_get(json_object_get(json_array_get(results, 3),
                                         "locations"), 0);
    assert_string_equal(S(json_object_get(json_object_get(loc,
                          "physicalLocation"), "artifactLocation"), "uri"),
                        "app/x%20y/package-lock.json");

    /* The fingerprint survives a new installed version; the same id on
     * another package is the same rule with a second result. */
    ((st_vuln *)r->vulns.items[0])->installed_version = "2.36-9+deb12u8";
    {
        st_vuln *v = add_vuln(r, "CVE-2024-0001", "bash", "HIGH", "9");

        v->title = "other";
    }
    t2 = render(r, ST_FORMAT_SARIF, &o);
    j2 = parse(t2);
    run = json_array_get(json_object_get(j2, "runs"), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(
                         json_object_get(run, "tool"), "driver"), "rules")),
                     4);
    results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 5);
    assert_string_equal(S(json_object_get(json_array_get(results, 0),
                                          "partialFingerprints"),
                          "strataFinding/v1"), fp);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(results, 4), "ruleIndex")), 0);
    assert_string_not_equal(S(json_object_get(json_array_get(results, 4),
                                              "partialFingerprints"),
                              "strataFinding/v1"), fp);
    json_decref(j2);
    free(t2);

    /* show_suppressed brings the fifth rule in */
    o.show_suppressed = 1;
    t2 = render(r, ST_FORMAT_SARIF, &o);
    j2 = parse(t2);
    run = json_array_get(json_object_get(j2, "runs"), 0);
    assert_int_equal(json_array_size(json_object_get(run, "results")), 6);
    json_decref(j2);
    free(t2);

    json_decref(j);
    free(text);
    st_result_free(r);
}

static void test_vulns__sarif_empty(void **state)
{
    st_result *r = st_result__new();
    char *text;
    json_t *j, *run;

    (void)state;
    assert_non_null(r);
    text = render(r, ST_FORMAT_SARIF, NULL);
    dump("empty.sarif.json", text);
    j = parse(text);
    run = json_array_get(json_object_get(j, "runs"), 0);
    assert_int_equal(json_array_size(json_object_get(run, "results")), 0);
    assert_true(json_is_array(json_object_get(json_object_get(
        json_object_get(run, "tool"), "driver"), "rules")));
    json_decref(j);
    free(text);
    st_result_free(r);
}

/* ---- cyclonedx ------------------------------------------------------------ */

static json_t *component_by_name(json_t *doc, const char *name)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(doc, "components"), i, c) {
        if (S(c, "name") && !strcmp(S(c, "name"), name))
            return c;
    }
    fail_msg("no component %s", name);
    return NULL;
}

static void test_vulns__cyclonedx(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text;
    json_t *j, *vs, *v, *rating, *aff, *refs;

    (void)state;
    o.timestamp = T0;
    text = render(r, ST_FORMAT_CYCLONEDX, &o);
    dump("vulns.cdx.json", text);
    j = parse(text);
    vs = json_object_get(j, "vulnerabilities");
    assert_int_equal(json_array_size(vs), 5);

    v = json_array_get(vs, 0);
    assert_string_equal(S(v, "id"), "CVE-2024-0001");
    assert_string_equal(S(v, "bom-ref"), "strata:vuln:CVE-2024-0001:pkg:deb/"
                        "debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&"
                        "distro=debian-12");
    assert_string_equal(S(json_object_get(v, "source"), "name"), "Debian:12");
    assert_string_equal(S(json_object_get(v, "source"), "url"),
                        "https://nvd.nist.gov/vuln/detail/CVE-2024-0001");
    /* the merged DSA and the related CVE, each with its source */
    refs = json_object_get(v, "references");
    assert_int_equal(json_array_size(refs), 2);
    assert_string_equal(S(json_array_get(refs, 0), "id"), "DSA-5678-1");
    assert_string_equal(S(json_object_get(json_array_get(refs, 0), "source"),
                          "url"),
                        "https://security-tracker.debian.org/tracker/"
                        "DSA-5678-1");
    assert_string_equal(S(json_array_get(refs, 1), "id"), "CVE-2024-0009");
    rating = json_array_get(json_object_get(v, "ratings"), 0);
    assert_string_equal(S(json_object_get(rating, "source"), "name"),
                        "cvss:3.1");
    assert_true(json_real_value(json_object_get(rating, "score")) == 9.8);
    assert_string_equal(S(rating, "severity"), "critical");
    assert_string_equal(S(rating, "method"), "CVSSv31");
    assert_string_equal(S(rating, "vector"),
                        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_string_equal(S(v, "recommendation"), "Upgrade to 2.36-9+deb12u10");
    assert_string_equal(S(v, "published"), "2024-01-02T03:04:05Z");
    assert_string_equal(S(v, "updated"), "2024-02-01T00:00:00Z");
    assert_null(json_object_get(v, "analysis"));
    aff = json_array_get(json_object_get(v, "affects"), 0);
    assert_string_equal(S(aff, "ref"),
                        S(component_by_name(j, "libc6"), "bom-ref"));
    assert_string_equal(S(json_array_get(json_object_get(aff, "versions"), 0),
                          "version"), "2.36-9+deb12u9");
    assert_string_equal(S(json_array_get(json_object_get(aff, "versions"), 0),
                          "status"), "affected");

    v = json_array_get(vs, 1); /* unfixed, no CVSS */
    rating = json_array_get(json_object_get(v, "ratings"), 0);
    assert_null(json_object_get(rating, "score"));
    assert_string_equal(S(rating, "severity"), "high");
    assert_string_equal(S(rating, "method"), "other");
    assert_null(json_object_get(v, "recommendation"));
    assert_null(json_object_get(v, "references"));

    v = json_array_get(vs, 2); /* CVSS 3.0; a published date that is not
                                  RFC 3339 is left out */
    rating = json_array_get(json_object_get(v, "ratings"), 0);
    assert_string_equal(S(rating, "method"), "CVSSv3");
    assert_null(json_object_get(v, "published"));

    v = json_array_get(vs, 3); /* suppressed by VEX */
    assert_string_equal(S(json_object_get(v, "analysis"), "state"),
                        "not_affected");
    assert_string_equal(S(json_object_get(v, "analysis"), "justification"),
                        "code_not_reachable");
    assert_string_equal(S(json_object_get(v, "analysis"), "detail"),
                        "VEX not_affected: vulnerable_code_not_in_execute_path"
                        " (vex.json)");
    json_decref(j);
    free(text);

    /* other reasons: VEX fixed is resolved; an ignore rule not_affected */
    ((st_vuln *)r->vulns.items[3])->suppressed_by = "VEX fixed (v.json)";
    ((st_vuln *)r->vulns.items[0])->suppressed_by = "ignored by .strataignore:3";
    text = render(r, ST_FORMAT_CYCLONEDX, &o);
    j = parse(text);
    vs = json_object_get(j, "vulnerabilities");
    v = json_object_get(json_array_get(vs, 3), "analysis");
    assert_string_equal(S(v, "state"), "resolved");
    assert_null(json_object_get(v, "justification"));
    v = json_object_get(json_array_get(vs, 0), "analysis");
    assert_string_equal(S(v, "state"), "not_affected");
    assert_string_equal(S(v, "detail"), "ignored by .strataignore:3");
    json_decref(j);
    free(text);

    /* severities filter CycloneDX like JSON */
    o.severities = ST_SEV_MEDIUM;
    text = render(r, ST_FORMAT_CYCLONEDX, &o);
    j = parse(text);
    assert_int_equal(json_array_size(json_object_get(j, "vulnerabilities")), 1);
    json_decref(j);
    free(text);
    st_result_free(r);
}

/* A result without findings has no "vulnerabilities" key at all. */
static void test_vulns__cyclonedx_none(void **state)
{
    st_result *r = st_result__new();
    char *text;
    json_t *j;

    (void)state;
    assert_non_null(r);
    text = render(r, ST_FORMAT_CYCLONEDX, NULL);
    j = parse(text);
    assert_null(json_object_get(j, "vulnerabilities"));
    json_decref(j);
    free(text);
    st_result_free(r);
}

/* ---- allocation failures -------------------------------------------------- */

#define MAX_ALLOCS 3000

static void test_vulns__alloc_failure(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;

    (void)state;
    o.timestamp = T0;
    o.show_suppressed = 1;
    json_set_alloc_funcs(st_malloc, st_free);
    for (int fmt = ST_FORMAT_TABLE; fmt <= ST_FORMAT_SARIF; fmt++) {
        char *want = render(r, (st_format)fmt, &o);
        long failed = 0;

        for (long n = 1; n <= MAX_ALLOCS; n++) {
            int rc;
            char *text;

            st_alloc_fail_after(n);
            text = render_rc(r, (st_format)fmt, &o, &rc);
            st_alloc_fail_after(0);
            if (rc == 0) {
                if (fmt != ST_FORMAT_TABLE) /* a table may stop halfway */
                    assert_string_equal(text, want);
            } else {
                assert_int_equal(rc, ST_ENOMEM);
                failed = n;
            }
            free(text);
        }
        assert_true(failed > 0 && failed < MAX_ALLOCS / 2);
        free(want);
    }
    json_set_alloc_funcs(malloc, free);
    st_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vulns__severity_parse),
        cmocka_unit_test(test_vulns__shows),
        cmocka_unit_test(test_vulns__count),
        cmocka_unit_test(test_vulns__json),
        cmocka_unit_test(test_vulns__table),
        cmocka_unit_test(test_vulns__table_filters),
        cmocka_unit_test(test_vulns__table_none),
        cmocka_unit_test(test_vulns__sarif),
        cmocka_unit_test(test_vulns__sarif_empty),
        cmocka_unit_test(test_vulns__cyclonedx),
        cmocka_unit_test(test_vulns__cyclonedx_none),
        cmocka_unit_test(test_vulns__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
