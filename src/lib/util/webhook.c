/* See webhook.h. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/hmac.h>

#include "strata/common.h"
#include "util/curl.h"
#include "util/webhook.h"
#include "util/banned.h"

struct st_webhook {
    char *url;
    char *secret, *sig_header;
    void (*log)(void *payload, const char *line);
    void *log_payload;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char **q; /* ring of JSON bodies */
    size_t cap, head, count;
    bool closing;
    struct timespec flush_deadline;
    st_webhook_counts n;
    unsigned timeout_ms, attempts, backoff_ms;
};
typedef st_webhook webhook;

static void ts_add_ms(struct timespec *ts, unsigned ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static bool ts_passed(const struct timespec *ts)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > ts->tv_sec ||
           (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

static size_t discard_body(char *p, size_t size, size_t n, void *payload)
{
    (void)p;
    (void)payload;
    return size * n;
}

/* Aborts a POST in flight once the close has waited long enough. libcurl
 * calls it at least once a second, also while nothing moves. */
static int xfer_abort(void *payload, curl_off_t dltotal, curl_off_t dlnow,
                      curl_off_t ultotal, curl_off_t ulnow)
{
    webhook *w = payload;
    bool stop;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    pthread_mutex_lock(&w->mu);
    stop = w->closing && ts_passed(&w->flush_deadline);
    pthread_mutex_unlock(&w->mu);
    return stop;
}

void st_webhook_sign(const char *secret, const void *body, size_t len,
                     char out[80])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";

    HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &n);
    if (n > 32)
        n = 32;
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < n; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
    out[7 + 2 * n] = 0;
}

/* One POST; true when the body is delivered, *retry says whether another
 * attempt may succeed (network errors, 408, 429, 5xx); why says what
 * went wrong. */
static bool post(webhook *w, CURL *h, struct curl_slist *base,
                 const char *body, long timeout_ms, bool *retry, char *why,
                 size_t whylen)
{
    struct curl_slist *hdrs = base, *signed_hdrs = NULL;
    char sig[80], line[256];
    long status = 0;
    CURLcode cc;

    if (w->secret) {
        st_webhook_sign(w->secret, body, strlen(body), sig);
        snprintf(line, sizeof(line), "%s: %s", w->sig_header, sig);
        /* a copy of the base list with this body's signature */
        for (struct curl_slist *p = base; p; p = p->next)
            signed_hdrs = curl_slist_append(signed_hdrs, p->data);
        signed_hdrs = curl_slist_append(signed_hdrs, line);
        hdrs = signed_hdrs;
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    cc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, base);
    curl_slist_free_all(signed_hdrs);
    if (cc != CURLE_OK) {
        snprintf(why, whylen, "%s", curl_easy_strerror(cc));
        *retry = true;
        return false;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300)
        return true;
    snprintf(why, whylen, "HTTP %ld", status);
    *retry = status == 408 || status == 429 || status >= 500;
    return false;
}

static void *webhook_main(void *arg)
{
    webhook *w = arg;
    struct curl_slist *hdrs = NULL;
    char ua[64];
    CURL *h = curl_easy_init();

    snprintf(ua, sizeof(ua), "strata/%s", st_version());
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    if (h) {
        curl_easy_setopt(h, CURLOPT_URL, w->url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xfer_abort);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)w->timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        curl_easy_setopt(h, CURLOPT_PROTOCOLS,
                         (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    }
    pthread_mutex_lock(&w->mu);
    for (;;) {
        char *body, why[256] = "no attempt";
        unsigned delay = w->backoff_ms;
        bool ok = false, retry = true;

        while (w->count == 0 && !w->closing)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->count == 0)
            break;
        if (w->closing && ts_passed(&w->flush_deadline)) {
            /* the rest cannot be sent in the time we were given */
            while (w->count) {
                st_free(w->q[w->head]);
                w->head = (w->head + 1) % w->cap;
                w->count--;
                w->n.failed++;
            }
            break;
        }
        body = w->q[w->head];
        w->head = (w->head + 1) % w->cap;
        w->count--;
        for (unsigned attempt = 0; h && attempt < w->attempts && retry;
             attempt++) {
            long timeout = (long)w->timeout_ms;
            struct timespec until;
            if (attempt) {
                /* back off, but a close cuts the wait short */
                clock_gettime(CLOCK_MONOTONIC, &until);
                ts_add_ms(&until, delay);
                delay *= 2;
                while (!w->closing && !ts_passed(&until))
                    pthread_cond_timedwait(&w->cv, &w->mu, &until);
                if (w->closing && ts_passed(&w->flush_deadline))
                    break;
            }
            pthread_mutex_unlock(&w->mu);
            ok = post(w, h, hdrs, body, timeout, &retry, why, sizeof(why));
            pthread_mutex_lock(&w->mu);
            if (ok)
                break;
        }
        if (ok) {
            w->n.sent++;
        } else {
            w->n.failed++;
            if (w->log) {
                char line[512];
                snprintf(line, sizeof(line), "webhook %s: delivery failed: %s",
                         w->url, why);
                pthread_mutex_unlock(&w->mu);
                w->log(w->log_payload, line);
                pthread_mutex_lock(&w->mu);
            }
        }
        st_free(body);
    }
    pthread_mutex_unlock(&w->mu);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    return NULL;
}

void st_webhook_push(webhook *w, const char *body, size_t len)
{
    char *copy = st_strndup(body, len);
    pthread_mutex_lock(&w->mu);
    if (!copy || w->count == w->cap) {
        w->n.dropped++; /* full: the caller does not wait */
        st_free(copy);
    } else {
        w->q[(w->head + w->count) % w->cap] = copy;
        w->count++;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

void st_webhook_stop(webhook *w, unsigned flush_ms)
{
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->closing = true;
        clock_gettime(CLOCK_MONOTONIC, &w->flush_deadline);
        ts_add_ms(&w->flush_deadline, flush_ms);
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        w->started = false;
    }
}

void st_webhook_counts_get(webhook *w, st_webhook_counts *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->n;
    pthread_mutex_unlock(&w->mu);
}

void st_webhook_free(webhook *w, unsigned flush_ms)
{
    if (!w)
        return;
    st_webhook_stop(w, flush_ms);
    for (size_t i = 0; i < w->count; i++)
        st_free(w->q[(w->head + i) % w->cap]);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    st_free(w->q);
    st_free(w->url);
    st_free(w->secret);
    st_free(w->sig_header);
    st_free(w);
}

int st_webhook_new(webhook **out, const st_webhook_options *o,
                   const char *module, st_error **err)
{
    webhook *w;
    pthread_condattr_t ca;
    sigset_t all, old;
    int e;

    *out = NULL;
    if (!o->url || (!st_str_startswith(o->url, "http://") &&
                    !st_str_startswith(o->url, "https://")))
        return st_error_set(err, ST_EINVALID, module,
                            "webhook %s: expected an http:// or https:// URL",
                            o->url ? o->url : "(none)");
    if ((e = st_curl_init(module, err)) < 0) {
        st_error_wrap(err, "webhook %s", o->url);
        return e;
    }
    if (!(w = st_calloc(1, sizeof(*w))))
        return st_error_set(err, ST_ENOMEM, module, "out of memory");
    w->cap = o->queue ? o->queue : 1024;
    w->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
    w->attempts = o->attempts ? o->attempts : 4;
    w->backoff_ms = o->backoff_ms ? o->backoff_ms : 500;
    w->log = o->log;
    w->log_payload = o->log_payload;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!(w->q = st_calloc(w->cap, sizeof(char *))) ||
        !(w->url = st_strdup(o->url)) ||
        (o->secret && (!(w->secret = st_strdup(o->secret)) ||
                       !(w->sig_header = st_strdup(
                             o->sig_header ? o->sig_header
                                           : "X-Strata-Signature"))))) {
        st_webhook_free(w, 0);
        return st_error_set(err, ST_ENOMEM, module, "out of memory");
    }
    /* The thread takes no signal: SIGINT belongs to the caller's thread and
     * a peer closing the connection must be EPIPE, not SIGPIPE. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    e = pthread_create(&w->thread, NULL, webhook_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        st_webhook_free(w, 0);
        return st_error_set(err, ST_EIO, module, "webhook thread: %s",
                            strerror(e));
    }
    w->started = true;
    *out = w;
    return 0;
}
