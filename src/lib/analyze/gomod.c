/* gomod: the requirements of a Go module, read from its go.mod.
 *
 * The syntax is golang.org/x/mod/modfile's: lines of tokens (bare words,
 * "quoted" or `raw` strings), "//" comments, and factored blocks
 * ("require (" … ")"). Read: module, require (a "// indirect" comment
 * marks a transitive requirement, as modfile's isIndirect reads it) and
 * replace ("old [v] => new v" or "=> ./local/dir"; a replacement of one
 * version wins over one of every version). exclude, retract, toolchain,
 * godebug, tool and unknown directives are ignored, as is the go
 * directive: it is the language version the module needs, not the
 * toolchain that built anything, so no "stdlib" package comes from it.
 *
 * Packages: type golang, one per requirement, direct unless marked
 * indirect; a replaced requirement is listed under the replacement's path
 * and version, the original in source_name/source_version; one replaced
 * by a local directory keeps its path and has no version (its code is not
 * that module's). The module itself is not a package (it has no version).
 * go.mod files inside the module cache (…/pkg/mod/path@version/go.mod) are
 * downloaded dependencies, not a project: they are skipped. go.sum is not
 * needed: go.mod lists the whole build list since Go 1.17.
 */
#include <string.h>

#include "analyzer.h"
#include "util/banned.h"

#define NAME "gomod"
#define MAX_CONTENT (16u << 20)
#define MAX_ARGS 8

struct tok {
    const char *s;
    size_t n;
};

/* One line of tokens, with the first comment that follows them. */
struct line {
    struct tok t[MAX_ARGS];
    size_t nt;
    bool overflow; /* more than MAX_ARGS tokens */
    struct tok comment;
    size_t lineno;
};

struct req {
    struct tok path, ver;
    bool indirect;
};

struct rep {
    struct tok old, oldver, new, newver; /* oldver.n 0: every version */
};

struct gomod {
    st_scan_ctx *ctx;
    const st_entry *e;
    const char *p, *end;
    size_t lineno;
    struct req *reqs;
    size_t nreq, areq;
    struct rep *reps;
    size_t nrep, arep;
    size_t bad;
    size_t first_bad;
};

static bool wants(const st_entry *e)
{
    const char *m;
    if (e->type != ST_ENTRY_FILE ||
        (strcmp(e->path, "go.mod") != 0 && !st_str_endswith(e->path, "/go.mod")))
        return false;
    /* the module cache: pkg/mod/<path>@<version>/go.mod */
    m = strstr(e->path, "pkg/mod/");
    return !(m && (m == e->path || m[-1] == '/') && strchr(m, '@'));
}

static bool ident(char c)
{
    switch (c) {
    case ' ': case '\t': case '\r': case '\n': case '(': case ')':
    case '[': case ']': case '{': case '}': case ',': case '"': case '`':
        return false;
    default:
        return true;
    }
}

/* Reads the next line of tokens. False at the end of the input. */
static bool next_line(struct gomod *g, struct line *l)
{
    memset(l, 0, sizeof(*l));
    if (g->p >= g->end)
        return false;
    l->lineno = ++g->lineno;
    while (g->p < g->end) {
        const char *s = g->p;
        char c = *s;
        if (c == '\n') {
            g->p++;
            break;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            g->p++;
            continue;
        }
        if (c == '/' && s + 1 < g->end && s[1] == '/') {
            const char *nl = memchr(s, '\n', (size_t)(g->end - s));
            const char *e = nl ? nl : g->end;
            if (!l->comment.s) {
                l->comment.s = s + 2;
                l->comment.n = (size_t)(e - s - 2);
            }
            g->p = e;
            continue;
        }
        if (c == '"' || c == '`') {
            const char *q = s + 1;
            while (q < g->end && *q != c && *q != '\n') {
                if (c == '"' && *q == '\\' && q + 1 < g->end && q[1] != '\n')
                    q++;
                q++;
            }
            if (q >= g->end || *q != c) { /* unterminated: to the end */
                g->p = q;
                l->overflow = true;
                continue;
            }
            g->p = q + 1;
        } else if (!ident(c)) {
            g->p++; /* punctuation: one token */
        } else {
            const char *q = s;
            while (q < g->end && ident(*q) &&
                   !(*q == '/' && q + 1 < g->end && q[1] == '/'))
                q++;
            g->p = q;
        }
        if (l->nt == MAX_ARGS) {
            l->overflow = true;
            continue;
        }
        l->t[l->nt].s = s;
        l->t[l->nt++].n = (size_t)(g->p - s);
    }
    return true;
}

static bool is(const struct tok *t, const char *w)
{
    size_t n = strlen(w);
    return t->n == n && !memcmp(t->s, w, n);
}

static int hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* strconv.Unquote of a "double-quoted" token into out (when not NULL; it
 * needs t->n bytes). Returns the length, or -1 for a bad string. */
static long unquote(const struct tok *t, char *out)
{
    const char *s = t->s + 1, *e = t->s + t->n - 1;
    long n = 0;
    if (t->n < 2 || t->s[t->n - 1] != '"')
        return -1;
    while (s < e) {
        uint32_t c = (unsigned char)*s++;
        int digits = 0, base = 16;
        if (c == '"' || c == '\n')
            return -1;
        if (c == '\\') {
            if (s >= e)
                return -1;
            c = (unsigned char)*s++;
            switch (c) {
            case 'a': c = 7; break;
            case 'b': c = 8; break;
            case 'f': c = 12; break;
            case 'n': c = 10; break;
            case 'r': c = 13; break;
            case 't': c = 9; break;
            case 'v': c = 11; break;
            case '\\': case '"': break;
            case 'x': digits = 2; break;
            case 'u': digits = 4; break;
            case 'U': digits = 8; break;
            default:
                if (c < '0' || c > '7')
                    return -1;
                s--;
                digits = 3;
                base = 8;
                break;
            }
            if (digits) {
                uint64_t v = 0;
                if (e - s < digits)
                    return -1;
                for (int i = 0; i < digits; i++) {
                    int h = hex(*s++);
                    if (h < 0 || h >= base)
                        return -1;
                    v = v * (unsigned)base + (unsigned)h;
                }
                if (v > (base == 8 || digits == 2 ? 255u : 0x10ffffu) ||
                    (digits >= 4 && v >= 0xd800 && v < 0xe000))
                    return -1;
                c = (uint32_t)v;
                if (digits >= 4) { /* a code point, as UTF-8 */
                    char u[4];
                    int k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
                    if (k == 1)
                        u[0] = (char)c;
                    else {
                        for (int i = k - 1; i > 0; i--, c >>= 6)
                            u[i] = (char)(0x80 | (c & 0x3f));
                        u[0] = (char)((0xf00 >> k) | c);
                    }
                    if (out)
                        memcpy(out + n, u, (size_t)k);
                    n += k;
                    continue;
                }
            }
        }
        if (out)
            out[n] = (char)c;
        n++;
    }
    return n;
}

/* The token's text, unquoted, in the arena (usable() has accepted it).
 * NULL: out of memory. */
static char *text(struct gomod *g, const struct tok *t)
{
    st_arena *a = st_ctx_arena(g->ctx);
    char *out;
    long n;
    if (t->s[0] != '"')
        return st_arena_strndup(a, t->s, t->n);
    if (!(out = st_arena_alloc(a, t->n + 1)))
        return NULL;
    n = unquote(t, out);
    out[n < 0 ? 0 : n] = 0;
    return out;
}

/* A usable path or version token, as modfile's parseString takes it: a
 * "quoted" string, or a word without quotes; neither empty nor holding
 * spaces or control bytes once unquoted. */
static bool usable(const struct tok *t)
{
    char buf[512];
    const char *s = t->s;
    long n = (long)t->n;
    if (!t->n)
        return false;
    if (t->s[0] == '"') {
        if (t->n > sizeof(buf) || (n = unquote(t, buf)) <= 0)
            return false;
        s = buf;
    } else if (memchr(t->s, '`', t->n) || memchr(t->s, '\'', t->n) ||
               memchr(t->s, '"', t->n)) {
        return false;
    }
    for (long i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return false;
    return true;
}

static void bad_line(struct gomod *g, const struct line *l)
{
    if (!g->bad++)
        g->first_bad = l->lineno;
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* modfile's isIndirect: the comment's words are "indirect", or
 * "indirect;" and more. */
static bool indirect(const struct tok *c)
{
    const char *s = c->s, *e;
    bool semi;
    if (!s)
        return false; /* no comment */
    e = s + c->n;
    while (s < e && space(*s))
        s++;
    if ((size_t)(e - s) < 8 || memcmp(s, "indirect", 8) != 0)
        return false;
    s += 8;
    semi = s < e && *s == ';';
    if (semi)
        s++;
    if (s < e && !space(*s))
        return false; /* "indirectly", "indirect;x" */
    while (s < e && space(*s))
        s++;
    return semi ? s < e : s == e;
}

static bool directory(const char *s, size_t n)
{
    return (n >= 2 && !memcmp(s, "./", 2)) || (n >= 3 && !memcmp(s, "../", 3)) ||
           (n >= 1 && (s[0] == '/' || s[0] == '\\')) ||
           (n >= 2 && !memcmp(s, ".\\", 2)) ||
           (n >= 3 && !memcmp(s, "..\\", 3)) ||
           (n >= 2 && ((s[0] >= 'A' && s[0] <= 'Z') ||
                       (s[0] >= 'a' && s[0] <= 'z')) && s[1] == ':');
}

/* Arguments of one directive (the verb already removed). */
static int directive(struct gomod *g, const struct tok *verb,
                     const struct line *l, const struct tok *args, size_t n)
{
    if (is(verb, "require")) {
        struct req *r;
        if (n != 2 || l->overflow || !usable(&args[0]) || !usable(&args[1])) {
            bad_line(g, l);
            return 0;
        }
        if (g->nreq == g->areq) {
            size_t na = g->areq ? g->areq * 2 : 32;
            void *nr = st_realloc(g->reqs, na * sizeof(*g->reqs));
            if (!nr)
                return ST_ENOMEM;
            g->reqs = nr;
            g->areq = na;
        }
        r = &g->reqs[g->nreq++];
        r->path = args[0];
        r->ver = args[1];
        r->indirect = indirect(&l->comment);
    } else if (is(verb, "replace")) {
        struct rep *r;
        size_t arrow = n >= 2 && is(&args[1], "=>") ? 1 : 2;
        if (l->overflow || n < arrow + 2 || n > arrow + 3 ||
            !is(&args[arrow], "=>") || !usable(&args[0]) ||
            !usable(&args[arrow + 1]) ||
            (n == arrow + 3 && !usable(&args[arrow + 2])) ||
            (arrow == 2 && !usable(&args[1]))) {
            bad_line(g, l);
            return 0;
        }
        if (g->nrep == g->arep) {
            size_t na = g->arep ? g->arep * 2 : 8;
            void *nr = st_realloc(g->reps, na * sizeof(*g->reps));
            if (!nr)
                return ST_ENOMEM;
            g->reps = nr;
            g->arep = na;
        }
        r = &g->reps[g->nrep++];
        memset(r, 0, sizeof(*r));
        r->old = args[0];
        if (arrow == 2)
            r->oldver = args[1];
        r->new = args[arrow + 1];
        if (n == arrow + 3)
            r->newver = args[arrow + 2];
    }
    /* module, go, toolchain, exclude, retract, godebug, tool, …: nothing
     * to list */
    return 0;
}

static bool same(const struct tok *a, const struct tok *b)
{
    return a->n == b->n && !memcmp(a->s, b->s, a->n);
}

static int emit(struct gomod *g, const char *found_in)
{
    for (size_t i = 0; i < g->nreq; i++) {
        const struct req *r = &g->reqs[i];
        const struct rep *rp = NULL;
        st_package *p;
        /* the last matching replace; one of this version wins */
        for (size_t k = 0; k < g->nrep; k++) {
            const struct rep *c = &g->reps[k];
            if (!same(&c->old, &r->path))
                continue;
            if (c->oldver.n && !same(&c->oldver, &r->ver))
                continue;
            if (!rp || c->oldver.n || !rp->oldver.n)
                rp = c;
        }
        if (!(p = st_ctx_add_package(g->ctx)))
            return ST_ENOMEM;
        p->type = "golang";
        p->found_in = found_in;
        p->direct = r->indirect ? 0 : 1;
        st_ctx_package_layer(g->ctx, p, g->e->layer);
        if (rp && rp->newver.n && !directory(rp->new.s, rp->new.n)) {
            p->name = text(g, &rp->new);
            p->version = text(g, &rp->newver);
        } else {
            p->name = text(g, &r->path);
            p->version = rp ? NULL : text(g, &r->ver);
        }
        if (!p->name || (!rp && !p->version) ||
            (rp && rp->newver.n && !p->version))
            return ST_ENOMEM;
        if (rp) {
            p->source_name = text(g, &r->path);
            p->source_version = text(g, &r->ver);
            if (!p->source_name || !p->source_version)
                return ST_ENOMEM;
        }
    }
    return 0;
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct gomod g;
    struct line l;
    struct tok block = {NULL, 0};
    size_t block_line = 0;
    const char *found_in;
    int rc = 0;

    (void)state;
    if (!len)
        return 0;
    memset(&g, 0, sizeof(g));
    g.ctx = ctx;
    g.e = e;
    g.p = data;
    g.end = data + len;
    while (next_line(&g, &l)) {
        if (!l.nt)
            continue;
        if (block.s) {
            if (l.nt == 1 && is(&l.t[0], ")")) {
                block.s = NULL;
                continue;
            }
            rc = directive(&g, &block, &l, l.t, l.nt);
        } else if (l.nt == 2 && is(&l.t[1], "(")) {
            block = l.t[0];
            block_line = l.lineno;
        } else if (is(&l.t[0], "(") || is(&l.t[0], ")")) {
            bad_line(&g, &l);
        } else {
            rc = directive(&g, &l.t[0], &l, l.t + 1, l.nt - 1);
        }
        if (rc < 0)
            goto done;
    }
    if (block.s)
        st_ctx_diag(ctx, ST_DIAG_WARNING, NAME, e->path, e->layer,
                    "the block opened at line %zu is never closed",
                    block_line);
    if (g.bad)
        st_ctx_diag(ctx, ST_DIAG_WARNING, NAME, e->path, e->layer,
                    "%zu malformed lines skipped (the first at line %zu)",
                    g.bad, g.first_bad);
    if (!(found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", e->path))) {
        rc = ST_ENOMEM;
        goto done;
    }
    rc = emit(&g, found_in);
done:
    st_free(g.reqs);
    st_free(g.reps);
    return rc;
}

const st_analyzer_ops st_analyzer_gomod = {
    .name = NAME,
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = MAX_CONTENT,
    .wants = wants,
    .file = file,
};
