/* npm: a fast path for package-lock.json v2/v3.
 *
 * A lockfile of 10,000 packages is 4-5 MB of JSON; building a jansson tree
 * of it costs several times what the scan of an image should spend on it.
 * This scanner reads the document once, keeps only the fields the analyzer
 * uses ("packages" → version, name, license, dev, link, and the dependency
 * names of the root and workspace entries) and skips the rest without
 * materialising it. It validates the JSON syntax as it goes; anything it
 * does not accept (a syntax error, a key of "packages" or of an entry seen
 * twice, a string holding \u0000, no "packages" object) makes it return ST_ENOTFOUND
 * without emitting anything, and npm.c falls back to jansson, which emits
 * the same packages or the diagnostic. */
#include <string.h>

#include "npm.h"
#include "util/banned.h"

#define MAX_DEPTH 512

struct js {
    const char *p, *end;
    st_arena *a;
    int depth;
};

typedef struct slice {
    const char *s;
    size_t n;
} slice;

struct name {
    slice n;
    struct name *next;
};

struct ent {
    slice key, name, version, license;
    bool obj, dev, link;
    struct name *deps; /* root and workspace entries: declared names */
};

static void ws(struct js *j)
{
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static bool lit(struct js *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
        return false;
    j->p += n;
    return true;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Decodes the escapes of a string body into the arena (out NULL: only
 * checks what jansson would reject: lone surrogates, \u0000). */
#define PUT(c)                                                              \
    do {                                                                    \
        char c_ = (char)(c); /* evaluated once, written or not */           \
        if (o)                                                              \
            o[w] = c_;                                                      \
        w++;                                                                \
    } while (0)
static bool unescape(struct js *j, const char *s, size_t n, slice *out)
{
    char *o = out ? st_arena_alloc(j->a, n + 1) : NULL;
    size_t w = 0;
    const char *e = s + n;
    if (out && !o)
        return false;
    while (s < e) {
        unsigned cp;
        if (*s != '\\') {
            PUT(*s++);
            continue;
        }
        s++;
        switch (*s++) {
        case '"': PUT('"'); continue;
        case '\\': PUT('\\'); continue;
        case '/': PUT('/'); continue;
        case 'b': PUT('\b'); continue;
        case 'f': PUT('\f'); continue;
        case 'n': PUT('\n'); continue;
        case 'r': PUT('\r'); continue;
        case 't': PUT('\t'); continue;
        default: break; /* 'u', checked by str() */
        }
        cp = (unsigned)hex4(s);
        s += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {
            int lo;
            /* jansson: a high surrogate needs its low one */
            if (e - s < 6 || s[0] != '\\' || s[1] != 'u' ||
                (lo = hex4(s + 2)) < 0xdc00 || lo > 0xdfff)
                return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
            s += 6;
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            return false;
        }
        if (cp == 0)
            return false; /* jansson rejects NUL in strings */
        if (cp < 0x80) {
            PUT(cp);
        } else if (cp < 0x800) {
            PUT(0xc0 | cp >> 6);
            PUT(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            PUT(0xe0 | cp >> 12);
            PUT(0x80 | ((cp >> 6) & 0x3f));
            PUT(0x80 | (cp & 0x3f));
        } else {
            PUT(0xf0 | cp >> 18);
            PUT(0x80 | ((cp >> 12) & 0x3f));
            PUT(0x80 | ((cp >> 6) & 0x3f));
            PUT(0x80 | (cp & 0x3f));
        }
    }
    if (out) {
        out->s = o;
        out->n = w;
    }
    return true;
}
#undef PUT

/* A string; *out gets its decoded text when out is not NULL. */
static bool str(struct js *j, slice *out)
{
    const char *s;
    bool esc = false, hi = false;
    if (j->p >= j->end || *j->p != '"')
        return false;
    s = ++j->p;
    for (;;) {
        const char *q = j->p;
        /* the common case: a run of plain bytes */
        while (q < j->end && *q != '"' && *q != '\\' &&
               (unsigned char)*q >= 0x20) {
            hi |= (unsigned char)*q >= 0x80;
            q++;
        }
        j->p = q;
        if (q >= j->end || (unsigned char)*q < 0x20)
            return false;
        if (*q == '"')
            break;
        /* an escape */
        esc = true;
        if (j->end - q < 2)
            return false;
        if (q[1] == 'u') {
            if (j->end - q < 6 || hex4(q + 2) < 0)
                return false;
            j->p = q + 6;
        } else if (strchr("\"\\/bfnrt", q[1]) && q[1]) {
            j->p = q + 2;
        } else {
            return false;
        }
    }
    if (hi && st_utf8_check(s, (size_t)(j->p - s)) != (size_t)(j->p - s))
        return false;
    j->p++; /* the closing quote */
    if (esc)
        return unescape(j, s, (size_t)(j->p - 1 - s), out);
    if (out) {
        out->s = s;
        out->n = (size_t)(j->p - 1 - s);
    }
    return true;
}

static bool number(struct js *j)
{
    const char *p = j->p;
    if (p < j->end && *p == '-')
        p++;
    if (p >= j->end || *p < '0' || *p > '9')
        return false;
    if (*p == '0')
        p++;
    else
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    if (p < j->end && *p == '.') {
        if (++p >= j->end || *p < '0' || *p > '9')
            return false;
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return false;
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    j->p = p;
    return true;
}

static bool value(struct js *j);

/* Iterates an object: call with *first = true; returns false on a syntax
 * error, and sets *done at its end; else *key is the next key and the
 * cursor is at its value. */
static bool member(struct js *j, bool *first, bool *done, slice *key)
{
    ws(j);
    if (*first) {
        if (j->p >= j->end || *j->p != '{')
            return false;
        j->p++;
        ws(j);
        *first = false;
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            *done = true;
            return true;
        }
    } else {
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            *done = true;
            return true;
        }
        if (j->p >= j->end || *j->p != ',')
            return false;
        j->p++;
        ws(j);
    }
    if (!str(j, key))
        return false;
    ws(j);
    if (j->p >= j->end || *j->p != ':')
        return false;
    j->p++;
    ws(j);
    *done = false;
    return true;
}

static bool object(struct js *j)
{
    bool first = true, done = false;
    slice k;
    if (++j->depth > MAX_DEPTH)
        return false;
    while (member(j, &first, &done, &k) && !done)
        if (!value(j))
            return false;
    j->depth--;
    return done;
}

static bool array(struct js *j)
{
    if (++j->depth > MAX_DEPTH)
        return false;
    j->p++; /* '[' */
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        j->depth--;
        return true;
    }
    for (;;) {
        if (!value(j))
            return false;
        ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            j->depth--;
            return true;
        }
        if (j->p >= j->end || *j->p != ',')
            return false;
        j->p++;
    }
}

static bool value(struct js *j)
{
    ws(j);
    if (j->p >= j->end)
        return false;
    switch (*j->p) {
    case '"': return str(j, NULL);
    case '{': return object(j);
    case '[': return array(j);
    case 't': return lit(j, "true");
    case 'f': return lit(j, "false");
    case 'n': return lit(j, "null");
    default: return number(j);
    }
}

static bool has_nm(slice k)
{
    static const char nm[] = "node_modules/";
    for (size_t i = 0; i + 13 <= k.n; i++)
        if (!memcmp(k.s + i, nm, 13) && (i == 0 || k.s[i - 1] == '/'))
            return true;
    return false;
}

static bool is(slice k, const char *w)
{
    return k.n == strlen(w) && !memcmp(k.s, w, k.n);
}

/* A string value when the value is one (else skipped; *out untouched). */
static bool str_or_skip(struct js *j, slice *out)
{
    ws(j);
    if (j->p < j->end && *j->p == '"')
        return str(j, out);
    *out = (slice){NULL, 0};
    return value(j);
}

/* true → *b = 1; any other value → 0. */
static bool bool_or_skip(struct js *j, bool *b)
{
    ws(j);
    *b = lit(j, "true");
    return *b || value(j);
}

static bool dep_names(struct js *j, struct ent *e)
{
    bool first = true, done = false;
    slice k;
    ws(j);
    if (j->p >= j->end || *j->p != '{')
        return value(j);
    while (member(j, &first, &done, &k) && !done) {
        struct name *n = st_arena_alloc(j->a, sizeof(*n));
        if (!n || !value(j))
            return false;
        n->n = k;
        n->next = e->deps;
        e->deps = n;
    }
    return done;
}

/* An entry's fields. A field seen twice makes it decline (false): JSON.parse
 * and jansson keep the last one, and the tree path does that. */
static bool entry(struct js *j, struct ent *e)
{
    static const char *const fields[] = {
        "version",         "name",
        "license",         "dev",
        "link",            "dependencies",
        "devDependencies", "optionalDependencies",
        "peerDependencies"};
    bool first = true, done = false, project = !has_nm(e->key);
    unsigned seen = 0;
    slice k;
    ws(j);
    if (j->p >= j->end || *j->p != '{')
        return value(j); /* not an object: ignored, as in npm.c */
    e->obj = true;
    while (member(j, &first, &done, &k) && !done) {
        size_t f = 0;
        bool ok;
        while (f < sizeof(fields) / sizeof(*fields) && !is(k, fields[f]))
            f++;
        if (f < sizeof(fields) / sizeof(*fields)) {
            if (seen & (1u << f))
                return false;
            seen |= 1u << f;
        }
        switch (f) {
        case 0: ok = str_or_skip(j, &e->version); break;
        case 1: ok = str_or_skip(j, &e->name); break;
        case 2: ok = str_or_skip(j, &e->license); break;
        case 3: ok = bool_or_skip(j, &e->dev); break;
        case 4: ok = bool_or_skip(j, &e->link); break;
        case 5:
        case 6:
        case 7:
        case 8: ok = project ? dep_names(j, e) : value(j); break;
        default: ok = value(j); break;
        }
        if (!ok)
            return false;
    }
    return done;
}

static int mark(st_map *keys, st_map *direct, st_buf *b, const struct ent *proj)
{
    int rc;
    for (const struct name *n = proj->deps; n; n = n->next) {
        size_t dlen = proj->key.n;
        for (;;) {
            st_buf_reset(b);
            if ((dlen && ((rc = st_buf_put(b, proj->key.s, dlen)) < 0 ||
                          (rc = st_buf_putc(b, '/')) < 0)) ||
                (rc = st_buf_puts(b, "node_modules/")) < 0 ||
                (rc = st_buf_put(b, n->n.s, n->n.n)) < 0)
                return rc;
            if (st_map_get(keys, b->ptr, b->len)) {
                void **slot;
                bool created;
                if ((rc = st_map_slot(direct, b->ptr, b->len, &slot,
                                      &created)) < 0)
                    return rc;
                *slot = (void *)1;
                break;
            }
            if (!dlen)
                break;
            while (dlen && proj->key.s[dlen - 1] != '/')
                dlen--;
            if (dlen)
                dlen--;
        }
    }
    return 0;
}

/* The name after the last "node_modules/" of a key. */
static slice key_name(slice k)
{
    slice r = {NULL, 0};
    for (size_t i = 0; i + 13 <= k.n; i++)
        if (!memcmp(k.s + i, "node_modules/", 13) &&
            (i == 0 || k.s[i - 1] == '/')) {
            r.s = k.s + i + 13;
            r.n = k.n - i - 13;
        }
    return r;
}

int st_npm__lock_fast(st_npm_file *f, const char *data, size_t len)
{
    struct js j = {data, data + len, NULL, 0};
    st_map *keys = NULL, *direct = NULL;
    st_vec ents = ST_VEC_INIT;
    st_buf b = ST_BUF_INIT(1u << 20);
    bool first = true, done = false, have = false;
    slice k;
    int rc = ST_ENOTFOUND;

    if (!(j.a = st_arena_new()) || !(keys = st_map_new()) ||
        !(direct = st_map_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    j.depth = 1;
    while (member(&j, &first, &done, &k) && !done) {
        bool pfirst = true, pdone = false;
        slice pk;
        if (!is(k, "packages")) {
            if (!value(&j))
                goto done;
            continue;
        }
        if (have)
            goto done; /* twice: the tree path keeps the last */
        ws(&j);
        if (j.p >= j.end || *j.p != '{')
            goto done; /* jansson decides what this is */
        have = true;
        while (member(&j, &pfirst, &pdone, &pk) && !pdone) {
            struct ent *e = st_arena_alloc(j.a, sizeof(*e));
            void **slot;
            bool created;
            if (!e) {
                rc = ST_ENOMEM;
                goto done;
            }
            e->key = pk;
            if (!entry(&j, e))
                goto done;
            if ((rc = st_map_slot(keys, pk.s, pk.n, &slot, &created)) < 0)
                goto done;
            rc = ST_ENOTFOUND;
            if (!created)
                goto done; /* a duplicate: jansson's error message */
            *slot = e;
            if ((rc = st_vec_push(&ents, e)) < 0)
                goto done;
            rc = ST_ENOTFOUND;
        }
        if (!pdone)
            goto done;
    }
    ws(&j);
    if (!done || !have || j.p != j.end)
        goto done;

    for (size_t i = 0; i < ents.len; i++) {
        const struct ent *e = ents.items[i];
        if (e->obj && !has_nm(e->key) && (rc = mark(keys, direct, &b, e)) < 0)
            goto done;
    }
    for (size_t i = 0; i < ents.len; i++) {
        const struct ent *e = ents.items[i];
        slice name = e->name.s ? e->name : key_name(e->key);
        if (!e->key.n || !has_nm(e->key) || !e->obj || e->link)
            continue;
        if ((rc = st_npm__emit(f, name.s, name.n, e->version.s, e->version.n,
                               st_map_get(direct, e->key.s, e->key.n) ? 1 : 0,
                               e->dev, e->license.s, e->license.n)) < 0)
            goto done;
    }
    rc = 0;
done:
    st_vec_release(&ents);
    st_buf_release(&b);
    st_map_free(direct);
    st_map_free(keys);
    st_arena_free(j.a);
    return rc;
}
