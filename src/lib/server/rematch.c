/* Re-matching: when the vulnerability DB changes (`strata db update` ran,
 * by cron or by hand), every stored inventory is matched again — no image
 * is pulled — and its report replaced. Findings an image did not have
 * before are POSTed to the webhook: what was clean has become vulnerable.
 */
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "server/server_int.h"
#include "strata/vulndb.h"
#include "util/banned.h"

int st_srv_db_version(const char *dir, char *out, size_t n, int64_t *age,
                      st_error **err)
{
    const st_vulndb_status *st;
    st_vulndb *db = NULL;
    st_sha256 *h = NULL;
    char hex[72];
    int rc;

    ST_CHECK(st_vulndb_open(&db, dir, err));
    ST_CHECK(st_vulndb_get_status(&st, db, err));
    /* built_at has one-second resolution: the sources' hashes tell two
     * builds within a second apart. */
    if (!(h = st_sha256_new())) {
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < st->source_count; i++)
        if (st->sources[i].sha256)
            st_sha256_update(h, st->sources[i].sha256,
                             strlen(st->sources[i].sha256));
    st_sha256_update(h, &st->advisories, sizeof(st->advisories));
    st_sha256_final(h, hex);
    snprintf(out, n, "%s/%.12s", st->built_at ? st->built_at : "?",
             hex + 7);
    if (age)
        *age = st->age_seconds;
done:
    st_sha256_free(h);
    st_vulndb_close(db);
    return rc;
}

struct collect {
    st_vec digests;
    const char *version;
};

static int collect(void *u, const char *digest, const char *image_json,
                   const char *db_version)
{
    struct collect *c = u;
    char *d;
    (void)image_json;
    if (db_version && !strcmp(db_version, c->version))
        return 0; /* already matched with this DB */
    if (!(d = st_strdup(digest)) || st_vec_push(&c->digests, d) < 0) {
        st_free(d);
        return 1;
    }
    return 0;
}

/* The webhook body for one image's new findings, with what the report
 * says of each (severity, fixed version). */
static char *notification(st_server *s, const char *digest, const char *ref,
                          const char *report_json, char **fresh, size_t n)
{
    json_t *rep = json_loads(report_json, 0, NULL);
    json_t *vulns = json_object_get(rep, "vulnerabilities"), *v;
    json_t *list = json_array(), *doc;
    size_t i;
    char *text;

    json_array_foreach(vulns, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        json_t *pkg = json_object_get(v, "package");
        const char *purl = json_string_value(json_object_get(pkg, "purl"));
        char key[1024];
        if (!id)
            continue;
        snprintf(key, sizeof(key), "%s %s", id,
                 purl ? purl : "");
        for (size_t k = 0; k < n; k++)
            if (!strcmp(fresh[k], key)) {
                json_array_append_new(
                    list,
                    json_pack("{s:s,s:O,s:O,s:O,s:O,s:O}", "id", id,
                              "package", json_object_get(pkg, "name"),
                              "version", json_object_get(pkg, "version"),
                              "purl", json_object_get(pkg, "purl"),
                              "severity", json_object_get(v, "severity"),
                              "fixed_version",
                              json_object_get(v, "fixed_version")));
                break;
            }
    }
    {
        char path[128];
        snprintf(path, sizeof(path), "/v1/report/%s", digest);
        doc = json_pack("{s:s,s:{s:s,s:s},s:s,s:I,s:o,s:s}", "event",
                        "new_vulnerabilities", "image", "digest", digest,
                        "ref", ref ? ref : "", "db_version", s->db_version,
                        "count", (json_int_t)json_array_size(list),
                        "findings", list, "report", path);
    }
    text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    json_decref(rep);
    return text;
}

static void cache_drop_all(st_server *s)
{
    pthread_mutex_lock(&s->cache_mu);
    if (s->cache) {
        size_t pos = 0;
        const char *k;
        void *v;
        while (st_map_next(s->cache, &pos, &k, &v))
            st_free(v);
        st_map_free(s->cache);
        s->cache = NULL;
        s->cache_entries = 0;
    }
    pthread_mutex_unlock(&s->cache_mu);
}

int st_srv_rematch_all(st_server *s, size_t *images, size_t *new_findings,
                       st_error **err)
{
    struct collect c;
    st_vulndb *db = NULL;
    double t0 = st_srv_now();
    int rc;

    *images = *new_findings = 0;
    memset(&c, 0, sizeof(c));
    c.version = s->db_version;
    ST_CHECK(st_store_each_indexed(s->store, collect, &c, err));
    if (c.digests.len)
        ST_CHECK(st_vulndb_open(&db, s->vulndb_dir, err));
    for (size_t i = 0; i < c.digests.len; i++) {
        const char *d = c.digests.items[i];
        st_store_image im;
        char *report = NULL, **keys = NULL, **fresh = NULL;
        size_t nkeys = 0, nfresh = 0;
        st_error *e = NULL;

        memset(&im, 0, sizeof(im));
        if (st_store_get(s->store, d, false, false, &im, &e) < 0 ||
            !im.image_json ||
            st_srv_match(s, db, im.image_json, &report, &keys, &nkeys, &e) < 0 ||
            st_store_put_report(s->store, d, report, s->db_version,
                                (const char *const *)keys, nkeys, true,
                                &fresh, &nfresh, &e) < 0) {
            char *m = st_error_format(e);
            st_srv_log(s, "rematch %s: %s", d, m ? m : "failed");
            st_free(m);
            st_error_free(e);
        } else {
            (*images)++;
            *new_findings += nfresh;
            if (nfresh) {
                char *body = notification(s, d, im.ref, report, fresh,
                                          nfresh);
                st_srv_log(s, "rematch %s: %zu new finding%s", d, nfresh,
                           nfresh == 1 ? "" : "s");
                if (body && s->webhook)
                    st_webhook_push(s->webhook, body, strlen(body));
                free(body);
            }
        }
        st_store_image_release(&im);
        st_free(report);
        st_srv_keys_free(keys, nkeys);
        st_srv_keys_free(fresh, nfresh);
    }
    cache_drop_all(s);
    pthread_mutex_lock(&s->m.mu);
    s->m.rematch_runs++;
    s->m.rematched += *images;
    s->m.last_rematch_seconds = st_srv_now() - t0;
    pthread_mutex_unlock(&s->m.mu);
    st_srv_log(s, "rematch: %zu image%s in %.2f s, %zu new finding%s",
               *images, *images == 1 ? "" : "s", st_srv_now() - t0,
               *new_findings, *new_findings == 1 ? "" : "s");
done:
    st_vulndb_close(db);
    for (size_t i = 0; i < c.digests.len; i++)
        st_free(c.digests.items[i]);
    st_vec_release(&c.digests);
    return rc;
}

/* Polls the DB's version; a change re-matches everything. */
static void *rematcher_main(void *p)
{
    st_server *s = p;
    char done_with[128] = ""; /* the DB version of the last full pass */
    for (;;) {
        char v[128];
        int64_t age = 0;
        st_error *e = NULL;
        struct timespec until;
        bool stop, changed = false;

        if (st_srv_db_version(s->vulndb_dir, v, sizeof(v), &age, &e) == 0) {
            pthread_mutex_lock(&s->mu);
            changed = strcmp(v, done_with) != 0;
            snprintf(s->db_version, sizeof(s->db_version), "%s", v);
            s->db_age_seconds = age;
            s->db_present = true;
            pthread_mutex_unlock(&s->mu);
        }
        st_error_free(e);
        if (changed) {
            size_t n, fresh;
            st_error *re = NULL;
            st_srv_log(s, "vulnerability DB %s: re-matching", v);
            if (st_srv_rematch_all(s, &n, &fresh, &re) < 0) {
                char *m = st_error_format(re);
                st_srv_log(s, "rematch: %s", m ? m : "failed");
                st_free(m);
            }
            st_error_free(re);
            snprintf(done_with, sizeof(done_with), "%s", v);
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->o.db_poll_s;
        pthread_mutex_lock(&s->mu);
        if (!s->stopping)
            pthread_cond_timedwait(&s->rematch_cv, &s->mu, &until);
        stop = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
    }
    return NULL;
}

int st_srv_rematcher_start(st_server *s, st_error **err)
{
    if (pthread_create(&s->rematcher, NULL, rematcher_main, s))
        return st_error_set(err, ST_EIO, "server",
                            "cannot start the re-matcher");
    s->rematcher_on = true;
    return 0;
}

void st_srv_rematcher_stop(st_server *s)
{
    if (s->rematcher_on)
        pthread_join(s->rematcher, NULL);
    s->rematcher_on = false;
}
