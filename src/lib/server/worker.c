/* Indexing workers: each claims a queued image from the store (the
 * database is the lock, so several servers can share one PostgreSQL),
 * pulls and scans it (layers stream from the registry; verified blobs are
 * cached in the data directory), stores its inventory — per layer, so a
 * base layer's inventory is stored once for every image that has it — and
 * its first vulnerability report. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "registry/registry.h"
#include "server/server_int.h"
#include "strata/image.h"
#include "strata/report.h"
#include "strata/scan.h"
#include "strata/vulndb.h"
#include "util/banned.h"

int st_srv_allowed(st_server *s, const char *ref, char **registry_out,
                   st_error **err)
{
    st_regref r;
    int rc;

    if (registry_out)
        *registry_out = NULL;
    if ((rc = st_regref_parse(&r, ref, err)) < 0)
        return rc;
    rc = ST_EUSAGE;
    for (size_t i = 0; i < s->o.allow_registry_count; i++)
        if (!strcmp(s->o.allow_registries[i], r.registry) ||
            !strcmp(s->o.allow_registries[i], r.host))
            rc = 0;
    if (rc < 0)
        st_error_set(err, ST_EUSAGE, "server",
                     "registry %s is not allowed (the server pulls only "
                     "from registries named with --allow-registry)",
                     r.registry);
    else if (registry_out && !(*registry_out = st_strdup(r.registry)))
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
    st_regref_release(&r);
    return rc;
}

static void reg_config(st_server *s, st_reg_config *c)
{
    memset(c, 0, sizeof(*c));
    c->insecure = s->o.insecure_registries;
    c->insecure_count = s->o.insecure_registry_count;
    c->ca_file = s->o.registry_ca;
    /* A request waits on this: fail fast on a registry that hangs. */
    c->tries = 1;
    c->connect_timeout_s = 5;
    c->low_speed_time_s = 8;
}

int st_srv_resolve(st_server *s, const char *ref, char digest[72],
                   char **pinned, st_error **err)
{
    st_reg_config cfg;
    st_reg *client = NULL;
    st_regref r;
    st_buf body = ST_BUF_INIT(0);
    char *mt = NULL;
    int rc;

    *pinned = NULL;
    if ((rc = st_regref_parse(&r, ref, err)) < 0)
        return rc;
    reg_config(s, &cfg);
    ST_CHECK(st_reg_open(&client, r.host, &cfg, err));
    ST_CHECK(st_reg_get_manifest(client, r.repository,
                                 r.digest ? r.digest : r.tag, 4u << 20,
                                 &body, &mt, digest, err));
    {
        size_t n = strlen(r.registry) + strlen(r.repository) + 80;
        if (!(*pinned = st_malloc(n))) {
            rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
            goto done;
        }
        snprintf(*pinned, n, "%s/%s@%s", r.registry, r.repository, digest);
    }
done:
    st_free(mt);
    st_buf_release(&body);
    st_reg_free(client);
    st_regref_release(&r);
    return rc;
}

void st_srv_keys_free(char **keys, size_t n)
{
    for (size_t i = 0; keys && i < n; i++)
        st_free(keys[i]);
    st_free(keys);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A report written to memory. */
static int write_report(const st_result *r, char **out, st_error **err)
{
    st_report_options ro = ST_REPORT_OPTIONS_INIT;
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    int rc;

    if (!f)
        return st_error_set(err, ST_ENOMEM, "server", "out of memory");
    rc = st_report_write(f, r, ST_FORMAT_JSON, &ro, err);
    fclose(f);
    if (rc < 0) {
        free(*out); /* open_memstream's buffer: libc's allocator */
        *out = NULL;
    }
    return rc;
}

/* Copies a libc-allocated string into st_malloc memory (the project's
 * allocator may differ in tests). */
static char *adopt(char *libc_str)
{
    char *s = libc_str ? st_strdup(libc_str) : NULL;
    free(libc_str);
    return s;
}

int st_srv_match(st_server *s, st_vulndb *shared, const char *image_json,
                 char **report_json, char ***keys_out, size_t *nkeys,
                 st_error **err)
{
    st_result *r = NULL;
    st_vulndb *db = shared;
    char **keys = NULL;
    size_t n = 0;
    int rc;

    *report_json = NULL;
    *keys_out = NULL;
    *nkeys = 0;
    ST_CHECK(st_result_load_json(&r, image_json, strlen(image_json),
                                 "stored inventory", err));
    if (!db)
        ST_CHECK(st_vulndb_open(&db, s->vulndb_dir, err));
    ST_CHECK(st_vulndb_match(db, r, err));
    n = st_result_vuln_count(r);
    if (!(keys = st_calloc(n + 1, sizeof(*keys)))) {
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const st_vuln *v = st_result_vuln(r, i);
        const st_package *p = v->package;
        size_t len = strlen(v->id) + (p && p->purl ? strlen(p->purl) : 0) +
                     (p ? strlen(p->name) + strlen(p->version) : 0) + 8;
        if (!(keys[i] = st_malloc(len))) {
            rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
            n = i;
            goto done;
        }
        if (p && p->purl)
            snprintf(keys[i], len, "%s %s", v->id, p->purl);
        else
            snprintf(keys[i], len, "%s %s@%s", v->id, p ? p->name : "?",
                     p ? p->version : "?");
    }
    qsort(keys, n, sizeof(*keys), cmp_str);
    {
        char *text = NULL;
        ST_CHECK(write_report(r, &text, err));
        if (!(*report_json = adopt(text))) {
            rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
            goto done;
        }
    }
    *keys_out = keys;
    *nkeys = n;
    keys = NULL;
done:
    st_srv_keys_free(keys, n);
    if (db != shared)
        st_vulndb_close(db);
    st_result_free(r);
    return rc;
}

/* Groups the inventory's packages by the layer that installed them. */
static int layer_inventories(const char *image_json, st_store_layer **out,
                             size_t *n_out, st_error **err)
{
    json_t *doc = json_loads(image_json, 0, NULL), *layers, *pkgs, *p;
    st_store_layer *v = NULL;
    json_t **groups = NULL;
    size_t n, i;
    int rc = 0;

    *out = NULL;
    *n_out = 0;
    if (!doc)
        return st_error_set(err, ST_EINVALID, "server",
                            "inventory is not JSON");
    layers = json_object_get(json_object_get(doc, "artifact"), "layers");
    pkgs = json_object_get(doc, "packages");
    n = json_array_size(layers);
    v = st_calloc(n + 1, sizeof(*v));
    groups = st_calloc(n + 1, sizeof(*groups));
    if (!v || !groups) {
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
        goto done;
    }
    for (i = 0; i < n; i++)
        groups[i] = json_array();
    json_array_foreach(pkgs, i, p)
    {
        json_t *li = json_object_get(p, "layer_index");
        json_int_t k = json_is_integer(li) ? json_integer_value(li) : -1;
        if (k >= 0 && (size_t)k < n)
            json_array_append(groups[k], p);
    }
    for (i = 0; i < n; i++) {
        json_t *l = json_array_get(layers, i);
        json_t *inv = json_pack("{s:O,s:o}", "digest",
                                json_object_get(l, "digest"), "packages",
                                groups[i]);
        char *text = inv ? json_dumps(inv, JSON_COMPACT |
                                               JSON_PRESERVE_ORDER)
                         : NULL;
        json_decref(inv);
        groups[i] = NULL;
        v[i].digest = st_strdup(json_string_value(json_object_get(l,
                                                                  "digest")));
        v[i].inventory_json = adopt(text);
        if (!v[i].digest || !v[i].inventory_json) {
            rc = st_error_set(err, ST_ENOMEM, "server",
                              "out of memory (layer %zu)", i + 1);
            n = i + 1;
            goto done;
        }
    }
    *out = v;
    *n_out = n;
    v = NULL;
done:
    for (i = 0; v && i < n; i++) {
        st_free((char *)v[i].digest);
        st_free((char *)v[i].inventory_json);
    }
    st_free(v);
    for (i = 0; groups && i < n; i++)
        json_decref(groups[i]);
    st_free(groups);
    json_decref(doc);
    return rc;
}

/* Pulls and scans one image; its inventory (JSON, not matched) into
 * *image_json. */
static int scan(st_server *s, const char *ref, char **image_json,
                st_error **err)
{
    st_image_options io = ST_IMAGE_OPTIONS_INIT;
    st_scan_options so = ST_SCAN_OPTIONS_INIT;
    st_image *img = NULL;
    st_result *r = NULL;
    char *text = NULL;
    int rc;

    *image_json = NULL;
    io.insecure_registries = s->o.insecure_registries;
    io.insecure_registry_count = s->o.insecure_registry_count;
    io.registry_ca = s->o.registry_ca;
    io.cache_dir = s->cache_dir;
    /* ref pins the digest: the registry client verifies it. */
    ST_CHECK(st_image_open(&img, ref, &io, err));
    ST_CHECK(st_scan_image(&r, img, &so, err));
    ST_CHECK(write_report(r, &text, err));
    if (!(*image_json = adopt(text)))
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
    text = NULL;
done:
    free(text);
    st_result_free(r);
    st_image_free(img);
    return rc;
}

static void index_one(st_server *s, const char *worker, const char *digest,
                      const char *ref)
{
    char *image_json = NULL, *report = NULL, **keys = NULL, **fresh = NULL;
    size_t nkeys = 0, nfresh = 0, nlayers = 0;
    st_store_layer *layers = NULL;
    st_error *err = NULL;
    double t0 = st_srv_now();
    int rc;

    st_srv_log(s, "index %s (%s): start", digest, ref);
    ST_CHECK(scan(s, ref, &image_json, &err));
    ST_CHECK(layer_inventories(image_json, &layers, &nlayers, &err));
    for (size_t i = 0; i < nlayers; i++) {
        bool have = false;
        if (st_store_has_layer(s->store, layers[i].digest, &have, NULL) ==
                0 &&
            have) {
            st_free((char *)layers[i].inventory_json);
            layers[i].inventory_json = NULL; /* stored: reuse it */
        }
    }
    ST_CHECK(st_store_put_index(s->store, digest, worker, layers, nlayers,
                                image_json, &err));
    pthread_mutex_lock(&s->m.mu);
    s->m.indexed++;
    pthread_mutex_unlock(&s->m.mu);
    /* The first report is the baseline: webhooks tell what changes. A
     * failure here leaves the image indexed without a report; the
     * re-matcher writes it on its next run. */
    if (s->db_present &&
        (st_srv_match(s, NULL, image_json, &report, &keys, &nkeys, &err) < 0 ||
         st_store_put_report(s->store, digest, report, s->db_version,
                             (const char *const *)keys, nkeys, true, &fresh,
                             &nfresh, &err) < 0)) {
        char *m = st_error_format(err);
        st_srv_log(s, "index %s: indexed, but no report yet: %s", digest,
                   m ? m : "failed");
        st_free(m);
        st_error_free(err);
        err = NULL;
    }
    st_srv_log(s, "index %s: indexed in %.2f s (%zu findings)", digest,
               st_srv_now() - t0, nkeys);
done:
    if (rc < 0) {
        char *m = st_error_format(err);
        st_srv_log(s, "index %s: failed: %s", digest, m ? m : "failed");
        st_store_fail(s->store, digest, worker, m ? m : "failed", NULL);
        pthread_mutex_lock(&s->m.mu);
        s->m.index_failed++;
        pthread_mutex_unlock(&s->m.mu);
        st_free(m);
        st_error_free(err);
    }
    for (size_t i = 0; layers && i < nlayers; i++) {
        st_free((char *)layers[i].digest);
        st_free((char *)layers[i].inventory_json);
    }
    st_free(layers);
    st_srv_keys_free(keys, nkeys);
    st_srv_keys_free(fresh, nfresh);
    st_free(report);
    st_free(image_json);
}

struct worker_arg {
    st_server *s;
    unsigned id;
};

static void *worker_main(void *p)
{
    struct worker_arg *a = p;
    st_server *s = a->s;
    char name[128];

    snprintf(name, sizeof(name), "%s/w%u", s->host_id, a->id);
    st_free(a);
    for (;;) {
        char *digest = NULL, *ref = NULL;
        st_error *err = NULL;
        int got;
        struct timespec until;

        pthread_mutex_lock(&s->mu);
        if (s->stopping) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        pthread_mutex_unlock(&s->mu);
        got = st_store_claim(s->store, name, s->o.index_timeout_s + 60,
                             &digest, &ref, &err);
        if (got == 1) {
            index_one(s, name, digest, ref);
            st_free(digest);
            st_free(ref);
            continue;
        }
        if (got < 0) {
            char *m = st_error_format(err);
            st_srv_log(s, "claim: %s", m ? m : "failed");
            st_free(m);
            st_error_free(err);
        }
        /* Nothing to do: wait for a wake-up, or poll again in a second
         * (another instance may have queued work in a shared DB). */
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&s->mu);
        if (!s->stopping)
            pthread_cond_timedwait(&s->cv, &s->mu, &until);
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

void st_srv_wake_workers(st_server *s)
{
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int st_srv_workers_start(st_server *s, st_error **err)
{
    s->workers = st_calloc(s->o.workers, sizeof(*s->workers));
    if (!s->workers)
        return st_error_set(err, ST_ENOMEM, "server", "out of memory");
    for (unsigned i = 0; i < s->o.workers; i++) {
        struct worker_arg *a = st_malloc(sizeof(*a));
        if (!a)
            return st_error_set(err, ST_ENOMEM, "server", "out of memory");
        a->s = s;
        a->id = i;
        if (pthread_create(&s->workers[i], NULL, worker_main, a)) {
            st_free(a);
            return st_error_set(err, ST_EIO, "server",
                                "cannot start worker %u", i);
        }
        s->nworkers++;
    }
    return 0;
}

void st_srv_workers_stop(st_server *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i], NULL);
    st_free(s->workers);
    s->workers = NULL;
    s->nworkers = 0;
}
