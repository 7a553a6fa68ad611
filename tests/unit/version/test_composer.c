/* version/composer: Composer ordering, table-driven from composer/semver's tests
 * (tests/data/vectors/composer.tsv), plus stability order and bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata/version.h"

#define SCHEME ST_VER_COMPOSER
#define VECTORS ST_TEST_DATA "/vectors/composer.tsv"
#define VECTOR_ROWS 102

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

static void test_version__composer_vectors(void **state)
{
    (void)state;
    assert_int_equal(run_vectors(VECTORS), VECTOR_ROWS);
}


static void test_version__composer_stabilities(void **state)
{
    /* dev < alpha < beta < RC < stable < patch, each spelling */
    static const char *const order[] = {
        "1.0.0-dev", "1.0.0-alpha", "1.0.0-a2",  "1.0.0-beta1", "1.0.0b2",
        "1.0.0-RC1", "1.0.0rc2",    "1.0.0",     "1.0.0-p1",    "1.0.0-pl2",
        "1.0.0.1",   "1.0.1-dev",   "v1.0.1",    "1.1.x-dev",   "2.0.0-dev",
    };
    int out = 2;
    (void)state;

    for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
        assert_int_equal(
            st_version_compare(&out, SCHEME, order[i], order[i + 1]), 0);
        if (out != -1)
            fail_msg("%s < %s: got %d", order[i], order[i + 1], out);
    }
    /* branches order below versions, by name among themselves */
    assert_int_equal(st_version_compare(&out, SCHEME, "dev-a", "dev-b"), 0);
    assert_int_equal(out, -1);
    assert_int_equal(st_version_compare(&out, SCHEME, "dev-main", "0.0.1"),
                     0);
    assert_int_equal(out, -1);
    /* more parts than the token bound: invalid, not truncated */
    assert_int_equal(
        st_version_compare(&out, SCHEME,
                           "1.0.0-beta.1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16."
                           "17.18.19.20.21.22.23.24.25.26.27.28",
                           "1"),
        ST_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__composer_vectors),
        cmocka_unit_test(test_version__composer_stabilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
