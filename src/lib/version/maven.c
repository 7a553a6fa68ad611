/* Maven versions: org.apache.maven.artifact.versioning.ComparableVersion as
 * of Maven 4 (the "version order specification" of the POM reference).
 *
 * A version is a list of items split at '.', '-' and digit/non-digit
 * transitions; a '-' or a letter/digit change opens a sub-list, and so does
 * a trailing ".X" ("1.0.0.X1 < 1.0.0-X2"). Items are numbers, qualifiers
 * (alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
 * release < sp < unknown ones in lexical order) and combinations like
 * "alpha2" (a qualifier followed by digits; a, b and m mean alpha, beta and
 * milestone there). Zeros and release qualifiers are dropped from the ends
 * of lists ("1.0-0" == "1"). Case-insensitive for ASCII.
 *
 * Sub-lists always close their parent, so the tree is kept flat: the items
 * of every list in parse order, a LIST token standing for the sub-list,
 * whose own items follow it. Non-ASCII bytes are ordinary characters,
 * compared by byte and not case-folded. */
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

#define MV_MAX_TOKENS 64 /* items plus sub-lists in one version */

enum { T_NUM, T_STR, T_COMB, T_LIST };

/* Qualifier ranks; an unknown qualifier ranks Q_UNKNOWN and then by text. */
enum { Q_ALPHA, Q_BETA, Q_MILESTONE, Q_RC, Q_SNAPSHOT, Q_RELEASE, Q_SP,
       Q_UNKNOWN };

typedef struct mtok {
    unsigned char type, dead;
    unsigned char q;     /* T_STR, T_COMB: qualifier rank */
    unsigned char ncls;  /* T_NUM, T_COMB: 0 int, 1 long, 2 big integer */
    const char *s;       /* qualifier text (unknown ones are compared) */
    size_t sn;
    const char *d;       /* digits without leading zeros ("" for zero) */
    size_t dn;
} mtok;

typedef struct mv {
    mtok t[MV_MAX_TOKENS];
    int n;
    int lstart[MV_MAX_TOKENS + 1]; /* first token of each list */
    int nlists;
    int count; /* items in the list being filled */
} mv;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int eq_ci(const char *s, size_t n, const char *k)
{
    size_t kn = strlen(k);
    if (n != kn)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != k[i])
            return 0;
    return 1;
}

static unsigned char qualifier(const char *s, size_t n, int before_digit)
{
    static const struct {
        const char *name;
        unsigned char q;
    } known[] = {
        {"alpha", Q_ALPHA},     {"beta", Q_BETA},       {"milestone", Q_MILESTONE},
        {"rc", Q_RC},           {"cr", Q_RC},           {"snapshot", Q_SNAPSHOT},
        {"ga", Q_RELEASE},      {"final", Q_RELEASE},   {"release", Q_RELEASE},
        {"sp", Q_SP},
    };
    if (before_digit && n == 1) {
        switch (lower(*s)) {
        case 'a':
            return Q_ALPHA;
        case 'b':
            return Q_BETA;
        case 'm':
            return Q_MILESTONE;
        default:
            break;
        }
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (eq_ci(s, n, known[i].name))
            return known[i].q;
    return Q_UNKNOWN;
}

static int push(mv *v, mtok t)
{
    if (v->n == MV_MAX_TOKENS)
        return ST_EINVALID;
    v->t[v->n++] = t;
    v->count++;
    return 0;
}

/* Numbers keep Java's item type: it depends on the length after leading
 * zeros are stripped, and an all-zero run keeps its full length. */
static void number(mtok *t, const char *d, size_t n)
{
    size_t jl = n;
    while (n && *d == '0')
        d++, n--;
    if (n)
        jl = n;
    t->ncls = jl <= 9 ? 0 : (jl <= 18 ? 1 : 2);
    t->d = d;
    t->dn = n;
}

static int item(mv *v, int comb, int digit, const char *s, size_t n)
{
    mtok t;
    memset(&t, 0, sizeof(t));
    if (comb) {
        size_t k = 0;
        while (k < n && !is_digit(s[k]))
            k++;
        t.type = T_COMB;
        t.s = s;
        t.sn = (k && s[k - 1] == '-') ? k - 1 : k; /* "X-1" is "X1" */
        t.q = qualifier(t.s, t.sn, 1);
        number(&t, s + k, n - k);
    } else if (digit) {
        t.type = T_NUM;
        number(&t, s, n);
    } else {
        t.type = T_STR;
        t.s = s;
        t.sn = n;
        t.q = qualifier(s, n, 0);
    }
    return push(v, t);
}

static int zero_item(mv *v)
{
    return item(v, 0, 1, "0", 1);
}

static int sublist(mv *v)
{
    mtok t;
    memset(&t, 0, sizeof(t));
    t.type = T_LIST;
    if (push(v, t) < 0)
        return ST_EINVALID;
    v->lstart[v->nlists++] = v->n;
    v->count = 0;
    return 0;
}

/* ComparableVersion.parseVersion, step for step. */
static int split(mv *v, const char *s)
{
    size_t len = strlen(s), start = 0;
    int digit = 0, comb = 0, rc = 0;

    v->n = 0;
    v->nlists = 1;
    v->lstart[0] = 0;
    v->count = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        char c = s[i];
        if (c == '.') {
            rc = i == start ? zero_item(v)
                            : item(v, comb, digit, s + start, i - start);
            comb = 0;
            start = i + 1;
        } else if (c == '-') {
            if (i == start) {
                rc = zero_item(v);
            } else {
                if (!digit && i + 1 < len && is_digit(s[i + 1])) {
                    comb = 1;
                    continue;
                }
                rc = item(v, comb, digit, s + start, i - start);
            }
            start = i + 1;
            if (rc == 0 && v->count)
                rc = sublist(v);
            comb = 0;
        } else if (is_digit(c)) {
            if (!digit && i > start) {
                comb = 1;
                if (v->count)
                    rc = sublist(v);
            }
            digit = 1;
        } else {
            if (digit && i > start) {
                rc = item(v, comb, 1, s + start, i - start);
                start = i;
                if (rc == 0)
                    rc = sublist(v);
                comb = 0;
            }
            digit = 0;
        }
    }
    if (rc == 0 && len > start) {
        if (!digit && v->count)
            rc = sublist(v);
        if (rc == 0)
            rc = item(v, comb, digit, s + start, len - start);
    }
    return rc;
}

/* Live items of one list: tokens from its start, skipping removed ones,
 * ending after a live LIST token (the rest belongs to the sub-list). */
typedef struct iter {
    const mv *v;
    int pos, done;
} iter;

static int next(iter *it)
{
    while (!it->done && it->pos < it->v->n) {
        int i = it->pos++;
        if (it->v->t[i].dead)
            continue;
        if (it->v->t[i].type == T_LIST)
            it->done = 1;
        return i;
    }
    return -1;
}

static int first_item(const mv *v, int list_tok)
{
    iter it = {v, list_tok + 1, 0};
    return next(&it);
}

static int is_null(const mv *v, int i)
{
    const mtok *t = &v->t[i];
    if (t->type == T_NUM)
        return t->dn == 0;
    if (t->type == T_LIST)
        return first_item(v, i) < 0;
    return 0;
}

/* ListItem.normalize, innermost list first: a null item (zero, empty
 * list) goes when it ends the list, precedes a qualifier, or precedes a
 * sub-list that starts with a qualifier or combination. */
static void normalize(mv *v)
{
    for (int k = v->nlists - 1; k >= 0; k--) {
        int end = k + 1 < v->nlists ? v->lstart[k + 1] : v->n;
        int after = -1; /* next live item of this list */
        for (int i = end - 1; i >= v->lstart[k]; i--) {
            int kill = 0;
            if (v->t[i].dead)
                continue;
            if (is_null(v, i)) {
                if (after < 0 || v->t[after].type == T_STR) {
                    kill = 1;
                } else if (v->t[after].type == T_LIST) {
                    int f = first_item(v, after);
                    kill = f >= 0 && (v->t[f].type == T_COMB ||
                                      v->t[f].type == T_STR);
                }
            }
            if (kill)
                v->t[i].dead = 1;
            else
                after = i;
        }
    }
}

static int sign(int r)
{
    return (r > 0) - (r < 0);
}

static int numcmp(const mtok *a, const mtok *b)
{
    if (a->ncls != b->ncls)
        return a->ncls < b->ncls ? -1 : 1;
    if (a->dn != b->dn)
        return a->dn < b->dn ? -1 : 1;
    return sign(memcmp(a->d, b->d, a->dn));
}

/* StringItem.comparableQualifier order. */
static int qualcmp(const mtok *a, const mtok *b)
{
    size_t n;
    if (a->q != b->q)
        return a->q < b->q ? -1 : 1;
    if (a->q != Q_UNKNOWN)
        return 0;
    n = a->sn < b->sn ? a->sn : b->sn;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)lower(a->s[i]);
        unsigned char y = (unsigned char)lower(b->s[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (a->sn > b->sn) - (a->sn < b->sn);
}

static int list_cmp(const mv *a, int la, const mv *b, int lb);

/* Item.compareTo(null): how an item compares with a missing one. */
static int cmp_null(const mv *v, int i)
{
    const mtok *t = &v->t[i];
    switch (t->type) {
    case T_NUM:
        return t->dn ? 1 : 0;
    case T_STR:
    case T_COMB:
        return t->q == Q_RELEASE ? 0 : (t->q < Q_RELEASE ? -1 : 1);
    case T_LIST:
    default:
        return list_cmp(v, i, NULL, -1);
    }
}

/* Item.compareTo(item) for two present items. */
static int cmp_item(const mv *a, int i, const mv *b, int j)
{
    const mtok *x = &a->t[i], *y = &b->t[j];
    int r;
    switch (x->type) {
    case T_NUM:
        return y->type == T_NUM ? numcmp(x, y) : 1;
    case T_STR:
        if (y->type == T_STR)
            return qualcmp(x, y);
        if (y->type == T_COMB)
            return (r = qualcmp(x, y)) ? r : -1;
        return -1;
    case T_COMB:
        if (y->type == T_STR)
            return (r = qualcmp(x, y)) ? r : 1;
        if (y->type == T_COMB) {
            if ((r = qualcmp(x, y)))
                return r;
            /* the digit parts are numbers, Java types included */
            return numcmp(x, y);
        }
        return -1;
    case T_LIST:
    default:
        if (y->type == T_LIST)
            return list_cmp(a, i, b, j);
        return y->type == T_NUM ? -1 : 1;
    }
}

/* ListItem.compareTo: la/lb are the LIST tokens (-1: the top list); b may
 * be NULL for a comparison with a missing item. */
static int list_cmp(const mv *a, int la, const mv *b, int lb)
{
    iter ia = {a, la + 1, 0}, ib = {b, lb + 1, 0};
    for (;;) {
        int i = next(&ia), j = b ? next(&ib) : -1, r;
        if (i < 0 && j < 0)
            return 0;
        if (i < 0)
            r = -cmp_null(b, j);
        else if (j < 0)
            r = cmp_null(a, i);
        else
            r = cmp_item(a, i, b, j);
        if (r)
            return r;
    }
}

int st_vercmp_maven(int *out, const char *a, const char *b)
{
    mv va, vb;
    *out = 0;
    if (split(&va, a) < 0 || split(&vb, b) < 0)
        return ST_EINVALID;
    normalize(&va);
    normalize(&vb);
    *out = list_cmp(&va, -1, &vb, -1);
    return 0;
}
