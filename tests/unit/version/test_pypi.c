/* pypi: PEP 440 comparison (ST_VER_PYPI) against pypa/packaging's
 * own ordered list, normalisation pairs and invalid versions.
 * Every row of tests/data/vectors/pypi.tsv is checked in both directions;
 * see tests/data/vectors/README-lang.md for where the rows come from. */
#include "vectors.h"

/* Rows in the vector file; a file that lost or gained rows fails. */
#define EXPECTED_ROWS 4403
#define EXPECTED_INVALID 21

static void test_version__pypi_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_PYPI, "pypi.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_ROWS);
    assert_int_equal(t.invalid, EXPECTED_INVALID);
}

/* The bounds on release numbers and local segments hold, and only past
 * them does a long version become invalid. */
static void test_version__pypi_limits(void **state)
{
    static const vec_case corners[] = {
        /* numbers far past 64 bits still compare by value */
        {"1.00001000000000000000000000000000000",
         "1.99999999999999999999999999999", 1},
        {"", "1.0", VEC_INVALID},
        {"v", "1.0", VEC_INVALID},
        {"1!", "1.0", VEC_INVALID},
        {"1.0+", "1.0", VEC_INVALID},
    };
    char a[256], b[300];
    size_t n = 0;
    (void)state;
    for (int i = 0; i < 32; i++)
        n += (size_t)snprintf(a + n, sizeof(a) - n, "%s1", i ? "." : "");
    assert_int_equal(vec_check(ST_VER_PYPI, "32 parts", a, "1.1", 1), 0);
    snprintf(b, sizeof(b), "%s.1", a);
    assert_int_equal(vec_check(ST_VER_PYPI, "33 parts", b, "1", VEC_INVALID),
                     0);
    n = (size_t)snprintf(a, sizeof(a), "1.0+a");
    for (int i = 1; i < 32; i++)
        n += (size_t)snprintf(a + n, sizeof(a) - n, ".%d", i);
    assert_int_equal(vec_check(ST_VER_PYPI, "32 local", a, "1.0+a", 1), 0);
    snprintf(b, sizeof(b), "%s.x", a);
    assert_int_equal(
        vec_check(ST_VER_PYPI, "33 local", b, "1.0", VEC_INVALID), 0);
    assert_int_equal(vec_check_cases(ST_VER_PYPI, "corners", corners,
                                     VEC_COUNT(corners)),
                     0);
}

/* The scheme's name reaches the same comparator. */
static void test_version__pypi_public(void **state)
{
    st_version_scheme s;
    int r = 9;
    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "pypi"), 0);
    assert_int_equal(st_version_compare(&r, s, "1.0rc1", "1.0"), 0);
    assert_int_equal(r, -1);
    assert_int_equal(st_version_compare(&r, s, "1.0", "bad version"),
                     ST_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__pypi_vectors),
        cmocka_unit_test(test_version__pypi_limits),
        cmocka_unit_test(test_version__pypi_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
