/* version/gem: RubyGems ordering, table-driven from rubygems' own tests
 * (tests/data/vectors/gem.tsv), plus the bounds this implementation adds. */
#include "vectors.h"

#define SCHEME ST_VER_GEM
#define VECTOR_ROWS 51 /* exactly: a file that lost or gained rows fails */
#define VECTOR_INVALID 5

static void test_version__gem_vectors(void **state)
{
    vec_tally t = vec_run(SCHEME, "gem.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, VECTOR_ROWS);
    assert_int_equal(t.invalid, VECTOR_INVALID);
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
