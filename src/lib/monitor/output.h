/* Where the monitor's alerts go: JSON lines (a file or stdout) in the shape
 * of Falco's json_output, syslog(3), a webhook (POSTed by a background
 * thread from a bounded queue, retried with backoff, never blocking the
 * caller) and a Prometheus text file of counters, rewritten atomically.
 * Internal; depends on util, event.h and rules.h.
 */
#ifndef ST_MONITOR_OUTPUT_H
#define ST_MONITOR_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/event.h"
#include "monitor/rules.h"

typedef struct st_alerts_options {
    const char *output;  /* JSON lines, appended; NULL or "-": stdout */
    const char *webhook; /* URL, or NULL */
    bool syslog;
    const char *hostname; /* NULL: gethostname() */
    unsigned webhook_queue;      /* alerts waiting at most [1024] */
    unsigned webhook_timeout_ms; /* per attempt [5000] */
    unsigned webhook_attempts;   /* per alert [4] */
    unsigned webhook_backoff_ms; /* first retry delay, doubled [500] */
    unsigned webhook_flush_ms;   /* at close, time left to drain [3000] */
} st_alerts_options;
#define ST_ALERTS_OPTIONS_INIT {NULL, NULL, false, NULL, 0, 0, 0, 0, 0}

/* An extra member of output_fields: a string or a number. */
typedef struct st_alert_field {
    const char *name;
    const char *s; /* NULL: the number n is written */
    double n;
} st_alert_field;

typedef struct st_alert {
    uint64_t ts_ns; /* CLOCK_REALTIME */
    const char *rule;
    st_rule_priority priority;
    const char *output;
    const char *const *tags;
    size_t tag_count;
    const char *source; /* "syscall", "stats", "strata" */
    /* The event: its fields go into output_fields and its container into
     * "container" (id "host" for a host event). For alerts that are not
     * about one event, an event with only the container fields set and
     * event_fields false. */
    const st_event *ev;
    bool event_fields;
    const st_alert_field *extra; /* appended to output_fields */
    size_t extra_count;
} st_alert;

typedef struct st_alerts st_alerts;

/* Opens the outputs: the file (appended), syslog, the webhook thread.
 * ST_EIO naming the file, ST_EINVALID for a URL libcurl rejects. */
int st_alerts_open(st_alerts **out, const st_alerts_options *o,
                   st_error **err);
/* Formats one alert as a JSON line (with the newline) into b. */
int st_alerts_format(const st_alerts *a, const st_alert *al, st_buf *b);
/* Writes an alert to every output; the webhook gets a copy in its queue
 * (dropped and counted when the queue is full). Buffered: call
 * st_alerts_flush after a batch. Returns 1 (and writes nothing more) once
 * the reader of the JSON output went away (EPIPE), 0, or ST_EIO. */
int st_alerts_write(st_alerts *a, const st_alert *al, st_error **err);
/* Writes a line that is not an alert (a stats sample) to the JSON output;
 * `line` has no newline. Returns as st_alerts_write. */
int st_alerts_write_line(st_alerts *a, const char *line, size_t len,
                         st_error **err);
/* Flushes the JSON output. Returns 1 when its reader went away (EPIPE:
 * `strata monitor | head`), 0, or ST_EIO. */
int st_alerts_flush(st_alerts *a, st_error **err);
/* Webhook alerts that could not be delivered (after every retry, queue
 * full, or still queued at close); thread-safe. */
uint64_t st_alerts_webhook_failures(const st_alerts *a);
/* Stops the webhook thread, waiting at most webhook_flush_ms for its queue
 * to drain; alerts written afterwards skip the webhook. Idempotent. */
void st_alerts_drain(st_alerts *a);
/* Drains, closes the outputs. NULL is allowed. */
void st_alerts_close(st_alerts *a);

/* JSON pieces for other lines of the same stream (stats samples): a string
 * (bytes that are not UTF-8 become U+FFFD) and an RFC 3339 UTC time with
 * nanoseconds, both quoted. */
int st_alerts_json_str(st_buf *b, const char *s);
int st_alerts_json_time(st_buf *b, uint64_t ts_ns);

/* ---- Prometheus text metrics ------------------------------------------- */

typedef struct st_metrics_rule {
    const char *name;
    uint64_t matched, alerts, suppressed;
} st_metrics_rule;

typedef struct st_metrics {
    uint64_t events, matched, alerts, suppressed, filtered;
    uint64_t dropped_kernel, dropped_webhook;
    uint64_t stats_samples, containers;
    const char *mode;        /* "ebpf", "fallback", "replay" */
    const char *mode_detail; /* st_capture_describe() */
    const st_metrics_rule *rules;
    size_t rule_count;
} st_metrics;

/* Writes the metrics in the Prometheus text format to path.tmp and renames
 * it onto path. ST_EIO naming the file. */
int st_metrics_write(const char *path, const st_metrics *m, st_error **err);

#endif
