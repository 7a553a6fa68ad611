/* Debian version comparison, as dpkg does it (deb-version(7)):
 * [epoch:]upstream[-revision], the epoch compared as a number, then the
 * upstream version and the revision with dpkg's "verrevcmp".
 *
 * Validity follows dpkg's parseversion(): what dpkg rejects with an error
 * is ST_EINVALID here (empty, embedded blanks, an epoch that is empty, not
 * a number, negative or above INT_MAX, nothing after the colon, an empty
 * upstream version or revision); what dpkg only warns about (a version not
 * starting with a digit, characters outside the allowed set) is compared
 * exactly as `dpkg --compare-versions` compares it. */
#include <limits.h>
#include <stddef.h>

#include "version.h"
#include "util/banned.h"

struct debver {
    long epoch;
    const unsigned char *ver;
    size_t verlen;
    const unsigned char *rev; /* "" when there is no revision */
    size_t revlen;
};

static int is_digit(unsigned c)
{
    return c - '0' < 10u;
}

static int is_alpha(unsigned c)
{
    return (c | 0x20u) - 'a' < 26u;
}

/* The rank of a character in a non-digit run. dpkg's order() works on a
 * (signed) char: '~' sorts first, even before the end of the string; then
 * the end and digits; letters by their code; every other byte after all
 * letters (c + 256). Bytes >= 0x80, negative as signed chars, land at
 * c - 256 + 256, between the letters and ASCII punctuation. */
static int order(unsigned c)
{
    if (is_digit(c))
        return 0;
    if (is_alpha(c))
        return (int)c;
    if (c == '~')
        return -1;
    if (c >= 0x80)
        return (int)c;
    return (int)c + 256;
}

/* dpkg's verrevcmp over two counted strings: alternating non-digit runs,
 * compared character by character with order(), and digit runs, compared
 * as numbers of any length (leading zeros dropped, then length, then the
 * first differing digit). */
static int verrevcmp(const unsigned char *a, size_t alen,
                     const unsigned char *b, size_t blen)
{
    size_t i = 0, j = 0;

    while (i < alen || j < blen) {
        int first_diff = 0;

        while ((i < alen && !is_digit(a[i])) || (j < blen && !is_digit(b[j]))) {
            int ac = i < alen ? order(a[i]) : 0;
            int bc = j < blen ? order(b[j]) : 0;
            if (ac != bc)
                return ac < bc ? -1 : 1;
            /* equal ranks here mean neither side is at its end */
            i++;
            j++;
        }
        while (i < alen && a[i] == '0')
            i++;
        while (j < blen && b[j] == '0')
            j++;
        while (i < alen && j < blen && is_digit(a[i]) && is_digit(b[j])) {
            if (!first_diff)
                first_diff = (int)a[i] - (int)b[j];
            i++;
            j++;
        }
        if (i < alen && is_digit(a[i]))
            return 1;
        if (j < blen && is_digit(b[j]))
            return -1;
        if (first_diff)
            return first_diff < 0 ? -1 : 1;
    }
    return 0;
}

static int is_blank(unsigned c)
{
    return c == ' ' || c == '\t';
}

/* What strtol() skips before a number. */
static int is_space(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The epoch in [p, colon), as strtol() would read it: leading white space,
 * a sign, digits, and nothing else before the colon. */
static int parse_epoch(long *out, const unsigned char *p,
                       const unsigned char *colon)
{
    int neg = 0;
    long v = 0;
    const unsigned char *digits;

    while (p < colon && is_space(*p))
        p++;
    if (p < colon && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    digits = p;
    while (p < colon && is_digit(*p)) {
        if (v <= INT_MAX)
            v = v * 10 + (*p - '0');
        p++;
    }
    if (p == digits || p != colon)
        return ST_EINVALID; /* empty, or not a number */
    if ((neg && v != 0) || v > INT_MAX)
        return ST_EINVALID; /* negative, or too big */
    *out = v;
    return 0;
}

static int parse(struct debver *v, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *end, *colon = NULL, *hyphen = NULL, *p;

    while (is_blank(*s))
        s++;
    if (!*s)
        return ST_EINVALID;
    for (end = s; *end && !is_blank(*end); end++) {
        if (*end == ':') {
            if (!colon)
                colon = end;
        } else if (*end == '-') {
            hyphen = end;
        }
    }
    for (p = end; is_blank(*p); p++)
        ;
    if (*p)
        return ST_EINVALID; /* embedded blanks */

    v->epoch = 0;
    if (colon) {
        if (parse_epoch(&v->epoch, s, colon) < 0)
            return ST_EINVALID;
        s = colon + 1;
        if (s == end)
            return ST_EINVALID; /* nothing after the colon */
    }
    if (hyphen && hyphen < s)
        hyphen = NULL; /* a sign in the epoch, not a revision */
    v->ver = s;
    if (hyphen) {
        v->verlen = (size_t)(hyphen - s);
        v->rev = hyphen + 1;
        v->revlen = (size_t)(end - hyphen - 1);
        if (!v->revlen)
            return ST_EINVALID; /* "1.0-" */
    } else {
        v->verlen = (size_t)(end - s);
        v->rev = s; /* empty */
        v->revlen = 0;
    }
    if (!v->verlen)
        return ST_EINVALID;
    return 0;
}

int st_vercmp_deb(int *out, const char *a, const char *b)
{
    struct debver va, vb;
    int r;

    *out = 0;
    if (parse(&va, a) < 0 || parse(&vb, b) < 0)
        return ST_EINVALID;
    if (va.epoch != vb.epoch)
        r = va.epoch < vb.epoch ? -1 : 1;
    else if (!(r = verrevcmp(va.ver, va.verlen, vb.ver, vb.verlen)))
        r = verrevcmp(va.rev, va.revlen, vb.rev, vb.revlen);
    *out = r;
    return 0;
}
