/* cargo: Rust crates from Cargo.lock (lock versions 1 to 4).
 *
 * Every [[package]] with a source (a registry, a git repository) is a
 * dependency; those without are the workspace's own members and are not
 * reported. The members' `dependencies` in the lock are the direct ones
 * (normal, build and dev alike: the lock does not tell them apart). When
 * the Cargo.toml beside the lock describes a package of the workspace,
 * its [dev-dependencies] (and target-specific ones) tell which crates are
 * reached only through dev dependencies: those are dev. The manifest may
 * come before or after the lock in the walk, so locks wait for `end`. */
#include <string.h>

#include "pkgdb.h"
#include "util/json.h"
#include "util/toml.h"
#include "util/banned.h"

#define NAME "cargo"

#define R_RUNTIME 1u
#define R_DEV 2u

/* What a Cargo.toml says: its package name and dependency kinds. */
struct manifest {
    char *package; /* NULL: a virtual workspace manifest */
    st_map *deps;  /* crate name → R_RUNTIME | R_DEV */
};

struct cargo {
    st_map *manifests; /* path → struct manifest * */
    st_vec pending;    /* st_pending_lock * */
};

static const char *base(const char *path, size_t len)
{
    const char *s = path + len;
    while (s > path && s[-1] != '/')
        s--;
    return s;
}

static bool wants(const st_entry *e)
{
    const char *b;
    if (e->type != ST_ENTRY_FILE)
        return false;
    b = base(e->path, e->path_len);
    if (!strcmp(b, "Cargo.lock"))
        return true;
    /* manifests matter only beside a lock: not the thousands of crate
     * sources in cargo's registry cache */
    return !strcmp(b, "Cargo.toml") && !strstr(e->path, "registry/src/") &&
           !strstr(e->path, "registry/cache/");
}

static void manifest_free(struct manifest *m)
{
    if (!m)
        return;
    st_free(m->package);
    st_map_free(m->deps);
    st_free(m);
}

static int begin(void **state, st_scan_ctx *ctx)
{
    struct cargo *c = st_calloc(1, sizeof(*c));
    (void)ctx;
    if (!c)
        return ST_ENOMEM;
    *state = c;
    return (c->manifests = st_map_new()) ? 0 : ST_ENOMEM;
}

static void release(void *state)
{
    struct cargo *c = state;
    size_t pos = 0;
    const char *k;
    void *v;
    if (!c)
        return;
    while (c->manifests && st_map_next(c->manifests, &pos, &k, &v))
        manifest_free(v);
    st_map_free(c->manifests);
    st_pending_lock_release(&c->pending);
    st_free(c);
}

/* ---- Cargo.toml ---------------------------------------------------------- */

static int dep_table(st_map *deps, const json_t *tbl, unsigned bits)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)tbl, k, v) {
        /* foo = { package = "bar", … } renames crate bar */
        const char *real = st_json_str(v, "package");
        const char *name = real ? real : k;
        void **slot;
        bool created;
        if (st_map_slot(deps, name, strlen(name), &slot, &created) < 0)
            return ST_ENOMEM;
        *slot = (void *)((uintptr_t)*slot | bits);
    }
    return 0;
}

static int manifest_of(struct manifest *m, const json_t *doc)
{
    static const struct {
        const char *key;
        unsigned bits;
    } kinds[] = {{"dependencies", R_RUNTIME},
                 {"build-dependencies", R_RUNTIME},
                 {"build_dependencies", R_RUNTIME},
                 {"dev-dependencies", R_DEV},
                 {"dev_dependencies", R_DEV}};
    const char *name = st_json_str(st_json_obj(doc, "package"), "name");
    const char *k;
    json_t *v;

    if (name && !(m->package = st_strdup(name)))
        return ST_ENOMEM;
    if (!(m->deps = st_map_new()))
        return ST_ENOMEM;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (dep_table(m->deps, st_json_obj(doc, kinds[i].key), kinds[i].bits) < 0)
            return ST_ENOMEM;
        /* [target.'cfg(unix)'.dependencies] */
        json_object_foreach(st_json_obj(doc, "target"), k, v)
            if (dep_table(m->deps, st_json_obj(v, kinds[i].key),
                          kinds[i].bits) < 0)
                return ST_ENOMEM;
    }
    return 0;
}

/* ---- Cargo.lock ------------------------------------------------------------ */

/* "name", "name version" or "name version (source)": the name and version. */
static void dep_ref(const char *s, const char **name, size_t *nlen,
                    const char **ver, size_t *vlen)
{
    const char *sp = strchr(s, ' ');
    *name = s;
    *nlen = sp ? (size_t)(sp - s) : strlen(s);
    *ver = NULL;
    *vlen = 0;
    if (sp) {
        const char *sp2 = strchr(sp + 1, ' ');
        *ver = sp + 1;
        *vlen = sp2 ? (size_t)(sp2 - *ver) : strlen(*ver);
    }
}

typedef struct lock {
    size_t n;
    json_t **pkgs;
    unsigned *reach;
    st_map *byname; /* name → st_vec * of indexes + 1 */
} lock;

static void lock_release(lock *l)
{
    size_t pos = 0;
    const char *k;
    void *v;
    while (l->byname && st_map_next(l->byname, &pos, &k, &v)) {
        if (v) /* NULL when its allocation failed */
            st_vec_release(v);
        st_free(v);
    }
    st_map_free(l->byname);
    st_free(l->pkgs);
    st_free(l->reach);
}

static int lock_init(lock *l, const json_t *arr)
{
    size_t i;
    json_t *pkg;
    memset(l, 0, sizeof(*l));
    l->n = json_array_size(arr);
    if (!(l->byname = st_map_new()) ||
        !(l->pkgs = st_calloc(l->n + 1, sizeof(*l->pkgs))) ||
        !(l->reach = st_calloc(l->n + 1, sizeof(*l->reach))))
        return ST_ENOMEM;
    json_array_foreach(arr, i, pkg) {
        const char *name = st_json_str(pkg, "name");
        void **slot;
        bool created;
        l->pkgs[i] = pkg;
        if (!name)
            continue;
        if (st_map_slot(l->byname, name, strlen(name), &slot, &created) < 0)
            return ST_ENOMEM;
        if (!*slot && !(*slot = st_calloc(1, sizeof(st_vec))))
            return ST_ENOMEM;
        if (st_vec_push(*slot, (void *)(uintptr_t)(i + 1)) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

/* Marks the packages a dependency string names, queueing new ones. */
static int mark(lock *l, const char *dep, unsigned bits, st_vec *queue)
{
    const char *name, *ver;
    size_t nlen, vlen;
    st_vec *idx;
    dep_ref(dep, &name, &nlen, &ver, &vlen);
    if (!(idx = st_map_get(l->byname, name, nlen)))
        return 0;
    for (size_t i = 0; i < idx->len; i++) {
        size_t k = (uintptr_t)idx->items[i] - 1;
        const char *v = st_json_str(l->pkgs[k], "version");
        if (ver && (!v || strlen(v) != vlen || memcmp(v, ver, vlen)))
            continue;
        if ((l->reach[k] & bits) == bits)
            continue;
        l->reach[k] |= bits;
        if (st_vec_push(queue, (void *)(uintptr_t)(k + 1)) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static int walk(lock *l, unsigned bits, st_vec *queue)
{
    while (queue->len) {
        size_t k = (uintptr_t)queue->items[--queue->len] - 1, j;
        json_t *d;
        json_array_foreach(st_json_arr(l->pkgs[k], "dependencies"), j, d)
            if (json_is_string(d) &&
                mark(l, json_string_value(d), bits, queue) < 0)
                return ST_ENOMEM;
    }
    return 0;
}

static bool member(const json_t *pkg)
{
    return !json_object_get(pkg, "source");
}

static bool usable(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static int is_direct(st_map *direct, const char *name, const char *ver)
{
    st_buf k = ST_BUF_INIT(1u << 16);
    int r = st_map_get(direct, name, strlen(name)) ? 1 : 0;
    if (!r && st_buf_printf(&k, "%s %s", name, ver) == 0)
        r = st_map_get(direct, k.ptr, k.len) ? 1 : 0;
    st_buf_release(&k);
    return r;
}

static int cargo_lock(st_scan_ctx *ctx, const st_pending_lock *p,
                      const struct manifest *m)
{
    json_t *arr = st_json_arr(p->doc, "package"), *pkg, *d;
    const char *found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", p->path);
    st_map *direct = st_map_new();
    st_vec q = ST_VEC_INIT;
    lock l;
    size_t i, j, bad = 0, members = 0;
    bool devinfo = false;
    int rc = 0;

    memset(&l, 0, sizeof(l));
    if (!found_in || !direct) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (!arr) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, NAME, p->path, p->layer,
                    "no [[package]] entries");
        goto done;
    }
    ST_CHECK(lock_init(&l, arr));
    /* the members' dependencies: direct; with the manifest of one member,
     * its dev-only ones seed the dev reach, everything else the runtime */
    json_array_foreach(arr, i, pkg) {
        const char *pname = st_json_str(pkg, "name");
        bool described = m && m->package && pname && !strcmp(m->package, pname);
        if (!member(pkg))
            continue;
        members++;
        devinfo = devinfo || described;
        json_array_foreach(st_json_arr(pkg, "dependencies"), j, d) {
            const char *name, *ver;
            size_t nlen, vlen;
            unsigned kind = R_RUNTIME;
            void **slot;
            bool created;
            if (!json_is_string(d))
                continue;
            dep_ref(json_string_value(d), &name, &nlen, &ver, &vlen);
            /* "name" or, when the lock names the version, "name version" */
            ST_CHECK(st_map_slot(direct, name, ver ? nlen + 1 + vlen : nlen,
                                 &slot, &created));
            *slot = (void *)1;
            if (described) {
                unsigned k = (unsigned)(uintptr_t)st_map_get(m->deps, name, nlen);
                if (k == R_DEV)
                    kind = R_DEV;
            }
            if (kind == R_RUNTIME)
                ST_CHECK(mark(&l, json_string_value(d), R_RUNTIME, &q));
        }
    }
    ST_CHECK(walk(&l, R_RUNTIME, &q));
    if (devinfo) {
        json_array_foreach(arr, i, pkg) {
            const char *pname = st_json_str(pkg, "name");
            if (!member(pkg) || !pname || strcmp(m->package, pname))
                continue;
            json_array_foreach(st_json_arr(pkg, "dependencies"), j, d) {
                const char *name, *ver;
                size_t nlen, vlen;
                if (!json_is_string(d))
                    continue;
                dep_ref(json_string_value(d), &name, &nlen, &ver, &vlen);
                if ((uintptr_t)st_map_get(m->deps, name, nlen) == R_DEV)
                    ST_CHECK(mark(&l, json_string_value(d), R_DEV, &q));
            }
        }
        ST_CHECK(walk(&l, R_DEV, &q));
    }
    json_array_foreach(arr, i, pkg) {
        const char *name = st_json_str(pkg, "name");
        const char *ver = st_json_str(pkg, "version");
        st_package *out;
        if (member(pkg))
            continue;
        if (!usable(name) || !usable(ver)) {
            bad++;
            continue;
        }
        if (!(out = st_ctx_add_package(ctx))) {
            rc = ST_ENOMEM;
            goto done;
        }
        out->type = "cargo";
        out->name = st_arena_strdup(st_ctx_arena(ctx), name);
        out->version = st_arena_strdup(st_ctx_arena(ctx), ver);
        out->found_in = found_in;
        out->direct = members ? is_direct(direct, name, ver) : -1;
        out->dev = devinfo && !(l.reach[i] & R_RUNTIME) && (l.reach[i] & R_DEV);
        st_ctx_package_layer(ctx, out, p->layer);
        if (!out->name || !out->version) {
            rc = ST_ENOMEM;
            goto done;
        }
    }
    if (bad)
        st_ctx_diag(ctx, ST_DIAG_WARNING, NAME, p->path, p->layer,
                    "%zu [[package]] entries without a name or version skipped",
                    bad);
done:
    st_vec_release(&q);
    lock_release(&l);
    st_map_free(direct);
    return rc;
}

/* ---- walk ----------------------------------------------------------------- */

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct cargo *c = state;
    const char *b = base(e->path, e->path_len);
    st_error *err = NULL;
    json_t *doc = NULL;
    int rc;

    rc = st_toml_parse(&doc, data, len, e->path, &err);
    if (rc == ST_ENOMEM) {
        st_error_free(err);
        return ST_ENOMEM;
    }
    if (rc < 0) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, NAME, e->path, e->layer, "%s",
                    st_error_message(err));
        st_error_free(err);
        return 0;
    }
    rc = 0;
    if (!strcmp(b, "Cargo.toml")) {
        struct manifest *m = st_calloc(1, sizeof(*m));
        void **slot;
        bool created;
        if (!m || manifest_of(m, doc) < 0 ||
            st_map_slot(c->manifests, e->path, e->path_len, &slot,
                        &created) < 0) {
            manifest_free(m);
            rc = ST_ENOMEM;
        } else {
            manifest_free(*slot);
            *slot = m;
        }
    } else {
        rc = st_pending_lock_add(&c->pending, e, 0, &doc);
    }
    json_decref(doc);
    return rc;
}

static int end(void *state, st_scan_ctx *ctx)
{
    struct cargo *c = state;
    st_buf mpath = ST_BUF_INIT(1u << 16);
    int rc = 0;

    for (size_t i = 0; i < c->pending.len && rc >= 0; i++) {
        st_pending_lock *p = c->pending.items[i];
        const char *b = base(p->path, strlen(p->path));
        st_buf_reset(&mpath);
        if (st_buf_put(&mpath, p->path, (size_t)(b - p->path)) < 0 ||
            st_buf_puts(&mpath, "Cargo.toml") < 0) {
            rc = ST_ENOMEM;
            break;
        }
        rc = cargo_lock(ctx, p, st_map_get(c->manifests, mpath.ptr, mpath.len));
    }
    st_buf_release(&mpath);
    return rc;
}

const st_analyzer_ops st_analyzer_cargo = {
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
