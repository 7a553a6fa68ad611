/* cvss: base scores against the specifications' examples and against
 * scores from an independent implementation (tests/data/cvss), strict
 * parsing, and the qualitative rating. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata/cvss.h"

/* Scores every "vector<TAB>score" row of a file; returns the row count. */
static int run_file(const char *name)
{
    char path[1024], line[512];
    int rows = 0, lineno = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/cvss/%s", ST_TEST_DATA, name);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *tab, *nl;
        double want, got = -1;
        st_cvss_version ver;
        st_error *err = NULL;
        int rc;

        lineno++;
        if ((nl = strchr(line, '\n')))
            *nl = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        want = strtod(tab + 1, NULL);
        rc = st_cvss_score(&got, &ver, line, &err);
        if (rc != 0)
            fail_msg("%s:%d: %s: rc %d (%s)", name, lineno, line, rc,
                     st_error_message(err));
        if (lround(got * 10) != lround(want * 10))
            fail_msg("%s:%d: %s: got %.1f, want %.1f", name, lineno, line,
                     got, want);
        rows++;
    }
    fclose(f);
    return rows;
}

static void test_cvss__examples(void **state)
{
    (void)state;
    assert_int_equal(run_file("examples.tsv"), 27);
}

static void test_cvss__v31_reference(void **state)
{
    (void)state;
    assert_int_equal(run_file("v31-redhat.tsv"), 252);
}

static void test_cvss__v40_reference(void **state)
{
    (void)state;
    assert_int_equal(run_file("v40-redhat.tsv"), 172);
}

static void test_cvss__versions(void **state)
{
    static const struct {
        const char *vector;
        st_cvss_version ver;
    } cases[] = {
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P", ST_CVSS_V2},
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:N/TD:ND/CR:H", ST_CVSS_V2},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ST_CVSS_V3_0},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/MAV:L", ST_CVSS_V3_1},
        /* any order */
        {"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", ST_CVSS_V3_1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L/MSI:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber", ST_CVSS_V4_0},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double score = -1;
        st_cvss_version ver = (st_cvss_version)0;
        if (st_cvss_score(&score, &ver, cases[i].vector, NULL) != 0)
            fail_msg("%s: rejected", cases[i].vector);
        assert_int_equal(ver, cases[i].ver);
        assert_true(score >= 0 && score <= 10);
    }
    /* optional metrics do not change the base score */
    {
        double a, b;
        assert_int_equal(st_cvss_score(&a, NULL, cases[2].vector, NULL), 0);
        assert_int_equal(st_cvss_score(&b, NULL, cases[3].vector, NULL), 0);
        assert_true(a == b && lround(a * 10) == 98);
        assert_int_equal(st_cvss_score(&a, NULL, cases[5].vector, NULL), 0);
        assert_int_equal(lround(a * 10), 93);
    }
    assert_string_equal(st_cvss_version_name(ST_CVSS_V3_1), "3.1");
    assert_string_equal(st_cvss_version_name(ST_CVSS_V4_0), "4.0");
    assert_null(st_cvss_version_name((st_cvss_version)99));
}

static void test_cvss__invalid(void **state)
{
    static const struct {
        const char *vector;
        int rc;
        const char *msg; /* a part of the message */
    } cases[] = {
        {"", ST_EINVALID, "no metrics"},
        {"CVSS:3.1/", ST_EINVALID, "no metrics"},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", ST_EINVALID, "missing mandatory metric A"},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N", ST_EINVALID, "metric AV given twice"},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X", ST_EINVALID, "unknown value \"X\" for metric A"},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", ST_EINVALID, "malformed metric"},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q", ST_EINVALID, "unknown metric \"ZZ\""},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:", ST_EINVALID, "malformed metric \"A:\""},
        {"CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ST_EINVALID, "metric AV"},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N", ST_EINVALID, "unknown metric \"AT\""},
        {"CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", ST_EINVALID, "missing mandatory metric AT"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", ST_EINVALID, "metric UI"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", ST_EINVALID, "metric SI"},
        {"AV:N/AC:L/Au:N/C:P/I:P", ST_EINVALID, "missing mandatory metric A"},
        {"(AV:N/AC:L/Au:N/C:P/I:P/A:P)", ST_EINVALID, "unknown metric"},
        {" CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ST_EINVALID, "unknown metric"},
        {"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", ST_EUNSUPPORTED, "unsupported"},
        {"CVSS:5.0/AV:N", ST_EUNSUPPORTED, "unsupported"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double score = 42;
        st_cvss_version ver = (st_cvss_version)7;
        st_error *err = NULL;
        int rc = st_cvss_score(&score, &ver, cases[i].vector, &err);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d", cases[i].vector, rc,
                     cases[i].rc);
        if (!strstr(st_error_message(err), cases[i].msg))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].vector,
                     st_error_message(err), cases[i].msg);
        assert_true(score == 42 && ver == (st_cvss_version)7);
        st_error_free(err);
        /* err may be NULL */
        assert_int_equal(st_cvss_score(NULL, NULL, cases[i].vector, NULL),
                         cases[i].rc);
    }
    assert_int_equal(st_cvss_score(NULL, NULL, NULL, NULL), ST_EUSAGE);
}

static void test_cvss__rating(void **state)
{
    (void)state;
    assert_string_equal(st_cvss_rating(0.0), "None");
    assert_string_equal(st_cvss_rating(0.1), "Low");
    assert_string_equal(st_cvss_rating(3.9), "Low");
    assert_string_equal(st_cvss_rating(4.0), "Medium");
    assert_string_equal(st_cvss_rating(6.9), "Medium");
    assert_string_equal(st_cvss_rating(7.0), "High");
    assert_string_equal(st_cvss_rating(8.9), "High");
    assert_string_equal(st_cvss_rating(9.0), "Critical");
    assert_string_equal(st_cvss_rating(10.0), "Critical");
    assert_null(st_cvss_rating(-0.1));
    assert_null(st_cvss_rating(10.1));
    assert_null(st_cvss_rating(NAN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvss__examples),
        cmocka_unit_test(test_cvss__v31_reference),
        cmocka_unit_test(test_cvss__v40_reference),
        cmocka_unit_test(test_cvss__versions),
        cmocka_unit_test(test_cvss__invalid),
        cmocka_unit_test(test_cvss__rating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
