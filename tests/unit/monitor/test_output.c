/* The monitor's outputs: the alert JSON line (Falco's shape, container
 * fields, host events, hostile bytes), the Prometheus text file, and the
 * webhook thread against a small HTTP server on 127.0.0.1 that fails on
 * purpose (retries, a queue that never blocks the caller). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "monitor/output.h"

static void make_event(st_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = ST_EV_EXECVE;
    ev->ts_ns = 1700000000123456789ull;
    ev->pid = 4242;
    ev->ppid = 4200;
    ev->uid = 0;
    snprintf(ev->comm, sizeof(ev->comm), "sh");
    snprintf(ev->pcomm, sizeof(ev->pcomm), "bash");
    snprintf(ev->exe, sizeof(ev->exe), "/bin/sh");
    snprintf(ev->args, sizeof(ev->args), "-c id");
    snprintf(ev->container_id, sizeof(ev->container_id),
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    snprintf(ev->container_name, sizeof(ev->container_name), "web-1");
    snprintf(ev->image, sizeof(ev->image), "nginx:1.27");
    snprintf(ev->runtime, sizeof(ev->runtime), "runc");
}

/* Formats al and parses the line back; the line must end in one newline
 * and hold no other. */
static json_t *format(const st_alerts *a, const st_alert *al)
{
    st_buf b = ST_BUF_INIT(1u << 20);
    json_error_t je;
    json_t *j;

    assert_int_equal(st_alerts_format(a, al, &b), 0);
    assert_true(b.len > 2);
    assert_int_equal(b.ptr[b.len - 1], '\n');
    assert_null(memchr(b.ptr, '\n', b.len - 1));
    j = json_loadb(b.ptr, b.len, 0, &je);
    if (!j)
        fail_msg("not JSON (%s): %s", je.text, b.ptr);
    st_buf_release(&b);
    return j;
}

static st_alerts *open_stdout(void)
{
    st_alerts_options o = ST_ALERTS_OPTIONS_INIT;
    st_alerts *a = NULL;
    o.hostname = "node-1";
    assert_int_equal(st_alerts_open(&a, &o, NULL), 0);
    return a;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fail_msg("no string %s", key);
    return s;
}

static void test_monitor__alert_json(void **state)
{
    static const char *const tags[] = {"container", "shell"};
    st_alerts *a = open_stdout();
    st_event ev;
    st_alert al = {0};
    json_t *j, *f, *c;
    const char *keys[16];
    size_t nkeys = 0;
    const char *k;
    json_t *v;
    static const char *const order[] = {
        "time", "rule", "priority", "output", "output_fields",
        "tags", "source", "hostname", "container",
    };
    (void)state;

    make_event(&ev);
    al.ts_ns = ev.ts_ns;
    al.rule = "Terminal shell in container";
    al.priority = ST_PRIO_WARNING;
    al.output = "A shell (sh -c id)";
    al.tags = tags;
    al.tag_count = 2;
    al.source = "syscall";
    al.ev = &ev;
    al.event_fields = true;
    j = format(a, &al);

    /* Falco's keys, in this order, then the container */
    json_object_foreach(j, k, v)
    {
        (void)v;
        if (nkeys < 16)
            keys[nkeys++] = k;
    }
    assert_int_equal(nkeys, 9);
    for (size_t i = 0; i < 9; i++)
        assert_string_equal(keys[i], order[i]);
    /* 1700000000 s after the epoch is 2023-11-14 22:13:20 UTC */
    assert_string_equal(jstr(j, "time"), "2023-11-14T22:13:20.123456789Z");
    assert_string_equal(jstr(j, "rule"), "Terminal shell in container");
    assert_string_equal(jstr(j, "priority"), "Warning");
    assert_string_equal(jstr(j, "output"), "A shell (sh -c id)");
    assert_string_equal(jstr(j, "source"), "syscall");
    assert_string_equal(jstr(j, "hostname"), "node-1");
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 2);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(j, "tags"), 1)),
        "shell");
    f = json_object_get(j, "output_fields");
    assert_non_null(f);
    assert_string_equal(jstr(f, "proc.name"), "sh");
    assert_string_equal(jstr(f, "proc.pname"), "bash");
    assert_string_equal(jstr(f, "proc.exepath"), "/bin/sh");
    assert_string_equal(jstr(f, "proc.cmdline"), "sh -c id");
    assert_int_equal(json_integer_value(json_object_get(f, "proc.pid")), 4242);
    assert_string_equal(jstr(f, "evt.type"), "execve");
    /* Falco's container.id is the short id */
    assert_string_equal(jstr(f, "container.id"), "0123456789ab");
    assert_string_equal(jstr(f, "container.full_id"), ev.container_id);
    assert_string_equal(jstr(f, "container.name"), "web-1");
    assert_string_equal(jstr(f, "container.image"), "nginx:1.27");
    /* an execve has no file */
    assert_null(json_object_get(f, "fd.name"));
    c = json_object_get(j, "container");
    assert_string_equal(jstr(c, "id"), ev.container_id);
    assert_string_equal(jstr(c, "name"), "web-1");
    assert_string_equal(jstr(c, "image"), "nginx:1.27");
    assert_string_equal(jstr(c, "runtime"), "runc");
    assert_null(json_object_get(c, "pod"));
    json_decref(j);
    st_alerts_close(a);
}

static void test_monitor__alert_host_and_extra(void **state)
{
    st_alerts *a = open_stdout();
    st_event ev;
    st_alert al = {0};
    st_alert_field ex[] = {
        {"stats.cpu_percent", NULL, 99.5},
        {"stats.pids", NULL, 3},
        {"anomaly", "cpu", 0},
    };
    json_t *j, *f;
    (void)state;

    make_event(&ev);
    ev.container_id[0] = ev.container_name[0] = ev.image[0] = 0;
    ev.runtime[0] = 0;
    al.ts_ns = 0;
    al.rule = "R";
    al.priority = ST_PRIO_CRITICAL;
    al.output = "o";
    al.ev = &ev;
    al.event_fields = false; /* only the container, then the extras */
    al.extra = ex;
    al.extra_count = 3;
    al.source = "stats";
    j = format(a, &al);
    assert_string_equal(jstr(j, "time"), "1970-01-01T00:00:00.000000000Z");
    assert_string_equal(jstr(j, "priority"), "Critical");
    assert_string_equal(jstr(json_object_get(j, "container"), "id"), "host");
    assert_int_equal(json_object_size(json_object_get(j, "container")), 1);
    f = json_object_get(j, "output_fields");
    assert_int_equal(json_object_size(f), 4);
    assert_string_equal(jstr(f, "container.id"), "host");
    assert_true(json_real_value(json_object_get(f, "stats.cpu_percent")) ==
                99.5);
    assert_int_equal(json_integer_value(json_object_get(f, "stats.pids")), 3);
    assert_string_equal(jstr(f, "anomaly"), "cpu");
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 0);
    json_decref(j);

    /* with the event's fields, a host event is container.id "host" too */
    al.event_fields = true;
    al.extra_count = 0;
    j = format(a, &al);
    assert_string_equal(jstr(json_object_get(j, "output_fields"),
                             "container.id"),
                        "host");
    json_decref(j);
    st_alerts_close(a);
}

/* Bytes from the kernel are not text: every line stays JSON, invalid
 * UTF-8 becomes U+FFFD, valid multi-byte characters pass. */
static void test_monitor__alert_hostile_bytes(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a\"b\\c", "a\"b\\c"},
        {"line\nnext\r\tend", "line\nnext\r\tend"},
        {"\x01\x1f\x7f", "\x01\x1f\x7f"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"},
        {"bad \xff\xfe end", "bad \xef\xbf\xbd\xef\xbf\xbd end"},
        {"cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd"},
        {"overlong \xc0\xaf", "overlong \xef\xbf\xbd\xef\xbf\xbd"},
        {"surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    };
    st_alerts *a = open_stdout();
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_alert al = {0};
        json_t *j;
        al.rule = cases[i].in;
        al.output = cases[i].in;
        j = format(a, &al);
        assert_string_equal(jstr(j, "rule"), cases[i].want);
        assert_string_equal(jstr(j, "output"), cases[i].want);
        assert_null(json_object_get(j, "container")); /* no event */
        json_decref(j);
    }
    /* a folded YAML template ends in a line break: not part of the output */
    {
        st_alert al = {0};
        json_t *j;
        al.rule = "r \n";
        al.output = "Shell started (pid=1)\n \n";
        j = format(a, &al);
        assert_string_equal(jstr(j, "output"), "Shell started (pid=1)");
        assert_string_equal(jstr(j, "rule"), "r \n");
        json_decref(j);
    }
    st_alerts_close(a);
}

static char *slurp(const char *path)
{
    st_buf b = ST_BUF_INIT(1u << 20);
    assert_int_equal(st_read_file(&b, path, 1u << 20, NULL), 0);
    return st_buf_detach(&b, NULL);
}

static void test_monitor__metrics_file(void **state)
{
    char dir[] = "/tmp/strata-metrics.XXXXXX";
    char path[256], tmp[300];
    st_metrics_rule rules[] = {
        {"Shell \"in\" container\\x", 3, 2, 1},
        {"Other", 0, 0, 0},
    };
    st_metrics m = {0};
    char *text;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/strata.prom", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    m.events = 1000;
    m.matched = 3;
    m.alerts = 2;
    m.suppressed = 1;
    m.filtered = 7;
    m.dropped_kernel = 5;
    m.dropped_webhook = 4;
    m.stats_samples = 9;
    m.containers = 2;
    m.mode = "ebpf";
    m.mode_detail = "ebpf (tracepoints: 14 programs)\nsecond line";
    m.rules = rules;
    m.rule_count = 2;
    assert_int_equal(st_metrics_write(path, &m, NULL), 0);
    assert_int_not_equal(access(tmp, F_OK), 0); /* renamed, not left */
    text = slurp(path);
    assert_non_null(strstr(text, "# TYPE strata_monitor_events_total counter\n"
                                 "strata_monitor_events_total 1000\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_matched_total 3\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_alerts_total 2\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_suppressed_total 1\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_filtered_total 7\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_stats_samples_total 9\n"));
    assert_non_null(
        strstr(text, "\nstrata_monitor_dropped_total{stage=\"kernel\"} 5\n"
                     "strata_monitor_dropped_total{stage=\"webhook\"} 4\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_containers 2\n"));
    assert_non_null(strstr(
        text, "\nstrata_monitor_capture_mode_info{mode=\"ebpf\",description="
              "\"ebpf (tracepoints: 14 programs)\\nsecond line\"} 1\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_rule_matches_total{rule="
                                 "\"Shell \\\"in\\\" container\\\\x\"} 3\n"));
    assert_non_null(strstr(text, "\nstrata_monitor_rule_alerts_total{rule="
                                 "\"Shell \\\"in\\\" container\\\\x\"} 2\n"));
    assert_non_null(
        strstr(text, "\nstrata_monitor_rule_suppressed_total{rule="
                     "\"Shell \\\"in\\\" container\\\\x\"} 1\n"));
    assert_non_null(
        strstr(text, "\nstrata_monitor_rule_matches_total{rule=\"Other\"} 0\n"));
    /* every line is a comment or `name{labels} value` */
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        if (*line != '#')
            assert_true(nl[-1] >= '0' && nl[-1] <= '9');
    }
    st_free(text);
    /* a directory that does not exist: ST_EIO naming the file */
    {
        st_error *err = NULL;
        char bad[300];
        snprintf(bad, sizeof(bad), "%s/no/such/dir.prom", dir);
        assert_int_equal(st_metrics_write(bad, &m, &err), ST_EIO);
        assert_non_null(strstr(st_error_message(err), bad));
        st_error_free(err);
    }
    /* not a regular file (/dev/null, a FIFO): written in place, never
     * replaced by a rename */
    {
        char fifo[300];
        struct stat st;
        snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        {
            int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
            assert_true(rfd >= 0);
            assert_int_equal(st_metrics_write(fifo, &m, NULL), 0);
            close(rfd);
        }
        assert_int_equal(stat(fifo, &st), 0);
        assert_true(S_ISFIFO(st.st_mode));
        unlink(fifo);
        assert_int_equal(st_metrics_write("/dev/null", &m, NULL), 0);
        assert_int_equal(stat("/dev/null", &st), 0);
        assert_true(S_ISCHR(st.st_mode));
    }
    unlink(path);
    rmdir(dir);
}

/* ---- a webhook receiver ------------------------------------------------- */

typedef struct hook_server {
    int fd;
    int port;
    const int *statuses; /* answer of the n-th request; past the end 200 */
    size_t nstatus;
    bool never_answer;   /* accept nothing: every POST times out */
    size_t requests;
    char bodies[32][512];
    size_t nbodies; /* bodies answered 2xx */
    volatile int stop;
    pthread_t t;
} hook_server;

static void serve_one(hook_server *s, int c)
{
    char buf[8192];
    size_t len = 0;
    char *hdr_end = NULL, *cl;
    size_t body_len = 0, need;
    int status;
    char resp[128];

    while (len < sizeof(buf) - 1) {
        ssize_t r = read(c, buf + len, sizeof(buf) - 1 - len);
        if (r <= 0)
            return;
        len += (size_t)r;
        buf[len] = 0;
        if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
            cl = strcasestr(buf, "Content-Length:");
            body_len = cl ? strtoul(cl + 15, NULL, 10) : 0;
        }
        if (hdr_end) {
            need = (size_t)(hdr_end + 4 - buf) + body_len;
            if (len >= need)
                break;
        }
    }
    if (!hdr_end)
        return;
    status = s->requests < s->nstatus ? s->statuses[s->requests] : 200;
    s->requests++;
    if (status / 100 == 2 && s->nbodies < 32)
        snprintf(s->bodies[s->nbodies++], sizeof(s->bodies[0]), "%.*s",
                 (int)body_len, hdr_end + 4);
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
             status);
    if (write(c, resp, strlen(resp)) < 0)
        return;
}

static void *serve(void *arg)
{
    hook_server *s = arg;
    while (!s->stop) {
        struct pollfd p = {s->fd, POLLIN, 0};
        int c;
        if (s->never_answer || poll(&p, 1, 50) <= 0) {
            if (s->never_answer)
                usleep(50000);
            continue;
        }
        if ((c = accept(s->fd, NULL, NULL)) < 0)
            continue;
        serve_one(s, c);
        close(c);
    }
    return NULL;
}

static void server_start(hook_server *s)
{
    struct sockaddr_in a = {0};
    socklen_t al = sizeof(a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 64), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
}

static void server_stop(hook_server *s)
{
    s->stop = 1;
    pthread_join(s->t, NULL);
    close(s->fd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static st_alerts *open_hook(const hook_server *s, const char *out,
                            unsigned queue, unsigned timeout_ms,
                            unsigned flush_ms)
{
    st_alerts_options o = ST_ALERTS_OPTIONS_INIT;
    char url[64];
    st_alerts *a = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/alerts", s->port);
    o.output = out;
    o.webhook = url;
    o.hostname = "h";
    o.webhook_queue = queue;
    o.webhook_timeout_ms = timeout_ms;
    o.webhook_backoff_ms = 20;
    o.webhook_flush_ms = flush_ms;
    assert_int_equal(st_alerts_open(&a, &o, NULL), 0);
    return a;
}

static void send_alerts(st_alerts *a, int n)
{
    for (int i = 0; i < n; i++) {
        char out[32];
        st_alert al = {0};
        snprintf(out, sizeof(out), "alert %d", i);
        al.rule = "R";
        al.output = out;
        assert_int_equal(st_alerts_write(a, &al, NULL), 0);
    }
    assert_int_equal(st_alerts_flush(a, NULL), 0);
}

/* 503 twice, then 429, then 200: the first alert arrives on its fourth
 * attempt; a 400 is not retried; the rest arrive in order. */
static void test_monitor__webhook_retries(void **state)
{
    static const int statuses[] = {503, 503, 429, 200, 400};
    hook_server s = {0};
    st_alerts *a;
    (void)state;

    s.statuses = statuses;
    s.nstatus = 5;
    server_start(&s);
    a = open_hook(&s, "/dev/null", 16, 2000, 5000);
    send_alerts(a, 3);
    st_alerts_drain(a);
    assert_int_equal(st_alerts_webhook_failures(a), 1); /* the 400 */
    st_alerts_close(a);
    server_stop(&s);
    assert_int_equal(s.requests, 6);
    assert_int_equal(s.nbodies, 2);
    assert_non_null(strstr(s.bodies[0], "\"output\":\"alert 0\""));
    assert_non_null(strstr(s.bodies[1], "\"output\":\"alert 2\""));
    /* the body is the JSON line without its newline */
    assert_int_equal(s.bodies[0][strlen(s.bodies[0]) - 1], '}');
}

/* A receiver that never answers: writing alerts does not wait for it, the
 * queue holds 2, the rest are counted at once, and closing takes the
 * flush time, not a timeout per alert. */
static void test_monitor__webhook_never_blocks(void **state)
{
    hook_server s = {0};
    st_alerts *a;
    double t0, t;
    (void)state;

    s.never_answer = true;
    server_start(&s);
    a = open_hook(&s, "/dev/null", 2, 3000, 300);
    t0 = now_s();
    send_alerts(a, 50);
    t = now_s() - t0;
    /* 50 writes with a 3 s timeout per POST: anything waiting on the
     * receiver would take seconds */
    assert_true(t < 1.0);
    /* 50 written: at most 2 queued and 1 in flight; the rest failed */
    assert_true(st_alerts_webhook_failures(a) >= 47);
    t0 = now_s();
    st_alerts_close(a);
    t = now_s() - t0;
    assert_true(t < 2.9); /* the flush time (0.3 s), not the 3 s timeout */
    server_stop(&s);
}

/* The JSON output of st_alerts_write is the line st_alerts_format gives,
 * appended to the file. */
static void test_monitor__alert_file_appends(void **state)
{
    char path[] = "/tmp/strata-alerts.XXXXXX";
    st_alerts_options o = ST_ALERTS_OPTIONS_INIT;
    st_alerts *a = NULL;
    st_alert al = {0};
    int fd = mkstemp(path);
    char *text;
    (void)state;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old\n", 4), 4);
    close(fd);
    o.output = path;
    o.hostname = "h";
    assert_int_equal(st_alerts_open(&a, &o, NULL), 0);
    al.rule = "R";
    al.output = "x";
    assert_int_equal(st_alerts_write(a, &al, NULL), 0);
    assert_int_equal(st_alerts_write_line(a, "{\"type\":\"stats\"}", 16, NULL),
                     0);
    st_alerts_close(a);
    text = slurp(path);
    assert_string_equal(
        text, "old\n"
              "{\"time\":\"1970-01-01T00:00:00.000000000Z\",\"rule\":\"R\","
              "\"priority\":\"Debug\",\"output\":\"x\",\"output_fields\":{},"
              "\"tags\":[],\"source\":\"syscall\",\"hostname\":\"h\"}\n"
              "{\"type\":\"stats\"}\n");
    st_free(text);
    unlink(path);
    /* a file that cannot be opened: ST_EIO naming it */
    {
        st_error *err = NULL;
        o.output = "/nonexistent-dir/alerts.jsonl";
        assert_int_equal(st_alerts_open(&a, &o, &err), ST_EIO);
        assert_non_null(strstr(st_error_message(err), o.output));
        st_error_free(err);
        err = NULL;
        o.output = NULL;
        o.webhook = "ftp://127.0.0.1/x";
        assert_int_equal(st_alerts_open(&a, &o, &err), ST_EINVALID);
        st_error_free(err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitor__alert_json),
        cmocka_unit_test(test_monitor__alert_host_and_extra),
        cmocka_unit_test(test_monitor__alert_hostile_bytes),
        cmocka_unit_test(test_monitor__alert_file_appends),
        cmocka_unit_test(test_monitor__metrics_file),
        cmocka_unit_test(test_monitor__webhook_retries),
        cmocka_unit_test(test_monitor__webhook_never_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
