/* strata monitor — watch running containers for threats (eBPF, or the
 * netlink process connector and fanotify), evaluate Falco-syntax rules,
 * write alerts; sample resource use with baselines; replay recordings. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "strata/monitor.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata monitor [options]\n"
"\n"
"Watches the containers on this host in real time and writes an alert, a\n"
"JSON line in the shape of Falco's, for every event a rule matches. Rules\n"
"are Falco's language (the subset docs/monitor-rules.md describes); the\n"
"built-in ones cover shells, package managers, writes below /etc, /bin and\n"
"/usr, /etc/shadow, drift (running a file written after the start), setuid\n"
"binaries, the runtime socket, mount/nsenter/unshare, miner pools and\n"
"reverse shells. Capture is eBPF where the kernel allows it, else the\n"
"netlink process connector and fanotify (stderr says which, and what that\n"
"mode cannot see). Needs root, except --replay and --list-rules.\n"
"\n"
"rules:\n"
"  -r, --rules PATH         a rules file, or a directory of *.yaml (in name\n"
"                           order); repeatable, loaded after the built-in\n"
"                           rules, which they may override or append to\n"
"      --no-default-rules   only the rules given with --rules\n"
"      --list-rules         list the rules that would run and those skipped\n"
"                           (with the reason), then exit\n"
"      --list-fields        list the fields conditions may use, then exit\n"
"\n"
"capture:\n"
"      --host               also watch processes outside containers\n"
"      --capture MODE       auto (default), ebpf or fallback\n"
"      --duration TIME      stop after TIME (30s, 5m, 1h); default: until\n"
"                           SIGINT or SIGTERM\n"
"      --record FILE        write every event as a JSON line to FILE\n"
"      --replay FILE        run the rules over recorded events (JSON lines,\n"
"                           - for stdin) instead of capturing: no\n"
"                           privileges, same alerts on every run\n"
"\n"
"outputs:\n"
"  -o, --output FILE        append alerts to FILE (default: stdout)\n"
"      --webhook URL        also POST each alert (JSON) to URL, retried with\n"
"                           backoff from a bounded queue\n"
"      --syslog             also send alerts to syslog (facility daemon)\n"
"      --rate N             at most N alerts per rule and container a\n"
"                           minute (default 10; 0: no limit)\n"
"      --dedup TIME         fold an alert identical to one written less\n"
"                           than TIME ago (default 2s; 0: never); what is\n"
"                           folded or over the rate is summed up once a\n"
"                           minute in an \"Alerts suppressed\" line\n"
"      --metrics FILE       Prometheus text file of the counters, rewritten\n"
"                           every second (node_exporter's textfile format)\n"
"\n"
"resource statistics:\n"
"      --stats              sample every container's CPU, memory, pids,\n"
"                           block IO and network; alert (\"Resource\n"
"                           anomaly\") when CPU or the process count stays\n"
"                           far above the container's own baseline\n"
"      --interval TIME      sampling period (default 5s)\n"
"      --stats-output FILE  append the samples to FILE (default: the alert\n"
"                           output)\n"
"\n"
"  -q, --quiet              no capture mode and summary lines on stderr\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata monitor\n"
"  strata monitor --rules ./rules/ --output alerts.jsonl --webhook https://…\n"
"  strata monitor --stats --interval 5s\n"
"  strata monitor --record events.jsonl --duration 60s\n"
"  strata monitor --replay events.jsonl\n"
"\n"
"exit codes: 0 stopped (signal, --duration, end of the replay, the\n"
"reader of the output went away), 2 error\n");
}

/* "500ms", "2s", "5m", "1h", or a number of seconds, into milliseconds. */
static bool parse_time(const char *s, uint64_t max_ms, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000},
                 {"h", 3600000}};
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return false;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcmp(end, units[i].unit)) {
            if (v > max_ms / units[i].ms)
                return false;
            *out = v * units[i].ms;
            return true;
        }
    return false;
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    if (stop_flag) /* a second one: stop waiting for a clean end */
        signal(sig, SIG_DFL);
    stop_flag = 1;
}

static int add_rules(const char ***arr, size_t *n, const char *path)
{
    const char **p = realloc(*arr, (*n + 1) * sizeof(char *));
    if (!p)
        return -1;
    *arr = p;
    p[(*n)++] = path;
    return 0;
}

enum {
    OPT_NODEFAULT = 256, OPT_LISTRULES, OPT_LISTFIELDS, OPT_WEBHOOK,
    OPT_SYSLOG, OPT_HOST, OPT_CAPTURE, OPT_DURATION, OPT_REPLAY, OPT_RECORD,
    OPT_STATS, OPT_INTERVAL, OPT_STATSOUT, OPT_METRICS, OPT_RATE, OPT_DEDUP
};

int cmd_monitor(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"no-default-rules", no_argument, NULL, OPT_NODEFAULT},
        {"list-rules", no_argument, NULL, OPT_LISTRULES},
        {"list-fields", no_argument, NULL, OPT_LISTFIELDS},
        {"output", required_argument, NULL, 'o'},
        {"webhook", required_argument, NULL, OPT_WEBHOOK},
        {"syslog", no_argument, NULL, OPT_SYSLOG},
        {"host", no_argument, NULL, OPT_HOST},
        {"capture", required_argument, NULL, OPT_CAPTURE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"record", required_argument, NULL, OPT_RECORD},
        {"stats", no_argument, NULL, OPT_STATS},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"stats-output", required_argument, NULL, OPT_STATSOUT},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"dedup", required_argument, NULL, OPT_DEDUP},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    st_monitor_options o = ST_MONITOR_OPTIONS_INIT;
    st_monitor_counters n = {0};
    st_error *err = NULL;
    const char **rules = NULL;
    size_t nrules = 0;
    bool list_rules = false, list_fields = false, stats = false;
    bool quiet = false, interval_set = false;
    uint64_t interval = 5000, v;
    FILE *log = NULL;
    struct sigaction sa;
    int c, rc = EXIT_OK;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (add_rules(&rules, &nrules, optarg) < 0) {
                rc = cli_fail("out of memory");
                goto done;
            }
            break;
        case OPT_NODEFAULT: o.no_default_rules = true; break;
        case OPT_LISTRULES: list_rules = true; break;
        case OPT_LISTFIELDS: list_fields = true; break;
        case 'o': o.output = optarg; break;
        case OPT_WEBHOOK: o.webhook = optarg; break;
        case OPT_SYSLOG: o.syslog = true; break;
        case OPT_HOST: o.host = true; break;
        case OPT_CAPTURE:
            if (strcmp(optarg, "auto") && strcmp(optarg, "ebpf") &&
                strcmp(optarg, "fallback")) {
                rc = cli_fail("monitor: --capture %s: expected auto, ebpf "
                              "or fallback", optarg);
                goto done;
            }
            o.capture = optarg;
            break;
        case OPT_DURATION:
            if (!parse_time(optarg, UINT64_MAX / 2, &o.duration_ms) ||
                !o.duration_ms) {
                rc = cli_fail("monitor: --duration %s: expected a time such "
                              "as 30s, 5m, 1h", optarg);
                goto done;
            }
            break;
        case OPT_REPLAY: o.replay = optarg; break;
        case OPT_RECORD: o.record = optarg; break;
        case OPT_STATS: stats = true; break;
        case OPT_INTERVAL:
            if (!parse_time(optarg, 86400000, &interval) ||
                interval < 100) {
                rc = cli_fail("monitor: --interval %s: expected a time from "
                              "100ms to 24h", optarg);
                goto done;
            }
            interval_set = true;
            break;
        case OPT_STATSOUT: o.stats_output = optarg; break;
        case OPT_METRICS: o.metrics = optarg; break;
        case OPT_RATE: {
            char *end;
            unsigned long r;
            errno = 0;
            r = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || *optarg == '-' ||
                r > 1000000) {
                rc = cli_fail("monitor: --rate %s: expected 0..1000000 "
                              "alerts a minute", optarg);
                goto done;
            }
            o.rate_per_minute = (unsigned)r;
            break;
        }
        case OPT_DEDUP:
            if (!parse_time(optarg, 3600000, &v)) {
                rc = cli_fail("monitor: --dedup %s: expected a time such as "
                              "2s or 500ms, at most 1h", optarg);
                goto done;
            }
            o.dedup_ms = (unsigned)v;
            break;
        case 'q': quiet = true; break;
        case 'h':
            help(stdout);
            goto done;
        case ':':
            rc = cli_fail("monitor: %s needs a value (see 'strata monitor "
                          "--help')", argv[optind - 1]);
            goto done;
        default:
            rc = cli_fail("monitor: unknown option %s (see 'strata monitor "
                          "--help')", argv[optind - 1]);
            goto done;
        }
    }
    if (optind < argc) {
        rc = cli_fail("monitor: unexpected argument \"%s\" (see 'strata "
                      "monitor --help')", argv[optind]);
        goto done;
    }
    o.rule_files = rules;
    o.rule_file_count = nrules;
    if (list_fields) {
        if (st_monitor_list_fields(stdout, &err) < 0)
            rc = cli_fail_err(err, "monitor");
        goto done;
    }
    if (list_rules) {
        if (st_monitor_check_rules(&o, stdout, &err) < 0)
            rc = cli_fail_err(err, "monitor");
        goto done;
    }
    if ((interval_set || o.stats_output) && !stats) {
        rc = cli_fail("monitor: %s needs --stats",
                      interval_set ? "--interval" : "--stats-output");
        goto done;
    }
    if (o.replay && (stats || o.duration_ms || o.capture)) {
        rc = cli_fail("monitor: --replay reads recorded events: %s does not "
                      "apply", stats ? "--stats" : o.duration_ms ? "--duration"
                                                                 : "--capture");
        goto done;
    }
    if (stats)
        o.stats_interval_ms = (unsigned)interval;

    if (quiet && !(log = fopen("/dev/null", "we"))) {
        rc = cli_fail("/dev/null: %s", strerror(errno));
        goto done;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: waits end at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (st_monitor_run(&o, &stop_flag, log, &n, &err) < 0) {
        rc = cli_fail_err(err, "monitor");
        goto done;
    }
    if (!quiet) {
        fprintf(stderr,
                "strata monitor: %llu events, %llu matched, %llu alerts, "
                "%llu suppressed, %llu dropped",
                (unsigned long long)n.events, (unsigned long long)n.matched,
                (unsigned long long)n.alerts, (unsigned long long)n.suppressed,
                (unsigned long long)n.dropped);
        if (n.stats_samples)
            fprintf(stderr, ", %llu stats samples",
                    (unsigned long long)n.stats_samples);
        if (n.webhook_failures)
            fprintf(stderr, ", %llu alerts not delivered to the webhook",
                    (unsigned long long)n.webhook_failures);
        fputc('\n', stderr);
    }
done:
    if (log)
        fclose(log);
    free(rules);
    return rc;
}
