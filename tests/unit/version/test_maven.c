/* maven: Maven ComparableVersion (st_vercmp_maven) against Maven's
 * ComparableVersionTest lists.
 * Every row of tests/data/vectors/maven.tsv is checked in both directions;
 * see tests/data/vectors/README-lang.md for where the rows come from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "version/version.h"

/* Rows in the vector file; a file that lost or gained rows fails. */
#define EXPECTED_ROWS 1063
#define EXPECTED_INVALID 2

typedef struct tally {
    size_t rows, invalid, bad;
} tally;

/* Checks one "a<TAB>b<TAB>expected" row; prints what disagrees. */
static void check_row(st_vercmp_fn fn, const char *a, const char *b,
                      const char *want, size_t lineno, tally *t)
{
    int r1 = 9, r2 = 9, rc1, rc2;
    rc1 = fn(&r1, a, b);
    rc2 = fn(&r2, b, a);
    t->rows++;
    if (!strcmp(want, "invalid")) {
        t->invalid++;
        if (rc1 != ST_EINVALID || rc2 != ST_EINVALID) {
            print_message("line %zu: \"%s\" vs \"%s\": want invalid, got "
                          "rc %d/%d\n", lineno, a, b, rc1, rc2);
            t->bad++;
        }
        return;
    }
    int w = atoi(want);
    if (rc1 != 0 || rc2 != 0 || r1 != w || r2 != -w) {
        print_message("line %zu: \"%s\" vs \"%s\": want %d, got %d (rc %d),"
                      " reversed %d (rc %d)\n", lineno, a, b, w, r1, rc1, r2,
                      rc2);
        t->bad++;
    }
}

static tally run_vectors(const char *name, st_vercmp_fn fn)
{
    char path[1024], line[4096];
    tally t = {0, 0, 0};
    size_t lineno = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/vectors/%s", ST_TEST_DATA, name);
    f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    while (fgets(line, sizeof(line), f)) {
        char *a = line, *b, *want, *nl;
        lineno++;
        nl = strchr(line, '\n');
        if (!nl)
            fail_msg("%s:%zu: line too long", name, lineno);
        *nl = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        b = strchr(a, '\t');
        want = b ? strchr(b + 1, '\t') : NULL;
        if (!b || !want || strchr(want + 1, '\t'))
            fail_msg("%s:%zu: not three tab-separated fields", name, lineno);
        *b++ = 0;
        *want++ = 0;
        check_row(fn, a, b, want, lineno, &t);
    }
    fclose(f);
    return t;
}

static void test_version__maven_vectors(void **state)
{
    (void)state;
    tally t = run_vectors("maven.tsv", st_vercmp_maven);
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_ROWS);
    assert_int_equal(t.invalid, EXPECTED_INVALID);
}

/* Sub-list nesting and the normalisation of zeros at list ends. */
static void test_version__maven_lists(void **state)
{
    static const struct {
        const char *a, *b;
        int want;
    } rows[] = {
        {"1.0.0-0.0", "1", 0},       /* nested zeros vanish */
        {"1-1.0", "1-1", 0},
        {"1-sp", "1", 1},
        {"1-snapshot", "1", -1},
        {"1.1", "1-sp", 1},          /* a number beats a sub-list */
        {"1-rc-1", "1-rc1", 0},
        {"", "0", 0},
        {"", "1", -1},
        {"1--1", "1-0-1", 0},
        {"1.0.0.0.0.0.1", "1.0.0.0.0.0.0.1", 1},
    };
    int r = 9;
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(st_vercmp_maven(&r, rows[i].a, rows[i].b), 0);
        assert_int_equal(r, rows[i].want);
        assert_int_equal(st_vercmp_maven(&r, rows[i].b, rows[i].a), 0);
        assert_int_equal(r, -rows[i].want);
    }
}

static void test_version__maven_public(void **state)
{
    st_version_scheme s;
    int r = 9;
    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "maven"), 0);
    assert_int_equal(st_version_compare(&r, s, "1.0-SNAPSHOT", "1.0"), 0);
    assert_int_equal(r, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__maven_vectors),
        cmocka_unit_test(test_version__maven_lists),
        cmocka_unit_test(test_version__maven_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
