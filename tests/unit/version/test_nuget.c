/* version/nuget: NuGet ordering, table-driven from NuGet.Client's own tests
 * (tests/data/vectors/nuget.tsv), plus limits of the number parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata/version.h"

#define SCHEME ST_VER_NUGET
#define VECTORS ST_TEST_DATA "/vectors/nuget.tsv"
#define VECTOR_ROWS 130

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

static void test_version__nuget_vectors(void **state)
{
    (void)state;
    assert_int_equal(run_vectors(VECTORS), VECTOR_ROWS);
}


static void test_version__nuget_limits(void **state)
{
    int out = 2;
    (void)state;

    /* each number is an int32; a fifth part is too many */
    assert_int_equal(st_version_compare(&out, SCHEME, "2147483647.0", "1"), 0);
    assert_int_equal(out, 1);
    assert_int_equal(st_version_compare(&out, SCHEME, "2147483648.0", "1"),
                     ST_EINVALID);
    assert_int_equal(st_version_compare(&out, SCHEME, "1.2.3.4.5", "1"),
                     ST_EINVALID);
    /* a lone number is X.0; the fourth part counts */
    assert_int_equal(st_version_compare(&out, SCHEME, "1", "1.0.0.0"), 0);
    assert_int_equal(out, 0);
    assert_int_equal(st_version_compare(&out, SCHEME, "1.0.0.1", "1.0.0"), 0);
    assert_int_equal(out, 1);
    /* numeric labels beyond int32 compare as text, after every number */
    assert_int_equal(st_version_compare(&out, SCHEME, "1.0.0-99999999999",
                                        "1.0.0-5"),
                     0);
    assert_int_equal(out, 1);
    assert_int_equal(st_version_compare(&out, SCHEME, "", "1"), ST_EINVALID);
    assert_int_equal(st_version_compare(&out, SCHEME, "   ", "1"),
                     ST_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__nuget_vectors),
        cmocka_unit_test(test_version__nuget_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
