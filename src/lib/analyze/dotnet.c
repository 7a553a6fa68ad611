/* dotnet: NuGet packages from an application's *.deps.json and from a
 * project's packages.lock.json.
 *
 * A deps.json (written by the .NET SDK beside the built application) has
 * "libraries" keyed "Name/Version", of "type" package, project, reference
 * or runtimepack; only "package" entries are NuGet packages. Its "targets"
 * map, for the framework named by "runtimeTarget", lists each library with
 * the assets it deploys: a package whose entry there has no "runtime",
 * "runtimeTargets", "native" or "resources" asset ships nothing that runs
 * (an analyzer, a build-only or a meta package) and is marked dev. The
 * projects' entries there name their own dependencies: the direct ones.
 *
 * packages.lock.json ("version": 1 or 2) lists, per target framework (and
 * "tfm/rid"), every package with its "type": Direct, Transitive,
 * CentralTransitive, or Project (another project of the solution, not a
 * package), and the "resolved" version. */
#include <string.h>

#include "analyzer.h"
#include "util/json.h"

#include "util/banned.h" /* last */

static const char *base_of(const st_entry *e)
{
    const char *slash = memrchr(e->path, '/', e->path_len);
    return slash ? slash + 1 : e->path;
}

static bool wants(const st_entry *e)
{
    const char *b;
    if (e->type != ST_ENTRY_FILE)
        return false;
    b = base_of(e);
    return !strcmp(b, "packages.lock.json") ||
           (strlen(b) > 10 && st_str_endswith(b, ".deps.json"));
}

static bool token_ok(const char *s, size_t n)
{
    if (!n || n > 512)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '/')
            return false;
    return true;
}

struct add {
    st_scan_ctx *ctx;
    const st_entry *e;
    const char *found_in;
    st_map *seen; /* "name\0version" -> st_package * */
};

/* One package per name and version in a file: a lockfile repeats them for
 * each framework. The highest `direct` wins, and dev only if all are. */
static int add(struct add *a,
               const char *name,
               size_t nlen,
               const char *ver,
               size_t vlen,
               int direct,
               int dev)
{
    st_arena *ar = st_ctx_arena(a->ctx);
    char key[1100];
    void **slot;
    bool created;
    st_package *p;
    int rc;

    memcpy(key, name, nlen);
    key[nlen] = 0;
    memcpy(key + nlen + 1, ver, vlen);
    if ((rc = st_map_slot(a->seen, key, nlen + 1 + vlen, &slot, &created)) < 0)
        return rc;
    if (!created) {
        p = *slot;
        if (direct > p->direct)
            p->direct = direct;
        if (!dev)
            p->dev = 0;
        return 0;
    }
    if (!(p = st_ctx_add_package(a->ctx)))
        return ST_ENOMEM;
    *slot = p;
    p->type = "nuget";
    p->name = st_arena_strndup(ar, name, nlen);
    p->version = st_arena_strndup(ar, ver, vlen);
    p->found_in = a->found_in;
    p->direct = direct;
    p->dev = dev;
    if (!p->name || !p->version)
        return ST_ENOMEM;
    st_ctx_package_layer(a->ctx, p, a->e->layer);
    return 0;
}

static bool nonempty_obj(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_object(v) && json_object_size(v) > 0;
}

/* The target of the runtime: targets[runtimeTarget.name], or the only
 * target when runtimeTarget is missing. */
static const json_t *runtime_target(const json_t *root)
{
    const json_t *targets = st_json_obj(root, "targets");
    const json_t *rt = st_json_obj(root, "runtimeTarget");
    const char *name = st_json_str(rt, "name");
    if (!targets)
        return NULL;
    if (name)
        return st_json_obj(targets, name);
    if (json_object_size(targets) == 1) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)targets, k, v) return json_is_object(v)
            ? v
            : NULL;
    }
    return NULL;
}

static int read_deps(struct add *a, const json_t *root)
{
    const json_t *libs = st_json_obj(root, "libraries");
    const json_t *target = runtime_target(root), *lib;
    st_map *direct = NULL;
    const char *key;
    size_t bad = 0;
    int rc = 0;

    if (!libs) {
        st_ctx_diag(a->ctx, ST_DIAG_WARNING, "dotnet", a->e->path, a->e->layer,
                    "not a deps.json: no \"libraries\" object");
        return 0;
    }
    /* the projects' dependencies in the runtime target are the direct ones */
    if (target) {
        if (!(direct = st_map_new()))
            return ST_ENOMEM;
        json_object_foreach((json_t *)libs, key, lib)
        {
            const json_t *deps, *v;
            const char *dn;
            if (!json_is_object(lib) || !st_json_str(lib, "type") ||
                strcmp(st_json_str(lib, "type"), "project"))
                continue;
            deps = st_json_obj(st_json_obj(target, key), "dependencies");
            json_object_foreach((json_t *)deps, dn, v)
            {
                void **slot;
                bool created;
                ST_CHECK(st_map_slot(direct, dn, strlen(dn), &slot, &created));
                *slot = (void *)1;
            }
        }
    }
    json_object_foreach((json_t *)libs, key, lib)
    {
        const char *type = st_json_str(lib, "type"), *slash;
        const json_t *t;
        size_t nlen, vlen;
        int dev = 0, dir = -1;
        if (!type || strcmp(type, "package"))
            continue;
        slash = strrchr(key, '/');
        nlen = slash ? (size_t)(slash - key) : 0;
        vlen = slash ? strlen(slash + 1) : 0;
        if (!slash || !token_ok(key, nlen) || !token_ok(slash + 1, vlen)) {
            bad++;
            continue;
        }
        if (target && (t = st_json_obj(target, key)) &&
            !nonempty_obj(t, "runtime") && !nonempty_obj(t, "runtimeTargets") &&
            !nonempty_obj(t, "native") && !nonempty_obj(t, "resources"))
            dev = 1;
        if (direct && st_map_count(direct))
            dir = st_map_get(direct, key, nlen) ? 1 : 0;
        ST_CHECK(add(a, key, nlen, slash + 1, vlen, dir, dev));
    }
    if (bad)
        st_ctx_diag(a->ctx, ST_DIAG_WARNING, "dotnet", a->e->path, a->e->layer,
                    "%zu libraries not named \"Name/Version\" skipped", bad);
done:
    st_map_free(direct);
    return rc;
}

static int read_lock(struct add *a, const json_t *root)
{
    const json_t *fws = st_json_obj(root, "dependencies"), *fw, *dep;
    const char *fwname, *name;
    size_t bad = 0;
    int rc = 0;

    if (!fws) {
        st_ctx_diag(a->ctx, ST_DIAG_WARNING, "dotnet", a->e->path, a->e->layer,
                    "not a packages.lock.json: no \"dependencies\" object");
        return 0;
    }
    json_object_foreach((json_t *)fws, fwname, fw)
    {
        if (!json_is_object(fw)) {
            bad++;
            continue;
        }
        json_object_foreach((json_t *)fw, name, dep)
        {
            const char *type = st_json_str(dep, "type");
            const char *ver = st_json_str(dep, "resolved");
            int direct;
            if (type && !strcmp(type, "Project"))
                continue;
            if (!type || !ver || !token_ok(name, strlen(name)) ||
                !token_ok(ver, strlen(ver))) {
                bad++;
                continue;
            }
            direct = !strcmp(type, "Direct") ? 1 : 0;
            ST_CHECK(add(a, name, strlen(name), ver, strlen(ver), direct, 0));
        }
    }
    if (bad)
        st_ctx_diag(a->ctx, ST_DIAG_WARNING, "dotnet", a->e->path, a->e->layer,
                    "%zu malformed entries skipped", bad);
done:
    return rc;
}

static int file(void *state,
                st_scan_ctx *ctx,
                const st_entry *e,
                const char *data,
                size_t len)
{
    struct add a = {ctx, e, NULL, NULL};
    json_t *root = NULL;
    st_error *err = NULL;
    const char *b = base_of(e);
    int rc;

    (void)state;
    rc = st_json_load(&root, data, len, b, &err);
    if (rc == ST_ENOMEM)
        goto done;
    if (rc < 0 || !json_is_object(root)) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "dotnet", e->path, e->layer, "%s",
                    rc < 0 ? st_error_message(err) : "not a JSON object");
        rc = 0;
        goto done;
    }
    a.found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", e->path);
    if (!a.found_in || !(a.seen = st_map_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (!strcmp(b, "packages.lock.json"))
        rc = read_lock(&a, root);
    else
        rc = read_deps(&a, root);
done:
    st_map_free(a.seen);
    json_decref(root);
    st_error_free(err);
    return rc;
}

const st_analyzer_ops st_analyzer_dotnet = {
    .name = "dotnet",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = 64u << 20,
    .wants = wants,
    .file = file,
};
