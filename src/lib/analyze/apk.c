/* apk: lib/apk/db/installed ("K:value" lines, blank-line separated). */
#include <string.h>

#include "pkgdb.h"
#include "util/banned.h"

#define INSTALLED "lib/apk/db/installed"

struct apk {
    bool have_db;
    int db_layer;
    st_layertrack *track;
};

struct parse {
    struct apk *d;
    st_scan_ctx *ctx;
    const st_entry *e;
    bool lower;
    st_field name, version, arch, origin, license, maint;
    st_vec files; /* char * (arena) */
    const char *dir;
    size_t dirlen;
    size_t bad;
};

static bool wants(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE && !strcmp(e->path, INSTALLED);
}

static int begin(void **state, st_scan_ctx *ctx)
{
    struct apk *d = st_calloc(1, sizeof(*d));
    (void)ctx;
    if (!d)
        return ST_ENOMEM;
    *state = d;
    return (d->track = st_layertrack_new()) ? 0 : ST_ENOMEM;
}

static void release(void *state)
{
    struct apk *d = state;
    if (!d)
        return;
    st_layertrack_free(d->track);
    st_free(d);
}

static int on_field(void *payload, const st_field *f)
{
    struct parse *p = payload;
    if (f->klen != 1)
        return 0;
    switch (f->key[0]) {
    case 'P':
        p->name = *f;
        break;
    case 'V':
        p->version = *f;
        break;
    case 'A':
        p->arch = *f;
        break;
    case 'o':
        p->origin = *f;
        break;
    case 'L':
        p->license = *f;
        break;
    case 'm':
        p->maint = *f;
        break;
    case 'F':
        p->dir = f->val;
        p->dirlen = f->vlen;
        break;
    case 'R':
        if (!p->lower) {
            char *path = st_arena_printf(st_ctx_arena(p->ctx), "/%.*s%s%.*s",
                                         (int)p->dirlen, p->dir ? p->dir : "",
                                         p->dirlen ? "/" : "", (int)f->vlen,
                                         f->val);
            if (!path || st_vec_push(&p->files, path) < 0)
                return ST_ENOMEM;
        }
        break;
    default:
        break;
    }
    return 0;
}

static char *dup(st_arena *a, const st_field *f)
{
    return f->val && f->vlen ? st_arena_strndup(a, f->val, f->vlen) : NULL;
}

static int on_stanza(void *payload, size_t line)
{
    struct parse *p = payload;
    st_arena *a = st_ctx_arena(p->ctx);
    st_package *pkg;
    int rc = 0;

    if (!st_field_ok(&p->name) || !st_field_ok(&p->version)) {
        if (++p->bad == 1)
            st_ctx_diag(p->ctx, ST_DIAG_WARNING, "apk", p->e->path,
                        p->e->layer,
                        "entry at line %zu has no P: or V: field: skipped",
                        line);
        goto done;
    }
    if (p->lower) {
        rc = st_layertrack_note(p->d->track, p->name.val, p->name.vlen,
                                p->arch.val, p->arch.vlen, p->version.val,
                                p->version.vlen);
        goto done;
    }
    if (!(pkg = st_ctx_add_package(p->ctx)))
        return ST_ENOMEM;
    pkg->type = "apk";
    pkg->name = dup(a, &p->name);
    pkg->version = dup(a, &p->version);
    pkg->arch = dup(a, &p->arch);
    pkg->license = dup(a, &p->license);
    pkg->maintainer = dup(a, &p->maint);
    pkg->source_name = p->origin.vlen ? dup(a, &p->origin) : pkg->name;
    pkg->source_version = pkg->version;
    pkg->found_in = "/" INSTALLED;
    if (!pkg->name || !pkg->version)
        return ST_ENOMEM;
    if (p->files.len) {
        const char **arr = st_arena_alloc(a, p->files.len * sizeof(char *));
        if (!arr)
            return ST_ENOMEM;
        memcpy(arr, p->files.items, p->files.len * sizeof(char *));
        pkg->files = arr;
        pkg->file_count = p->files.len;
    }
    st_ctx_package_layer(p->ctx, pkg, p->e->layer);
    rc = st_layertrack_add(p->d->track, pkg);
done:
    memset(&p->name, 0, sizeof(st_field) * 6);
    p->files.len = 0;
    p->dir = NULL;
    p->dirlen = 0;
    return rc;
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct apk *d = state;
    struct parse p;
    int rc;

    memset(&p, 0, sizeof(p));
    p.d = d;
    p.ctx = ctx;
    p.e = e;
    if (!d->have_db) {
        if (!e->visible)
            return 0;
        d->have_db = true;
        d->db_layer = e->layer;
    } else {
        if (e->layer >= d->db_layer)
            return 0;
        p.lower = true;
        st_layertrack_begin_lower(d->track);
    }
    rc = st_pkgdb__stanzas(data, len, false, on_field, on_stanza, &p);
    st_vec_release(&p.files);
    if (rc < 0)
        return rc;
    if (p.bad > 1)
        st_ctx_diag(ctx, ST_DIAG_WARNING, "apk", e->path, e->layer,
                    "%zu malformed entries skipped", p.bad);
    if (p.lower) {
        st_layertrack_end_lower(d->track, ctx, e->layer);
        d->db_layer = e->layer;
    }
    return 0;
}

const st_analyzer_ops st_analyzer_apk = {
    .name = "apk",
    .version = 1,
    .flags = ST_AN_CONTENT,
    .max_content = 256u << 20,
    .wants = wants,
    .begin = begin,
    .file = file,
    .release = release,
};
