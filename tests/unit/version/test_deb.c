/* version/deb: dpkg's comparison, against dpkg's own test vectors and
 * `dpkg --compare-versions` (tests/data/vectors/dpkg.tsv), plus the syntax
 * corners where dpkg errors out, warns, or trims. Every row of the tables
 * below was checked with dpkg 1.21.22 (`dpkg --compare-versions A lt|eq|gt
 * B`); VEC_INVALID rows are those dpkg refuses with "bad syntax" errors. */
#include "vectors.h"

static void test_version__deb_vectors(void **state)
{
    vec_tally t = vec_run(ST_VER_DEB, "dpkg.tsv");

    (void)state;
    assert_int_equal(t.bad, 0);
    /* 55 upstream rows + 4838 from dpkg --compare-versions */
    assert_true(t.rows >= 4893);
}

static const vec_case cases[] = {
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
    {"", "1", VEC_INVALID},
    /* refused by dpkg with a syntax error (arguments starting with '-'
     * are read as options by the dpkg CLI: these follow from strtol) */
    {" ", "1", VEC_INVALID},
    {"\t", "1", VEC_INVALID},
    {"1.0 1", "1", VEC_INVALID},
    {"1: 1", "1", VEC_INVALID},
    {":1", "1", VEC_INVALID},
    {"a:1", "1", VEC_INVALID},
    {"+:1", "1", VEC_INVALID},
    {"1a:1", "1", VEC_INVALID},
    {"0x1:1", "1", VEC_INVALID},
    {"1-2:3", "1", VEC_INVALID},
    {"-1:1", "1", VEC_INVALID},
    {"2147483648:1", "1", VEC_INVALID},
    {"99999999999999999999999:1", "1", VEC_INVALID},
    {"1:", "1", VEC_INVALID},
    {"0:", "1", VEC_INVALID},
    {"1.0-", "1", VEC_INVALID},
    {"1.0-1-", "1", VEC_INVALID},
    {"-1", "1", VEC_INVALID},
    {"1:-1", "1", VEC_INVALID},
    {"-", "1", VEC_INVALID},
};

static void test_version__deb_syntax(void **state)
{
    (void)state;
    assert_int_equal(
        vec_check_cases(ST_VER_DEB, "cases", cases, VEC_COUNT(cases)), 0);
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
    (void)state;
    vec_assert_name(ST_VER_DEB, "deb");
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
