/* secrets/samples: the built-in rules against their samples,
 * tests/data/secrets/samples.yaml:
 *
 *   - rule: aws-access-key-id
 *     positive:
 *       - text: "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"
 *         secret: AKIAIOSFODNN7EXAMPLE   # optional: the secret expected
 *         path: .aws/credentials          # optional: default sample.txt
 *     negative:
 *       - text: "AKIA is a prefix"
 *         path: ...                       # optional
 *
 * Every built-in rule has a positive and a negative sample; every
 * positive is found by its rule (with its secret, when given); no
 * negative is; and every sample gives the same matches when all rules
 * run over the whole text (no rule loses a match by running on its
 * keywords' lines). Each prefilter is checked. All failures are listed
 * before the test fails. */
#include <unistd.h>

#include <libfyaml.h>

#include "helpers.h"

#define SAMPLES ST_TEST_DATA "/secrets/samples.yaml"

typedef struct tally {
    unsigned failures, positives, negatives;
} tally;

static const char *text_of(struct fy_node *map, const char *key, size_t *len)
{
    struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, strlen(key));
    if (!n || !fy_node_is_scalar(n))
        return NULL;
    return fy_node_get_scalar(n, len);
}

/* The matches of rule `id` in the sample; -1 when the sample is
 * malformed. */
static int run_sample(st_secret_rules *r,
                      struct fy_node *sample,
                      const char *id,
                      founds *f,
                      char *path,
                      size_t plen,
                      const char **text_out)
{
    size_t tlen = 0, pl = 0;
    const char *text = text_of(sample, "text", &tlen);
    const char *p = text_of(sample, "path", &pl);
    size_t n = 0;

    if (!fy_node_is_mapping(sample) || !text)
        return -1;
    *text_out = text;
    snprintf(path, plen, "%.*s", p ? (int)pl : 10, p ? p : "sample.txt");
    f->n = 0;
    assert_int_equal(scan_into(r, path, text, tlen, f), 0);
    /* the same as when every rule runs over the whole text: the rules
     * that run on their keywords' lines lose nothing here */
    {
        founds *w = calloc(1, sizeof(*w));
        bool *lines = calloc(st_secret_rule_count(r) + 1, sizeof(bool));
        assert_non_null(w);
        assert_non_null(lines);
        for (size_t i = 0; i < st_secret_rule_count(r); i++) {
            st_secret__rule *rule = r->rules.items[i];
            lines[i] = rule->lines;
            rule->lines = false;
        }
        assert_int_equal(scan_into(r, path, text, tlen, w), 0);
        for (size_t i = 0; i < st_secret_rule_count(r); i++)
            ((st_secret__rule *)r->rules.items[i])->lines = lines[i];
        if (w->n != f->n) {
            print_error("%s: %zu matches on keyword lines, %zu over the whole "
                        "text (%.*s)\n",
                        id, f->n, w->n, (int)(tlen < 60 ? tlen : 60), text);
            n = (size_t)-1;
        }
        for (size_t i = 0; i < f->n && i < w->n; i++)
            if (f->items[i].off != w->items[i].off ||
                f->items[i].len != w->items[i].len ||
                strcmp(f->items[i].rule, w->items[i].rule))
                n = (size_t)-1;
        free(w);
        free(lines);
        if (n)
            return -2;
    }
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->items[i].rule, id))
            f->items[n++] = f->items[i];
    f->n = n;
    return 0;
}

static void
check(st_secret_rules *r, struct fy_document *doc, tally *t, const char *engine)
{
    size_t nrules = st_secret_rule_count(r);
    unsigned *pos = calloc(nrules + 1, sizeof(unsigned));
    unsigned *neg = calloc(nrules + 1, sizeof(unsigned));
    founds *f = calloc(1, sizeof(*f));
    struct fy_node *root = fy_document_root(doc), *entry;
    void *it = NULL;

    assert_non_null(pos);
    assert_non_null(neg);
    assert_non_null(f);
    assert_true(root && fy_node_is_sequence(root));
    while ((entry = fy_node_sequence_iterate(root, &it))) {
        size_t idlen = 0;
        const char *idp = text_of(entry, "rule", &idlen);
        char id[128], path[512];
        size_t ri = nrules;
        static const char *const kinds[] = {"positive", "negative"};

        if (!idp || idlen >= sizeof(id)) {
            print_error("samples: an entry without a rule\n");
            t->failures++;
            continue;
        }
        snprintf(id, sizeof(id), "%.*s", (int)idlen, idp);
        for (size_t i = 0; i < nrules; i++)
            if (!strcmp(st_secret_rule(r, i)->id, id))
                ri = i;
        if (ri == nrules) {
            print_error("samples: no built-in rule %s\n", id);
            t->failures++;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            struct fy_node *list = fy_node_mapping_lookup_by_string(
                entry, kinds[k], strlen(kinds[k]));
            struct fy_node *sample;
            void *it2 = NULL;
            unsigned index = 0;
            if (!list)
                continue;
            if (!fy_node_is_sequence(list)) {
                print_error("samples: %s: %s is not a list\n", id, kinds[k]);
                t->failures++;
                continue;
            }
            while ((sample = fy_node_sequence_iterate(list, &it2))) {
                size_t slen = 0;
                const char *want = text_of(sample, "secret", &slen);
                const char *text = NULL;
                int rc =
                    run_sample(r, sample, id, f, path, sizeof(path), &text);
                index++;
                if (rc == -2) {
                    print_error("[%s] %s: %s #%u differs on keyword lines\n",
                                engine, id, kinds[k], index);
                    t->failures++;
                    continue;
                }
                if (rc < 0) {
                    print_error("samples: %s: %s #%u has no text\n", id,
                                kinds[k], index);
                    t->failures++;
                    continue;
                }
                if (k == 0) {
                    bool ok = f->n > 0;
                    pos[ri]++;
                    t->positives++;
                    if (ok && want) {
                        ok = false;
                        for (size_t i = 0; i < f->n; i++)
                            if (f->items[i].len == slen &&
                                !memcmp(text + f->items[i].off, want, slen))
                                ok = true;
                    }
                    if (!ok) {
                        print_error("[%s] %s: positive #%u (path %s) not "
                                    "found%s%.*s%s%s\n",
                                    engine, id, index, path,
                                    want ? " with secret \"" : "",
                                    want ? (int)slen : 0, want ? want : "",
                                    want ? "\"" : "",
                                    f->n ? " (found another)" : "");
                        t->failures++;
                    }
                } else {
                    neg[ri]++;
                    t->negatives++;
                    if (f->n) {
                        print_error("[%s] %s: negative #%u (path %s) found "
                                    "\"%s\"\n",
                                    engine, id, index, path,
                                    f->items[0].secret);
                        t->failures++;
                    }
                }
            }
        }
    }
    for (size_t i = 0; i < nrules; i++)
        if (!pos[i] || !neg[i]) {
            print_error("[%s] %s: no %s sample\n", engine,
                        st_secret_rule(r, i)->id,
                        !pos[i] ? "positive" : "negative");
            t->failures++;
        }
    free(pos);
    free(neg);
    free(f);
}

static void test_samples__builtin_rules(void **state)
{
    struct fy_document *doc;
    (void)state;

    if (access(SAMPLES, R_OK) != 0) {
        print_message("skipped: %s does not exist yet\n", SAMPLES);
        skip();
    }
    doc = fy_document_build_from_file(NULL, SAMPLES);
    assert_non_null(doc);
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = st_secret_rules_new();
        st_error *err = NULL;
        tally t = {0};
        if (fb)
            st_secret__force_fallback(r);
        if (st_secret_rules_add(r, "rules/secrets.yaml", st_secret_builtin_yaml,
                                st_secret_builtin_yaml_len, &err) < 0 ||
            st_secret_rules_compile(r, &err) < 0) {
            print_error("%s\n", st_error_message(err));
            fail();
        }
        check(r, doc, &t, st_secret_engine(r));
        print_message("[%s] %zu rules, %u positive and %u negative samples, "
                      "%u failures\n",
                      st_secret_engine(r), st_secret_rule_count(r), t.positives,
                      t.negatives, t.failures);
        st_secret_rules_free(r);
        assert_int_equal(t.failures, 0);
    }
    fy_document_destroy(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples__builtin_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
