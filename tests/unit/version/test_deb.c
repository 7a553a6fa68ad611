/* version/deb: dpkg's comparison, against dpkg's own test vectors and
 * `dpkg --compare-versions` (tests/data/vectors/dpkg.tsv), plus the syntax
 * corners where dpkg errors out, warns, or trims. Every row of the tables
 * below was checked with dpkg 1.21.22 (`dpkg --compare-versions A lt|eq|gt
 * B`); INVALID rows are those dpkg refuses with "bad syntax" errors. */
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
    int rc1 = st_version_compare(&ab, ST_VER_DEB, a, b);
    int rc2 = st_version_compare(&ba, ST_VER_DEB, b, a);

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

static void test_version__deb_vectors(void **state)
{
    int rows;

    (void)state;
    rows = run_vectors(ST_TEST_DATA "/vectors/dpkg.tsv");
    print_message("dpkg.tsv: %d rows agree\n", rows);
    /* 55 upstream rows + 4838 from dpkg --compare-versions */
    assert_true(rows >= 4893);
}

static const struct {
    const char *a, *b;
    int e;
} cases[] = {
    /* blanks: leading and trailing spaces and tabs are trimmed */
    {" 1.0", "1.0", 0},
    {"1.0 ", "1.0", 0},
    {"1.0\t ", "1.0", 0},
    {"\t1:1.0-1 ", "1:1.0-1", 0},
    /* the epoch is read by strtol(): white space and a sign are fine */
    {"+1:1", "0:1", 1},
    {"\v-0:1", "1", 0},
    {"\n1:1", "1:1", 0},
    {"0001:1", "1:1", 0},
    {"00:1", "1", 0},
    {"2147483647:1", "1", 1},
    /* a missing revision is an empty one, and so is "0" */
    {"1.0", "1.0-0", 0},
    {"1.0-1", "1.0-01", 0},
    {"1:1:1", "1:1", 1},    /* the version may hold colons after an epoch */
    {"1.0-1-2", "1.0-1-1", 1}, /* the revision starts at the last '-' */
    {"1.0~", "1.0", -1},
    /* dpkg only warns about these, and compares them */
    {"a", "b", -1},
    {"1_0", "1.0", 1},
    {"1:a", "1", 1},
    {"1.0\n", "1.0", 1},
    {"\n1.0", "1.0", 1},
    {"1.0-a_b", "1.0", 1},
    /* bytes >= 0x80 sort after letters and before ASCII punctuation */
    {"1\xc3\xa9", "1", 1},
    {"1\xc3\xa9", "1z", 1},
    {"1\xc3\xa9", "1.", -1},
    /* digit runs of any length compare by value */
    {"1.000000000000000000000000000001", "1.1", 0},
    {"1.99999999999999999999999999999", "1.99999999999999999999999999998", 1},
    {"18446744073709551617", "18446744073709551616", 1},
    {"1.18446744073709551616", "1.9", 1},
    /* dpkg --compare-versions takes "" as "no version" (lowest); as a
     * version string it is empty, which parseversion() refuses */
    {"", "1", INVALID},
    /* refused by dpkg with a syntax error (arguments starting with '-'
     * are read as options by the dpkg CLI: these follow from strtol) */
    {" ", "1", INVALID},
    {"\t", "1", INVALID},
    {"1.0 1", "1", INVALID},
    {"1: 1", "1", INVALID},
    {":1", "1", INVALID},
    {"a:1", "1", INVALID},
    {"+:1", "1", INVALID},
    {"1a:1", "1", INVALID},
    {"0x1:1", "1", INVALID},
    {"1-2:3", "1", INVALID},
    {"-1:1", "1", INVALID},
    {"2147483648:1", "1", INVALID},
    {"99999999999999999999999:1", "1", INVALID},
    {"1:", "1", INVALID},
    {"0:", "1", INVALID},
    {"1.0-", "1", INVALID},
    {"1.0-1-", "1", INVALID},
    {"-1", "1", INVALID},
    {"1:-1", "1", INVALID},
    {"-", "1", INVALID},
};

static void test_version__deb_syntax(void **state)
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

/* Sorting real versions with the comparator gives dpkg's order. */
static void test_version__deb_sorted_chain(void **state)
{
    static const char *const chain[] = {
        "1.0~~",        "1.0~~a",    "1.0~",          "1.0",
        "1.0-0.1",      "1.0-1~bpo", "1.0-1",         "1.0-1+b1",
        "1.0-1+deb12u1", "1.0-1.1",  "1.0a",          "1.0+dfsg",
        "1.0.1~rc1",    "1.0.1",     "1.1",           "1.10",
        "0:2",          "1:0.1",     "1:0.1-1",       "2:0",
    };
    int r;

    (void)state;
    for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++)
        for (size_t j = 0; j < sizeof(chain) / sizeof(chain[0]); j++) {
            assert_int_equal(
                st_version_compare(&r, ST_VER_DEB, chain[i], chain[j]), 0);
            if (r != (i < j ? -1 : i > j ? 1 : 0))
                fail_msg("[%s] vs [%s]: %d", chain[i], chain[j], r);
        }
}

static void test_version__deb_scheme_name(void **state)
{
    st_version_scheme s = ST_VER_COUNT;

    (void)state;
    assert_int_equal(st_version_scheme_parse(&s, "deb"), 0);
    assert_int_equal(s, ST_VER_DEB);
    assert_string_equal(st_version_scheme_name(ST_VER_DEB), "deb");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__deb_vectors),
        cmocka_unit_test(test_version__deb_syntax),
        cmocka_unit_test(test_version__deb_sorted_chain),
        cmocka_unit_test(test_version__deb_scheme_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
