/* maven: Maven ComparableVersion (ST_VER_MAVEN) against Maven's
 * ComparableVersionTest lists.
 * Every row of tests/data/vectors/maven.tsv is checked in both directions;
 * see tests/data/vectors/README-lang.md for where the rows come from. */
#include "vectors.h"

/* Rows in the vector file; a file that lost or gained rows fails. */
#define EXPECTED_ROWS 1063
#define EXPECTED_INVALID 2

static void test_version__maven_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_MAVEN, "maven.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_ROWS);
    assert_int_equal(t.invalid, EXPECTED_INVALID);
}

/* Sub-list nesting and the normalisation of zeros at list ends. */
static void test_version__maven_lists(void **state)
{
    static const vec_case rows[] = {
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

    (void)state;
    assert_int_equal(
        vec_check_cases(ST_VER_MAVEN, "rows", rows, VEC_COUNT(rows)), 0);
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
