/* version/apk: apk-tools' comparison, against apk-tools' own test vectors
 * (tests/data/vectors/apk.tsv) and the grammar's corners. There is no apk
 * binary on Debian to ask, so the corner cases below follow the rules of
 * apk-tools 3's src/version.c (token kinds and their order, suffix ranks,
 * leading-zero parts compared byte-wise) rather than an oracle run. */
#include "vectors.h"

static void test_version__apk_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_APK, "apk.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    /* 738 ordering rows + 31 validity rows */
    assert_true(t.rows >= 769);
}

static const vec_case cases[] = {
    /* suffix ranks: alpha < beta < pre < rc < (none) < cvs < svn < git <
     * hg < p */
    {"1.0_alpha", "1.0_beta", -1},
    {"1.0_beta", "1.0_pre", -1},
    {"1.0_pre", "1.0_rc", -1},
    {"1.0_rc", "1.0", -1},
    {"1.0", "1.0_cvs", -1},
    {"1.0_cvs", "1.0_svn", -1},
    {"1.0_svn", "1.0_git", -1},
    {"1.0_git", "1.0_hg", -1},
    {"1.0_hg", "1.0_p", -1},
    {"1.0_rc9", "1.0_rc10", -1},
    {"1.0_p1_p2", "1.0_p1", 1},
    {"1.0_rc1_p1", "1.0_rc1", 1},
    /* what follows a common prefix: end < -r < ~hash < _p < letter < .n */
    {"1.0", "1.0-r0", -1},
    {"1.0-r1", "1.0~ab", -1},
    {"1.0~ab", "1.0_p1", -1},
    {"1.0_p1", "1.0a", -1},
    {"1.0a", "1.0.1", -1},
    {"1.0-r9", "1.0-r10", -1},
    {"1.0-r01", "1.0-r1", 0},
    /* numbers by value; a dotted part with a leading zero byte-wise */
    {"01.0", "1.0", 0},
    {"1.05", "1.1", -1},
    {"1.0", "1.00", -1},
    {"1.09", "1.1", -1},
    {"18446744073709551617", "18446744073709551616", 1},
    {"1.18446744073709551616", "1.9", 1},
    {"1.0_p18446744073709551617", "1.0_p18446744073709551616", 1},
    {"1.0~0a", "1.0~a", -1},
    /* not versions */
    {"", "1", VEC_INVALID},
    {"v1.0", "1", VEC_INVALID},
    {"1.0A", "1", VEC_INVALID},
    {"1.0-1", "1", VEC_INVALID},
    {"1.0-r", "1", VEC_INVALID},
    {"1.0-r1-r2", "1", VEC_INVALID},
    {"1.0_", "1", VEC_INVALID},
    {"1.0_RC1", "1", VEC_INVALID},
    {"1.0_rc1a", "1", VEC_INVALID},
    {"1.0~", "1", VEC_INVALID},
    {"1.0~ABC", "1", VEC_INVALID},
    {"1..0", "1", VEC_INVALID},
    {"1.", "1", VEC_INVALID},
    {"1.0 ", "1", VEC_INVALID},
    {" 1.0", "1", VEC_INVALID},
    {"1.0\xc3\xa9", "1", VEC_INVALID},
};

static void test_version__apk_grammar(void **state)
{
    (void)state;
    assert_int_equal(
        vec_check_cases(ST_VER_APK, "cases", cases, VEC_COUNT(cases)), 0);
}

static void test_version__apk_scheme_name(void **state)
{
    (void)state;
    vec_assert_name(ST_VER_APK, "apk");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__apk_vectors),
        cmocka_unit_test(test_version__apk_grammar),
        cmocka_unit_test(test_version__apk_scheme_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
