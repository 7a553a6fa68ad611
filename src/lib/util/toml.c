/* TOML 1.0 (https://toml.io/en/v1.0.0) into a jansson tree. One pass, a
 * cursor over the bytes; the tables' provenance (made by a [header], as a
 * header's prefix, by a dotted key, inline, an array of tables) lives in a
 * side map keyed by the json_t pointer, since jansson has no room for it,
 * and decides which redefinitions the spec forbids. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "banned.h"

enum {
    T_IMPLICIT = 1, /* created as the prefix of a [header] */
    T_DEFINED = 2,  /* defined by a [header] (or an element of [[header]]) */
    T_DOTTED = 4,   /* created by a dotted key */
    T_INLINE = 8,   /* an inline table, or made inside one: closed */
    T_AOT = 16      /* an array of tables */
};
#define META_FLAGS 0xffu
#define META_DEPTH(m) ((m) >> 8)

typedef struct keypath {
    st_buf buf; /* the parts back to back */
    size_t off[ST_TOML_MAX_DEPTH + 1];
    size_t n;
    const char *at; /* where the key starts, for messages */
} keypath;

typedef struct parser {
    const char *start, *p, *end;
    const char *what;
    st_error **err;
    st_map *meta; /* json_t * → flags | depth << 8 */
    st_buf sbuf;  /* scratch for string values */
} parser;

static int fail(parser *ps, const char *at, int code, const char *fmt, ...)
    ST_PRINTF(4, 5);

static int fail(parser *ps, const char *at, int code, const char *fmt, ...)
{
    char msg[256];
    size_t line = 1;
    const char *ls = ps->start;
    va_list ap;

    if (at > ps->end)
        at = ps->end;
    for (const char *q = ps->start; q < at; q++)
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return st_error_set(ps->err, code, "toml", "%s:%zu:%zu: %s", ps->what,
                        line, (size_t)(at - ls) + 1, msg);
}

static int nomem(parser *ps)
{
    return st_error_set(ps->err, ST_ENOMEM, "toml", "%s: out of memory",
                        ps->what);
}

/* ---- the side map ---------------------------------------------------- */

static unsigned meta_get(parser *ps, const json_t *v)
{
    return (unsigned)(uintptr_t)st_map_get(ps->meta, (const char *)&v,
                                           sizeof(v));
}

static int meta_set(parser *ps, const json_t *v, unsigned flags,
                    unsigned depth)
{
    void **slot;
    bool created;
    if (st_map_slot(ps->meta, (const char *)&v, sizeof(v), &slot,
                    &created) < 0)
        return nomem(ps);
    *slot = (void *)(uintptr_t)(flags | depth << 8);
    return 0;
}

/* A new table under parent[key]. */
static int new_table(parser *ps, const char *at, json_t *parent,
                     const char *key, size_t klen, unsigned flags,
                     unsigned depth, json_t **out)
{
    json_t *t;
    if (depth > ST_TOML_MAX_DEPTH)
        return fail(ps, at, ST_ELIMIT, "tables nested deeper than %d",
                    ST_TOML_MAX_DEPTH);
    if (!(t = json_object()))
        return nomem(ps);
    if (json_object_setn_new(parent, key, klen, t) < 0)
        return nomem(ps);
    *out = t;
    return meta_set(ps, t, flags, depth);
}

/* ---- lexing ------------------------------------------------------------ */

static bool at_end(const parser *ps)
{
    return ps->p >= ps->end;
}

static bool looking_at(const parser *ps, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, s, n);
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

/* A control character TOML forbids in comments and strings. */
static bool is_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int skip_comment(parser *ps)
{
    if (at_end(ps) || *ps->p != '#')
        return 0;
    for (; ps->p < ps->end && *ps->p != '\n'; ps->p++) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
            break;
        if (is_ctl(c))
            return fail(ps, ps->p, ST_EINVALID,
                        "control character 0x%02x in a comment", c);
    }
    return 0;
}

/* Consumes a newline (LF or CRLF): 1, none: 0, a lone CR: error. */
static int newline(parser *ps)
{
    if (at_end(ps))
        return 0;
    if (*ps->p == '\n') {
        ps->p++;
        return 1;
    }
    if (*ps->p == '\r') {
        if (ps->p + 1 < ps->end && ps->p[1] == '\n') {
            ps->p += 2;
            return 1;
        }
        return fail(ps, ps->p, ST_EINVALID, "carriage return without a line feed");
    }
    return 0;
}

/* Whitespace, comments and newlines (inside arrays). */
static int skip_blank(parser *ps)
{
    int rc;
    for (;;) {
        skip_ws(ps);
        if ((rc = skip_comment(ps)) < 0)
            return rc;
        if ((rc = newline(ps)) < 0)
            return rc;
        if (rc == 0)
            return 0;
    }
}

static bool is_bare(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            break;
        }
        if (n - i <= k)
            break;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                goto bad;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            break;
        i += k + 1;
    }
    if (i == n)
        return true;
bad:
    *bad = i;
    return false;
}

static int put_utf8(st_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return st_buf_put(b, u, n);
}

static int put(parser *ps, st_buf *b, const char *s, size_t n)
{
    int rc = st_buf_put(b, s, n);
    if (rc == ST_ENOMEM)
        return nomem(ps);
    if (rc < 0)
        return fail(ps, ps->p, rc, "string too long");
    return 0;
}

/* An escape after '\' in a basic string (ps->p at the backslash). */
static int escape(parser *ps, st_buf *b)
{
    const char *at = ps->p;
    char c;
    int n = 0;
    uint32_t cp = 0;

    if (ps->p + 1 >= ps->end)
        return fail(ps, at, ST_EINVALID, "unterminated escape");
    c = ps->p[1];
    ps->p += 2;
    switch (c) {
    case 'b':
        return put(ps, b, "\b", 1);
    case 't':
        return put(ps, b, "\t", 1);
    case 'n':
        return put(ps, b, "\n", 1);
    case 'f':
        return put(ps, b, "\f", 1);
    case 'r':
        return put(ps, b, "\r", 1);
    case '"':
        return put(ps, b, "\"", 1);
    case '\\':
        return put(ps, b, "\\", 1);
    case 'u':
        n = 4;
        break;
    case 'U':
        n = 8;
        break;
    default:
        return fail(ps, at, ST_EINVALID, "invalid escape sequence");
    }
    if (ps->end - ps->p < n)
        return fail(ps, at, ST_EINVALID, "short \\%c escape", c);
    for (int i = 0; i < n; i++) {
        int h = hexval(ps->p[i]);
        if (h < 0)
            return fail(ps, at, ST_EINVALID, "bad hex digit in \\%c escape", c);
        cp = cp << 4 | (uint32_t)h;
    }
    ps->p += n;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail(ps, at, ST_EINVALID, "escape is not a Unicode scalar value");
    if (put_utf8(b, cp) < 0)
        return nomem(ps);
    return 0;
}

/* A string of any of the four kinds, ps->p at its first quote; appended to
 * b. Multi-line ones only when `multi` (not as keys). */
static int string(parser *ps, st_buf *b, bool multi)
{
    const char *at = ps->p;
    char q = *ps->p;
    bool basic = q == '"';
    bool ml = looking_at(ps, basic ? "\"\"\"" : "'''");
    int rc;

    if (ml && !multi)
        return fail(ps, at, ST_EINVALID, "a multi-line string cannot be a key");
    ps->p += ml ? 3 : 1;
    if (ml && (rc = newline(ps)) < 0) /* a newline right after is trimmed */
        return rc;
    for (;;) {
        const char *run = ps->p;
        unsigned char c;
        /* the plain bytes up to the next special one, copied at once */
        while (ps->p < ps->end) {
            c = (unsigned char)*ps->p;
            if (c == (unsigned char)q || (basic && c == '\\') ||
                c == '\n' || c == '\r' || is_ctl(c))
                break;
            ps->p++;
        }
        if (ps->p > run && (rc = put(ps, b, run, (size_t)(ps->p - run))) < 0)
            return rc;
        if (at_end(ps))
            return fail(ps, at, ST_EINVALID, "unterminated string");
        c = (unsigned char)*ps->p;
        if (c == (unsigned char)q) {
            size_t n = 0;
            if (!ml) {
                ps->p++;
                return 0;
            }
            while (ps->p + n < ps->end && ps->p[n] == q)
                n++;
            if (n < 3) {
                ps->p += n;
                if ((rc = put(ps, b, basic ? "\"\"" : "''", n)) < 0)
                    return rc;
                continue;
            }
            if (n > 5)
                return fail(ps, ps->p, ST_EINVALID,
                            "too many quotes at the end of a string");
            if ((rc = put(ps, b, basic ? "\"\"" : "''", n - 3)) < 0)
                return rc;
            ps->p += n;
            return 0;
        }
        if (c == '\\') {
            const char *s = ps->p + 1;
            while (ml && s < ps->end && (*s == ' ' || *s == '\t'))
                s++;
            if (ml && s < ps->end && (*s == '\n' || *s == '\r')) {
                /* a line-ending backslash: trim up to the next text */
                ps->p = s;
                for (;;) {
                    skip_ws(ps);
                    if ((rc = newline(ps)) < 0)
                        return rc;
                    if (rc == 0)
                        break;
                }
                continue;
            }
            if ((rc = escape(ps, b)) < 0)
                return rc;
            continue;
        }
        if (c == '\n' || c == '\r') {
            const char *nl = ps->p;
            if (!ml)
                return fail(ps, at, ST_EINVALID, "newline in a string");
            if ((rc = newline(ps)) < 0)
                return rc;
            if ((rc = put(ps, b, nl, (size_t)(ps->p - nl))) < 0)
                return rc;
            continue;
        }
        return fail(ps, ps->p, ST_EINVALID,
                    "control character 0x%02x in a string", c);
    }
}

/* ---- keys ---------------------------------------------------------------- */

static int key(parser *ps, keypath *k)
{
    int rc;
    st_buf_reset(&k->buf);
    k->n = 0;
    k->off[0] = 0;
    skip_ws(ps);
    k->at = ps->p;
    for (;;) {
        if (k->n == ST_TOML_MAX_DEPTH)
            return fail(ps, ps->p, ST_ELIMIT, "key of more than %d parts",
                        ST_TOML_MAX_DEPTH);
        if (at_end(ps))
            return fail(ps, ps->p, ST_EINVALID, "expected a key");
        if (*ps->p == '"' || *ps->p == '\'') {
            if ((rc = string(ps, &k->buf, false)) < 0)
                return rc;
        } else if (is_bare((unsigned char)*ps->p)) {
            const char *s = ps->p;
            while (ps->p < ps->end && is_bare((unsigned char)*ps->p))
                ps->p++;
            if ((rc = put(ps, &k->buf, s, (size_t)(ps->p - s))) < 0)
                return rc;
        } else {
            return fail(ps, ps->p, ST_EINVALID, "expected a key");
        }
        if (memchr(k->buf.ptr + k->off[k->n], 0, k->buf.len - k->off[k->n]))
            return fail(ps, k->at, ST_EINVALID,
                        "a NUL character in a key is not supported");
        k->off[++k->n] = k->buf.len;
        skip_ws(ps);
        if (at_end(ps) || *ps->p != '.')
            return 0;
        ps->p++;
        skip_ws(ps);
    }
}

static const char *kpart(const keypath *k, size_t i, size_t *len)
{
    *len = k->off[i + 1] - k->off[i];
    return k->buf.ptr + k->off[i];
}

/* ---- values ---------------------------------------------------------------- */

static int value(parser *ps, unsigned depth, json_t **out);
static int keyval(parser *ps, json_t *table, unsigned depth, bool in_inline);

static int set_out(parser *ps, json_t *v, json_t **out)
{
    if (!v)
        return nomem(ps);
    *out = v;
    return 0;
}

/* digits with single underscores between them; `base` 10, 16, 8 or 2. */
static int digits(parser *ps, int base, const char *at)
{
    bool any = false;
    for (;;) {
        int d = ps->p < ps->end ? hexval(*ps->p) : -1;
        if (d >= 0 && d < base) {
            ps->p++;
            any = true;
            continue;
        }
        if (any && ps->p < ps->end && *ps->p == '_') {
            int n = ps->p + 1 < ps->end ? hexval(ps->p[1]) : -1;
            if (n < 0 || n >= base)
                return fail(ps, ps->p, ST_EINVALID,
                            "an underscore must sit between digits");
            ps->p++;
            continue;
        }
        break;
    }
    if (!any)
        return fail(ps, at, ST_EINVALID, "expected a digit");
    return 0;
}

/* Two digits no larger than max, at ps->p. */
static bool two(parser *ps, int max, int *v)
{
    if (ps->end - ps->p < 2 || !is_digit(ps->p[0]) || !is_digit(ps->p[1]))
        return false;
    *v = (ps->p[0] - '0') * 10 + (ps->p[1] - '0');
    ps->p += 2;
    return *v <= max;
}

static bool eat(parser *ps, char c)
{
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static bool time_part(parser *ps)
{
    int h, m, s;
    if (!two(ps, 23, &h) || !eat(ps, ':') || !two(ps, 59, &m) ||
        !eat(ps, ':') || !two(ps, 60, &s))
        return false;
    if (eat(ps, '.')) {
        if (at_end(ps) || !is_digit(*ps->p))
            return false;
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    return true;
}

/* Dates and times, kept as the string they were written as. */
static int datetime(parser *ps, json_t **out)
{
    const char *s = ps->p;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (ps->end - ps->p >= 3 && ps->p[2] == ':') {
        if (!time_part(ps))
            return fail(ps, s, ST_EINVALID, "invalid local time");
    } else {
        int y = 0, mo, d;
        for (int i = 0; i < 4; i++)
            y = y * 10 + (*ps->p++ - '0');
        if (!eat(ps, '-') || !two(ps, 12, &mo) || mo < 1 || !eat(ps, '-') ||
            !two(ps, 31, &d) || d < 1 || d > mdays[mo - 1] ||
            (mo == 2 && d == 29 &&
             !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
            return fail(ps, s, ST_EINVALID, "invalid date");
        if (ps->end - ps->p >= 4 &&
            (*ps->p == 'T' || *ps->p == 't' || *ps->p == ' ') &&
            is_digit(ps->p[1]) && is_digit(ps->p[2]) && ps->p[3] == ':') {
            ps->p++;
            if (!time_part(ps))
                return fail(ps, s, ST_EINVALID, "invalid date-time");
            if (eat(ps, 'Z') || eat(ps, 'z')) {
                /* UTC */
            } else if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
                int oh, om;
                ps->p++;
                if (!two(ps, 23, &oh) || !eat(ps, ':') || !two(ps, 59, &om))
                    return fail(ps, s, ST_EINVALID, "invalid time offset");
            }
        }
    }
    return set_out(ps, json_stringn(s, (size_t)(ps->p - s)), out);
}

static int number(parser *ps, json_t **out)
{
    const char *s = ps->p;
    char tmp[128];
    size_t n = 0;
    bool isfloat = false;
    int rc;

    if (eat(ps, '+') || eat(ps, '-')) {
        /* a sign: no radix prefix may follow */
    } else if (ps->end - ps->p > 2 && ps->p[0] == '0' &&
               (ps->p[1] == 'x' || ps->p[1] == 'o' || ps->p[1] == 'b')) {
        int base = ps->p[1] == 'x' ? 16 : ps->p[1] == 'o' ? 8 : 2;
        unsigned long long v = 0;
        ps->p += 2;
        if ((rc = digits(ps, base, ps->p)) < 0)
            return rc;
        for (const char *q = s + 2; q < ps->p; q++) {
            if (*q == '_')
                continue;
            if (v > ((unsigned long long)INT64_MAX - (unsigned)hexval(*q)) /
                        (unsigned)base)
                return fail(ps, s, ST_EINVALID, "integer out of range");
            v = v * (unsigned)base + (unsigned)hexval(*q);
        }
        return set_out(ps, json_integer((json_int_t)v), out);
    }
    if (looking_at(ps, "inf") || looking_at(ps, "nan")) {
        ps->p += 3;
        return set_out(ps, json_stringn(s, (size_t)(ps->p - s)), out);
    }
    {
        const char *d = ps->p;
        if ((rc = digits(ps, 10, d)) < 0)
            return rc;
        if (*d == '0' && ps->p - d > 1)
            return fail(ps, s, ST_EINVALID, "leading zero in a number");
    }
    if (eat(ps, '.')) {
        isfloat = true;
        if ((rc = digits(ps, 10, ps->p)) < 0)
            return rc;
    }
    if (eat(ps, 'e') || eat(ps, 'E')) {
        isfloat = true;
        if (!eat(ps, '+'))
            eat(ps, '-');
        if ((rc = digits(ps, 10, ps->p)) < 0)
            return rc;
    }
    for (const char *q = s; q < ps->p; q++) {
        if (*q == '_')
            continue;
        if (n + 1 >= sizeof(tmp))
            return fail(ps, s, ST_EINVALID, "number too long");
        tmp[n++] = *q;
    }
    tmp[n] = 0;
    errno = 0;
    if (isfloat) {
        double dv = strtod(tmp, NULL);
        if (!isfinite(dv))
            return fail(ps, s, ST_EINVALID, "float out of range");
        return set_out(ps, json_real(dv), out);
    } else {
        long long v = strtoll(tmp, NULL, 10);
        if (errno == ERANGE)
            return fail(ps, s, ST_EINVALID, "integer out of range");
        return set_out(ps, json_integer((json_int_t)v), out);
    }
}

static int array(parser *ps, unsigned depth, json_t **out)
{
    const char *at = ps->p;
    json_t *arr, *v;
    int rc;

    if (depth > ST_TOML_MAX_DEPTH)
        return fail(ps, at, ST_ELIMIT, "arrays and tables nested deeper than %d",
                    ST_TOML_MAX_DEPTH);
    if (!(arr = json_array()))
        return nomem(ps);
    ps->p++;
    for (;;) {
        if ((rc = skip_blank(ps)) < 0)
            goto fail;
        if (eat(ps, ']'))
            break;
        if ((rc = value(ps, depth + 1, &v)) < 0)
            goto fail;
        if (json_array_append_new(arr, v) < 0) {
            rc = nomem(ps);
            goto fail;
        }
        if ((rc = skip_blank(ps)) < 0)
            goto fail;
        if (eat(ps, ','))
            continue;
        if (eat(ps, ']'))
            break;
        rc = fail(ps, ps->p, ST_EINVALID, "expected ',' or ']' in an array");
        goto fail;
    }
    *out = arr;
    return 0;
fail:
    json_decref(arr);
    return rc;
}

static int inline_table(parser *ps, unsigned depth, json_t **out)
{
    const char *at = ps->p;
    json_t *t;
    int rc;

    if (depth > ST_TOML_MAX_DEPTH)
        return fail(ps, at, ST_ELIMIT, "arrays and tables nested deeper than %d",
                    ST_TOML_MAX_DEPTH);
    if (!(t = json_object()))
        return nomem(ps);
    if ((rc = meta_set(ps, t, T_INLINE, depth)) < 0)
        goto fail;
    ps->p++;
    skip_ws(ps);
    if (!eat(ps, '}')) {
        for (;;) {
            if ((rc = keyval(ps, t, depth, true)) < 0)
                goto fail;
            skip_ws(ps);
            if (eat(ps, ','))
                continue;
            if (eat(ps, '}'))
                break;
            rc = fail(ps, ps->p, ST_EINVALID,
                      "expected ',' or '}' in an inline table");
            goto fail;
        }
    }
    *out = t;
    return 0;
fail:
    json_decref(t);
    return rc;
}

/* A value; `depth` is its depth should it be an array or a table. */
static int value(parser *ps, unsigned depth, json_t **out)
{
    int rc;
    char c;

    if (at_end(ps))
        return fail(ps, ps->p, ST_EINVALID, "expected a value");
    c = *ps->p;
    switch (c) {
    case '"':
    case '\'':
        st_buf_reset(&ps->sbuf);
        if ((rc = string(ps, &ps->sbuf, true)) < 0)
            return rc;
        return set_out(ps, json_stringn(ps->sbuf.ptr, ps->sbuf.len), out);
    case '[':
        return array(ps, depth, out);
    case '{':
        return inline_table(ps, depth, out);
    case 't':
        if (!looking_at(ps, "true"))
            break;
        ps->p += 4;
        return set_out(ps, json_true(), out);
    case 'f':
        if (!looking_at(ps, "false"))
            break;
        ps->p += 5;
        return set_out(ps, json_false(), out);
    default:
        break;
    }
    if ((c >= '0' && c <= '9') &&
        ((ps->end - ps->p >= 5 && is_digit(ps->p[1]) && is_digit(ps->p[2]) &&
          is_digit(ps->p[3]) && ps->p[4] == '-') ||
         (ps->end - ps->p >= 3 && is_digit(ps->p[1]) && ps->p[2] == ':')))
        return datetime(ps, out);
    if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
        return number(ps, out);
    return fail(ps, ps->p, ST_EINVALID, "expected a value");
}

/* key = value, into `table` (at `depth`). */
static int keyval(parser *ps, json_t *table, unsigned depth, bool in_inline)
{
    keypath k;
    json_t *t = table, *v = NULL;
    const char *part;
    size_t plen;
    int rc;

    memset(&k, 0, sizeof(k));
    st_buf_init(&k.buf, ST_TOML_MAX_BYTES);
    if ((rc = key(ps, &k)) < 0)
        goto done;
    if (!eat(ps, '=')) {
        rc = fail(ps, ps->p, ST_EINVALID, "expected '=' after a key");
        goto done;
    }
    skip_ws(ps);
    for (size_t i = 0; i + 1 < k.n; i++) {
        json_t *child;
        part = kpart(&k, i, &plen);
        child = json_object_getn(t, part, plen);
        if (!child) {
            rc = new_table(ps, k.at, t, part, plen,
                           T_DOTTED | (in_inline ? T_INLINE : 0u), depth + 1,
                           &child);
            if (rc < 0)
                goto done;
        } else {
            unsigned f = meta_get(ps, child) & META_FLAGS;
            if (!json_is_object(child) ||
                !((f & T_DOTTED) || ((f & T_IMPLICIT) && !(f & T_INLINE)))) {
                rc = fail(ps, k.at, ST_EINVALID,
                          "key '%.*s' is already defined and cannot be "
                          "extended with a dotted key",
                          (int)plen, part);
                goto done;
            }
        }
        t = child;
        depth++;
    }
    part = kpart(&k, k.n - 1, &plen);
    if (json_object_getn(t, part, plen)) {
        rc = fail(ps, k.at, ST_EINVALID, "duplicate key '%.*s'", (int)plen,
                  part);
        goto done;
    }
    if ((rc = value(ps, depth + 1, &v)) < 0)
        goto done;
    if (json_object_setn_new(t, part, plen, v) < 0)
        rc = nomem(ps);
done:
    st_buf_release(&k.buf);
    return rc;
}

/* [a.b.c] or [[a.b.c]]: makes *cur the table the lines below fill. */
static int header(parser *ps, json_t *root, json_t **cur, unsigned *curdepth)
{
    keypath k;
    bool aot;
    json_t *t = root, *child;
    const char *part;
    size_t plen;
    unsigned depth = 0, f;
    int rc;

    memset(&k, 0, sizeof(k));
    st_buf_init(&k.buf, ST_TOML_MAX_BYTES);
    ps->p++;
    aot = eat(ps, '[');
    if ((rc = key(ps, &k)) < 0)
        goto done;
    if (!eat(ps, ']') || (aot && !eat(ps, ']'))) {
        rc = fail(ps, ps->p, ST_EINVALID, "expected '%s' to close a header",
                  aot ? "]]" : "]");
        goto done;
    }
    for (size_t i = 0; i + 1 < k.n; i++) {
        part = kpart(&k, i, &plen);
        child = json_object_getn(t, part, plen);
        if (!child) {
            if ((rc = new_table(ps, k.at, t, part, plen, T_IMPLICIT,
                                depth + 1, &child)) < 0)
                goto done;
        } else if (json_is_array(child) &&
                   (meta_get(ps, child) & T_AOT) && json_array_size(child)) {
            child = json_array_get(child, json_array_size(child) - 1);
        } else if (!json_is_object(child) ||
                   (meta_get(ps, child) & T_INLINE)) {
            rc = fail(ps, k.at, ST_EINVALID,
                      "key '%.*s' is already defined as a value", (int)plen,
                      part);
            goto done;
        }
        t = child;
        depth = META_DEPTH(meta_get(ps, t));
    }
    part = kpart(&k, k.n - 1, &plen);
    child = json_object_getn(t, part, plen);
    if (aot) {
        json_t *arr = child, *el;
        if (!arr) {
            if (depth + 1 > ST_TOML_MAX_DEPTH) {
                rc = fail(ps, k.at, ST_ELIMIT, "tables nested deeper than %d",
                          ST_TOML_MAX_DEPTH);
                goto done;
            }
            if (!(arr = json_array()) ||
                json_object_setn_new(t, part, plen, arr) < 0) {
                rc = nomem(ps);
                goto done;
            }
            if ((rc = meta_set(ps, arr, T_AOT, depth + 1)) < 0)
                goto done;
        } else if (!json_is_array(arr) || !(meta_get(ps, arr) & T_AOT)) {
            rc = fail(ps, k.at, ST_EINVALID,
                      "'%.*s' is already defined and is not an array of "
                      "tables",
                      (int)plen, part);
            goto done;
        }
        f = meta_get(ps, arr);
        if (META_DEPTH(f) + 1 > ST_TOML_MAX_DEPTH) {
            rc = fail(ps, k.at, ST_ELIMIT, "tables nested deeper than %d",
                      ST_TOML_MAX_DEPTH);
            goto done;
        }
        if (!(el = json_object()) || json_array_append_new(arr, el) < 0) {
            rc = nomem(ps);
            goto done;
        }
        if ((rc = meta_set(ps, el, T_DEFINED, META_DEPTH(f) + 1)) < 0)
            goto done;
        *cur = el;
        *curdepth = META_DEPTH(f) + 1;
    } else {
        if (!child) {
            if ((rc = new_table(ps, k.at, t, part, plen, T_DEFINED, depth + 1,
                                &child)) < 0)
                goto done;
        } else {
            f = meta_get(ps, child);
            if (!json_is_object(child) || (f & META_FLAGS) != T_IMPLICIT) {
                rc = fail(ps, k.at, ST_EINVALID,
                          "table '%.*s' is already defined", (int)plen, part);
                goto done;
            }
            if ((rc = meta_set(ps, child, T_DEFINED, META_DEPTH(f))) < 0)
                goto done;
        }
        *cur = child;
        *curdepth = META_DEPTH(meta_get(ps, child));
    }
done:
    st_buf_release(&k.buf);
    return rc;
}

int st_toml_parse(json_t **out, const char *data, size_t len,
                  const char *what, st_error **err)
{
    parser ps;
    json_t *root = NULL, *cur;
    unsigned curdepth = 0;
    size_t bad;
    int rc = 0;

    *out = NULL;
    memset(&ps, 0, sizeof(ps));
    ps.start = ps.p = data;
    ps.end = data + len;
    ps.what = what ? what : "toml";
    ps.err = err;
    st_buf_init(&ps.sbuf, ST_TOML_MAX_BYTES);
    if (len > ST_TOML_MAX_BYTES)
        return st_error_set(err, ST_ELIMIT, "toml",
                            "%s: larger than %u bytes", ps.what,
                            ST_TOML_MAX_BYTES);
    if (!utf8_valid((const unsigned char *)data, len, &bad))
        return fail(&ps, data + bad, ST_EINVALID, "invalid UTF-8");
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        ps.p += 3;
    if (!(ps.meta = st_map_new()) || !(root = json_object())) {
        rc = nomem(&ps);
        goto done;
    }
    cur = root;
    while (!at_end(&ps)) {
        skip_ws(&ps);
        if (!at_end(&ps) && *ps.p != '#' && *ps.p != '\n' && *ps.p != '\r') {
            if (*ps.p == '[')
                rc = header(&ps, root, &cur, &curdepth);
            else
                rc = keyval(&ps, cur, curdepth, false);
            if (rc < 0)
                goto done;
            skip_ws(&ps);
        }
        ST_CHECK(skip_comment(&ps));
        if (at_end(&ps))
            break;
        ST_CHECK(newline(&ps));
        if (rc == 0) {
            rc = fail(&ps, ps.p, ST_EINVALID, "expected the end of the line");
            goto done;
        }
        rc = 0;
    }
    *out = st_steal(&root);
done:
    json_decref(root);
    st_map_free(ps.meta);
    st_buf_release(&ps.sbuf);
    return rc < 0 ? rc : 0;
}
