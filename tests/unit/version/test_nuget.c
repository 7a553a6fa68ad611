/* version/nuget: NuGet ordering, table-driven from NuGet.Client's own tests
 * (tests/data/vectors/nuget.tsv), plus limits of the number parts. */
#include "vectors.h"

#define SCHEME ST_VER_NUGET
#define VECTOR_ROWS 130 /* exactly: a file that lost or gained rows fails */
#define VECTOR_INVALID 41

static void test_version__nuget_vectors(void **state)
{
    vec_tally t = vec_run(SCHEME, "nuget.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, VECTOR_ROWS);
    assert_int_equal(t.invalid, VECTOR_INVALID);
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
