/* tests/unit/version: the one vector runner every version test uses.
 *
 * A vectors file (tests/data/vectors/README.md) holds "a<TAB>b<TAB>expected"
 * rows; expected is -1, 0, 1 or "invalid"; '#' starts a comment. Every row
 * is checked both ways (a,b -> e and b,a -> -e, or ST_EINVALID both ways)
 * and, for valid rows, each string against itself (-> 0), all through the
 * public st_version_compare.
 *
 * Static functions in a header, not a library: each test_<scheme>.c is its
 * own executable (tests/CMakeLists.txt), so each includes one private copy
 * and nothing needs linking. They are `static inline` only so that a file
 * using some of them builds without -Wunused-function warnings. */
#ifndef ST_TEST_VERSION_VECTORS_H
#define ST_TEST_VERSION_VECTORS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strata/version.h"

#define VEC_INVALID 2 /* expected: st_version_compare returns ST_EINVALID */

typedef struct vec_tally {
    int rows;    /* rows (comment and blank lines not counted) */
    int invalid; /* of which expect "invalid" */
    int bad;     /* wrong answers, each reported on stderr */
} vec_tally;

/* One expected comparison, for tables of edge cases in the test files. */
typedef struct vec_case {
    const char *a, *b;
    int e; /* -1, 0, 1 or VEC_INVALID */
} vec_case;

/* Compares a with b and b with a under s; checks the answers are expected
 * and -expected, or ST_EINVALID both ways for VEC_INVALID. Returns 0 when
 * both are right, else prints what is wrong (prefixed by where) and
 * returns 1. */
static inline int vec_check(st_version_scheme s, const char *where,
                            const char *a, const char *b, int expected)
{
    int ab = 9, ba = 9;
    int rc1 = st_version_compare(&ab, s, a, b);
    int rc2 = st_version_compare(&ba, s, b, a);

    if (expected == VEC_INVALID) {
        if (rc1 == ST_EINVALID && rc2 == ST_EINVALID)
            return 0;
        fprintf(stderr, "%s: %s: [%s] [%s]: rc %d/%d, want ST_EINVALID\n",
                where, st_version_scheme_name(s), a, b, rc1, rc2);
        return 1;
    }
    if (rc1 == 0 && rc2 == 0 && ab == expected && ba == -expected)
        return 0;
    fprintf(stderr, "%s: %s: [%s] [%s]: got %d/%d (rc %d/%d), want %d/%d\n",
            where, st_version_scheme_name(s), a, b, ab, ba, rc1, rc2,
            expected, -expected);
    return 1;
}

/* vec_check over a table; where is "<name>[i]". Returns the wrong ones. */
static inline int vec_check_cases(st_version_scheme s, const char *name,
                                  const vec_case *cases, size_t n)
{
    char where[64];
    int bad = 0;

    for (size_t i = 0; i < n; i++) {
        snprintf(where, sizeof(where), "%s[%zu]", name, i);
        bad += vec_check(s, where, cases[i].a, cases[i].b, cases[i].e);
    }
    return bad;
}

#define VEC_COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* Runs every row of ST_TEST_DATA/vectors/<file>. A malformed file (not
 * three tab-separated fields, an unknown expected value, a line over 4 KiB)
 * fails the test at once; wrong answers are counted in .bad, each reported
 * with file:line. */
static inline vec_tally vec_run(st_version_scheme s, const char *file)
{
    char path[1024], line[4096], where[256];
    vec_tally t = {0, 0, 0};
    int lineno = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/vectors/%s", ST_TEST_DATA, file);
    f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    while (fgets(line, sizeof(line), f)) {
        char *a = line, *b, *e, *nl;
        int want = 0;

        lineno++;
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        else if (!feof(f))
            fail_msg("%s:%d: line too long", file, lineno);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        b = strchr(a, '\t');
        e = b ? strchr(b + 1, '\t') : NULL;
        if (!b || !e || strchr(e + 1, '\t'))
            fail_msg("%s:%d: not three tab-separated fields", file, lineno);
        *b++ = '\0';
        *e++ = '\0';
        if (!strcmp(e, "invalid"))
            want = VEC_INVALID;
        else if (!strcmp(e, "-1") || !strcmp(e, "0") || !strcmp(e, "1"))
            want = atoi(e);
        else
            fail_msg("%s:%d: bad expected value '%s'", file, lineno, e);
        snprintf(where, sizeof(where), "%s:%d", file, lineno);
        t.rows++;
        t.bad += vec_check(s, where, a, b, want);
        if (want == VEC_INVALID) {
            t.invalid++;
        } else {
            t.bad += vec_check(s, where, a, a, 0);
            t.bad += vec_check(s, where, b, b, 0);
        }
    }
    fclose(f);
    print_message("%s: %d rows (%d invalid), %d wrong\n", file, t.rows,
                  t.invalid, t.bad);
    return t;
}

/* The scheme's name parses back to s, and s prints as name. */
static inline void vec_assert_name(st_version_scheme s, const char *name)
{
    st_version_scheme got = ST_VER_COUNT;

    assert_int_equal(st_version_scheme_parse(&got, name), 0);
    assert_int_equal(got, s);
    assert_string_equal(st_version_scheme_name(s), name);
}

#endif
