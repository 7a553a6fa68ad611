/* version/gem: RubyGems ordering, table-driven from rubygems' own tests
 * (tests/data/vectors/gem.tsv), plus the bounds this implementation adds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata/version.h"

#define SCHEME ST_VER_GEM
#define VECTORS ST_TEST_DATA "/vectors/gem.tsv"
#define VECTOR_ROWS 51

/* Runs every row "a<TAB>b<TAB>expected" of a vector file in both
 * directions; returns the number of rows. */
static int run_vectors(const char *path)
{
    char line[1024];
    int rows = 0, lineno = 0;
    FILE *f = fopen(path, "r");

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *a = line, *b, *exp, *nl;
        int got = 2, rc, want;
        lineno++;
        if ((nl = strchr(line, '\n')))
            *nl = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        b = strchr(a, '\t');
        assert_non_null(b);
        *b++ = 0;
        exp = strchr(b, '\t');
        assert_non_null(exp);
        *exp++ = 0;
        rows++;
        if (!strcmp(exp, "invalid")) {
            if (st_version_compare(&got, SCHEME, a, b) != ST_EINVALID ||
                st_version_compare(&got, SCHEME, b, a) != ST_EINVALID)
                fail_msg("line %d: \"%s\" should be invalid", lineno, a);
            continue;
        }
        want = (int)strtol(exp, NULL, 10);
        rc = st_version_compare(&got, SCHEME, a, b);
        if (rc != 0 || got != want)
            fail_msg("line %d: cmp(\"%s\", \"%s\") = %d (rc %d), want %d",
                     lineno, a, b, got, rc, want);
        rc = st_version_compare(&got, SCHEME, b, a);
        if (rc != 0 || got != -want)
            fail_msg("line %d: cmp(\"%s\", \"%s\") = %d (rc %d), want %d",
                     lineno, b, a, got, rc, -want);
    }
    fclose(f);
    return rows;
}

static void test_version__gem_vectors(void **state)
{
    (void)state;
    assert_int_equal(run_vectors(VECTORS), VECTOR_ROWS);
}

static void test_version__gem_bounds(void **state)
{
    char many[400];
    size_t n = 0;
    int out = 2;
    (void)state;

    /* 64 segments are accepted, 65 are not */
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "%s1", i ? "." : "");
    assert_int_equal(st_version_compare(&out, SCHEME, many, "1"), 0);
    assert_int_equal(out, 1);
    snprintf(many + n, sizeof(many) - n, ".1");
    assert_int_equal(st_version_compare(&out, SCHEME, many, "1"),
                     ST_EINVALID);
    /* numbers of any length, leading zeros ignored */
    assert_int_equal(st_version_compare(&out, SCHEME,
                                        "1.000000000000000000000000000002",
                                        "1.2"),
                     0);
    assert_int_equal(out, 0);
    assert_int_equal(st_version_compare(&out, SCHEME,
                                        "1.100000000000000000000000000000",
                                        "1.99999999999999999999999999999"),
                     0);
    assert_int_equal(out, 1);
    assert_int_equal(st_version_compare(&out, SCHEME, "1.0-", "1"),
                     ST_EINVALID);
    assert_int_equal(st_version_compare(&out, SCHEME, "v1.0", "1"),
                     ST_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__gem_vectors),
        cmocka_unit_test(test_version__gem_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
