/* vulndb/fetch: downloads against a real HTTP server on 127.0.0.1
 * (tests/fixtures/http-server.py): plain and conditional GETs, resumed
 * downloads, retries, HTTP and network errors, the size limit, redirects,
 * TLS verification, progress and concurrent use. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/util.h"
#include "vulndb/fetch.h"

#define SERVER_SCRIPT ST_TEST_DATA "/../fixtures/http-server.py"
#define MAX_READ      ((size_t)64 << 20)

typedef struct server {
    pid_t pid;
    int port;
    char portfile[512];
} server;

static struct {
    char dir[256];  /* scratch */
    char root[512]; /* served */
    char out[512];  /* destinations */
    char log[512];  /* the server's request log */
    server http;
    server tls; /* started by the https case; stopped in teardown too */
} S;

/* ---- helpers ------------------------------------------------------------ */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *pathf(const char *fmt, ...) ST_PRINTF(1, 2);
static char *pathf(const char *fmt, ...)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(bufs[0]), fmt, ap);
    va_end(ap);
    return b;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* A served file of n pseudo-random bytes; the caller frees the copy. */
static char *make_file(const char *name, size_t n, uint32_t seed)
{
    char *data = st_malloc(n ? n : 1);
    uint32_t x = seed ? seed : 1;
    assert_non_null(data);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (char)(x >> 24);
    }
    write_file(pathf("%s/%s", S.root, name), data, n);
    return data;
}

static void assert_file_equals(const char *path, const char *data, size_t n)
{
    st_buf b = ST_BUF_INIT(MAX_READ);
    assert_int_equal(st_read_file(&b, path, MAX_READ, NULL), 0);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.ptr, data, n);
    st_buf_release(&b);
}

static const char *url_on(int port, const char *rest)
{
    return pathf("http://127.0.0.1:%d/%s", port, rest);
}

static const char *url(const char *rest)
{
    return url_on(S.http.port, rest);
}

static const char *dest(const char *name)
{
    return pathf("%s/%s", S.out, name);
}

/* The log lines of the requests for `path` (exactly, query included), in
 * order; returns how many, fills up to `max` st_malloc'd lines. */
static size_t requests(const char *path, char **lines, size_t max)
{
    st_buf b = ST_BUF_INIT(MAX_READ);
    char needle[1024];
    size_t n = 0;
    snprintf(needle, sizeof(needle), "\"path\": \"/%s\"", path);
    assert_int_equal(st_read_file(&b, S.log, MAX_READ, NULL), 0);
    for (char *line = b.ptr, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = 0;
        if (strstr(line, needle)) {
            if (n < max)
                lines[n] = st_strdup(line);
            n++;
        }
    }
    st_buf_release(&b);
    return n;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        st_free(lines[i]);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static int start_server(server *s, const char *tls_cert, const char *tls_key)
{
    static int count;
    snprintf(s->portfile, sizeof(s->portfile), "%s/port.%d", S.dir, count++);
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        /* Dies with the test, even when the test crashes. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (tls_cert)
            execlp("python3", "python3", SERVER_SCRIPT, "--root", S.root,
                   "--port-file", s->portfile, "--log", S.log, "--timeout",
                   "120", "--tls", tls_cert, tls_key, (char *)NULL);
        else
            execlp("python3", "python3", SERVER_SCRIPT, "--root", S.root,
                   "--port-file", s->portfile, "--log", S.log, "--timeout",
                   "120", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) { /* up to 10 s */
        st_buf b = ST_BUF_INIT(64);
        int status;
        if (st_read_file(&b, s->portfile, 64, NULL) == 0 && b.len > 0) {
            s->port = (int)strtol(b.ptr, NULL, 10);
            st_buf_release(&b);
            return s->port > 0 ? 0 : -1;
        }
        st_buf_release(&b);
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = -1;
            return -1;
        }
        usleep(20000);
    }
    return -1;
}

static void stop_server(server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = -1;
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(S.dir, sizeof(S.dir), "%s/strata-fetch.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(S.dir))
        return -1;
    snprintf(S.root, sizeof(S.root), "%s/root", S.dir);
    snprintf(S.out, sizeof(S.out), "%s/out", S.dir);
    snprintf(S.log, sizeof(S.log), "%s/requests.log", S.dir);
    if (mkdir(S.root, 0755) < 0 || mkdir(S.out, 0755) < 0)
        return -1;
    /* 127.0.0.1 must be reached directly, whatever the environment says. */
    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    unsetenv("STRATA_CA_BUNDLE");
    write_file(S.log, "", 0);
    if (start_server(&S.http, NULL, NULL) < 0) {
        fprintf(stderr, "could not start %s\n", SERVER_SCRIPT);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop_server(&S.http);
    stop_server(&S.tls);
    if (S.dir[0])
        nftw(S.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* A request with fast retries (the backoff itself is tested once). */
static st_fetch_request request(const char *u, const char *d)
{
    st_fetch_request r = ST_FETCH_REQUEST_INIT;
    r.url = u;
    r.dest = d;
    r.retry_delay_ms = 10;
    return r;
}

/* ---- cases -------------------------------------------------------------- */

static void test_vulndb__fetch_plain(void **state)
{
    (void)state;
    size_t n = 300000;
    char *data = make_file("plain.bin", n, 1);
    char want[72], *lines[4], ua[64];
    st_fetch_request req = request(url("plain.bin"), dest("plain.bin"));
    st_fetch_result res;
    st_error *err = NULL;

    assert_int_equal(st_fetch(&req, &res, &err), 0);
    assert_null(err);
    assert_int_equal(res.status, ST_FETCH_DOWNLOADED);
    assert_int_equal(res.http_status, 200);
    assert_int_equal(res.bytes, n);
    assert_int_equal(res.attempts, 1);
    assert_int_equal(res.resumed_from, 0);
    st_sha256_hex(data, n, want);
    assert_string_equal(res.sha256, want);
    assert_non_null(res.etag);
    assert_true(res.etag[0] == '"');
    assert_non_null(res.last_modified);
    assert_file_equals(req.dest, data, n);
    assert_false(exists(dest("plain.bin.part")));
    assert_false(exists(dest("plain.bin.part.meta")));

    assert_int_equal(requests("plain.bin", lines, 4), 1);
    snprintf(ua, sizeof(ua), "\"user_agent\": \"strata/%s\"", st_version());
    assert_contains(lines[0], ua);
    assert_contains(lines[0], "\"range\": null");
    free_lines(lines, 1);
    st_fetch_result_release(&res);
    st_free(data);
}

static void test_vulndb__fetch_not_modified(void **state)
{
    (void)state;
    size_t n = 5000;
    char *data = make_file("cond.bin", n, 2);
    st_fetch_request req = request(url("cond.bin"), dest("cond.bin"));
    st_fetch_result first, res;
    struct stat before, after;
    char *lines[8];

    assert_int_equal(st_fetch(&req, &first, NULL), 0);
    assert_int_equal(stat(req.dest, &before), 0);

    /* ETag and Last-Modified: If-None-Match answers. */
    req.etag = first.etag;
    req.last_modified = first.last_modified;
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_int_equal(res.status, ST_FETCH_NOT_MODIFIED);
    assert_int_equal(res.http_status, 304);
    assert_int_equal(res.bytes, 0);
    assert_string_equal(res.sha256, "");
    assert_string_equal(res.etag, first.etag);
    assert_string_equal(res.last_modified, first.last_modified);
    st_fetch_result_release(&res);

    /* Last-Modified alone: If-Modified-Since answers. */
    req.etag = NULL;
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_int_equal(res.status, ST_FETCH_NOT_MODIFIED);
    st_fetch_result_release(&res);

    assert_int_equal(stat(req.dest, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_file_equals(req.dest, data, n);

    assert_int_equal(requests("cond.bin", lines, 8), 3);
    assert_contains(lines[1], first.etag[0] == '"' ? "\"if_none_match\": \"\\\""
                                                   : "if_none_match");
    assert_contains(lines[1], "\"status\": 304");
    assert_contains(lines[2], "\"if_none_match\": null");
    assert_contains(lines[2], "\"if_modified_since\": \"");
    assert_contains(lines[2], "\"status\": 304");
    free_lines(lines, 3);

    /* Validators without the copy they describe: no conditional GET. */
    assert_int_equal(unlink(req.dest), 0);
    req.etag = first.etag;
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_int_equal(res.status, ST_FETCH_DOWNLOADED);
    assert_file_equals(req.dest, data, n);
    assert_int_equal(requests("cond.bin", lines, 8), 4);
    assert_contains(lines[3], "\"if_none_match\": null");
    free_lines(lines, 4);
    st_fetch_result_release(&res);
    st_fetch_result_release(&first);
    st_free(data);
}

/* The connection drops after 70000 bytes; the retry continues the .part
 * with a range request inside the same call. */
static void test_vulndb__fetch_resume_retry(void **state)
{
    (void)state;
    size_t n = 200000;
    char *data = make_file("resume1.bin", n, 3);
    const char *path = "resume1.bin?cut=70000";
    st_fetch_request req = request(url(path), dest("resume1.bin"));
    st_fetch_result res;
    char want[72], *lines[4], ifr[128];

    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_int_equal(res.status, ST_FETCH_DOWNLOADED);
    assert_int_equal(res.http_status, 206);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(res.resumed_from, 70000);
    assert_int_equal(res.bytes, n);
    st_sha256_hex(data, n, want);
    assert_string_equal(res.sha256, want);
    assert_file_equals(req.dest, data, n);
    assert_false(exists(dest("resume1.bin.part")));
    assert_false(exists(dest("resume1.bin.part.meta")));

    assert_int_equal(requests(path, lines, 4), 2);
    assert_contains(lines[0], "\"range\": null");
    assert_contains(lines[0], "\"cut\": 70000");
    assert_contains(lines[1], "\"range\": \"bytes=70000-\"");
    assert_contains(lines[1], "\"status\": 206");
    snprintf(ifr, sizeof(ifr), "\"if_range\": \"\\\"%.*s\\\"\"",
             (int)strlen(res.etag) - 2, res.etag + 1);
    assert_contains(lines[1], ifr);
    free_lines(lines, 2);
    st_fetch_result_release(&res);
    st_free(data);
}

/* An interrupted run leaves .part and .part.meta; the next run resumes,
 * with the ETag or, when the server sends none, the Last-Modified date. */
static void test_vulndb__fetch_resume_next_run(void **state)
{
    (void)state;
    static const struct {
        const char *file, *query, *if_range;
    } cases[] = {
        {"resume2.bin", "?cut=50000", "\"if_range\": \"\\\""},
        {"resume3.bin", "?cut=50000&noetag=1", " GMT\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = 120000;
        char *data = make_file(cases[i].file, n, 4 + (uint32_t)i);
        char path[128], *lines[4];
        st_fetch_request req;
        st_fetch_result res;
        st_error *err = NULL;

        snprintf(path, sizeof(path), "%s%s", cases[i].file, cases[i].query);
        req = request(url(path), dest(cases[i].file));
        req.tries = 1;
        assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
        assert_true(st_str_startswith(st_error_message(err), req.url));
        st_error_free(err);
        err = NULL;
        assert_false(exists(req.dest));
        assert_int_equal(file_size(pathf("%s.part", req.dest)), 50000);
        assert_true(exists(pathf("%s.part.meta", req.dest)));

        assert_int_equal(st_fetch(&req, &res, &err), 0);
        assert_int_equal(res.resumed_from, 50000);
        assert_int_equal(res.http_status, 206);
        assert_file_equals(req.dest, data, n);
        assert_false(exists(pathf("%s.part", req.dest)));
        assert_false(exists(pathf("%s.part.meta", req.dest)));
        assert_int_equal(requests(path, lines, 4), 2);
        assert_contains(lines[1], "\"range\": \"bytes=50000-\"");
        assert_contains(lines[1], cases[i].if_range);
        free_lines(lines, 2);
        st_fetch_result_release(&res);
        st_free(data);
    }
}

/* The file changed on the server since the .part was written: If-Range no
 * longer matches, the server sends all of it (200) and we start over. */
static void test_vulndb__fetch_resume_changed(void **state)
{
    (void)state;
    size_t n = 100000;
    char *old = make_file("changed.bin", n, 6), *now;
    const char *path = "changed.bin?cut=40000";
    st_fetch_request req = request(url(path), dest("changed.bin"));
    st_fetch_result res;
    char want[72], *lines[4];

    req.tries = 1;
    assert_int_equal(st_fetch(&req, &res, NULL), ST_EIO);
    assert_int_equal(file_size(pathf("%s.part", req.dest)), 40000);

    now = make_file("changed.bin", n + 777, 7);
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_int_equal(res.http_status, 200);
    assert_int_equal(res.resumed_from, 0);
    assert_int_equal(res.bytes, n + 777);
    st_sha256_hex(now, n + 777, want);
    assert_string_equal(res.sha256, want);
    assert_file_equals(req.dest, now, n + 777);

    assert_int_equal(requests(path, lines, 4), 2);
    assert_contains(lines[1], "\"range\": \"bytes=40000-\"");
    assert_contains(lines[1], "\"status\": 200");
    free_lines(lines, 2);
    st_fetch_result_release(&res);
    st_free(old);
    st_free(now);
}

/* 503 twice, then the file; the backoff doubles. 429 is retried too. */
static void test_vulndb__fetch_retry(void **state)
{
    (void)state;
    size_t n = 1000;
    char *data = make_file("retry.bin", n, 8), *lines[4];
    st_fetch_request req = request(url("retry.bin?fail=2"), dest("retry.bin"));
    st_fetch_result res;
    struct timespec t0, t1;
    long ms;

    req.retry_delay_ms = 100;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 300); /* 100 + 200 */
    assert_int_equal(res.attempts, 3);
    assert_file_equals(req.dest, data, n);
    assert_int_equal(requests("retry.bin?fail=2", lines, 4), 3);
    assert_contains(lines[0], "\"status\": 503");
    assert_contains(lines[1], "\"status\": 503");
    assert_contains(lines[2], "\"status\": 200");
    free_lines(lines, 3);
    st_fetch_result_release(&res);

    req.url = url("retry.bin?fail=1&status=429");
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_int_equal(res.attempts, 2);
    st_fetch_result_release(&res);
    st_free(data);
}

/* Always 503: three tries, then one line naming the URL and the status;
 * the copy already at dest is untouched. */
static void test_vulndb__fetch_retry_exhausted(void **state)
{
    (void)state;
    char *data = make_file("down.bin", 100, 9), *lines[8];
    st_fetch_request req = request(url("down.bin?fail=99"), dest("down.bin"));
    st_fetch_result res;
    st_error *err = NULL;

    write_file(req.dest, "old copy", 8);
    assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
    assert_string_equal(st_error_message(err),
                        pathf("%s: HTTP 503 (3 tries)", req.url));
    assert_int_equal(res.attempts, 3);
    assert_null(res.etag);
    assert_int_equal(requests("down.bin?fail=99", lines, 8), 3);
    free_lines(lines, 3);
    assert_file_equals(req.dest, "old copy", 8);
    assert_false(exists(pathf("%s.part", req.dest)));
    st_error_free(err);
    st_free(data);
}

static void test_vulndb__fetch_http_404(void **state)
{
    (void)state;
    st_fetch_request req = request(url("Debian/all.zip"), dest("all.zip"));
    st_fetch_result res;
    st_error *err = NULL;
    char *lines[4];

    assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
    assert_int_equal(st_error_code(err), ST_EIO);
    assert_string_equal(st_error_message(err), pathf("%s: HTTP 404", req.url));
    assert_int_equal(res.attempts, 1); /* not retried */
    assert_int_equal(requests("Debian/all.zip", lines, 4), 1);
    free_lines(lines, 1);
    assert_false(exists(req.dest));
    assert_false(exists(pathf("%s.part", req.dest)));
    st_error_free(err);
}

/* Nothing listens on the port: curl's text, the URL, no retries. */
static void test_vulndb__fetch_refused(void **state)
{
    (void)state;
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    st_fetch_request req;
    st_fetch_result res;
    st_error *err = NULL;
    const char *msg;

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    port = ntohs(sa.sin_port);
    close(fd); /* bound, never listened: now nothing is there */

    req = request(url_on(port, "x.zip"), dest("refused.zip"));
    assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
    msg = st_error_message(err);
    assert_true(st_str_startswith(msg, pathf("%s: ", req.url)));
    if (!strstr(msg, "onnect") && !strstr(msg, "refused"))
        fail_msg("not a connection error: %s", msg);
    assert_null(strchr(msg, '\n'));
    assert_int_equal(res.attempts, 1);
    assert_false(exists(req.dest));
    st_error_free(err);
}

/* Larger than max_bytes: ST_ELIMIT and nothing kept, whether the size is
 * announced (Content-Length) or found while reading. */
static void test_vulndb__fetch_max_size(void **state)
{
    (void)state;
    size_t n = 5000;
    char *data = make_file("big.bin", n, 10);
    const char *paths[] = {"big.bin", "big.bin?nolength=1"};
    st_fetch_request req;
    st_fetch_result res;
    st_error *err = NULL;

    for (size_t i = 0; i < 2; i++) {
        req = request(url(paths[i]), dest("big.bin"));
        req.max_bytes = 1000;
        assert_int_equal(st_fetch(&req, &res, &err), ST_ELIMIT);
        assert_true(st_str_startswith(st_error_message(err), req.url));
        assert_int_equal(res.attempts, 1);
        st_error_free(err);
        err = NULL;
        assert_false(exists(req.dest));
        assert_false(exists(pathf("%s.part", req.dest)));
        assert_false(exists(pathf("%s.part.meta", req.dest)));

        req.max_bytes = n; /* exactly the limit is fine */
        assert_int_equal(st_fetch(&req, &res, NULL), 0);
        assert_file_equals(req.dest, data, n);
        st_fetch_result_release(&res);
        assert_int_equal(unlink(req.dest), 0);
    }
    st_free(data);
}

static void test_vulndb__fetch_redirect(void **state)
{
    (void)state;
    size_t n = 3000;
    char *data = make_file("target.bin", n, 11), *lines[8];
    st_fetch_request req =
        request(url("moved.bin?redirect=/target.bin"), dest("target.bin"));
    st_fetch_result res;
    st_error *err = NULL;

    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_file_equals(req.dest, data, n);
    st_fetch_result_release(&res);

    req = request(url("loop.bin?redirect=self"), dest("loop.bin"));
    assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
    assert_true(st_str_startswith(st_error_message(err), req.url));
    assert_contains(st_error_message(err), "edirect");
    assert_int_equal(requests("loop.bin?redirect=self", lines, 8), 6);
    free_lines(lines, 6);
    assert_false(exists(req.dest));
    st_error_free(err);
    st_free(data);
}

static void test_vulndb__fetch_bad_request(void **state)
{
    (void)state;
    static const char *const bad[] = {"ftp://127.0.0.1/x", "file:///etc/passwd",
                                      "gopher://x/", "127.0.0.1/x", ""};
    st_fetch_request req;
    st_fetch_result res;
    st_error *err = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        req = request(bad[i], dest("bad.bin"));
        assert_int_equal(st_fetch(&req, &res, &err), ST_EUSAGE);
        st_error_free(err);
        err = NULL;
    }
    req = request(url("plain.bin"), NULL);
    assert_int_equal(st_fetch(&req, &res, NULL), ST_EUSAGE);
    req = request(url("plain.bin"), S.out); /* a directory */
    assert_int_equal(st_fetch(&req, &res, NULL), ST_EUSAGE);
    assert_int_equal(st_fetch(NULL, &res, NULL), ST_EUSAGE);
    assert_false(exists(dest("bad.bin")));
}

typedef struct progress_log {
    uint64_t calls, last_done, last_total;
    bool monotonic;
    uint64_t stop_after; /* calls; 0: never */
} progress_log;

static int on_progress(uint64_t done, uint64_t total, void *payload)
{
    progress_log *p = payload;
    if (done < p->last_done)
        p->monotonic = false;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    return p->stop_after && p->calls >= p->stop_after;
}

static void test_vulndb__fetch_progress(void **state)
{
    (void)state;
    size_t n = 2u << 20;
    char *data = make_file("progress.bin", n, 12);
    st_fetch_request req = request(url("progress.bin"), dest("progress.bin"));
    st_fetch_result res;
    progress_log p = {0, 0, 0, true, 0};
    st_error *err = NULL;

    req.progress = on_progress;
    req.progress_payload = &p;
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_true(p.calls >= 1);
    assert_true(p.monotonic);
    assert_int_equal(p.last_done, n);
    assert_int_equal(p.last_total, n);
    st_fetch_result_release(&res);
    assert_int_equal(unlink(req.dest), 0);

    /* Stopping: ST_EABORT, no dest, the .part kept for a later resume. */
    memset(&p, 0, sizeof(p));
    p.monotonic = true;
    p.stop_after = 1;
    assert_int_equal(st_fetch(&req, &res, &err), ST_EABORT);
    assert_int_equal(res.attempts, 1);
    assert_false(exists(req.dest));
    assert_true(exists(pathf("%s.part", req.dest)));
    assert_true(exists(pathf("%s.part.meta", req.dest)));
    st_error_free(err);

    /* ... which the next call continues. */
    req.progress = NULL;
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_file_equals(req.dest, data, n);
    st_fetch_result_release(&res);
    st_free(data);
}

/* Allocation failures anywhere (STYLE §10): each one is ST_ENOMEM or, where
 * only a nicety is lost (a validator header), still a correct file; no
 * crash, no leak (the ASan build checks the latter). */
static void test_vulndb__fetch_alloc_failures(void **state)
{
    (void)state;
    size_t n = 20000;
    char *data = make_file("torture.bin", n, 40);
    st_fetch_request req = request(url("torture.bin"), dest("torture.bin"));
    st_fetch_result res;
    unsigned ok = 0;

    for (long i = 1; i <= 120; i++) {
        st_error *err = NULL;
        int rc;
        st_alloc_fail_after(i);
        rc = st_fetch(&req, &res, &err);
        st_alloc_fail_after(0);
        if (rc != 0 && rc != ST_ENOMEM)
            fail_msg("allocation %ld: rc %d (%s)", i, rc,
                     st_error_message(err));
        if (rc == 0) {
            ok++;
            assert_file_equals(req.dest, data, n);
            assert_int_equal(unlink(req.dest), 0);
        } else {
            assert_int_equal(st_error_code(err), ST_ENOMEM);
            assert_false(exists(req.dest));
        }
        st_fetch_result_release(&res);
        st_error_free(err);
    }
    assert_true(ok > 0); /* past the last allocation, it works */
    st_free(data);
}

typedef struct job {
    char name[32];
    char *data;
    size_t n;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    char u[128], d[1024];
    st_fetch_request req;
    st_fetch_result res;
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/%s", S.http.port, j->name);
    snprintf(d, sizeof(d), "%s/%s", S.out, j->name);
    req = request(u, d);
    j->rc = st_fetch(&req, &res, NULL);
    if (j->rc == 0 && res.bytes != j->n)
        j->rc = -100;
    st_fetch_result_release(&res);
    return NULL;
}

/* Several threads at once, each with its own file (the first call in the
 * process may be any of them: curl_global_init runs once). */
static void test_vulndb__fetch_threads(void **state)
{
    (void)state;
    job jobs[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        snprintf(jobs[i].name, sizeof(jobs[i].name), "thread%d.bin", i);
        jobs[i].n = 100000 + (size_t)i * 1000;
        jobs[i].data = make_file(jobs[i].name, jobs[i].n, 20 + (uint32_t)i);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &jobs[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].rc, 0);
        assert_file_equals(dest(jobs[i].name), jobs[i].data, jobs[i].n);
        st_free(jobs[i].data);
    }
}

static int run(const char *prog, char *const argv[])
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(prog, argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* TLS: a server with a self-signed certificate is refused unless
 * STRATA_CA_BUNDLE names that certificate; https never redirects to http. */
static void test_vulndb__fetch_https(void **state)
{
    (void)state;
    char cert[600], key[600], *lines[2];
    char *argv[] = {"openssl",  "req",
                    "-x509",    "-newkey",
                    "rsa:2048", "-nodes",
                    "-days",    "1",
                    "-subj",    "/CN=127.0.0.1",
                    "-addext",  "subjectAltName=IP:127.0.0.1",
                    "-keyout",  key,
                    "-out",     cert,
                    NULL};
    size_t n = 4000;
    char *data = make_file("tls.bin", n, 30);
    st_fetch_request req;
    st_fetch_result res;
    st_error *err = NULL;
    const char *u;

    snprintf(cert, sizeof(cert), "%s/cert.pem", S.dir);
    snprintf(key, sizeof(key), "%s/key.pem", S.dir);
    if (run("openssl", argv) != 0) {
        st_free(data);
        skip(); /* no openssl CLI: say so rather than pass silently */
    }
    assert_int_equal(start_server(&S.tls, cert, key), 0);

    /* Not trusted. */
    u = pathf("https://127.0.0.1:%d/tls.bin", S.tls.port);
    req = request(u, dest("tls.bin"));
    assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
    assert_true(st_str_startswith(st_error_message(err), u));
    assert_contains(st_error_message(err), "certificate");
    assert_int_equal(res.attempts, 1);
    assert_false(exists(req.dest));
    st_error_free(err);
    err = NULL;

    /* Trusted through STRATA_CA_BUNDLE. */
    setenv("STRATA_CA_BUNDLE", cert, 1);
    assert_int_equal(st_fetch(&req, &res, NULL), 0);
    assert_file_equals(req.dest, data, n);
    st_fetch_result_release(&res);

    /* https -> http is refused, even to a file that exists. */
    u = pathf("https://127.0.0.1:%d/down.bin?redirect=http://127.0.0.1:%d/"
              "tls.bin",
              S.tls.port, S.http.port);
    req = request(u, dest("downgrade.bin"));
    assert_int_equal(st_fetch(&req, &res, &err), ST_EIO);
    assert_true(st_str_startswith(st_error_message(err), u));
    assert_contains(st_error_message(err), "refused");
    assert_false(exists(req.dest));
    assert_int_equal(requests("tls.bin", lines, 2), 1); /* never reached */
    free_lines(lines, 1);
    st_error_free(err);
    unsetenv("STRATA_CA_BUNDLE");
    stop_server(&S.tls);
    st_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vulndb__fetch_plain),
        cmocka_unit_test(test_vulndb__fetch_not_modified),
        cmocka_unit_test(test_vulndb__fetch_resume_retry),
        cmocka_unit_test(test_vulndb__fetch_resume_next_run),
        cmocka_unit_test(test_vulndb__fetch_resume_changed),
        cmocka_unit_test(test_vulndb__fetch_retry),
        cmocka_unit_test(test_vulndb__fetch_retry_exhausted),
        cmocka_unit_test(test_vulndb__fetch_http_404),
        cmocka_unit_test(test_vulndb__fetch_refused),
        cmocka_unit_test(test_vulndb__fetch_max_size),
        cmocka_unit_test(test_vulndb__fetch_redirect),
        cmocka_unit_test(test_vulndb__fetch_bad_request),
        cmocka_unit_test(test_vulndb__fetch_progress),
        cmocka_unit_test(test_vulndb__fetch_alloc_failures),
        cmocka_unit_test(test_vulndb__fetch_threads),
        cmocka_unit_test(test_vulndb__fetch_https),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
