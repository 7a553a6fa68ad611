/* Composer (PHP) version comparison: each side is normalised as
 * Composer\Semver\VersionParser::normalize() does it, and the normalised
 * forms are ordered as PHP's version_compare() orders them, which is what
 * Composer's Comparator and constraints do with normalised versions.
 *
 * normalize(): trim; drop an alias (" as 2.0") and a stability flag
 * ("@dev"); "master", "trunk", "default" and "dev-<anything>" are branches;
 * drop build metadata ("+foo"); then either a classical version
 * "v?N{1,5}(.N){0,3}" padded to four numbers, or a date version
 * "YYYY(MM){1,6}(N{1,3}){0,2}" with any of ".:-" between parts, each
 * followed by an optional modifier: a stability (stable, alpha/a, beta/b,
 * RC, patch/pl/p) with optional numbers, and an optional "dev"; or a
 * numeric branch "1.2.x-dev" (x, X or * read as 9999999). Anything else is
 * ST_EINVALID.
 *
 * version_compare() splits a normalised form into numbers and words and
 * compares them in turn: numbers as numbers, words by rank (dev < alpha <
 * beta < RC < a number < patch; any other word below dev); when one side
 * runs out, a remaining number makes the longer side greater and a
 * remaining word is ranked against a number. So 1.0.0.0-beta2 <
 * 1.0.0.0-RC1 < 1.0.0.0 < 1.0.0.0-patch1, and 1.0.0.0-dev is below all.
 *
 * Branches ("dev-foo") sort below every numbered version, as
 * version_compare("dev-foo", "1.0") says. Composer does not order two
 * different branches at all (neither <, > nor == holds); to give a total
 * order they compare here by name, bytewise. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

/* Four numbers, a stability, its numbers and "dev" fit easily. */
#define COMPOSER_MAX_TOKENS 32

enum rank {
    R_OTHER = -1, /* a word version_compare does not know: "stable" */
    R_DEV = 0,
    R_ALPHA = 1,
    R_BETA = 2,
    R_RC = 3,
    R_NUMBER = 4,
    R_PATCH = 5
};

struct tok {
    const char *p; /* digits, for R_NUMBER */
    size_t len;
    int rank;
};

struct compver {
    bool branch;
    const char *name; /* branch name after "dev-" */
    size_t namelen;
    struct tok t[COMPOSER_MAX_TOKENS];
    size_t n;
};

static const char nines[] = "9999999";

static bool is_digit(unsigned char c)
{
    return (unsigned)c - '0' < 10u;
}

/* PCRE's \s. */
static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* PHP trim()'s default set (NUL cannot occur in a C string). */
static bool is_trim(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

static int lower(unsigned char c)
{
    return ((unsigned)c - 'A' < 26u) ? c + 32 : c;
}

/* Does [p, e) start with word, ignoring case? */
static bool prefix_ci(const char *p, const char *e, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(e - p) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != lower((unsigned char)word[i]))
            return false;
    return true;
}

static int push(struct compver *v, const char *p, size_t len, int rank)
{
    if (v->n == COMPOSER_MAX_TOKENS)
        return ST_EINVALID;
    v->t[v->n].p = p;
    v->t[v->n].len = len;
    v->t[v->n].rank = rank;
    v->n++;
    return 0;
}

/* Appends every digit run of [p, e) as a number. */
static int push_numbers(struct compver *v, const char *p, const char *e)
{
    while (p < e) {
        const char *q = p;
        int rc;
        if (!is_digit((unsigned char)*p)) {
            p++;
            continue;
        }
        while (q < e && is_digit((unsigned char)*q))
            q++;
        if ((rc = push(v, p, (size_t)(q - p), R_NUMBER)) < 0)
            return rc;
        p = q;
    }
    return 0;
}

/* The modifier regex, anchored at both ends:
 * [._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?
 * The alternatives are tried in that order; when the first one that
 * matches a prefix fails later, a shorter one cannot succeed either (what
 * follows a stability is digits, a separator or "dev"). */
static int modifier(struct compver *v, const char *p, const char *e)
{
    static const struct {
        const char *word;
        int rank;
    } stab[] = {
        {"stable", R_OTHER}, {"beta", R_BETA},   {"b", R_BETA},
        {"RC", R_RC},        {"alpha", R_ALPHA}, {"a", R_ALPHA},
        {"patch", R_PATCH},  {"pl", R_PATCH},    {"p", R_PATCH},
    };
    const char *st = NULL, *nums, *nume;
    size_t stlen = 0;
    int rank = R_OTHER, rc;
    bool dev = false;

    if (p < e && (*p == '.' || *p == '_' || *p == '-'))
        p++;
    for (size_t i = 0; i < sizeof(stab) / sizeof(stab[0]); i++)
        if (prefix_ci(p, e, stab[i].word)) {
            st = p;
            stlen = strlen(stab[i].word);
            rank = stab[i].rank;
            p += stlen;
            break;
        }
    nums = p;
    while (st && p < e) {
        if ((*p == '.' || *p == '-') && p + 1 < e &&
            is_digit((unsigned char)p[1]))
            p++;
        else if (!is_digit((unsigned char)*p))
            break;
        while (p < e && is_digit((unsigned char)*p))
            p++;
    }
    nume = p;
    if (p < e) {
        const char *q = p + (*p == '.' || *p == '-');
        if (e - q == 3 && prefix_ci(q, e, "dev")) {
            dev = true;
            p = e;
        }
    }
    if (p != e)
        return ST_EINVALID;

    if (st) {
        /* normalize() compares the matched text with 'stable' exactly:
         * only then is the version returned bare (even with "dev"). */
        if (stlen == 6 && !memcmp(st, "stable", 6))
            return 0;
        if ((rc = push(v, st, stlen, rank)) < 0)
            return rc;
        if ((rc = push_numbers(v, nums, nume)) < 0)
            return rc;
    }
    if (dev)
        return push(v, "dev", 3, R_DEV);
    return 0;
}

/* ^v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)?<modifier>$ */
static int classical(struct compver *v, const char *p, const char *e)
{
    const char *q;
    int groups = 0, rc;

    if (p < e && lower((unsigned char)*p) == 'v')
        p++;
    for (q = p; q < e && is_digit((unsigned char)*q); q++)
        ;
    if (q == p || q - p > 5)
        return ST_EINVALID;
    if ((rc = push(v, p, (size_t)(q - p), R_NUMBER)) < 0)
        return rc;
    p = q;
    for (; groups < 3 && p + 1 < e && *p == '.' &&
           is_digit((unsigned char)p[1]);
         groups++) {
        for (q = p + 1; q < e && is_digit((unsigned char)*q); q++)
            ;
        if ((rc = push(v, p + 1, (size_t)(q - p - 1), R_NUMBER)) < 0)
            return rc;
        p = q;
    }
    for (; groups < 3; groups++)
        if ((rc = push(v, "0", 1, R_NUMBER)) < 0)
            return rc;
    return modifier(v, p, e);
}

static bool is_date_sep(unsigned char c)
{
    return c == '.' || c == ':' || c == '-';
}

/* Does [p, e) match (?:[.:-]?\d{2}){n2..6}(?:[.:-]?\d{1,3}){n3..2}, given
 * that n2 two-digit groups and n3 short groups were already read? */
static bool date_rest(const char *p, const char *e, int n2, int n3)
{
    const char *q;

    if (p == e)
        return n2 >= 1;
    q = p + is_date_sep((unsigned char)*p);
    if (n3 == 0 && n2 < 6 && e - q >= 2 && is_digit((unsigned char)q[0]) &&
        is_digit((unsigned char)q[1]) && date_rest(q + 2, e, n2 + 1, 0))
        return true;
    if (n2 >= 1 && n3 < 2)
        for (int len = 3; len >= 1; len--) {
            int i = 0;
            if (e - q < len)
                continue;
            while (i < len && is_digit((unsigned char)q[i]))
                i++;
            if (i == len && date_rest(q + len, e, n2, n3 + 1))
                return true;
        }
    return false;
}

/* ^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})<modifier>$; the
 * date part, written with "." for every separator. The modifier never
 * starts with a digit or with a separator before a digit, so the date part
 * is the longest run of digits and single separators between digits. */
static int date(struct compver *v, const char *p, const char *e)
{
    const char *k;
    int rc;

    if (p < e && lower((unsigned char)*p) == 'v')
        p++;
    if (e - p < 4)
        return ST_EINVALID;
    for (int i = 0; i < 4; i++)
        if (!is_digit((unsigned char)p[i]))
            return ST_EINVALID;
    for (k = p; k < e;) {
        if (is_digit((unsigned char)*k))
            k++;
        else if (is_date_sep((unsigned char)*k) && k + 1 < e &&
                 is_digit((unsigned char)k[1]))
            k++;
        else
            break;
    }
    if (!date_rest(p + 4, k, 0, 0))
        return ST_EINVALID;
    if ((rc = push_numbers(v, p, k)) < 0)
        return rc;
    return modifier(v, k, e);
}

/* "(.*?)[.-]?dev$" handed to normalizeBranch(), which must give a numeric
 * branch: ^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:…))?$ */
static int numeric_branch(struct compver *v, const char *b, const char *e)
{
    const char *p;
    int groups = 0, rc;

    if (e - b < 3 || !prefix_ci(e - 3, e, "dev"))
        return ST_EINVALID;
    e -= 3;
    if (e > b && (e[-1] == '.' || e[-1] == '-'))
        e--;
    while (b < e && is_trim((unsigned char)*b))
        b++;
    while (e > b && is_trim((unsigned char)e[-1]))
        e--;
    if (b < e && lower((unsigned char)*b) == 'v')
        b++;
    for (p = b; p < e && is_digit((unsigned char)*p); p++)
        ;
    if (p == b)
        return ST_EINVALID;
    if ((rc = push(v, b, (size_t)(p - b), R_NUMBER)) < 0)
        return rc;
    while (p < e) {
        const char *q = p + 1;
        if (*p != '.' || q == e || groups == 3)
            return ST_EINVALID;
        if (*q == 'x' || *q == 'X' || *q == '*') {
            q++;
            rc = push(v, nines, 7, R_NUMBER);
        } else {
            while (q < e && is_digit((unsigned char)*q))
                q++;
            if (q == p + 1)
                return ST_EINVALID;
            rc = push(v, p + 1, (size_t)(q - p - 1), R_NUMBER);
        }
        if (rc < 0)
            return rc;
        p = q;
        groups++;
    }
    for (; groups < 3; groups++)
        if ((rc = push(v, nines, 7, R_NUMBER)) < 0)
            return rc;
    return push(v, "dev", 3, R_DEV);
}

/* "^([^,\s]++) ++as ++([^,\s]++)$": returns the end of the first part, or
 * e when the string is not an alias. */
static const char *alias_end(const char *b, const char *e)
{
    const char *p = b, *end1, *q;

    while (p < e && !is_space((unsigned char)*p) && *p != ',')
        p++;
    if (p == b || p == e || *p != ' ')
        return e;
    end1 = p;
    while (p < e && *p == ' ')
        p++;
    if (e - p < 3 || p[0] != 'a' || p[1] != 's' || p[2] != ' ')
        return e;
    for (p += 2; p < e && *p == ' '; p++)
        ;
    for (q = p; q < e && !is_space((unsigned char)*q) && *q != ','; q++)
        ;
    return (q > p && q == e) ? end1 : e;
}

static int parse(struct compver *v, const char *s)
{
    static const char *const flags[] = {"stable", "RC", "beta", "alpha",
                                        "dev"};
    const char *b = s, *e = s + strlen(s), *p;

    v->branch = false;
    v->n = 0;
    while (b < e && is_trim((unsigned char)*b))
        b++;
    while (e > b && is_trim((unsigned char)e[-1]))
        e--;
    e = alias_end(b, e);
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        size_t n = strlen(flags[i]);
        if ((size_t)(e - b) > n && e[-(ptrdiff_t)n - 1] == '@' &&
            prefix_ci(e - n, e, flags[i])) {
            e -= n + 1;
            break;
        }
    }
    if ((e - b == 6 && !memcmp(b, "master", 6)) ||
        (e - b == 5 && !memcmp(b, "trunk", 5)) ||
        (e - b == 7 && !memcmp(b, "default", 7))) {
        v->branch = true;
        v->name = b;
        v->namelen = (size_t)(e - b);
        return 0;
    }
    if (prefix_ci(b, e, "dev-")) {
        v->branch = true;
        v->name = b + 4;
        v->namelen = (size_t)(e - b - 4);
        return 0;
    }

    /* "^([^,\s+]++)\+[^\s]++$": strip build metadata */
    for (p = b; p < e && *p != ',' && *p != '+' && !is_space((unsigned char)*p);
         p++)
        ;
    if (p > b && p + 1 < e && *p == '+') {
        const char *q = p + 1;
        while (q < e && !is_space((unsigned char)*q))
            q++;
        if (q == e)
            e = p;
    }

    if (classical(v, b, e) == 0)
        return 0;
    v->n = 0;
    if (date(v, b, e) == 0)
        return 0;
    v->n = 0;
    return numeric_branch(v, b, e);
}

static int numcmp(const struct tok *a, const struct tok *b)
{
    const char *ap = a->p, *bp = b->p;
    size_t al = a->len, bl = b->len;
    int c;

    while (al > 1 && *ap == '0')
        ap++, al--;
    while (bl > 1 && *bp == '0')
        bp++, bl--;
    if (al != bl)
        return al < bl ? -1 : 1;
    c = memcmp(ap, bp, al);
    return (c > 0) - (c < 0);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

int st_vercmp_composer(int *out, const char *a, const char *b)
{
    struct compver va, vb;
    size_t i;

    *out = 0;
    if (parse(&va, a) < 0 || parse(&vb, b) < 0)
        return ST_EINVALID;
    if (va.branch || vb.branch) {
        if (va.branch && vb.branch) {
            size_t n = va.namelen < vb.namelen ? va.namelen : vb.namelen;
            int c = memcmp(va.name, vb.name, n);
            *out = c ? sign(c) : sign((int)(va.namelen > vb.namelen) -
                                      (int)(va.namelen < vb.namelen));
        } else {
            *out = va.branch ? -1 : 1;
        }
        return 0;
    }
    for (i = 0; i < va.n && i < vb.n; i++) {
        const struct tok *x = &va.t[i], *y = &vb.t[i];
        int c;
        if (x->rank == R_NUMBER && y->rank == R_NUMBER)
            c = numcmp(x, y);
        else
            c = sign(x->rank - y->rank);
        if (c) {
            *out = c;
            return 0;
        }
    }
    if (i < va.n)
        *out = va.t[i].rank == R_NUMBER ? 1 : sign(va.t[i].rank - R_NUMBER);
    else if (i < vb.n)
        *out = vb.t[i].rank == R_NUMBER ? -1 : sign(R_NUMBER - vb.t[i].rank);
    return 0;
}
