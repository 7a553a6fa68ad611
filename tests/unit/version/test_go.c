/* go: Go module versions (st_vercmp_go) against golang.org/x/mod/semver's
 * test table, plus pseudo-versions and +incompatible.
 * Every row of tests/data/vectors/go.tsv is checked in both directions;
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
#define EXPECTED_ROWS 348
#define EXPECTED_INVALID 25

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

static void test_version__go_vectors(void **state)
{
    (void)state;
    tally t = run_vectors("go.tsv", st_vercmp_go);
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_ROWS);
    assert_int_equal(t.invalid, EXPECTED_INVALID);
}

/* Pseudo-versions sort between the release they follow and the next one;
 * the "v1"/"v1.2" shorthands take no suffix. */
static void test_version__go_pseudo(void **state)
{
    static const struct {
        const char *a, *b;
        int want;
    } rows[] = {
        {"v1.2.3", "v1.2.4-0.20240102150405-abcdefabcdef", -1},
        {"v1.2.4-0.20240102150405-abcdefabcdef", "v1.2.4-rc.1", -1},
        {"v1.2.4-0.20240102150405-abcdefabcdef",
         "v1.2.4-0.20240102150406-000000000000", -1},
        {"v0.0.0-20240102150405-abcdefabcdef", "v0.0.0", -1},
        {"v3.0.0+incompatible", "v3", 0},
    };
    int r = 9;
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(st_vercmp_go(&r, rows[i].a, rows[i].b), 0);
        assert_int_equal(r, rows[i].want);
    }
    assert_int_equal(st_vercmp_go(&r, "v1-0.2024", "v1"), ST_EINVALID);
    assert_int_equal(st_vercmp_go(&r, "v1.2+incompatible", "v1"),
                     ST_EINVALID);
    assert_int_equal(st_vercmp_go(&r, "", "v1"), ST_EINVALID);
}

static void test_version__go_public(void **state)
{
    st_version_scheme s;
    int r = 9;
    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "go"), 0);
    assert_int_equal(st_version_compare(&r, s, "v1.10.0", "v1.9.9"), 0);
    assert_int_equal(r, 1);
    assert_int_equal(st_version_compare(&r, s, "1.10.0", "v1.9.9"),
                     ST_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__go_vectors),
        cmocka_unit_test(test_version__go_pseudo),
        cmocka_unit_test(test_version__go_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
