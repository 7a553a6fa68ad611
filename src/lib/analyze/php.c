/* php: Composer's composer.lock and vendor/composer/installed.json.
 *
 * composer.lock lists the runtime packages under "packages" and the
 * development ones under "packages-dev"; which of them the project asks for
 * itself is in the composer.json beside it ("require", "require-dev"), read
 * too and matched in `end` since the walk may bring either file first.
 * installed.json is what `composer install` put into vendor/: Composer 1
 * wrote a JSON array of packages, Composer 2 writes {"packages": [...],
 * "dev-package-names": [...]}. Versions are kept as declared ("v5.4.19"):
 * Packagist advisories are in Composer's versions and matching normalises.
 * A license array means the user may choose (Composer's documentation), so
 * it becomes "A OR B". */
#include <string.h>

#include "analyzer.h"
#include "util/json.h"

#include "util/banned.h" /* last */

struct pending {
    const char *dir; /* directory of the composer.lock, "" at the root */
    st_package *p;
};

struct php {
    st_map *requires; /* dir -> st_map of lower-cased required names */
    st_vec pending;   /* struct pending * (heap) */
};

static const char *base_of(const st_entry *e, size_t *dirlen)
{
    const char *slash = memrchr(e->path, '/', e->path_len);
    *dirlen = slash ? (size_t)(slash - e->path) : 0;
    return slash ? slash + 1 : e->path;
}

/* vendor/x/y/composer.json are the packages' own manifests, not projects */
static bool in_vendor(const char *p, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++)
        if ((i == 0 || p[i - 1] == '/') && !memcmp(p + i, "vendor/", 7))
            return true;
    return false;
}

static bool wants(const st_entry *e)
{
    size_t dl;
    const char *b;
    if (e->type != ST_ENTRY_FILE)
        return false;
    b = base_of(e, &dl);
    if (!strcmp(b, "composer.lock"))
        return true;
    if (!strcmp(b, "composer.json"))
        return !in_vendor(e->path, e->path_len);
    if (!strcmp(b, "installed.json"))
        return (dl == 8 || (dl > 8 && e->path[dl - 9] == '/')) &&
               !memcmp(e->path + dl - 8, "composer", 8);
    return false;
}

static int begin(void **state, st_scan_ctx *ctx)
{
    struct php *d = st_calloc(1, sizeof(*d));
    (void)ctx;
    if (!d)
        return ST_ENOMEM;
    *state = d;
    return (d->requires = st_map_new()) ? 0 : ST_ENOMEM;
}

static void release(void *state)
{
    struct php *d = state;
    size_t pos = 0;
    void *v;
    if (!d)
        return;
    while (d->requires && st_map_next(d->requires, &pos, NULL, &v))
        st_map_free(v);
    st_map_free(d->requires);
    for (size_t i = 0; i < d->pending.len; i++)
        st_free(d->pending.items[i]);
    st_vec_release(&d->pending);
    st_free(d);
}

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > 512)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return false;
    return true;
}

/* "MIT" or ["A", "B"] -> "A OR B"; NULL when absent or empty. */
static const char *license_of(st_arena *a, const json_t *pkg)
{
    const json_t *l = json_object_get(pkg, "license"), *x;
    st_buf b = ST_BUF_INIT(8192);
    const char *out = NULL;
    size_t i;

    if (json_is_string(l))
        return json_string_length(l) ? st_arena_strdup(a, json_string_value(l))
                                     : NULL;
    if (!json_is_array(l))
        return NULL;
    json_array_foreach(l, i, x)
    {
        if (!json_is_string(x) || !json_string_length(x))
            continue;
        if ((b.len && st_buf_puts(&b, " OR ") < 0) ||
            st_buf_puts(&b, json_string_value(x)) < 0)
            break;
    }
    if (b.len)
        out = st_arena_strndup(a, b.ptr, b.len);
    st_buf_release(&b);
    return out;
}

/* Adds the packages of one array. NULL: out of memory; *bad counts the
 * entries without a usable name and version. */
static int add_all(st_scan_ctx *ctx,
                   const st_entry *e,
                   const json_t *arr,
                   int dev,
                   const st_map *devnames,
                   st_vec *added,
                   size_t *bad)
{
    st_arena *a = st_ctx_arena(ctx);
    const json_t *pkg;
    size_t i;

    json_array_foreach(arr, i, pkg)
    {
        const char *name = st_json_str(pkg, "name");
        const char *ver = st_json_str(pkg, "version");
        st_package *p;
        if (!name_ok(name) || !name_ok(ver)) {
            (*bad)++;
            continue;
        }
        if (!(p = st_ctx_add_package(ctx)))
            return ST_ENOMEM;
        p->type = "composer";
        p->name = st_arena_strdup(a, name);
        p->version = st_arena_strdup(a, ver);
        p->found_in = st_arena_printf(a, "/%s", e->path);
        p->license = license_of(a, pkg);
        p->dev = dev;
        if (devnames && st_map_get(devnames, name, strlen(name)))
            p->dev = 1;
        if (!p->name || !p->version || !p->found_in)
            return ST_ENOMEM;
        st_ctx_package_layer(ctx, p, e->layer);
        if (added && st_vec_push(added, p) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static int read_lock(struct php *d,
                     st_scan_ctx *ctx,
                     const st_entry *e,
                     const json_t *root)
{
    const json_t *pk = st_json_arr(root, "packages");
    const json_t *dev = st_json_arr(root, "packages-dev");
    st_vec added = ST_VEC_INIT;
    size_t bad = 0, dl;
    char *dir = NULL;
    int rc = 0;

    if (!json_is_object(root) || (!pk && !dev)) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "php", e->path, e->layer,
                    "not a composer.lock: no \"packages\" array");
        return 0;
    }
    ST_CHECK(add_all(ctx, e, pk, 0, NULL, &added, &bad));
    ST_CHECK(add_all(ctx, e, dev, 1, NULL, &added, &bad));
    base_of(e, &dl);
    if (!(dir = st_arena_strndup(st_ctx_arena(ctx), e->path, dl))) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < added.len; i++) {
        struct pending *pe = st_malloc(sizeof(*pe));
        if (!pe || st_vec_push(&d->pending, pe) < 0) {
            st_free(pe);
            rc = ST_ENOMEM;
            goto done;
        }
        pe->dir = dir;
        pe->p = added.items[i];
    }
    if (bad)
        st_ctx_diag(ctx, ST_DIAG_WARNING, "php", e->path, e->layer,
                    "%zu packages without a name or version skipped", bad);
done:
    st_vec_release(&added);
    return rc;
}

static int
read_installed(st_scan_ctx *ctx, const st_entry *e, const json_t *root)
{
    const json_t *pk = root, *devnames = NULL, *x;
    st_map *dev = NULL;
    size_t bad = 0, i;
    int rc = 0;

    if (json_is_object(root)) { /* Composer 2 */
        pk = st_json_arr(root, "packages");
        devnames = st_json_arr(root, "dev-package-names");
    }
    if (!json_is_array(pk)) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "php", e->path, e->layer,
                    "not a Composer installed.json: no package array");
        return 0;
    }
    if (devnames && !(dev = st_map_new()))
        return ST_ENOMEM;
    json_array_foreach(devnames, i, x)
    {
        void **slot;
        bool created;
        if (!json_is_string(x))
            continue;
        ST_CHECK(st_map_slot(dev, json_string_value(x),
                             strlen(json_string_value(x)), &slot, &created));
        *slot = (void *)1;
    }
    ST_CHECK(add_all(ctx, e, pk, 0, dev, NULL, &bad));
    if (bad)
        st_ctx_diag(ctx, ST_DIAG_WARNING, "php", e->path, e->layer,
                    "%zu packages without a name or version skipped", bad);
done:
    st_map_free(dev);
    return rc;
}

static int lower_key(const char *s, char *out, size_t max, size_t *n)
{
    size_t k = strlen(s);
    if (k >= max)
        return -1;
    for (size_t i = 0; i < k; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    out[k] = 0;
    *n = k;
    return 0;
}

static int read_manifest(struct php *d, const st_entry *e, const json_t *root)
{
    static const char *const keys[] = {"require", "require-dev"};
    size_t dl;
    void **slot;
    bool created;
    st_map *names;
    int rc = 0;

    base_of(e, &dl);
    ST_CHECK(st_map_slot(d->requires, e->path, dl, &slot, &created));
    if (!created)
        return 0;
    if (!(names = st_map_new()))
        return ST_ENOMEM;
    *slot = names;
    for (size_t k = 0; k < 2; k++) {
        const json_t *req = st_json_obj(root, keys[k]), *v;
        const char *name;
        json_object_foreach((json_t *)req, name, v)
        {
            char low[512];
            size_t n;
            void **s2;
            if (lower_key(name, low, sizeof(low), &n) < 0)
                continue;
            ST_CHECK(st_map_slot(names, low, n, &s2, &created));
            *s2 = (void *)1;
        }
    }
done:
    return rc;
}

static int file(void *state,
                st_scan_ctx *ctx,
                const st_entry *e,
                const char *data,
                size_t len)
{
    struct php *d = state;
    json_t *root = NULL;
    st_error *err = NULL;
    size_t dl;
    const char *b = base_of(e, &dl);
    int rc;

    rc = st_json_load(&root, data, len, b, &err);
    if (rc == ST_ENOMEM)
        goto done;
    if (rc < 0) {
        /* a project's composer.json is only a hint: no noise for it */
        if (strcmp(b, "composer.json"))
            st_ctx_diag(ctx, ST_DIAG_WARNING, "php", e->path, e->layer, "%s",
                        st_error_message(err));
        rc = 0;
        goto done;
    }
    if (!strcmp(b, "composer.lock"))
        rc = read_lock(d, ctx, e, root);
    else if (!strcmp(b, "composer.json"))
        rc = json_is_object(root) ? read_manifest(d, e, root) : 0;
    else
        rc = read_installed(ctx, e, root);
done:
    json_decref(root);
    st_error_free(err);
    return rc;
}

/* The composer.json beside each composer.lock says which are direct. */
static int end(void *state, st_scan_ctx *ctx)
{
    struct php *d = state;
    (void)ctx;
    for (size_t i = 0; i < d->pending.len; i++) {
        struct pending *pe = d->pending.items[i];
        st_map *names = st_map_get(d->requires, pe->dir, strlen(pe->dir));
        char low[512];
        size_t n;
        if (!names || lower_key(pe->p->name, low, sizeof(low), &n) < 0)
            continue;
        pe->p->direct = st_map_get(names, low, n) ? 1 : 0;
    }
    return 0;
}

const st_analyzer_ops st_analyzer_php = {
    .name = "php",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = 64u << 20,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
};
