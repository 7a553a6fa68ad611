/* npm: JavaScript packages from lockfiles (package-lock.json v1-v3,
 * npm-shrinkwrap.json, yarn.lock classic and berry, pnpm-lock.yaml v5-v9)
 * and from the package.json of installed packages (node_modules/NAME/ or
 * node_modules/@SCOPE/NAME/). The YAML formats are in npm_yaml.c.
 *
 * Direct and dev come from the lockfile where it says: package-lock v2/v3
 * and pnpm list the project's own dependencies; v1, yarn classic and
 * installed packages do not (direct -1). "devOptional" is not dev: npm
 * installs such a package without dev dependencies (npm ls --omit=dev
 * lists it). Workspaces ("link": true, workspace: protocols) are the
 * project's own code, not registry packages; their declared dependencies
 * count as direct. */
#include <stdarg.h>
#include <string.h>

#include "npm.h"
#include "util/json.h"
#include "util/banned.h"

#define NM "node_modules/"
#define NMLEN (sizeof(NM) - 1)

/* ---- which files ----------------------------------------------------- */

/* The last component of a path. */
static const char *base(const char *path, size_t len)
{
    const char *s = path + len;
    while (s > path && s[-1] != '/')
        s--;
    return s;
}

/* The first "node_modules/" that starts a component, or NULL. */
static const char *find_nm(const char *path)
{
    for (const char *s = path; (s = strstr(s, NM)); s += NMLEN)
        if (s == path || s[-1] == '/')
            return s;
    return NULL;
}

/* One package-name segment: non-empty, not starting with '.'. Advances *s
 * to the '/' or the end. */
static bool segment(const char **s, const char *end)
{
    const char *p = *s;
    if (p >= end || *p == '.' || *p == '/')
        return false;
    while (p < end && *p != '/')
        p++;
    *s = p;
    return true;
}

/* Whether [s, end) is NAME or @SCOPE/NAME, optionally followed by
 * /node_modules/ and more of the same; pnpm's store directory
 * ".pnpm/NAME@VERSION/node_modules/" is allowed in between. So
 * node_modules/a/test/fixtures/node_modules/b/package.json is not an
 * installed package, node_modules/a/node_modules/@s/b/package.json is. */
static bool nm_chain(const char *s, const char *end)
{
    for (;;) {
        if ((size_t)(end - s) > 6 && !memcmp(s, ".pnpm/", 6)) {
            s += 6;
            if (!segment(&s, end))
                return false;
        } else {
            bool scoped = *s == '@';
            if (!segment(&s, end))
                return false;
            if (scoped && (s >= end || !(s++, segment(&s, end))))
                return false;
            if (s == end)
                return true;
        }
        if ((size_t)(end - s) < NMLEN + 1 || memcmp(s + 1, NM, NMLEN))
            return false;
        s += 1 + NMLEN;
    }
}

enum kind { K_NONE, K_LOCK, K_SHRINKWRAP, K_YARN, K_PNPM, K_INSTALLED };

static enum kind kind_of(const char *path, size_t len)
{
    const char *b = base(path, len);
    const char *nm = find_nm(path);

    if (!strcmp(b, "package.json")) {
        /* node_modules/<chain>/package.json */
        if (!nm || b == path)
            return K_NONE;
        return nm_chain(nm + NMLEN, b - 1) ? K_INSTALLED : K_NONE;
    }
    /* Lockfiles shipped inside installed packages, and npm's hidden
     * node_modules/.package-lock.json, repeat what the project lockfile
     * (or the installed package.json files) already say. */
    if (nm)
        return K_NONE;
    if (!strcmp(b, "package-lock.json"))
        return K_LOCK;
    if (!strcmp(b, "npm-shrinkwrap.json"))
        return K_SHRINKWRAP;
    if (!strcmp(b, "yarn.lock"))
        return K_YARN;
    if (!strcmp(b, "pnpm-lock.yaml"))
        return K_PNPM;
    return K_NONE;
}

static bool wants(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE && kind_of(e->path, e->path_len);
}

/* ---- shared helpers -------------------------------------------------- */

int st_npm__emit(st_npm_file *f, const char *name, size_t nlen,
                 const char *ver, size_t vlen, int direct, int dev,
                 const char *license, size_t llen)
{
    st_arena *a = st_ctx_arena(f->ctx);
    st_package *p;

    if (!name || !ver || !nlen || !vlen || memchr(name, 0, nlen) ||
        memchr(ver, 0, vlen)) {
        f->skipped++;
        return 0;
    }
    if (!(p = st_ctx_add_package(f->ctx)))
        return ST_ENOMEM;
    p->type = "npm";
    p->name = st_arena_strndup(a, name, nlen);
    p->version = st_arena_strndup(a, ver, vlen);
    if (license && llen && !memchr(license, 0, llen) &&
        !(p->license = st_arena_strndup(a, license, llen)))
        return ST_ENOMEM;
    p->found_in = f->found_in;
    p->direct = direct;
    p->dev = dev;
    if (!p->name || !p->version)
        return ST_ENOMEM;
    st_ctx_package_layer(f->ctx, p, f->e->layer);
    return 0;
}

void st_npm__diag(st_npm_file *f, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    st_ctx_diag(f->ctx, ST_DIAG_WARNING, "npm", f->e->path, f->e->layer,
                "%s", msg);
}

static int emit_str(st_npm_file *f, const char *name, const char *ver,
                    int direct, int dev, const char *license)
{
    return st_npm__emit(f, name, name ? strlen(name) : 0, ver,
                        ver ? strlen(ver) : 0, direct, dev, license,
                        license ? strlen(license) : 0);
}

/* As JSON.parse, which npm reads its files with: duplicate keys are
 * allowed (the last one wins), integers of any size are numbers. */
static json_t *load(st_npm_file *f, const char *data, size_t len)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_DECODE_INT_AS_REAL, &je);
    if (!root) {
        st_npm__diag(f, "not valid JSON: line %d column %d: %s", je.line,
                     je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        st_npm__diag(f, "not a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- installed packages: node_modules/.../package.json ---------------- */

static const char *license_of(const json_t *pkg)
{
    const json_t *l = json_object_get(pkg, "license");
    const json_t *arr;
    if (json_is_string(l))
        return json_string_value(l);
    if (json_is_object(l))
        return st_json_str(l, "type");
    /* the old "licenses": [{"type": …}] */
    arr = st_json_arr(pkg, "licenses");
    if (arr && json_array_size(arr)) {
        l = json_array_get(arr, 0);
        return json_is_string(l) ? json_string_value(l) : st_json_str(l, "type");
    }
    return NULL;
}

static int installed(st_npm_file *f, const char *data, size_t len)
{
    json_t *root = load(f, data, len);
    int rc;
    if (!root)
        return 0;
    /* a package.json without name or version is no package (private
     * fixtures, stubs); not worth a warning */
    rc = emit_str(f, st_json_str(root, "name"), st_json_str(root, "version"),
                  -1, 0, license_of(root));
    f->skipped = 0;
    json_decref(root);
    return rc;
}

/* ---- package-lock.json v1: nested "dependencies" --------------------- */

static int lock_v1(st_npm_file *f, const json_t *deps)
{
    const char *key;
    json_t *val;
    int rc;

    json_object_foreach((json_t *)deps, key, val) {
        const char *ver = st_json_str(val, "version");
        const json_t *sub = st_json_obj(val, "dependencies");
        int dev = json_is_true(json_object_get(val, "dev"));

        if (!ver) {
            f->skipped++;
        } else if (!strncmp(ver, "file:", 5) || !strncmp(ver, "link:", 5)) {
            /* a workspace or a local directory: the project's own code */
        } else if (!strncmp(ver, "npm:", 4)) {
            /* an alias: "name": {"version": "npm:real@1.2.3"} */
            const char *real = ver + 4;
            const char *at = real[0] ? strchr(real + 1, '@') : NULL;
            if (!at)
                f->skipped++;
            else if ((rc = st_npm__emit(f, real, (size_t)(at - real), at + 1,
                                        strlen(at + 1), -1, dev, NULL, 0)) < 0)
                return rc;
        } else if ((rc = emit_str(f, key, ver, -1, dev, NULL)) < 0) {
            return rc;
        }
        if (sub && (rc = lock_v1(f, sub)) < 0)
            return rc;
    }
    return 0;
}

/* ---- package-lock.json v2/v3: "packages" keyed by path ----------------- */

static const char *const dep_fields[] = {
    "dependencies", "devDependencies", "optionalDependencies",
    "peerDependencies"};

/* Marks the entry that Node's resolution finds for each dependency the
 * project at `dir` ("" for the root, else a workspace folder) declares:
 * dir/node_modules/NAME, then each parent's node_modules/NAME. */
static int mark_direct(const json_t *packages, const char *dir,
                       const json_t *proj, st_map *direct, st_buf *b)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof(dep_fields) / sizeof(*dep_fields); i++) {
        const char *name;
        json_t *v;
        json_t *deps = st_json_obj(proj, dep_fields[i]);
        json_object_foreach(deps, name, v) {
            size_t dlen = strlen(dir);
            for (;;) {
                st_buf_reset(b);
                if ((dlen && ((rc = st_buf_put(b, dir, dlen)) < 0 ||
                              (rc = st_buf_putc(b, '/')) < 0)) ||
                    (rc = st_buf_puts(b, NM)) < 0 ||
                    (rc = st_buf_puts(b, name)) < 0)
                    return rc;
                if (json_object_get(packages, b->ptr)) {
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
                while (dlen && dir[dlen - 1] != '/')
                    dlen--;
                if (dlen)
                    dlen--; /* drop the '/' */
            }
        }
    }
    return 0;
}

/* The package name an entry path ends with: after its last node_modules/. */
static const char *name_from_path(const char *key)
{
    const char *name = NULL;
    for (const char *s = key; (s = strstr(s, NM)); s += NMLEN)
        if (s == key || s[-1] == '/')
            name = s + NMLEN;
    return name;
}

static int lock_v2(st_npm_file *f, const json_t *packages)
{
    st_map *direct = st_map_new();
    st_buf b = ST_BUF_INIT(1u << 20);
    const char *key;
    json_t *val;
    int rc = 0;

    if (!direct)
        return ST_ENOMEM;
    /* the root and every workspace folder declare direct dependencies */
    json_object_foreach((json_t *)packages, key, val) {
        if (json_is_object(val) && !find_nm(key) &&
            (rc = mark_direct(packages, key, val, direct, &b)) < 0)
            goto done;
    }
    json_object_foreach((json_t *)packages, key, val) {
        const char *name, *ver;
        if (!*key || !find_nm(key))
            continue; /* the root or a workspace folder */
        if (!json_is_object(val) || json_is_true(json_object_get(val, "link")))
            continue; /* a symlink to a workspace */
        name = st_json_str(val, "name"); /* set for aliases */
        if (!name)
            name = name_from_path(key);
        ver = st_json_str(val, "version");
        if ((rc = emit_str(f, name, ver,
                           st_map_get(direct, key, strlen(key)) ? 1 : 0,
                           json_is_true(json_object_get(val, "dev")),
                           st_json_str(val, "license"))) < 0)
            goto done;
    }
done:
    st_map_free(direct);
    st_buf_release(&b);
    return rc;
}

int st_npm__lock_tree(st_npm_file *f, const char *data, size_t len)
{
    json_t *root;
    const json_t *packages, *deps;
    int rc = 0;

    if (!(root = load(f, data, len)))
        return 0;
    /* v2 carries both; "packages" is the complete one */
    if ((packages = st_json_obj(root, "packages")))
        rc = lock_v2(f, packages);
    else if ((deps = st_json_obj(root, "dependencies")))
        rc = lock_v1(f, deps);
    else if (!json_object_get(root, "lockfileVersion"))
        st_npm__diag(f, "no lockfileVersion, packages or dependencies: "
                        "not a package lock");
    json_decref(root);
    return rc;
}

static int lockfile(st_npm_file *f, const char *data, size_t len)
{
    int rc = st_npm__lock_fast(f, data, len);
    return rc == ST_ENOTFOUND ? st_npm__lock_tree(f, data, len) : rc;
}

/* ---- yarn.lock classic (v1) -------------------------------------------- */

struct yentry {
    const char *name, *range, *ver;
    size_t nlen, rlen, vlen;
};

/* Strips spaces and one pair of double quotes. */
static void unquote(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
    if (*n >= 2 && (*s)[0] == '"' && (*s)[*n - 1] == '"') {
        (*s)++;
        *n -= 2;
    }
}

/* "name@range" → name, range (the '@' of a scope is part of the name). */
static bool split_at(const char *s, size_t n, const char **name,
                     size_t *nlen, const char **range, size_t *rlen)
{
    const char *at = n > 1 ? memchr(s + 1, '@', n - 1) : NULL;
    if (!at)
        return false;
    *name = s;
    *nlen = (size_t)(at - s);
    *range = at + 1;
    *rlen = n - *nlen - 1;
    return *nlen > 0;
}

static int yarn_flush(st_npm_file *f, struct yentry *y)
{
    int rc = 0;
    if (!y->name)
        return 0;
    if (y->rlen >= 4 && !memcmp(y->range, "npm:", 4)) {
        /* an alias: "alias@npm:real@range" */
        const char *rn, *rr;
        size_t rnl, rrl;
        if (split_at(y->range + 4, y->rlen - 4, &rn, &rnl, &rr, &rrl)) {
            y->name = rn;
            y->nlen = rnl;
        }
    } else if ((y->rlen >= 5 && (!memcmp(y->range, "file:", 5) ||
                                 !memcmp(y->range, "link:", 5))) ||
               (y->rlen >= 10 && !memcmp(y->range, "workspace:", 10))) {
        goto done; /* the project's own code */
    }
    rc = st_npm__emit(f, y->name, y->nlen, y->ver, y->vlen, -1, 0, NULL, 0);
done:
    memset(y, 0, sizeof(*y));
    return rc;
}

static int yarn_classic(st_npm_file *f, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    struct yentry y;
    size_t lineno = 0, bad = 0, badline = 0;
    int rc;

    memset(&y, 0, sizeof(y));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line = p, *le = nl ? nl : end;
        size_t n;
        p = nl ? nl + 1 : end;
        lineno++;
        if (le > line && le[-1] == '\r')
            le--;
        n = (size_t)(le - line);
        if (!n || line[0] == '#')
            continue;
        if (line[0] != ' ') {
            /* a header: "a@^1, a@^1.2:" — the first descriptor names it */
            const char *d = line;
            size_t dn;
            if ((rc = yarn_flush(f, &y)) < 0)
                return rc;
            if (line[n - 1] != ':') {
                if (!bad++)
                    badline = lineno;
                continue;
            }
            if (d[0] == '"') {
                const char *q = memchr(d + 1, '"', n - 1);
                if (!q) {
                    if (!bad++)
                        badline = lineno;
                    continue;
                }
                dn = (size_t)(q - d) + 1;
            } else {
                const char *c = memchr(d, ',', n);
                dn = c ? (size_t)(c - d) : n - 1;
            }
            unquote(&d, &dn);
            if (!split_at(d, dn, &y.name, &y.nlen, &y.range, &y.rlen)) {
                memset(&y, 0, sizeof(y));
                if (!bad++)
                    badline = lineno;
            }
            continue;
        }
        /* a field of the entry, indented by two */
        if (y.name && n > 10 && !memcmp(line, "  version", 9) &&
            (line[9] == ' ' || line[9] == ':')) {
            const char *v = line + 10;
            size_t vn = n - 10;
            if (vn && *v == ' ' && line[9] == ':') {
                v++;
                vn--;
            }
            unquote(&v, &vn);
            y.ver = v;
            y.vlen = vn;
        }
    }
    if ((rc = yarn_flush(f, &y)) < 0)
        return rc;
    if (bad)
        st_npm__diag(f, "%zu malformed entries skipped (first at line %zu)",
                     bad, badline);
    return 0;
}

static bool is_berry(const char *data, size_t len)
{
    /* yarn 2+ writes "__metadata:" after a two-line comment */
    size_t n = len < 4096 ? len : 4096;
    for (const char *s = data; s < data + n;) {
        const char *nl = memchr(s, '\n', (size_t)(data + n - s));
        if ((size_t)(data + n - s) >= 11 && !memcmp(s, "__metadata:", 11))
            return true;
        if (!nl)
            break;
        s = nl + 1;
    }
    return false;
}

/* ---- the analyzer ------------------------------------------------------ */

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    st_npm_file f;
    enum kind k = kind_of(e->path, e->path_len);
    int rc = 0;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.ctx = ctx;
    f.e = e;
    if (!(f.found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", e->path)))
        return ST_ENOMEM;
    switch (k) {
    case K_LOCK:
    case K_SHRINKWRAP:
        rc = lockfile(&f, data, len);
        break;
    case K_YARN:
        rc = is_berry(data, len) ? st_npm__berry(&f, data, len)
                                 : yarn_classic(&f, data, len);
        break;
    case K_PNPM:
        rc = st_npm__pnpm(&f, data, len);
        break;
    case K_INSTALLED:
        rc = installed(&f, data, len);
        break;
    case K_NONE:
        break;
    }
    if (rc >= 0 && f.skipped)
        st_ctx_diag(ctx, ST_DIAG_INFO, "npm", e->path, e->layer,
                    "%zu entries without a name or version skipped",
                    f.skipped);
    return rc < 0 ? rc : 0;
}

const st_analyzer_ops st_analyzer_npm = {
    .name = "npm",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = 256u << 20,
    .wants = wants,
    .file = file,
};
