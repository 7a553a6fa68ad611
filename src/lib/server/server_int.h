/* strata serve — internals shared by the HTTP front (http.c), the indexing
 * workers (worker.c), the re-matcher (rematch.c) and the metrics
 * (metrics.c). Webhooks go through util/webhook. Not installed. */
#ifndef ST_SERVER_INT_H
#define ST_SERVER_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "server/store.h"
#include "strata/server.h"
#include "util/util.h"
#include "util/webhook.h"

/* ---- metrics (metrics.c) ------------------------------------------------ */

#define ST_SRV_ROUTES(X)                                                       \
    X(INDEX, "index")                                                          \
    X(INDEX_REPORT, "index_report")                                            \
    X(REPORT, "report")                                                        \
    X(IMAGES, "images")                                                        \
    X(NOTIFY, "notifications")                                                 \
    X(REMATCH, "rematch")                                                      \
    X(HEALTH, "healthz")                                                       \
    X(METRICS, "metrics")                                                      \
    X(OTHER, "other")

typedef enum st_srv_route {
#define X(id, name) ST_ROUTE_##id,
    ST_SRV_ROUTES(X)
#undef X
        ST_ROUTE__COUNT
} st_srv_route;

#define ST_SRV_BUCKETS 12 /* latency histogram, seconds */

typedef struct st_srv_metrics {
    pthread_mutex_t mu;
    /* requests by route and status class (1xx..5xx -> 0..4) */
    uint64_t requests[ST_ROUTE__COUNT][5];
    uint64_t latency_count[ST_ROUTE__COUNT];
    double latency_sum[ST_ROUTE__COUNT];
    uint64_t latency_bucket[ST_ROUTE__COUNT][ST_SRV_BUCKETS];
    uint64_t indexed, index_failed, rematched, rematch_runs;
    double last_rematch_seconds;
    uint64_t cache_hits, cache_misses;
} st_srv_metrics;

extern const double st_srv_bucket_bounds[ST_SRV_BUCKETS];

/* ---- the server ---------------------------------------------------------- */

typedef struct st_server {
    st_server_options o;
    FILE *log;
    pthread_mutex_t log_mu;
    volatile sig_atomic_t *stop;
    st_store *store;
    char *data_dir;
    char *cache_dir;
    char *vulndb_dir;
    char host_id[96]; /* "hostname:pid" — a worker's name in claims */

    /* Workers wait here for work (enqueue signals; they also poll, for
     * work another instance queued in a shared PostgreSQL). */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t rematch_cv; /* the re-matcher's sleep: only stop wakes
                                  it (enqueues wake the workers) */
    bool stopping;
    pthread_t *workers;
    unsigned nworkers;
    pthread_t rematcher;
    bool rematcher_on;

    /* The vulnerability DB version matched last ("" until known); the
     * re-matcher updates it. */
    char db_version[128];
    int64_t db_age_seconds;
    bool db_present;

    /* Rendered reports: (digest, format) -> body, valid for db_version. */
    pthread_mutex_t cache_mu;
    st_map *cache;
    size_t cache_entries;

    st_webhook *webhook;
    st_srv_metrics m;
    double started; /* monotonic seconds */
} st_server;

/* One line to the log, with a timestamp. */
void st_srv_log(st_server *s, const char *fmt, ...) ST_PRINTF(2, 3);
double st_srv_now(void); /* CLOCK_MONOTONIC seconds */

/* http.c */
int st_srv_http_start(st_server *s, void **daemon_out, st_error **err);
void st_srv_http_stop(void *daemon);

/* worker.c: index one claimed image; the worker loop. */
int st_srv_workers_start(st_server *s, st_error **err);
void st_srv_workers_stop(st_server *s);
void st_srv_wake_workers(st_server *s);
/* Checks a reference against --allow-registry: 0, or ST_EUSAGE with a
 * message saying which registry is refused. On success *canon (owned)
 * is "registry/repository" and *registry the registry as written. */
int st_srv_allowed(st_server *s, const char *ref, char **registry_out,
                   st_error **err);
/* Resolves a reference to its manifest digest (a GET of the manifest,
 * bounded in time). */
int st_srv_resolve(st_server *s, const char *ref, char digest[72],
                   char **pinned_ref, st_error **err);

/* notify.c: a registry's notification envelope (Docker distribution:
 * {"events": [{"action", "target": {"mediaType", "digest", "repository",
 * "url"}, "request": {"host"}}]}). fn gets each push of a manifest or
 * index as "registry/repository@digest" (registry from the target URL,
 * else the request's Host); other events are counted in *ignored.
 * ST_EINVALID when the body is not an envelope. */
int st_srv_parse_notifications(const char *body, size_t len,
                               int (*fn)(void *u, const char *ref,
                                         const char *digest),
                               void *u, size_t *ignored, st_error **err);

/* rematch.c */
int st_srv_rematcher_start(st_server *s, st_error **err);
void st_srv_rematcher_stop(st_server *s);
/* Re-matches every stored image now (POST /v1/rematch). */
int st_srv_rematch_all(st_server *s, size_t *images, size_t *new_findings,
                       st_error **err);
/* "<built_at>/<hash of the sources>" of the DB in dir; ST_ENOTFOUND when
 * there is none. */
int st_srv_db_version(const char *dir, char *out, size_t n,
                      int64_t *age_out, st_error **err);

/* The vulnerability report of a result (JSON) and its finding keys
 * ("<id> <purl>"), sorted. Used by workers and the re-matcher. `db` is an
 * open vulnerability DB, or NULL to open the server's for this call. */
struct st_vulndb;
int st_srv_match(st_server *s, struct st_vulndb *db, const char *image_json,
                 char **report_json, char ***keys, size_t *nkeys,
                 st_error **err);
void st_srv_keys_free(char **keys, size_t n);

/* metrics.c */
void st_srv_metrics_init(st_srv_metrics *m);
void st_srv_metrics_request(st_srv_metrics *m, st_srv_route r,
                            unsigned status, double seconds);
int st_srv_metrics_write(st_server *s, st_buf *out);

#endif
