/* Container statistics over fake cgroup v1 and v2 trees written here in
 * the kernel's formats (cpuacct.usage, memory.stat, blkio.throttle.*,
 * cpu.stat, io.stat, /proc/<pid>/net/dev). The files are rewritten in
 * place between samples, as the kernel regenerates them: a sampler that
 * did not re-read from offset 0 would see the old values or nothing. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "monitor/container.h"
#include "fake_tree.h"

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "%s/strata-st.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(root));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_tree(root);
    return 0;
}

static char cg[300], procdir[300];

static st_containers_options opts(void)
{
    st_containers_options o = {0};
    snprintf(cg, sizeof(cg), "%s/cg", root);
    snprintf(procdir, sizeof(procdir), "%s/proc", root);
    o.cgroup_root = cg;
    o.proc_root = procdir;
    return o;
}

static st_stats *open_stats(const st_container *ct)
{
    st_containers_options o = opts();
    st_stats *s = NULL;
    st_error *err = NULL;
    if (st_stats_open(&s, &o, ct, &err))
        fail_msg("%s", st_error_message(err));
    return s;
}

static void sample(st_stats *s, uint64_t t, st_cstats *out)
{
    st_error *err = NULL;
    if (st_stats__sample_at(s, t, out, &err))
        fail_msg("%s", st_error_message(err));
}

#define MS 1000000ull

static const char net_dev[] =
    "Inter-|   Receive                                                |  "
    "Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|"
    "bytes    packets errs drop fifo colls carrier compressed\n"
    "    lo:  %llu      10    0    0    0     0          0         0  "
    "%llu      10    0    0    0     0       0          0\n"
    "  eth0: %llu     120    0    0    0     0          0         0    "
    "%llu      80    0    0    0     0       0          0\n"
    "  eth1:    1000       2    0    0    0     0          0         0    "
    "   20       1    0    0    0     0       0          0\n";

/* v1 as runc lays it out on this project's CI host: memory under the
 * caller's memory cgroup, the others at /box, cpuacct co-mounted with cpu;
 * every controller's directory comes from /proc/<pid>/cgroup. */
static void test_stats__v1(void **state)
{
    st_container ct = {0};
    st_cstats st;
    st_stats *s;
    (void)state;
    snprintf(ct.id, sizeof(ct.id), "box");
    snprintf(ct.cgroup_path, sizeof(ct.cgroup_path), "process_api/abc/box");
    ct.init_pid = 700;
    put("proc/700/cgroup",
        "9:name=systemd:/box\n8:pids:/box\n7:blkio:/box\n"
        "4:memory:/process_api/abc/box\n2:cpu,cpuacct:/box\n0::/box\n");
    put("proc/700/net/dev", net_dev, 5000ull, 5000ull, 123456ull, 654321ull);
    put("cg/cpu,cpuacct/box/cpuacct.usage", "1000000000\n");
    put("cg/memory/process_api/abc/box/memory.usage_in_bytes", "10485760\n");
    put("cg/memory/process_api/abc/box/memory.stat",
        "cache 4194304\nrss 6291456\ninactive_file 1\n"
        "hierarchical_memory_limit 9223372036854771712\n"
        "total_cache 4194304\ntotal_rss 6291456\n"
        "total_inactive_file 2097152\ntotal_active_file 2097152\n");
    put("cg/memory/process_api/abc/box/memory.limit_in_bytes",
        "9223372036854771712\n");
    put("cg/memory/process_api/abc/box/tasks", "700\n701\n");
    put("cg/pids/box/pids.current", "3\n");
    put("cg/blkio/box/blkio.throttle.io_service_bytes_recursive",
        "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n"
        "8:0 Discard 0\n8:0 Total 12288\n8:16 Read 100\n8:16 Write 0\n"
        "8:16 Total 100\nTotal 12388\n");
    s = open_stats(&ct);

    sample(s, 1000 * MS, &st);
    assert_true(st.cpu_percent == 0); /* no interval yet */
    assert_int_equal(st.cpu_ns, 1000000000);
    assert_int_equal(st.mem_bytes, 10485760 - 2097152);
    assert_int_equal(st.mem_limit, 0); /* v1's "no limit" */
    assert_int_equal(st.pids, 3);
    assert_int_equal(st.blk_read, 4196);
    assert_int_equal(st.blk_write, 8192);
    assert_int_equal(st.net_rx, 123456 + 1000);
    assert_int_equal(st.net_tx, 654321 + 20);

    /* 250 ms of CPU in 500 ms: half a CPU. */
    put("cg/cpu,cpuacct/box/cpuacct.usage", "1250000000\n");
    put("cg/memory/process_api/abc/box/memory.limit_in_bytes", "67108864\n");
    put("cg/memory/process_api/abc/box/memory.usage_in_bytes", "1048576\n");
    put("cg/pids/box/pids.current", "12\n");
    put("proc/700/net/dev", net_dev, 9000ull, 9000ull, 200000ull, 700000ull);
    sample(s, 1500 * MS, &st);
    assert_true(st.cpu_percent > 49.999 && st.cpu_percent < 50.001);
    assert_int_equal(st.cpu_ns, 1250000000);
    assert_int_equal(st.mem_limit, 67108864);
    /* Inactive file cache larger than the usage read a moment later: the
     * usage, not an underflow. */
    assert_int_equal(st.mem_bytes, 1048576);
    assert_int_equal(st.pids, 12);
    assert_int_equal(st.net_rx, 201000);
    assert_int_equal(st.net_tx, 700020);

    /* Two full CPUs over 100 ms. */
    put("cg/cpu,cpuacct/box/cpuacct.usage", "1450000000\n");
    sample(s, 1600 * MS, &st);
    assert_true(st.cpu_percent > 199.999 && st.cpu_percent < 200.001);
    st_stats_close(s);

    /* Opening, reading and closing every time gives the same figures. */
    s = open_stats(&ct);
    st_stats__reopen_each(s, true);
    sample(s, 1000 * MS, &st);
    put("cg/cpu,cpuacct/box/cpuacct.usage", "1550000000\n");
    sample(s, 1100 * MS, &st);
    assert_true(st.cpu_percent > 99.999 && st.cpu_percent < 100.001);
    assert_int_equal(st.mem_bytes, 1048576);
    assert_int_equal(st.blk_read, 4196);
    assert_int_equal(st.pids, 12);
    st_stats_close(s);
}

/* No pids or blkio controller, no init pid: the attribution path in each
 * controller, tasks counted, no network figures. */
static void test_stats__v1_sparse(void **state)
{
    st_container ct = {0};
    st_cstats st;
    st_stats *s;
    (void)state;
    snprintf(ct.id, sizeof(ct.id), "sparse");
    snprintf(ct.cgroup_path, sizeof(ct.cgroup_path), "docker/abc");
    put("cg/cpuacct/docker/abc/cpuacct.usage", "5\n");
    put("cg/memory/docker/abc/memory.usage_in_bytes", "4096\n");
    put("cg/memory/docker/abc/memory.stat", "total_inactive_file 0\n");
    put("cg/memory/docker/abc/memory.limit_in_bytes", "1073741824\n");
    put("cg/memory/docker/abc/tasks", "10\n11\n12\n13\n");
    s = open_stats(&ct);
    sample(s, 1, &st);
    assert_int_equal(st.cpu_ns, 5);
    assert_int_equal(st.mem_bytes, 4096);
    assert_int_equal(st.mem_limit, 1073741824);
    assert_int_equal(st.pids, 4);
    assert_int_equal(st.blk_read + st.blk_write + st.net_rx + st.net_tx, 0);
    st_stats_close(s);
}

static void test_stats__v2(void **state)
{
    st_container ct = {0};
    st_cstats st;
    st_stats *s;
    const char *d = "cg/system.slice/docker-x.scope";
    char p[256];
    (void)state;
    snprintf(ct.id, sizeof(ct.id), "x");
    snprintf(ct.cgroup_path, sizeof(ct.cgroup_path), "wrong/path");
    ct.init_pid = 900;
    put("cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    put("proc/900/cgroup", "0::/system.slice/docker-x.scope\n");
    put("proc/900/net/dev", net_dev, 1ull, 1ull, 10ull, 20ull);
#define PUT(file, ...)                                                         \
    do {                                                                       \
        snprintf(p, sizeof(p), "%s/%s", d, file);                              \
        put(p, __VA_ARGS__);                                                   \
    } while (0)
    PUT("cpu.stat", "usage_usec 2000000\nuser_usec 1500000\n"
                    "system_usec 500000\nnr_periods 0\n");
    PUT("memory.current", "52428800\n");
    PUT("memory.stat", "anon 41943040\nfile 10485760\nactive_file 5242880\n"
                       "inactive_file 5242880\nslab 0\n");
    PUT("memory.max", "max\n");
    PUT("pids.current", "7\n");
    PUT("io.stat", "8:16 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 "
                   "dios=0\n253:0 rbytes=4096 wbytes=0 rios=1 wios=0 "
                   "dbytes=0 dios=0\n");
    s = open_stats(&ct);
    sample(s, 10 * MS, &st);
    assert_int_equal(st.cpu_ns, 2000000000);
    assert_int_equal(st.mem_bytes, 52428800 - 5242880);
    assert_int_equal(st.mem_limit, 0);
    assert_int_equal(st.pids, 7);
    assert_int_equal(st.blk_read, 5120);
    assert_int_equal(st.blk_write, 2048);
    assert_int_equal(st.net_rx, 1010);
    assert_int_equal(st.net_tx, 40);
    PUT("cpu.stat", "usage_usec 2100000\nuser_usec 1600000\n"
                    "system_usec 500000\n");
    PUT("memory.max", "268435456\n");
    sample(s, 1010 * MS, &st);
    assert_true(st.cpu_percent > 9.999 && st.cpu_percent < 10.001);
    assert_int_equal(st.mem_limit, 268435456);
    st_stats_close(s);
#undef PUT
}

static void test_stats__no_cgroup(void **state)
{
    st_containers_options o;
    st_container ct = {0};
    st_stats *s = NULL;
    st_error *err = NULL;
    (void)state;
    o = opts();
    mkdirs("cg/memory");
    snprintf(ct.id, sizeof(ct.id), "gone");
    snprintf(ct.cgroup_path, sizeof(ct.cgroup_path), "gone");
    assert_int_equal(st_stats_open(&s, &o, &ct, &err), ST_ENOTFOUND);
    assert_null(s);
    assert_non_null(strstr(st_error_message(err), "gone"));
    st_error_free(err);
    st_stats_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stats__v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats__v1_sparse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats__v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats__no_cgroup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
