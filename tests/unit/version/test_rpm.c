/* version/rpm: rpmvercmp over [epoch:]version[-release], against rpm's own
 * test vectors (tests/data/vectors/rpm.tsv, from rpm's tests/rpmvercmp.at)
 * and EVR cases checked with rpm 4.18's own comparison:
 *   rpm --eval "%{lua: print(rpm.vercmp('A', 'B'))}"
 * The only string rpm refuses ("invalid version") is the empty one. */
#include "vectors.h"

static void test_version__rpm_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_RPM, "rpm.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    assert_true(t.rows >= 91);
}

static const vec_case cases[] = {
    /* epoch: digits before ':'; missing or empty is 0 */
    {"1:1.0", "2.0", 1},
    {":1.0", "0:1.0", 0},
    {"00:1", "0:1", 0},
    {"0:1.0", "1.0", 0},
    {"1:", "0:", 1},
    {"1:-", "1", 1},
    {"10:1", "9:2", 1},
    {"a:1", "a:2", -1},   /* not an epoch: "a:1" is the version */
    {"x:1", "1", -1},
    {"1:2:3", "1:2:4", -1},
    /* release: after the last '-'; a missing release sorts first */
    {"1.0", "1.0-1", -1},
    {"1.0-1", "1.0-2", -1},
    {"1.0-1-2", "1.0-1-1", 1},
    {"1.0-", "1.0", 1},
    {"1.0-", "1.0-", 0},
    {"-1", "1", -1},
    {"1.0-1.el8", "1.0-1.el9", -1},
    {"1.0-10.el8", "1.0-9.el8", 1},
    {"2.28-225.el8_8.6", "2.28-225.el8", 1},
    {"0:4.18.0-477.10.1.el8_8", "4.18.0-477.13.1.el8_8", -1},
    /* separators only separate; anything goes but "" */
    {" ", "1", -1},
    {":", "1", -1},
    {"-", "1", -1},
    {":-", "1", -1},
    {"~", "1", -1},
    {"1\n2", "1", 1},
    {"\xc3\xa9", "1", -1},
    {"1.0 ", "1.0", 0},
    {"1 0", "1.0", 0},
    /* numbers of any length */
    {"1.000000000000000000000000000001", "1.1", 0},
    {"18446744073709551617", "18446744073709551616", 1},
    {"1.18446744073709551616", "1.9", 1},
    /* tilde and caret */
    {"1.0~rc1-1", "1.0-1", -1},
    {"1.0^git1-1", "1.0-1", 1},
    {"1.0^git1-1", "1.0.1-1", -1},
    {"", "1", VEC_INVALID},
    {"", "", VEC_INVALID},
};

static void test_version__rpm_evr(void **state)
{
    (void)state;
    assert_int_equal(
        vec_check_cases(ST_VER_RPM, "cases", cases, VEC_COUNT(cases)), 0);
}

static void test_version__rpm_scheme_name(void **state)
{
    (void)state;
    vec_assert_name(ST_VER_RPM, "rpm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__rpm_vectors),
        cmocka_unit_test(test_version__rpm_evr),
        cmocka_unit_test(test_version__rpm_scheme_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
