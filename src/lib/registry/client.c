/* The OCI distribution client: one libcurl easy handle per registry for
 * requests (connections are reused), the /v2/ ping that settles https or
 * http, answers to 401 challenges (Basic, or Bearer tokens cached per
 * scope), retries with backoff, manifests, small blobs and tag lists.
 * See registry.h for the guarantees and docs/registry-client.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "registry/registry_int.h"
#include "util/json.h"
#include "util/curl.h"
#include "util/banned.h"

#define MODULE                  ST_REG_MODULE
#define DEFAULT_TRIES           4u
#define DEFAULT_RETRY_DELAY_MS  500u
#define DEFAULT_CONNECT_TIMEOUT 15L
#define DEFAULT_LOW_SPEED_TIME  30L
#define LOW_SPEED_BYTES         1024L
#define MAX_REDIRECTS           5L
#define MAX_RETRY_AFTER_S       30L
#define MAX_DELAY_MS            30000u
#define DEFAULT_MAX_BODY        ((size_t)4 << 20)
#define MAX_ERROR_BODY          ((size_t)64 << 10)
#define MAX_HEADER_VALUE        8192
#define MAX_TEXT                ((size_t)1 << 20)
#define MAX_TOKENS              64
#define TOKEN_BODY_MAX          ((size_t)1 << 20)
#define DEFAULT_TOKEN_LIFE_S    60
#define CA_BUNDLE_MAX           ((size_t)16 << 20)

const char st_reg_manifest_accept[] =
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- retry policy ------------------------------------------------------- */

unsigned st_reg__tries(const st_reg *r)
{
    return r->cfg->tries ? r->cfg->tries : DEFAULT_TRIES;
}

bool st_reg__transient_status(long s)
{
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 ||
           s == 504;
}


long st_reg__retry_after(const char *v)
{
    char *end;
    long s;
    time_t t;
    if (!v || !*v)
        return -1;
    if (*v >= '0' && *v <= '9') {
        errno = 0;
        s = strtol(v, &end, 10);
        if (errno || *end)
            return -1;
        return s;
    }
    if ((t = curl_getdate(v, NULL)) < 0)
        return -1;
    s = (long)(t - time(NULL));
    return s < 0 ? 0 : s;
}

void st_reg__backoff(const st_reg *r, unsigned n, long retry_after_s)
{
    unsigned delay =
        r->cfg->retry_delay_ms ? r->cfg->retry_delay_ms : DEFAULT_RETRY_DELAY_MS;
    for (unsigned i = 1; i < n && delay < MAX_DELAY_MS; i++)
        delay *= 2;
    if (delay > MAX_DELAY_MS)
        delay = MAX_DELAY_MS;
    if (retry_after_s >= 0)
        delay = (unsigned)(retry_after_s > MAX_RETRY_AFTER_S
                               ? MAX_RETRY_AFTER_S
                               : retry_after_s) *
                1000u;
    sleep_ms(delay);
}

void st_reg__error_text(const st_buf *body, long status, char *buf, size_t n)
{
    json_t *j = NULL, *errs, *e0;
    const char *msg = NULL, *code = NULL;
    if (body && body->len)
        j = json_loadb(body->ptr, body->len, 0, NULL);
    errs = st_json_arr(j, "errors");
    e0 = errs ? json_array_get(errs, 0) : NULL;
    msg = st_json_str(e0, "message");
    code = st_json_str(e0, "code");
    if (msg && code)
        snprintf(buf, n, "HTTP %ld, %.40s: %.200s", status, code, msg);
    else if (msg)
        snprintf(buf, n, "HTTP %ld: %.200s", status, msg);
    else
        snprintf(buf, n, "HTTP %ld", status);
    json_decref(j);
}

/* ---- opening ------------------------------------------------------------ */

static const st_reg_config default_config = {0};

static bool listed_insecure(const st_reg_config *cfg, const char *host,
                            size_t n)
{
    for (size_t i = 0; i < cfg->insecure_count; i++) {
        const char *e = cfg->insecure[i];
        if (e && strlen(e) == n && !strncasecmp(e, host, n))
            return true;
    }
    return false;
}

static int add_ca(st_buf *b, const char *path, bool must, st_error **err)
{
    st_buf one = ST_BUF_INIT(CA_BUNDLE_MAX);
    int rc = st_read_file(&one, path, CA_BUNDLE_MAX, NULL);
    if (rc == ST_ENOTFOUND && !must) {
        rc = 0;
        goto done;
    }
    if (rc < 0) {
        rc = st_error_set(err, rc, MODULE, "CA file %s: %s", path,
                          rc == ST_ENOTFOUND ? "not found" : st_strerror(rc));
        goto done;
    }
    if (st_buf_put(b, one.ptr, one.len) < 0 || st_buf_putc(b, '\n') < 0)
        rc = st_error_set(err, ST_ELIMIT, MODULE,
                          "CA bundle larger than %zu bytes", CA_BUNDLE_MAX);
    else
        rc = 1;
done:
    st_buf_release(&one);
    return rc;
}

/* The system bundle plus the registry's own CAs, so that a registry with a
 * private CA still reaches blob storage behind a public one. */
static int load_cas(st_reg *r, st_error **err)
{
    st_buf extra = ST_BUF_INIT(CA_BUNDLE_MAX), path = ST_BUF_INIT(MAX_TEXT);
    const char *dirs[] = {"/etc/docker/certs.d", "/etc/containers/certs.d"};
    char *sys = NULL;
    int rc = 0, got = 0;

    if (r->cfg->ca_file) {
        ST_CHECK(add_ca(&extra, r->cfg->ca_file, true, err));
        got += rc;
    }
    if (!strchr(r->host, '/') && strcmp(r->host, "..") && strcmp(r->host, ".")) {
        for (size_t i = 0; i < 2; i++) {
            st_buf_reset(&path);
            if (st_buf_printf(&path, "%s/%s/ca.crt", dirs[i], r->host) < 0) {
                rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
                goto done;
            }
            ST_CHECK(add_ca(&extra, path.ptr, false, err));
            got += rc;
        }
    }
    rc = 0;
    if (!got)
        goto done;
    {
        CURL *h = curl_easy_init();
        char *p = NULL;
        if (h && curl_easy_getinfo(h, CURLINFO_CAINFO, &p) == CURLE_OK && p)
            sys = st_strdup(p);
        if (h)
            curl_easy_cleanup(h);
    }
    if (sys && (rc = add_ca(&r->ca_blob, sys, false, err)) < 0)
        goto done;
    if (st_buf_put(&r->ca_blob, extra.ptr, extra.len) < 0)
        rc = st_error_set(err, ST_ELIMIT, MODULE,
                          "CA bundle larger than %zu bytes", CA_BUNDLE_MAX);
    else
        rc = 0;
done:
    st_free(sys);
    st_buf_release(&extra);
    st_buf_release(&path);
    return rc;
}

int st_reg_open(st_reg **out, const char *host, const st_reg_config *cfg,
                st_error **err)
{
    st_reg *r = NULL;
    int rc = 0;

    *out = NULL;
    if (!host || !*host || strpbrk(host, "/ \t\r\n@?#\\") ||
        strlen(host) > 300)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "registry host \"%.300s\" is not host[:port]",
                            host ? host : "");
    if (st_curl_init(MODULE, err) < 0)
        return ST_EIO;
    if (!(r = st_calloc(1, sizeof(*r))))
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    r->cfg = cfg ? cfg : &default_config;
    st_buf_init(&r->ca_blob, CA_BUNDLE_MAX * 2);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->req_mu, NULL);
    r->host = st_strdup(host);
    {
        st_buf ua = ST_BUF_INIT(256);
        if (st_buf_printf(&ua, "strata/%s", st_version()) == 0)
            r->ua = st_buf_detach(&ua, NULL);
        st_buf_release(&ua);
    }
    if (!r->host || !r->ua || !(r->easy = curl_easy_init())) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    r->insecure = listed_insecure(r->cfg, host, strlen(host));
    ST_CHECK(load_cas(r, err));
    *out = r;
    r = NULL;
done:
    st_reg_free(r);
    return rc;
}

void st_reg_free(st_reg *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    for (size_t i = 0; i < r->ntokens; i++) {
        st_free(r->tokens[i].scope);
        if (r->tokens[i].value)
            explicit_bzero(r->tokens[i].value, strlen(r->tokens[i].value));
        st_free(r->tokens[i].value);
    }
    st_free(r->tokens);
    st_creds_release(&r->creds);
    st_auth_challenge_release(&r->challenge);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->req_mu);
    st_buf_release(&r->ca_blob);
    st_free(r->base_url);
    st_free(r->host);
    st_free(r->ua);
    st_free(r);
}

const char *st_reg_base_url(const st_reg *r)
{
    const char *b;
    pthread_mutex_lock((pthread_mutex_t *)&r->mu);
    b = r->base_url;
    pthread_mutex_unlock((pthread_mutex_t *)&r->mu);
    return b;
}

/* ---- one transfer --------------------------------------------------------- */

#define SETOPT(h, opt, val)                                                    \
    do {                                                                       \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                   \
            return ST_EIO;                                                     \
    } while (0)

static int setup_for(st_reg *r, CURL *h, const char *url, char *errbuf,
                     bool insecure)
{
    bool https = !strncasecmp(url, "https://", 8);
    SETOPT(h, CURLOPT_URL, url);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(h, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    /* Custom Authorization headers stay with the first host (libcurl
     * >= 7.58 drops them on a redirect elsewhere); say so explicitly. */
    SETOPT(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
    if (r->ca_blob.len) {
        struct curl_blob blob = {r->ca_blob.ptr, r->ca_blob.len,
                                 CURL_BLOB_NOCOPY};
        SETOPT(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    SETOPT(h, CURLOPT_CONNECTTIMEOUT,
           r->cfg->connect_timeout_s > 0 ? r->cfg->connect_timeout_s
                                         : DEFAULT_CONNECT_TIMEOUT);
    SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
    SETOPT(h, CURLOPT_LOW_SPEED_TIME,
           r->cfg->low_speed_time_s > 0 ? r->cfg->low_speed_time_s
                                        : DEFAULT_LOW_SPEED_TIME);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_USERAGENT, r->ua);
    return 0;
}

int st_reg__setup(st_reg *r, CURL *h, const char *url, char *errbuf)
{
    return setup_for(r, h, url, errbuf, r->insecure);
}

/* What one transfer collects besides the response fields. */
typedef struct xfer {
    st_reg *r;
    st_reg_response *resp;
    size_t max;
    bool limit_hit;  /* a 2xx body beyond max */
    bool error_cut;  /* an error body cut short: not a failure */
    char *retry_after;
    char tls_version[16];
} xfer;

static char *header_value(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' ||
                 p[n - 1] == '\n'))
        n--;
    if (n == 0 || n > MAX_HEADER_VALUE || memchr(p, 0, n))
        return NULL;
    return st_strndup(p, n);
}

static void keep(char **slot, const char *p, size_t n)
{
    st_free(*slot);
    *slot = header_value(p, n);
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    st_reg_response *resp = x->resp;
    size_t n = size * nitems, nl;
    const char *colon;

    if (n >= 5 && !memcmp(buf, "HTTP/", 5)) { /* a new response */
        const char *sp = memchr(buf, ' ', n);
        resp->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        st_free(resp->content_type);
        st_free(resp->docker_content_digest);
        st_free(resp->location);
        st_free(resp->link);
        st_free(x->retry_after);
        resp->content_type = resp->docker_content_digest = NULL;
        resp->location = resp->link = x->retry_after = NULL;
        st_buf_reset(&resp->body);
        return n;
    }
    if (!(colon = memchr(buf, ':', n)))
        return n;
    nl = (size_t)(colon - buf);
    colon++;
#define IS(name) (nl == sizeof(name) - 1 && !strncasecmp(buf, name, nl))
    if (IS("content-type"))
        keep(&resp->content_type, colon, n - nl - 1);
    else if (IS("docker-content-digest"))
        keep(&resp->docker_content_digest, colon, n - nl - 1);
    else if (IS("location"))
        keep(&resp->location, colon, n - nl - 1);
    else if (IS("link"))
        keep(&resp->link, colon, n - nl - 1);
    else if (IS("retry-after"))
        keep(&x->retry_after, colon, n - nl - 1);
    else if (IS("www-authenticate") && resp->status == 401)
        keep(&resp->www_authenticate, colon, n - nl - 1);
#undef IS
    return n;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    bool ok = x->resp->status >= 200 && x->resp->status < 300;
    size_t max = ok ? x->max : MAX_ERROR_BODY;

    if (x->resp->body.len + n > max) {
        if (ok)
            x->limit_hit = true;
        else
            x->error_cut = true;
        return 0;
    }
    if (st_buf_put(&x->resp->body, ptr, n) < 0)
        return 0;
    return n;
}

/* libcurl's verbose text names the TLS version of a new connection. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud)
{
    static const char tag[] = "SSL connection using ";
    xfer *x = ud;
    (void)h;
    if (type != CURLINFO_TEXT || size < sizeof(tag) ||
        memcmp(data, tag, sizeof(tag) - 1))
        return 0;
    data += sizeof(tag) - 1;
    size -= sizeof(tag) - 1;
    {
        size_t l = 0;
        while (l < size && l + 1 < sizeof(x->tls_version) && data[l] != ' ' &&
               data[l] != '\n' && data[l] != '/')
            l++;
        memcpy(x->tls_version, data, l);
        x->tls_version[l] = 0;
    }
    return 0;
}

/* notAfter of the peer certificate from CURLINFO_CERTINFO's PEM. */
static int64_t cert_not_after(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    int64_t t = 0;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
        ci->num_of_certs < 1)
        return 0;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (!strncmp(s->data, "Cert:", 5)) {
            BIO *bio = BIO_new_mem_buf(s->data + 5, -1);
            X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
            struct tm tm;
            if (x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
                t = (int64_t)timegm(&tm);
            X509_free(x);
            BIO_free(bio);
            break;
        }
    }
    return t;
}

void st_reg_response_release(st_reg_response *resp)
{
    if (!resp)
        return;
    st_buf_release(&resp->body);
    st_free(resp->content_type);
    st_free(resp->docker_content_digest);
    st_free(resp->location);
    st_free(resp->www_authenticate);
    st_free(resp->link);
    memset(resp, 0, sizeof(*resp));
    st_buf_init(&resp->body, DEFAULT_MAX_BODY);
}

/* Clears what one attempt fills, keeping www_authenticate. */
static void response_reset(st_reg_response *resp)
{
    char *www = resp->www_authenticate;
    resp->www_authenticate = NULL;
    st_reg_response_release(resp);
    resp->www_authenticate = www;
}

typedef struct outcome {
    CURLcode cc;
    char errbuf[CURL_ERROR_SIZE];
    long retry_after; /* seconds, -1 */
} outcome;

/* One transfer on the client's handle. Local failures (memory, limit)
 * are returned; curl's are in o->cc. */
static int perform(st_reg *r, const char *url, const st_reg_request *req,
                   const char *auth_line, st_reg_response *resp, outcome *o,
                   st_error **err)
{
    struct curl_slist *hdrs = NULL, *tmp;
    st_buf line = ST_BUF_INIT(MAX_TEXT);
    xfer x = {r, resp, 0, false, false, NULL, ""};
    const char *method = req->method ? req->method : "GET";
    bool https = !strncasecmp(url, "https://", 8);
    bool want_tls;
    CURL *h = r->easy;
    int rc = 0;

    x.max = req->max_bytes ? req->max_bytes : DEFAULT_MAX_BODY;
    o->cc = CURLE_OK;
    o->errbuf[0] = 0;
    o->retry_after = -1;
    response_reset(resp);
    resp->body.max = x.max > MAX_ERROR_BODY ? x.max : MAX_ERROR_BODY;

#define HDR(...)                                                               \
    do {                                                                       \
        st_buf_reset(&line);                                                   \
        if (st_buf_printf(&line, __VA_ARGS__) < 0 ||                           \
            !(tmp = curl_slist_append(hdrs, line.ptr))) {                      \
            rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");        \
            goto done;                                                         \
        }                                                                      \
        hdrs = tmp;                                                            \
    } while (0)
    if (req->accept)
        HDR("Accept: %s", req->accept);
    if (req->content_type)
        HDR("Content-Type: %s", req->content_type);
    if (auth_line)
        HDR("%s", auth_line);
    if (req->body || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
        !strcmp(method, "PATCH"))
        HDR("Expect:"); /* no 100-continue round trip */
#undef HDR

    pthread_mutex_lock(&r->req_mu);
    curl_easy_reset(h);
    pthread_mutex_lock(&r->mu);
    want_tls = https && !r->tls_version[0];
    pthread_mutex_unlock(&r->mu);
    if (setup_for(r, h, url, o->errbuf, r->insecure) < 0 ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb) ||
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &x) ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &x) ||
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION,
                         req->no_redirect ? 0L : 1L) ||
        (want_tls && (curl_easy_setopt(h, CURLOPT_CERTINFO, 1L) ||
                      curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) ||
                      curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb) ||
                      curl_easy_setopt(h, CURLOPT_DEBUGDATA, &x)))) {
        pthread_mutex_unlock(&r->req_mu);
        rc = st_error_set(err, ST_EIO, MODULE, "%s: libcurl refused an option",
                          r->host);
        goto done;
    }
    if (!strcmp(method, "HEAD")) {
        (void)curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET")) {
        (void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (req->body || strcmp(method, "DELETE")) {
            (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                   (curl_off_t)req->body_len);
            (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS,
                                   req->body ? req->body : "");
        }
    }
    o->cc = curl_easy_perform(h);
    if (want_tls && o->cc == CURLE_OK) {
        int64_t na = cert_not_after(h);
        pthread_mutex_lock(&r->mu);
        if (x.tls_version[0]) {
            memcpy(r->tls_version, x.tls_version, sizeof(r->tls_version));
            r->cert_not_after = na;
        }
        pthread_mutex_unlock(&r->mu);
    }
    pthread_mutex_unlock(&r->req_mu);

    if (x.limit_hit) {
        rc = st_error_set(err, ST_ELIMIT, MODULE,
                          "%s: response larger than %zu bytes", url, x.max);
        goto done;
    }
    if (o->cc == CURLE_WRITE_ERROR && x.error_cut)
        o->cc = CURLE_OK;
    if (o->cc == CURLE_WRITE_ERROR) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    o->retry_after = st_reg__retry_after(x.retry_after);
    if (https) {
        pthread_mutex_lock(&r->mu);
        memcpy(resp->tls_version, r->tls_version, sizeof(resp->tls_version));
        resp->cert_not_after = r->cert_not_after;
        pthread_mutex_unlock(&r->mu);
    }
    resp->authenticated = auth_line != NULL;
done:
    st_free(x.retry_after);
    curl_slist_free_all(hdrs);
    st_buf_release(&line);
    return rc;
}

static void curl_text(const outcome *o, char *buf, size_t n)
{
    const char *why = o->errbuf[0] ? o->errbuf : curl_easy_strerror(o->cc);
    size_t l = strlen(why);
    while (l && (why[l - 1] == '\n' || why[l - 1] == '\r'))
        l--;
    snprintf(buf, n, "%.*s", (int)l, why);
}

/* perform() with retries of transient failures. A final curl failure is
 * ST_EIO, with *curl_failed set. */
static int perform_retrying(st_reg *r, const char *url,
                            const st_reg_request *req, const char *auth_line,
                            st_reg_response *resp, outcome *o,
                            bool *curl_failed, st_error **err)
{
    unsigned tries = st_reg__tries(r);
    int rc = 0;
    *curl_failed = false;
    for (unsigned n = 1;; n++) {
        if ((rc = perform(r, url, req, auth_line, resp, o, err)) < 0)
            return rc;
        if (o->cc != CURLE_OK) {
            if (st_curl_transient(o->cc) && n < tries) {
                st_reg__backoff(r, n, -1);
                continue;
            }
            *curl_failed = true;
            {
                char why[CURL_ERROR_SIZE + 16];
                curl_text(o, why, sizeof(why));
                if (o->cc == CURLE_UNSUPPORTED_PROTOCOL &&
                    !strncasecmp(url, "https://", 8))
                    return st_error_set(err, ST_EIO, MODULE,
                                        "%s: redirect refused (from https "
                                        "only to https): %s",
                                        r->host, why);
                return st_error_set(err, ST_EIO, MODULE, "%s: %s%s", r->host,
                                    why,
                                    n > 1 ? " (after retries)" : "");
            }
        }
        if (st_reg__transient_status(resp->status) && n < tries) {
            st_reg__backoff(r, n, o->retry_after);
            continue;
        }
        return 0;
    }
}

/* ---- the /v2/ ping ------------------------------------------------------- */

static void remember_challenge(st_reg *r, const char *www)
{
    st_auth_challenge c;
    if (!www || st_auth_parse(www, &c, NULL) < 0)
        return;
    pthread_mutex_lock(&r->mu);
    st_auth_challenge_release(&r->challenge);
    r->challenge = c;
    pthread_mutex_unlock(&r->mu);
}

int st_reg__ensure_base(st_reg *r, st_error **err)
{
    static const char *const schemes[] = {"https", "http"};
    st_reg_request req = {0};
    st_reg_response resp;
    st_buf url = ST_BUF_INIT(MAX_TEXT);
    outcome o;
    st_error *first = NULL;
    bool curl_failed = false, known;
    int rc = 0;

    pthread_mutex_lock(&r->mu);
    known = r->base_url != NULL;
    pthread_mutex_unlock(&r->mu);
    if (known)
        return 0;

    memset(&resp, 0, sizeof(resp));
    st_reg_response_release(&resp);
    req.max_bytes = MAX_ERROR_BODY;
    for (size_t i = 0; i < 2; i++) {
        st_error *e = NULL;
        if (i == 1 && !r->insecure)
            break;
        st_buf_reset(&url);
        if (st_buf_printf(&url, "%s://%s/v2/", schemes[i], r->host) < 0) {
            rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
            goto done;
        }
        rc = perform_retrying(r, url.ptr, &req, NULL, &resp, &o, &curl_failed,
                              &e);
        if (rc == 0) {
            st_error_free(e);
            url.ptr[url.len - 4] = 0; /* cut "/v2/" */
            pthread_mutex_lock(&r->mu);
            if (!r->base_url)
                r->base_url = st_strdup(url.ptr);
            known = r->base_url != NULL;
            pthread_mutex_unlock(&r->mu);
            if (!known) {
                rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
                goto done;
            }
            if (resp.status == 401)
                remember_challenge(r, resp.www_authenticate);
            goto done;
        }
        if (!curl_failed) {
            st_error_free(first);
            first = e;
            break;
        }
        if (!first)
            first = e;
        else
            st_error_free(e);
    }
    /* Report the https failure, which is the one that matters. */
    if (r->insecure || !first || o.cc == CURLE_COULDNT_CONNECT ||
        o.cc == CURLE_COULDNT_RESOLVE_HOST || o.cc == CURLE_OPERATION_TIMEDOUT)
        rc = st_error_set(err, ST_EIO, MODULE, "%s",
                          first ? st_error_message(first) : "no answer");
    else
        rc = st_error_set(err, ST_EIO, MODULE,
                          "%s (plain http and unverified TLS are used only "
                          "for registries named as insecure)",
                          st_error_message(first));
done:
    st_error_free(first);
    st_reg_response_release(&resp);
    st_buf_release(&url);
    return rc;
}

/* ---- credentials and tokens ---------------------------------------------- */

/* Loads credentials once (under r->mu). */
static int load_creds(st_reg *r, st_error **err)
{
    int rc = 0;
    if (r->creds_loaded)
        return 0;
    if (r->cfg->anonymous) {
        r->creds_loaded = true;
        return 0;
    }
    if (r->cfg->username && r->cfg->password) {
        r->creds.username = st_strdup(r->cfg->username);
        r->creds.secret = st_strdup(r->cfg->password);
        if (!r->creds.username || !r->creds.secret) {
            st_creds_release(&r->creds);
            return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        }
    } else if ((rc = st_creds_lookup(&r->creds, r->host, r->cfg->docker_config,
                                     err)) < 0) {
        return rc;
    }
    r->creds_loaded = true;
    return 0;
}

static char *basic_line(const st_creds *c)
{
    st_buf pair = ST_BUF_INIT(MAX_TEXT), line = ST_BUF_INIT(MAX_TEXT);
    char *b64 = NULL, *out = NULL;
    if (st_buf_printf(&pair, "%s:%s", c->username, c->secret) == 0 &&
        (b64 = st_reg__b64encode(pair.ptr, pair.len)) &&
        st_buf_printf(&line, "Authorization: Basic %s", b64) == 0)
        out = st_buf_detach(&line, NULL);
    explicit_bzero(pair.ptr, pair.len);
    if (b64)
        explicit_bzero(b64, strlen(b64));
    st_free(b64);
    st_buf_release(&pair);
    st_buf_release(&line);
    return out;
}

int st_reg__auth_line(st_reg *r, const char *scope, char **out)
{
    const char *key = scope ? scope : "";
    int64_t now = now_ms();
    int rc = 0;

    *out = NULL;
    pthread_mutex_lock(&r->mu);
    if (r->challenge.scheme == ST_AUTH_BEARER) {
        for (size_t i = 0; i < r->ntokens; i++) {
            if (strcmp(r->tokens[i].scope, key) || r->tokens[i].expires_ms <= now)
                continue;
            st_buf line = ST_BUF_INIT(MAX_TEXT);
            if (st_buf_printf(&line, "Authorization: Bearer %s",
                              r->tokens[i].value) == 0)
                *out = st_buf_detach(&line, NULL);
            else
                rc = ST_ENOMEM;
            st_buf_release(&line);
            break;
        }
    } else if (r->challenge.scheme == ST_AUTH_BASIC && r->creds_loaded &&
               r->creds.secret && !r->creds.identity_token) {
        if (!(*out = basic_line(&r->creds)))
            rc = ST_ENOMEM;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static int cache_token(st_reg *r, const char *key, const char *token,
                       long life_s)
{
    st_reg_token t;
    int64_t margin;
    if (life_s <= 0)
        life_s = DEFAULT_TOKEN_LIFE_S;
    margin = life_s > 20 ? 10 : life_s / 2;
    t.scope = st_strdup(key);
    t.value = st_strdup(token);
    t.expires_ms = now_ms() + ((int64_t)life_s - margin) * 1000;
    if (!t.scope || !t.value) {
        st_free(t.scope);
        st_free(t.value);
        return ST_ENOMEM;
    }
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->ntokens; i++) {
        if (!strcmp(r->tokens[i].scope, key)) {
            st_free(r->tokens[i].scope);
            st_free(r->tokens[i].value);
            r->tokens[i] = t;
            pthread_mutex_unlock(&r->mu);
            return 0;
        }
    }
    if (!r->tokens) {
        r->tokens = st_calloc(MAX_TOKENS, sizeof(*r->tokens));
        if (!r->tokens) {
            pthread_mutex_unlock(&r->mu);
            st_free(t.scope);
            st_free(t.value);
            return ST_ENOMEM;
        }
    }
    if (r->ntokens == MAX_TOKENS) { /* drop the oldest */
        st_free(r->tokens[0].scope);
        st_free(r->tokens[0].value);
        memmove(r->tokens, r->tokens + 1,
                (MAX_TOKENS - 1) * sizeof(*r->tokens));
        r->ntokens--;
    }
    r->tokens[r->ntokens++] = t;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* host[:port] of an http(s) URL. */
static bool url_host(const char *url, const char **h, size_t *n)
{
    const char *p;
    if (!strncasecmp(url, "https://", 8))
        p = url + 8;
    else if (!strncasecmp(url, "http://", 7))
        p = url + 7;
    else
        return false;
    *h = p;
    *n = strcspn(p, "/?#");
    return *n > 0 && !memchr(p, '@', *n);
}

static size_t token_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    st_buf *b = ud;
    size_t n = size * nmemb;
    return st_buf_put(b, ptr, n) < 0 ? 0 : n;
}

/* GETs (or POSTs, for an identity token) a token from the realm. */
static int fetch_token(st_reg *r, const st_auth_challenge *c,
                       const char *scope, const char *key, st_error **err)
{
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL;
    st_buf url = ST_BUF_INIT(MAX_TEXT), form = ST_BUF_INIT(MAX_TEXT);
    st_buf body = ST_BUF_INIT(TOKEN_BODY_MAX);
    char errbuf[CURL_ERROR_SIZE] = "";
    char *esc_service = NULL, *esc_scope = NULL, *esc_tok = NULL;
    char *auth = NULL;
    const char *rh, *tok;
    size_t rhl;
    bool realm_insecure, identity = false;
    json_t *j = NULL;
    long status = 0, life;
    CURLcode cc;
    int rc = 0;
    unsigned tries = st_reg__tries(r);

    if (!url_host(c->realm, &rh, &rhl)) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "%s: token realm \"%.200s\" is not an http(s) URL",
                          r->host, c->realm);
        goto done;
    }
    realm_insecure = listed_insecure(r->cfg, rh, rhl) ||
                     (strlen(r->host) == rhl && !strncasecmp(rh, r->host, rhl) &&
                      r->insecure);
    if (!strncasecmp(c->realm, "http://", 7) && !realm_insecure) {
        const char *base = st_reg_base_url(r);
        if (!base || strncmp(base, "http://", 7)) {
            rc = st_error_set(err, ST_EIO, MODULE,
                              "%s: token realm %.200s is plain http; refused "
                              "for an https registry",
                              r->host, c->realm);
            goto done;
        }
    }
    if (!(h = curl_easy_init()))
        goto oom;
    if ((c->service && !(esc_service = curl_easy_escape(h, c->service, 0))) ||
        (scope && !(esc_scope = curl_easy_escape(h, scope, 0))))
        goto oom;

    pthread_mutex_lock(&r->mu);
    rc = load_creds(r, err);
    if (rc == 0 && r->creds.secret) {
        identity = r->creds.identity_token;
        if (identity && !(esc_tok = curl_easy_escape(h, r->creds.secret, 0)))
            rc = ST_ENOMEM;
        else if (!identity && !(auth = basic_line(&r->creds)))
            rc = ST_ENOMEM;
    }
    pthread_mutex_unlock(&r->mu);
    if (rc == ST_ENOMEM)
        goto oom;
    if (rc < 0)
        goto done;

    if (st_buf_puts(&url, c->realm) < 0)
        goto oom;
    if (identity) {
        if (st_buf_printf(&form,
                          "grant_type=refresh_token&client_id=strata&"
                          "refresh_token=%s",
                          esc_tok) < 0 ||
            (esc_service &&
             st_buf_printf(&form, "&service=%s", esc_service) < 0) ||
            (esc_scope && st_buf_printf(&form, "&scope=%s", esc_scope) < 0))
            goto oom;
    } else {
        char sep = strchr(c->realm, '?') ? '&' : '?';
        if (esc_service) {
            if (st_buf_printf(&url, "%cservice=%s", sep, esc_service) < 0)
                goto oom;
            sep = '&';
        }
        if (esc_scope && st_buf_printf(&url, "%cscope=%s", sep, esc_scope) < 0)
            goto oom;
        if (auth && !(hdrs = curl_slist_append(NULL, auth)))
            goto oom;
    }

    for (unsigned n = 1;; n++) {
        st_buf_reset(&body);
        errbuf[0] = 0;
        curl_easy_reset(h);
        if (setup_for(r, h, url.ptr, errbuf, realm_insecure) < 0 ||
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, token_write_cb) ||
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &body) ||
            (hdrs && curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs)) ||
            (identity && curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.ptr))) {
            rc = st_error_set(err, ST_EIO, MODULE,
                              "%s: libcurl refused an option", r->host);
            goto done;
        }
        cc = curl_easy_perform(h);
        status = 0;
        (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (cc == CURLE_OK && !st_reg__transient_status(status))
            break;
        if (cc != CURLE_OK && !st_curl_transient(cc)) {
            if (cc == CURLE_WRITE_ERROR)
                rc = st_error_set(err, ST_ELIMIT, MODULE,
                                  "token server %.200s: answer larger than "
                                  "%zu bytes",
                                  c->realm, TOKEN_BODY_MAX);
            else
                rc = st_error_set(err, ST_EIO, MODULE,
                                  "token server %.200s: %s", c->realm,
                                  errbuf[0] ? errbuf : curl_easy_strerror(cc));
            goto done;
        }
        if (n >= tries) {
            rc = st_error_set(err, ST_EIO, MODULE, "token server %.200s: %s",
                              c->realm,
                              cc != CURLE_OK ? (errbuf[0]
                                                    ? errbuf
                                                    : curl_easy_strerror(cc))
                                             : "the server keeps failing");
            goto done;
        }
        st_reg__backoff(r, n, -1);
    }
    if (status != 200) {
        char why[320];
        st_reg__error_text(&body, status, why, sizeof(why));
        rc = st_error_set(err, ST_EIO, MODULE,
                          "token server %.200s refused%s: %s", c->realm,
                          auth || identity ? " the credentials"
                                           : " an anonymous token",
                          why);
        goto done;
    }
    j = json_loadb(body.ptr, body.len, 0, NULL);
    tok = st_json_str(j, "token");
    if (!tok || !*tok)
        tok = st_json_str(j, "access_token");
    if (!tok || !*tok || strpbrk(tok, "\r\n")) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "token server %.200s: no token in the answer",
                          c->realm);
        goto done;
    }
    life = json_is_integer(json_object_get(j, "expires_in"))
               ? (long)json_integer_value(json_object_get(j, "expires_in"))
               : DEFAULT_TOKEN_LIFE_S;
    if (cache_token(r, key, tok, life) < 0)
        goto oom;
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
done:
    if (auth) {
        explicit_bzero(auth, strlen(auth));
        st_free(auth);
    }
    if (esc_tok) {
        explicit_bzero(esc_tok, strlen(esc_tok));
        curl_free(esc_tok);
    }
    explicit_bzero(form.ptr, form.len);
    curl_free(esc_service);
    curl_free(esc_scope);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    json_decref(j);
    st_buf_release(&url);
    st_buf_release(&form);
    st_buf_release(&body);
    return rc;
}

int st_reg__answer_challenge(st_reg *r, const char *www, const char *scope,
                             st_error **err)
{
    st_auth_challenge c;
    bool have;
    int rc;

    if (!www)
        return st_error_set(err, ST_EIO, MODULE,
                            "%s: HTTP 401 without a WWW-Authenticate header",
                            r->host);
    if ((rc = st_auth_parse(www, &c, err)) < 0)
        return st_error_wrap(err, "%s", r->host);
    if (c.scheme == ST_AUTH_BEARER) {
        rc = fetch_token(r, &c, scope ? scope : c.scope, scope ? scope : "",
                         err);
    } else {
        pthread_mutex_lock(&r->mu);
        rc = load_creds(r, err);
        have = r->creds.secret && !r->creds.identity_token;
        pthread_mutex_unlock(&r->mu);
        if (rc == 0 && !have)
            rc = st_error_set(err, ST_EIO, MODULE,
                              "%s asks for a user name and password and none "
                              "are known",
                              r->host);
    }
    if (rc == 0) {
        pthread_mutex_lock(&r->mu);
        st_auth_challenge_release(&r->challenge);
        r->challenge = c;
        pthread_mutex_unlock(&r->mu);
    } else {
        st_auth_challenge_release(&c);
    }
    return rc;
}

/* ---- requests ------------------------------------------------------------- */

/* The URL for req->path: base + path, or an absolute URL on this host. */
static int request_url(st_reg *r, const char *path, st_buf *url,
                       st_error **err)
{
    const char *h;
    size_t n;
    if (!path || !*path)
        return st_error_set(err, ST_EUSAGE, MODULE, "%s: request without a path",
                            r->host);
    if (url_host(path, &h, &n)) {
        if (n != strlen(r->host) || strncasecmp(h, r->host, n))
            return st_error_set(err, ST_EUSAGE, MODULE,
                                "%s: URL %.200s is on another host", r->host,
                                path);
        return st_buf_puts(url, path) < 0
                   ? st_error_set(err, ST_ENOMEM, MODULE, "out of memory")
                   : 0;
    }
    if (path[0] != '/' || strpbrk(path, " \r\n"))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: bad request path \"%.200s\"", r->host, path);
    if (st_buf_printf(url, "%s%s", st_reg_base_url(r), path) < 0)
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    return 0;
}

int st_reg_do(st_reg *r, const st_reg_request *req, st_reg_response *resp,
              st_error **err)
{
    st_buf url = ST_BUF_INIT(MAX_TEXT);
    char *auth = NULL;
    outcome o;
    bool curl_failed;
    int rc = 0;

    memset(resp, 0, sizeof(*resp));
    st_reg_response_release(resp);
    ST_CHECK(st_reg__ensure_base(r, err));
    ST_CHECK(request_url(r, req->path, &url, err));
    if (st_reg__auth_line(r, req->scope, &auth) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    ST_CHECK(perform_retrying(r, url.ptr, req, auth, resp, &o, &curl_failed,
                              err));
    if (resp->status == 401) {
        st_error *why = NULL;
        rc = st_reg__answer_challenge(r, resp->www_authenticate, req->scope,
                                      &why);
        if (rc == ST_ENOMEM || rc == ST_EINVALID ||
            (rc < 0 && st_error_code(why) == ST_EUSAGE)) {
            /* a broken docker config or challenge: the caller must know */
            rc = st_error_set(err, rc, MODULE, "%s", st_error_message(why));
            st_error_free(why);
            goto done;
        }
        if (rc < 0) {
            /* Keep the 401; the reason goes with the next message. */
            pthread_mutex_lock(&r->mu);
            snprintf(r->auth_problem, sizeof(r->auth_problem), "%s",
                     st_error_message(why));
            pthread_mutex_unlock(&r->mu);
            st_error_free(why);
            rc = 0;
            goto done;
        }
        st_free(auth);
        auth = NULL;
        if (st_reg__auth_line(r, req->scope, &auth) < 0) {
            rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
            goto done;
        }
        ST_CHECK(perform_retrying(r, url.ptr, req, auth, resp, &o,
                                  &curl_failed, err));
    }
done:
    if (auth) {
        explicit_bzero(auth, strlen(auth));
        st_free(auth);
    }
    st_buf_release(&url);
    if (rc < 0)
        st_reg_response_release(resp);
    return rc;
}

/* ---- manifests, blobs, tags ------------------------------------------------ */

/* "authentication required: <why>; run strata registry login <host>". */
static int auth_error(st_reg *r, const st_reg_response *resp,
                      const char *what, st_error **err)
{
    char why[320], problem[sizeof(r->auth_problem)];
    st_reg__error_text(&resp->body, resp->status, why, sizeof(why));
    pthread_mutex_lock(&r->mu);
    memcpy(problem, r->auth_problem, sizeof(problem));
    r->auth_problem[0] = 0;
    pthread_mutex_unlock(&r->mu);
    return st_error_set(err, ST_EIO, MODULE,
                        "%s: %s: %s%s%s; run strata registry login %s", what,
                        resp->status == 403 ? "access denied"
                                            : "authentication required",
                        why, problem[0] ? "; " : "", problem, r->host);
}

int st_reg__status_error(st_reg *r, const st_reg_response *resp,
                         const char *what, const char *unknown,
                         st_error **err)
{
    char why[320];
    if (resp->status == 401 || resp->status == 403)
        return auth_error(r, resp, what, err);
    st_reg__error_text(&resp->body, resp->status, why, sizeof(why));
    if (resp->status == 404)
        return st_error_set(err, ST_ENOTFOUND, MODULE, "%s: %s (%s)", what,
                            unknown, why);
    return st_error_set(err, ST_EIO, MODULE, "%s: %s", what, why);
}

static bool is_digest_ref(const char *ref)
{
    return strchr(ref, ':') != NULL;
}

int st_reg_get_manifest(st_reg *r, const char *repo, const char *ref,
                        size_t max, st_buf *body, char **media_type_out,
                        char digest_out[72], st_error **err)
{
    st_buf path = ST_BUF_INIT(MAX_TEXT), scope = ST_BUF_INIT(MAX_TEXT),
           what = ST_BUF_INIT(MAX_TEXT);
    st_reg_request req = {0};
    st_reg_response resp;
    char digest[72];
    int rc = 0;

    memset(&resp, 0, sizeof(resp));
    if (media_type_out)
        *media_type_out = NULL;
    if (digest_out)
        digest_out[0] = 0;
    if (!repo || !*repo || !ref || !*ref || strpbrk(repo, "?#% ") ||
        strpbrk(ref, "/?#% "))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "manifest: bad repository or reference");
    if (is_digest_ref(ref) && !st_str_startswith(ref, "sha256:"))
        return st_error_set(err, ST_EUNSUPPORTED, MODULE,
                            "%s/%s@%.100s: only sha256 digests are supported",
                            r->host, repo, ref);
    if (st_buf_printf(&path, "/v2/%s/manifests/%s", repo, ref) < 0 ||
        st_buf_printf(&scope, "repository:%s:pull", repo) < 0 ||
        st_buf_printf(&what, "%s/%s%s%s", r->host, repo,
                      is_digest_ref(ref) ? "@" : ":", ref) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    req.path = path.ptr;
    req.scope = scope.ptr;
    req.accept = st_reg_manifest_accept;
    req.max_bytes = max ? max : DEFAULT_MAX_BODY;
    if ((rc = st_reg_do(r, &req, &resp, err)) < 0) {
        if (rc == ST_ELIMIT)
            st_error_wrap(err, "manifest %s", what.ptr);
        goto done;
    }
    if (resp.status != 200) {
        rc = st_reg__status_error(r, &resp, what.ptr, "manifest unknown", err);
        goto done;
    }
    st_sha256_hex(resp.body.ptr, resp.body.len, digest);
    if (is_digest_ref(ref) && strcmp(ref, digest)) {
        rc = st_error_set(err, ST_EDIGEST, MODULE,
                          "%s: the manifest received has digest %s: "
                          "tampered or corrupt",
                          what.ptr, digest);
        goto done;
    }
    if (resp.docker_content_digest &&
        st_str_startswith(resp.docker_content_digest, "sha256:") &&
        strcmp(resp.docker_content_digest, digest)) {
        rc = st_error_set(err, ST_EDIGEST, MODULE,
                          "%s: the manifest received has digest %s, the "
                          "registry says %.100s: tampered or corrupt",
                          what.ptr, digest, resp.docker_content_digest);
        goto done;
    }
    st_buf_reset(body);
    if (st_buf_put(body, resp.body.ptr, resp.body.len) < 0) {
        rc = st_error_set(err, ST_ELIMIT, MODULE,
                          "manifest %s: %zu bytes is over the limit", what.ptr,
                          resp.body.len);
        goto done;
    }
    if (digest_out)
        memcpy(digest_out, digest, 72);
    if (media_type_out && resp.content_type) {
        size_t l = strcspn(resp.content_type, "; ");
        if (!(*media_type_out = st_strndup(resp.content_type, l)))
            rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    }
done:
    st_reg_response_release(&resp);
    st_buf_release(&path);
    st_buf_release(&scope);
    st_buf_release(&what);
    return rc;
}

int st_reg_get_blob(st_reg *r, const char *repo, const char *digest,
                    int64_t size, size_t max, st_buf *out, st_error **err)
{
    st_buf path = ST_BUF_INIT(MAX_TEXT), scope = ST_BUF_INIT(MAX_TEXT),
           what = ST_BUF_INIT(MAX_TEXT);
    st_reg_request req = {0};
    st_reg_response resp;
    char got[72];
    int rc = 0;

    memset(&resp, 0, sizeof(resp));
    if (!repo || !*repo || !digest || strpbrk(repo, "?#% "))
        return st_error_set(err, ST_EUSAGE, MODULE, "blob: bad repository");
    if (!st_digest_valid(digest) || !st_str_startswith(digest, "sha256:"))
        return st_error_set(err, st_digest_valid(digest) ? ST_EUNSUPPORTED
                                                         : ST_EINVALID,
                            MODULE, "blob digest \"%.100s\": want sha256:<hex>",
                            digest);
    if (!max)
        max = DEFAULT_MAX_BODY;
    if (size >= 0 && (uint64_t)size > max)
        return st_error_set(err, ST_ELIMIT, MODULE,
                            "blob %s: %lld bytes is over the limit of %zu",
                            digest, (long long)size, max);
    if (st_buf_printf(&path, "/v2/%s/blobs/%s", repo, digest) < 0 ||
        st_buf_printf(&scope, "repository:%s:pull", repo) < 0 ||
        st_buf_printf(&what, "%s/%s@%s", r->host, repo, digest) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    req.path = path.ptr;
    req.scope = scope.ptr;
    req.max_bytes = max;
    if ((rc = st_reg_do(r, &req, &resp, err)) < 0) {
        if (rc == ST_ELIMIT)
            st_error_wrap(err, "blob %s", what.ptr);
        goto done;
    }
    if (resp.status != 200) {
        rc = st_reg__status_error(r, &resp, what.ptr, "blob unknown", err);
        goto done;
    }
    st_sha256_hex(resp.body.ptr, resp.body.len, got);
    if ((size >= 0 && resp.body.len != (uint64_t)size) || strcmp(got, digest)) {
        rc = st_error_set(err, ST_EDIGEST, MODULE,
                          "blob %s does not match its digest (received %zu "
                          "bytes with digest %s): tampered or corrupt",
                          digest, resp.body.len, got);
        goto done;
    }
    st_buf_reset(out);
    if (st_buf_put(out, resp.body.ptr, resp.body.len) < 0)
        rc = st_error_set(err, ST_ELIMIT, MODULE,
                          "blob %s: %zu bytes is over the limit", digest,
                          resp.body.len);
done:
    st_reg_response_release(&resp);
    st_buf_release(&path);
    st_buf_release(&scope);
    st_buf_release(&what);
    return rc;
}

/* The target of `Link: <url>; rel="next"`, or NULL. */
static char *next_link(const char *link)
{
    const char *lt, *gt;
    if (!link || !(lt = strchr(link, '<')) || !(gt = strchr(lt, '>')) ||
        !strstr(gt, "next"))
        return NULL;
    return st_strndup(lt + 1, (size_t)(gt - lt - 1));
}

int st_reg_list_tags(st_reg *r, const char *repo, st_arena *arena,
                     const char ***tags_out, size_t *n_out, size_t max,
                     st_error **err)
{
    st_buf path = ST_BUF_INIT(MAX_TEXT), scope = ST_BUF_INIT(MAX_TEXT);
    st_reg_request req = {0};
    st_reg_response resp;
    st_vec tags = ST_VEC_INIT;
    json_t *j = NULL;
    char *next = NULL;
    int rc = 0;

    memset(&resp, 0, sizeof(resp));
    *tags_out = NULL;
    *n_out = 0;
    if (!repo || !*repo || strpbrk(repo, "?#% "))
        return st_error_set(err, ST_EUSAGE, MODULE, "tags: bad repository");
    if (st_buf_printf(&path, "/v2/%s/tags/list", repo) < 0 ||
        st_buf_printf(&scope, "repository:%s:pull", repo) < 0)
        goto oom;
    req.path = path.ptr;
    req.scope = scope.ptr;
    for (unsigned page = 0; page < 10000 && tags.len < max; page++) {
        json_t *list, *v;
        size_t i;
        st_reg_response_release(&resp); /* the previous page */
        ST_CHECK(st_reg_do(r, &req, &resp, err));
        if (resp.status != 200) {
            char what[400];
            snprintf(what, sizeof(what), "%s/%s", r->host, repo);
            rc = st_reg__status_error(r, &resp, what, "repository unknown",
                                      err);
            goto done;
        }
        json_decref(j);
        if (st_json_load(&j, resp.body.ptr, resp.body.len, "tags list", err) <
            0) {
            rc = st_error_wrap(err, "%s/%s", r->host, repo);
            goto done;
        }
        list = st_json_arr(j, "tags");
        json_array_foreach(list, i, v)
        {
            char *t;
            if (tags.len >= max)
                break;
            if (!json_is_string(v))
                continue;
            if (!(t = st_arena_strdup(arena, json_string_value(v))) ||
                st_vec_push(&tags, t) < 0)
                goto oom;
        }
        st_free(next);
        if (!(next = next_link(resp.link)))
            break;
        if (next[0] != '/' && strncasecmp(next, "http", 4))
            break; /* a relative link we do not understand */
        req.path = next;
    }
    {
        const char **arr =
            st_arena_alloc(arena, (tags.len ? tags.len : 1) * sizeof(char *));
        if (!arr)
            goto oom;
        for (size_t i = 0; i < tags.len; i++)
            arr[i] = tags.items[i];
        *tags_out = arr;
        *n_out = tags.len;
    }
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
done:
    json_decref(j);
    st_free(next);
    st_vec_release(&tags);
    st_reg_response_release(&resp);
    st_buf_release(&path);
    st_buf_release(&scope);
    return rc;
}
