/* Stanza parsing and layer attribution for package databases. */
#include <jansson.h>
#include <string.h>

#include "pkgdb.h"
#include "util/banned.h"

int st_pending_lock_add(st_vec *pending, const st_entry *e, int kind,
                        json_t **doc)
{
    st_pending_lock *p = st_calloc(1, sizeof(*p));
    if (!p || !(p->path = st_strdup(e->path)) || st_vec_push(pending, p) < 0) {
        if (p)
            st_free(p->path);
        st_free(p);
        return ST_ENOMEM;
    }
    p->kind = kind;
    p->layer = e->layer;
    p->doc = st_steal(doc);
    return 0;
}

void st_pending_lock_release(st_vec *pending)
{
    for (size_t i = 0; i < pending->len; i++) {
        st_pending_lock *p = pending->items[i];
        json_decref(p->doc);
        st_free(p->path);
        st_free(p);
    }
    st_vec_release(pending);
}

bool st_field_is(const st_field *f, const char *key)
{
    size_t n = strlen(key);
    return f->klen == n && !strncasecmp(f->key, key, n);
}

bool st_field_ok(const st_field *f)
{
    return f->val && f->vlen && !memchr(f->val, 0, f->vlen);
}

int st_pkgdb__stanzas(const char *data, size_t len, bool continuation,
                      st_field_fn field, st_stanza_fn end, void *payload)
{
    size_t i = 0, lineno = 1, start_line = 0;
    bool in_stanza = false;
    int rc;

    while (i < len) {
        const char *line = data + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        size_t next = i + ll + (nl ? 1 : 0);
        size_t l2 = ll;

        if (l2 && line[l2 - 1] == '\r')
            l2--;
        if (l2 == 0) {
            if (in_stanza && end && (rc = end(payload, start_line)) < 0)
                return rc;
            in_stanza = false;
            i = next;
            lineno++;
            continue;
        }
        if (continuation && (line[0] == ' ' || line[0] == '\t')) {
            /* belongs to the previous field: already covered below */
            i = next;
            lineno++;
            continue;
        }
        const char *colon = memchr(line, ':', l2);
        if (!in_stanza) {
            in_stanza = true;
            start_line = lineno;
        }
        if (colon) {
            st_field f;
            size_t vstart = (size_t)(colon - line) + 1;
            size_t vend = l2, j = next;
            f.key = line;
            f.klen = (size_t)(colon - line);
            if (continuation) {
                while (vstart < l2 && (line[vstart] == ' ' ||
                                       line[vstart] == '\t'))
                    vstart++;
                /* extend over continuation lines */
                while (j < len && (data[j] == ' ' || data[j] == '\t')) {
                    const char *nl2 = memchr(data + j, '\n', len - j);
                    size_t e = nl2 ? (size_t)(nl2 - data) : len;
                    vend = e - i;
                    if (vend && line[vend - 1] == '\r')
                        vend--;
                    j = nl2 ? e + 1 : len;
                }
            }
            f.val = line + vstart;
            f.vlen = vend > vstart ? vend - vstart : 0;
            while (f.vlen && (f.val[f.vlen - 1] == ' ' ||
                              f.val[f.vlen - 1] == '\t'))
                f.vlen--;
            if (field && (rc = field(payload, &f)) < 0)
                return rc;
        }
        i = next;
        lineno++;
    }
    if (in_stanza && end && (rc = end(payload, start_line)) < 0)
        return rc;
    return 0;
}

/* ---- layer attribution ---------------------------------------------------- */

struct tracked {
    st_package *p;
    bool broken;   /* missing or different in some lower copy */
    bool seen;     /* present in the copy being read */
};

struct st_layertrack {
    st_map *byname; /* "name\0arch" -> struct tracked */
    st_arena *arena;
    st_buf key;
};

st_layertrack *st_layertrack_new(void)
{
    st_layertrack *t = st_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->byname = st_map_new();
    t->arena = st_arena_new();
    st_buf_init(&t->key, 4096);
    if (!t->byname || !t->arena) {
        st_layertrack_free(t);
        return NULL;
    }
    return t;
}

void st_layertrack_free(st_layertrack *t)
{
    if (!t)
        return;
    st_map_free(t->byname);
    st_arena_free(t->arena);
    st_buf_release(&t->key);
    st_free(t);
}

static int make_key(st_layertrack *t, const char *n, size_t nl, const char *a,
                    size_t al)
{
    st_buf_reset(&t->key);
    if (st_buf_put(&t->key, n, nl) < 0 || st_buf_putc(&t->key, 0) < 0 ||
        st_buf_put(&t->key, a, al) < 0)
        return ST_ELIMIT;
    return 0;
}

int st_layertrack_add(st_layertrack *t, st_package *p)
{
    void **slot;
    bool created;
    struct tracked *tr;
    const char *arch = p->arch ? p->arch : "";

    if (make_key(t, p->name, strlen(p->name), arch, strlen(arch)) < 0)
        return 0;
    if (st_map_slot(t->byname, t->key.ptr, t->key.len, &slot, &created) < 0)
        return ST_ENOMEM;
    if (!created)
        return 0;
    if (!(tr = st_arena_alloc(t->arena, sizeof(*tr))))
        return ST_ENOMEM;
    tr->p = p;
    *slot = tr;
    return 0;
}

int st_layertrack_begin_lower(st_layertrack *t)
{
    size_t pos = 0;
    void *v;
    while (st_map_next(t->byname, &pos, NULL, &v))
        ((struct tracked *)v)->seen = false;
    return 0;
}

int st_layertrack_note(st_layertrack *t, const char *name, size_t nlen,
                       const char *arch, size_t alen, const char *version,
                       size_t vlen)
{
    struct tracked *tr;
    if (make_key(t, name, nlen, arch ? arch : "", arch ? alen : 0) < 0)
        return 0;
    tr = st_map_get(t->byname, t->key.ptr, t->key.len);
    if (tr && tr->p->version && strlen(tr->p->version) == vlen &&
        !memcmp(tr->p->version, version, vlen))
        tr->seen = true;
    return 0;
}

void st_layertrack_end_lower(st_layertrack *t, st_scan_ctx *ctx, int layer)
{
    size_t pos = 0;
    void *v;
    while (st_map_next(t->byname, &pos, NULL, &v)) {
        struct tracked *tr = v;
        if (tr->broken)
            continue;
        if (!tr->seen)
            tr->broken = true;
        else
            st_ctx_package_layer(ctx, tr->p, layer);
    }
}
