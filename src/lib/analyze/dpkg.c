/* dpkg: var/lib/dpkg/status (and distroless status.d/), installed files
 * from info/NAME.list, licences from machine-readable copyright files. */
#include <string.h>

#include "pkgdb.h"
#include "util/banned.h"

#define STATUS "var/lib/dpkg/status"
#define STATUS_D "var/lib/dpkg/status.d/"
#define INFO "var/lib/dpkg/info/"
#define DOC "usr/share/doc/"

struct dpkg {
    bool have_status;    /* the visible status file was read */
    int status_layer;    /* layer of the copy last read */
    st_layertrack *track;
    st_vec pkgs;         /* st_package * of the visible database */
    st_map *lists;       /* "name" or "name:arch" -> st_vec * of files */
    st_map *licenses;    /* package name -> license string */
    st_arena *tmp;
};

/* A stanza being parsed. */
struct stanza {
    st_field package, version, arch, source, status, maintainer;
};

struct parse {
    struct dpkg *d;
    st_scan_ctx *ctx;
    const st_entry *e;
    struct stanza s;
    bool lower; /* a lower copy: only note versions */
    size_t bad;
};

static bool wants(const st_entry *e)
{
    if (e->type != ST_ENTRY_FILE)
        return false;
    if (!strcmp(e->path, STATUS))
        return true; /* every copy: lower ones date the packages */
    if (!e->visible)
        return false;
    if (st_str_startswith(e->path, STATUS_D))
        return !st_str_endswith(e->path, ".md5sums") &&
               !strchr(e->path + strlen(STATUS_D), '/');
    if (st_str_startswith(e->path, INFO))
        return st_str_endswith(e->path, ".list");
    if (st_str_startswith(e->path, DOC)) {
        const char *rest = e->path + strlen(DOC);
        const char *slash = strchr(rest, '/');
        return slash && !strcmp(slash, "/copyright");
    }
    return false;
}

static int begin(void **state, st_scan_ctx *ctx)
{
    struct dpkg *d = st_calloc(1, sizeof(*d));
    (void)ctx;
    if (!d)
        return ST_ENOMEM;
    d->track = st_layertrack_new();
    d->lists = st_map_new();
    d->licenses = st_map_new();
    d->tmp = st_arena_new();
    *state = d;
    if (!d->track || !d->lists || !d->licenses || !d->tmp)
        return ST_ENOMEM;
    return 0;
}

static void release(void *state)
{
    struct dpkg *d = state;
    size_t pos = 0;
    void *v;
    if (!d)
        return;
    if (d->lists)
        while (st_map_next(d->lists, &pos, NULL, &v)) {
            st_vec_release(v);
            st_free(v);
        }
    st_map_free(d->lists);
    st_map_free(d->licenses);
    st_layertrack_free(d->track);
    st_vec_release(&d->pkgs);
    st_arena_free(d->tmp);
    st_free(d);
}

static int on_field(void *payload, const st_field *f)
{
    struct stanza *s = &((struct parse *)payload)->s;
    if (st_field_is(f, "Package"))
        s->package = *f;
    else if (st_field_is(f, "Version"))
        s->version = *f;
    else if (st_field_is(f, "Architecture"))
        s->arch = *f;
    else if (st_field_is(f, "Source"))
        s->source = *f;
    else if (st_field_is(f, "Status"))
        s->status = *f;
    else if (st_field_is(f, "Maintainer"))
        s->maintainer = *f;
    return 0;
}

/* Is the package on disk? The third word of Status is the state; files
 * exist in every state but not-installed and config-files. */
static bool installed(const st_field *status)
{
    const char *sp;
    size_t n;
    if (!status->val)
        return true; /* distroless status.d entries may omit it */
    sp = memrchr(status->val, ' ', status->vlen);
    if (!sp)
        return false;
    n = status->vlen - (size_t)(sp + 1 - status->val);
    return !(n == 13 && !memcmp(sp + 1, "not-installed", 13)) &&
           !(n == 12 && !memcmp(sp + 1, "config-files", 12));
}

static char *dup(st_arena *a, const st_field *f)
{
    return f->val ? st_arena_strndup(a, f->val, f->vlen) : NULL;
}

static int on_stanza(void *payload, size_t line)
{
    struct parse *p = payload;
    struct stanza *s = &p->s;
    st_arena *a = st_ctx_arena(p->ctx);
    st_package *pkg;
    int rc = 0;

    if (!st_field_ok(&s->package) || !st_field_ok(&s->version)) {
        if (s->package.val || s->version.val || s->status.val)
            p->bad++;
        if (p->bad == 1)
            st_ctx_diag(p->ctx, ST_DIAG_WARNING, "dpkg", p->e->path,
                        p->e->layer,
                        "stanza at line %zu has no Package or Version: "
                        "skipped",
                        line);
        goto done;
    }
    if (!installed(&s->status))
        goto done;
    if (p->lower) {
        rc = st_layertrack_note(p->d->track, s->package.val, s->package.vlen,
                                s->arch.val, s->arch.vlen, s->version.val,
                                s->version.vlen);
        goto done;
    }
    if (!(pkg = st_ctx_add_package(p->ctx)))
        return ST_ENOMEM;
    pkg->type = "deb";
    pkg->name = dup(a, &s->package);
    pkg->version = dup(a, &s->version);
    pkg->arch = dup(a, &s->arch);
    pkg->maintainer = dup(a, &s->maintainer);
    pkg->found_in = st_arena_printf(a, "/%s", p->e->path);
    /* "Source: name" or "Source: name (version)" */
    if (s->source.val && s->source.vlen) {
        const char *sp = memchr(s->source.val, ' ', s->source.vlen);
        size_t nl = sp ? (size_t)(sp - s->source.val) : s->source.vlen;
        pkg->source_name = st_arena_strndup(a, s->source.val, nl);
        if (sp) {
            const char *open = memchr(sp, '(', s->source.vlen - nl);
            const char *close = open ? memchr(open, ')',
                                              s->source.vlen -
                                                  (size_t)(open -
                                                           s->source.val))
                                     : NULL;
            if (open && close && close > open + 1)
                pkg->source_version =
                    st_arena_strndup(a, open + 1, (size_t)(close - open - 1));
        }
    } else {
        pkg->source_name = pkg->name;
    }
    if (!pkg->source_version)
        pkg->source_version = pkg->version;
    if (!pkg->name || !pkg->version || !pkg->found_in || !pkg->source_name)
        return ST_ENOMEM;
    st_ctx_package_layer(p->ctx, pkg, p->e->layer);
    if ((rc = st_vec_push(&p->d->pkgs, pkg)) < 0 ||
        (rc = st_layertrack_add(p->d->track, pkg)) < 0)
        return rc;
done:
    memset(s, 0, sizeof(*s));
    return rc;
}

static int parse_db(struct dpkg *d, st_scan_ctx *ctx, const st_entry *e,
                    const char *data, size_t len, bool lower)
{
    struct parse p;
    int rc;
    memset(&p, 0, sizeof(p));
    p.d = d;
    p.ctx = ctx;
    p.e = e;
    p.lower = lower;
    rc = st_pkgdb__stanzas(data, len, true, on_field, on_stanza, &p);
    if (p.bad > 1)
        st_ctx_diag(ctx, ST_DIAG_WARNING, "dpkg", e->path, e->layer,
                    "%zu malformed stanzas skipped", p.bad);
    return rc;
}

/* "info/NAME[:ARCH].list": one absolute path per line. */
static int add_list(struct dpkg *d, const st_entry *e, const char *data,
                    size_t len)
{
    const char *base = e->path + strlen(INFO);
    size_t blen = strlen(base) - 5; /* ".list" */
    st_vec *files;
    void **slot;
    bool created;
    int rc;

    if ((rc = st_map_slot(d->lists, base, blen, &slot, &created)) < 0)
        return rc;
    if (!created)
        return 0;
    if (!(files = st_calloc(1, sizeof(*files))))
        return ST_ENOMEM;
    *slot = files;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - data) - i : len - i;
        if (n && !(n == 2 && !memcmp(data + i, "/.", 2))) {
            char *f = st_arena_strndup(d->tmp, data + i, n);
            if (!f || st_vec_push(files, f) < 0)
                return ST_ENOMEM;
        }
        i += n + 1;
    }
    return 0;
}

/* Machine-readable copyright (DEP-5): the distinct "License:" short names,
 * joined with " AND ". Free-form files give nothing. */
static int add_license(struct dpkg *d, const st_entry *e, const char *data,
                       size_t len)
{
    const char *name = e->path + strlen(DOC);
    size_t nlen = (size_t)(strchr(name, '/') - name);
    st_buf lic = ST_BUF_INIT(4096);
    void **slot;
    bool created;
    int rc = 0;

    if (len < 8 || memcmp(data, "Format:", 7))
        return 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - data) - i : len - i;
        const char *line = data + i;
        i += n + 1;
        if (n < 9 || strncasecmp(line, "License:", 8))
            continue;
        line += 8;
        n -= 8;
        while (n && (*line == ' ' || *line == '\t'))
            line++, n--;
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
            n--;
        if (!n)
            continue;
        /* skip duplicates */
        bool dupe = false;
        for (const char *p = lic.ptr; p && *p;) {
            const char *end = strstr(p, " AND ");
            size_t pl = end ? (size_t)(end - p) : strlen(p);
            if (pl == n && !memcmp(p, line, n))
                dupe = true;
            p = end ? end + 5 : NULL;
        }
        if (dupe)
            continue;
        if ((lic.len && st_buf_puts(&lic, " AND ") < 0) ||
            st_buf_put(&lic, line, n) < 0)
            break; /* too long: keep what fits */
    }
    if (lic.len) {
        if ((rc = st_map_slot(d->licenses, name, nlen, &slot, &created)) < 0)
            goto done;
        if (created && !(*slot = st_arena_strndup(d->tmp, lic.ptr, lic.len)))
            rc = ST_ENOMEM;
    }
done:
    st_buf_release(&lic);
    return rc;
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct dpkg *d = state;
    int rc;

    if (!strcmp(e->path, STATUS)) {
        if (!d->have_status) {
            if (!e->visible)
                return 0; /* deleted: only lower, hidden copies remain */
            d->have_status = true;
            d->status_layer = e->layer;
            return parse_db(d, ctx, e, data, len, false);
        }
        if (e->layer >= d->status_layer)
            return 0;
        st_layertrack_begin_lower(d->track);
        if ((rc = parse_db(d, ctx, e, data, len, true)) < 0)
            return rc;
        st_layertrack_end_lower(d->track, ctx, e->layer);
        d->status_layer = e->layer;
        return 0;
    }
    if (st_str_startswith(e->path, STATUS_D))
        return parse_db(d, ctx, e, data, len, false);
    if (st_str_startswith(e->path, INFO))
        return add_list(d, e, data, len);
    return add_license(d, e, data, len);
}

static int end(void *state, st_scan_ctx *ctx)
{
    struct dpkg *d = state;
    st_arena *a = st_ctx_arena(ctx);
    st_buf key = ST_BUF_INIT(4096);

    for (size_t i = 0; i < d->pkgs.len; i++) {
        st_package *p = d->pkgs.items[i];
        st_vec *files;
        const char *lic;

        st_buf_reset(&key);
        st_buf_printf(&key, "%s:%s", p->name, p->arch ? p->arch : "");
        files = st_map_get(d->lists, key.ptr, key.len);
        if (!files)
            files = st_map_get(d->lists, p->name, strlen(p->name));
        if (files && files->len) {
            const char **arr = st_arena_alloc(a, files->len * sizeof(char *));
            if (!arr) {
                st_buf_release(&key);
                return ST_ENOMEM;
            }
            for (size_t k = 0; k < files->len; k++)
                if (!(arr[k] = st_arena_strdup(a, files->items[k]))) {
                    st_buf_release(&key);
                    return ST_ENOMEM;
                }
            p->files = arr;
            p->file_count = files->len;
        }
        lic = st_map_get(d->licenses, p->name, strlen(p->name));
        if (lic && !(p->license = st_arena_strdup(a, lic))) {
            st_buf_release(&key);
            return ST_ENOMEM;
        }
    }
    st_buf_release(&key);
    return 0;
}

const st_analyzer_ops st_analyzer_dpkg = {
    .name = "dpkg",
    .version = 1,
    .flags = ST_AN_CONTENT, /* lower copies of status date the packages */
    .max_content = 256u << 20,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
};
