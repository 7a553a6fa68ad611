/* The host check loader: every built-in check loads, and every mistake in
 * a check file is an error naming the file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "host/host_int.h"

static int load(const char *yaml, char *msg, size_t n)
{
    st_arena *a = st_arena_new();
    st_map *seen = st_map_new();
    st_vec v = ST_VEC_INIT;
    st_error *err = NULL;
    int rc = st_host__checks_parse(&v, seen, a, yaml, strlen(yaml), "t.yaml",
                                   &err);
    char *m = st_error_format(err);
    snprintf(msg, n, "%s", m ? m : "");
    st_free(m);
    st_error_free(err);
    st_vec_release(&v);
    st_map_free(seen);
    st_arena_free(a);
    return rc;
}

#define HEAD                                                                  \
    "checks:\n"                                                               \
    "  - id: x-one\n"                                                         \
    "    section: daemon\n"                                                   \
    "    severity: HIGH\n"                                                    \
    "    title: T\n"                                                          \
    "    rationale: R\n"                                                      \
    "    remediation: M\n"

static void test_host__checks_errors(void **state)
{
    static const struct {
        const char *yaml;
        const char *want; /* the message, exactly */
    } cases[] = {
        {HEAD "    probe: daemon_option\n    key: icc\n    colour: red\n",
         "t.yaml:10: unknown key \"colour\" (probe daemon_option takes: "
         "key,expect,not,default,set,rootless,status)"},
        {HEAD "    probe: no_such_probe\n",
         "t.yaml:2: unknown probe \"no_such_probe\""},
        {HEAD, "t.yaml:2: a check without a probe"},
        {HEAD "    probe: daemon_option\n",
         "t.yaml:2: check x-one: probe daemon_option needs \"key\""},
        {"checks:\n  - id: x\n    probe: uid0_accounts\n",
         "t.yaml:2: check x: title, section, severity, rationale and "
         "remediation are required"},
        {HEAD "    probe: uid0_accounts\n    requires: podman\n",
         "t.yaml:9: unknown component \"podman\""},
        {"checks:\n  - id: Bad_Id\n    probe: uid0_accounts\n",
         "t.yaml:2: id \"Bad_Id\": use a-z, 0-9 and '-'"},
        {"checks:\n  - probe: uid0_accounts\n    severity: SEVERE\n",
         "t.yaml:3: unknown severity \"SEVERE\""},
        {"checks:\n  - probe: uid0_accounts\n    section: cloud\n",
         "t.yaml:3: unknown section \"cloud\""},
        {"checks:\n  - probe: uid0_accounts\n    cis: 2.2\n",
         "t.yaml:3: cis \"2.2\": expected cis-docker:N or cis-k8s:N"},
        {"rules: []\n", "t.yaml:1: unknown key \"rules\""},
        {"checks: {}\n", "t.yaml:1: \"checks\" must be a list"},
        {"- a\n", "t.yaml:1: expected a mapping with \"checks\""},
        {"checks:\n  - x\n", "t.yaml:2: a check must be a mapping"},
        {HEAD "    probe: uid0_accounts\n"
              "  - id: x-one\n    probe: uid0_accounts\n    section: host\n"
              "    severity: LOW\n    title: T\n    rationale: R\n"
              "    remediation: M\n",
         "t.yaml:9: duplicate check id \"x-one\""},
        {HEAD "    probe: daemon_option\n    key: {a: 1}\n",
         "t.yaml:9: argument key: a mapping"},
        {HEAD "    probe: daemon_option\n    key: [a, [b]]\n",
         "t.yaml:9: argument key: a list of strings"},
        {"checks:\n  - &a {id: x}\n  - *a\n",
         "t.yaml:3: YAML aliases are not supported"},
        {"checks:\n  - id: x\n    id: y\n",
         "t.yaml:3: duplicate key \"id\""},
        {"checks: [\n", "t.yaml:"}, /* libfyaml's message follows */
        {"a: 1\n---\nb: 2\n", "t.yaml:2: more than one YAML document"},
    };
    char msg[512];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = load(cases[i].yaml, msg, sizeof(msg));
        if (rc != ST_EINVALID ||
            strncmp(msg, cases[i].want, strlen(cases[i].want)) ||
            (strcmp(cases[i].want, "t.yaml:") && strcmp(msg, cases[i].want)))
            fail_msg("case %zu: rc %d, got \"%s\", want \"%s\"", i, rc, msg,
                     cases[i].want);
    }
}

static void test_host__checks_valid(void **state)
{
    char msg[512];
    (void)state;
    assert_int_equal(load(HEAD "    cis: cis-docker:2.2\n"
                               "    requires: docker\n"
                               "    probe: daemon_option\n"
                               "    key: icc\n"
                               "    expect: [\"false\"]\n",
                          msg, sizeof(msg)),
                     0);
    assert_int_equal(load("checks: []\n", msg, sizeof(msg)), 0);
}

static void test_host__checks_builtin(void **state)
{
    st_host_audit *a = NULL;
    st_error *err = NULL;
    st_host_options o = ST_HOST_OPTIONS_INIT;
    size_t n, cis = 0;
    (void)state;
    o.root = "/nonexistent-root-for-strata-tests";
    assert_int_equal(st_host_audit_new(&a, &o, &err), ST_ENOTFOUND);
    st_error_free(err);
    err = NULL;
    o.root = ST_TEST_DATA;
    assert_int_equal(st_host_audit_new(&a, &o, &err), 0);
    n = st_host_audit_count(a);
    assert_true(n >= 100);
    for (size_t i = 0; i < n; i++) {
        const st_host_result *r = st_host_audit_get(a, i);
        assert_non_null(r->id);
        assert_non_null(r->title);
        assert_non_null(r->remediation);
        assert_int_equal(r->status, ST_HOST_NOT_RUN);
        if (r->cis && st_str_startswith(r->cis, "cis-docker:"))
            cis++;
    }
    assert_true(cis >= 80);
    assert_null(st_host_audit_get(a, n));
    st_host_audit_free(a);
    o.version = 99;
    assert_int_equal(st_host_audit_new(&a, &o, &err), ST_EUSAGE);
    st_error_free(err);
}

static void test_host__checks_names(void **state)
{
    st_host_format f;
    st_host_severity s;
    (void)state;
    assert_int_equal(st_host_format_parse(&f, "junit"), 0);
    assert_int_equal(f, ST_HOST_FORMAT_JUNIT);
    assert_int_equal(st_host_format_parse(&f, "xml"), ST_EUSAGE);
    assert_int_equal(st_host_severity_parse(&s, "critical"), 0);
    assert_int_equal(s, ST_HOST_CRITICAL);
    assert_int_equal(st_host_severity_parse(&s, "none"), ST_EUSAGE);
    assert_string_equal(st_host_status_name(ST_HOST_WARN), "WARN");
    assert_string_equal(st_host_severity_name(ST_HOST_MEDIUM), "MEDIUM");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host__checks_errors),
        cmocka_unit_test(test_host__checks_valid),
        cmocka_unit_test(test_host__checks_builtin),
        cmocka_unit_test(test_host__checks_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
