/* semver: SemVer 2.0.0 precedence (ST_VER_SEMVER) and node-semver's
 * loose comparison (ST_VER_NPM) against semver.org's examples and
 * node-semver's fixtures.
 * Every row of tests/data/vectors/semver.tsv is checked in both directions;
 * npm.tsv likewise for ST_VER_NPM; see tests/data/vectors/README-lang.md
 * for where the rows come from. */
#include "vectors.h"

/* Rows in the vector file; a file that lost or gained rows fails. */
#define EXPECTED_ROWS 143
#define EXPECTED_INVALID 26

static void test_version__semver_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_SEMVER, "semver.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_ROWS);
    assert_int_equal(t.invalid, EXPECTED_INVALID);
}

#define EXPECTED_NPM_ROWS 122
#define EXPECTED_NPM_INVALID 12

static void test_version__npm_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_NPM, "npm.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, EXPECTED_NPM_ROWS);
    assert_int_equal(t.invalid, EXPECTED_NPM_INVALID);
}

/* SemVer sets no bound on identifiers: a thousand of them still parse.
 * node-semver refuses more than 256 characters, whitespace included. */
static void test_version__semver_long(void **state)
{
    char a[4096], b[4200];
    int r = 9;
    size_t n;
    (void)state;
    n = (size_t)snprintf(a, sizeof(a), "1.0.0-x");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(a + n, sizeof(a) - n, ".%d", i % 10);
    snprintf(b, sizeof(b), "%s.0", a); /* one identifier more */
    assert_int_equal(st_version_compare(&r, ST_VER_SEMVER, a, b), 0);
    assert_int_equal(r, -1);
    memset(a, ' ', 250);
    memcpy(a + 250, "1.0.0", 6);
    assert_int_equal(st_version_compare(&r, ST_VER_NPM, a, "1.0.0"), 0);
    assert_int_equal(r, 0);
    memcpy(a + 250, "1.0.0  ", 8);
    assert_int_equal(st_version_compare(&r, ST_VER_NPM, a, "1.0.0"),
                     ST_EINVALID);
}

static void test_version__semver_public(void **state)
{
    st_version_scheme s;
    int r = 9;
    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "semver"), 0);
    assert_int_equal(st_version_compare(&r, s, "1.0.0-rc.1", "1.0.0"), 0);
    assert_int_equal(r, -1);
    assert_int_equal(st_version_compare(&r, s, "v1.0.0", "1.0.0"),
                     ST_EINVALID);
    assert_int_equal(st_version_scheme_parse(&s, "npm"), 0);
    assert_int_equal(st_version_compare(&r, s, "v1.0.0", "1.0.0"), 0);
    assert_int_equal(r, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__semver_vectors),
        cmocka_unit_test(test_version__npm_vectors),
        cmocka_unit_test(test_version__semver_long),
        cmocka_unit_test(test_version__semver_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
