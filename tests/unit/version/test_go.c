/* go: Go module versions (ST_VER_GO) against golang.org/x/mod/semver's
 * test table, plus pseudo-versions and +incompatible.
 * Every row of tests/data/vectors/go.tsv is checked in both directions;
 * see tests/data/vectors/README-lang.md for where the rows come from. */
#include "vectors.h"

/* Rows in the vector file; a file that lost or gained rows fails. */
#define EXPECTED_ROWS 348
#define EXPECTED_INVALID 25

static void test_version__go_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_GO, "go.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_ROWS);
    assert_int_equal(t.invalid, EXPECTED_INVALID);
}

/* Pseudo-versions sort between the release they follow and the next one;
 * the "v1"/"v1.2" shorthands take no suffix. */
static void test_version__go_pseudo(void **state)
{
    static const vec_case rows[] = {
        {"v1.2.3", "v1.2.4-0.20240102150405-abcdefabcdef", -1},
        {"v1.2.4-0.20240102150405-abcdefabcdef", "v1.2.4-rc.1", -1},
        {"v1.2.4-0.20240102150405-abcdefabcdef",
         "v1.2.4-0.20240102150406-000000000000", -1},
        {"v0.0.0-20240102150405-abcdefabcdef", "v0.0.0", -1},
        {"v3.0.0+incompatible", "v3", 0},
        {"v1-0.2024", "v1", VEC_INVALID},
        {"v1.2+incompatible", "v1", VEC_INVALID},
        {"", "v1", VEC_INVALID},
    };

    (void)state;
    assert_int_equal(vec_check_cases(ST_VER_GO, "rows", rows, VEC_COUNT(rows)),
                     0);
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
