/* RubyGems version comparison, as Gem::Version does it (rubygems
 * lib/rubygems/version.rb).
 *
 * Valid strings match Gem::Version's ANCHORED_VERSION_PATTERN: optional
 * blanks, then digits, then ".<alnum>" parts, then an optional
 * "-<alnum or ->" part with "."-separated followers, then optional blanks;
 * blanks alone mean "0". Every "-" reads as ".pre.", so "1.0.0-1" is the
 * prerelease "1.0.0.pre.1". The string splits into segments, each a run of
 * digits (a number) or of letters (a string); the first string segment
 * starts the prerelease part. Trailing zeros of the release part and of the
 * prerelease part are dropped ("canonical segments"), then the lists are
 * compared position by position, a missing segment counting as 0: numbers
 * as numbers, strings bytewise, and a string sorts before a number. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

/* More segments than this is not a version anyone publishes. */
#define GEM_MAX_SEGMENTS 64

struct seg {
    const char *p;
    unsigned short len;
    bool num;
};

struct gemver {
    struct seg s[GEM_MAX_SEGMENTS];
    size_t n;
};

static bool is_digit(unsigned char c)
{
    return (unsigned)c - '0' < 10u;
}

static bool is_alpha(unsigned char c)
{
    return ((unsigned)c | 0x20u) - 'a' < 26u;
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || is_alpha(c);
}

/* Ruby's \s: space, \t, \n, \v, \f, \r. */
static bool is_blank(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_zero(const struct seg *s)
{
    if (!s->num)
        return false;
    for (size_t i = 0; i < s->len; i++)
        if (s->p[i] != '0')
            return false;
    return true;
}

static int push(struct gemver *v, const char *p, size_t len, bool num)
{
    if (v->n == GEM_MAX_SEGMENTS || len > 0xffff)
        return ST_EINVALID;
    v->s[v->n].p = p;
    v->s[v->n].len = (unsigned short)len;
    v->s[v->n].num = num;
    v->n++;
    return 0;
}

/* Checks [b, e) against the version pattern. */
static bool valid(const char *b, const char *e)
{
    const char *p = b;

    if (p == e)
        return true; /* the pattern is optional: blanks only */
    if (!is_digit((unsigned char)*p))
        return false;
    while (p < e && is_digit((unsigned char)*p))
        p++;
    while (p < e && *p == '.') {
        const char *q = ++p;
        while (p < e && is_alnum((unsigned char)*p))
            p++;
        if (p == q)
            return false;
    }
    if (p < e && *p == '-') {
        do {
            const char *q = ++p;
            while (p < e && (is_alnum((unsigned char)*p) || *p == '-'))
                p++;
            if (p == q)
                return false;
        } while (p < e && *p == '.');
    }
    return p == e;
}

static int parse(struct gemver *v, const char *str)
{
    static const char pre[] = "pre";
    const char *b = str, *e = str + strlen(str);
    size_t first_str, n;
    int rc;

    while (b < e && is_blank((unsigned char)*b))
        b++;
    while (e > b && is_blank((unsigned char)e[-1]))
        e--;
    if (!valid(b, e))
        return ST_EINVALID;
    v->n = 0;
    if (b == e)
        return push(v, "0", 1, true);
    for (const char *p = b; p < e;) {
        const char *q = p;
        if (*p == '-') {
            if ((rc = push(v, pre, 3, false)) < 0)
                return rc;
            p++;
        } else if (is_digit((unsigned char)*p)) {
            while (q < e && is_digit((unsigned char)*q))
                q++;
            if ((rc = push(v, p, (size_t)(q - p), true)) < 0)
                return rc;
            p = q;
        } else if (is_alpha((unsigned char)*p)) {
            while (q < e && is_alpha((unsigned char)*q))
                q++;
            if ((rc = push(v, p, (size_t)(q - p), false)) < 0)
                return rc;
            p = q;
        } else {
            p++; /* '.' */
        }
    }

    /* Canonical segments: drop the trailing zeros of the release part and
     * of the prerelease part. */
    for (first_str = 0; first_str < v->n && v->s[first_str].num; first_str++)
        ;
    n = first_str;
    while (n > 0 && is_zero(&v->s[n - 1]))
        n--;
    if (n != first_str) {
        memmove(&v->s[n], &v->s[first_str],
                (v->n - first_str) * sizeof(v->s[0]));
        v->n -= first_str - n;
    }
    while (v->n > n && is_zero(&v->s[v->n - 1]))
        v->n--;
    return 0;
}

static int numcmp(const struct seg *a, const struct seg *b)
{
    size_t ai = 0, bi = 0, al, bl;
    int c;

    while (ai + 1 < a->len && a->p[ai] == '0')
        ai++;
    while (bi + 1 < b->len && b->p[bi] == '0')
        bi++;
    al = a->len - ai;
    bl = b->len - bi;
    if (al != bl)
        return al < bl ? -1 : 1;
    c = memcmp(a->p + ai, b->p + bi, al);
    return (c > 0) - (c < 0);
}

static int strcmp_seg(const struct seg *a, const struct seg *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->p, b->p, n);
    if (c)
        return c < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

int st_vercmp_gem(int *out, const char *a, const char *b)
{
    static const struct seg zero = {"0", 1, true};
    struct gemver va, vb;
    size_t n;

    *out = 0;
    if (parse(&va, a) < 0 || parse(&vb, b) < 0)
        return ST_EINVALID;
    n = va.n > vb.n ? va.n : vb.n;
    for (size_t i = 0; i < n; i++) {
        const struct seg *l = i < va.n ? &va.s[i] : &zero;
        const struct seg *r = i < vb.n ? &vb.s[i] : &zero;
        int c;
        if (l->num != r->num) {
            *out = l->num ? 1 : -1;
            return 0;
        }
        c = l->num ? numcmp(l, r) : strcmp_seg(l, r);
        if (c) {
            *out = c;
            return 0;
        }
    }
    return 0;
}
