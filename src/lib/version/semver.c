/* SemVer 2.0.0 precedence (semver.org §9-§11) and node-semver's loose
 * reading of it (npm).
 *
 * A parsed version keeps only slices into the caller's string: the three
 * numbers and the span of the pre-release identifiers, which comparison
 * walks one identifier at a time. Nothing is copied or bounded by count;
 * numbers of any length compare as digit strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

typedef struct sv {
    const char *num[3]; /* major, minor, patch: digit runs */
    size_t numlen[3];
    const char *pre; /* pre-release identifiers without the '-', or NULL */
    size_t prelen;
} sv;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [0-9A-Za-z-]: the characters of SemVer identifiers. */
static int is_idc(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return 0;
    return 1;
}

/* Compares two digit strings by value, whatever their leading zeros. */
static int numcmp(const char *a, size_t na, const char *b, size_t nb)
{
    int r;
    while (na > 1 && *a == '0')
        a++, na--;
    while (nb > 1 && *b == '0')
        b++, nb--;
    if (na != nb)
        return na < nb ? -1 : 1;
    r = memcmp(a, b, na);
    return (r > 0) - (r < 0);
}

/* ASCII order of two identifiers, a shorter prefix first. */
static int strcmp_n(const char *a, size_t na, const char *b, size_t nb)
{
    int r = memcmp(a, b, na < nb ? na : nb);
    if (r)
        return r < 0 ? -1 : 1;
    return na == nb ? 0 : (na < nb ? -1 : 1);
}

/* Length of the identifier starting at p within a span ending at end. */
static size_t id_len(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q != '.')
        q++;
    return (size_t)(q - p);
}

/* ---- SemVer 2.0.0 ------------------------------------------------------ */

/* A numeric identifier: "0" or digits without a leading zero. */
static const char *strict_num(const char *s, const char **p, size_t *n)
{
    const char *q = s;
    while (is_digit(*q))
        q++;
    if (q == s || (q - s > 1 && *s == '0'))
        return NULL;
    *p = s;
    *n = (size_t)(q - s);
    return q;
}

/* Dot-separated non-empty identifiers; numeric ones (all digits) must not
 * have a leading zero when `numeric_strict`. Returns the end or NULL. */
static const char *ids(const char *s, int numeric_strict)
{
    for (;;) {
        const char *q = s;
        while (is_idc(*q))
            q++;
        if (q == s)
            return NULL;
        if (numeric_strict && q - s > 1 && *s == '0' &&
            all_digits(s, (size_t)(q - s)))
            return NULL;
        if (*q != '.')
            return q;
        s = q + 1;
    }
}

static int parse_strict(sv *v, const char *s)
{
    for (int i = 0; i < 3; i++) {
        s = strict_num(s, &v->num[i], &v->numlen[i]);
        if (!s || (i < 2 && *s++ != '.'))
            return ST_EINVALID;
    }
    v->pre = NULL;
    v->prelen = 0;
    if (*s == '-') {
        const char *e = ids(s + 1, 1);
        if (!e)
            return ST_EINVALID;
        v->pre = s + 1;
        v->prelen = (size_t)(e - v->pre);
        s = e;
    }
    if (*s == '+') {
        s = ids(s + 1, 0);
        if (!s)
            return ST_EINVALID;
    }
    return *s ? ST_EINVALID : 0;
}

/* §11: numbers numerically, then pre-release (absent ranks highest),
 * identifier by identifier: numeric < alphanumeric, numeric by value,
 * alphanumeric in ASCII order, more identifiers rank higher. */
static int cmp_strict(const sv *a, const sv *b)
{
    const char *pa, *pb, *ea, *eb;
    for (int i = 0; i < 3; i++) {
        int r = numcmp(a->num[i], a->numlen[i], b->num[i], b->numlen[i]);
        if (r)
            return r;
    }
    if (!a->pre || !b->pre)
        return a->pre ? -1 : (b->pre ? 1 : 0);
    pa = a->pre, ea = a->pre + a->prelen;
    pb = b->pre, eb = b->pre + b->prelen;
    for (;;) {
        size_t na, nb;
        int da, db, r;
        if (pa >= ea || pb >= eb)
            return pa < ea ? 1 : (pb < eb ? -1 : 0);
        na = id_len(pa, ea);
        nb = id_len(pb, eb);
        da = all_digits(pa, na);
        db = all_digits(pb, nb);
        if (da != db)
            return da ? -1 : 1;
        r = da ? numcmp(pa, na, pb, nb) : strcmp_n(pa, na, pb, nb);
        if (r)
            return r;
        pa += na + 1;
        pb += nb + 1;
    }
}

int st_vercmp_semver(int *out, const char *a, const char *b)
{
    sv va, vb;
    *out = 0;
    if (parse_strict(&va, a) < 0 || parse_strict(&vb, b) < 0)
        return ST_EINVALID;
    *out = cmp_strict(&va, &vb);
    return 0;
}

/* ---- npm: node-semver, loose ------------------------------------------
 * Versions longer than 256 characters are refused; surrounding whitespace
 * and any run of 'v', '=' and whitespace before the numbers are skipped;
 * numbers may have leading zeros but must not exceed 2^53-1; the '-'
 * before the pre-release may be left out ("1.2.3beta"). node-semver reads
 * with a regular expression, and two of its backtracking outcomes are kept:
 * a '-' that no identifier follows is itself the identifier ("1.2.3-" is
 * 1.2.3--), and "1.2.34.x" is 1.2.3-4.x. */

#define NPM_MAX_LENGTH 256
#define NPM_MAX_SAFE "9007199254740991" /* Number.MAX_SAFE_INTEGER */

/* Compares the value of a digit run with 2^53-1. */
static int cmp_max_safe(const char *p, size_t n)
{
    return numcmp(p, n, NPM_MAX_SAFE, sizeof(NPM_MAX_SAFE) - 1);
}

/* Pre-release and build after the patch number; fills v->pre. */
static int npm_suffix(sv *v, const char *s, const char *end)
{
    v->pre = NULL;
    v->prelen = 0;
    if (s < end && is_idc(*s)) {
        const char *e;
        if (*s == '-' && is_idc(s[1]))
            s++;
        e = ids(s, 0);
        if (!e)
            return ST_EINVALID;
        v->pre = s;
        v->prelen = (size_t)(e - s);
        s = e;
    }
    if (*s == '+') {
        s = ids(s + 1, 0);
        if (!s)
            return ST_EINVALID;
    }
    return s == end ? 0 : ST_EINVALID;
}

static int parse_npm_shape(sv *v, const char *s)
{
    size_t len = strlen(s);
    const char *end = s + len, *q;
    if (len > NPM_MAX_LENGTH)
        return ST_EINVALID;
    while (end > s && is_space(end[-1]))
        end--;
    while (s < end && (is_space(*s) || *s == 'v' || *s == '='))
        s++;
    for (int i = 0; i < 3; i++) {
        q = s;
        while (q < end && is_digit(*q))
            q++;
        if (q == s)
            return ST_EINVALID;
        v->num[i] = s;
        v->numlen[i] = (size_t)(q - s);
        s = q;
        if (i < 2 && (s == end || *s++ != '.'))
            return ST_EINVALID;
    }
    if (s < end && *s == '.' && v->numlen[2] > 1) {
        /* "1.2.34.x": the last digit of the patch starts the identifiers */
        v->numlen[2]--;
        s--;
        q = ids(s, 0);
        if (!q || (*q == '+' ? ids(q + 1, 0) : q) != end)
            return ST_EINVALID;
        v->pre = s;
        v->prelen = (size_t)(q - s);
        return 0;
    }
    if (s < end && *s == '.')
        return ST_EINVALID;
    return npm_suffix(v, s, end);
}

static int parse_npm(sv *v, const char *s)
{
    int rc = parse_npm_shape(v, s);
    for (int i = 0; rc == 0 && i < 3; i++)
        if (cmp_max_safe(v->num[i], v->numlen[i]) > 0)
            rc = ST_EINVALID;
    return rc;
}

/* A pre-release identifier that is all digits is a JavaScript number when
 * below 2^53-1 and stays a string otherwise. */
static double js_number(const char *p, size_t n)
{
    char buf[NPM_MAX_LENGTH + 1];
    memcpy(buf, p, n);
    buf[n] = 0;
    return strtod(buf, NULL);
}

/* node-semver's compare(): compareMain, then comparePre, which stops at
 * the first identifier pair that is not identical and returns
 * compareIdentifiers() of it, 0 included: two long digit strings equal as
 * doubles make the versions equal. */
static int cmp_npm(const sv *a, const sv *b)
{
    const char *pa, *pb, *ea, *eb;
    for (int i = 0; i < 3; i++) {
        int r = numcmp(a->num[i], a->numlen[i], b->num[i], b->numlen[i]);
        if (r)
            return r;
    }
    if (!a->pre || !b->pre)
        return a->pre ? -1 : (b->pre ? 1 : 0);
    pa = a->pre, ea = a->pre + a->prelen;
    pb = b->pre, eb = b->pre + b->prelen;
    for (;;) {
        size_t na, nb;
        int da, db, r;
        if (pa >= ea || pb >= eb)
            return pa < ea ? 1 : (pb < eb ? -1 : 0);
        na = id_len(pa, ea);
        nb = id_len(pb, eb);
        da = all_digits(pa, na);
        db = all_digits(pb, nb);
        if (da != db)
            return da ? -1 : 1;
        if (!da) {
            r = strcmp_n(pa, na, pb, nb);
            if (r)
                return r;
        } else if (cmp_max_safe(pa, na) < 0 || cmp_max_safe(pb, nb) < 0) {
            r = numcmp(pa, na, pb, nb);
            if (r)
                return r;
        } else if (na != nb || memcmp(pa, pb, na)) {
            double x = js_number(pa, na), y = js_number(pb, nb);
            return (x > y) - (x < y);
        }
        pa += na + 1;
        pb += nb + 1;
    }
}

int st_vercmp_npm(int *out, const char *a, const char *b)
{
    sv va, vb;
    *out = 0;
    if (parse_npm(&va, a) < 0 || parse_npm(&vb, b) < 0)
        return ST_EINVALID;
    *out = cmp_npm(&va, &vb);
    return 0;
}
