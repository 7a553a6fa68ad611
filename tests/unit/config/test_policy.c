/* The configuration policy loader (every mistake is an error naming the
 * file and line) and the predicate evaluator (paths, operators, all/any/
 * not, what a finding points at). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/policy.h"
#include "strata/config.h"

extern const st_embedded_file st_config_builtin_policies[];

/* Loads one policy text as "t.yaml": the return code and the message. */
static int load(const char *yaml, bool builtin, char *msg, size_t n)
{
    st_arena *a = st_arena_new();
    st_cfg_policy p;
    st_error *err = NULL;
    int rc;
    char *m;

    assert_int_equal(st_cfg__policy_init(&p, a), 0);
    rc = st_cfg__policy_load(&p, "t.yaml", yaml, strlen(yaml), builtin, &err);
    m = st_error_format(err);
    snprintf(msg, n, "%s", m ? m : "");
    st_free(m);
    st_error_free(err);
    st_cfg__policy_release(&p);
    st_arena_free(a);
    return rc;
}

#define BODY                                                                  \
    "  - id: x-one\n"                                                         \
    "    title: T\n"                                                          \
    "    severity: HIGH\n"                                                    \
    "    rationale: R\n"                                                      \
    "    remediation: M\n"                                                    \
    "    kinds: [Pod]\n"
#define HEAD "checks:\n" BODY

static void test_policy__errors(void **state)
{
    static const struct {
        const char *yaml;
        const char *want; /* the message, exactly */
    } cases[] = {
        {HEAD "    colour: red\n    deny: {path: a, exists: true}\n",
         "t.yaml:8: unknown key \"colour\" (id, title, severity, rationale, "
         "remediation, references, tags, kinds, scope, deny, code)"},
        {HEAD, "t.yaml:2: check x-one: exactly one of deny and code"},
        {HEAD "    deny: {path: a, exists: true}\n    code: c\n",
         "t.yaml:9: code checks are built in; a policy file states its "
         "check with deny:"},
        {HEAD "    deny: {path: a, equal: 1}\n",
         "t.yaml:8: unknown key \"equal\" in a predicate (path, equals, "
         "not_equals, exists, missing, in, not_in, matches, greater, less; "
         "all, any, not)"},
        {HEAD "    deny: {path: a, equals: 1, in: [1]}\n",
         "t.yaml:8: one operator per predicate (combine with all/any)"},
        {HEAD "    deny: {equals: 1}\n", "t.yaml:8: a predicate without a path"},
        {HEAD "    deny: {path: a}\n",
         "t.yaml:8: a predicate without an operator"},
        {HEAD "    deny: {path: a, in: 1}\n", "t.yaml:8: in takes a list"},
        {HEAD "    deny: {path: a, greater: ten}\n",
         "t.yaml:8: greater takes a number"},
        {HEAD "    deny: {path: a, exists: maybe}\n",
         "t.yaml:8: exists takes true or false"},
        {HEAD "    deny: {path: a, matches: \"(\"}\n",
         "t.yaml:8: matches: missing closing parenthesis at offset 1"},
        {HEAD "    deny: {path: \"a[x]\", exists: true}\n",
         "t.yaml:8: path \"a[x]\": expected [*], [N] or [\"key\"]"},
        {HEAD "    deny: {path: \"a..b\", exists: true}\n",
         "t.yaml:8: path \"a..b\": an empty step"},
        {HEAD "    deny: {path: \"$env.a\", exists: true}\n",
         "t.yaml:8: path \"$env.a\": only $pod. and $doc. may start a path"},
        {HEAD "    deny: {all: []}\n",
         "t.yaml:8: all takes a non-empty list of predicates"},
        {HEAD "    deny: {not: {path: a, exists: true}, any: []}\n",
         "t.yaml:8: \"not\" must be the only key of its mapping"},
        {HEAD "    scope: node\n    deny: {path: a, exists: true}\n",
         "t.yaml:8: unknown scope \"node\" (document, pod, container, "
         "any-container, service)"},
        {"checks:\n  - id: x\n    title: T\n    severity: URGENT\n",
         "t.yaml:4: unknown severity \"URGENT\" (CRITICAL, HIGH, MEDIUM, "
         "LOW, INFO)"},
        {HEAD "    tags: [CKV_K8S_1]\n    deny: {path: a, exists: true}\n",
         "t.yaml:8: tags: \"CKV_K8S_1\" is not a valid tag (tool:ID)"},
        {HEAD "    tags: [\"checkov:CKV K8S\"]\n    deny: {path: a, exists: "
              "true}\n",
         "t.yaml:8: tags: \"checkov:CKV K8S\" is not a valid tag (tool:ID)"},
        {"checks:\n  - id: x\n    title: T\n    severity: LOW\n    "
         "rationale: R\n    remediation: M\n    kinds: [pod]\n",
         "t.yaml:7: kinds: \"pod\" is not a valid kind"},
        {"checks:\n  - id: x\n    title: T\n    severity: LOW\n    "
         "rationale: R\n    remediation: M\n    deny: {path: a, exists: "
         "true}\n",
         "t.yaml:2: check x: kinds is required"},
        {"checks:\n  - id: \"has space\"\n",
         "t.yaml:2: id \"has space\": use letters, digits, '-', '_' and '.' "
         "(at most 64)"},
        {"checks:\n  - id: x\n", "t.yaml:2: check x: title, severity, "
                                 "rationale and remediation are required"},
        {"checks:\n  - title: T\n", "t.yaml:2: a check without an id"},
        {HEAD "    deny: {path: a, exists: true}\n" BODY
              "    deny: {path: a, exists: true}\n",
         "t.yaml:9: duplicate check id \"x-one\" (first at t.yaml:2)"},
        {"rules: []\n",
         "t.yaml:1: unknown key \"rules\" (a policy file has \"checks\")"},
        {"checks: {}\n", "t.yaml:1: \"checks\" must be a list"},
        {"- a\n", "t.yaml:1: expected a mapping with \"checks\""},
        {"checks: []\n---\nchecks: []\n",
         "t.yaml:1: expected one YAML document with \"checks\""},
        {"checks:\n  - id: a\n    id: b\n",
         "t.yaml:3:5: duplicate key \"id\""},
        {"checks:\n\t- id: a\n", "t.yaml:2:1: tab character may not be used "
                                 "as indentation"},
        {"checks:\n  - 42\n", "t.yaml:2: a check must be a mapping"},
    };
    char msg[512];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int rc = load(cases[i].yaml, false, msg, sizeof(msg));
        if (rc != ST_EINVALID || strcmp(msg, cases[i].want))
            fail_msg("case %zu: rc %d\n got: %s\nwant: %s", i, rc, msg,
                     cases[i].want);
    }
}

static void test_policy__builtin(void **state)
{
    st_arena *a = st_arena_new();
    st_cfg_policy p;
    st_error *err = NULL;
    size_t files = 0;
    (void)state;
    assert_int_equal(st_cfg__policy_init(&p, a), 0);
    for (const st_embedded_file *f = st_config_builtin_policies; f->name;
         f++, files++)
        if (st_cfg__policy_load(&p, f->name, f->data, f->len, true, &err) <
            0) {
            char *m = st_error_format(err);
            fail_msg("%s", m);
        }
    assert_true(files >= 6);
    assert_true(p.checks.len >= 60);
    /* every check documents itself; PSS checks say their level */
    for (size_t i = 0; i < p.checks.len; i++) {
        const st_cfg_check *k = p.checks.items[i];
        assert_non_null(k->pub.title);
        assert_non_null(k->pub.rationale);
        assert_true(k->pub.kind_count > 0);
    }
    assert_string_equal(st_cfg__policy_find(&p, "k8s-privileged")->pub.tags[0],
                        "pss:baseline");
    assert_null(st_cfg__policy_find(&p, "no-such-check"));
    st_cfg__policy_release(&p);
    st_arena_free(a);
}

/* ---- predicates ------------------------------------------------------- */

/* Evaluates `deny` (a YAML flow mapping) over `doc`. */
static bool holds(const char *deny, const char *doc, unsigned *line,
                  unsigned *col, char *what, size_t wn)
{
    char text[2048];
    st_arena *a = st_arena_new();
    st_cfg_policy p;
    st_error *err = NULL;
    st_vec docs = ST_VEC_INIT;
    st_cfg_blame b;
    st_cfg_evalctx e;
    bool r;

    snprintf(text, sizeof(text),
             "checks:\n  - id: t\n    title: T\n    severity: LOW\n"
             "    rationale: R\n    remediation: M\n    kinds: [Pod]\n"
             "    deny: %s\n",
             deny);
    assert_int_equal(st_cfg__policy_init(&p, a), 0);
    if (st_cfg__policy_load(&p, "t.yaml", text, strlen(text), false, &err) <
        0) {
        char *m = st_error_format(err);
        fail_msg("%s", m);
    }
    assert_int_equal(st_yaml_parse(&docs, a, doc, strlen(doc), NULL, NULL),
                     0);
    e.self = docs.items[0];
    e.pod = st_ymap_get(docs.items[0], "spec");
    e.doc = docs.items[0];
    r = st_cfg__check_eval(p.checks.items[0], &e, &b);
    *line = b.at ? b.at->line : 0;
    *col = b.at ? b.at->column : 0;
    snprintf(what, wn, "%s", b.value && b.value->type == ST_Y_SCALAR
                                 ? b.value->s
                                 : "");
    st_vec_release(&docs);
    st_cfg__policy_release(&p);
    st_arena_free(a);
    return r;
}

static void test_policy__predicates(void **state)
{
    static const char doc[] =
        "kind: Pod\n"                                   /* 1 */
        "spec:\n"                                       /* 2 */
        "  os: {name: linux}\n"                         /* 3 */
        "  containers:\n"                               /* 4 */
        "    - name: a\n"                               /* 5 */
        "      securityContext:\n"                      /* 6 */
        "        privileged: yes\n"                     /* 7 */
        "        runAsUser: 1000\n"                     /* 8 */
        "        capabilities: {add: [CHOWN, SYS_ADMIN]}\n" /* 9 */
        "    - name: b\n"                               /* 10 */
        "      image: \"reg.example.com/b:1\"\n"        /* 11 */
        "      securityContext: {runAsUser: \"0\"}\n"   /* 12 */
        "metadata:\n"                                   /* 13 */
        "  annotations: {\"a.b/c\": \"x\", empty: \"\"}\n"; /* 14 */
    static const struct {
        const char *deny;
        bool holds;
        unsigned line, col; /* what the finding points at (0: nothing) */
        const char *value;
    } cases[] = {
        /* equals: booleans as Kubernetes reads them, numbers by value */
        {"{path: \"spec.containers[*].securityContext.privileged\", "
         "equals: true}", true, 7, 9, "yes"},
        {"{path: \"spec.containers[*].securityContext.privileged\", "
         "equals: false}", false, 7, 9, "yes"},
        {"{path: \"spec.containers[*].securityContext.runAsUser\", "
         "equals: 0}", true, 12, 25, "0"},
        {"{path: \"spec.containers[1].securityContext.runAsUser\", "
         "equals: 1000}", false, 12, 25, "0"},
        {"{path: \"spec.containers[0].securityContext.runAsUser\", "
         "equals: \"1000\"}", true, 8, 9, "1000"},
        /* not_equals: some selected node differs */
        {"{path: \"spec.containers[*].name\", not_equals: a}", true, 10, 7,
         "b"},
        {"{path: \"spec.nothing[*]\", not_equals: a}", false, 0, 0, ""},
        /* exists / missing */
        {"{path: \"spec.containers[*].image\", exists: true}", true, 11, 7,
         "reg.example.com/b:1"},
        {"{path: \"spec.containers[0].image\", missing: true}", true, 0, 0,
         ""},
        {"{path: \"spec.containers[0].image\", exists: false}", true, 0, 0,
         ""},
        {"{path: \"spec.containers[5]\", exists: true}", false, 0, 0, ""},
        /* in / not_in over list items */
        {"{path: \"spec.containers[*].securityContext.capabilities.add[*]\","
         " not_in: [CHOWN, KILL]}", true, 9, 37, "SYS_ADMIN"},
        {"{path: \"spec.containers[*].securityContext.capabilities.add[*]\","
         " in: [KILL]}", false, 9, 30, "CHOWN"},
        /* matches, greater, less */
        {"{path: \"spec.containers[*].image\", matches: \"^reg\\\\.example\"}",
         true, 11, 7, "reg.example.com/b:1"},
        {"{path: \"spec.containers[*].securityContext.runAsUser\", "
         "greater: 999}", true, 8, 9, "1000"},
        {"{path: \"spec.containers[*].securityContext.runAsUser\", "
         "less: 0}", false, 8, 9, "1000"},
        /* any key; bracketed keys with dots */
        {"{path: \"spec.containers[*].*\", equals: b}", true, 10, 7, "b"},
        {"{path: \"metadata.annotations[\\\"a.b/c\\\"]\", equals: x}", true,
         14, 17, "x"},
        {"{path: metadata.annotations.empty, equals: \"\"}", true, 14, 31,
         ""},
        /* a quoted empty string is a string, not null */
        {"{path: metadata.annotations.empty, equals: null}", false, 14, 31,
         ""},
        /* combinators and the $pod / $doc roots */
        {"{all: [{path: kind, equals: Pod}, {path: $pod.os.name, equals: "
         "linux}]}", true, 1, 1, "Pod"},
        {"{all: [{path: kind, equals: Pod}, {path: $pod.os.name, equals: "
         "windows}]}", false, 3, 8, "linux"},
        {"{any: [{path: kind, equals: Job}, {path: $doc.spec.os.name, "
         "exists: true}]}", true, 3, 8, "linux"},
        {"{not: {path: \"spec.containers[*].securityContext.privileged\", "
         "equals: true}}", false, 7, 9, "yes"},
        {"{not: {path: spec.hostNetwork, equals: false}}", true, 0, 0, ""},
    };
    char what[128];
    unsigned line, col;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        bool r = holds(cases[i].deny, doc, &line, &col, what, sizeof(what));
        if (r != cases[i].holds || line != cases[i].line ||
            col != cases[i].col || strcmp(what, cases[i].value))
            fail_msg("case %zu (%s): holds %d at %u:%u \"%s\"", i,
                     cases[i].deny, r, line, col, what);
    }
}

static void test_policy__options(void **state)
{
    static const char *const skip[] = {"k8s-privileged"};
    static const char *const sev[] = {"k8s-host-pid=low"};
    static const char *const bad_skip[] = {"k8s-nope"};
    static const char *const bad_sev[] = {"k8s-host-pid=URGENT"};
    static const char *const bad_sev2[] = {"k8s-host-pid"};
    st_config_options o = ST_CONFIG_OPTIONS_INIT;
    st_config_checks *l = NULL;
    st_error *err = NULL;
    bool seen_priv = false, seen_pid = false;
    (void)state;

    o.skip_checks = skip;
    o.skip_check_count = 1;
    o.severities = sev;
    o.severity_count = 1;
    assert_int_equal(st_config_list_checks(&l, &o, &err), 0);
    for (size_t i = 0; i < st_config_checks_count(l); i++) {
        const st_config_check *k = st_config_checks_get(l, i);
        if (i)
            assert_true(strcmp(st_config_checks_get(l, i - 1)->id, k->id) <
                        0);
        if (!strcmp(k->id, "k8s-privileged")) {
            seen_priv = true;
            assert_int_equal(k->enabled, 0);
        }
        if (!strcmp(k->id, "k8s-host-pid")) {
            seen_pid = true;
            assert_string_equal(k->severity, "LOW");
            assert_string_equal(k->scope, "pod");
            assert_null(k->code);
        }
    }
    assert_true(seen_priv && seen_pid);
    assert_null(st_config_checks_get(l, st_config_checks_count(l)));
    st_config_checks_free(l);

    o = (st_config_options)ST_CONFIG_OPTIONS_INIT;
    o.skip_checks = bad_skip;
    o.skip_check_count = 1;
    assert_int_equal(st_config_list_checks(&l, &o, &err), ST_EUSAGE);
    st_error_free(err);
    err = NULL;
    o = (st_config_options)ST_CONFIG_OPTIONS_INIT;
    o.severities = bad_sev;
    o.severity_count = 1;
    assert_int_equal(st_config_list_checks(&l, &o, &err), ST_EUSAGE);
    st_error_free(err);
    err = NULL;
    o.severities = bad_sev2;
    assert_int_equal(st_config_list_checks(&l, &o, &err), ST_EUSAGE);
    st_error_free(err);
    err = NULL;
    o = (st_config_options)ST_CONFIG_OPTIONS_INIT;
    o.version = 7;
    assert_int_equal(st_config_list_checks(&l, &o, &err), ST_EUSAGE);
    st_error_free(err);
    err = NULL;
    /* only the caller's policies: none */
    o = (st_config_options)ST_CONFIG_OPTIONS_INIT;
    o.no_builtin = 1;
    assert_int_equal(st_config_list_checks(&l, &o, &err), 0);
    assert_int_equal(st_config_checks_count(l), 0);
    st_config_checks_free(l);
    st_config_checks_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy__errors),
        cmocka_unit_test(test_policy__builtin),
        cmocka_unit_test(test_policy__predicates),
        cmocka_unit_test(test_policy__options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
