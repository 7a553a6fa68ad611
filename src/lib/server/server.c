/* strata serve: wiring. Opens the store, starts the webhook sender, the
 * indexing workers, the re-matcher and the HTTP front, and stops them in
 * the reverse order when asked. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/server_int.h"
#include "strata/vulndb.h"
#include "util/banned.h"

double st_srv_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void st_srv_log(st_server *s, const char *fmt, ...)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&s->log_mu);
    fprintf(s->log, "%s strata serve: ", stamp);
    va_start(ap, fmt);
    vfprintf(s->log, fmt, ap);
    va_end(ap);
    fputc('\n', s->log);
    fflush(s->log);
    pthread_mutex_unlock(&s->log_mu);
}

static int mkdir_p(const char *dir, st_error **err)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n >= sizeof(tmp))
        return st_error_set(err, ST_EUSAGE, "server", "%s: path too long",
                            dir);
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return st_error_set(err, ST_EIO, "server", "%s: %s", tmp,
                                    strerror(errno));
            *p = '/';
        }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return st_error_set(err, ST_EIO, "server", "%s: %s", tmp,
                            strerror(errno));
    return 0;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = st_malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

static void hook_log(void *payload, const char *line)
{
    st_srv_log(payload, "%s", line);
}

static void cache_free(st_server *s)
{
    size_t pos = 0;
    const char *k;
    void *v;
    if (!s->cache)
        return;
    while (st_map_next(s->cache, &pos, &k, &v))
        st_free(v);
    st_map_free(s->cache);
    s->cache = NULL;
}

int st_server_run(const st_server_options *o, volatile sig_atomic_t *stop,
                  FILE *log, st_error **err)
{
    st_server *s = st_calloc(1, sizeof(*s));
    void *http = NULL;
    char *dbpath = NULL;
    char host[64] = "";
    int rc = 0;

    if (!s)
        return st_error_set(err, ST_ENOMEM, "server", "out of memory");
    s->o = *o;
    s->log = log ? log : stderr;
    s->stop = stop;
    pthread_mutex_init(&s->log_mu, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_cond_init(&s->rematch_cv, NULL);
    pthread_mutex_init(&s->cache_mu, NULL);
    st_srv_metrics_init(&s->m);
    s->started = st_srv_now();
    if (!s->o.listen)
        s->o.listen = "127.0.0.1:8080";
    if (!s->o.workers)
        s->o.workers = 2;
    if (!s->o.http_threads)
        s->o.http_threads = 2;
    if (!s->o.max_body)
        s->o.max_body = 1u << 20;
    if (!s->o.request_timeout_s)
        s->o.request_timeout_s = 30;
    if (!s->o.index_timeout_s)
        s->o.index_timeout_s = 600;
    if (!s->o.db_poll_s)
        s->o.db_poll_s = 10;
    gethostname(host, sizeof(host) - 1);
    snprintf(s->host_id, sizeof(s->host_id), "%s:%ld", host[0] ? host : "?",
             (long)getpid());

    s->vulndb_dir = o->vulndb ? st_strdup(o->vulndb)
                              : st_vulndb_default_dir();
    if (!s->vulndb_dir)
        goto oom;
    s->data_dir = o->data_dir ? st_strdup(o->data_dir)
                              : join(s->vulndb_dir, "server");
    if (!s->data_dir || !(s->cache_dir = join(s->data_dir, "blobs")))
        goto oom;
    ST_CHECK(mkdir_p(s->data_dir, err));
    if (!o->db && !(dbpath = join(s->data_dir, "strata-server.db")))
        goto oom;
    ST_CHECK(st_store_open(&s->store, o->db ? o->db : dbpath, o->pool, err));
    if (o->webhook) {
        /* retried 1, 2, 4, 8, 16 s apart (docs/api.md) */
        st_webhook_options wo = {o->webhook, o->webhook_secret,
                                 "X-Strata-Signature", 10000, 30000, 6,
                                 1000, hook_log, s};
        ST_CHECK(st_webhook_new(&s->webhook, &wo, "server", err));
    }
    {
        st_error *e = NULL;
        char v[128];
        int64_t age;
        if (st_srv_db_version(s->vulndb_dir, v, sizeof(v), &age, &e) == 0) {
            /* The re-matcher's first pass re-matches whatever another DB
             * matched before a restart. */
            snprintf(s->db_version, sizeof(s->db_version), "%s", v);
            s->db_present = true;
            s->db_age_seconds = age;
        } else {
            char *m = st_error_format(e);
            st_srv_log(s, "no vulnerability DB yet (%s): images are indexed, "
                          "reports wait for 'strata db update'",
                       m ? m : "?");
            st_free(m);
        }
        st_error_free(e);
    }
    ST_CHECK(st_srv_workers_start(s, err));
    ST_CHECK(st_srv_rematcher_start(s, err));
    ST_CHECK(st_srv_http_start(s, &http, err));
    st_srv_log(s, "listening on %s%s (store: %s, %u workers, %zu allowed "
                  "registr%s)",
               s->o.listen, s->o.tls_cert ? " (TLS)" : "",
               st_store_backend(s->store), s->o.workers,
               s->o.allow_registry_count,
               s->o.allow_registry_count == 1 ? "y" : "ies");
    while (!*stop)
        usleep(100 * 1000);
    st_srv_log(s, "stopping");
done:
    st_srv_http_stop(http);
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_cond_broadcast(&s->rematch_cv);
    pthread_mutex_unlock(&s->mu);
    st_srv_workers_stop(s);
    st_srv_rematcher_stop(s);
    /* what is queued gets 10 s to go out */
    st_webhook_free(s->webhook, 10000);
    st_store_close(s->store);
    cache_free(s);
    st_free(dbpath);
    st_free(s->vulndb_dir);
    st_free(s->data_dir);
    st_free(s->cache_dir);
    pthread_mutex_destroy(&s->cache_mu);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->rematch_cv);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->log_mu);
    pthread_mutex_destroy(&s->m.mu);
    st_free(s);
    return rc;
oom:
    rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
    goto done;
}
