/* The store's front (store.h): picks the backend from the URL, checks
 * arguments once for both backends, and holds what they share — the
 * connection pool, the finding-key diff, the failing-statement hook. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/store_int.h"
#include "util/banned.h"

#define MAX_POOL 256
#define PAGE     256 /* images per st_store_each_indexed round trip */

static int usage(st_error **err, const char *what)
{
    return st_error_set(err, ST_EUSAGE, "store", "%s", what);
}

static bool blank(const char *s)
{
    return !s || !*s;
}

/* "postgres://…" and "postgresql://…" are libpq's; any other "scheme://"
 * is a store this build does not know. */
static bool has_scheme(const char *url, const char **sep)
{
    const char *p = url;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
           (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
        p++;
    *sep = p;
    return !strncmp(p, "://", 3);
}

int st_store_open(st_store **out, const char *url, unsigned pool,
                  st_error **err)
{
    const char *sep = NULL;
    char *shown = NULL;
    int rc;

    if (!out)
        return usage(err, "st_store_open: no out-parameter");
    *out = NULL;
    if (blank(url))
        return usage(err, "store: no database URL");
    if (pool == 0)
        pool = 4;
    if (pool > MAX_POOL)
        return st_error_set(err, ST_EUSAGE, "store",
                            "store: a pool of %u connections is more than "
                            "%d",
                            pool, MAX_POOL);
    if (st_str_startswith(url, "postgres://") ||
        st_str_startswith(url, "postgresql://")) {
        if (!(shown = st_store__pg_redact(url)))
            return st_error_set(err, ST_ENOMEM, "store", "out of memory");
        rc = st_store__pg_open(out, url, shown, pool, err);
        st_free(shown);
        return rc;
    }
    if (has_scheme(url, &sep))
        return st_error_set(err, ST_EUNSUPPORTED, "store",
                            "store: unknown database URL scheme \"%.*s\" "
                            "(sqlite:PATH, PATH or postgres://…)",
                            (int)(sep - url), url);
    if (st_str_startswith(url, "sqlite:"))
        url += strlen("sqlite:");
    if (!*url)
        return usage(err, "store: sqlite: no path");
    return st_store__sqlite_open(out, url, url, pool, err);
}

void st_store_close(st_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *st_store_backend(const st_store *s)
{
    return s ? s->ops->name : "";
}

int st_store_schema_version(st_store *s, int *out, st_error **err)
{
    if (!s || !out)
        return usage(err, "st_store_schema_version: bad arguments");
    *out = 0;
    return s->ops->schema_version(s, out, err);
}

const char *st_image_state_name(st_image_state s)
{
    switch (s) {
    case ST_IMG_QUEUED:
        return "queued";
    case ST_IMG_INDEXING:
        return "indexing";
    case ST_IMG_INDEXED:
        return "indexed";
    case ST_IMG_FAILED:
        return "failed";
    }
    return "unknown";
}

int st_store_enqueue(st_store *s, const char *digest, const char *ref,
                     bool *created, st_error **err)
{
    bool dummy;
    if (!s || blank(digest) || blank(ref))
        return usage(err, "st_store_enqueue: no digest or reference");
    if (!created)
        created = &dummy;
    *created = false;
    return s->ops->enqueue(s, digest, ref, created, err);
}

int st_store_claim(st_store *s, const char *worker, unsigned lease_s,
                   char **digest, char **ref, st_error **err)
{
    if (!s || blank(worker) || !digest || !ref)
        return usage(err, "st_store_claim: bad arguments");
    *digest = *ref = NULL;
    return s->ops->claim(s, worker, lease_s, digest, ref, err);
}

int st_store_claim_digest(st_store *s, const char *digest, const char *ref,
                          const char *worker, unsigned lease_s,
                          st_error **err)
{
    if (!s || blank(digest) || blank(ref) || blank(worker))
        return usage(err, "st_store_claim_digest: bad arguments");
    return s->ops->claim_digest(s, digest, ref, worker, lease_s, err);
}

static int cmp_layer(const void *a, const void *b)
{
    const st_store_layer *x = a, *y = b;
    return strcmp(x->digest, y->digest);
}

int st_store_put_index(st_store *s, const char *digest, const char *worker,
                       const st_store_layer *layers, size_t nlayers,
                       const char *image_json, st_error **err)
{
    st_store_layer *uniq = NULL;
    const char **order = NULL;
    size_t n = 0, i;
    int rc;

    if (!s || blank(digest) || blank(worker) || (nlayers && !layers))
        return usage(err, "st_store_put_index: bad arguments");
    for (i = 0; i < nlayers; i++)
        if (blank(layers[i].digest))
            return usage(err, "st_store_put_index: a layer without digest");
    if (nlayers && (!(uniq = st_calloc(nlayers, sizeof(*uniq))) ||
                    !(order = st_calloc(nlayers, sizeof(*order))))) {
        rc = st_error_set(err, ST_ENOMEM, "store", "out of memory");
        goto done;
    }
    for (i = 0; i < nlayers; i++)
        order[i] = layers[i].digest;
    /* Inserted in digest order: two indexers storing the same layers lock
     * them in one order, so they wait for each other, never deadlock. A
     * layer listed twice keeps the inventory it was given. */
    if (nlayers)
        memcpy(uniq, layers, nlayers * sizeof(*uniq));
    if (nlayers > 1)
        qsort(uniq, nlayers, sizeof(*uniq), cmp_layer);
    for (i = 0; i < nlayers; i++) {
        if (n && !strcmp(uniq[n - 1].digest, uniq[i].digest)) {
            if (!uniq[n - 1].inventory_json)
                uniq[n - 1].inventory_json = uniq[i].inventory_json;
            continue;
        }
        uniq[n++] = uniq[i];
    }
    rc = s->ops->put_index(s, digest, worker, uniq, n, order, nlayers,
                           image_json, err);
done:
    st_free(uniq);
    st_free(order);
    return rc;
}

int st_store_fail(st_store *s, const char *digest, const char *worker,
                  const char *why, st_error **err)
{
    if (!s || blank(digest) || blank(worker))
        return usage(err, "st_store_fail: bad arguments");
    return s->ops->fail(s, digest, worker, why ? why : "", err);
}

int st_store_has_layer(st_store *s, const char *digest, bool *out,
                       st_error **err)
{
    if (!s || blank(digest) || !out)
        return usage(err, "st_store_has_layer: bad arguments");
    *out = false;
    return s->ops->has_layer(s, digest, out, err);
}

void st_store_image_release(st_store_image *im)
{
    size_t i;
    if (!im)
        return;
    st_free(im->digest);
    st_free(im->ref);
    st_free(im->error);
    st_free(im->image_json);
    st_free(im->indexed_at);
    st_free(im->db_version);
    st_free(im->report_json);
    for (i = 0; i < im->layer_count; i++)
        st_free(im->layers[i]);
    st_free(im->layers);
    memset(im, 0, sizeof(*im));
}

int st_store_get(st_store *s, const char *digest, bool want_report,
                 bool want_layers, st_store_image *out, st_error **err)
{
    int rc;
    if (!s || blank(digest) || !out)
        return usage(err, "st_store_get: bad arguments");
    memset(out, 0, sizeof(*out));
    rc = s->ops->get(s, digest, want_report, want_layers, out, err);
    if (rc < 0)
        st_store_image_release(out);
    return rc;
}

int st_store_get_layer(st_store *s, const char *digest, char **json,
                       st_error **err)
{
    if (!s || blank(digest) || !json)
        return usage(err, "st_store_get_layer: bad arguments");
    *json = NULL;
    return s->ops->get_layer(s, digest, json, err);
}

int st_store_list(st_store *s, size_t offset, size_t limit,
                  st_store_image **out, size_t *n, st_error **err)
{
    if (!s || !out || !n)
        return usage(err, "st_store_list: bad arguments");
    *out = NULL;
    *n = 0;
    if (limit == 0)
        return 0;
    return s->ops->list(s, offset, limit, out, n, err);
}

void st_store_list_free(st_store_image *v, size_t n)
{
    size_t i;
    if (!v)
        return;
    for (i = 0; i < n; i++)
        st_store_image_release(&v[i]);
    st_free(v);
}

/* Page by page, with no connection held while fn runs: fn may use the
 * store itself (the re-matcher stores each new report from inside it). */
int st_store_each_indexed(st_store *s,
                          int (*fn)(void *u, const char *digest,
                                    const char *image_json,
                                    const char *db_version),
                          void *u, st_error **err)
{
    st_store_image *page = NULL;
    char *after = NULL;
    size_t n = 0, i;
    int rc = 0;

    if (!s || !fn)
        return usage(err, "st_store_each_indexed: bad arguments");
    for (;;) {
        ST_CHECK(s->ops->indexed_page(s, after, PAGE, &page, &n, err));
        for (i = 0; i < n; i++) {
            if (fn(u, page[i].digest, page[i].image_json,
                   page[i].db_version)) {
                rc = st_error_set(err, ST_EABORT, "store",
                                  "%s %s: listing indexed images: stopped "
                                  "at %s by the caller",
                                  s->ops->name, s->shown, page[i].digest);
                goto done;
            }
        }
        if (n < PAGE)
            break;
        st_free(after);
        after = st_steal(&page[n - 1].digest);
        st_store_list_free(page, n);
        page = NULL;
        n = 0;
    }
done:
    st_store_list_free(page, n);
    st_free(after);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int st_store_put_report(st_store *s, const char *digest,
                        const char *report_json, const char *db_version,
                        const char *const *keys, size_t nkeys,
                        bool first_is_baseline, char ***new_keys,
                        size_t *n_new, st_error **err)
{
    const char **sorted = NULL;
    char **dummy_keys = NULL;
    size_t dummy_n = 0, n = 0, i;
    int rc;

    if (!s || blank(digest) || !report_json || (nkeys && !keys))
        return usage(err, "st_store_put_report: bad arguments");
    for (i = 0; i < nkeys; i++)
        if (!keys[i])
            return usage(err, "st_store_put_report: a NULL finding key");
    if (!new_keys || !n_new) {
        new_keys = &dummy_keys;
        n_new = &dummy_n;
    }
    *new_keys = NULL;
    *n_new = 0;
    if (nkeys && !(sorted = st_calloc(nkeys, sizeof(*sorted))))
        return st_error_set(err, ST_ENOMEM, "store", "out of memory");
    if (nkeys)
        memcpy(sorted, keys, nkeys * sizeof(*sorted));
    if (nkeys > 1)
        qsort(sorted, nkeys, sizeof(*sorted), cmp_str);
    for (i = 0; i < nkeys; i++)
        if (!n || strcmp(sorted[n - 1], sorted[i]))
            sorted[n++] = sorted[i];
    rc = s->ops->put_report(s, digest, report_json, db_version, sorted, n,
                            first_is_baseline, new_keys, n_new, err);
    st_free(sorted);
    if (new_keys == &dummy_keys) {
        for (i = 0; i < dummy_n; i++)
            st_free(dummy_keys[i]);
        st_free(dummy_keys);
    }
    return rc;
}

int st_store_report_keys(st_store *s, const char *digest, char ***keys,
                         size_t *n, st_error **err)
{
    int rc;
    if (!s || blank(digest) || !keys || !n)
        return usage(err, "st_store_report_keys: bad arguments");
    *keys = NULL;
    *n = 0;
    rc = s->ops->report_keys(s, digest, keys, n, err);
    if (rc == 0 && *n > 1)
        qsort(*keys, *n, sizeof(**keys), cmp_str);
    return rc;
}

int st_store_meta_get(st_store *s, const char *key, char **value,
                      st_error **err)
{
    if (!s || blank(key) || !value)
        return usage(err, "st_store_meta_get: bad arguments");
    *value = NULL;
    return s->ops->meta_get(s, key, value, err);
}

int st_store_meta_set(st_store *s, const char *key, const char *value,
                      st_error **err)
{
    if (!s || blank(key) || !value)
        return usage(err, "st_store_meta_set: bad arguments");
    return s->ops->meta_set(s, key, value, err);
}

int st_store_counts(st_store *s, uint64_t counts[4], st_error **err)
{
    if (!s || !counts)
        return usage(err, "st_store_counts: bad arguments");
    memset(counts, 0, 4 * sizeof(*counts));
    return s->ops->counts(s, counts, err);
}

/* ---- shared by the backends ------------------------------------------ */

int st_store__pool_init(st_store_pool *p, size_t n)
{
    size_t i;
    memset(p, 0, sizeof(*p));
    if (!(p->free = st_calloc(n, sizeof(*p->free))))
        return ST_ENOMEM;
    if (pthread_mutex_init(&p->lock, NULL)) {
        st_free(p->free);
        p->free = NULL;
        return ST_ENOMEM;
    }
    if (pthread_cond_init(&p->freed, NULL)) {
        pthread_mutex_destroy(&p->lock);
        st_free(p->free);
        p->free = NULL;
        return ST_ENOMEM;
    }
    /* Slot 0 on top: it is the connection opened (and migrated) first. */
    for (i = 0; i < n; i++)
        p->free[i] = n - 1 - i;
    p->n = p->nfree = n;
    return 0;
}

size_t st_store__pool_get(st_store_pool *p)
{
    size_t slot;
    pthread_mutex_lock(&p->lock);
    while (p->nfree == 0)
        pthread_cond_wait(&p->freed, &p->lock);
    slot = p->free[--p->nfree];
    pthread_mutex_unlock(&p->lock);
    return slot;
}

void st_store__pool_put(st_store_pool *p, size_t slot)
{
    pthread_mutex_lock(&p->lock);
    p->free[p->nfree++] = slot;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

void st_store__pool_release(st_store_pool *p)
{
    if (!p->free)
        return;
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    st_free(p->free);
    p->free = NULL;
}

int st_store__key_diff(const char **old, size_t nold,
                       const char *const *keys, size_t nkeys,
                       const char ***added, size_t *nadded,
                       const char ***removed, size_t *nremoved)
{
    size_t i = 0, j = 0;
    int c;

    *added = *removed = NULL;
    *nadded = *nremoved = 0;
    if ((nkeys && !(*added = st_calloc(nkeys, sizeof(**added)))) ||
        (nold && !(*removed = st_calloc(nold, sizeof(**removed))))) {
        st_free(*added);
        *added = NULL;
        return ST_ENOMEM;
    }
    if (nold > 1)
        qsort(old, nold, sizeof(*old), cmp_str);
    while (i < nold || j < nkeys) {
        c = i == nold ? 1 : j == nkeys ? -1 : strcmp(old[i], keys[j]);
        if (c < 0) {
            /* duplicates cannot come from the store (a primary key), but
             * cost nothing to skip */
            if (!*nremoved || strcmp((*removed)[*nremoved - 1], old[i]))
                (*removed)[(*nremoved)++] = old[i];
            i++;
        } else if (c > 0) {
            (*added)[(*nadded)++] = keys[j++];
        } else {
            i++;
            j++;
        }
    }
    return 0;
}

char *st_store__one_line(const char *msg)
{
    st_buf b = ST_BUF_INIT(4096);
    const char *p;
    bool gap = false;

    for (p = msg ? msg : ""; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            gap = true;
            continue;
        }
        if (gap && (*p == ' ' || *p == '\t'))
            continue; /* the indent of a continuation line */
        if (gap && b.len && st_buf_puts(&b, "; ") < 0)
            break;
        gap = false;
        if (st_buf_putc(&b, *p) < 0)
            break;
    }
    while (b.len && (b.ptr[b.len - 1] == ' ' || b.ptr[b.len - 1] == '\t'))
        b.ptr[--b.len] = 0;
    return st_buf_detach(&b, NULL);
}

static atomic_long fail_countdown;
static atomic_bool fail_crash;

void st_store__fail_after(long n, bool crash)
{
    atomic_store(&fail_crash, crash);
    atomic_store(&fail_countdown, n);
}

bool st_store__fail_point(void)
{
    if (atomic_load(&fail_countdown) <= 0)
        return false;
    if (atomic_fetch_sub(&fail_countdown, 1) != 1)
        return false;
    if (atomic_load(&fail_crash))
        _exit(75);
    return true;
}
