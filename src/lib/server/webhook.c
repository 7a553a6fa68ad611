/* Webhook deliveries: a bounded queue drained by one thread, so a slow or
 * dead receiver never holds up indexing or re-matching. Each body is
 * POSTed as JSON with "X-Strata-Signature: sha256=<hex>" (HMAC-SHA256 of
 * the body under the shared secret, as GitHub signs its webhooks), retried
 * on network errors and 5xx/429 with backoff (1, 2, 4, 8, 16 s), then
 * dropped with a log line. */
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/hmac.h>

#include "server/server_int.h"
#include "util/curl.h"
#include "util/banned.h"

#define QUEUE_MAX 10000
#define TRIES 6

struct item {
    char *body;
    size_t len;
    struct item *next;
};

struct st_webhook {
    st_server *s;
    char *url;
    char *secret;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item *head, *tail;
    size_t queued;
    bool stop;
};

void st_webhook_sign(const char *secret, const void *body, size_t len,
                     char out[80])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";

    HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &n);
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < n && i < 32; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
    out[7 + 2 * (n < 32 ? n : 32)] = 0;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

/* 0 delivered, 1 retry, -1 give up. */
static int post(struct st_webhook *w, const struct item *it, char *why,
                size_t whylen)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char sig[80], line[128], errbuf[CURL_ERROR_SIZE] = "";
    long code = 0;
    CURLcode cc;

    if (!h) {
        snprintf(why, whylen, "curl_easy_init failed");
        return 1;
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "User-Agent: strata-server");
    if (w->secret) {
        st_webhook_sign(w->secret, it->body, it->len, sig);
        snprintf(line, sizeof(line), "X-Strata-Signature: %s", sig);
        hdrs = curl_slist_append(hdrs, line);
    }
    curl_easy_setopt(h, CURLOPT_URL, w->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, it->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if CURL_AT_LEAST_VERSION(7, 85, 0)
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    if (cc != CURLE_OK) {
        snprintf(why, whylen, "%s", errbuf[0] ? errbuf
                                              : curl_easy_strerror(cc));
        return 1;
    }
    if (code >= 200 && code < 300)
        return 0;
    snprintf(why, whylen, "HTTP %ld", code);
    return code == 429 || code >= 500 ? 1 : -1;
}

static bool wait_or_stop(struct st_webhook *w, unsigned seconds)
{
    struct timespec until;
    bool stop;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    pthread_mutex_lock(&w->mu);
    while (!w->stop &&
           pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
        ;
    stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *run(void *arg)
{
    struct st_webhook *w = arg;
    for (;;) {
        struct item *it;
        char why[CURL_ERROR_SIZE + 32] = "";
        int r = 1;

        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        it = w->head;
        if (it) {
            w->head = it->next;
            if (!w->head)
                w->tail = NULL;
            w->queued--;
        }
        pthread_mutex_unlock(&w->mu);
        if (!it)
            break; /* stopping with an empty queue */
        for (unsigned t = 0; t < TRIES && r == 1; t++) {
            if (t && wait_or_stop(w, 1u << (t - 1)))
                break;
            r = post(w, it, why, sizeof(why));
        }
        pthread_mutex_lock(&w->s->m.mu);
        if (r == 0)
            w->s->m.webhooks_sent++;
        else
            w->s->m.webhook_failures++;
        pthread_mutex_unlock(&w->s->m.mu);
        if (r != 0)
            st_srv_log(w->s, "webhook %s: delivery failed: %s", w->url, why);
        st_free(it->body);
        st_free(it);
    }
    return NULL;
}

int st_webhook_start(struct st_webhook **out, const char *url,
                     const char *secret, st_server *s, st_error **err)
{
    struct st_webhook *w;
    *out = NULL;
    if (st_curl_init("server", err) < 0)
        return ST_EIO;
    w = st_calloc(1, sizeof(*w));
    if (!w || !(w->url = st_strdup(url)) ||
        (secret && !(w->secret = st_strdup(secret)))) {
        if (w)
            st_free(w->url);
        st_free(w);
        return st_error_set(err, ST_ENOMEM, "server", "out of memory");
    }
    w->s = s;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, run, w)) {
        st_free(w->url);
        st_free(w->secret);
        st_free(w);
        return st_error_set(err, ST_EIO, "server",
                            "cannot start the webhook thread");
    }
    *out = w;
    return 0;
}

void st_webhook_send(struct st_webhook *w, const char *body, size_t len)
{
    struct item *it;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    if (w->queued >= QUEUE_MAX || !(it = st_calloc(1, sizeof(*it))) ||
        !(it->body = st_strndup(body, len))) {
        pthread_mutex_unlock(&w->mu);
        pthread_mutex_lock(&w->s->m.mu);
        w->s->m.webhook_dropped++;
        pthread_mutex_unlock(&w->s->m.mu);
        return;
    }
    it->len = len;
    if (w->tail)
        w->tail->next = it;
    else
        w->head = it;
    w->tail = it;
    w->queued++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Delivers what is queued (each gets its tries unless stopping cuts the
 * backoff short), then ends the thread. */
void st_webhook_stop(struct st_webhook *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    while (w->head) {
        struct item *n = w->head->next;
        st_free(w->head->body);
        st_free(w->head);
        w->head = n;
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    st_free(w->url);
    st_free(w->secret);
    st_free(w);
}
