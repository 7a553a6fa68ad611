/* version/apk: apk-tools' comparison, against apk-tools' own test vectors
 * (tests/data/vectors/apk.tsv) and the grammar's corners. There is no apk
 * binary on Debian to ask, so the corner cases below follow the rules of
 * apk-tools 3's src/version.c (token kinds and their order, suffix ranks,
 * leading-zero parts compared byte-wise) rather than an oracle run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata/version.h"

#define INVALID 2 /* expected: the comparator returns ST_EINVALID */

/* Compares a with b and b with a; checks the answers are e and -e (or
 * ST_EINVALID both ways). Returns 0 when both are right. */
static int check_pair(const char *where, const char *a, const char *b, int e)
{
    int ab = 9, ba = 9;
    int rc1 = st_version_compare(&ab, ST_VER_APK, a, b);
    int rc2 = st_version_compare(&ba, ST_VER_APK, b, a);

    if (e == INVALID) {
        if (rc1 == ST_EINVALID && rc2 == ST_EINVALID)
            return 0;
        fprintf(stderr, "%s: [%s] [%s]: rc %d/%d, want ST_EINVALID\n", where,
                a, b, rc1, rc2);
        return 1;
    }
    if (rc1 == 0 && rc2 == 0 && ab == e && ba == -e)
        return 0;
    fprintf(stderr, "%s: [%s] [%s]: got %d/%d (rc %d/%d), want %d/%d\n",
            where, a, b, ab, ba, rc1, rc2, e, -e);
    return 1;
}

/* Runs every row of a vectors file (see tests/data/vectors/README.md);
 * returns the number of rows, failing the test on any wrong answer. */
static int run_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096], where[256];
    int rows = 0, bad = 0, lineno = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *a = line, *b, *e;
        int want;

        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        b = strchr(a, '\t');
        assert_non_null(b);
        *b++ = '\0';
        e = strchr(b, '\t');
        assert_non_null(e);
        *e++ = '\0';
        if (!strcmp(e, "invalid"))
            want = INVALID;
        else if (!strcmp(e, "-1") || !strcmp(e, "0") || !strcmp(e, "1"))
            want = (int)strtol(e, NULL, 10);
        else
            fail_msg("%s:%d: bad expected value '%s'", path, lineno, e);
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        bad += check_pair(where, a, b, want);
        if (want != INVALID) {
            bad += check_pair(where, a, a, 0);
            bad += check_pair(where, b, b, 0);
        }
        rows++;
    }
    fclose(f);
    if (bad)
        fail_msg("%s: %d wrong answers", path, bad);
    return rows;
}

static void test_version__apk_vectors(void **state)
{
    int rows;

    (void)state;
    rows = run_vectors(ST_TEST_DATA "/vectors/apk.tsv");
    print_message("apk.tsv: %d rows agree\n", rows);
    /* 738 ordering rows + 31 validity rows */
    assert_true(rows >= 769);
}

static const struct {
    const char *a, *b;
    int e;
} cases[] = {
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
    {"", "1", INVALID},
    {"v1.0", "1", INVALID},
    {"1.0A", "1", INVALID},
    {"1.0-1", "1", INVALID},
    {"1.0-r", "1", INVALID},
    {"1.0-r1-r2", "1", INVALID},
    {"1.0_", "1", INVALID},
    {"1.0_RC1", "1", INVALID},
    {"1.0_rc1a", "1", INVALID},
    {"1.0~", "1", INVALID},
    {"1.0~ABC", "1", INVALID},
    {"1..0", "1", INVALID},
    {"1.", "1", INVALID},
    {"1.0 ", "1", INVALID},
    {" 1.0", "1", INVALID},
    {"1.0\xc3\xa9", "1", INVALID},
};

static void test_version__apk_grammar(void **state)
{
    int bad = 0;
    char where[64];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(where, sizeof(where), "cases[%zu]", i);
        bad += check_pair(where, cases[i].a, cases[i].b, cases[i].e);
    }
    assert_int_equal(bad, 0);
}

static void test_version__apk_scheme_name(void **state)
{
    st_version_scheme s = ST_VER_COUNT;

    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "apk"), 0);
    assert_int_equal(s, ST_VER_APK);
    assert_string_equal(st_version_scheme_name(ST_VER_APK), "apk");
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
