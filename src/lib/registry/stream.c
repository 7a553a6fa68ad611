/* Streamed layer blobs. The reader drives the transfer: each
 * st_blobstream_read runs curl_multi_perform/poll on the stream's own
 * multi handle until bytes are buffered; when the bounded buffer is full
 * the write callback pauses the transfer and the next read that empties
 * the buffer resumes it. What is handed out is counted and hashed (and
 * copied to the cache's temporary file); the end is reported only once
 * the size and digest matched. A transfer cut short by a transient error
 * resumes with a Range request. No global state: one stream per thread is
 * fine, and the client's token cache is locked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "registry/registry_int.h"
#include "util/curl.h"
#include "util/banned.h"

#define MODULE         ST_REG_MODULE
#define BUF_CAP        ((size_t)1 << 20)
#define MAX_ERROR_BODY ((size_t)16 << 10)
#define MAX_TEXT       ((size_t)1 << 16)
#define POLL_MS        1000

struct st_blobstream {
    st_reg *r;
    char digest[72];
    int64_t size; /* -1: unknown */
    st_buf url;
    st_buf scope;

    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    unsigned attempts;  /* transfers started, resumes included */
    bool answered_401;

    /* The transfer in progress. */
    long status;
    uint64_t range_from; /* asked for "bytes=N-" */
    uint64_t skip;       /* bytes to drop from a 200 that ignored Range */
    int64_t crange_start;
    char *retry_after;
    char *www; /* WWW-Authenticate of a 401 */
    st_buf errbody;
    bool paused;
    bool done;
    CURLcode result;

    /* Bytes accepted and not yet handed out: buf[head, head+len). */
    char *buf;
    size_t cap, head, len;
    uint64_t received; /* accepted from the network, all attempts */
    uint64_t handed;
    st_sha256 *hash;

    /* The cache: a temporary file being filled, or a cached copy. */
    int cache_fd;
    char *cache_tmp;
    int src_fd;

    int fail_rc; /* sticky failure */
    char fail_msg[512];
    bool verified;
};

static void set_fail(st_blobstream *s, int rc, const char *fmt, ...)
    ST_PRINTF(3, 4);
static void set_fail(st_blobstream *s, int rc, const char *fmt, ...)
{
    va_list ap;
    if (s->fail_rc < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(s->fail_msg, sizeof(s->fail_msg), fmt, ap);
    va_end(ap);
    s->fail_rc = rc;
}

static void drop_cache(st_blobstream *s)
{
    if (s->cache_fd >= 0)
        close(s->cache_fd);
    s->cache_fd = -1;
    if (s->cache_tmp)
        (void)unlink(s->cache_tmp);
    st_free(s->cache_tmp);
    s->cache_tmp = NULL;
}

/* ---- curl callbacks ------------------------------------------------------ */

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    st_blobstream *s = ud;
    size_t n = size * nitems;
    const char *colon;
    size_t nl;

    if (n >= 5 && !memcmp(buf, "HTTP/", 5)) {
        const char *sp = memchr(buf, ' ', n);
        s->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        s->crange_start = -1;
        /* A 200 to a Range request starts from byte 0 again. */
        s->skip = s->status == 200 ? s->range_from : 0;
        st_free(s->retry_after);
        s->retry_after = NULL;
        st_buf_reset(&s->errbody);
        return n;
    }
    if (!(colon = memchr(buf, ':', n)))
        return n;
    nl = (size_t)(colon - buf);
    colon++;
    n -= nl + 1;
    while (n && (*colon == ' ' || *colon == '\t'))
        colon++, n--;
    while (n && (colon[n - 1] == '\r' || colon[n - 1] == '\n' ||
                 colon[n - 1] == ' '))
        n--;
    if (nl == 11 && !strncasecmp(buf, "retry-after", 11) && n < 256) {
        st_free(s->retry_after);
        s->retry_after = st_strndup(colon, n);
    } else if (nl == 13 && !strncasecmp(buf, "content-range", 13) && n < 256 &&
               n > 6 && !strncasecmp(colon, "bytes ", 6)) {
        char tmp[256], *end;
        memcpy(tmp, colon + 6, n - 6);
        tmp[n - 6] = 0;
        errno = 0;
        s->crange_start = (int64_t)strtoll(tmp, &end, 10);
        if (errno || end == tmp || *end != '-')
            s->crange_start = -1;
    }
    else if (nl == 16 && !strncasecmp(buf, "www-authenticate", 16) &&
             s->status == 401 && n < 8192) {
        st_free(s->www);
        s->www = st_strndup(colon, n);
    }
    return size * nitems;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    st_blobstream *s = ud;
    size_t n = size * nmemb, total = n;

    if (s->status != 200 && s->status != 206) { /* an error page */
        size_t room = MAX_ERROR_BODY - s->errbody.len;
        (void)st_buf_put(&s->errbody, ptr, n < room ? n : room);
        return n;
    }
    if (s->status == 206 && s->crange_start != (int64_t)s->range_from) {
        set_fail(s, ST_EIO, "blob %s: the registry sent a range that was not "
                            "asked for", s->digest);
        return 0;
    }
    if (s->skip) { /* a 200 that ignored our Range: drop what we have */
        size_t k = n < s->skip ? n : (size_t)s->skip;
        s->skip -= k;
        ptr += k;
        n -= k;
        if (!n)
            return total;
    }
    if (s->size >= 0 && s->received + n > (uint64_t)s->size) {
        set_fail(s, ST_EDIGEST,
                 "blob %s does not match its digest: more than its %lld "
                 "bytes arrived: tampered or corrupt",
                 s->digest, (long long)s->size);
        return 0;
    }
    if (s->cap - s->len < n) {
        if (s->len > 0) {
            s->paused = true;
            /* curl delivers the same bytes again after unpausing; undo the
             * skip so they are dropped again if needed. */
            if (total != n)
                s->skip += total - n;
            return CURL_WRITEFUNC_PAUSE;
        }
        /* An empty buffer takes any chunk curl hands over. */
        char *nb = st_realloc(s->buf, n);
        if (!nb) {
            set_fail(s, ST_ENOMEM, "out of memory");
            return 0;
        }
        s->buf = nb;
        s->cap = n;
    }
    if (s->head + s->len + n > s->cap) {
        memmove(s->buf, s->buf + s->head, s->len);
        s->head = 0;
    }
    memcpy(s->buf + s->head + s->len, ptr, n);
    s->len += n;
    s->received += n;
    return total;
}

/* ---- transfers ------------------------------------------------------------- */

static void end_transfer(st_blobstream *s)
{
    if (s->easy) {
        if (s->multi)
            curl_multi_remove_handle(s->multi, s->easy);
        curl_easy_cleanup(s->easy);
        s->easy = NULL;
    }
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
}

/* Starts a GET of the blob, from s->received on when bytes arrived
 * already. */
static int start_transfer(st_blobstream *s, st_error **err)
{
    char *auth = NULL;
    char range[48];
    struct curl_slist *tmp;
    int rc = 0;

    end_transfer(s);
    s->attempts++;
    s->status = 0;
    s->done = false;
    s->paused = false;
    s->result = CURLE_OK;
    s->errbuf[0] = 0;
    s->crange_start = -1;
    s->range_from = s->received;
    s->skip = 0;
    st_buf_reset(&s->errbody);
    if (st_reg__auth_line(s->r, s->scope.ptr, &auth) < 0)
        goto oom;
    if (auth) {
        if (!(tmp = curl_slist_append(s->hdrs, auth)))
            goto oom;
        s->hdrs = tmp;
    }
    if (!(s->easy = curl_easy_init()))
        goto oom;
    if (st_reg__setup(s->r, s->easy, s->url.ptr, s->errbuf) < 0 ||
        (s->hdrs && curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->hdrs)) ||
        curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, header_cb) ||
        curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s) ||
        curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, write_cb) ||
        curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s)) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: libcurl refused an option",
                          s->url.ptr);
        goto done;
    }
    if (s->range_from > 0) {
        snprintf(range, sizeof(range), "%llu-",
                 (unsigned long long)s->range_from);
        if (curl_easy_setopt(s->easy, CURLOPT_RANGE, range) != CURLE_OK)
            goto oom;
    }
    if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK)
        goto oom;
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
done:
    if (auth) {
        explicit_bzero(auth, strlen(auth));
        st_free(auth);
    }
    return rc;
}

/* One round of the multi loop: perform, collect a finished transfer, and
 * wait for the socket when nothing happened. */
static void drive(st_blobstream *s, bool wait)
{
    int running = 0, left;
    CURLMsg *m;
    CURLMcode mc = curl_multi_perform(s->multi, &running);
    if (mc != CURLM_OK) {
        s->done = true;
        s->result = CURLE_FAILED_INIT;
        return;
    }
    while ((m = curl_multi_info_read(s->multi, &left))) {
        if (m->msg == CURLMSG_DONE && m->easy_handle == s->easy) {
            s->done = true;
            s->result = m->data.result;
        }
    }
    if (!s->done && wait && s->len == 0 && !s->paused)
        (void)curl_multi_poll(s->multi, NULL, 0, POLL_MS, NULL);
}

/* Runs the transfer until the response is known: body bytes, or the end. */
static void drive_to_response(st_blobstream *s)
{
    while (!s->done && s->len == 0 && !s->paused && s->fail_rc == 0 &&
           s->received == s->range_from)
        drive(s, true);
}

static void curl_text(st_blobstream *s, char *buf, size_t n)
{
    const char *why = s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result);
    size_t l = strlen(why);
    while (l && (why[l - 1] == '\n' || why[l - 1] == '\r'))
        l--;
    snprintf(buf, n, "%.*s", (int)l, why);
}

/* Opens the transfer: answers a 401 once, retries transient failures,
 * turns error statuses into errors. */
static int open_transfer(st_blobstream *s, st_error **err)
{
    unsigned tries = st_reg__tries(s->r);
    int rc;
    for (;;) {
        char why[CURL_ERROR_SIZE + 64];
        if ((rc = start_transfer(s, err)) < 0)
            return rc;
        drive_to_response(s);
        if (s->fail_rc < 0)
            return st_error_set(err, s->fail_rc, MODULE, "%s", s->fail_msg);
        if (s->done && s->result != CURLE_OK) {
            curl_text(s, why, sizeof(why));
            if (st_curl_transient(s->result) && s->attempts < tries) {
                st_reg__backoff(s->r, s->attempts, -1);
                continue;
            }
            return st_error_set(err, ST_EIO, MODULE, "%s: %s", s->r->host,
                                why);
        }
        if (s->status == 200 || s->status == 206)
            return 0;
        /* An error status; the transfer is over or nearly. */
        while (!s->done)
            drive(s, true);
        if (s->status == 401 && !s->answered_401) {
            st_error *e = NULL;
            s->answered_401 = true;
            s->attempts--; /* the answer does not count as a try */
            if (st_reg__answer_challenge(s->r, s->www, s->scope.ptr, &e) ==
                0)
                continue;
            /* Keep the reason for the authentication error below. */
            pthread_mutex_lock(&s->r->mu);
            snprintf(s->r->auth_problem, sizeof(s->r->auth_problem), "%s",
                     st_error_message(e));
            pthread_mutex_unlock(&s->r->mu);
            st_error_free(e);
        }
        if (st_reg__transient_status(s->status) && s->attempts < tries) {
            st_reg__backoff(s->r, s->attempts,
                            st_reg__retry_after(s->retry_after));
            continue;
        }
        {
            st_reg_response resp;
            char what[400];
            memset(&resp, 0, sizeof(resp));
            resp.status = s->status;
            resp.body = s->errbody;
            snprintf(what, sizeof(what), "blob %s", s->digest);
            return st_reg__status_error(s->r, &resp, what, "blob unknown",
                                        err);
        }
    }
}

/* ---- the API ----------------------------------------------------------------- */

int st_reg_open_blob(st_reg *r, const char *repo, const char *digest,
                     int64_t size, st_blobstream **out, st_error **err)
{
    st_blobstream *s = NULL;
    int rc = 0;

    *out = NULL;
    if (!repo || !*repo || strpbrk(repo, "?#% "))
        return st_error_set(err, ST_EUSAGE, MODULE, "blob: bad repository");
    if (!digest || !st_digest_valid(digest) ||
        !st_str_startswith(digest, "sha256:"))
        return st_error_set(err, ST_EUNSUPPORTED, MODULE,
                            "blob digest \"%.100s\": want sha256:<hex>",
                            digest ? digest : "");
    if (!(s = st_calloc(1, sizeof(*s))))
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    s->r = r;
    s->size = size < 0 ? -1 : size;
    s->cache_fd = s->src_fd = -1;
    snprintf(s->digest, sizeof(s->digest), "%s", digest);
    st_buf_init(&s->url, MAX_TEXT);
    st_buf_init(&s->scope, MAX_TEXT);
    st_buf_init(&s->errbody, MAX_ERROR_BODY);

    /* A verified copy in the cache: no network at all. */
    if (r->cfg->cache_dir) {
        uint64_t csize;
        int fd = st_blobcache_open(r->cfg->cache_dir, digest, &csize);
        if (fd >= 0 && (s->size < 0 || csize == (uint64_t)s->size)) {
            s->src_fd = fd;
            s->size = (int64_t)csize;
            *out = s;
            return 0;
        }
        if (fd >= 0)
            close(fd);
    }

    if (!(s->hash = st_sha256_new()) || !(s->buf = st_malloc(BUF_CAP)) ||
        !(s->multi = curl_multi_init()))
        goto oom;
    s->cap = BUF_CAP;
    ST_CHECK(st_reg__ensure_base(r, err));
    if (st_buf_printf(&s->url, "%s/v2/%s/blobs/%s", st_reg_base_url(r), repo,
                      digest) < 0 ||
        st_buf_printf(&s->scope, "repository:%s:pull", repo) < 0)
        goto oom;
    ST_CHECK(open_transfer(s, err));
    if (r->cfg->cache_dir &&
        st_blobcache__begin(r->cfg->cache_dir, digest, &s->cache_tmp,
                            &s->cache_fd, NULL) < 0) {
        s->cache_tmp = NULL; /* the cache is best effort */
        s->cache_fd = -1;
    }
    *out = s;
    s = NULL;
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
done:
    st_blobstream_close(s);
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static ssize_t failed(st_blobstream *s, char *why, size_t whylen)
{
    if (why && whylen)
        snprintf(why, whylen, "%s", s->fail_msg);
    return s->fail_rc;
}

static ssize_t read_cached(st_blobstream *s, void *buf, size_t n, char *why,
                           size_t whylen)
{
    for (;;) {
        ssize_t got = read(s->src_fd, buf, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            set_fail(s, ST_EIO, "cached blob %s: %s", s->digest,
                     strerror(errno));
            return failed(s, why, whylen);
        }
        s->handed += (uint64_t)got;
        if (got == 0 && s->handed != (uint64_t)s->size) {
            set_fail(s, ST_EIO, "cached blob %s: changed while read",
                     s->digest);
            return failed(s, why, whylen);
        }
        if (got == 0)
            s->verified = true;
        return got;
    }
}

/* The transfer ended: resume after a transient failure, or verify. */
static int finish(st_blobstream *s)
{
    char got[72], text[CURL_ERROR_SIZE + 64];
    if (s->result != CURLE_OK) {
        curl_text(s, text, sizeof(text));
        if (st_curl_transient(s->result) &&
            s->attempts < st_reg__tries(s->r) &&
            (s->size < 0 || s->received < (uint64_t)s->size)) {
            st_error *e = NULL;
            st_reg__backoff(s->r, s->attempts, -1);
            /* As at the start: a token may have expired meanwhile. */
            s->answered_401 = false;
            if (open_transfer(s, &e) < 0) {
                set_fail(s, st_error_code(e), "%s", st_error_message(e));
                st_error_free(e);
                return s->fail_rc;
            }
            return 1; /* go on reading */
        }
        set_fail(s, ST_EIO, "blob %s: %s", s->digest, text);
        return s->fail_rc;
    }
    if (s->status != 200 && s->status != 206) {
        char t[320];
        st_reg__error_text(&s->errbody, s->status, t, sizeof(t));
        set_fail(s, ST_EIO, "blob %s: %s", s->digest, t);
        return s->fail_rc;
    }
    st_sha256_final(s->hash, got);
    if ((s->size >= 0 && s->received != (uint64_t)s->size) ||
        strcmp(got, s->digest)) {
        set_fail(s, ST_EDIGEST,
                 "blob %s does not match its digest (%llu bytes with digest "
                 "%s): tampered or corrupt",
                 s->digest, (unsigned long long)s->received, got);
        return s->fail_rc;
    }
    s->verified = true;
    if (s->cache_fd >= 0) {
        int fd = s->cache_fd;
        s->cache_fd = -1;
        if (st_blobcache__commit(s->r->cfg->cache_dir, s->digest, s->cache_tmp,
                                 fd, NULL) == 0) {
            st_free(s->cache_tmp);
            s->cache_tmp = NULL;
        }
    }
    return 0;
}

ssize_t st_blobstream_read(st_blobstream *s, void *buf, size_t n, char *why,
                           size_t whylen)
{
    if (why && whylen)
        why[0] = 0;
    if (s->fail_rc < 0)
        return failed(s, why, whylen);
    if (s->src_fd >= 0)
        return read_cached(s, buf, n, why, whylen);
    if (n == 0)
        return 0;
    for (;;) {
        if (s->len > 0) {
            size_t k = n < s->len ? n : s->len;
            memcpy(buf, s->buf + s->head, k);
            s->head += k;
            s->len -= k;
            if (s->len == 0)
                s->head = 0;
            st_sha256_update(s->hash, buf, k);
            s->handed += k;
            if (s->cache_fd >= 0 && write_all(s->cache_fd, buf, k) < 0)
                drop_cache(s);
            return (ssize_t)k;
        }
        if (s->verified)
            return 0;
        if (s->fail_rc < 0)
            return failed(s, why, whylen);
        if (s->done) {
            int rc = finish(s);
            if (rc < 0)
                return failed(s, why, whylen);
            if (rc == 0)
                return 0;
            continue;
        }
        if (s->paused) {
            s->paused = false;
            /* May call write_cb at once with the held-back bytes. */
            (void)curl_easy_pause(s->easy, CURLPAUSE_CONT);
            continue;
        }
        drive(s, true);
    }
}

bool st_blobstream_cached(const st_blobstream *s)
{
    return s && s->src_fd >= 0;
}

void st_blobstream_close(st_blobstream *s)
{
    if (!s)
        return;
    end_transfer(s);
    if (s->multi)
        curl_multi_cleanup(s->multi);
    drop_cache(s);
    if (s->src_fd >= 0)
        close(s->src_fd);
    st_sha256_free(s->hash);
    st_free(s->buf);
    st_free(s->retry_after);
    st_free(s->www);
    st_buf_release(&s->url);
    st_buf_release(&s->scope);
    st_buf_release(&s->errbody);
    st_free(s);
}
