/* NuGet version comparison, as NuGet.Versioning does it (NuGetVersion.Parse
 * with VersionComparer.Default).
 *
 * A version is blank-trimmed, then split at the first "-" (release labels)
 * and the first "+" after it (build metadata). The version part has 1 to 4
 * dot-separated numbers (a lone number gets ".0", as NuGet appends it
 * before System.Version parses), each in 0..2147483647, leading zeros
 * allowed ("1.01" is 1.1); missing parts are 0. Release labels are
 * dot-separated, non-empty, [0-9A-Za-z-], and a numeric label has no
 * leading zero; metadata parts may have them. Metadata is ignored when
 * comparing.
 *
 * Order: the four numbers, then a version without labels sorts after one
 * with labels, then labels pairwise: two labels that int.TryParse accepts
 * compare as numbers, a numeric label sorts before a non-numeric one, the
 * rest compare ordinally ignoring case; a shorter list of equal labels
 * sorts first.
 *
 * One difference: System.Version lets a number carry blanks of its own
 * ("1. 2"); here the number must be digits only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

struct nugetver {
    long num[4];
    const char *rel; /* labels, "a.b.c"; NULL when there are none */
    size_t rellen;
};

static bool is_digit(unsigned char c)
{
    return (unsigned)c - '0' < 10u;
}

static bool is_label_char(unsigned char c)
{
    return is_digit(c) || ((unsigned)c | 0x20u) - 'a' < 26u || c == '-';
}

/* .NET's String.Trim set, restricted to ASCII. */
static bool is_blank(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* SemanticVersion.IsValidPart over [p, p+n). */
static bool valid_part(const char *p, size_t n, bool leading_zeros)
{
    if (n == 0)
        return false;
    if (!leading_zeros && n > 1 && p[0] == '0') {
        size_t i = 1;
        while (i < n && is_digit((unsigned char)p[i]))
            i++;
        if (i == n)
            return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_label_char((unsigned char)p[i]))
            return false;
    return true;
}

/* Every "."-separated part of [p, p+n) is valid (an empty string is one
 * empty part). */
static bool valid_parts(const char *p, size_t n, bool leading_zeros)
{
    const char *e = p + n;
    for (;;) {
        const char *dot = memchr(p, '.', (size_t)(e - p));
        const char *end = dot ? dot : e;
        if (!valid_part(p, (size_t)(end - p), leading_zeros))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

static int parse(struct nugetver *v, const char *s)
{
    const char *b = s, *e = s + strlen(s), *p, *vend, *dash = NULL;
    const char *plus = NULL;
    int parts = 0;

    while (b < e && is_blank((unsigned char)*b))
        b++;
    while (e > b && is_blank((unsigned char)e[-1]))
        e--;
    if (b == e)
        return ST_EINVALID;

    /* NuGet's ParseSections: the version ends at the first "-" or "+"; a
     * separator that is the last character stays in the part before it,
     * which then fails validation. */
    for (p = b; p < e && *p != '-' && *p != '+'; p++)
        ;
    if (p < e && p + 1 == e)
        return ST_EINVALID;
    vend = p;
    if (p < e && *p == '+') {
        plus = p;
    } else if (p < e) {
        dash = p;
        for (p = dash + 1; p < e && *p != '+'; p++)
            ;
        if (p < e) {
            if (p + 1 == e)
                return ST_EINVALID; /* "+" last: part of the labels */
            plus = p;
        }
    }

    if (vend == b)
        return ST_EINVALID;
    memset(v->num, 0, sizeof(v->num));
    for (p = b; p < vend; parts++) {
        long n = 0;
        const char *q = p;
        if (parts == 4)
            return ST_EINVALID;
        while (q < vend && is_digit((unsigned char)*q)) {
            n = n * 10 + (*q - '0');
            if (n > INT32_MAX)
                return ST_EINVALID;
            q++;
        }
        if (q == p)
            return ST_EINVALID;
        v->num[parts] = n;
        if (q == vend)
            break;
        if (*q != '.' || q + 1 == vend)
            return ST_EINVALID;
        p = q + 1;
    }

    v->rel = NULL;
    v->rellen = 0;
    if (dash) {
        const char *rend = plus ? plus : e;
        v->rel = dash + 1;
        v->rellen = (size_t)(rend - v->rel);
        if (!valid_parts(v->rel, v->rellen, false))
            return ST_EINVALID;
    }
    if (plus && !valid_parts(plus + 1, (size_t)(e - plus - 1), true))
        return ST_EINVALID;
    return 0;
}

/* int.TryParse on a label (labels hold only [0-9A-Za-z-], so a sign can
 * only be "-"). */
static bool label_int(const char *p, size_t n, long *out)
{
    bool neg = n > 0 && p[0] == '-';
    long v = 0;
    size_t i = neg;

    if (i == n)
        return false;
    for (; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
        if (v > (long)INT32_MAX + neg)
            return false;
    }
    *out = neg ? -v : v;
    return true;
}

static int upper(unsigned char c)
{
    return ((unsigned)c - 'a' < 26u) ? c - 32 : c;
}

static int label_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    long x, y;
    bool xn = label_int(a, an, &x), yn = label_int(b, bn, &y);
    size_t n = an < bn ? an : bn;

    if (xn && yn)
        return (x > y) - (x < y);
    if (xn || yn)
        return xn ? -1 : 1;
    for (size_t i = 0; i < n; i++) {
        int c = upper((unsigned char)a[i]) - upper((unsigned char)b[i]);
        if (c)
            return c < 0 ? -1 : 1;
    }
    return (an > bn) - (an < bn);
}

static int labels_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    const char *ae = a + an, *be = b + bn;

    for (;;) {
        const char *ad = memchr(a, '.', (size_t)(ae - a));
        const char *bd = memchr(b, '.', (size_t)(be - b));
        const char *aend = ad ? ad : ae, *bend = bd ? bd : be;
        int c = label_cmp(a, (size_t)(aend - a), b, (size_t)(bend - b));
        if (c)
            return c;
        if (!ad || !bd)
            return (ad != NULL) - (bd != NULL);
        a = ad + 1;
        b = bd + 1;
    }
}

int st_vercmp_nuget(int *out, const char *a, const char *b)
{
    struct nugetver va, vb;

    *out = 0;
    if (parse(&va, a) < 0 || parse(&vb, b) < 0)
        return ST_EINVALID;
    for (int i = 0; i < 4; i++)
        if (va.num[i] != vb.num[i]) {
            *out = va.num[i] < vb.num[i] ? -1 : 1;
            return 0;
        }
    if (!va.rel || !vb.rel) {
        *out = (va.rel == NULL) - (vb.rel == NULL);
        return 0;
    }
    *out = labels_cmp(va.rel, va.rellen, vb.rel, vb.rellen);
    return 0;
}
