/* Python package versions: PEP 440 ("Version specifiers", now kept as the
 * PyPA "Version specifiers" specification), read the way pypa/packaging's
 * Version does: case-insensitive, surrounding whitespace and a leading 'v'
 * ignored, the alternate spellings and separators of the normalisation
 * section accepted.
 *
 *   [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
 *
 * Order: epoch, release (trailing zeros do not count), then the phase:
 * a dev release of the release itself < pre-releases < the release <
 * post-releases, each refined by its own dev release; a local label sorts
 * after the same version without one, segment by segment, numbers above
 * words. Every number is compared as a digit string, so none overflows. */
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

#define PV_MAX_RELEASE 32 /* release numbers in "1.2.3…" */
#define PV_MAX_LOCAL 32   /* segments of the local label */

typedef struct slice {
    const char *p;
    size_t n;
} slice;

enum { PRE_NONE = 0, PRE_A, PRE_B, PRE_RC };

typedef struct pv {
    slice epoch;
    slice rel[PV_MAX_RELEASE];
    int nrel;
    int pre; /* PRE_* */
    slice pre_n, post_n, dev_n;
    int has_post, has_dev;
    slice local[PV_MAX_LOCAL];
    int nlocal; /* 0: no local label */
} pv;

static const slice zero = {"0", 1};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Length of keyword kw (lowercase) at s, case-insensitively, or 0. */
static size_t kw(const char *s, const char *end, const char *k)
{
    size_t n = strlen(k);
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != k[i])
            return 0;
    return n;
}

/* The first keyword of the list found at s; its index in *which. */
static size_t kw_any(const char *s, const char *end, const char *const *list,
                     int *which)
{
    for (int i = 0; list[i]; i++) {
        size_t n = kw(s, end, list[i]);
        if (n) {
            *which = i;
            return n;
        }
    }
    return 0;
}

static const char *digits(const char *s, const char *end, slice *out)
{
    const char *q = s;
    while (q < end && is_digit(*q))
        q++;
    out->p = s;
    out->n = (size_t)(q - s);
    return q;
}

/* "[sep]keyword[sep][N]": a pre-, post- or dev-release marker. Returns the
 * position after it, or NULL when no keyword of the list is there. */
static const char *marker(const char *s, const char *end,
                          const char *const *list, int *which, slice *n)
{
    size_t k;
    if (s < end && is_sep(*s))
        s++;
    k = kw_any(s, end, list, which);
    if (!k)
        return NULL;
    s += k;
    if (s < end && is_sep(*s))
        s++;
    s = digits(s, end, n);
    if (!n->n)
        *n = zero;
    return s;
}

/* Longer spellings first, so "alpha" is not read as "a" + "lpha". */
static const char *const pre_kw[] = {"alpha", "a",  "beta", "b", "preview",
                                     "pre",   "c",  "rc",   NULL};
static const int pre_kind[] = {PRE_A,  PRE_A,  PRE_B,  PRE_B,
                               PRE_RC, PRE_RC, PRE_RC, PRE_RC};
static const char *const post_kw[] = {"post", "rev", "r", NULL};
static const char *const dev_kw[] = {"dev", NULL};

static int parse(pv *v, const char *s)
{
    const char *end = s + strlen(s), *q;
    slice n;
    int which;

    v->nrel = 0;
    v->pre = PRE_NONE;
    v->has_post = v->has_dev = 0;
    v->nlocal = 0;
    v->epoch = zero;

    while (end > s && is_space(end[-1]))
        end--;
    while (s < end && is_space(*s))
        s++;
    if (s < end && lower(*s) == 'v')
        s++;

    /* epoch and release */
    s = digits(s, end, &n);
    if (!n.n)
        return ST_EINVALID;
    if (s < end && *s == '!') {
        v->epoch = n;
        s = digits(s + 1, end, &n);
        if (!n.n)
            return ST_EINVALID;
    }
    v->rel[v->nrel++] = n;
    while (s + 1 < end && *s == '.' && is_digit(s[1])) {
        if (v->nrel == PV_MAX_RELEASE)
            return ST_EINVALID;
        s = digits(s + 1, end, &v->rel[v->nrel++]);
    }

    /* pre-release */
    q = marker(s, end, pre_kw, &which, &v->pre_n);
    if (q) {
        v->pre = pre_kind[which];
        s = q;
    }

    /* post-release: "-N" or a marker */
    if (s + 1 < end && *s == '-' && is_digit(s[1])) {
        s = digits(s + 1, end, &v->post_n);
        v->has_post = 1;
    } else if ((q = marker(s, end, post_kw, &which, &v->post_n))) {
        s = q;
        v->has_post = 1;
    }

    /* dev release */
    if ((q = marker(s, end, dev_kw, &which, &v->dev_n))) {
        s = q;
        v->has_dev = 1;
    }

    /* local label: [a-z0-9]+ separated by '-', '_' or '.' */
    if (s < end && *s == '+') {
        do {
            const char *seg = ++s;
            while (s < end && (is_digit(*s) || is_alpha(*s)))
                s++;
            if (s == seg || v->nlocal == PV_MAX_LOCAL)
                return ST_EINVALID;
            v->local[v->nlocal].p = seg;
            v->local[v->nlocal++].n = (size_t)(s - seg);
        } while (s < end && is_sep(*s));
    }
    return s == end ? 0 : ST_EINVALID;
}

static int numcmp(slice a, slice b)
{
    int r;
    while (a.n > 1 && *a.p == '0')
        a.p++, a.n--;
    while (b.n > 1 && *b.p == '0')
        b.p++, b.n--;
    if (a.n != b.n)
        return a.n < b.n ? -1 : 1;
    r = memcmp(a.p, b.p, a.n);
    return (r > 0) - (r < 0);
}

static int all_digits(slice s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]))
            return 0;
    return 1;
}

/* Local segments: numbers by value and above words; words compare
 * case-insensitively. */
static int localcmp(slice a, slice b)
{
    int da = all_digits(a), db = all_digits(b);
    size_t n = a.n < b.n ? a.n : b.n;
    if (da != db)
        return da ? 1 : -1;
    if (da)
        return numcmp(a, b);
    for (size_t i = 0; i < n; i++) {
        char x = lower(a.p[i]), y = lower(b.p[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (a.n > b.n) - (a.n < b.n);
}

/* Rank of the pre-release part: a bare dev release (1.0.dev1) comes before
 * every pre-release of 1.0, no pre-release after all of them. */
static int pre_rank(const pv *v)
{
    if (v->pre != PRE_NONE)
        return v->pre;
    return (!v->has_post && v->has_dev) ? -1 : 99;
}

static int cmp(const pv *a, const pv *b)
{
    int r, ra, rb, n;

    if ((r = numcmp(a->epoch, b->epoch)))
        return r;
    n = a->nrel > b->nrel ? a->nrel : b->nrel;
    for (int i = 0; i < n; i++) {
        r = numcmp(i < a->nrel ? a->rel[i] : zero,
                   i < b->nrel ? b->rel[i] : zero);
        if (r)
            return r;
    }
    ra = pre_rank(a);
    rb = pre_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->pre != PRE_NONE && (r = numcmp(a->pre_n, b->pre_n)))
        return r;
    if (a->has_post != b->has_post)
        return a->has_post ? 1 : -1;
    if (a->has_post && (r = numcmp(a->post_n, b->post_n)))
        return r;
    if (a->has_dev != b->has_dev)
        return a->has_dev ? -1 : 1;
    if (a->has_dev && (r = numcmp(a->dev_n, b->dev_n)))
        return r;
    n = a->nlocal < b->nlocal ? a->nlocal : b->nlocal;
    for (int i = 0; i < n; i++)
        if ((r = localcmp(a->local[i], b->local[i])))
            return r;
    return (a->nlocal > b->nlocal) - (a->nlocal < b->nlocal);
}

int st_vercmp_pypi(int *out, const char *a, const char *b)
{
    pv va, vb;
    *out = 0;
    if (parse(&va, a) < 0 || parse(&vb, b) < 0)
        return ST_EINVALID;
    *out = cmp(&va, &vb);
    return 0;
}
