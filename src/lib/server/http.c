/* The HTTP API (docs/api.md), on libmicrohttpd with a thread pool:
 *   POST /v1/index             {"image": REF}  -> 202 queued / 200 known
 *   GET  /v1/index/DIGEST      inventory per layer
 *   GET  /v1/report/DIGEST     vulnerability report (?format=json|sarif|
 *                              cyclonedx|spdx-json|table)
 *   GET  /v1/images            ?offset=&limit=
 *   POST /v1/notifications     a registry's notification envelope
 *   POST /v1/rematch           re-match every image now
 *   GET  /healthz, /metrics
 * Bodies are bounded (413), JSON is validated before anything is stored
 * (400), writes need the bearer token when one is set (401), registries
 * not allowed by the operator are refused (403), a registry that fails or
 * hangs is a 502/504 with the reason. Every error is a JSON object
 * {"error": {"code": …, "message": …}}. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "registry/registry.h"
#include "server/server_int.h"
#include "strata/report.h"
#include "strata/scan.h"
#include "strata/vulndb.h"
#include "util/banned.h"

#define CACHE_MAX 4096

struct req {
    st_buf body;
    bool too_big;
    double t0;
    st_srv_route route;
    unsigned status;
};

struct reply {
    unsigned status;
    const char *type;
    char *body; /* st_malloc'd */
    size_t len;
};

static void reply_text(struct reply *r, unsigned status, const char *type,
                       const char *text, size_t len)
{
    r->status = status;
    r->type = type;
    r->body = st_strndup(text, len);
    r->len = r->body ? len : 0;
}

static void reply_json(struct reply *r, unsigned status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)
                     : NULL;
    json_decref(doc);
    if (!text) {
        reply_text(r, 500, "application/json",
                   "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
                   "memory\"}}",
                   59);
        return;
    }
    reply_text(r, status, "application/json", text, strlen(text));
    free(text);
}

static void reply_error(struct reply *r, unsigned status, const char *code,
                        const char *msg)
{
    reply_json(r, status,
               json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
                         msg));
}

static void reply_st_error(struct reply *r, st_error *e, unsigned dflt)
{
    char *m = st_error_format(e);
    int code = st_error_code(e);
    unsigned status = code == ST_ENOTFOUND     ? 404
                      : code == ST_EUSAGE      ? 403
                      : code == ST_EINVALID    ? 400
                      : code == ST_EDIGEST     ? 502
                      : code == ST_EIO         ? 502
                      : code == ST_ELIMIT      ? 413
                                               : dflt;
    reply_error(r, status,
                status == 404   ? "not_found"
                : status == 403 ? "forbidden"
                : status == 400 ? "bad_request"
                : status == 502 ? "bad_gateway"
                : status == 413 ? "too_large"
                                : "internal",
                m ? m : "error");
    st_free(m);
    st_error_free(e);
}

/* Constant-time comparison of the bearer token. */
static bool authorized(st_server *s, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Authorization");
    size_t n, m;
    unsigned char diff = 0;

    if (!s->o.token)
        return true;
    if (!h || strncmp(h, "Bearer ", 7))
        return false;
    h += 7;
    n = strlen(h);
    m = strlen(s->o.token);
    for (size_t i = 0; i < m; i++)
        diff |= (unsigned char)(s->o.token[i] ^ (i < n ? h[i] : 0));
    return diff == 0 && n == m;
}

static bool valid_digest(const char *d)
{
    return st_digest_valid(d) && !strncmp(d, "sha256:", 7);
}

/* ---- POST /v1/index ----------------------------------------------------- */

static int enqueue_ref(st_server *s, const char *ref, char digest[72],
                       bool *created, st_error **err)
{
    char *pinned = NULL;
    int rc;

    ST_CHECK(st_srv_allowed(s, ref, NULL, err));
    ST_CHECK(st_srv_resolve(s, ref, digest, &pinned, err));
    ST_CHECK(st_store_enqueue(s->store, digest, pinned, created, err));
    st_srv_wake_workers(s);
done:
    st_free(pinned);
    return rc;
}

static json_t *state_json(const st_store_image *im)
{
    char path[160];
    json_t *o;
    snprintf(path, sizeof(path), "/v1/report/%s", im->digest);
    o = json_pack("{s:s,s:s,s:s,s:s}", "digest", im->digest, "ref",
                  im->ref ? im->ref : "", "state",
                  st_image_state_name(im->state), "report", path);
    if (o && im->error)
        json_object_set_new(o, "error", json_string(im->error));
    if (o && im->indexed_at)
        json_object_set_new(o, "indexed_at", json_string(im->indexed_at));
    return o;
}

static void do_index(st_server *s, struct MHD_Connection *c, struct req *q,
                     struct reply *r)
{
    json_t *doc = json_loadb(q->body.ptr ? q->body.ptr : "", q->body.len, 0,
                             NULL);
    const char *ref = json_string_value(json_object_get(doc, "image"));
    const char *wait = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                   "wait");
    char *end = NULL;
    double secs = wait ? strtod(wait, &end) : 0, deadline;
    char digest[72];
    bool created = false;
    st_error *e = NULL;
    st_store_image im;

    if (!json_is_object(doc) || !ref || !*ref) {
        json_decref(doc);
        reply_error(r, 400, "bad_request",
                    "expected a JSON object {\"image\": \"REFERENCE\"}");
        return;
    }
    /* "nan" would make the deadline never come: only 0 <= x <= 600 */
    if (wait && (end == wait || *end || !(secs >= 0 && secs <= 600))) {
        json_decref(doc);
        reply_error(r, 400, "bad_request", "wait: 0 to 600 seconds");
        return;
    }
    deadline = st_srv_now() + secs;
    if (enqueue_ref(s, ref, digest, &created, &e) < 0) {
        json_decref(doc);
        reply_st_error(r, e, 502);
        return;
    }
    json_decref(doc);
    for (;;) {
        memset(&im, 0, sizeof(im));
        if (st_store_get(s->store, digest, false, false, &im, &e) < 0) {
            reply_st_error(r, e, 500);
            return;
        }
        if (im.state == ST_IMG_INDEXED || im.state == ST_IMG_FAILED ||
            st_srv_now() >= deadline || *s->stop)
            break;
        st_store_image_release(&im);
        usleep(100 * 1000);
    }
    reply_json(r,
               im.state == ST_IMG_INDEXED   ? 200
               : im.state == ST_IMG_FAILED ? 502
                                           : 202,
               state_json(&im));
    st_store_image_release(&im);
}

/* ---- GET /v1/index/DIGEST ---------------------------------------------- */

static void do_index_report(st_server *s, const char *digest,
                            struct reply *r)
{
    st_store_image im;
    st_error *e = NULL;
    json_t *doc, *layers;

    memset(&im, 0, sizeof(im));
    if (st_store_get(s->store, digest, false, true, &im, &e) < 0) {
        reply_st_error(r, e, 500);
        return;
    }
    doc = state_json(&im);
    layers = json_array();
    for (size_t i = 0; i < im.layer_count; i++) {
        char *inv = NULL;
        json_t *l = NULL;
        if (st_store_get_layer(s->store, im.layers[i], &inv, NULL) == 0)
            l = json_loads(inv, 0, NULL);
        st_free(inv);
        json_array_append_new(layers, l ? l
                                        : json_pack("{s:s,s:n}", "digest",
                                                    im.layers[i],
                                                    "packages"));
    }
    json_object_set_new(doc, "layers", layers);
    st_store_image_release(&im);
    reply_json(r, 200, doc);
}

/* ---- GET /v1/report/DIGEST ---------------------------------------------- */

static char *cache_get(st_server *s, const char *key, size_t *len)
{
    char *v = NULL, *copy = NULL;
    pthread_mutex_lock(&s->cache_mu);
    if (s->cache && (v = st_map_get(s->cache, key, strlen(key)))) {
        memcpy(len, v, sizeof(size_t));
        copy = st_malloc(*len + 1);
        if (copy)
            memcpy(copy, v + sizeof(size_t), *len + 1);
    }
    pthread_mutex_unlock(&s->cache_mu);
    return copy;
}

static void cache_put(st_server *s, const char *key, const char *body,
                      size_t len)
{
    void **slot;
    char *v;
    pthread_mutex_lock(&s->cache_mu);
    if (!s->cache)
        s->cache = st_map_new();
    if (s->cache && s->cache_entries < CACHE_MAX &&
        (v = st_malloc(sizeof(size_t) + len + 1))) {
        memcpy(v, &len, sizeof(size_t));
        memcpy(v + sizeof(size_t), body, len);
        v[sizeof(size_t) + len] = 0;
        if (st_map_slot(s->cache, key, strlen(key), &slot, NULL) == 0) {
            if (*slot)
                st_free(*slot);
            else
                s->cache_entries++;
            *slot = v;
        } else {
            st_free(v);
        }
    }
    pthread_mutex_unlock(&s->cache_mu);
}

static const char *format_type(st_format f)
{
    return f == ST_FORMAT_TABLE ? "text/plain; charset=utf-8"
                                : "application/json";
}

/* Renders the stored report in another format: the inventory is matched
 * again (the stored JSON keeps the findings, but the writers work on a
 * result). */
static int render(st_server *s, const st_store_image *im, st_format f,
                  char **out, size_t *len, st_error **err)
{
    st_report_options ro = ST_REPORT_OPTIONS_INIT;
    st_result *res = NULL;
    st_vulndb *db = NULL;
    char *buf = NULL;
    FILE *fp = NULL;
    int rc;

    *out = NULL;
    ST_CHECK(st_result_load_json(&res, im->image_json,
                                 strlen(im->image_json), "stored inventory",
                                 err));
    ST_CHECK(st_vulndb_open(&db, s->vulndb_dir, err));
    ST_CHECK(st_vulndb_match(db, res, err));
    if (!(fp = open_memstream(&buf, len))) {
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
        goto done;
    }
    rc = st_report_write(fp, res, f, &ro, err);
    fclose(fp);
    if (rc == 0 && !(*out = st_strndup(buf, *len)))
        rc = st_error_set(err, ST_ENOMEM, "server", "out of memory");
    free(buf);
done:
    st_vulndb_close(db);
    st_result_free(res);
    return rc;
}

static void do_report(st_server *s, struct MHD_Connection *c,
                      const char *digest, struct reply *r)
{
    const char *fname = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                    "format");
    st_format f = ST_FORMAT_JSON;
    st_store_image im;
    st_error *e = NULL;
    char key[256], *body;
    size_t len = 0;

    if (fname && st_format_parse(&f, fname) < 0) {
        reply_error(r, 400, "bad_request",
                    "format: json, sarif, cyclonedx, spdx-json or table");
        return;
    }
    pthread_mutex_lock(&s->mu);
    snprintf(key, sizeof(key), "%s %d %s", digest, (int)f, s->db_version);
    pthread_mutex_unlock(&s->mu);
    if ((body = cache_get(s, key, &len))) {
        pthread_mutex_lock(&s->m.mu);
        s->m.cache_hits++;
        pthread_mutex_unlock(&s->m.mu);
        r->status = 200;
        r->type = format_type(f);
        r->body = body;
        r->len = len;
        return;
    }
    pthread_mutex_lock(&s->m.mu);
    s->m.cache_misses++;
    pthread_mutex_unlock(&s->m.mu);
    memset(&im, 0, sizeof(im));
    if (st_store_get(s->store, digest, f == ST_FORMAT_JSON, false, &im,
                     &e) < 0) {
        reply_st_error(r, e, 500);
        return;
    }
    if (im.state != ST_IMG_INDEXED) {
        reply_json(r, im.state == ST_IMG_FAILED ? 502 : 202, state_json(&im));
    } else if (f == ST_FORMAT_JSON && im.report_json) {
        reply_text(r, 200, format_type(f), im.report_json,
                   strlen(im.report_json));
        if (im.db_version && !strcmp(im.db_version, s->db_version))
            cache_put(s, key, r->body, r->len);
    } else if (!s->db_present) {
        reply_error(r, 503, "no_vulnerability_db",
                    "no vulnerability DB yet: run 'strata db update'");
    } else if (render(s, &im, f, &body, &len, &e) < 0) {
        reply_st_error(r, e, 500);
    } else {
        r->status = 200;
        r->type = format_type(f);
        r->body = body;
        r->len = len;
        cache_put(s, key, body, len);
    }
    st_store_image_release(&im);
}

/* ---- GET /v1/images ----------------------------------------------------- */

static void do_images(st_server *s, struct MHD_Connection *c,
                      struct reply *r)
{
    const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "offset");
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                  "limit");
    long o = off ? atol(off) : 0, l = lim ? atol(lim) : 100;
    st_store_image *v = NULL;
    size_t n = 0;
    st_error *e = NULL;
    json_t *arr;

    if (o < 0 || l < 1 || l > 1000) {
        reply_error(r, 400, "bad_request",
                    "offset >= 0 and limit 1 to 1000");
        return;
    }
    if (st_store_list(s->store, (size_t)o, (size_t)l, &v, &n, &e) < 0) {
        reply_st_error(r, e, 500);
        return;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, state_json(&v[i]));
    st_store_list_free(v, n);
    reply_json(r, 200,
               json_pack("{s:o,s:I,s:I}", "images", arr, "offset",
                         (json_int_t)o, "limit", (json_int_t)l));
}

/* ---- POST /v1/notifications --------------------------------------------- */

struct notify {
    st_server *s;
    size_t queued, refused;
    st_error *err;
};

static int on_push(void *u, const char *ref, const char *digest)
{
    struct notify *n = u;
    st_error *e = NULL;
    bool created = false;

    if (st_srv_allowed(n->s, ref, NULL, &e) < 0) {
        char *m = st_error_format(e);
        st_srv_log(n->s, "notification for %s refused: %s", ref,
                   m ? m : "not allowed");
        st_free(m);
        st_error_free(e);
        n->refused++;
        return 0;
    }
    if (st_store_enqueue(n->s->store, digest, ref, &created, &n->err) < 0)
        return ST_EIO;
    n->queued += created;
    return 0;
}

/* Manifest pushes are queued (notify.c parses the envelope); the registry
 * must be one the operator allowed, as for POST /v1/index. */
static void do_notify(st_server *s, struct req *q, struct reply *r)
{
    struct notify n = {s, 0, 0, NULL};
    size_t ignored = 0;
    st_error *e = NULL;

    if (st_srv_parse_notifications(q->body.ptr, q->body.len, on_push, &n,
                                   &ignored, &e) < 0) {
        if (n.err) {
            st_error_free(e);
            reply_st_error(r, n.err, 500);
        } else {
            reply_st_error(r, e, 400);
        }
        return;
    }
    if (n.queued)
        st_srv_wake_workers(s);
    reply_json(r, 202,
               json_pack("{s:I,s:I,s:I}", "queued", (json_int_t)n.queued,
                         "ignored", (json_int_t)ignored, "refused",
                         (json_int_t)n.refused));
}

/* ---- the rest ------------------------------------------------------------ */

static void do_health(st_server *s, struct reply *r)
{
    uint64_t counts[4] = {0};
    st_error *e = NULL;
    json_t *doc;

    if (st_store_counts(s->store, counts, &e) < 0) {
        reply_st_error(r, e, 503);
        return;
    }
    pthread_mutex_lock(&s->mu);
    doc = json_pack("{s:s,s:s,s:I,s:o,s:o}", "status", "ok", "store",
                    st_store_backend(s->store), "queue",
                    (json_int_t)(counts[ST_IMG_QUEUED] +
                                 counts[ST_IMG_INDEXING]),
                    "vulndb_version",
                    s->db_present ? json_string(s->db_version) : json_null(),
                    "vulndb_age_seconds",
                    s->db_present ? json_integer(s->db_age_seconds)
                                  : json_null());
    pthread_mutex_unlock(&s->mu);
    reply_json(r, 200, doc);
}

static void do_rematch(st_server *s, struct reply *r)
{
    size_t n = 0, fresh = 0;
    st_error *e = NULL;
    char v[128];
    int64_t age;

    if (st_srv_db_version(s->vulndb_dir, v, sizeof(v), &age, &e) < 0) {
        reply_st_error(r, e, 503);
        return;
    }
    pthread_mutex_lock(&s->mu);
    snprintf(s->db_version, sizeof(s->db_version), "%s", v);
    s->db_age_seconds = age;
    s->db_present = true;
    pthread_mutex_unlock(&s->mu);
    if (st_srv_rematch_all(s, &n, &fresh, &e) < 0) {
        reply_st_error(r, e, 500);
        return;
    }
    reply_json(r, 200,
               json_pack("{s:I,s:I,s:s}", "images", (json_int_t)n,
                         "new_findings", (json_int_t)fresh, "db_version",
                         v));
}

static st_srv_route route_of(const char *method, const char *url,
                             const char **arg, bool *write)
{
    *arg = NULL;
    *write = !strcmp(method, "POST");
    if (!strcmp(url, "/v1/index"))
        return ST_ROUTE_INDEX;
    if (!strncmp(url, "/v1/index/", 10)) {
        *arg = url + 10;
        return ST_ROUTE_INDEX_REPORT;
    }
    if (!strncmp(url, "/v1/report/", 11)) {
        *arg = url + 11;
        return ST_ROUTE_REPORT;
    }
    if (!strcmp(url, "/v1/images"))
        return ST_ROUTE_IMAGES;
    if (!strcmp(url, "/v1/notifications"))
        return ST_ROUTE_NOTIFY;
    if (!strcmp(url, "/v1/rematch"))
        return ST_ROUTE_REMATCH;
    if (!strcmp(url, "/healthz"))
        return ST_ROUTE_HEALTH;
    if (!strcmp(url, "/metrics"))
        return ST_ROUTE_METRICS;
    return ST_ROUTE_OTHER;
}

static void dispatch(st_server *s, struct MHD_Connection *c, const char *url,
                     const char *method, struct req *q, struct reply *r)
{
    const char *arg;
    bool write;
    st_srv_route rt = route_of(method, url, &arg, &write);
    static const bool post_only[ST_ROUTE__COUNT] = {
        [ST_ROUTE_INDEX] = true, [ST_ROUTE_NOTIFY] = true,
        [ST_ROUTE_REMATCH] = true};

    q->route = rt;
    if (rt == ST_ROUTE_OTHER) {
        reply_error(r, 404, "not_found", "no such endpoint (see docs/api.md)");
        return;
    }
    if (strcmp(method, post_only[rt] ? "POST" : "GET") &&
        !(strcmp(method, "HEAD") == 0 && !post_only[rt])) {
        reply_error(r, 405, "method_not_allowed",
                    post_only[rt] ? "use POST" : "use GET");
        return;
    }
    if ((write || (s->o.auth_reads && rt != ST_ROUTE_HEALTH)) &&
        !authorized(s, c)) {
        reply_error(r, 401, "unauthorized",
                    "a valid \"Authorization: Bearer TOKEN\" is required");
        return;
    }
    if (q->too_big) {
        char m[96];
        snprintf(m, sizeof(m), "request body larger than %zu bytes",
                 s->o.max_body);
        reply_error(r, 413, "too_large", m);
        return;
    }
    if (arg && !valid_digest(arg)) {
        reply_error(r, 400, "bad_request",
                    "expected a manifest digest sha256:<64 hex>");
        return;
    }
    switch (rt) {
    case ST_ROUTE_INDEX:
        do_index(s, c, q, r);
        break;
    case ST_ROUTE_INDEX_REPORT:
        do_index_report(s, arg, r);
        break;
    case ST_ROUTE_REPORT:
        do_report(s, c, arg, r);
        break;
    case ST_ROUTE_IMAGES:
        do_images(s, c, r);
        break;
    case ST_ROUTE_NOTIFY:
        do_notify(s, q, r);
        break;
    case ST_ROUTE_REMATCH:
        do_rematch(s, r);
        break;
    case ST_ROUTE_HEALTH:
        do_health(s, r);
        break;
    case ST_ROUTE_METRICS: {
        st_buf b = ST_BUF_INIT(0);
        st_srv_metrics_write(s, &b);
        reply_text(r, 200, "text/plain; version=0.0.4", b.ptr ? b.ptr : "",
                   b.len);
        st_buf_release(&b);
        break;
    }
    default:
        reply_error(r, 404, "not_found", "no such endpoint");
    }
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    st_server *s = cls;
    struct req *q = *con_cls;
    struct reply r = {0, NULL, NULL, 0};
    struct MHD_Response *resp;
    enum MHD_Result ret;

    (void)version;
    if (!q) {
        if (!(q = st_calloc(1, sizeof(*q))))
            return MHD_NO;
        st_buf_init(&q->body, s->o.max_body);
        q->t0 = st_srv_now();
        q->route = ST_ROUTE_OTHER;
        *con_cls = q;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!q->too_big &&
            (q->body.len + *upload_size > s->o.max_body ||
             st_buf_put(&q->body, upload, *upload_size) < 0))
            q->too_big = true; /* keep reading, answer 413 at the end */
        *upload_size = 0;
        return MHD_YES;
    }
    dispatch(s, c, url, method, q, &r);
    if (!r.body) {
        r.status = 500;
        r.type = "application/json";
        r.body = st_strdup("{\"error\":{\"code\":\"internal\","
                           "\"message\":\"out of memory\"}}");
        r.len = r.body ? strlen(r.body) : 0;
    }
    q->status = r.status;
    resp = MHD_create_response_from_buffer(r.len, r.body,
                                           MHD_RESPMEM_MUST_COPY);
    st_free(r.body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r.type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r.status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                "Bearer realm=\"strata\"");
    ret = MHD_queue_response(c, r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    st_server *s = cls;
    struct req *q = *con_cls;
    (void)c;
    if (!q)
        return;
    if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK && q->status)
        st_srv_metrics_request(&s->m, q->route, q->status,
                               st_srv_now() - q->t0);
    st_buf_release(&q->body);
    st_free(q);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    st_server *s = cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = 0;
    st_srv_log(s, "http: %s", line);
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (loopback). */
static int parse_listen(const char *spec, struct sockaddr_storage *ss,
                        bool *v6, st_error **err)
{
    char host[128];
    const char *colon;
    long port;
    char *end;

    memset(ss, 0, sizeof(*ss));
    *v6 = false;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1),
                 spec + 1);
        colon = close + 1;
        *v6 = true;
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
        if (!host[0])
            snprintf(host, sizeof(host), "127.0.0.1");
    }
    port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        goto bad;
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            goto bad;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            goto bad;
    }
    return 0;
bad:
    return st_error_set(err, ST_EUSAGE, "server",
                        "--listen %s: expected ADDRESS:PORT (an IP address: "
                        "127.0.0.1:8080, [::1]:8080)",
                        spec);
}

int st_srv_http_start(st_server *s, void **out, st_error **err)
{
    struct sockaddr_storage ss;
    struct MHD_Daemon *d;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG;
    st_buf cert = ST_BUF_INIT(1 << 20), key = ST_BUF_INIT(1 << 20);
    bool v6;
    int rc;

    *out = NULL;
    ST_CHECK(parse_listen(s->o.listen, &ss, &v6, err));
    if (v6)
        flags |= MHD_USE_IPv6;
    if (s->o.tls_cert || s->o.tls_key) {
        if (!s->o.tls_cert || !s->o.tls_key) {
            rc = st_error_set(err, ST_EUSAGE, "server",
                              "--tls-cert and --tls-key go together");
            goto done;
        }
        ST_CHECK(st_read_file(&cert, s->o.tls_cert, 1 << 20, err));
        ST_CHECK(st_read_file(&key, s->o.tls_key, 1 << 20, err));
        flags |= MHD_USE_TLS;
    }
    d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->o.http_threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)s->o.request_timeout_s, MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        (flags & MHD_USE_TLS) ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
        cert.ptr, MHD_OPTION_HTTPS_MEM_KEY, key.ptr, MHD_OPTION_END);
    if (!d) {
        rc = st_error_set(err, ST_EIO, "server",
                          "cannot listen on %s%s (in use, or TLS files "
                          "unusable)",
                          s->o.listen, (flags & MHD_USE_TLS) ? " with TLS"
                                                             : "");
        goto done;
    }
    *out = d;
done:
    st_buf_release(&cert);
    st_buf_release(&key);
    return rc;
}

void st_srv_http_stop(void *d)
{
    if (d)
        MHD_stop_daemon(d);
}
