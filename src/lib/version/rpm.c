/* RPM version comparison: rpmvercmp() (rpm >= 4.15, with the '^' caret)
 * applied to [epoch:]version[-release] the way rpm parses an EVR string:
 * the epoch is the run of digits before a ':' (missing or empty = 0), the
 * release follows the last '-'. Epochs, versions and releases are each
 * compared with rpmvercmp; a missing release sorts before any release,
 * even an empty one, as rpm.vercmp() of rpm 4.18 does. Every string but
 * the empty one is a version (rpm refuses "" as an invalid version). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

struct evr {
    const unsigned char *e, *v, *r;
    size_t elen, vlen, rlen;
    bool has_r;
};

static bool is_digit(unsigned c)
{
    return c - '0' < 10u;
}

static bool is_alpha(unsigned c)
{
    return (c | 0x20u) - 'a' < 26u;
}

/* Compares the segments [a, a+alen) and [b, b+blen) byte-wise, the shorter
 * first when one is a prefix of the other (strcmp on the segments). */
static int segcmp(const unsigned char *a, size_t alen, const unsigned char *b,
                  size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r)
        return r < 0 ? -1 : 1;
    return alen == blen ? 0 : alen < blen ? -1 : 1;
}

/* rpmvercmp over two counted strings. Runs of characters that are neither
 * alphanumeric nor '~' nor '^' only separate segments. '~' sorts before
 * everything, the end included; '^' sorts after the end but before
 * anything else. Segments are all digits or all letters; a numeric segment
 * beats an alphabetic one, numbers compare by value (any length), letters
 * byte-wise. Leftover segments win. */
static int rpmvercmp(const unsigned char *a, size_t alen,
                     const unsigned char *b, size_t blen)
{
    size_t i = 0, j = 0;

    if (alen == blen && !memcmp(a, b, alen))
        return 0;
    while (i < alen || j < blen) {
        size_t si, sj;
        bool num;
        int r;

        while (i < alen && !is_digit(a[i]) && !is_alpha(a[i]) && a[i] != '~' &&
               a[i] != '^')
            i++;
        while (j < blen && !is_digit(b[j]) && !is_alpha(b[j]) && b[j] != '~' &&
               b[j] != '^')
            j++;

        if ((i < alen && a[i] == '~') || (j < blen && b[j] == '~')) {
            if (i == alen || a[i] != '~')
                return 1;
            if (j == blen || b[j] != '~')
                return -1;
            i++;
            j++;
            continue;
        }
        if ((i < alen && a[i] == '^') || (j < blen && b[j] == '^')) {
            if (i == alen)
                return -1;
            if (j == blen)
                return 1;
            if (a[i] != '^')
                return 1;
            if (b[j] != '^')
                return -1;
            i++;
            j++;
            continue;
        }
        if (i == alen || j == blen)
            break;

        si = i;
        sj = j;
        num = is_digit(a[i]);
        if (num) {
            while (i < alen && is_digit(a[i]))
                i++;
            while (j < blen && is_digit(b[j]))
                j++;
        } else {
            while (i < alen && is_alpha(a[i]))
                i++;
            while (j < blen && is_alpha(b[j]))
                j++;
        }
        if (j == sj) /* segments of different types */
            return num ? 1 : -1;
        if (num) {
            while (si < i && a[si] == '0')
                si++;
            while (sj < j && b[sj] == '0')
                sj++;
            if (i - si != j - sj)
                return i - si > j - sj ? 1 : -1;
        }
        r = segcmp(a + si, i - si, b + sj, j - sj);
        if (r)
            return r;
    }
    if (i == alen && j == blen)
        return 0;
    return i == alen ? -1 : 1;
}

static void parse(struct evr *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str, *p = s, *hyphen;

    while (is_digit(*p))
        p++;
    if (*p == ':') {
        out->e = s;
        out->elen = (size_t)(p - s);
        if (!out->elen) {
            out->e = (const unsigned char *)"0";
            out->elen = 1;
        }
        out->v = p + 1;
    } else {
        out->e = (const unsigned char *)"0";
        out->elen = 1;
        out->v = s;
    }
    hyphen = (const unsigned char *)strrchr((const char *)p, '-');
    out->has_r = hyphen != NULL;
    if (hyphen) {
        out->vlen = (size_t)(hyphen - out->v);
        out->r = hyphen + 1;
        out->rlen = strlen((const char *)out->r);
    } else {
        out->vlen = strlen((const char *)out->v);
        out->r = out->v + out->vlen;
        out->rlen = 0;
    }
}

int st_vercmp_rpm(int *out, const char *a, const char *b)
{
    struct evr ea, eb;
    int r;

    *out = 0;
    if (!*a || !*b)
        return ST_EINVALID;
    parse(&ea, a);
    parse(&eb, b);
    r = rpmvercmp(ea.e, ea.elen, eb.e, eb.elen);
    if (!r)
        r = rpmvercmp(ea.v, ea.vlen, eb.v, eb.vlen);
    if (!r) {
        if (ea.has_r && eb.has_r)
            r = rpmvercmp(ea.r, ea.rlen, eb.r, eb.rlen);
        else
            r = ea.has_r - eb.has_r;
    }
    *out = r;
    return 0;
}
