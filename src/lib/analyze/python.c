/* python: installed distributions (site-packages/ and Debian's
 * dist-packages/: NAME.dist-info/METADATA, NAME.egg-info/PKG-INFO or a
 * NAME.egg-info file) and the lockfiles of pip (requirements*.txt), Poetry
 * (poetry.lock), Pipenv (Pipfile.lock) and uv (uv.lock).
 *
 * Direct and dev, where the files say:
 * - installed distributions: unknown (-1), not dev;
 * - requirements: unknown, unless pip-compile's "# via" comments tell
 *   ("-r requirements.in" marks a direct one); only "name==version" lines
 *   are packages, the others are "unpinned: …" diagnostics;
 * - poetry.lock: dev from a package's category ("dev", lock format 1) or
 *   groups (no "main", format 2.1); direct (and, when the lock says
 *   neither, dev through the dependency graph) from the pyproject.toml
 *   beside it, else unknown;
 * - Pipfile.lock: "develop" is dev; direct from the Pipfile beside it;
 * - uv.lock: the project's own packages (editable or virtual sources) are
 *   not dependencies; theirs are direct, and those reached only through
 *   their dev-dependencies are dev.
 * Manifests and the locks that need them are matched in `end`, whatever
 * order the walk met them in. */
#include <string.h>

#include "pkgdb.h"
#include "util/json.h"
#include "util/toml.h"
#include "util/banned.h"

#define NAME "python"
#define MAX_NOTES 50 /* "unpinned: …" diagnostics per file */

enum kind {
    K_NONE = 0,
    K_METADATA,     /* *.dist-info/METADATA */
    K_PKGINFO,      /* *.egg-info/PKG-INFO or a *.egg-info file */
    K_REQUIREMENTS, /* requirements*.txt */
    K_POETRY,       /* poetry.lock */
    K_PIPFILE_LOCK, /* Pipfile.lock */
    K_UV,           /* uv.lock */
    K_PYPROJECT,    /* pyproject.toml */
    K_PIPFILE       /* Pipfile */
};

/* What a manifest declares: PEP 503 names → R_RUNTIME | R_DEV. */
#define R_RUNTIME 1u
#define R_DEV 2u

/* A lock that waits for `end` (its manifest may come later). */
struct python {
    st_map *manifests; /* manifest path → st_map * of names */
    st_vec pending;    /* st_pending_lock * */
};

/* ---- which files ------------------------------------------------------ */

static const char *base(const char *path, size_t len)
{
    const char *s = path + len;
    while (s > path && s[-1] != '/')
        s--;
    return s;
}

/* Whether the directory holding [.., dir_end) ends in site-packages/ or
 * dist-packages/ (dir_end points just past its '/'). */
static bool in_packages_dir(const char *path, const char *dir_end)
{
    static const char *const dirs[] = {"site-packages/", "dist-packages/"};
    size_t n = (size_t)(dir_end - path);
    for (size_t i = 0; i < 2; i++) {
        size_t dl = strlen(dirs[i]);
        if (n >= dl && !memcmp(dir_end - dl, dirs[i], dl) &&
            (n == dl || dir_end[-(ptrdiff_t)dl - 1] == '/'))
            return true;
    }
    return false;
}

static bool ends(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(s + n - k, suffix, k);
}

static enum kind kind_of(const char *path, size_t len)
{
    const char *b = base(path, len);
    size_t blen = (size_t)(path + len - b);

    if (!strcmp(b, "METADATA") || !strcmp(b, "PKG-INFO")) {
        /* DIR/NAME.dist-info/METADATA, DIR/NAME.egg-info/PKG-INFO */
        const char *d = b - 1, *db;
        if (b == path)
            return K_NONE;
        db = base(path, (size_t)(d - path));
        if (b[0] == 'M' ? !ends(db, (size_t)(d - db), ".dist-info")
                        : !ends(db, (size_t)(d - db), ".egg-info"))
            return K_NONE;
        if (!in_packages_dir(path, db))
            return K_NONE;
        return b[0] == 'M' ? K_METADATA : K_PKGINFO;
    }
    if (ends(b, blen, ".egg-info"))
        return in_packages_dir(path, b) ? K_PKGINFO : K_NONE;
    if (blen >= 16 && !memcmp(b, "requirements", 12) && ends(b, blen, ".txt"))
        return K_REQUIREMENTS;
    if (!strcmp(b, "requirements.txt"))
        return K_REQUIREMENTS;
    if (!strcmp(b, "poetry.lock"))
        return K_POETRY;
    if (!strcmp(b, "Pipfile.lock"))
        return K_PIPFILE_LOCK;
    if (!strcmp(b, "uv.lock"))
        return K_UV;
    if (!strcmp(b, "pyproject.toml"))
        return K_PYPROJECT;
    if (!strcmp(b, "Pipfile"))
        return K_PIPFILE;
    return K_NONE;
}

static bool wants(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE && kind_of(e->path, e->path_len);
}

/* ---- state ------------------------------------------------------------- */

static int begin(void **state, st_scan_ctx *ctx)
{
    struct python *py = st_calloc(1, sizeof(*py));
    (void)ctx;
    if (!py)
        return ST_ENOMEM;
    *state = py;
    return (py->manifests = st_map_new()) ? 0 : ST_ENOMEM;
}

static void release(void *state)
{
    struct python *py = state;
    size_t pos = 0;
    const char *k;
    void *v;
    if (!py)
        return;
    while (py->manifests && st_map_next(py->manifests, &pos, &k, &v))
        st_map_free(v);
    st_map_free(py->manifests);
    st_pending_lock_release(&py->pending);
    st_free(py);
}

/* ---- names ------------------------------------------------------------- */

/* PEP 503: lowercase, every run of -_. one '-'. */
static int normalize(st_buf *out, const char *s, size_t n)
{
    st_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' || c == '_' || c == '.') {
            while (i + 1 < n && (s[i + 1] == '-' || s[i + 1] == '_' ||
                                 s[i + 1] == '.'))
                i++;
            c = '-';
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (st_buf_putc(out, c) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* The length of the PEP 508 name at the start of s (0: none). */
static size_t name_len(const char *s, size_t n)
{
    size_t i = 0;
    if (!n || !name_char(s[0]) || s[0] == '-' || s[0] == '_' || s[0] == '.')
        return 0;
    while (i < n && name_char(s[i]))
        i++;
    while (i > 0 && (s[i - 1] == '-' || s[i - 1] == '_' || s[i - 1] == '.'))
        i--;
    return i;
}

/* names[normalize(name)] |= bits */
static int name_add(st_map *names, st_buf *tmp, const char *s, size_t n,
                    unsigned bits)
{
    void **slot;
    bool created;
    if (normalize(tmp, s, n) < 0 ||
        st_map_slot(names, tmp->ptr, tmp->len, &slot, &created) < 0)
        return ST_ENOMEM;
    *slot = (void *)((uintptr_t)*slot | bits);
    return 0;
}

static unsigned name_get(const st_map *names, st_buf *tmp, const char *s,
                         size_t n)
{
    if (!names || normalize(tmp, s, n) < 0)
        return 0;
    return (unsigned)(uintptr_t)st_map_get(names, tmp->ptr, tmp->len);
}

/* ---- packages ---------------------------------------------------------- */

typedef struct src {
    st_scan_ctx *ctx;
    const char *path; /* without the leading '/' */
    const char *found_in;
    int layer;
} src;

static st_package *emit(const src *f, const char *name, size_t nlen,
                        const char *ver, size_t vlen, int direct, int dev)
{
    st_arena *a = st_ctx_arena(f->ctx);
    st_package *p = st_ctx_add_package(f->ctx);
    if (!p)
        return NULL;
    p->type = "pypi";
    p->name = st_arena_strndup(a, name, nlen);
    p->version = st_arena_strndup(a, ver, vlen);
    p->found_in = f->found_in;
    p->direct = direct;
    p->dev = dev;
    st_ctx_package_layer(f->ctx, p, f->layer);
    return p->name && p->version ? p : NULL;
}

/* A usable name or version: not empty, no control characters. */
static bool printable(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool usable(const char *s)
{
    return s && printable(s, strlen(s));
}

/* ---- METADATA / PKG-INFO ----------------------------------------------- */

typedef struct hdr {
    const char *val;
    size_t len;
    bool multi; /* had continuation lines */
} hdr;

static bool key_is(const char *k, size_t klen, const char *want)
{
    size_t n = strlen(want);
    if (klen != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != want[i])
            return false;
    }
    return true;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
                  (*s)[*n - 1] == '\r'))
        (*n)--;
}

static int installed(const src *f, const char *data, size_t len)
{
    hdr name = {0}, version = {0}, lic = {0}, licexpr = {0};
    hdr *last = NULL;
    st_buf classifiers = ST_BUF_INIT(1u << 16);
    const char *p = data, *end = data + len, *license = NULL;
    st_package *pkg;
    int rc = 0;

    /* the header block: "Key: value" lines up to the first blank line;
     * a line starting with white space continues the previous one */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *colon;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (!ll)
            break;
        if (p[0] == ' ' || p[0] == '\t') {
            if (last) {
                last->len = (size_t)(le - last->val);
                last->multi = true;
            }
        } else if ((colon = memchr(p, ':', ll))) {
            const char *v = colon + 1;
            size_t klen = (size_t)(colon - p), vlen = (size_t)(p + ll - v);
            trim(&v, &vlen);
            last = NULL;
            if (key_is(p, klen, "name"))
                last = &name;
            else if (key_is(p, klen, "version"))
                last = &version;
            else if (key_is(p, klen, "license"))
                last = &lic;
            else if (key_is(p, klen, "license-expression"))
                last = &licexpr;
            else if (key_is(p, klen, "classifier") && vlen > 11 &&
                     !memcmp(v, "License :: ", 11)) {
                /* "License :: OSI Approved :: MIT License" → the last part */
                const char *s = v;
                for (const char *q = v; q + 4 <= v + vlen; q++)
                    if (!memcmp(q, " :: ", 4))
                        s = q + 4;
                /* but not the bare "License :: OSI Approved" */
                if (!(vlen == 23 && !memcmp(v, "License :: OSI Approved", 23))) {
                    size_t sl = (size_t)(v + vlen - s);
                    if (sl && printable(s, sl) &&
                        ((classifiers.len && st_buf_puts(&classifiers, ", ") < 0) ||
                         st_buf_put(&classifiers, s, sl) < 0))
                        rc = ST_ENOMEM;
                }
            }
            if (last && !last->val) {
                last->val = v;
                last->len = vlen;
            } else {
                last = NULL; /* a repeated field: the first one counts */
            }
        } else {
            last = NULL;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (rc < 0)
        goto done;
    trim(&name.val, &name.len);
    trim(&version.val, &version.len);
    if (!name.val || !version.val || !printable(name.val, name.len) ||
        !printable(version.val, version.len)) {
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "no Name or Version field: skipped");
        goto done;
    }
    if (!(pkg = emit(f, name.val, name.len, version.val, version.len, -1, 0))) {
        rc = ST_ENOMEM;
        goto done;
    }
    /* License-Expression (PEP 639), else a one-line License that says
     * something, else the license classifiers */
    if (licexpr.val && licexpr.len && !licexpr.multi &&
        printable(licexpr.val, licexpr.len))
        license = st_arena_strndup(st_ctx_arena(f->ctx), licexpr.val,
                                   licexpr.len);
    else if (lic.val && lic.len && !lic.multi &&
             printable(lic.val, lic.len) &&
             !(lic.len == 7 && !memcmp(lic.val, "UNKNOWN", 7)))
        license = st_arena_strndup(st_ctx_arena(f->ctx), lic.val, lic.len);
    else if (classifiers.len)
        license = st_arena_strndup(st_ctx_arena(f->ctx), classifiers.ptr,
                                   classifiers.len);
    pkg->license = license;
done:
    st_buf_release(&classifiers);
    return rc;
}

/* ---- requirements*.txt ------------------------------------------------- */

struct req {
    const src *f;
    st_package *last; /* the package of the last line, for "# via" */
    bool in_via;      /* inside a multi-line "# via" block */
    size_t notes;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A comment (without its '#') after a package line or on its own line:
 * pip-compile's "via X" annotations, one line or a block of "#   X". */
static void via(struct req *r, const char *s, size_t n)
{
    trim(&s, &n);
    if (n >= 3 && !memcmp(s, "via", 3) && (n == 3 || is_space(s[3]))) {
        s += 3;
        n -= 3;
        trim(&s, &n);
        if (!r->last)
            return;
        r->in_via = !n;
        if (r->last->direct < 0)
            r->last->direct = 0;
    } else if (!r->in_via || !r->last || !n) {
        r->in_via = false;
        return;
    }
    if (n >= 3 && s[0] == '-' && s[1] == 'r' && is_space(s[2]))
        r->last->direct = 1;
}

static void note(struct req *r, size_t line, const char *fmt, const char *s,
                 size_t n)
{
    if (++r->notes > MAX_NOTES)
        return;
    st_ctx_diag(r->f->ctx, ST_DIAG_INFO, NAME, r->f->path, r->f->layer,
                fmt, line, (int)n, s);
}

/* One logical line (continuations joined, comment removed). */
static int requirement(struct req *r, size_t line, const char *s, size_t n)
{
    size_t nl, i;
    const char *ver, *spec;
    size_t vlen, slen;

    trim(&s, &n);
    if (!n)
        return 0;
    r->last = NULL;
    r->in_via = false;
    if (s[0] == '-') {
        /* options; -r/-c name other files, which are not followed */
        if ((n > 3 && (s[1] == 'r' || s[1] == 'c') && is_space(s[2])) ||
            (n > 14 && !memcmp(s, "--requirement", 13)) ||
            (n > 13 && !memcmp(s, "--constraint", 12)))
            note(r, line,
                 "line %zu: includes another file (not followed): %.*s", s, n);
        else if ((n > 3 && s[1] == 'e' && is_space(s[2])) ||
                 (n > 11 && !memcmp(s, "--editable", 10)))
            note(r, line, "line %zu: unpinned: %.*s", s, n);
        return 0;
    }
    /* drop options after the requirement (--hash=…) */
    for (i = 1; i + 1 < n; i++)
        if (is_space(s[i - 1]) && s[i] == '-' && s[i + 1] == '-') {
            n = i;
            trim(&s, &n);
            break;
        }
    if (!(nl = name_len(s, n)) || memmem(s, n, "://", 3)) {
        note(r, line, "line %zu: unpinned: %.*s", s, n);
        return 0;
    }
    /* drop environment markers */
    {
        const char *semi = memchr(s, ';', n);
        if (semi) {
            n = (size_t)(semi - s);
            trim(&s, &n);
        }
    }
    spec = s + nl;
    slen = n - nl;
    trim(&spec, &slen);
    if (slen && spec[0] == '[') {
        const char *close = memchr(spec, ']', slen);
        if (!close) {
            note(r, line, "line %zu: unparseable: %.*s", s, n);
            return 0;
        }
        slen -= (size_t)(close + 1 - spec);
        spec = close + 1;
        trim(&spec, &slen);
    }
    if (slen >= 2 && spec[0] == '(' && spec[slen - 1] == ')') {
        spec++;
        slen -= 2;
        trim(&spec, &slen);
    }
    ver = NULL;
    vlen = 0;
    if (slen > 2 && spec[0] == '=' && spec[1] == '=') {
        ver = spec + (slen > 3 && spec[2] == '=' ? 3 : 2);
        vlen = (size_t)(spec + slen - ver);
        trim(&ver, &vlen);
        for (i = 0; i < vlen; i++)
            if (!name_char(ver[i]) && ver[i] != '+' && ver[i] != '!')
                break;
        if (!vlen || i < vlen)
            ver = NULL; /* 1.*, "==1,<2", … */
    }
    if (!ver) {
        note(r, line, "line %zu: unpinned: %.*s", s, n);
        return 0;
    }
    if (!(r->last = emit(r->f, s, nl, ver, vlen, -1, 0)))
        return ST_ENOMEM;
    return 0;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]))
            return false;
    return true;
}

static int requirements(const src *f, const char *data, size_t len)
{
    struct req r;
    st_buf l = ST_BUF_INIT(16u << 20);
    const char *p = data, *end = data + len;
    size_t lineno = 0, first = 0;
    int rc = 0;

    memset(&r, 0, sizeof(r));
    r.f = f;
    if (memchr(data, 0, len)) {
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "not a text file (UTF-16?): skipped");
        return 0;
    }
    if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *c;
        size_t ll = (size_t)(le - p), body;
        bool cont, comment;
        lineno++;
        if (!l.len)
            first = lineno;
        if (ll && p[ll - 1] == '\r')
            ll--;
        /* a comment: '#' at the start or after white space */
        for (c = p; c < p + ll; c++)
            if (*c == '#' && (c == p || is_space(c[-1])))
                break;
        comment = c < p + ll;
        body = (size_t)(c - p);
        cont = !comment && body && p[body - 1] == '\\';
        if (cont)
            body--;
        ST_CHECK(st_buf_put(&l, p, body));
        if (!cont || !nl) {
            bool empty = blank(l.ptr, l.len);
            ST_CHECK(requirement(&r, first, l.ptr, l.len));
            if (comment && (empty || r.last))
                via(&r, c + 1, (size_t)(p + ll - c - 1));
            st_buf_reset(&l);
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (r.notes > MAX_NOTES)
        st_ctx_diag(f->ctx, ST_DIAG_INFO, NAME, f->path, f->layer,
                    "%zu more lines not listed", r.notes - MAX_NOTES);
done:
    st_buf_release(&l);
    if (rc == ST_ELIMIT) {
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "a line longer than 16 MiB: the rest skipped");
        rc = 0;
    }
    return rc;
}

/* ---- manifests: pyproject.toml, Pipfile --------------------------------- */

/* names of the PEP 508 strings of an array */
static int pep508_names(st_map *names, st_buf *tmp, const json_t *arr,
                        unsigned bits)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        size_t n;
        if (!s)
            continue;
        while (*s == ' ' || *s == '\t')
            s++;
        if ((n = name_len(s, strlen(s))) && name_add(names, tmp, s, n, bits) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static int key_names(st_map *names, st_buf *tmp, const json_t *obj,
                     unsigned bits)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        if (!strcmp(k, "python"))
            continue; /* Poetry's interpreter constraint */
        if (name_add(names, tmp, k, strlen(k), bits) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static int manifest_names(st_map *names, st_buf *tmp, enum kind kind,
                          const json_t *doc)
{
    const char *k;
    json_t *v;
    if (kind == K_PIPFILE) {
        if (key_names(names, tmp, st_json_obj(doc, "packages"), R_RUNTIME) < 0 ||
            key_names(names, tmp, st_json_obj(doc, "dev-packages"), R_DEV) < 0)
            return ST_ENOMEM;
        return 0;
    }
    /* PEP 621 */
    {
        json_t *proj = st_json_obj(doc, "project");
        if (pep508_names(names, tmp, st_json_arr(proj, "dependencies"),
                         R_RUNTIME) < 0)
            return ST_ENOMEM;
        json_object_foreach(st_json_obj(proj, "optional-dependencies"), k, v)
            if (json_is_array(v) && pep508_names(names, tmp, v, R_RUNTIME) < 0)
                return ST_ENOMEM;
    }
    /* PEP 735 dependency groups; uv's older dev-dependencies */
    json_object_foreach(st_json_obj(doc, "dependency-groups"), k, v)
        if (json_is_array(v) && pep508_names(names, tmp, v, R_DEV) < 0)
            return ST_ENOMEM;
    if (pep508_names(names, tmp,
                     st_json_arr(st_json_obj(st_json_obj(doc, "tool"), "uv"),
                                 "dev-dependencies"),
                     R_DEV) < 0)
        return ST_ENOMEM;
    /* Poetry */
    {
        json_t *po = st_json_obj(st_json_obj(doc, "tool"), "poetry");
        if (key_names(names, tmp, st_json_obj(po, "dependencies"), R_RUNTIME) < 0 ||
            key_names(names, tmp, st_json_obj(po, "dev-dependencies"), R_DEV) < 0)
            return ST_ENOMEM;
        json_object_foreach(st_json_obj(po, "group"), k, v)
            if (key_names(names, tmp, st_json_obj(v, "dependencies"),
                          strcmp(k, "main") ? R_DEV : R_RUNTIME) < 0)
                return ST_ENOMEM;
    }
    return 0;
}

/* ---- lock graphs ----------------------------------------------------------- */

/* The packages of a lock as a graph: reach[i] |= bits for every package
 * reachable from the names marked in `roots` (names → bits). deps_of
 * calls `add` for each dependency name of package i. */
typedef struct graph {
    size_t n;
    json_t **pkgs;
    unsigned *reach;
    st_map *byname; /* normalized name → st_vec * of indexes + 1 */
    st_buf tmp;
} graph;

typedef int (*deps_fn)(graph *g, const json_t *pkg, unsigned bits,
                       st_vec *queue);

static void graph_release(graph *g)
{
    size_t pos = 0;
    const char *k;
    void *v;
    while (g->byname && st_map_next(g->byname, &pos, &k, &v)) {
        if (v) /* NULL when its allocation failed */
            st_vec_release(v);
        st_free(v);
    }
    st_map_free(g->byname);
    st_free(g->pkgs);
    st_free(g->reach);
    st_buf_release(&g->tmp);
}

static int graph_init(graph *g, const json_t *arr)
{
    size_t i;
    json_t *pkg;
    memset(g, 0, sizeof(*g));
    st_buf_init(&g->tmp, 1u << 16);
    g->n = json_array_size(arr);
    if (!(g->byname = st_map_new()) ||
        !(g->pkgs = st_calloc(g->n + 1, sizeof(*g->pkgs))) ||
        !(g->reach = st_calloc(g->n + 1, sizeof(*g->reach))))
        return ST_ENOMEM;
    json_array_foreach(arr, i, pkg) {
        const char *name = st_json_str(pkg, "name");
        void **slot;
        bool created;
        g->pkgs[i] = pkg;
        if (!name)
            continue;
        if (normalize(&g->tmp, name, strlen(name)) < 0 ||
            st_map_slot(g->byname, g->tmp.ptr, g->tmp.len, &slot, &created) < 0)
            return ST_ENOMEM;
        if (!*slot && !(*slot = st_calloc(1, sizeof(st_vec))))
            return ST_ENOMEM;
        if (st_vec_push(*slot, (void *)(uintptr_t)(i + 1)) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

/* Marks every package named `name` with bits, queueing the new ones. */
static int graph_mark(graph *g, const char *name, size_t n, unsigned bits,
                      st_vec *queue)
{
    st_vec *idx;
    if (normalize(&g->tmp, name, n) < 0)
        return ST_ENOMEM;
    if (!(idx = st_map_get(g->byname, g->tmp.ptr, g->tmp.len)))
        return 0;
    for (size_t i = 0; i < idx->len; i++) {
        size_t k = (uintptr_t)idx->items[i] - 1;
        if ((g->reach[k] & bits) == bits)
            continue;
        g->reach[k] |= bits;
        if (st_vec_push(queue, (void *)(uintptr_t)(k + 1)) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static int graph_walk(graph *g, unsigned bits, st_vec *queue, deps_fn deps)
{
    int rc = 0;
    while (queue->len && rc >= 0) {
        size_t k = (uintptr_t)queue->items[--queue->len] - 1;
        rc = deps(g, g->pkgs[k], bits, queue);
    }
    queue->len = 0;
    return rc;
}

/* ---- poetry.lock ------------------------------------------------------------ */

static int poetry_deps(graph *g, const json_t *pkg, unsigned bits,
                       st_vec *queue)
{
    const char *k;
    json_t *v;
    json_object_foreach(st_json_obj(pkg, "dependencies"), k, v)
        if (graph_mark(g, k, strlen(k), bits, queue) < 0)
            return ST_ENOMEM;
    return 0;
}

/* Marks reach from a manifest's names. */
static int reach_from_manifest(graph *g, const st_map *names, deps_fn deps)
{
    st_vec q = ST_VEC_INIT;
    int rc = 0;
    for (unsigned bit = R_RUNTIME; bit <= R_DEV && rc >= 0; bit <<= 1) {
        size_t pos = 0;
        const char *k;
        void *v;
        while (st_map_next(names, &pos, &k, &v) && rc >= 0)
            if ((uintptr_t)v & bit)
                rc = graph_mark(g, k, strlen(k), bit, &q);
        if (rc >= 0)
            rc = graph_walk(g, bit, &q, deps);
    }
    st_vec_release(&q);
    return rc;
}

static int poetry(const src *f, const json_t *doc, const st_map *names)
{
    json_t *arr = st_json_arr(doc, "package"), *pkg;
    graph g;
    size_t i, bad = 0;
    int rc;

    if ((rc = graph_init(&g, arr)) < 0 ||
        (names && (rc = reach_from_manifest(&g, names, poetry_deps)) < 0))
        goto done;
    json_array_foreach(arr, i, pkg) {
        const char *name = st_json_str(pkg, "name");
        const char *ver = st_json_str(pkg, "version");
        const char *cat = st_json_str(pkg, "category");
        json_t *groups = st_json_arr(pkg, "groups"), *gv;
        int dev = 0, direct = -1;
        size_t j;
        if (!usable(name) || !usable(ver)) {
            bad++;
            continue;
        }
        if (cat) {
            dev = !strcmp(cat, "dev");
        } else if (groups) {
            dev = 1;
            json_array_foreach(groups, j, gv)
                if (json_is_string(gv) && !strcmp(json_string_value(gv), "main"))
                    dev = 0;
        } else if (names) {
            dev = !(g.reach[i] & R_RUNTIME) && (g.reach[i] & R_DEV);
        }
        if (names)
            direct = name_get(names, &g.tmp, name, strlen(name)) ? 1 : 0;
        if (!emit(f, name, strlen(name), ver, strlen(ver), direct, dev)) {
            rc = ST_ENOMEM;
            goto done;
        }
    }
    if (bad)
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "%zu [[package]] entries without a name or version skipped",
                    bad);
done:
    graph_release(&g);
    return rc;
}

/* ---- Pipfile.lock ----------------------------------------------------------- */

static int pipfile_lock(const src *f, const json_t *doc, const st_map *names)
{
    static const char *const sections[] = {"default", "develop"};
    json_t *def = st_json_obj(doc, "default");
    st_buf tmp = ST_BUF_INIT(1u << 16);
    size_t bad = 0;
    int rc = 0;

    if (!def && !st_json_obj(doc, "develop")) {
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "no \"default\" or \"develop\" section");
        return 0;
    }
    for (int s = 0; s < 2; s++) {
        const char *k;
        json_t *v;
        json_object_foreach(st_json_obj(doc, sections[s]), k, v) {
            const char *ver = st_json_str(v, "version");
            int direct = -1;
            if (s == 1 && json_object_get(def, k))
                continue; /* a runtime dependency too */
            if (!ver) {
                /* a path, VCS or editable entry: no version to match */
                continue;
            }
            if (!strncmp(ver, "===", 3))
                ver += 3;
            else if (!strncmp(ver, "==", 2))
                ver += 2;
            else
                ver = NULL;
            if (!usable(k) || !usable(ver)) {
                bad++;
                continue;
            }
            if (names)
                direct = name_get(names, &tmp, k, strlen(k)) ? 1 : 0;
            if (!emit(f, k, strlen(k), ver, strlen(ver), direct, s)) {
                rc = ST_ENOMEM;
                goto done;
            }
        }
    }
    if (bad)
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "%zu entries without a pinned version skipped", bad);
done:
    st_buf_release(&tmp);
    return rc;
}

/* ---- uv.lock --------------------------------------------------------------- */

/* The project's own packages: editable or virtual sources. */
static bool uv_member(const json_t *pkg)
{
    json_t *source = st_json_obj(pkg, "source");
    return json_object_get(source, "editable") ||
           json_object_get(source, "virtual");
}

/* Each {name = …} of an array, and the optional dependencies of the extras
 * it asks for are reached through that package anyway (conservatively,
 * every extra of a reached package counts). */
static int uv_mark_arr(graph *g, const json_t *arr, unsigned bits,
                       st_vec *queue)
{
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d) {
        const char *n = st_json_str(d, "name");
        if (n && graph_mark(g, n, strlen(n), bits, queue) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static int uv_deps(graph *g, const json_t *pkg, unsigned bits, st_vec *queue)
{
    const char *k;
    json_t *v;
    if (uv_mark_arr(g, st_json_arr(pkg, "dependencies"), bits, queue) < 0)
        return ST_ENOMEM;
    json_object_foreach(st_json_obj(pkg, "optional-dependencies"), k, v)
        if (uv_mark_arr(g, v, bits, queue) < 0)
            return ST_ENOMEM;
    return 0;
}

static int uv(const src *f, const json_t *doc)
{
    json_t *arr = st_json_arr(doc, "package"), *pkg;
    st_map *direct = st_map_new();
    st_vec q = ST_VEC_INIT;
    graph g;
    size_t i, bad = 0, members = 0;
    int rc;

    if (!direct) {
        memset(&g, 0, sizeof(g));
        rc = ST_ENOMEM;
        goto done;
    }
    if ((rc = graph_init(&g, arr)) < 0)
        goto done;
    /* the members' dependencies are direct; reach runtime, then dev */
    json_array_foreach(arr, i, pkg) {
        const char *k;
        json_t *v, *d;
        size_t j;
        if (!uv_member(pkg))
            continue;
        members++;
        ST_CHECK(uv_deps(&g, pkg, R_RUNTIME, &q));
        json_object_foreach(st_json_obj(pkg, "dev-dependencies"), k, v)
            json_array_foreach(v, j, d) {
                const char *n = st_json_str(d, "name");
                if (n)
                    ST_CHECK(name_add(direct, &g.tmp, n, strlen(n), R_DEV));
            }
        json_array_foreach(st_json_arr(pkg, "dependencies"), j, d) {
            const char *n = st_json_str(d, "name");
            if (n)
                ST_CHECK(name_add(direct, &g.tmp, n, strlen(n), R_RUNTIME));
        }
        json_object_foreach(st_json_obj(pkg, "optional-dependencies"), k, v)
            json_array_foreach(v, j, d) {
                const char *n = st_json_str(d, "name");
                if (n)
                    ST_CHECK(name_add(direct, &g.tmp, n, strlen(n), R_RUNTIME));
            }
    }
    ST_CHECK(graph_walk(&g, R_RUNTIME, &q, uv_deps));
    json_array_foreach(arr, i, pkg) {
        const char *k;
        json_t *v;
        if (!uv_member(pkg))
            continue;
        json_object_foreach(st_json_obj(pkg, "dev-dependencies"), k, v)
            ST_CHECK(uv_mark_arr(&g, v, R_DEV, &q));
    }
    ST_CHECK(graph_walk(&g, R_DEV, &q, uv_deps));
    json_array_foreach(arr, i, pkg) {
        const char *name = st_json_str(pkg, "name");
        const char *ver = st_json_str(pkg, "version");
        int dir = -1, dev;
        if (uv_member(pkg))
            continue;
        if (!usable(name) || !usable(ver)) {
            bad++;
            continue;
        }
        if (members)
            dir = name_get(direct, &g.tmp, name, strlen(name)) ? 1 : 0;
        dev = members && !(g.reach[i] & R_RUNTIME) && (g.reach[i] & R_DEV);
        if (!emit(f, name, strlen(name), ver, strlen(ver), dir, dev)) {
            rc = ST_ENOMEM;
            goto done;
        }
    }
    if (bad)
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "%zu [[package]] entries without a name or version skipped",
                    bad);
done:
    st_vec_release(&q);
    graph_release(&g);
    st_map_free(direct);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------- */

/* Parses a lock or manifest; NULL (with a diagnostic) when malformed. */
static json_t *load(const src *f, enum kind kind, const char *data,
                    size_t len, int *rc)
{
    json_t *doc = NULL;
    st_error *err = NULL;
    *rc = kind == K_PIPFILE_LOCK
              ? st_json_load(&doc, data, len, f->path, &err)
              : st_toml_parse(&doc, data, len, f->path, &err);
    if (*rc == ST_ENOMEM) {
        st_error_free(err);
        return NULL;
    }
    *rc = 0;
    if (!doc) {
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer, "%s",
                    st_error_message(err));
    } else if (!json_is_object(doc)) {
        st_ctx_diag(f->ctx, ST_DIAG_WARNING, NAME, f->path, f->layer,
                    "not a JSON object");
        json_decref(doc);
        doc = NULL;
    }
    st_error_free(err);
    return doc;
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct python *py = state;
    enum kind kind = kind_of(e->path, e->path_len);
    src f;
    json_t *doc;
    int rc = 0;

    f.ctx = ctx;
    f.path = e->path;
    f.layer = e->layer;
    if (!(f.found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", e->path)))
        return ST_ENOMEM;
    switch (kind) {
    case K_METADATA:
    case K_PKGINFO:
        return installed(&f, data, len);
    case K_REQUIREMENTS:
        return requirements(&f, data, len);
    case K_NONE:
        return 0;
    default:
        break;
    }
    if (!(doc = load(&f, kind, data, len, &rc)))
        return rc < 0 ? ST_ENOMEM : 0;
    if (kind == K_UV) {
        rc = uv(&f, doc);
    } else if (kind == K_PYPROJECT || kind == K_PIPFILE) {
        st_map *names = st_map_new();
        st_buf tmp = ST_BUF_INIT(1u << 16);
        void **slot;
        bool created;
        if (!names || (rc = manifest_names(names, &tmp, kind, doc)) < 0 ||
            (rc = st_map_slot(py->manifests, e->path, e->path_len, &slot,
                              &created)) < 0) {
            st_map_free(names);
            rc = ST_ENOMEM;
        } else {
            st_map_free(*slot); /* the same path again: the last one */
            *slot = names;
        }
        st_buf_release(&tmp);
    } else {
        rc = st_pending_lock_add(&py->pending, e, kind, &doc);
    }
    json_decref(doc);
    return rc;
}

static int end(void *state, st_scan_ctx *ctx)
{
    struct python *py = state;
    st_buf mpath = ST_BUF_INIT(1u << 16);
    int rc = 0;

    for (size_t i = 0; i < py->pending.len && rc >= 0; i++) {
        st_pending_lock *p = py->pending.items[i];
        const char *b = base(p->path, strlen(p->path));
        const st_map *names;
        src f;
        f.ctx = ctx;
        f.path = p->path;
        f.layer = p->layer;
        if (!(f.found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", p->path))) {
            rc = ST_ENOMEM;
            break;
        }
        st_buf_reset(&mpath);
        if (st_buf_put(&mpath, p->path, (size_t)(b - p->path)) < 0 ||
            st_buf_puts(&mpath, p->kind == K_POETRY ? "pyproject.toml"
                                                    : "Pipfile") < 0) {
            rc = ST_ENOMEM;
            break;
        }
        names = st_map_get(py->manifests, mpath.ptr, mpath.len);
        rc = p->kind == K_POETRY ? poetry(&f, p->doc, names)
                                 : pipfile_lock(&f, p->doc, names);
    }
    st_buf_release(&mpath);
    return rc;
}

const st_analyzer_ops st_analyzer_python = {
    .name = NAME,
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = 64u << 20,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
};
