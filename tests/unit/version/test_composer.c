/* version/composer: Composer ordering, table-driven from composer/semver's
 * tests (tests/data/vectors/composer.tsv), plus stability order and bounds. */
#include "vectors.h"

#define SCHEME ST_VER_COMPOSER
#define VECTOR_ROWS 102 /* exactly: a file that lost or gained rows fails */
#define VECTOR_INVALID 21

static void test_version__composer_vectors(void **state)
{
    vec_tally t = vec_run(SCHEME, "composer.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.rows, VECTOR_ROWS);
    assert_int_equal(t.invalid, VECTOR_INVALID);
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
