/* HTTP(S) downloads of the vulnerability DB's bulk files with libcurl:
 * conditional GETs, resumable .part files, bounded retries, atomic
 * replacement of the destination. See fetch.h and docs/internals/fetch.md. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/curl.h"
#include "util/banned.h"
#include "vulndb/fetch.h"

#define MODULE                  "vulndb"
#define DEFAULT_CONNECT_TIMEOUT 15L
#define DEFAULT_LOW_SPEED_BYTES 1024L
#define DEFAULT_LOW_SPEED_TIME  30L
#define DEFAULT_TRIES           3u
#define DEFAULT_RETRY_DELAY_MS  1000u
#define MAX_REDIRECTS           5L
#define MAX_VALIDATOR           1024 /* longer ETag/Last-Modified are ignored */
#define MAX_META                8192 /* "<dest>.part.meta" */
#define MAX_ERROR_BODY          65536 /* of a 4xx/5xx body, read and dropped */
#define META_MAGIC              "strata-fetch 1"
#define MAX_TEXT                (1u << 20) /* URLs, paths and messages */

/* ---- state of one call ------------------------------------------------ */

typedef struct fetch {
    const st_fetch_request *req;
    char *shown_url; /* the URL without user:password, for messages */
    bool https;
    uint64_t max;
    st_buf part; /* "<dest>.part" */
    st_buf meta; /* "<dest>.part.meta" */

    /* One attempt. */
    uint64_t offset; /* bytes of .part kept and asked to be continued */
    bool range_sent;
    bool cond_sent;
    long status; /* of the response being received */
    char *etag;  /* validators of that response */
    char *last_modified;
    bool have_clen;
    uint64_t clen;
    bool have_crange;
    uint64_t crange_start;
    uint64_t crange_total; /* UINT64_MAX: "*" */
    bool body_started;
    int fd;
    uint64_t written;    /* body bytes of this attempt */
    uint64_t discarded;  /* bytes of an error body */
    bool error_body_cut; /* stopped reading a long error body */
    uint64_t last_done;  /* last value given to the progress callback */
    st_sha256 *hash;
    /* A failure found inside a callback: code, message, and whether the
     * .part must go (limit exceeded, a range not asked for). */
    int cb_rc;
    st_buf cb_msg;
    bool drop_part;
    bool restart; /* start over without counting a try */
    char errbuf[CURL_ERROR_SIZE];
} fetch;

/* The message of the failed attempt; only the last one is reported. */
typedef struct outcome {
    int rc;
    bool transient; /* worth another try */
    bool restart;   /* try again at once, without the .part */
    st_buf msg;
} outcome;

static int fail(outcome *o, int rc, bool transient, const char *fmt, ...)
    ST_PRINTF(4, 5);
static int fail(outcome *o, int rc, bool transient, const char *fmt, ...)
{
    va_list ap;
    st_buf_reset(&o->msg);
    va_start(ap, fmt);
    if (st_buf_vprintf(&o->msg, fmt, ap) < 0)
        rc = ST_ENOMEM;
    va_end(ap);
    o->rc = rc;
    o->transient = transient;
    return rc;
}

static void cb_fail(fetch *f, int rc, const char *fmt, ...) ST_PRINTF(3, 4);
static void cb_fail(fetch *f, int rc, const char *fmt, ...)
{
    va_list ap;
    if (f->cb_rc < 0)
        return; /* the first failure is the one to report */
    st_buf_reset(&f->cb_msg);
    va_start(ap, fmt);
    if (st_buf_vprintf(&f->cb_msg, fmt, ap) < 0)
        rc = ST_ENOMEM;
    va_end(ap);
    f->cb_rc = rc;
}

/* "https://user:pw@host/p" -> "https://host/p". */
static char *redact_url(const char *url)
{
    const char *auth = strstr(url, "://");
    st_buf b = ST_BUF_INIT(MAX_TEXT);
    if (auth) {
        auth += 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        if (at) {
            if (st_buf_put(&b, url, (size_t)(auth - url)) < 0 ||
                st_buf_puts(&b, at + 1) < 0) {
                st_buf_release(&b);
                return NULL;
            }
            return st_buf_detach(&b, NULL);
        }
    }
    return st_strdup(url);
}

/* ---- small file helpers ----------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void unlink_part(fetch *f)
{
    (void)unlink(f->part.ptr);
    (void)unlink(f->meta.ptr);
}

/* fsync the directory that holds `path`, so a rename in it is durable. */
static int sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? st_strndup(path, slash == path ? 1 : (size_t)(slash - path))
              : st_strdup(".");
    int fd, rc = 0;
    if (!dir)
        return ST_ENOMEM;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        rc = ST_EIO;
    if (fd >= 0)
        close(fd);
    st_free(dir);
    return rc;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- the resume record: "<dest>.part.meta" ----------------------------
 *   strata-fetch 1
 *   url <url>
 *   etag <etag>                 (optional)
 *   last-modified <date>        (optional)
 * Written when a 200/206 body starts, removed with the .part. */

static bool strong_etag(const char *etag)
{
    return etag && etag[0] == '"';
}

static bool valid_value(const char *v)
{
    return v && *v && strlen(v) <= MAX_VALIDATOR && !strpbrk(v, "\r\n");
}

static int write_meta(fetch *f)
{
    st_buf b = ST_BUF_INIT(MAX_META);
    int fd = -1, rc = 0;
    bool etag = valid_value(f->etag) && strong_etag(f->etag);
    bool lm = valid_value(f->last_modified);

    if (!etag && !lm) { /* nothing to resume with */
        (void)unlink(f->meta.ptr);
        return 0;
    }
    ST_CHECK(st_buf_printf(&b, META_MAGIC "\nurl %s\n", f->shown_url));
    if (etag)
        ST_CHECK(st_buf_printf(&b, "etag %s\n", f->etag));
    if (lm)
        ST_CHECK(st_buf_printf(&b, "last-modified %s\n", f->last_modified));
    fd = open(f->meta.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, b.ptr, b.len) < 0) {
        rc = ST_EIO;
        goto done;
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc == ST_ELIMIT) { /* a huge URL: just do not resume */
        (void)unlink(f->meta.ptr);
        rc = 0;
    }
    st_buf_release(&b);
    return rc;
}

/* The If-Range value for the saved .part, or NULL when it cannot be
 * resumed. Owned by the caller. */
static char *read_meta(fetch *f)
{
    st_buf b = ST_BUF_INIT(MAX_META);
    char *etag = NULL, *lm = NULL, *out = NULL;
    bool url_ok = false;
    char *line, *next;

    if (st_read_file(&b, f->meta.ptr, MAX_META, NULL) < 0)
        goto done;
    line = b.ptr;
    if (!st_str_startswith(line, META_MAGIC "\n"))
        goto done;
    for (; *line; line = next) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break; /* a torn last line: ignore it */
        *nl = 0;
        next = nl + 1;
        if (st_str_startswith(line, "url "))
            url_ok = !strcmp(line + 4, f->shown_url);
        else if (st_str_startswith(line, "etag "))
            etag = line + 5;
        else if (st_str_startswith(line, "last-modified "))
            lm = line + 14;
    }
    if (!url_ok)
        goto done;
    if (etag && strong_etag(etag) && valid_value(etag))
        out = st_strdup(etag);
    else if (lm && valid_value(lm))
        out = st_strdup(lm);
done:
    st_buf_release(&b);
    return out;
}

/* ---- curl callbacks ---------------------------------------------------- */

static bool body_status(long s)
{
    return s == 200 || s == 206;
}

static char *trimmed_dup(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' ||
                 p[n - 1] == '\n'))
        n--;
    if (n == 0 || n > MAX_VALIDATOR || memchr(p, 0, n))
        return NULL;
    return st_strndup(p, n);
}

static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
    char *e;
    unsigned long long v;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &e, 10);
    if (errno)
        return false;
    *out = v;
    *end = e;
    return true;
}

/* "bytes START-END/TOTAL"; TOTAL is "*" when unknown. */
static void parse_content_range(fetch *f, const char *v)
{
    const char *p;
    uint64_t start, end, total = UINT64_MAX;
    while (*v == ' ')
        v++;
    if (strncasecmp(v, "bytes ", 6))
        return;
    v += 6;
    if (!parse_u64(v, &p, &start) || *p != '-' || !parse_u64(p + 1, &p, &end) ||
        *p != '/' || end < start)
        return;
    if (p[1] != '*' && !parse_u64(p + 1, &p, &total))
        return;
    f->have_crange = true;
    f->crange_start = start;
    f->crange_total = total;
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    fetch *f = ud;
    size_t n = size * nitems;
    const char *colon;
    size_t namelen;

    if (n >= 5 && !memcmp(buf, "HTTP/", 5)) { /* a new response */
        const char *sp = memchr(buf, ' ', n);
        f->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        st_free(f->etag);
        st_free(f->last_modified);
        f->etag = f->last_modified = NULL;
        f->have_clen = f->have_crange = false;
        return n;
    }
    colon = memchr(buf, ':', n);
    if (!colon)
        return n;
    namelen = (size_t)(colon - buf);
    colon++;
    if (namelen == 4 && !strncasecmp(buf, "etag", 4)) {
        st_free(f->etag);
        f->etag = trimmed_dup(colon, n - namelen - 1);
    } else if (namelen == 13 && !strncasecmp(buf, "last-modified", 13)) {
        st_free(f->last_modified);
        f->last_modified = trimmed_dup(colon, n - namelen - 1);
    } else if ((namelen == 14 && !strncasecmp(buf, "content-length", 14)) ||
               (namelen == 13 && !strncasecmp(buf, "content-range", 13))) {
        char *v = trimmed_dup(colon, n - namelen - 1);
        const char *end;
        if (!v)
            return n;
        if (namelen == 13)
            parse_content_range(f, v);
        else if (parse_u64(v, &end, &f->clen) && !*end)
            f->have_clen = true;
        st_free(v);
        /* Refuse a file announced too large before reading any of it. */
        if (body_status(f->status) && f->have_clen) {
            uint64_t base = f->status == 206 ? f->offset : 0;
            if (f->clen > f->max || base + f->clen > f->max) {
                cb_fail(f, ST_ELIMIT,
                        "%s: %llu bytes, larger than the limit of %llu",
                        f->shown_url, (unsigned long long)(base + f->clen),
                        (unsigned long long)f->max);
                f->drop_part = true;
                return 0;
            }
        }
    }
    return n;
}

/* Opens the .part for the body that starts now: truncated for a 200,
 * appended to for a 206 that continues exactly where it ends (its bytes
 * are hashed first). Saves the validators for a later resume. */
static int begin_body(fetch *f)
{
    int rc = 0;
    f->body_started = true;
    st_sha256_reset(f->hash);
    if (f->status == 206) {
        char tmp[65536];
        uint64_t left = f->offset;
        int rfd;
        if (!f->range_sent || !f->have_crange || f->crange_start != f->offset) {
            cb_fail(f, ST_EIO,
                    "%s: the server sent a range that was not asked for",
                    f->shown_url);
            f->drop_part = f->restart = true;
            return ST_EIO;
        }
        rfd = open(f->part.ptr, O_RDONLY | O_CLOEXEC);
        if (rfd < 0)
            goto io_error;
        while (left > 0) {
            ssize_t r = read(rfd, tmp, left < sizeof(tmp) ? left : sizeof(tmp));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(rfd);
                cb_fail(f, ST_EIO, "%s: shorter than expected", f->part.ptr);
                f->drop_part = f->restart = true;
                return ST_EIO;
            }
            st_sha256_update(f->hash, tmp, (size_t)r);
            left -= (uint64_t)r;
        }
        close(rfd);
        f->fd = open(f->part.ptr, O_WRONLY | O_APPEND | O_CLOEXEC);
    } else {
        f->offset = 0;
        f->fd =
            open(f->part.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (f->fd < 0)
        goto io_error;
    if ((rc = write_meta(f)) < 0) {
        cb_fail(f, rc, "%s: %s", f->meta.ptr,
                rc == ST_EIO ? strerror(errno) : st_strerror(rc));
        return rc;
    }
    return 0;
io_error:
    cb_fail(f, ST_EIO, "%s: %s", f->part.ptr, strerror(errno));
    return ST_EIO;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    fetch *f = ud;
    size_t n = size * nmemb;

    if (!body_status(f->status)) { /* an error page: read a little, drop it */
        f->discarded += n;
        if (f->discarded > MAX_ERROR_BODY) {
            f->error_body_cut = true;
            return 0;
        }
        return n;
    }
    if (!f->body_started && begin_body(f) < 0)
        return 0;
    if (f->offset + f->written + n > f->max) {
        cb_fail(f, ST_ELIMIT, "%s: larger than the limit of %llu bytes",
                f->shown_url, (unsigned long long)f->max);
        f->drop_part = true;
        return 0;
    }
    if (write_all(f->fd, ptr, n) < 0) {
        cb_fail(f, ST_EIO, "%s: %s", f->part.ptr, strerror(errno));
        return 0;
    }
    st_sha256_update(f->hash, ptr, n);
    f->written += n;
    return n;
}

static int xferinfo_cb(void *ud,
                       curl_off_t dltotal,
                       curl_off_t dlnow,
                       curl_off_t ultotal,
                       curl_off_t ulnow)
{
    fetch *f = ud;
    uint64_t base, done, total;
    (void)ultotal;
    (void)ulnow;
    if (!f->req->progress || !f->body_started || dlnow < 0)
        return 0;
    base = f->status == 206 ? f->offset : 0;
    done = base + (uint64_t)dlnow;
    total = dltotal > 0 ? base + (uint64_t)dltotal : 0;
    if (done == f->last_done && done != 0)
        return 0;
    f->last_done = done;
    if (f->req->progress(done, total, f->req->progress_payload)) {
        cb_fail(f, ST_EABORT, "%s: download aborted", f->shown_url);
        return 1;
    }
    return 0;
}

/* ---- one attempt -------------------------------------------------------- */


static void reset_attempt(fetch *f)
{
    f->offset = 0;
    f->range_sent = f->cond_sent = false;
    f->status = 0;
    st_free(f->etag);
    st_free(f->last_modified);
    f->etag = f->last_modified = NULL;
    f->have_clen = f->have_crange = false;
    f->body_started = false;
    f->fd = -1;
    f->written = f->discarded = 0;
    f->error_body_cut = false;
    f->last_done = 0;
    f->cb_rc = 0;
    st_buf_reset(&f->cb_msg);
    f->drop_part = f->restart = false;
    f->errbuf[0] = 0;
}

#define SETOPT(h, opt, val)                                                    \
    do {                                                                       \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) {                 \
            rc = fail(o, ST_EIO, false, "%s: libcurl refused option %s",       \
                      f->shown_url, #opt);                                     \
            goto done;                                                         \
        }                                                                      \
    } while (0)

static int attempt(fetch *f, st_fetch_result *res, outcome *o)
{
    const st_fetch_request *req = f->req;
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL, *tmp;
    char *if_range = NULL;
    st_buf line = ST_BUF_INIT(MAX_TEXT), range = ST_BUF_INIT(64),
           ua = ST_BUF_INIT(256);
    struct stat st;
    const char *ca;
    CURLcode cc;
    long code = 0;
    int rc = 0;

    reset_attempt(f);
    o->rc = 0;
    o->transient = o->restart = false;

    /* Resume a .part whose validator was saved beside it. */
    if (stat(f->part.ptr, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if_range = read_meta(f);
        if (if_range && (uint64_t)st.st_size < f->max) {
            f->offset = (uint64_t)st.st_size;
            f->range_sent = true;
        } else {
            unlink_part(f);
        }
    }

#define ADD_HEADER(...)                                                        \
    do {                                                                       \
        st_buf_reset(&line);                                                   \
        if (st_buf_printf(&line, __VA_ARGS__) < 0 ||                           \
            !(tmp = curl_slist_append(hdrs, line.ptr))) {                      \
            rc = fail(o, ST_ENOMEM, false, "out of memory");                   \
            goto done;                                                         \
        }                                                                      \
        hdrs = tmp;                                                            \
    } while (0)

    /* Conditional only when there is a copy that the validators describe. */
    if ((req->etag || req->last_modified) && stat(req->dest, &st) == 0) {
        if (valid_value(req->etag)) {
            ADD_HEADER("If-None-Match: %s", req->etag);
            f->cond_sent = true;
        }
        if (valid_value(req->last_modified)) {
            ADD_HEADER("If-Modified-Since: %s", req->last_modified);
            f->cond_sent = true;
        }
    }
    if (f->range_sent) {
        ADD_HEADER("If-Range: %s", if_range);
        if (st_buf_printf(&range, "%llu-", (unsigned long long)f->offset) < 0) {
            rc = fail(o, ST_ENOMEM, false, "out of memory");
            goto done;
        }
    }
    if (st_buf_printf(&ua, "strata/%s", st_version()) < 0) {
        rc = fail(o, ST_ENOMEM, false, "out of memory");
        goto done;
    }

    if (!(h = curl_easy_init())) {
        rc = fail(o, ST_ENOMEM, false, "%s: curl_easy_init failed",
                  f->shown_url);
        goto done;
    }
    SETOPT(h, CURLOPT_URL, req->url);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_ERRORBUFFER, f->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, f->https ? "https" : "http,https");
#else
    SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SETOPT(
        h, CURLOPT_REDIR_PROTOCOLS,
        (long)(f->https ? CURLPROTO_HTTPS : CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(h, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if ((ca = getenv("STRATA_CA_BUNDLE")) && *ca)
        SETOPT(h, CURLOPT_CAINFO, ca);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT,
           req->connect_timeout_s > 0 ? req->connect_timeout_s
                                      : DEFAULT_CONNECT_TIMEOUT);
    SETOPT(h, CURLOPT_LOW_SPEED_LIMIT,
           req->low_speed_bytes > 0 ? req->low_speed_bytes
                                    : DEFAULT_LOW_SPEED_BYTES);
    SETOPT(h, CURLOPT_LOW_SPEED_TIME,
           req->low_speed_time_s > 0 ? req->low_speed_time_s
                                     : DEFAULT_LOW_SPEED_TIME);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_USERAGENT, ua.ptr);
    if (hdrs)
        SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
    if (f->range_sent)
        SETOPT(h, CURLOPT_RANGE, range.ptr);
    SETOPT(h, CURLOPT_HEADERFUNCTION, header_cb);
    SETOPT(h, CURLOPT_HEADERDATA, f);
    SETOPT(h, CURLOPT_WRITEFUNCTION, write_cb);
    SETOPT(h, CURLOPT_WRITEDATA, f);
    SETOPT(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    SETOPT(h, CURLOPT_XFERINFODATA, f);
    SETOPT(h, CURLOPT_NOPROGRESS, 0L);

    cc = curl_easy_perform(h);
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);

    if (f->cb_rc < 0) { /* limit, local I/O, abort, bad range */
        if (f->drop_part)
            unlink_part(f);
        o->restart = f->restart;
        rc = fail(o, f->cb_rc, false, "%s", f->cb_msg.ptr);
        goto done;
    }
    if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && f->error_body_cut)) {
        const char *why = f->errbuf[0] ? f->errbuf : curl_easy_strerror(cc);
        size_t wl = strlen(why);
        while (wl && (why[wl - 1] == '\n' || why[wl - 1] == '\r'))
            wl--;
        if (cc == CURLE_UNSUPPORTED_PROTOCOL && f->https) {
            char *to = NULL, *shown = NULL;
            (void)curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &to);
            shown = redact_url(to ? to : "?");
            rc = fail(o, ST_EIO, false,
                      "%s: redirect to %s refused (an https download "
                      "follows only https)",
                      f->shown_url, shown ? shown : "?");
            st_free(shown);
        } else {
            rc = fail(o, ST_EIO, st_curl_transient(cc), "%s: %.*s",
                      f->shown_url, (int)wl, why);
        }
        goto done;
    }

    if (code == 304) {
        if (!f->cond_sent) {
            rc = fail(o, ST_EIO, false,
                      "%s: HTTP 304 to a request that was not conditional",
                      f->shown_url);
            goto done;
        }
        /* The copy at dest is current; a .part of another version is not. */
        unlink_part(f);
        res->status = ST_FETCH_NOT_MODIFIED;
        res->http_status = code;
        res->etag = st_steal(&f->etag);
        res->last_modified = st_steal(&f->last_modified);
        if (!res->etag && req->etag && !(res->etag = st_strdup(req->etag)))
            rc = fail(o, ST_ENOMEM, false, "out of memory");
        if (!res->last_modified && req->last_modified &&
            !(res->last_modified = st_strdup(req->last_modified)))
            rc = fail(o, ST_ENOMEM, false, "out of memory");
        goto done;
    }
    if (code == 416 && f->range_sent) { /* the .part no longer fits */
        unlink_part(f);
        o->restart = true;
        rc = fail(o, ST_EIO, false, "%s: HTTP 416", f->shown_url);
        goto done;
    }
    if (code == 429 || code >= 500) {
        rc = fail(o, ST_EIO, true, "%s: HTTP %ld", f->shown_url, code);
        goto done;
    }
    if (code >= 400) {
        rc = fail(o, ST_EIO, false, "%s: HTTP %ld", f->shown_url, code);
        goto done;
    }
    if (!body_status(code)) {
        rc = fail(o, ST_EIO, false, "%s: HTTP %ld (expected 200)", f->shown_url,
                  code);
        goto done;
    }

    /* 200 or 206, complete: make it durable, then the new dest. */
    if (!f->body_started && begin_body(f) < 0) { /* an empty body */
        if (f->drop_part)
            unlink_part(f);
        o->restart = f->restart;
        rc = fail(o, f->cb_rc, false, "%s", f->cb_msg.ptr);
        goto done;
    }
    if ((f->have_clen && f->written != f->clen) ||
        (code == 206 && f->crange_total != UINT64_MAX &&
         f->offset + f->written != f->crange_total)) {
        rc = fail(o, ST_EIO, true, "%s: incomplete body (%llu bytes)",
                  f->shown_url, (unsigned long long)(f->offset + f->written));
        goto done;
    }
    if (fsync(f->fd) < 0 || close(f->fd) < 0) {
        f->fd = -1;
        rc = fail(o, ST_EIO, false, "%s: %s", f->part.ptr, strerror(errno));
        goto done;
    }
    f->fd = -1;
    if (rename(f->part.ptr, req->dest) < 0) {
        rc = fail(o, ST_EIO, false, "%s: %s", req->dest, strerror(errno));
        goto done;
    }
    (void)unlink(f->meta.ptr);
    (void)sync_parent(req->dest);
    res->status = ST_FETCH_DOWNLOADED;
    res->http_status = code;
    res->bytes = f->offset + f->written;
    res->resumed_from = code == 206 ? f->offset : 0;
    st_sha256_final(f->hash, res->sha256);
    res->etag = st_steal(&f->etag);
    res->last_modified = st_steal(&f->last_modified);

done:
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    st_free(if_range);
    st_buf_release(&line);
    st_buf_release(&range);
    st_buf_release(&ua);
    return rc;
}

/* ---- the entry point ----------------------------------------------------- */

void st_fetch_result_release(st_fetch_result *res)
{
    if (!res)
        return;
    st_free(res->etag);
    st_free(res->last_modified);
    res->etag = res->last_modified = NULL;
}

int st_fetch(const st_fetch_request *req, st_fetch_result *res, st_error **err)
{
    fetch f;
    outcome o = {0, false, false, ST_BUF_INIT(MAX_TEXT)};
    unsigned tries, delay, attempts = 0, restarts = 0;
    struct stat st;
    int rc = 0;

    memset(&f, 0, sizeof(f));
    f.fd = -1;
    st_buf_init(&f.part, MAX_TEXT);
    st_buf_init(&f.meta, MAX_TEXT);
    st_buf_init(&f.cb_msg, MAX_TEXT);
    if (res)
        memset(res, 0, sizeof(*res));
    if (!req || !res || !req->url || !req->dest || !*req->dest)
        return st_error_set(
            err, ST_EUSAGE, MODULE,
            "fetch: a request needs a url, a dest and a result");
    if (strncasecmp(req->url, "http://", 7) &&
        strncasecmp(req->url, "https://", 8))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: only http:// and https:// URLs can be fetched",
                            req->url);
    if ((rc = st_curl_init(MODULE, err)) < 0)
        return rc;

    f.req = req;
    f.https = !strncasecmp(req->url, "https://", 8);
    f.max = req->max_bytes ? req->max_bytes : ST_FETCH_DEFAULT_MAX_BYTES;
    if (!(f.shown_url = redact_url(req->url)) || !(f.hash = st_sha256_new()) ||
        st_buf_printf(&f.part, "%s.part", req->dest) < 0 ||
        st_buf_printf(&f.meta, "%s.part.meta", req->dest) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    if (stat(req->dest, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = st_error_set(err, ST_EUSAGE, MODULE, "%s: is a directory",
                          req->dest);
        goto done;
    }

    tries = req->tries ? req->tries : DEFAULT_TRIES;
    delay = req->retry_delay_ms ? req->retry_delay_ms : DEFAULT_RETRY_DELAY_MS;
    for (unsigned n = 1;;) {
        rc = attempt(&f, res, &o);
        attempts++;
        if (rc == 0 || rc == ST_ENOMEM)
            break;
        if (o.restart && restarts++ == 0)
            continue; /* once, at once, without the stale .part */
        if (!o.transient || n >= tries)
            break;
        sleep_ms(delay);
        delay = delay > UINT32_MAX / 2 ? delay : delay * 2;
        n++;
    }
    res->attempts = attempts;
    if (rc < 0) {
        /* A .part nobody can resume is litter. */
        if (access(f.meta.ptr, F_OK) < 0)
            (void)unlink(f.part.ptr);
        st_fetch_result_release(res);
        if (attempts > 1)
            rc = st_error_set(err, rc, MODULE, "%s (%u tries)", o.msg.ptr,
                              attempts);
        else
            rc = st_error_set(err, rc, MODULE, "%s", o.msg.ptr);
    }
done:
    st_free(f.shown_url);
    st_free(f.etag);
    st_free(f.last_modified);
    st_sha256_free(f.hash);
    st_buf_release(&f.part);
    st_buf_release(&f.meta);
    st_buf_release(&f.cb_msg);
    st_buf_release(&o.msg);
    return rc;
}
