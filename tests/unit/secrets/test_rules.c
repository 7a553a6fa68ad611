/* secrets/rules: loading rule documents. Every error names the file, the
 * line and the rule (messages checked whole, lines counted by hand in
 * the documents below); a document with an error adds nothing; later
 * documents replace, disable and allow; the bounds hold; allocation
 * failures neither crash nor leak. */
#include <unistd.h>

#include "helpers.h"

/* A valid rule r1 on lines 2-6, then `extra` from line 7 on. */
#define R1                                                                     \
    "rules:\n"                                                                 \
    "  - id: r1\n"                                                             \
    "    category: C\n"                                                        \
    "    title: T\n"                                                           \
    "    severity: HIGH\n"                                                     \
    "    regex: 'x'\n"

static const struct {
    const char *yaml;
    const char *msg;
    int code;
} bad[] = {
    /* required fields */
    {"rules:\n  - category: C\n    title: T\n    severity: HIGH\n"
     "    regex: x\n",
     "my.yaml:2: rule #1: missing 'id'", ST_EINVALID},
    {"rules:\n  - id: r1\n    title: T\n    severity: HIGH\n    regex: x\n",
     "my.yaml:2: rule r1: missing 'category'", ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    severity: HIGH\n"
     "    regex: x\n",
     "my.yaml:2: rule r1: missing 'title'", ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    title: T\n    regex: x\n",
     "my.yaml:2: rule r1: missing 'severity'", ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    title: T\n"
     "    severity: LOW\n",
     "my.yaml:2: rule r1: missing 'regex'", ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    title:\n    severity: LOW\n"
     "    regex: x\n",
     "my.yaml:4: rule r1: title must be a non-empty string", ST_EINVALID},
    {"rules:\n  - id: r1\n    category: [C]\n    title: T\n"
     "    severity: LOW\n    regex: x\n",
     "my.yaml:3: rule r1: category must be a non-empty string", ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    title: \"a\\nb\"\n"
     "    severity: LOW\n    regex: x\n",
     "my.yaml:4: rule r1: title must not contain control characters",
     ST_EINVALID},
    /* ids */
    {"rules:\n  - id: Bad_Id\n    category: C\n",
     "my.yaml:2: rule #1: id must be lower-case letters, digits and '-', "
     "starting with a letter or digit (at most 128)",
     ST_EINVALID},
    {"rules:\n  - id: -x\n",
     "my.yaml:2: rule #1: id must be lower-case "
     "letters, digits and '-', starting with a letter or digit (at most "
     "128)",
     ST_EINVALID},
    {R1 "  - id: r1\n    category: C\n    title: T\n    severity: LOW\n"
        "    regex: y\n",
     "my.yaml:7: rule r1: duplicate id (first at line 2)", ST_EINVALID},
    /* values */
    {"rules:\n  - id: r1\n    category: C\n    title: T\n"
     "    severity: urgent\n    regex: x\n",
     "my.yaml:5: rule r1: severity must be CRITICAL, HIGH, MEDIUM or LOW",
     ST_EINVALID},
    {"rules:\n  - id: aws-key\n    category: C\n    title: T\n"
     "    severity: LOW\n    regex: '(abc'\n",
     "my.yaml:6: rule aws-key: regex: missing closing parenthesis at "
     "offset 4",
     ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    title: T\n"
     "    severity: LOW\n    regex: '(*UTF)x'\n",
     "my.yaml:6: rule r1: regex: using UTF is disabled by the application "
     "at offset 6",
     ST_EINVALID},
    {"rules:\n  - id: r1\n    category: C\n    title: T\n"
     "    severity: LOW\n    regex: '(?J)(?<secret>a)|(?<secret>b)'\n",
     "my.yaml:2: rule r1: regex: more than one group is named 'secret'",
     ST_EINVALID},
    {R1 "    path: '[a'\n",
     "my.yaml:7: rule r1: path: missing terminating ] for character class "
     "at offset 2",
     ST_EINVALID},
    {R1 "    keywords: AKIA\n", "my.yaml:7: rule r1: keywords must be a list",
     ST_EINVALID},
    {R1 "    keywords: []\n", "my.yaml:7: rule r1: keywords must not be empty",
     ST_EINVALID},
    {R1 "    keywords: ['']\n",
     "my.yaml:7: rule r1: keywords must be a non-empty string", ST_EINVALID},
    {R1 "    entropy: high\n",
     "my.yaml:7: rule r1: entropy must be a number from 0 to 8", ST_EINVALID},
    {R1 "    entropy: 8.5\n",
     "my.yaml:7: rule r1: entropy must be a number from 0 to 8", ST_EINVALID},
    {R1 "    entropy: -1\n",
     "my.yaml:7: rule r1: entropy must be a number from 0 to 8", ST_EINVALID},
    {R1 "    entropy: .nan\n",
     "my.yaml:7: rule r1: entropy must be a number from 0 to 8", ST_EINVALID},
    {R1 "    entropy: 1e999999\n",
     "my.yaml:7: rule r1: entropy must be a number from 0 to 8", ST_EINVALID},
    {R1 "    entropy: 3.5x\n",
     "my.yaml:7: rule r1: entropy must be a number from 0 to 8", ST_EINVALID},
    {R1 "    allow:\n      regexes: ['(']\n",
     "my.yaml:8: rule r1: allow: regexes: missing closing parenthesis at "
     "offset 1",
     ST_EINVALID},
    {R1 "    allow:\n      stopwords: [{a: b}]\n",
     "my.yaml:8: rule r1: allow: stopwords must be a non-empty string",
     ST_EINVALID},
    {R1 "    allow: [x]\n", "my.yaml:7: rule r1: allow must be a mapping",
     ST_EINVALID},
    /* unknown and duplicate keys, at every level */
    {R1 "    regx: 'y'\n", "my.yaml:7: rule r1: unknown key 'regx'",
     ST_EINVALID},
    {R1 "    allow:\n      words: [a]\n",
     "my.yaml:8: rule r1: unknown key 'words' in allow", ST_EINVALID},
    {R1 "rulez: []\n", "my.yaml:7: unknown key 'rulez'", ST_EINVALID},
    {R1 "allow:\n  path: ['^x']\n", "my.yaml:8: unknown key 'path' in allow",
     ST_EINVALID},
    {R1 "    title: U\n", "my.yaml:7: rule r1: duplicate key 'title'",
     ST_EINVALID},
    {R1 "rules: []\n", "my.yaml:7: duplicate key 'rules'", ST_EINVALID},
    {"? [a]\n: b\n", "my.yaml:1: keys must be strings", ST_EINVALID},
    /* the top level */
    {R1 "allow:\n  paths: ['+']\n",
     "my.yaml:8: allow: paths: quantifier does not follow a repeatable item "
     "at offset 0",
     ST_EINVALID},
    {R1 "disable: [nope]\n",
     "my.yaml:7: disable: no rule 'nope' was loaded before", ST_EINVALID},
    {R1 "disable: nope\n", "my.yaml:7: disable must be a list", ST_EINVALID},
    {"rules: {}\n", "my.yaml:1: rules must be a list", ST_EINVALID},
    {"rules: [x]\n", "my.yaml:1: rule #1: a rule must be a mapping",
     ST_EINVALID},
    {"- a\n", "my.yaml:1: a rule file is a mapping (rules, allow, disable)",
     ST_EINVALID},
    {"", "my.yaml:1: empty rule file", ST_EINVALID},
    {"# nothing\n\n", "my.yaml:1: empty rule file", ST_EINVALID},
    /* YAML itself */
    {"rules: [\n",
     "my.yaml:2: YAML: flow sequence without a closing "
     "bracket (column 1)",
     ST_EINVALID},
    {"rules: &r []\nallow: *r\n", "my.yaml:2: YAML aliases are not supported",
     ST_EINVALID},
    {"rules: []\n---\nrules: []\n", "my.yaml:2: more than one YAML document",
     ST_EINVALID},
    {"rules: []\n# \xff\n", "my.yaml:2: not UTF-8 text", ST_EINVALID},
    {"rules: []\n# \xc0\x80\n", "my.yaml:2: not UTF-8 text", ST_EINVALID},
    {R1 "    allow:\n      paths: [[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]\n",
     "my.yaml:8: YAML nested deeper than 16 levels", ST_ELIMIT},
};

static void test_rules__errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int code;
        char *msg = add_error(bad[i].yaml, strlen(bad[i].yaml), &code);
        if (!msg || strcmp(msg, bad[i].msg) || code != bad[i].code) {
            print_error("case %zu: got %d \"%s\"\nwant %d \"%s\"\n", i, code,
                        msg ? msg : "(no error)", bad[i].code, bad[i].msg);
            fail();
        }
        free(msg);
    }
}

/* libfyaml 0.7.12 overflows a buffer when it prints an error in a long
 * line (found by fuzz_secret_rules): errors are collected, never
 * printed. */
static void test_rules__yaml_error_in_long_line(void **state)
{
    static const char path[] =
        ST_TEST_DATA "/../fuzz/corpus/fuzz_secret_rules/"
                     "crash-libfyaml-error-display-overflow";
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    (void)state;
    assert_int_equal(st_secret_rules_add_file(r, path, &err), ST_EINVALID);
    assert_non_null(strstr(st_error_message(err),
                           ":1: YAML: single-quoted scalar without closing "
                           "quote (column 325)"));
    assert_int_equal(st_secret_rule_count(r), 0);
    st_error_free(err);
    st_secret_rules_free(r);
}

static void test_rules__nul_byte(void **state)
{
    static const char doc[] = "rules: []\n# a\0b\n";
    int code;
    char *msg = add_error(doc, sizeof(doc) - 1, &code);
    (void)state;
    assert_int_equal(code, ST_EINVALID);
    assert_string_equal(msg, "my.yaml:2: a NUL byte");
    free(msg);
}

static void test_rules__all_fields(void **state)
{
    static const char doc[] =
        "# comment\n"
        "rules:\n"
        "  - id: aws-access-key-id\n"
        "    category: AWS\n"
        "    title: AWS Access Key ID\n"
        "    severity: critical\n" /* any case; reported upper case */
        "    keywords: [AKIA, asia, \"ABIA\"]\n"
        "    regex: '\\b(?<secret>AKIA[A-Z2-7]{16})\\b'\n"
        "    path: '(^|/)credentials$'\n"
        "    entropy: 3\n"
        "    allow:\n"
        "      paths: ['^test/']\n"
        "      regexes: ['EXAMPLE$']\n"
        "      stopwords: [Fake]\n"
        "  - id: no-keywords\n"
        "    category: X\n"
        "    title: Y\n"
        "    severity: LOW\n"
        "    regex: z\n"
        "allow:\n"
        "  paths: ['^vendor/', 'node_modules/']\n"
        "  regexes: ['^x+$']\n"
        "  stopwords: [example]\n";
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    const st_secret__rule *rule;
    (void)state;

    assert_int_equal(st_secret_rules_add(r, "my.yaml", doc, strlen(doc), &err),
                     0);
    assert_null(err);
    assert_int_equal(st_secret_rule_count(r), 2);
    assert_string_equal(st_secret_rule(r, 0)->id, "aws-access-key-id");
    assert_string_equal(st_secret_rule(r, 0)->category, "AWS");
    assert_string_equal(st_secret_rule(r, 0)->title, "AWS Access Key ID");
    assert_string_equal(st_secret_rule(r, 0)->severity, "CRITICAL");
    assert_string_equal(st_secret_rule(r, 1)->id, "no-keywords");
    assert_null(st_secret_rule(r, 2));
    rule = r->rules.items[0];
    assert_int_equal(rule->keywords.len, 3);
    assert_string_equal(rule->keywords.items[0], "akia");
    assert_string_equal(rule->keywords.items[1], "asia");
    assert_string_equal(rule->keywords.items[2], "abia");
    assert_int_equal(rule->group, 1);
    assert_non_null(rule->path);
    assert_true(rule->entropy == 3.0);
    assert_int_equal(rule->allow.paths.len, 1);
    assert_int_equal(rule->allow.regexes.len, 1);
    assert_string_equal(rule->allow.stopwords.items[0], "fake");
    rule = r->rules.items[1];
    assert_int_equal(rule->keywords.len, 0);
    assert_int_equal(rule->group, 0);
    assert_null(rule->path);
    assert_int_equal(r->global.paths.len, 2);
    assert_int_equal(r->global.regexes.len, 1);
    assert_int_equal(r->global.stopwords.len, 1);

    /* the global path allowlist: unanchored regexes on the path */
    assert_true(st_secret_path_allowed(r, "vendor/a.go"));
    assert_true(st_secret_path_allowed(r, "app/node_modules/x/y.js"));
    assert_false(st_secret_path_allowed(r, "src/vendor/a.go"));
    assert_false(st_secret_path_allowed(r, "src/main.c"));
    assert_false(st_secret_path_allowed(r, NULL));
    st_secret_rules_free(r);
}

/* A flow list that closes at its key's indentation, as PyYAML and Go's
 * YAML accept (libfyaml only with its sloppy-flow option). */
static void test_rules__flow_list_closing_at_key_indent(void **state)
{
    static const char doc[] = "rules:\n"
                              "  - id: r1\n"
                              "    category: C\n"
                              "    title: T\n"
                              "    severity: LOW\n"
                              "    keywords: [\n"
                              "      a, b,\n"
                              "      c\n"
                              "    ]\n"
                              "    regex: x\n";
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    (void)state;
    assert_int_equal(st_secret_rules_add(r, "t", doc, strlen(doc), &err), 0);
    assert_int_equal(((st_secret__rule *)r->rules.items[0])->keywords.len, 3);
    st_secret_rules_free(r);
}

static void test_rules__later_documents(void **state)
{
    static const char one[] =
        "rules:\n"
        "  - {id: a, category: C, title: A1, severity: LOW, regex: a}\n"
        "  - {id: b, category: C, title: B1, severity: LOW, regex: b}\n"
        "  - {id: c, category: C, title: C1, severity: LOW, regex: c}\n";
    /* replaces a in place, disables b, adds d */
    static const char two[] =
        "disable: [b]\n"
        "rules:\n"
        "  - {id: d, category: C, title: D2, severity: HIGH, regex: d}\n"
        "  - {id: a, category: C, title: A2, severity: HIGH, regex: a}\n"
        "allow:\n"
        "  paths: ['^x/']\n";
    /* an error at the end: nothing of it counts */
    static const char three[] =
        "disable: [a, c]\n"
        "allow:\n"
        "  paths: ['^y/']\n"
        "rules:\n"
        "  - {id: d, category: C, title: D3, severity: HIGH, regex: d}\n"
        "  - {id: e, category: C, title: E3, severity: HIGH, regex: e}\n"
        "  - {id: f, category: C, title: F3, severity: HIGH, regex: '('}\n";
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    (void)state;

    assert_int_equal(st_secret_rules_add(r, "one", one, strlen(one), &err), 0);
    assert_int_equal(st_secret_rules_add(r, "two", two, strlen(two), &err), 0);
    assert_null(err);
    assert_int_equal(st_secret_rule_count(r), 3);
    assert_string_equal(st_secret_rule(r, 0)->title, "A2");
    assert_string_equal(st_secret_rule(r, 0)->severity, "HIGH");
    assert_string_equal(st_secret_rule(r, 1)->title, "C1");
    assert_string_equal(st_secret_rule(r, 2)->title, "D2");
    assert_true(st_secret_path_allowed(r, "x/1"));

    assert_int_equal(
        st_secret_rules_add(r, "three", three, strlen(three), &err),
        ST_EINVALID);
    assert_string_equal(st_error_message(err),
                        "three:7: rule f: regex: missing closing parenthesis "
                        "at offset 1");
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_secret_rule_count(r), 3);
    assert_string_equal(st_secret_rule(r, 0)->title, "A2");
    assert_string_equal(st_secret_rule(r, 2)->title, "D2");
    assert_true(st_secret_path_allowed(r, "x/1"));
    assert_false(st_secret_path_allowed(r, "y/1"));

    /* a disabled id can come back */
    {
        static const char four[] =
            "rules:\n"
            "  - {id: b, category: C, title: B4, severity: LOW, regex: b}\n";
        assert_int_equal(
            st_secret_rules_add(r, "four", four, strlen(four), &err), 0);
        assert_int_equal(st_secret_rule_count(r), 4);
        assert_string_equal(st_secret_rule(r, 3)->title, "B4");
    }

    /* compiled: nothing more can be added */
    assert_int_equal(st_secret_rules_compile(r, &err), 0);
    assert_int_equal(st_secret_rules_add(r, "five", one, strlen(one), &err),
                     ST_EUSAGE);
    assert_string_equal(st_error_message(err),
                        "five: rules are already compiled");
    st_error_free(err);
    st_secret_rules_free(r);
}

static void test_rules__builtin(void **state)
{
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    (void)state;
    assert_true(st_secret_builtin_yaml_len > 0);
    assert_int_equal(strlen(st_secret_builtin_yaml),
                     st_secret_builtin_yaml_len);
    if (st_secret_rules_add(r, "rules/secrets.yaml", st_secret_builtin_yaml,
                            st_secret_builtin_yaml_len, &err) < 0) {
        print_error("%s\n", st_error_message(err));
        fail();
    }
    assert_true(st_secret_rule_count(r) >= 1);
    for (size_t i = 0; i < st_secret_rule_count(r); i++) {
        const st_secret_rule_info *info = st_secret_rule(r, i);
        assert_true(info->id[0] && info->category[0] && info->title[0]);
        assert_true(!strcmp(info->severity, "CRITICAL") ||
                    !strcmp(info->severity, "HIGH") ||
                    !strcmp(info->severity, "MEDIUM") ||
                    !strcmp(info->severity, "LOW"));
    }
    assert_int_equal(st_secret_rules_compile(r, &err), 0);
#ifdef ST_WITH_HYPERSCAN
    assert_string_equal(st_secret_engine(r), "hyperscan+pcre2");
#else
    assert_string_equal(st_secret_engine(r), "pcre2");
#endif
    st_secret_rules_free(r);

    r = st_secret_rules_new();
    st_secret__force_fallback(r);
    assert_int_equal(st_secret_rules_add(r, "rules/secrets.yaml",
                                         st_secret_builtin_yaml,
                                         st_secret_builtin_yaml_len, &err),
                     0);
    assert_int_equal(st_secret_rules_compile(r, &err), 0);
    assert_string_equal(st_secret_engine(r), "pcre2");
    st_secret_rules_free(r);
}

static void test_rules__add_file(void **state)
{
    char path[] = "/tmp/st-secret-rules-XXXXXX";
    int fd = mkstemp(path);
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    FILE *f;
    (void)state;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(R1 "    entropy: x\n", f);
    fclose(f);
    assert_int_equal(st_secret_rules_add_file(r, path, &err), ST_EINVALID);
    /* the file's path names it */
    assert_true(!strncmp(st_error_message(err), path, strlen(path)));
    assert_string_equal(st_error_message(err) + strlen(path),
                        ":7: rule r1: entropy must be a number from 0 to 8");
    st_error_free(err);
    err = NULL;
    f = fopen(path, "w");
    fputs(R1, f);
    fclose(f);
    assert_int_equal(st_secret_rules_add_file(r, path, &err), 0);
    assert_int_equal(st_secret_rule_count(r), 1);
    unlink(path);
    assert_int_equal(st_secret_rules_add_file(r, path, &err), ST_ENOTFOUND);
    st_error_free(err);
    st_secret_rules_free(r);
}

static void test_rules__limits(void **state)
{
    st_buf b = ST_BUF_INIT(64u << 20);
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    int code;
    char *msg;
    (void)state;

    /* the size of a document */
    assert_int_equal(st_buf_puts(&b, R1), 0);
    while (b.len <= ST_SECRET__MAX_FILE)
        assert_int_equal(st_buf_puts(&b, "# padding padding padding\n"), 0);
    msg = add_error(b.ptr, b.len, &code);
    assert_int_equal(code, ST_ELIMIT);
    assert_string_equal(msg, "my.yaml: larger than 4 MiB");
    free(msg);

    /* a pattern */
    st_buf_reset(&b);
    assert_int_equal(st_buf_puts(&b, R1 "    path: '"), 0);
    for (int i = 0; i <= ST_SECRET__MAX_PATTERN; i++)
        assert_int_equal(st_buf_putc(&b, 'a'), 0);
    assert_int_equal(st_buf_puts(&b, "'\n"), 0);
    msg = add_error(b.ptr, b.len, &code);
    assert_int_equal(code, ST_ELIMIT);
    assert_string_equal(msg, "my.yaml:7: rule r1: path is longer than 4096 "
                             "bytes");
    free(msg);

    /* a list */
    st_buf_reset(&b);
    assert_int_equal(st_buf_puts(&b, R1 "    keywords: [k"), 0);
    for (int i = 0; i < ST_SECRET__MAX_LIST; i++)
        assert_int_equal(st_buf_puts(&b, ", k"), 0);
    assert_int_equal(st_buf_puts(&b, "]\n"), 0);
    msg = add_error(b.ptr, b.len, &code);
    assert_int_equal(code, ST_ELIMIT);
    assert_string_equal(msg, "my.yaml:7: rule r1: keywords has more than 1000 "
                             "entries");
    free(msg);

    /* rules: in one document, then in all */
    st_buf_reset(&b);
    assert_int_equal(st_buf_puts(&b, "rules:\n"), 0);
    for (int i = 0; i <= ST_SECRET__MAX_RULES; i++)
        assert_int_equal(st_buf_printf(&b,
                                       "- {id: r%d, category: c, title: "
                                       "t, severity: LOW, regex: a}\n",
                                       i),
                         0);
    msg = add_error(b.ptr, b.len, &code);
    assert_int_equal(code, ST_ELIMIT);
    assert_string_equal(msg, "my.yaml:2: more than 10000 rules");
    free(msg);

    st_buf_reset(&b);
    assert_int_equal(st_buf_puts(&b, "rules:\n"), 0);
    for (int i = 0; i < ST_SECRET__MAX_RULES / 2 + 1; i++)
        assert_int_equal(st_buf_printf(&b,
                                       "- {id: r%d, category: c, title: "
                                       "t, severity: LOW, regex: a}\n",
                                       i),
                         0);
    assert_int_equal(st_secret_rules_add(r, "one", b.ptr, b.len, &err), 0);
    /* the same ids replace, so they do not count twice */
    assert_int_equal(st_secret_rules_add(r, "again", b.ptr, b.len, &err), 0);
    assert_int_equal(st_secret_rule_count(r), ST_SECRET__MAX_RULES / 2 + 1);
    st_buf_reset(&b);
    assert_int_equal(st_buf_puts(&b, "rules:\n"), 0);
    for (int i = 0; i < ST_SECRET__MAX_RULES / 2; i++)
        assert_int_equal(st_buf_printf(&b,
                                       "- {id: s%d, category: c, title: "
                                       "t, severity: LOW, regex: a}\n",
                                       i),
                         0);
    assert_int_equal(st_secret_rules_add(r, "two", b.ptr, b.len, &err),
                     ST_ELIMIT);
    assert_string_equal(st_error_message(err),
                        "two: more than 10000 rules in all");
    assert_int_equal(st_secret_rule_count(r), ST_SECRET__MAX_RULES / 2 + 1);
    st_error_free(err);
    st_secret_rules_free(r);
    st_buf_release(&b);
}

/* Every allocation of load, compile and scan fails in turn: each step
 * fails cleanly (ST_ENOMEM, or NULL) or works, and never leaks (ASan). */
static void test_rules__alloc_failure(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - id: k\n"
        "    category: C\n"
        "    title: T\n"
        "    severity: LOW\n"
        "    keywords: [key]\n"
        "    regex: 'key=(?<secret>\\w+)'\n"
        "    allow: {regexes: ['^no'], stopwords: [dummy], paths: ['^t/']}\n"
        "allow: {paths: ['^vendor/'], regexes: ['^x$'], stopwords: [fake]}\n";
    static const char text[] = "a\nkey=abc123\nkey=nope\n";
    long failed = 0;
    (void)state;

    for (long n = 1; n < 100000; n++) {
        st_secret_rules *r;
        st_secret_scanner *s = NULL;
        st_error *err = NULL;
        founds *f = calloc(1, sizeof(*f));
        int rc = ST_ENOMEM;

        assert_non_null(f);
        st_alloc_fail_after(n);
        r = st_secret_rules_new();
        if (r &&
            (rc = st_secret_rules_add(r, "t", doc, strlen(doc), &err)) == 0)
            rc = st_secret_rules_compile(r, &err);
        if (rc == 0 && !(s = st_secret_scanner_new(r)))
            rc = ST_ENOMEM;
        if (rc == 0)
            rc = st_secret_scan(s, "a.txt", text, strlen(text), collect, f);
        st_alloc_fail_after(0);
        if (rc == 0) {
            assert_int_equal(f->n, 1);
            assert_int_equal(f->items[0].off, 6);
            assert_int_equal(f->items[0].line, 2);
        } else {
            assert_int_equal(rc, ST_ENOMEM);
            failed = n;
        }
        st_secret_scanner_free(s);
        st_secret_rules_free(r);
        st_error_free(err);
        free(f);
        if (rc == 0 && n > failed + 50)
            break;
    }
    assert_true(failed > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__errors),
        cmocka_unit_test(test_rules__yaml_error_in_long_line),
        cmocka_unit_test(test_rules__nul_byte),
        cmocka_unit_test(test_rules__all_fields),
        cmocka_unit_test(test_rules__flow_list_closing_at_key_indent),
        cmocka_unit_test(test_rules__later_documents),
        cmocka_unit_test(test_rules__builtin),
        cmocka_unit_test(test_rules__add_file),
        cmocka_unit_test(test_rules__limits),
        cmocka_unit_test(test_rules__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
