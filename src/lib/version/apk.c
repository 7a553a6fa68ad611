/* Alpine (apk-tools) version comparison. A version is
 *
 *   digits {.digits} [letter] {_suffix[digits]} [~hash] [-rdigits]
 *
 * with a lowercase letter, suffixes alpha < beta < pre < rc < (none) < cvs
 * < svn < git < hg < p, and a hash of lowercase hex digits. Anything else
 * is ST_EINVALID, as apk's own validator says (apk still orders invalid
 * strings by their valid prefix; we refuse them instead).
 *
 * The two versions are compared token by token while the token kinds
 * agree: numbers by value (any length), except that a dotted component
 * with a leading zero on either side compares byte-wise ("1.05" < "1.1",
 * as in Gentoo); letters by code; suffixes by rank; hashes byte-wise. When
 * the kinds differ, a pre-release suffix (alpha..rc) makes its side older;
 * otherwise the side whose next token comes earlier in the grammar is
 * newer, and the end of the string is oldest: 1.0_rc1 < 1.0 < 1.0-r1 <
 * 1.0_p1 < 1.0a < 1.0.1. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

/* Token kinds in grammar order; the order is what the comparison uses. */
enum tok {
    TOK_INITIAL, /* the first number */
    TOK_DIGIT,   /* .number */
    TOK_LETTER,
    TOK_SUFFIX,
    TOK_SUFFIX_NO,
    TOK_HASH,
    TOK_REVISION,
    TOK_END,
    TOK_INVALID,
};

/* Suffix ranks; NONE is the pivot between pre- and post-release. */
enum {
    SUF_ALPHA = 1,
    SUF_BETA,
    SUF_PRE,
    SUF_RC,
    SUF_NONE,
    SUF_CVS,
    SUF_SVN,
    SUF_GIT,
    SUF_HG,
    SUF_P,
};

struct cursor {
    const char *p;
    enum tok kind;
    int suffix;
    const char *val; /* the token's text (digits, letter, suffix, hash) */
    size_t len;
};

static bool is_digit(unsigned char c)
{
    return (unsigned)c - '0' < 10u;
}

static bool is_lower(unsigned char c)
{
    return (unsigned)c - 'a' < 26u;
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (unsigned)c - 'a' < 6u;
}

static int suffix_rank(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int rank;
    } table[] = {
        {"alpha", SUF_ALPHA}, {"beta", SUF_BETA}, {"pre", SUF_PRE},
        {"rc", SUF_RC},       {"cvs", SUF_CVS},   {"svn", SUF_SVN},
        {"git", SUF_GIT},     {"hg", SUF_HG},     {"p", SUF_P},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strlen(table[i].name) == n && !memcmp(table[i].name, s, n))
            return table[i].rank;
    return 0;
}

static void take_digits(struct cursor *c, enum tok kind)
{
    c->val = c->p;
    while (is_digit((unsigned char)*c->p))
        c->p++;
    c->len = (size_t)(c->p - c->val);
    c->kind = c->len ? kind : TOK_INVALID;
}

static void first(struct cursor *c, const char *s)
{
    c->p = s;
    c->suffix = 0;
    take_digits(c, TOK_INITIAL);
}

/* Reads the token after the current one; what may follow is decided by the
 * current kind, so an out-of-order token is TOK_INVALID. */
static void next(struct cursor *c)
{
    unsigned char ch = (unsigned char)*c->p;

    if (!ch) {
        c->kind = TOK_END;
    } else if (is_lower(ch)) {
        if (c->kind > TOK_DIGIT) {
            c->kind = TOK_INVALID;
            return;
        }
        c->val = c->p++;
        c->len = 1;
        c->kind = TOK_LETTER;
    } else if (ch == '.') {
        if (c->kind > TOK_DIGIT) {
            c->kind = TOK_INVALID;
            return;
        }
        c->p++;
        take_digits(c, TOK_DIGIT);
    } else if (is_digit(ch)) {
        /* only a suffix number can follow without a separator */
        if (c->kind != TOK_SUFFIX) {
            c->kind = TOK_INVALID;
            return;
        }
        take_digits(c, TOK_SUFFIX_NO);
    } else if (ch == '_') {
        if (c->kind > TOK_SUFFIX_NO) {
            c->kind = TOK_INVALID;
            return;
        }
        c->val = ++c->p;
        while (is_lower((unsigned char)*c->p))
            c->p++;
        c->len = (size_t)(c->p - c->val);
        c->suffix = suffix_rank(c->val, c->len);
        c->kind = c->suffix ? TOK_SUFFIX : TOK_INVALID;
    } else if (ch == '~') {
        if (c->kind >= TOK_HASH) {
            c->kind = TOK_INVALID;
            return;
        }
        c->val = ++c->p;
        while (is_hex((unsigned char)*c->p))
            c->p++;
        c->len = (size_t)(c->p - c->val);
        c->kind = c->len ? TOK_HASH : TOK_INVALID;
    } else if (ch == '-' && c->p[1] == 'r' && c->kind < TOK_REVISION) {
        c->p += 2;
        take_digits(c, TOK_REVISION);
    } else {
        c->kind = TOK_INVALID;
    }
}

static bool valid(const char *s)
{
    struct cursor c;
    for (first(&c, s); c.kind < TOK_END; next(&c))
        ;
    return c.kind == TOK_END;
}

static int bytecmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r)
        return r < 0 ? -1 : 1;
    return alen == blen ? 0 : alen < blen ? -1 : 1;
}

/* Digit strings by value, without converting them. */
static int numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 1 && *a == '0')
        a++, alen--;
    while (blen > 1 && *b == '0')
        b++, blen--;
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return bytecmp(a, alen, b, blen);
}

/* Two tokens of the same kind. */
static int tokcmp(const struct cursor *a, const struct cursor *b)
{
    switch (a->kind) {
    case TOK_DIGIT:
        if (a->val[0] == '0' || b->val[0] == '0')
            return bytecmp(a->val, a->len, b->val, b->len);
        return numcmp(a->val, a->len, b->val, b->len);
    case TOK_INITIAL:
    case TOK_SUFFIX_NO:
    case TOK_REVISION:
        return numcmp(a->val, a->len, b->val, b->len);
    case TOK_LETTER:
        return a->val[0] == b->val[0] ? 0 : a->val[0] < b->val[0] ? -1 : 1;
    case TOK_SUFFIX:
        return a->suffix == b->suffix ? 0 : a->suffix < b->suffix ? -1 : 1;
    case TOK_HASH:
        return bytecmp(a->val, a->len, b->val, b->len);
    case TOK_END:
    case TOK_INVALID:
        break;
    }
    return 0;
}

int st_vercmp_apk(int *out, const char *a, const char *b)
{
    struct cursor ca, cb;
    int r = 0;

    *out = 0;
    if (!valid(a) || !valid(b))
        return ST_EINVALID;
    for (first(&ca, a), first(&cb, b); ca.kind == cb.kind && ca.kind < TOK_END;
         next(&ca), next(&cb))
        if ((r = tokcmp(&ca, &cb)) != 0) {
            *out = r;
            return 0;
        }
    if (ca.kind == cb.kind)
        r = 0;
    else if (ca.kind == TOK_SUFFIX && ca.suffix < SUF_NONE)
        r = -1;
    else if (cb.kind == TOK_SUFFIX && cb.suffix < SUF_NONE)
        r = 1;
    else
        r = ca.kind > cb.kind ? -1 : 1;
    *out = r;
    return 0;
}
