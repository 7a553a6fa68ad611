/* ruby: Bundler's Gemfile.lock (and gems.locked) and the gemspecs RubyGems
 * writes into a "specifications" directory when it installs a gem.
 *
 * A Gemfile.lock is read the way Bundler's LockfileParser reads it: a line
 * at column 0 opens a section; in a source section (GEM, GIT, PATH, PLUGIN
 * SOURCE) "  specs:" is followed by "    name (version[-platform])" gems
 * (4 spaces) and their "      dependency (requirement)" lines (6 spaces);
 * DEPENDENCIES lists the Gemfile's own gems, "name (req)" or "name!" when
 * pinned to a non-registry source. Only GEM gems come from a registry: GIT
 * and PATH gems carry a version of their own tree, so they are counted in
 * an info diagnostic, not listed. As in Bundler, the version ends at the
 * first '-' and the rest is the platform: "1.13.10-x86_64-linux".
 *
 * An installed gemspec is Ruby, never evaluated: Gem::Specification#to_ruby
 * writes `s.name = "rack".freeze`, `s.version = "2.2.3"` and `s.licenses =
 * ["MIT".freeze]`, and only such literal forms ('', "", %q{}, arrays,
 * Gem::Version.new("…")) are read; the "# stub: name version platform"
 * line that RubyGems also writes fills what the assignments lack. */
#include <string.h>

#include "analyzer.h"
#include "util/banned.h"

#define MAX_LITERAL 4096

struct ruby {
    st_map *direct; /* DEPENDENCIES names of the lockfile being read */
    st_map *seen;   /* "name\0version" -> st_package *, same file */
};

/* ---- helpers ------------------------------------------------------------ */

static bool is_base(const st_entry *e, const char *name)
{
    size_t n = strlen(name);
    if (e->path_len < n || memcmp(e->path + e->path_len - n, name, n))
        return false;
    return e->path_len == n || e->path[e->path_len - n - 1] == '/';
}

/* "…specifications/x.gemspec" or "…specifications/default/x.gemspec". */
static bool is_gemspec(const st_entry *e)
{
    static const char ext[] = ".gemspec", dir[] = "specifications/";
    const char *p = e->path, *slash;
    size_t n = e->path_len, d;
    if (n <= sizeof(ext) - 1 ||
        memcmp(p + n - (sizeof(ext) - 1), ext, sizeof(ext) - 1))
        return false;
    slash = memrchr(p, '/', n);
    if (!slash || slash == p + n - sizeof(ext)) /* "dir/.gemspec" */
        return false;
    d = (size_t)(slash + 1 - p); /* length of the directory with its '/' */
    if (d >= 8 && !memcmp(p + d - 8, "default/", 8))
        d -= 8;
    if (d < sizeof(dir) - 1 ||
        memcmp(p + d - (sizeof(dir) - 1), dir, sizeof(dir) - 1))
        return false;
    return d == sizeof(dir) - 1 || p[d - sizeof(dir)] == '/';
}

static bool wants(const st_entry *e)
{
    if (e->type != ST_ENTRY_FILE)
        return false;
    return is_base(e, "Gemfile.lock") || is_base(e, "gems.locked") ||
           is_gemspec(e);
}

static int begin(void **state, st_scan_ctx *ctx)
{
    struct ruby *d = st_calloc(1, sizeof(*d));
    (void)ctx;
    if (!d)
        return ST_ENOMEM;
    *state = d;
    return 0;
}

static void release(void *state)
{
    struct ruby *d = state;
    if (!d)
        return;
    st_map_free(d->direct);
    st_map_free(d->seen);
    st_free(d);
}

/* A name or version: printable, no space, no quote or bracket. */
static bool token_ok(const char *s, size_t n)
{
    if (!n || n > 256)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '(' ||
            c == ')' || c == ',' || c == '[' || c == ']' || c == '{' ||
            c == '}')
            return false;
    }
    return true;
}

/* Adds a gem unless the same name and version came from this file already
 * (one gem per platform in a lockfile); direct is the highest seen. */
static int add_gem(st_package **out,
                   struct ruby *d,
                   st_scan_ctx *ctx,
                   const st_entry *e,
                   const char *name,
                   size_t nlen,
                   const char *ver,
                   size_t vlen,
                   const char *license,
                   int direct)
{
    st_arena *a = st_ctx_arena(ctx);
    char key[520];
    void **slot;
    bool created;
    st_package *p;

    memcpy(key, name, nlen);
    key[nlen] = 0;
    memcpy(key + nlen + 1, ver, vlen);
    if (st_map_slot(d->seen, key, nlen + 1 + vlen, &slot, &created) < 0)
        return ST_ENOMEM;
    *out = NULL;
    if (!created) {
        p = *slot;
        if (direct > p->direct)
            p->direct = direct;
        return 0;
    }
    if (!(p = st_ctx_add_package(ctx)))
        return ST_ENOMEM;
    *slot = *out = p;
    p->type = "gem";
    p->name = st_arena_strndup(a, name, nlen);
    p->version = st_arena_strndup(a, ver, vlen);
    p->found_in = st_arena_printf(a, "/%s", e->path);
    p->license = license;
    p->direct = direct;
    if (!p->name || !p->version || !p->found_in)
        return ST_ENOMEM;
    st_ctx_package_layer(ctx, p, e->layer);
    return 0;
}

static int reset_maps(struct ruby *d)
{
    st_map_free(d->direct);
    st_map_free(d->seen);
    d->direct = st_map_new();
    d->seen = st_map_new();
    return d->direct && d->seen ? 0 : ST_ENOMEM;
}

/* ---- Gemfile.lock ---------------------------------------------------------
 */

enum section { S_NONE, S_GEM, S_OTHER_SOURCE, S_DEPS, S_OTHER, S_UNKNOWN };

static enum section section_of(const char *l, size_t n)
{
#define IS(s) (n == sizeof(s) - 1 && !memcmp(l, s, n))
    if (IS("GEM"))
        return S_GEM;
    if (IS("GIT") || IS("PATH") || IS("PLUGIN SOURCE"))
        return S_OTHER_SOURCE;
    if (IS("DEPENDENCIES"))
        return S_DEPS;
    if (IS("PLATFORMS") || IS("RUBY VERSION") || IS("BUNDLED WITH") ||
        IS("CHECKSUMS"))
        return S_OTHER;
    return S_UNKNOWN;
#undef IS
}

/* "name (version[-platform])[!][ checksum]": the name and the version. */
static bool split_spec(const char *l,
                       size_t n,
                       const char **name,
                       size_t *nlen,
                       const char **ver,
                       size_t *vlen)
{
    const char *open = memchr(l, '(', n), *close, *dash;
    if (!open || open == l || open[-1] != ' ')
        return false;
    *name = l;
    *nlen = (size_t)(open - 1 - l);
    close = memchr(open, ')', n - (size_t)(open - l));
    if (!close)
        return false;
    *ver = open + 1;
    dash = memchr(*ver, '-', (size_t)(close - *ver));
    *vlen = (size_t)((dash ? dash : close) - *ver);
    return token_ok(*name, *nlen) && token_ok(*ver, *vlen);
}

/* A DEPENDENCIES line: "name", "name!", "name (req)", "name (req)!". */
static size_t dep_name(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && l[i] != ' ' && l[i] != '!' && l[i] != '(')
        i++;
    return token_ok(l, i) ? i : 0;
}

static int parse_lock(struct ruby *d,
                      st_scan_ctx *ctx,
                      const st_entry *e,
                      const char *data,
                      size_t len)
{
    enum section sec = S_NONE;
    bool in_specs = false, any_section = false;
    size_t pos = 0, lineno = 0, bad = 0, first_bad = 0, elsewhere = 0;
    st_vec gems = ST_VEC_INIT;
    int rc = 0;

    ST_CHECK(reset_maps(d));
    while (pos < len) {
        const char *l = data + pos, *nl = memchr(l, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - l) : len - pos, ind = 0;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n && l[n - 1] == '\r')
            n--;
        if (!n)
            continue;
        if (l[0] != ' ') {
            sec = section_of(l, n);
            any_section |= sec != S_UNKNOWN;
            in_specs = false;
            continue;
        }
        while (ind < n && l[ind] == ' ')
            ind++;
        l += ind;
        n -= ind;
        if (!n)
            continue;
        if (sec == S_GEM || sec == S_OTHER_SOURCE) {
            const char *name, *ver;
            size_t nlen, vlen;
            st_package *p;
            if (ind == 2) {
                in_specs = n == 6 && !memcmp(l, "specs:", 6);
                continue;
            }
            if (ind != 4 || !in_specs)
                continue; /* 6: a dependency of the gem above */
            if (!split_spec(l, n, &name, &nlen, &ver, &vlen)) {
                if (!bad++)
                    first_bad = lineno;
                continue;
            }
            if (sec != S_GEM) {
                elsewhere++;
                continue;
            }
            ST_CHECK(add_gem(&p, d, ctx, e, name, nlen, ver, vlen, NULL, 0));
            if (p && st_vec_push(&gems, p) < 0) {
                rc = ST_ENOMEM;
                goto done;
            }
        } else if (sec == S_DEPS && ind == 2) {
            size_t k = dep_name(l, n);
            void **slot;
            bool created;
            if (!k) {
                if (!bad++)
                    first_bad = lineno;
                continue;
            }
            ST_CHECK(st_map_slot(d->direct, l, k, &slot, &created));
            *slot = (void *)1;
        }
    }
    if (!any_section) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "ruby", e->path, e->layer,
                    "not a Gemfile.lock: no section");
        goto done;
    }
    /* DEPENDENCIES comes after the specs: direct is known only now. With
     * no such section (a hand-trimmed file) it stays unknown. */
    for (size_t i = 0; i < gems.len; i++) {
        st_package *p = gems.items[i];
        if (st_map_count(d->direct))
            p->direct = st_map_get(d->direct, p->name, strlen(p->name)) ? 1 : 0;
        else
            p->direct = -1;
    }
    if (bad)
        st_ctx_diag(ctx, ST_DIAG_WARNING, "ruby", e->path, e->layer,
                    "%zu malformed lines skipped (first at line %zu)", bad,
                    first_bad);
    if (elsewhere)
        st_ctx_diag(ctx, ST_DIAG_INFO, "ruby", e->path, e->layer,
                    "%zu gems from GIT or PATH sources not listed: their "
                    "versions are not registry versions",
                    elsewhere);
done:
    st_vec_release(&gems);
    return rc;
}

/* ---- gemspec literals -------------------------------------------------------
 */

struct cur {
    const char *p, *end;
};

static void skip_ws(struct cur *c, bool newlines)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
                             (newlines && (*c->p == '\n' || *c->p == '\r'))))
        c->p++;
}

static bool eat(struct cur *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
        return false;
    c->p += n;
    return true;
}

static void put_utf8(st_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = 0xfffd;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    st_buf_put(b, u, n);
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

/* One string literal into b (reset first): "…" (no interpolation), '…',
 * %q / %Q / % with any delimiter; then an optional ".freeze". A value that
 * is not such a literal is false: it would need Ruby to evaluate. */
static bool literal(struct cur *c, st_buf *b)
{
    char open, close;
    bool dq; /* double-quoted escapes */
    int depth = 0;

    st_buf_reset(b);
    if (c->p >= c->end)
        return false;
    if (*c->p == '"' || *c->p == '\'') {
        open = close = *c->p;
        dq = *c->p == '"';
        c->p++;
    } else if (*c->p == '%' && c->end - c->p >= 3 &&
               (c->p[1] == 'q' || c->p[1] == 'Q') && c->p[2] &&
               strchr("{[(<|!/", c->p[2])) {
        dq = c->p[1] == 'Q';
        open = c->p[2];
        c->p += 3;
        close = open == '{'   ? '}'
                : open == '[' ? ']'
                : open == '(' ? ')'
                : open == '<' ? '>'
                              : open;
    } else {
        return false;
    }
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '\\' && c->p < c->end) {
            char x = *c->p++;
            if (!dq) {
                /* single-quoted: only \\ and the delimiter are escapes */
                if (x != '\\' && x != close && x != open)
                    st_buf_putc(b, '\\');
                st_buf_putc(b, x);
            } else if (x == 'n') {
                st_buf_putc(b, '\n');
            } else if (x == 't') {
                st_buf_putc(b, '\t');
            } else if (x == 'u') {
                unsigned long cp = 0;
                int k = 0, hv;
                bool brace = c->p < c->end && *c->p == '{';
                if (brace)
                    c->p++;
                while (c->p < c->end && k < (brace ? 6 : 4) &&
                       (hv = hexval(*c->p)) >= 0) {
                    cp = cp * 16 + (unsigned long)hv;
                    c->p++;
                    k++;
                }
                if (brace && !eat(c, "}"))
                    return false;
                if (!k)
                    return false;
                put_utf8(b, cp);
            } else {
                st_buf_putc(b, x);
            }
        } else if (ch == close && depth == 0) {
            break;
        } else if (dq && ch == '#' && c->p < c->end &&
                   (*c->p == '{' || *c->p == '@' || *c->p == '$')) {
            return false; /* interpolation */
        } else {
            if (open != close && ch == open)
                depth++;
            else if (open != close && ch == close)
                depth--;
            st_buf_putc(b, ch);
        }
        if (b->len > MAX_LITERAL)
            return false;
        if (c->p >= c->end)
            return false; /* unterminated */
    }
    eat(c, ".freeze");
    return true;
}

/* The literal of `Gem::Version.new("1.0")` or of a plain literal. */
static bool version_literal(struct cur *c, st_buf *b)
{
    if (eat(c, "Gem::Version.new(")) {
        skip_ws(c, false);
        if (!literal(c, b))
            return false;
        skip_ws(c, false);
        return eat(c, ")");
    }
    return literal(c, b);
}

/* A license list: ["MIT".freeze, "Ruby"] (may span lines), %w[MIT Ruby],
 * or one literal. Joined with ", " into out. */
static bool license_list(struct cur *c, st_buf *b, st_buf *out)
{
    st_buf_reset(out);
    if (eat(c, "%w[") || eat(c, "%w(")) {
        char close = c->p[-1] == '[' ? ']' : ')';
        const char *s = c->p;
        while (c->p < c->end && *c->p != close)
            c->p++;
        if (c->p >= c->end || (size_t)(c->p - s) > MAX_LITERAL)
            return false;
        for (const char *q = s; q < c->p;) {
            const char *w;
            while (q < c->p && strchr(" \t\r\n", *q))
                q++;
            w = q;
            while (q < c->p && !strchr(" \t\r\n", *q))
                q++;
            if (q > w && ((out->len && st_buf_puts(out, ", ") < 0) ||
                          st_buf_put(out, w, (size_t)(q - w)) < 0))
                return false;
        }
        return true;
    }
    if (!eat(c, "["))
        return literal(c, b) && st_buf_put(out, b->ptr, b->len) == 0;
    for (;;) {
        skip_ws(c, true);
        if (eat(c, "]"))
            return true;
        if (!literal(c, b))
            return false;
        if (b->len && ((out->len && st_buf_puts(out, ", ") < 0) ||
                       st_buf_put(out, b->ptr, b->len) < 0))
            return false;
        skip_ws(c, true);
        if (eat(c, "]"))
            return true;
        if (!eat(c, ","))
            return false;
    }
}

static bool ident(struct cur *c, const char **s, size_t *n)
{
    *s = c->p;
    while (c->p < c->end &&
           ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z') ||
            (*c->p >= '0' && *c->p <= '9') || *c->p == '_'))
        c->p++;
    *n = (size_t)(c->p - *s);
    return *n > 0;
}

static void stub_line(const char *l, size_t n, st_buf *name, st_buf *ver)
{
    /* "# stub: rack 2.2.22 ruby lib": name, version, platform, paths */
    const char *w[2];
    size_t wl[2], k = 0, i = 0;
    while (k < 2 && i < n) {
        while (i < n && l[i] == ' ')
            i++;
        w[k] = l + i;
        while (i < n && l[i] != ' ')
            i++;
        wl[k] = (size_t)(l + i - w[k]);
        if (wl[k])
            k++;
    }
    if (k == 2 && !name->len && !ver->len) {
        st_buf_put(name, w[0], wl[0]);
        st_buf_put(ver, w[1], wl[1]);
    }
}

static int parse_gemspec(struct ruby *d,
                         st_scan_ctx *ctx,
                         const st_entry *e,
                         const char *data,
                         size_t len)
{
    st_buf lit = ST_BUF_INIT(MAX_LITERAL * 2),
           name = ST_BUF_INIT(MAX_LITERAL * 2),
           ver = ST_BUF_INIT(MAX_LITERAL * 2),
           lic = ST_BUF_INIT(MAX_LITERAL * 4),
           sname = ST_BUF_INIT(MAX_LITERAL * 2),
           sver = ST_BUF_INIT(MAX_LITERAL * 2);
    struct cur c = {data, data + len};
    bool have_name = false, have_ver = false, have_lic = false;
    const char *license = NULL;
    int rc = 0;

    ST_CHECK(reset_maps(d));
    while (c.p < c.end) {
        const char *nl = memchr(c.p, '\n', (size_t)(c.end - c.p));
        const char *eol = nl ? nl : c.end, *next = nl ? nl + 1 : c.end;
        const char *attr, *id;
        size_t idn, attrn;
        struct cur lc;

        skip_ws(&c, false);
        if (eat(&c, "# stub: ")) {
            if (c.p < eol)
                stub_line(c.p, (size_t)(eol - c.p), &sname, &sver);
            c.p = next;
            continue;
        }
        if (!ident(&c, &id, &idn) || !eat(&c, ".") ||
            !ident(&c, &attr, &attrn) || c.p > eol) {
            c.p = next;
            continue;
        }
        skip_ws(&c, false);
        if (!eat(&c, "=") || (c.p < c.end && (*c.p == '=' || *c.p == '~'))) {
            c.p = next;
            continue;
        }
        skip_ws(&c, false);
        lc = c;
        if (attrn == 4 && !memcmp(attr, "name", 4) && !have_name) {
            if ((have_name = literal(&lc, &lit)))
                ST_CHECK(st_buf_put(&name, lit.ptr, lit.len));
        } else if (attrn == 7 && !memcmp(attr, "version", 7) && !have_ver) {
            if ((have_ver = version_literal(&lc, &lit)))
                ST_CHECK(st_buf_put(&ver, lit.ptr, lit.len));
        } else if (((attrn == 8 && !memcmp(attr, "licenses", 8)) ||
                    (attrn == 7 && !memcmp(attr, "license", 7))) &&
                   !have_lic) {
            have_lic = license_list(&lc, &lit, &lic);
        }
        /* a value may span lines: go on after the line where it ended */
        if (nl && lc.p > nl) {
            nl = memchr(lc.p, '\n', (size_t)(c.end - lc.p));
            next = nl ? nl + 1 : c.end;
        }
        c.p = next;
    }
    if (!have_name && sname.len) {
        st_buf_put(&name, sname.ptr, sname.len);
        have_name = true;
    }
    if (!have_ver && sver.len) {
        st_buf_put(&ver, sver.ptr, sver.len);
        have_ver = true;
    }
    if (!have_name || !have_ver || !token_ok(name.ptr, name.len) ||
        !token_ok(ver.ptr, ver.len)) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "ruby", e->path, e->layer,
                    "gemspec without a literal name and version: skipped");
        goto done;
    }
    if (have_lic && lic.len &&
        !(license = st_arena_strndup(st_ctx_arena(ctx), lic.ptr, lic.len))) {
        rc = ST_ENOMEM;
        goto done;
    }
    {
        st_package *p;
        rc = add_gem(&p, d, ctx, e, name.ptr, name.len, ver.ptr, ver.len,
                     license, -1);
    }
done:
    st_buf_release(&lit);
    st_buf_release(&name);
    st_buf_release(&ver);
    st_buf_release(&lic);
    st_buf_release(&sname);
    st_buf_release(&sver);
    return rc;
}

static int file(void *state,
                st_scan_ctx *ctx,
                const st_entry *e,
                const char *data,
                size_t len)
{
    struct ruby *d = state;
    int rc = is_gemspec(e) ? parse_gemspec(d, ctx, e, data, len)
                           : parse_lock(d, ctx, e, data, len);
    /* only running out of memory stops the scan */
    if (rc < 0 && rc != ST_ENOMEM) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "ruby", e->path, e->layer,
                    "unreadable: %s", st_strerror(rc));
        rc = 0;
    }
    return rc;
}

const st_analyzer_ops st_analyzer_ruby = {
    .name = "ruby",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = 32u << 20,
    .wants = wants,
    .begin = begin,
    .file = file,
    .release = release,
};
