/* strata — the runtime monitor (`strata monitor`): real-time threat
 * detection for running containers (eBPF, with a netlink/fanotify
 * fallback), Falco-compatible rules, per-container resource statistics
 * with baselines. docs/monitor.md describes rules, fields and outputs.
 */
#ifndef STRATA_MONITOR_H
#define STRATA_MONITOR_H

#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST_MONITOR_OPTIONS_VERSION 1
typedef struct st_monitor_options {
    unsigned version;
    /* Rule files or directories of *.yaml (Falco syntax, the supported
     * subset); the built-in rules are loaded first unless no_default_rules. */
    const char *const *rule_files;
    size_t rule_file_count;
    bool no_default_rules;
    /* Replay recorded events (JSON lines; "-": stdin) through the rules
     * instead of capturing; deterministic, no privileges needed. Time is
     * the events' own (evt.time), so deduplication, rate limits and
     * summaries come out the same on every run; duration_ms and stats do
     * not apply. Events without a container are host events. */
    const char *replay;
    /* Write every captured event as a JSON line here. */
    const char *record;
    /* Stop after this many milliseconds (0: until *stop is set). */
    uint64_t duration_ms;
    /* "auto", "ebpf", "fallback" (NULL: auto). */
    const char *capture;
    bool host; /* also watch processes outside containers (without it,
                  host events are left out, in replay too) */
    /* Alerts as JSON lines appended to this file (NULL or "-": stdout). */
    const char *output;
    const char *webhook; /* POST each alert (JSON), retried with backoff */
    bool syslog;         /* also to syslog(3), facility LOG_DAEMON */
    /* Per rule and container, at most this many alerts per minute; more
     * are counted and summarised once a minute [10; 0: no limit].
     * Identical alerts (rule, container, output) within dedup_ms of the
     * last one written are folded into that summary too [2000; 0: off]. */
    unsigned rate_per_minute;
    unsigned dedup_ms;
    /* Resource statistics: sample every stats_interval_ms (0: off), print
     * one JSON line per container per sample to stats_output (NULL: the
     * alert output); alert on sustained CPU or pid counts far above the
     * container's baseline. */
    unsigned stats_interval_ms;
    const char *stats_output;
    /* Prometheus text exposition of the counters, rewritten every
     * second (a node_exporter textfile), or NULL. */
    const char *metrics;
    /* Roots for attribution, for tests (NULL: the host's). */
    const char *cgroup_root;
    const char *const *runc_roots; /* NULL-terminated */
} st_monitor_options;
#define ST_MONITOR_OPTIONS_INIT                                                \
    {                                                                          \
        ST_MONITOR_OPTIONS_VERSION, NULL, 0, false, NULL, NULL, 0, NULL,       \
            false, NULL, NULL, false, 10, 2000, 0, NULL, NULL, NULL, NULL      \
    }

typedef struct st_monitor_counters {
    uint64_t events;     /* seen by the rule engine */
    uint64_t matched;    /* rule matches */
    uint64_t alerts;     /* written (after dedup and rate limits) */
    uint64_t suppressed; /* folded or rate-limited */
    uint64_t dropped;    /* lost in the kernel */
    uint64_t stats_samples;
    uint64_t webhook_failures; /* alerts the webhook never received */
    uint64_t filtered;   /* host events left out (no `host`) */
} st_monitor_counters;

/* Lists the rules that would run (priority, name, file:line) and those
 * skipped with the reason to f, and fails on a rules file that does not
 * load (ST_EINVALID file:line) or a path that does not exist
 * (ST_ENOTFOUND). A directory loads its *.yaml and *.yml files in name
 * order. */
ST_API int st_monitor_check_rules(const st_monitor_options *o,
                                  FILE *f,
                                  st_error **err);

/* Lists the fields rules may use (name, type, description) to f. */
ST_API int st_monitor_list_fields(FILE *f, st_error **err);

/* Runs until *stop becomes non-zero (stop may be NULL), the duration ends,
 * the replay file is exhausted, or the reader of the alert output goes
 * away (EPIPE: a normal end, not an error). Prints the capture mode and
 * what it cannot see to `log` (stderr when NULL) at start. SIGPIPE is
 * blocked in the calling thread while it runs. *out (may be NULL) gets
 * the counters, also on failure. Not thread-safe: one run per process
 * (syslog and the signal mask are process- and thread-wide).
 * Errors: ST_EUNSUPPORTED (no capture mode can run here: not root, no BPF
 * and no netlink), ST_EINVALID (rules; a replay line, naming file:line),
 * ST_EUSAGE (contradictory options), ST_EIO (an output). */
ST_API int st_monitor_run(const st_monitor_options *o,
                          volatile sig_atomic_t *stop,
                          FILE *log,
                          st_monitor_counters *out,
                          st_error **err);

#ifdef __cplusplus
}
#endif
#endif
