/* The monitor's outputs: JSON lines, syslog, a webhook thread and the
 * Prometheus metrics file. The event loop must never wait on any of them
 * but the JSON stream it owns: the webhook has its own thread and a
 * bounded queue, and what does not fit is counted, not waited for. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "monitor/output.h"
#include "util/webhook.h"
#include "util/banned.h"

#define MODULE "monitor"
#define LINE_MAX_BYTES (1u << 20)

/* ---- JSON text ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* A JSON string. What the kernel hands over is bytes, not text: a byte
 * that is not UTF-8 becomes U+FFFD so that every line stays valid JSON. */
static int put_strn(st_buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    int rc = st_buf_putc(b, '"');
    while (rc == 0 && n) {
        size_t run = 0, k;
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
               s[run] != '\\')
            run++;
        if (run) {
            rc = st_buf_put(b, s, run);
            s += run, n -= run;
            continue;
        }
        if (*s == '"' || *s == '\\') {
            char esc[2] = {'\\', (char)*s};
            rc = st_buf_put(b, esc, 2);
            k = 1;
        } else if (*s == '\n') {
            rc = st_buf_puts(b, "\\n"), k = 1;
        } else if (*s == '\t') {
            rc = st_buf_puts(b, "\\t"), k = 1;
        } else if (*s == '\r') {
            rc = st_buf_puts(b, "\\r"), k = 1;
        } else if (*s < 0x20 || *s == 0x7f) {
            rc = st_buf_printf(b, "\\u%04x", *s), k = 1;
        } else if ((k = utf8_len(s, n)) != 0) {
            rc = st_buf_put(b, s, k);
        } else {
            rc = st_buf_puts(b, "\\ufffd"), k = 1;
        }
        s += k, n -= k;
    }
    return rc < 0 ? rc : st_buf_putc(b, '"');
}

static int put_str(st_buf *b, const char *s)
{
    return put_strn(b, s ? s : "", s ? strlen(s) : 0);
}

/* An output without the line break or blanks a folded YAML template
 * leaves at its end. */
static size_t trimmed_len(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' ||
                 s[n - 1] == '\r'))
        n--;
    return n;
}

static int put_key(st_buf *b, bool *first, const char *key)
{
    int rc = 0;
    if (!*first)
        rc = st_buf_putc(b, ',');
    *first = false;
    if (rc == 0)
        rc = put_str(b, key);
    return rc < 0 ? rc : st_buf_putc(b, ':');
}

static int put_num(st_buf *b, double v)
{
    if (!isfinite(v))
        return st_buf_puts(b, "null");
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return st_buf_printf(b, "%lld", (long long)v);
    return st_buf_printf(b, "%.2f", v);
}

/* RFC 3339 in UTC with nanoseconds, as Falco writes "time". */
static int put_time(st_buf *b, uint64_t ts_ns)
{
    time_t t = (time_t)(ts_ns / 1000000000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof(tm));
    return st_buf_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09uZ\"",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (unsigned)(ts_ns % 1000000000u));
}

/* Falco's spelling of priorities in JSON output. */
static const char *prio_json(st_rule_priority p)
{
    static const char *const names[] = {
        "Debug", "Informational", "Notice", "Warning",
        "Error", "Critical",      "Alert",  "Emergency",
    };
    return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p]
                                                           : "Warning";
}

static int prio_syslog(st_rule_priority p)
{
    static const int levels[] = {
        LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING,
        LOG_ERR,   LOG_CRIT, LOG_ALERT,  LOG_EMERG,
    };
    return (unsigned)p < sizeof(levels) / sizeof(levels[0]) ? levels[p]
                                                             : LOG_WARNING;
}

/* The fields every syscall alert carries in output_fields when the event
 * has them (Falco puts the fields of the rule's output there; these are the
 * ones a responder needs whatever the rule). Unknown names are skipped. */
static const char *const alert_field_names[] = {
    "evt.type",        "evt.res",           "proc.pid",
    "proc.ppid",       "proc.name",         "proc.pname",
    "proc.exepath",    "proc.cmdline",      "user.uid",
    "user.name",       "fd.name",           "fd.l4proto",
    "fd.rip",          "fd.rport",          "container.id",
    "container.full_id", "container.name",  "container.image",
    "container.type",  "k8s.pod.name",      "k8s.ns.name",
};
#define N_ALERT_FIELDS (sizeof(alert_field_names) / sizeof(alert_field_names[0]))


int st_alerts_json_str(st_buf *b, const char *s)
{
    return put_str(b, s);
}

int st_alerts_json_time(st_buf *b, uint64_t ts_ns)
{
    return put_time(b, ts_ns);
}

/* ---- the outputs -------------------------------------------------------------- */

struct st_alerts {
    FILE *f;
    bool own_f;
    bool gone; /* the reader went away */
    char *path; /* for messages: the file or "stdout" */
    bool syslog;
    st_webhook *hook;
    uint64_t hook_failures; /* once the hook is drained */
    unsigned flush_ms;
    char hostname[256];
    const st_ev_field *fields[N_ALERT_FIELDS];
    st_buf line;
};

int st_alerts_open(st_alerts **out, const st_alerts_options *o,
                   st_error **err)
{
    st_alerts *a;
    int rc = 0;

    if (!(a = st_calloc(1, sizeof(*a))))
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    st_buf_init(&a->line, LINE_MAX_BYTES);
    a->flush_ms = o->webhook_flush_ms ? o->webhook_flush_ms : 3000;
    if (o->hostname)
        snprintf(a->hostname, sizeof(a->hostname), "%s", o->hostname);
    else if (gethostname(a->hostname, sizeof(a->hostname) - 1) < 0)
        snprintf(a->hostname, sizeof(a->hostname), "localhost");
    for (size_t i = 0; i < N_ALERT_FIELDS; i++)
        a->fields[i] = st_ev_field_find(alert_field_names[i]);

    if (!o->output || !strcmp(o->output, "-")) {
        a->f = stdout;
        a->path = st_strdup("stdout");
    } else {
        a->path = st_strdup(o->output);
        if (a->path && !(a->f = fopen(o->output, "ae"))) {
            rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", o->output,
                              strerror(errno));
            goto done;
        }
        a->own_f = true;
    }
    if (!a->path) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    if (o->webhook) {
        st_webhook_options wo = {o->webhook, NULL, NULL, o->webhook_queue,
                                 o->webhook_timeout_ms, o->webhook_attempts,
                                 o->webhook_backoff_ms, NULL, NULL};
        ST_CHECK(st_webhook_new(&a->hook, &wo, MODULE, err));
    }
    if (o->syslog) {
        openlog("strata", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        a->syslog = true;
    }
done:
    if (rc < 0) {
        st_alerts_close(a);
        return rc;
    }
    *out = a;
    return 0;
}

static int put_event_fields(const st_alerts *a, st_buf *b, const st_event *ev)
{
    bool first = true;
    char tmp[ST_EV_BUFSZ];
    int rc = st_buf_putc(b, '{');

    for (size_t i = 0; rc == 0 && i < N_ALERT_FIELDS; i++) {
        const st_ev_field *f = a->fields[i];
        st_ev_value v = {0};
        if (!f || !st_ev_get(ev, f, &v, tmp, sizeof(tmp)))
            continue;
        switch (f->type) {
        case ST_EVF_NUM:
            if ((rc = put_key(b, &first, f->name)) == 0)
                rc = st_buf_printf(b, "%lld", (long long)v.n);
            break;
        case ST_EVF_BOOL:
            if ((rc = put_key(b, &first, f->name)) == 0)
                rc = st_buf_puts(b, v.b ? "true" : "false");
            break;
        case ST_EVF_STR:
        case ST_EVF_IP:
            if (!strcmp(alert_field_names[i], "container.id") &&
                (!v.s || !*v.s))
                v.s = "host";
            if (!v.s || !*v.s)
                break;
            if ((rc = put_key(b, &first, f->name)) == 0)
                rc = put_str(b, v.s);
            break;
        }
    }
    return rc;
}

int st_alerts_format(const st_alerts *a, const st_alert *al, st_buf *b)
{
    const st_event *ev = al->ev;
    bool first = true;
    int rc;

    rc = st_buf_puts(b, "{\"time\":");
    if (rc == 0)
        rc = put_time(b, al->ts_ns);
    if (rc == 0)
        rc = st_buf_puts(b, ",\"rule\":");
    if (rc == 0)
        rc = put_str(b, al->rule);
    if (rc == 0)
        rc = st_buf_printf(b, ",\"priority\":\"%s\",\"output\":",
                           prio_json(al->priority));
    if (rc == 0)
        rc = put_strn(b, al->output ? al->output : "", trimmed_len(al->output));
    if (rc == 0)
        rc = st_buf_puts(b, ",\"output_fields\":");
    if (rc == 0 && ev && al->event_fields) {
        rc = put_event_fields(a, b, ev);
        first = b->ptr[b->len - 1] == '{';
    } else if (rc == 0) {
        rc = st_buf_putc(b, '{');
        /* container fields, as a syscall alert would have them */
        if (rc == 0 && ev) {
            rc = put_key(b, &first, "container.id");
            if (rc == 0)
                rc = put_str(b, ev->container_id[0] ? ev->container_id
                                                    : "host");
            if (rc == 0 && ev->container_name[0] &&
                (rc = put_key(b, &first, "container.name")) == 0)
                rc = put_str(b, ev->container_name);
            if (rc == 0 && ev->image[0] &&
                (rc = put_key(b, &first, "container.image")) == 0)
                rc = put_str(b, ev->image);
        }
    }
    for (size_t i = 0; rc == 0 && i < al->extra_count; i++) {
        rc = put_key(b, &first, al->extra[i].name);
        if (rc == 0)
            rc = al->extra[i].s ? put_str(b, al->extra[i].s)
                                : put_num(b, al->extra[i].n);
    }
    if (rc == 0)
        rc = st_buf_puts(b, "},\"tags\":[");
    for (size_t i = 0; rc == 0 && i < al->tag_count; i++) {
        if (i)
            rc = st_buf_putc(b, ',');
        if (rc == 0)
            rc = put_str(b, al->tags[i]);
    }
    if (rc == 0)
        rc = st_buf_puts(b, "],\"source\":");
    if (rc == 0)
        rc = put_str(b, al->source ? al->source : "syscall");
    if (rc == 0)
        rc = st_buf_puts(b, ",\"hostname\":");
    if (rc == 0)
        rc = put_str(b, a->hostname);
    if (rc == 0 && ev) {
        /* the container, named once more outside output_fields so that
         * consumers need not know Falco's field names */
        static const struct {
            const char *key;
            size_t off;
        } cf[] = {
            {"name", offsetof(st_event, container_name)},
            {"image", offsetof(st_event, image)},
            {"runtime", offsetof(st_event, runtime)},
            {"pod", offsetof(st_event, pod)},
            {"namespace", offsetof(st_event, k8s_ns)},
        };
        first = true;
        rc = st_buf_puts(b, ",\"container\":{");
        if (rc == 0)
            rc = put_key(b, &first, "id");
        if (rc == 0)
            rc = put_str(b, ev->container_id[0] ? ev->container_id : "host");
        for (size_t i = 0; rc == 0 && i < sizeof(cf) / sizeof(cf[0]); i++) {
            const char *v = (const char *)ev + cf[i].off;
            if (!*v)
                continue;
            rc = put_key(b, &first, cf[i].key);
            if (rc == 0)
                rc = put_str(b, v);
        }
        if (rc == 0)
            rc = st_buf_putc(b, '}');
    }
    if (rc == 0)
        rc = st_buf_puts(b, "}\n");
    return rc;
}

/* 1 once the reader of the output went away (EPIPE): what follows is
 * dropped, quietly. */
static int write_out(st_alerts *a, const char *p, size_t n, st_error **err)
{
    if (a->gone)
        return 1;
    if (fwrite(p, 1, n, a->f) == n)
        return 0;
    if (errno == EPIPE) {
        a->gone = true;
        return 1;
    }
    return st_error_set(err, ST_EIO, MODULE, "%s: %s", a->path,
                        strerror(errno));
}

int st_alerts_write(st_alerts *a, const st_alert *al, st_error **err)
{
    int rc;

    st_buf_reset(&a->line);
    if ((rc = st_alerts_format(a, al, &a->line)) < 0)
        return st_error_set(err, rc, MODULE, "alert %s: %s", al->rule,
                            st_strerror(rc));
    if ((rc = write_out(a, a->line.ptr, a->line.len, err)) != 0)
        return rc;
    if (a->hook)
        st_webhook_push(a->hook, a->line.ptr, a->line.len - 1);
    if (a->syslog) {
        const char *id = al->ev && al->ev->container_id[0]
                             ? al->ev->container_id
                             : "host";
        syslog(prio_syslog(al->priority), "%s: %.*s (container=%.12s)",
               al->rule, (int)trimmed_len(al->output),
               al->output ? al->output : "", id);
    }
    return 0;
}

int st_alerts_write_line(st_alerts *a, const char *line, size_t len,
                         st_error **err)
{
    int rc = write_out(a, line, len, err);
    return rc != 0 ? rc : write_out(a, "\n", 1, err);
}

int st_alerts_flush(st_alerts *a, st_error **err)
{
    if (a->gone)
        return 1;
    if (fflush(a->f) == 0)
        return 0;
    if (errno == EPIPE) {
        a->gone = true;
        return 1;
    }
    return st_error_set(err, ST_EIO, MODULE, "%s: %s", a->path,
                        strerror(errno));
}

uint64_t st_alerts_webhook_failures(const st_alerts *a)
{
    uint64_t n;
    if (!a->hook)
        return a->hook_failures;
    {
        st_webhook_counts c;
        st_webhook_counts_get(a->hook, &c);
        n = c.failed + c.dropped;
    }
    return n;
}

void st_alerts_drain(st_alerts *a)
{
    if (a && a->hook) {
        st_webhook_stop(a->hook, a->flush_ms);
        a->hook_failures = st_alerts_webhook_failures(a);
        st_webhook_free(st_steal(&a->hook), 0);
    }
}

void st_alerts_close(st_alerts *a)
{
    if (!a)
        return;
    st_alerts_drain(a);
    if (a->f && a->own_f)
        fclose(a->f);
    else if (a->f)
        fflush(a->f);
    if (a->syslog)
        closelog();
    st_buf_release(&a->line);
    st_free(a->path);
    st_free(a);
}

/* ---- Prometheus text ------------------------------------------------------------ */

/* A label value: backslash, double quote and newline escaped. */
static int put_label(st_buf *b, const char *s)
{
    int rc = st_buf_putc(b, '"');
    for (; rc == 0 && s && *s; s++) {
        if (*s == '\\' || *s == '"')
            rc = st_buf_putc(b, '\\');
        if (rc == 0)
            rc = *s == '\n' ? st_buf_puts(b, "\\n") : st_buf_putc(b, *s);
    }
    return rc < 0 ? rc : st_buf_putc(b, '"');
}

static int counter(st_buf *b, const char *name, const char *help, uint64_t v)
{
    return st_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
                         name, help, name, name, (unsigned long long)v);
}

static int format_metrics(st_buf *b, const st_metrics *m)
{
    static const char *const per_rule[] = {"matches", "alerts", "suppressed"};
    static const char *const per_rule_help[] = {
        "Events that matched the rule.",
        "Alerts of the rule written.",
        "Alerts of the rule folded as duplicates or over the rate limit.",
    };
    int rc = 0;

#define C(name, help, v)                                                       \
    if (rc == 0)                                                               \
    rc = counter(b, "strata_monitor_" name, help, v)
    C("events_total", "Events seen by the rule engine.", m->events);
    C("matched_total", "Rule matches.", m->matched);
    C("alerts_total", "Alerts written (after deduplication and rate limits).",
      m->alerts);
    C("suppressed_total", "Alerts folded as duplicates or rate-limited.",
      m->suppressed);
    C("filtered_total", "Host events left out (no --host).", m->filtered);
    C("stats_samples_total", "Container resource samples taken.",
      m->stats_samples);
#undef C
    if (rc == 0)
        rc = st_buf_printf(
            b,
            "# HELP strata_monitor_dropped_total Events or alerts lost.\n"
            "# TYPE strata_monitor_dropped_total counter\n"
            "strata_monitor_dropped_total{stage=\"kernel\"} %llu\n"
            "strata_monitor_dropped_total{stage=\"webhook\"} %llu\n",
            (unsigned long long)m->dropped_kernel,
            (unsigned long long)m->dropped_webhook);
    if (rc == 0)
        rc = st_buf_printf(
            b,
            "# HELP strata_monitor_containers Containers sampled for stats.\n"
            "# TYPE strata_monitor_containers gauge\n"
            "strata_monitor_containers %llu\n",
            (unsigned long long)m->containers);
    if (rc == 0)
        rc = st_buf_puts(b,
                         "# HELP strata_monitor_capture_mode_info The capture "
                         "mode and what it cannot see.\n"
                         "# TYPE strata_monitor_capture_mode_info gauge\n"
                         "strata_monitor_capture_mode_info{mode=");
    if (rc == 0)
        rc = put_label(b, m->mode ? m->mode : "");
    if (rc == 0)
        rc = st_buf_puts(b, ",description=");
    if (rc == 0)
        rc = put_label(b, m->mode_detail ? m->mode_detail : "");
    if (rc == 0)
        rc = st_buf_puts(b, "} 1\n");
    for (size_t k = 0; rc == 0 && k < 3; k++) {
        rc = st_buf_printf(b,
                           "# HELP strata_monitor_rule_%s_total %s\n"
                           "# TYPE strata_monitor_rule_%s_total counter\n",
                           per_rule[k], per_rule_help[k], per_rule[k]);
        for (size_t i = 0; rc == 0 && i < m->rule_count; i++) {
            const st_metrics_rule *r = &m->rules[i];
            uint64_t v = k == 0 ? r->matched : k == 1 ? r->alerts
                                                      : r->suppressed;
            rc = st_buf_printf(b, "strata_monitor_rule_%s_total{rule=",
                               per_rule[k]);
            if (rc == 0)
                rc = put_label(b, r->name);
            if (rc == 0)
                rc = st_buf_printf(b, "} %llu\n", (unsigned long long)v);
        }
    }
    return rc;
}

int st_metrics_write(const char *path, const st_metrics *m, st_error **err)
{
    st_buf b = ST_BUF_INIT(16u << 20);
    st_buf tmp = ST_BUF_INIT(4096);
    FILE *f = NULL;
    int rc;

    struct stat st;

    if ((rc = format_metrics(&b, m)) < 0 ||
        (rc = st_buf_printf(&tmp, "%s.tmp", path)) < 0) {
        rc = st_error_set(err, rc, MODULE, "%s: %s", path, st_strerror(rc));
        goto done;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* /dev/null, a FIFO: written in place, never renamed over */
        if (!(f = fopen(path, "we")) || fwrite(b.ptr, 1, b.len, f) != b.len ||
            fclose(st_steal(&f)) != 0)
            rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", path,
                              strerror(errno));
        if (f)
            fclose(f);
        goto done;
    }
    if (!(f = fopen(tmp.ptr, "we")) || fwrite(b.ptr, 1, b.len, f) != b.len ||
        fclose(st_steal(&f)) != 0 || rename(tmp.ptr, path) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", path,
                          strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp.ptr);
    }
done:
    st_buf_release(&tmp);
    st_buf_release(&b);
    return rc;
}
