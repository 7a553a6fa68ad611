/* bench_monitor_rules — the runtime rule engine alone, on one core: the
 * default rules (rules/monitor, as compiled into the library; --rules adds
 * a file after them, --no-defaults leaves them out) evaluated on a
 * realistic mix of events, alerts rendered as the monitor renders them.
 * Times are CPU seconds of the evaluating thread (pinned to CPU 0), so
 * events/s reads "per core" even on a shared machine.
 *
 * The mix (generated, 8192 distinct events, seed fixed): 44 % openat
 * (reads of libraries, configuration and /proc, log and temp writes),
 * 12 % execve (shells, interpreters, tools, daemons), 10 % clone and 10 %
 * procexit, 8 % connect, 3 % accept, 3 % dup2 onto 0-2 (pipes), 3 %
 * setuid/setgid dropping root, 2 % unlink, 2 % rename, 2 % chmod, 1 %
 * bind or listen; 85 % of them in containers; a handful fire rules, as in
 * a real workload. --events FILE replays a recording (JSON lines, as
 * `strata monitor --record` writes) instead; its parsing is timed apart.
 *
 * Prints the rules, the mix, then the best of --rounds rounds (default 5)
 * of at least --seconds (default 1) each; the last line is the result:
 *   rules  N events/s on one core (goal >= 1,000,000: ratio R)
 *
 * Usage: bench_monitor_rules [--rules FILE] [--no-defaults]
 *                            [--events FILE] [--rounds N] [--seconds S] */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/rules.h"

#define NEVENTS 8192

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A small fixed PRNG (xorshift64*): the same mix on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ull) >> 32) % n;
}

#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]

static const char *const images[] = {
    "docker.io/library/nginx:1.25", "docker.io/library/postgres:16",
    "registry.example.com/shop/api:2.3.1", "docker.io/library/redis:7",
    "quay.io/prometheus/node-exporter:v1.7.0"};
static const char *const daemons[] = {
    "nginx", "postgres", "api", "redis", "node_exporter", "java", "node"};
static const char *const reads[] = {"/usr/lib/x86_64-linux-gnu/libc.so.6",
                                    "/etc/ld.so.cache",
                                    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
                                    "/etc/nsswitch.conf",
                                    "/etc/passwd",
                                    "/etc/hosts",
                                    "/etc/resolv.conf",
                                    "/proc/self/status",
                                    "/proc/meminfo",
                                    "/sys/fs/cgroup/cpu.max",
                                    "/app/config.yaml",
                                    "/usr/share/zoneinfo/UTC",
                                    "/etc/nginx/nginx.conf",
                                    "/var/lib/postgresql/data/base/16384/2619",
                                    "/usr/lib/python3.11/os.py"};
static const char *const writes[] = {
    "/var/log/nginx/access.log",
    "/tmp/tmp.4f2a1c",
    "/var/cache/app/blob.1",
    "/var/lib/postgresql/data/pg_wal/000000010000000000000001",
    "/run/app.pid",
    "/dev/null",
    "/data/redis/dump.rdb"};
static const char *const programs[][3] = {
    /* name, path, args */
    {"sh", "/bin/sh", "-c /docker-entrypoint.d/10-listen.sh"},
    {"python3", "/usr/bin/python3.11", "/app/worker.py --queue default"},
    {"curl", "/usr/bin/curl", "-fsS http://localhost:8080/healthz"},
    {"ls", "/bin/ls", "-la /var/lib/app"},
    {"cat", "/bin/cat", "/proc/loadavg"},
    {"node", "/usr/local/bin/node", "/app/server.js"},
    {"java", "/opt/java/bin/java", "-Xmx512m -jar /app/app.jar"},
    {"pg_isready", "/usr/lib/postgresql/16/bin/pg_isready", "-U postgres"},
    {"date", "/bin/date", "+%s"},
    {"grep", "/bin/grep", "-q ready /tmp/status"},
};

static void container(st_event *ev, unsigned k)
{
    snprintf(ev->container_id, sizeof(ev->container_id), "%012x%052x",
             0xc0ffee00u + k, k);
    snprintf(ev->container_name, sizeof(ev->container_name), "app-%u", k);
    snprintf(ev->image, sizeof(ev->image), "%s", images[k % 5]);
    snprintf(ev->runtime, sizeof(ev->runtime), "docker");
}

static void make(st_event *ev, unsigned i)
{
    unsigned r = rnd(100), k = rnd(5);
    memset(ev, 0, sizeof(*ev));
    ev->num = i + 1;
    ev->ts_ns = 1714564800000000000ull + (uint64_t)i * 1000;
    ev->pid = 1000 + rnd(30000);
    ev->tid = ev->pid;
    ev->ppid = 1 + rnd(1000);
    ev->uid = rnd(3) ? 0 : 101;
    ev->gid = ev->uid;
    ev->loginuid = UINT32_MAX;
    ev->cap_effective = ev->uid ? 0 : 0xa80425fbull; /* docker's default */
    snprintf(ev->comm, sizeof(ev->comm), "%s", daemons[k]);
    snprintf(ev->pcomm, sizeof(ev->pcomm), "%s",
             rnd(2) ? "containerd-shim" : daemons[k]);
    snprintf(ev->exe, sizeof(ev->exe), "/usr/sbin/%s", daemons[k]);
    if (rnd(100) < 85)
        container(ev, k);
    if (r < 44) {
        bool w = rnd(4) == 0;
        ev->type = ST_EV_OPEN;
        ev->ret = rnd(20) ? (int64_t)(3 + rnd(60)) : -2;
        ev->flags = w ? 01 | 0100 | 01000 | 02000000 : 02000000;
        snprintf(ev->path, sizeof(ev->path), "%s",
                 w ? PICK(writes) : PICK(reads));
    } else if (r < 56) {
        unsigned p = rnd(sizeof(programs) / sizeof(programs[0]));
        ev->type = ST_EV_EXECVE;
        ev->ret = 0;
        snprintf(ev->comm, sizeof(ev->comm), "%s", programs[p][0]);
        snprintf(ev->exe, sizeof(ev->exe), "%s", programs[p][1]);
        snprintf(ev->args, sizeof(ev->args), "%s", programs[p][2]);
    } else if (r < 66) {
        ev->type = ST_EV_FORK;
        ev->ret = ev->pid + 1;
        ev->flags = 0x01200011; /* CLONE_CHILD_SETTID|CLEARTID|SIGCHLD */
    } else if (r < 76) {
        ev->type = ST_EV_EXIT;
    } else if (r < 87) {
        static const uint16_t ports[] = {443, 80, 5432, 6379, 53, 8080, 9090};
        ev->type = r < 84 ? ST_EV_CONNECT : ST_EV_ACCEPT;
        ev->ret = ev->type == ST_EV_CONNECT ? (rnd(3) ? 0 : (int64_t)-115)
                                            : (int64_t)(4 + rnd(100));
        ev->family = 2;
        ev->l4proto = PICK(ports) == 53 ? 17 : 6;
        ev->saddr[0] = 172;
        ev->saddr[1] = 17;
        ev->saddr[3] = (uint8_t)(2 + k);
        ev->daddr[0] = 10;
        ev->daddr[3] = (uint8_t)rnd(250);
        ev->sport = (uint16_t)(32768 + rnd(28000));
        ev->dport = PICK(ports);
    } else if (r < 90) {
        ev->type = ST_EV_DUP; /* a shell's redirection: a pipe */
        ev->ret = rnd(3);
        ev->arg = (uint32_t)ev->ret;
    } else if (r < 93) {
        ev->type = rnd(2) ? ST_EV_SETUID : ST_EV_SETGID;
        ev->uid = ev->gid = 0;
        ev->arg = 101;
    } else if (r < 95) {
        ev->type = ST_EV_UNLINK;
        snprintf(ev->path, sizeof(ev->path), "%s", PICK(writes));
    } else if (r < 97) {
        ev->type = ST_EV_RENAME;
        snprintf(ev->path, sizeof(ev->path), "%s", PICK(writes));
    } else if (r < 99) {
        ev->type = ST_EV_CHMOD;
        ev->flags = 0644;
        snprintf(ev->path, sizeof(ev->path), "%s", PICK(writes));
    } else {
        ev->type = rnd(2) ? ST_EV_BIND : ST_EV_LISTEN;
        ev->family = 2;
        ev->l4proto = 6;
        ev->sport = 8080;
    }
}

static size_t alerts;
static size_t out_bytes;

static void on_hit(const st_rule_info *rule,
                   const st_event *ev,
                   const char *output,
                   void *payload)
{
    (void)rule;
    (void)ev;
    (void)payload;
    alerts++;
    out_bytes += strlen(output);
}

static int
load_events(const char *path, st_event **out, size_t *n, double *parse_s)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, len = 0, alloc = 0;
    ssize_t got;
    st_event *evs = NULL;
    double t0;
    if (!f) {
        perror(path);
        return -1;
    }
    t0 = cpu_now();
    while ((got = getline(&line, &cap, f)) > 0) {
        st_error *err = NULL;
        if (len == alloc) {
            alloc = alloc ? alloc * 2 : 4096;
            evs = realloc(evs, alloc * sizeof(*evs));
            if (!evs)
                return -1;
        }
        if (st_ev_from_json(&evs[len], line, (size_t)got, path, &err) < 0) {
            fprintf(stderr, "%s\n", st_error_message(err));
            st_error_free(err);
            continue;
        }
        len++;
    }
    *parse_s = cpu_now() - t0;
    free(line);
    fclose(f);
    *out = evs;
    *n = len;
    return len ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *extra = NULL, *events_file = NULL;
    bool defaults = true;
    int rounds = 5;
    double seconds = 1, best = 0, parse_s = 0;
    st_rules *r = NULL;
    st_error *err = NULL;
    st_event *evs;
    size_t nev = NEVENTS, counts[ST_EV__COUNT] = {0}, incontainer = 0;
    cpu_set_t cpus;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rules") && i + 1 < argc)
            extra = argv[++i];
        else if (!strcmp(argv[i], "--no-defaults"))
            defaults = false;
        else if (!strcmp(argv[i], "--events") && i + 1 < argc)
            events_file = argv[++i];
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_monitor_rules [--rules FILE] "
                            "[--no-defaults] [--events FILE] [--rounds N] "
                            "[--seconds S]\n");
            return 2;
        }
    }
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    sched_setaffinity(0, sizeof(cpus), &cpus); /* best effort */

    if (st_rules_new(&r, &err) < 0 ||
        (defaults && st_rules_load_builtin(r, &err) < 0) ||
        (extra && st_rules_load_file(r, extra, &err) < 0) ||
        st_rules_compile(r, &err) < 0) {
        fprintf(stderr, "bench_monitor_rules: %s\n", st_error_message(err));
        return 1;
    }
    {
        const st_rule_skip *s;
        printf("rules    %zu compiled, %zu skipped\n", st_rules_count(r),
               st_rules_skipped(r, &s));
    }
    if (events_file) {
        if (load_events(events_file, &evs, &nev, &parse_s) < 0)
            return 1;
    } else {
        evs = calloc(NEVENTS, sizeof(*evs));
        if (!evs)
            return 1;
        for (unsigned i = 0; i < NEVENTS; i++)
            make(&evs[i], i);
    }
    for (size_t i = 0; i < nev; i++) {
        counts[evs[i].type]++;
        incontainer += evs[i].container_id[0] != 0;
    }
    printf("events   %zu distinct (%s), %.0f %% in containers:", nev,
           events_file ? events_file : "generated mix",
           100.0 * (double)incontainer / (double)nev);
    for (int t = 1; t < ST_EV__COUNT; t++)
        if (counts[t])
            printf(" %s %.0f%%", st_ev_type_name(t),
                   100.0 * (double)counts[t] / (double)nev);
    printf("\n");
    if (events_file)
        printf("parse    %.0f events/s (JSON lines to events, one core)\n",
               (double)nev / parse_s);

    for (int round = 0; round < rounds; round++) {
        size_t done = 0, hits = 0;
        double t0 = cpu_now(), dt;
        alerts = 0;
        do {
            for (size_t i = 0; i < nev; i++)
                hits += st_rules_eval(r, &evs[i], on_hit, NULL);
            done += nev;
        } while ((dt = cpu_now() - t0) < seconds);
        if ((double)done / dt > best)
            best = (double)done / dt;
        if (round == 0)
            printf("alerts   %.2f per 1000 events (%zu matches in %zu "
                   "events)\n",
                   1000.0 * (double)hits / (double)done, hits, done);
    }
    printf("rules    %.0f events/s on one core (goal >= 1,000,000: ratio "
           "%.2f)\n",
           best, best / 1e6);
    free(evs);
    st_rules_free(r);
    return 0;
}
