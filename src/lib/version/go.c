/* Go module versions, as golang.org/x/mod/semver reads them: SemVer 2.0.0
 * behind a required 'v', with the shorthands "v1" and "v1.2" standing for
 * v1.0.0 and v1.2.0 (but no pre-release or build after a shorthand).
 *
 * Pseudo-versions need no rule of their own: v1.2.3-20240102150405-abcdef
 * abcdef, v1.2.4-0.20240102150405-abcdefabcdef and
 * v1.2.4-pre.0.20240102150405-abcdefabcdef are ordinary pre-releases and
 * sort as such, which is how the go command orders them. "+incompatible"
 * is build metadata and does not take part in the order. */
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

typedef struct gov {
    const char *num[3]; /* digit runs; a shorthand's missing ones are "0" */
    size_t numlen[3];
    const char *pre; /* pre-release identifiers without the '-', or NULL */
    size_t prelen;
} gov;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_idc(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-';
}

/* "0" or digits without a leading zero. */
static const char *num(const char *s, const char **p, size_t *n)
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

/* Dot-separated non-empty identifiers; all-digit ones must have no leading
 * zero when `pre`. Returns the end, or NULL. */
static const char *ids(const char *s, int pre)
{
    for (;;) {
        const char *q = s;
        int digits = 1;
        for (; is_idc(*q); q++)
            digits &= is_digit(*q);
        if (q == s || (pre && digits && q - s > 1 && *s == '0'))
            return NULL;
        if (*q != '.')
            return q;
        s = q + 1;
    }
}

static int parse(gov *v, const char *s)
{
    if (*s++ != 'v')
        return ST_EINVALID;
    for (int i = 0; i < 3; i++) {
        v->num[i] = "0";
        v->numlen[i] = 1;
    }
    v->pre = NULL;
    v->prelen = 0;
    for (int i = 0; i < 3; i++) {
        s = num(s, &v->num[i], &v->numlen[i]);
        if (!s)
            return ST_EINVALID;
        if (i < 2 && !*s)
            return 0; /* "v1", "v1.2" */
        if (i < 2 && *s++ != '.')
            return ST_EINVALID;
    }
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

/* Digit runs without leading zeros: the longer is larger. */
static int intcmp(const char *a, size_t na, const char *b, size_t nb)
{
    int r;
    if (na != nb)
        return na < nb ? -1 : 1;
    r = memcmp(a, b, na);
    return (r > 0) - (r < 0);
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return 0;
    return 1;
}

static size_t id_len(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q != '.')
        q++;
    return (size_t)(q - p);
}

static int cmp(const gov *a, const gov *b)
{
    const char *pa, *pb, *ea, *eb;
    for (int i = 0; i < 3; i++) {
        int r = intcmp(a->num[i], a->numlen[i], b->num[i], b->numlen[i]);
        if (r)
            return r;
    }
    if (!a->pre || !b->pre)
        return a->pre ? -1 : (b->pre ? 1 : 0);
    pa = a->pre, ea = a->pre + a->prelen;
    pb = b->pre, eb = b->pre + b->prelen;
    for (;;) {
        size_t na, nb, n;
        int da, db, r;
        if (pa >= ea || pb >= eb)
            return pa < ea ? 1 : (pb < eb ? -1 : 0);
        na = id_len(pa, ea);
        nb = id_len(pb, eb);
        da = all_digits(pa, na);
        db = all_digits(pb, nb);
        if (da != db)
            return da ? -1 : 1;
        if (da) {
            r = intcmp(pa, na, pb, nb);
        } else {
            n = na < nb ? na : nb;
            r = memcmp(pa, pb, n);
            r = r ? (r > 0) - (r < 0) : (na > nb) - (na < nb);
        }
        if (r)
            return r;
        pa += na + 1;
        pb += nb + 1;
    }
}

int st_vercmp_go(int *out, const char *a, const char *b)
{
    gov va, vb;
    *out = 0;
    if (parse(&va, a) < 0 || parse(&vb, b) < 0)
        return ST_EINVALID;
    *out = cmp(&va, &vb);
    return 0;
}
