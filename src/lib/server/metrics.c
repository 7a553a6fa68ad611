/* Prometheus text exposition of the server's counters: requests and their
 * latencies by route, the indexing queue, images by state, the age of the
 * vulnerability DB, re-matching and webhook deliveries. */
#include <string.h>

#include "server/server_int.h"
#include "util/banned.h"

const double st_srv_bucket_bounds[ST_SRV_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30};

static const char *const route_names[] = {
#define X(id, name) name,
    ST_SRV_ROUTES(X)
#undef X
};

void st_srv_metrics_init(st_srv_metrics *m)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
}

void st_srv_metrics_request(st_srv_metrics *m, st_srv_route r,
                            unsigned status, double seconds)
{
    unsigned cls = status >= 100 && status < 600 ? status / 100 - 1 : 4;
    pthread_mutex_lock(&m->mu);
    m->requests[r][cls]++;
    m->latency_count[r]++;
    m->latency_sum[r] += seconds;
    for (unsigned b = 0; b < ST_SRV_BUCKETS; b++)
        if (seconds <= st_srv_bucket_bounds[b])
            m->latency_bucket[r][b]++;
    pthread_mutex_unlock(&m->mu);
}

int st_srv_metrics_write(st_server *s, st_buf *o)
{
    st_srv_metrics *m = &s->m;
    uint64_t counts[4] = {0, 0, 0, 0};
    st_webhook_counts hooks = {0, 0, 0};
    bool have_counts = st_store_counts(s->store, counts, NULL) == 0;

    if (s->webhook)
        st_webhook_counts_get(s->webhook, &hooks);
    pthread_mutex_lock(&m->mu);
    st_buf_puts(o, "# HELP strata_http_requests_total HTTP requests by "
                   "route and status class.\n"
                   "# TYPE strata_http_requests_total counter\n");
    for (unsigned r = 0; r < ST_ROUTE__COUNT; r++)
        for (unsigned c = 0; c < 5; c++)
            if (m->requests[r][c])
                st_buf_printf(o,
                              "strata_http_requests_total{route=\"%s\","
                              "code=\"%uxx\"} %llu\n",
                              route_names[r], c + 1,
                              (unsigned long long)m->requests[r][c]);
    st_buf_puts(o, "# HELP strata_http_request_duration_seconds Request "
                   "latency by route.\n"
                   "# TYPE strata_http_request_duration_seconds histogram\n");
    for (unsigned r = 0; r < ST_ROUTE__COUNT; r++) {
        if (!m->latency_count[r])
            continue;
        for (unsigned b = 0; b < ST_SRV_BUCKETS; b++)
            st_buf_printf(o,
                          "strata_http_request_duration_seconds_bucket{"
                          "route=\"%s\",le=\"%g\"} %llu\n",
                          route_names[r], st_srv_bucket_bounds[b],
                          (unsigned long long)m->latency_bucket[r][b]);
        st_buf_printf(o,
                      "strata_http_request_duration_seconds_bucket{route="
                      "\"%s\",le=\"+Inf\"} %llu\n"
                      "strata_http_request_duration_seconds_sum{route="
                      "\"%s\"} %.6f\n"
                      "strata_http_request_duration_seconds_count{route="
                      "\"%s\"} %llu\n",
                      route_names[r],
                      (unsigned long long)m->latency_count[r],
                      route_names[r], m->latency_sum[r], route_names[r],
                      (unsigned long long)m->latency_count[r]);
    }
    st_buf_printf(o,
                  "# HELP strata_index_total Images indexed, by outcome.\n"
                  "# TYPE strata_index_total counter\n"
                  "strata_index_total{outcome=\"indexed\"} %llu\n"
                  "strata_index_total{outcome=\"failed\"} %llu\n"
                  "# HELP strata_rematch_runs_total Re-matching runs.\n"
                  "# TYPE strata_rematch_runs_total counter\n"
                  "strata_rematch_runs_total %llu\n"
                  "# HELP strata_rematch_images_total Images re-matched.\n"
                  "# TYPE strata_rematch_images_total counter\n"
                  "strata_rematch_images_total %llu\n"
                  "# HELP strata_rematch_last_duration_seconds The last "
                  "run's duration.\n"
                  "# TYPE strata_rematch_last_duration_seconds gauge\n"
                  "strata_rematch_last_duration_seconds %.3f\n"
                  "# HELP strata_webhook_deliveries_total Webhook POSTs by "
                  "outcome.\n"
                  "# TYPE strata_webhook_deliveries_total counter\n"
                  "strata_webhook_deliveries_total{outcome=\"sent\"} %llu\n"
                  "strata_webhook_deliveries_total{outcome=\"failed\"} %llu\n"
                  "strata_webhook_deliveries_total{outcome=\"dropped\"} "
                  "%llu\n"
                  "# HELP strata_report_cache_total Report cache lookups.\n"
                  "# TYPE strata_report_cache_total counter\n"
                  "strata_report_cache_total{result=\"hit\"} %llu\n"
                  "strata_report_cache_total{result=\"miss\"} %llu\n",
                  (unsigned long long)m->indexed,
                  (unsigned long long)m->index_failed,
                  (unsigned long long)m->rematch_runs,
                  (unsigned long long)m->rematched, m->last_rematch_seconds,
                  (unsigned long long)hooks.sent,
                  (unsigned long long)hooks.failed,
                  (unsigned long long)hooks.dropped,
                  (unsigned long long)m->cache_hits,
                  (unsigned long long)m->cache_misses);
    pthread_mutex_unlock(&m->mu);
    if (have_counts)
        st_buf_printf(o,
                      "# HELP strata_images Stored images by state.\n"
                      "# TYPE strata_images gauge\n"
                      "strata_images{state=\"queued\"} %llu\n"
                      "strata_images{state=\"indexing\"} %llu\n"
                      "strata_images{state=\"indexed\"} %llu\n"
                      "strata_images{state=\"failed\"} %llu\n"
                      "# HELP strata_queue_depth Images waiting to be "
                      "indexed.\n"
                      "# TYPE strata_queue_depth gauge\n"
                      "strata_queue_depth %llu\n",
                      (unsigned long long)counts[ST_IMG_QUEUED],
                      (unsigned long long)counts[ST_IMG_INDEXING],
                      (unsigned long long)counts[ST_IMG_INDEXED],
                      (unsigned long long)counts[ST_IMG_FAILED],
                      (unsigned long long)(counts[ST_IMG_QUEUED] +
                                           counts[ST_IMG_INDEXING]));
    pthread_mutex_lock(&s->mu);
    if (s->db_present)
        st_buf_printf(o,
                      "# HELP strata_vulndb_age_seconds Age of the "
                      "vulnerability DB.\n"
                      "# TYPE strata_vulndb_age_seconds gauge\n"
                      "strata_vulndb_age_seconds %lld\n",
                      (long long)s->db_age_seconds);
    pthread_mutex_unlock(&s->mu);
    return st_buf_printf(o, "# HELP strata_up The server is serving.\n"
                            "# TYPE strata_up gauge\nstrata_up 1\n");
}
