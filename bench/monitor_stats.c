/* bench/monitor_stats — container attribution and statistics on this
 * host, for bench/monitor_stats and the monitor integration tests:
 *
 *   monitor_stats lookup PID|self
 *       the cgroup id of PID in the id hierarchy, and the container that
 *       id and the pid attribute it to, as one JSON object
 *   monitor_stats list
 *       the running containers, one JSON object a line
 *   monitor_stats sample ID [MS]
 *       one sample of container ID as JSON; with MS, two samples MS
 *       milliseconds apart and the second printed (cpu_percent is then
 *       over that interval), with the interval's ends in ns
 *   monitor_stats bench ID [N]
 *       N samples (default 20000) with the stat files kept open and
 *       re-read with pread, then N with open/read/close each time;
 *       prints µs per sample for each and the ratio
 *
 * Reads the host's defaults (/sys/fs/cgroup, /proc, /run/runc, …). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "monitor/container.h"

static void die(const char *what, st_error *err)
{
    char *m = st_error_format(err);
    fprintf(stderr, "monitor_stats: %s: %s\n", what, m ? m : "failed");
    exit(1);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned long num(const char *s, const char *what)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end) {
        fprintf(stderr, "monitor_stats: %s %s: expected a number\n", what, s);
        exit(2);
    }
    return v;
}

static json_t *container_json(const st_container *ct)
{
    if (!ct)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                     "s:I, s:i}",
                     "id", ct->id, "name", ct->name, "image", ct->image,
                     "runtime", ct->runtime, "pod", ct->pod, "namespace",
                     ct->k8s_ns, "pod_uid", ct->pod_uid, "bundle", ct->bundle,
                     "rootfs", ct->rootfs, "cgroup_path", ct->cgroup_path,
                     "cgroup_id", (json_int_t)ct->cgroup_id, "init_pid",
                     (int)ct->init_pid);
}

static void print(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    puts(s ? s : "null");
    free(s);
    json_decref(j);
}

static int cmd_lookup(st_containers *c, const char *arg)
{
    uint32_t pid =
        !strcmp(arg, "self") ? (uint32_t)getpid() : (uint32_t)num(arg, "pid");
    st_error *err = NULL;
    uint64_t cgid, *host = NULL;
    size_t nhost = 0;
    bool in_host = false;
    json_t *by_id, *by_pid;

    if (st_containers_pid_cgroup(c, pid, &cgid, &err))
        die("pid cgroup", err);
    by_id = container_json(st_containers_lookup(c, cgid, 0, NULL));
    by_pid = container_json(st_containers_lookup(c, 0, pid, NULL));
    if (st_containers_host_cgroups(c, &host, &nhost, &err))
        die("host cgroups", err);
    for (size_t i = 0; i < nhost; i++)
        in_host |= host[i] == cgid;
    st_free(host);
    print(json_pack(
        "{s:I, s:s, s:s, s:b, s:o, s:o}", "cgroup_id", (json_int_t)cgid, "ids",
        st_containers_ids(c) == ST_CGROUP_IDS_MEMORY ? "memory" : "unified",
        "hierarchy", st_containers_hierarchy(c), "host_cgroup", in_host,
        "by_id", by_id, "by_pid", by_pid));
    return 0;
}

static const st_container *find(st_containers *c, const char *id)
{
    const st_container **list;
    size_t n;
    st_error *err = NULL;
    if (st_containers_list(c, &list, &n, &err))
        die("list", err);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i]->id, id))
            return list[i];
    fprintf(stderr, "monitor_stats: no running container %s\n", id);
    exit(1);
}

static json_t *stats_json(const st_cstats *s)
{
    return json_pack(
        "{s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cpu_percent",
        s->cpu_percent, "cpu_ns", (json_int_t)s->cpu_ns, "mem_bytes",
        (json_int_t)s->mem_bytes, "mem_limit", (json_int_t)s->mem_limit, "pids",
        (json_int_t)s->pids, "blk_read", (json_int_t)s->blk_read, "blk_write",
        (json_int_t)s->blk_write, "net_rx", (json_int_t)s->net_rx, "net_tx",
        (json_int_t)s->net_tx);
}

static int cmd_sample(st_containers *c, const char *id, const char *ms)
{
    const st_container *ct = find(c, id);
    st_stats *s = NULL;
    st_cstats st;
    st_error *err = NULL;
    uint64_t t0, t1;
    json_t *j;

    if (st_stats_open(&s, NULL, ct, &err))
        die(id, err);
    t0 = mono_ns();
    if (st_stats__sample_at(s, t0, &st, &err))
        die(id, err);
    t1 = t0;
    if (ms) {
        usleep((useconds_t)num(ms, "interval") * 1000);
        t1 = mono_ns();
        if (st_stats__sample_at(s, t1, &st, &err))
            die(id, err);
    }
    j = stats_json(&st);
    json_object_set_new(j, "interval_ns", json_integer((json_int_t)(t1 - t0)));
    print(j);
    st_stats_close(s);
    return 0;
}

static double per_sample_us(st_stats *s, unsigned long n, bool reopen)
{
    st_cstats st;
    st_error *err = NULL;
    uint64_t t0;
    st_stats__reopen_each(s, reopen);
    t0 = mono_ns();
    for (unsigned long i = 0; i < n; i++)
        if (st_stats_sample(s, &st, &err))
            die("sample", err);
    return (double)(mono_ns() - t0) / 1000.0 / (double)n;
}

static int cmd_bench(st_containers *c, const char *id, const char *count)
{
    const st_container *ct = find(c, id);
    unsigned long n = count ? num(count, "count") : 20000;
    st_stats *kept = NULL, *reopened = NULL;
    st_error *err = NULL;
    double k = 1e300, r = 1e300;

    if (st_stats_open(&kept, NULL, ct, &err) ||
        st_stats_open(&reopened, NULL, ct, &err))
        die(id, err);
    /* Best of three rounds each, interleaved, so that load from the rest
     * of the machine hits both alike. */
    for (int round = 0; round < 3; round++) {
        double a = per_sample_us(kept, n, false);
        double b = per_sample_us(reopened, n, true);
        k = a < k ? a : k;
        r = b < r ? b : r;
    }
    printf("samples per run            %lu (best of 3)\n", n);
    printf("kept open, pread           %.2f us/sample\n", k);
    printf("open/read/close each time  %.2f us/sample\n", r);
    printf("ratio                      %.2fx\n", r / k);
    st_stats_close(kept);
    st_stats_close(reopened);
    return 0;
}

int main(int argc, char **argv)
{
    st_containers *c = NULL;
    st_error *err = NULL;
    int rc = 2;

    if (argc < 2)
        goto usage;
    if (st_containers_open(&c, NULL, &err))
        die("containers", err);
    if (!strcmp(argv[1], "lookup") && argc == 3) {
        rc = cmd_lookup(c, argv[2]);
    } else if (!strcmp(argv[1], "list") && argc == 2) {
        const st_container **list;
        size_t n;
        if (st_containers_list(c, &list, &n, &err))
            die("list", err);
        for (size_t i = 0; i < n; i++)
            print(container_json(list[i]));
        rc = 0;
    } else if (!strcmp(argv[1], "sample") && (argc == 3 || argc == 4)) {
        rc = cmd_sample(c, argv[2], argc == 4 ? argv[3] : NULL);
    } else if (!strcmp(argv[1], "bench") && (argc == 3 || argc == 4)) {
        rc = cmd_bench(c, argv[2], argc == 4 ? argv[3] : NULL);
    } else {
        st_containers_free(c);
        goto usage;
    }
    st_containers_free(c);
    return rc;
usage:
    fprintf(stderr, "usage: monitor_stats lookup PID|self | list | "
                    "sample ID [MS] | bench ID [N]\n");
    return 2;
}
