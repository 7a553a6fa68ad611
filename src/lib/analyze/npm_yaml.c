/* npm: the YAML lockfiles, read with libfyaml.
 *
 * pnpm-lock.yaml: "packages" keys are "/name/1.0.0_peers" (v5),
 * "/name@1.0.0(peers)" (v6) or "name@1.0.0" (v9, with the dependency graph
 * in "snapshots"). "importers" (or, in a v5/v6 single-project lock, the
 * document itself) list each project's dependencies, devDependencies and
 * optionalDependencies: those are the direct ones. v5/v6 mark dev-only
 * packages with "dev: true"; v9 does not, so dev is what only the
 * importers' devDependencies reach through the snapshots. A package is
 * reported once per name@version, whatever its peer variants.
 *
 * yarn berry's yarn.lock: keys are descriptor lists ("a@npm:^1, a@npm:^1.2"),
 * "resolution" says what they resolved to. Only npm: resolutions are
 * registry packages; workspace:, patch:, link:, portal:, file: and URLs are
 * not. Workspace entries list the project's direct dependencies; the lock
 * does not tell dev from prod, so dev is 0. */
#include <stdio.h>
#include <string.h>

#include <libfyaml.h>

#include "npm.h"
#include "util/yaml.h"
#include "util/banned.h"

/* ---- libfyaml helpers --------------------------------------------------- */

struct yaml {
    struct fy_document *doc;
    struct fy_diag *diag;
    char msg[160]; /* libfyaml's first message */
};

/* The first error libfyaml collected, for the diagnostic. */
static void first_error(struct yaml *y)
{
    unsigned line, col;
    char msg[sizeof(y->msg) - 40]; /* room for "line N column N: " */
    if (st_yaml_diag_first(y->diag, &line, &col, msg, sizeof(msg)))
        snprintf(y->msg, sizeof(y->msg), "line %u column %u: %s", line, col,
                 msg);
}

static void yaml_release(struct yaml *y)
{
    fy_document_destroy(y->doc);
    if (y->diag)
        fy_diag_destroy(y->diag); /* frees the collected errors */
}

/* Parses data into y->doc, whose root is a mapping; false (with a
 * diagnostic, y released) when it is not. */
static bool parse(st_npm_file *f, struct yaml *y, const char *data,
                  size_t len)
{
    struct fy_parse_cfg cfg;
    struct fy_node *root;

    memset(y, 0, sizeof(*y));
    /* libfyaml 0.7.12 loops forever on some invalid UTF-8 (a directive
     * "%\x9a", found by fuzz_pnpm_lock); lockfiles are UTF-8 */
    if (st_utf8_check(data, len) != len) {
        st_npm__diag(f, "not valid UTF-8");
        return false;
    }
    y->diag = st_yaml_diag_new();
    memset(&cfg, 0, sizeof(cfg));
    /* aliases stay unresolved, so an alias bomb costs nothing (an alias
     * is never a scalar we read) */
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_AUTO;
    cfg.diag = y->diag;
    if (y->diag)
        y->doc = fy_document_build_from_string(&cfg, data, len);
    root = y->doc ? fy_document_root(y->doc) : NULL;
    if (!root && y->diag)
        first_error(y);
    if (!root || fy_node_get_type(root) != FYNT_MAPPING) {
        if (!y->diag)
            st_npm__diag(f, "cannot parse YAML: out of memory");
        else if (y->msg[0])
            st_npm__diag(f, "not valid YAML: %s", y->msg);
        else
            st_npm__diag(f, "not a YAML mapping");
        yaml_release(y);
        return false;
    }
    return true;
}

static bool is_map(struct fy_node *n)
{
    return n && fy_node_get_type(n) == FYNT_MAPPING;
}

static struct fy_node *get(struct fy_node *map, const char *key)
{
    return is_map(map)
               ? fy_node_mapping_lookup_value_by_simple_key(map, key,
                                                            strlen(key))
               : NULL;
}

/* A plain scalar's text (not NUL-terminated), NULL for anything else. */
static const char *scalar(struct fy_node *n, size_t *len)
{
    const char *s;
    *len = 0;
    if (!n || fy_node_get_type(n) != FYNT_SCALAR || fy_node_is_alias(n))
        return NULL;
    s = fy_node_get_scalar(n, len);
    if (!s)
        *len = 0;
    return s;
}

static bool prefix(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    return n >= pl && !memcmp(s, p, pl);
}

/* "name@rest" → name, rest; a leading '@' belongs to a scoped name. */
static bool split_at(const char *s, size_t n, const char **name,
                     size_t *nlen, const char **rest, size_t *rlen)
{
    const char *at = n > 1 ? memchr(s + 1, '@', n - 1) : NULL;
    if (!at)
        return false;
    *name = s;
    *nlen = (size_t)(at - s);
    *rest = at + 1;
    *rlen = n - *nlen - 1;
    return true;
}

/* ---- pnpm ---------------------------------------------------------------- */

struct dep {
    struct fy_node *map; /* a snapshot's dependencies mapping */
    struct dep *next;
};

/* One name@version (all its peer variants). */
struct agg {
    const char *name, *ver; /* what is reported */
    size_t nlen, vlen;
    bool listed;      /* in "packages" */
    bool direct;
    int devflag;      /* v5/v6 "dev": -1 none seen, 0, 1 */
    unsigned mark;    /* v9 reachability: 1 prod, 2 dev */
    struct dep *deps; /* v9 */
    struct agg *next_work;
};

struct pnpm {
    st_npm_file *f;
    int major;
    st_arena *tmp;
    st_map *aggs; /* "name@version" → struct agg * */
    st_vec order; /* struct agg *, as listed */
    st_buf key;
};

/* The version without its peer suffix: "(…)" (v6+) or "_…" (v5). */
static size_t bare(const struct pnpm *p, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == '(' || (p->major < 6 && v[i] == '_'))
            return i;
    return n;
}

/* Splits a packages/snapshots key into name and (bare) version. */
static bool split_key(const struct pnpm *p, const char *k, size_t n,
                      const char **name, size_t *nlen, const char **ver,
                      size_t *vlen)
{
    if (n && k[0] == '/') {
        k++;
        n--;
    } else if (p->major < 9) {
        return false; /* v5/v6: git, tarball and file: keys */
    }
    if (p->major < 6) {
        /* "name/1.0.0" or "@scope/name/1.0.0" */
        const char *s = memchr(k, '/', n);
        if (s && k[0] == '@')
            s = memchr(s + 1, '/', n - (size_t)(s + 1 - k));
        if (!s || s == k)
            return false;
        *name = k;
        *nlen = (size_t)(s - k);
        *ver = s + 1;
        *vlen = n - *nlen - 1;
    } else if (!split_at(k, n, name, nlen, ver, vlen)) {
        return false;
    }
    *vlen = bare(p, *ver, *vlen);
    return *nlen && *vlen;
}

/* The name@version a dependency reference points at: "1.0.0(peer)", an
 * alias "real@1.0.0" (v9) or a key "/real/1.0.0" (v5/v6). Leaves p->key
 * empty for link: and file: references. */
static int ref_key(struct pnpm *p, const char *name, size_t nlen,
                   const char *v, size_t vn)
{
    const char *rn, *rv;
    size_t rnl, rvl, b;
    int rc;

    st_buf_reset(&p->key);
    if (!v || !vn || prefix(v, vn, "link:") || prefix(v, vn, "file:"))
        return 0;
    if (v[0] == '/') {
        if (!split_key(p, v, vn, &rn, &rnl, &rv, &rvl))
            return 0;
        name = rn;
        nlen = rnl;
        v = rv;
        vn = rvl;
    } else if (split_at(v, bare(p, v, vn), &rn, &rnl, &rv, &rvl) &&
               !memchr(rn, ':', rnl)) {
        name = rn;
        nlen = rnl;
        v = rv;
        vn = vn - rnl - 1;
    }
    b = bare(p, v, vn);
    if ((rc = st_buf_put(&p->key, name, nlen)) < 0 ||
        (rc = st_buf_putc(&p->key, '@')) < 0 ||
        (rc = st_buf_put(&p->key, v, b)) < 0)
        return rc;
    return 0;
}

/* The agg for p->key, created when `create`. */
static int agg_of(struct pnpm *p, bool create, struct agg **out)
{
    void **slot;
    bool created;
    int rc;
    *out = NULL;
    if (!p->key.len)
        return 0;
    if (!create) {
        *out = st_map_get(p->aggs, p->key.ptr, p->key.len);
        return 0;
    }
    if ((rc = st_map_slot(p->aggs, p->key.ptr, p->key.len, &slot,
                          &created)) < 0)
        return rc;
    if (created) {
        struct agg *a = st_arena_alloc(p->tmp, sizeof(*a));
        if (!a)
            return ST_ENOMEM;
        a->devflag = -1;
        *slot = a;
    }
    *out = *slot;
    return 0;
}

static const char *const prod_fields[] = {"dependencies",
                                          "optionalDependencies"};

/* Marks what the dependency mapping `deps` reaches with `mark`. */
static int reach(struct pnpm *p, struct fy_node *deps, unsigned mark)
{
    struct agg *work = NULL;
    void *it = NULL;
    struct fy_node_pair *pair;
    int rc;

    /* seed */
    while (is_map(deps) && (pair = fy_node_mapping_iterate(deps, &it))) {
        size_t nl, vl;
        const char *n = scalar(fy_node_pair_key(pair), &nl);
        struct fy_node *val = fy_node_pair_value(pair);
        const char *v = scalar(is_map(val) ? get(val, "version") : val, &vl);
        struct agg *a;
        if (!n)
            continue;
        if ((rc = ref_key(p, n, nl, v, vl)) < 0 ||
            (rc = agg_of(p, false, &a)) < 0)
            return rc;
        if (a && !a->mark) {
            a->mark = mark;
            a->next_work = work;
            work = a;
        }
    }
    while (work) {
        struct agg *a = work;
        work = a->next_work;
        for (struct dep *d = a->deps; d; d = d->next) {
            it = NULL;
            while ((pair = fy_node_mapping_iterate(d->map, &it))) {
                size_t nl, vl;
                const char *n = scalar(fy_node_pair_key(pair), &nl);
                const char *v = scalar(fy_node_pair_value(pair), &vl);
                struct agg *b;
                if (!n)
                    continue;
                if ((rc = ref_key(p, n, nl, v, vl)) < 0 ||
                    (rc = agg_of(p, false, &b)) < 0)
                    return rc;
                if (b && !b->mark) {
                    b->mark = mark;
                    b->next_work = work;
                    work = b;
                }
            }
        }
    }
    return 0;
}

/* One importer (project): its dependencies are direct. */
static int importer(struct pnpm *p, struct fy_node *imp, unsigned mark)
{
    static const char *const fields[] = {"dependencies", "devDependencies",
                                         "optionalDependencies"};
    int rc;
    for (size_t i = 0; i < 3; i++) {
        struct fy_node *deps = get(imp, fields[i]);
        struct fy_node_pair *pair;
        void *it = NULL;
        while (is_map(deps) && (pair = fy_node_mapping_iterate(deps, &it))) {
            size_t nl, vl;
            const char *n = scalar(fy_node_pair_key(pair), &nl);
            struct fy_node *val = fy_node_pair_value(pair);
            const char *v =
                scalar(is_map(val) ? get(val, "version") : val, &vl);
            struct agg *a;
            if (!n)
                continue;
            if ((rc = ref_key(p, n, nl, v, vl)) < 0 ||
                (rc = agg_of(p, false, &a)) < 0)
                return rc;
            if (a)
                a->direct = true;
        }
        /* v9: what each kind of dependency reaches (prod first) */
        if (mark && (i == 1) == (mark == 2) && (rc = reach(p, deps, mark)) < 0)
            return rc;
    }
    return 0;
}

static int importers(struct pnpm *p, struct fy_node *root, unsigned mark)
{
    struct fy_node *imps = get(root, "importers");
    struct fy_node_pair *pair;
    void *it = NULL;
    int rc;
    if (!is_map(imps))
        return importer(p, root, mark); /* a single project, v5/v6 */
    while ((pair = fy_node_mapping_iterate(imps, &it)))
        if ((rc = importer(p, fy_node_pair_value(pair), mark)) < 0)
            return rc;
    return 0;
}

static int pnpm_packages(struct pnpm *p, struct fy_node *pkgs)
{
    struct fy_node_pair *pair;
    void *it = NULL;
    int rc;

    while ((pair = fy_node_mapping_iterate(pkgs, &it))) {
        struct fy_node *val = fy_node_pair_value(pair);
        size_t kl, nl = 0, vl = 0, fnl, fvl, dl;
        const char *k = scalar(fy_node_pair_key(pair), &kl);
        const char *n = NULL, *v = NULL, *dv;
        const char *fn = scalar(get(val, "name"), &fnl);
        const char *fv = scalar(get(val, "version"), &fvl);
        struct agg *a;

        if (!k) {
            p->f->skipped++;
            continue;
        }
        st_buf_reset(&p->key);
        if (split_key(p, k, kl, &n, &nl, &v, &vl)) {
            if (prefix(v, vl, "link:") || prefix(v, vl, "file:"))
                continue; /* the project's own code */
            if ((rc = st_buf_put(&p->key, n, nl)) < 0 ||
                (rc = st_buf_putc(&p->key, '@')) < 0 ||
                (rc = st_buf_put(&p->key, v, vl)) < 0)
                return rc;
        } else if (prefix(k, kl, "file:") || prefix(k, kl, "link:")) {
            continue;
        } else if ((rc = st_buf_put(&p->key, k, kl)) < 0) {
            /* a git or tarball dependency (v5/v6): name/version fields */
            return rc;
        }
        if (fn) {
            n = fn;
            nl = fnl;
        }
        if (fv) {
            v = fv;
            vl = fvl;
        }
        if (!n || !v || memchr(v, ':', vl)) {
            p->f->skipped++;
            continue;
        }
        if ((rc = agg_of(p, true, &a)) < 0)
            return rc;
        if (!a->listed) {
            a->listed = true;
            a->name = n;
            a->nlen = nl;
            a->ver = v;
            a->vlen = vl;
            if ((rc = st_vec_push(&p->order, a)) < 0)
                return rc;
        }
        dv = scalar(get(val, "dev"), &dl);
        if (dv && dl == 4 && !memcmp(dv, "true", 4)) {
            if (a->devflag < 0)
                a->devflag = 1;
        } else {
            a->devflag = 0; /* "dev: false", or used both ways */
        }
    }
    return 0;
}

/* v9: the dependency graph, per name@version. */
static int pnpm_snapshots(struct pnpm *p, struct fy_node *snaps)
{
    struct fy_node_pair *pair;
    void *it = NULL;
    int rc;
    while ((pair = fy_node_mapping_iterate(snaps, &it))) {
        size_t kl, nl, vl;
        const char *k = scalar(fy_node_pair_key(pair), &kl), *n, *v;
        struct fy_node *val = fy_node_pair_value(pair);
        struct agg *a;
        if (!k || !split_key(p, k, kl, &n, &nl, &v, &vl))
            continue;
        st_buf_reset(&p->key);
        if ((rc = st_buf_put(&p->key, n, nl)) < 0 ||
            (rc = st_buf_putc(&p->key, '@')) < 0 ||
            (rc = st_buf_put(&p->key, v, vl)) < 0 ||
            (rc = agg_of(p, false, &a)) < 0)
            return rc;
        if (!a)
            continue; /* only in snapshots: nothing to report */
        for (size_t i = 0; i < 2; i++) {
            struct fy_node *deps = get(val, prod_fields[i]);
            struct dep *d;
            if (!is_map(deps))
                continue;
            if (!(d = st_arena_alloc(p->tmp, sizeof(*d))))
                return ST_ENOMEM;
            d->map = deps;
            d->next = a->deps;
            a->deps = d;
        }
    }
    return 0;
}

int st_npm__pnpm(st_npm_file *f, const char *data, size_t len)
{
    struct yaml y;
    struct fy_node *root, *pkgs, *snaps;
    const char *lv;
    size_t lvl;
    struct pnpm p;
    int rc = 0;

    if (!parse(f, &y, data, len))
        return 0;
    memset(&p, 0, sizeof(p));
    p.f = f;
    st_buf_init(&p.key, 1u << 20);
    root = fy_document_root(y.doc);
    lv = scalar(get(root, "lockfileVersion"), &lvl);
    if (!lv || !lvl || lv[0] < '1' || lv[0] > '9') {
        st_npm__diag(f, "no lockfileVersion: not a pnpm lock");
        goto done;
    }
    p.major = lvl > 1 && lv[1] >= '0' && lv[1] <= '9' ? 10 : lv[0] - '0';
    if (p.major > 9)
        st_npm__diag(f, "lockfileVersion %.*s is newer than 9: read as 9",
                     (int)(lvl < 16 ? lvl : 16), lv);
    pkgs = get(root, "packages");
    if (!is_map(pkgs))
        goto done; /* no dependencies */
    if (!(p.tmp = st_arena_new()) || !(p.aggs = st_map_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(pnpm_packages(&p, pkgs));
    snaps = get(root, "snapshots");
    if (is_map(snaps))
        ST_CHECK(pnpm_snapshots(&p, snaps));
    if (p.major >= 9) {
        ST_CHECK(importers(&p, root, 1)); /* prod first, */
        ST_CHECK(importers(&p, root, 2)); /* then what only dev reaches */
    } else {
        ST_CHECK(importers(&p, root, 0));
    }
    for (size_t i = 0; i < p.order.len; i++) {
        struct agg *a = p.order.items[i];
        int dev = p.major >= 9 ? a->mark == 2 : a->devflag == 1;
        ST_CHECK(st_npm__emit(f, a->name, a->nlen, a->ver, a->vlen,
                              a->direct, dev, NULL, 0));
    }
done:
    st_vec_release(&p.order);
    st_map_free(p.aggs);
    st_arena_free(p.tmp);
    st_buf_release(&p.key);
    yaml_release(&y);
    return rc;
}

/* ---- yarn berry ---------------------------------------------------------- */

/* Adds "name@range" to the set; for "patch:inner#…" also the inner
 * descriptor ("%3A" decoded), which is the npm: entry it patches. */
static int add_descriptor(st_map *set, st_buf *b, const char *n, size_t nl,
                          const char *r, size_t rl)
{
    void **slot;
    bool created;
    int rc;

    st_buf_reset(b);
    if ((rc = st_buf_put(b, n, nl)) < 0 || (rc = st_buf_putc(b, '@')) < 0 ||
        (rc = st_buf_put(b, r, rl)) < 0 ||
        (rc = st_map_slot(set, b->ptr, b->len, &slot, &created)) < 0)
        return rc;
    *slot = (void *)1;
    if (prefix(r, rl, "patch:")) {
        const char *s = r + 6, *e = memchr(s, '#', rl - 6);
        if (!e)
            e = r + rl;
        st_buf_reset(b);
        for (; s < e; s++) {
            if (e - s >= 3 && s[0] == '%' && s[1] == '3' &&
                (s[2] == 'A' || s[2] == 'a')) {
                rc = st_buf_putc(b, ':');
                s += 2;
            } else {
                rc = st_buf_putc(b, *s);
            }
            if (rc < 0)
                return rc;
        }
        if ((rc = st_map_slot(set, b->ptr, b->len, &slot, &created)) < 0)
            return rc;
        *slot = (void *)1;
    }
    return 0;
}

static int berry_workspaces(struct fy_node *root, st_map *set, st_buf *b,
                            bool *any)
{
    static const char *const fields[] = {"dependencies", "peerDependencies",
                                         "optionalDependencies"};
    struct fy_node_pair *pair;
    void *it = NULL;
    int rc;

    while ((pair = fy_node_mapping_iterate(root, &it))) {
        struct fy_node *val = fy_node_pair_value(pair);
        size_t rl;
        const char *res = scalar(get(val, "resolution"), &rl), *n, *r;
        size_t nl, rrl;
        if (!res || !split_at(res, rl, &n, &nl, &r, &rrl) ||
            !prefix(r, rrl, "workspace:"))
            continue;
        *any = true;
        for (size_t i = 0; i < 3; i++) {
            struct fy_node *deps = get(val, fields[i]);
            struct fy_node_pair *dp;
            void *dit = NULL;
            while (is_map(deps) && (dp = fy_node_mapping_iterate(deps, &dit))) {
                size_t dnl, drl;
                const char *dn = scalar(fy_node_pair_key(dp), &dnl);
                const char *dr = scalar(fy_node_pair_value(dp), &drl);
                if (dn && dr &&
                    (rc = add_descriptor(set, b, dn, dnl, dr, drl)) < 0)
                    return rc;
            }
        }
    }
    return 0;
}

/* Whether one of the comma-separated descriptors of a key is in set. */
static bool any_in(const st_map *set, const char *k, size_t kl)
{
    const char *s = k, *end = k + kl;
    while (s < end) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        const char *e = c ? c : end;
        const char *a = s, *z = e;
        while (a < z && *a == ' ')
            a++;
        while (z > a && z[-1] == ' ')
            z--;
        if (z > a && st_map_get(set, a, (size_t)(z - a)))
            return true;
        s = c ? c + 1 : end;
    }
    return false;
}

int st_npm__berry(st_npm_file *f, const char *data, size_t len)
{
    struct yaml y;
    struct fy_node *root;
    struct fy_node_pair *pair;
    void *it = NULL;
    st_map *set = NULL;
    st_buf b = ST_BUF_INIT(1u << 20);
    bool any = false;
    int rc = 0;

    if (!parse(f, &y, data, len))
        return 0;
    root = fy_document_root(y.doc);
    if (!(set = st_map_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(berry_workspaces(root, set, &b, &any));
    while ((pair = fy_node_mapping_iterate(root, &it))) {
        struct fy_node *val = fy_node_pair_value(pair);
        size_t kl, rl, vl, nl, rrl;
        const char *k = scalar(fy_node_pair_key(pair), &kl);
        const char *res = scalar(get(val, "resolution"), &rl), *n, *r;
        const char *v = scalar(get(val, "version"), &vl);
        if (!k || (kl == 10 && !memcmp(k, "__metadata", 10)))
            continue;
        if (!res || !split_at(res, rl, &n, &nl, &r, &rrl)) {
            f->skipped++;
            continue;
        }
        if (!prefix(r, rrl, "npm:"))
            continue; /* workspace:, patch:, link:, git, tarballs */
        if (!v) {
            v = r + 4;
            vl = rrl - 4;
        }
        ST_CHECK(st_npm__emit(f, n, nl, v, vl,
                              any ? (int)any_in(set, k, kl) : -1, 0, NULL,
                              0));
    }
done:
    st_map_free(set);
    st_buf_release(&b);
    yaml_release(&y);
    return rc;
}
