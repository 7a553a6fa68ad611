/* version/rpm: rpmvercmp over [epoch:]version[-release], against rpm's own
 * test vectors (tests/data/vectors/rpm.tsv, from rpm's tests/rpmvercmp.at)
 * and EVR cases checked with rpm 4.18's own comparison:
 *   rpm --eval "%{lua: print(rpm.vercmp('A', 'B'))}"
 * The only string rpm refuses ("invalid version") is the empty one. */
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
    int rc1 = st_version_compare(&ab, ST_VER_RPM, a, b);
    int rc2 = st_version_compare(&ba, ST_VER_RPM, b, a);

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

static void test_version__rpm_vectors(void **state)
{
    int rows;

    (void)state;
    rows = run_vectors(ST_TEST_DATA "/vectors/rpm.tsv");
    print_message("rpm.tsv: %d rows agree\n", rows);
    assert_true(rows >= 91);
}

static const struct {
    const char *a, *b;
    int e;
} cases[] = {
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
    {"", "1", INVALID},
    {"", "", INVALID},
};

static void test_version__rpm_evr(void **state)
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

static void test_version__rpm_scheme_name(void **state)
{
    st_version_scheme s = ST_VER_COUNT;

    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "rpm"), 0);
    assert_int_equal(s, ST_VER_RPM);
    assert_string_equal(st_version_scheme_name(ST_VER_RPM), "rpm");
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
