/* Container attribution on fake hosts built here: a cgroup tree, /proc
 * entries and each runtime's state files, written by hand after the real
 * formats (runc 1.1 state.json as `runc run` leaves it, docker 24's
 * containers/<id>/config.v2.json, containers/storage's containers.json,
 * the cgroup names of the systemd and cgroupfs drivers). Each case looks
 * up directory inodes and pids and compares every attributed field. */
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

#define ID_A     "4f1e0c5a1b7d3e9f2a6c8b0d4e2f6a1c3b5d7e9f0a2c4e6b8d0f1a3c5e7b9d2f"
#define ID_B     "9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define ID_C     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD_UID  "8d6e2a1f-3b4c-4d5e-9f60-1a2b3c4d5e6f"
#define POD_UID_ "8d6e2a1f_3b4c_4d5e_9f60_1a2b3c4d5e6f"

static uint64_t ino(const char *rel)
{
    char p[1024];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    assert_int_equal(stat(p, &sb), 0);
    return (uint64_t)sb.st_ino;
}

/* A live process for the fake /proc: stat with starttime (field 22). */
static void proc(unsigned pid, unsigned long long start, const char *cgroup)
{
    char rel[64];
    snprintf(rel, sizeof(rel), "proc/%u/stat", pid);
    put(rel,
        "%u (a (b) c) S 1 %u %u 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
        "%llu 1000 100 18446744073709551615\n",
        pid, pid, pid, start);
    snprintf(rel, sizeof(rel), "proc/%u/cgroup", pid);
    put(rel, "%s", cgroup);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "%s/strata-ct.XXXXXX",
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

/* Options reading only the fake host. */
typedef struct fake {
    char cg[300], proc[300], docker[300], podman[300];
    char runc[300], runc_k8s[300], runc_moby[300];
    const char *roots[4];
    st_containers_options o;
} fake;

static void fake_init(fake *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->cg, sizeof(f->cg), "%s/cg", root);
    snprintf(f->proc, sizeof(f->proc), "%s/proc", root);
    snprintf(f->docker, sizeof(f->docker), "%s/docker", root);
    snprintf(f->podman, sizeof(f->podman), "%s/storage", root);
    snprintf(f->runc, sizeof(f->runc), "%s/run/runc", root);
    snprintf(f->runc_k8s, sizeof(f->runc_k8s), "%s/run/containerd/runc/*",
             root);
    snprintf(f->runc_moby, sizeof(f->runc_moby),
             "%s/run/docker/runtime-runc/moby", root);
    f->roots[0] = f->runc;
    f->roots[1] = f->runc_k8s;
    f->roots[2] = f->runc_moby;
    f->o.cgroup_root = f->cg;
    f->o.proc_root = f->proc;
    f->o.docker_root = f->docker;
    f->o.podman_root = f->podman;
    f->o.runc_roots = f->roots;
    mkdirs("cg");
    mkdirs("proc");
}

static st_containers *open_fake(fake *f)
{
    st_containers *c = NULL;
    st_error *err = NULL;
    if (st_containers_open(&c, &f->o, &err))
        fail_msg("%s", st_error_message(err));
    return c;
}

typedef struct want {
    const char *id, *name, *image, *runtime, *pod, *ns, *pod_uid;
} want;

static void check(const st_container *ct, const want *w)
{
    if (!w->id) {
        if (ct)
            fail_msg("want host, got container %s", ct->id);
        return;
    }
    if (!ct)
        fail_msg("want container %s, got host", w->id);
    assert_string_equal(ct->id, w->id);
    assert_string_equal(ct->name, w->name);
    assert_string_equal(ct->image, w->image);
    assert_string_equal(ct->runtime, w->runtime);
    assert_string_equal(ct->pod, w->pod ? w->pod : "");
    assert_string_equal(ct->k8s_ns, w->ns ? w->ns : "");
    assert_string_equal(ct->pod_uid, w->pod_uid ? w->pod_uid : "");
}

/* Looks the directory up by inode, and checks the event's copy. */
static void expect_dir(st_containers *c, const char *rel, const want *w)
{
    st_event ev;
    const st_container *ct;
    memset(&ev, 'x', sizeof(ev));
    ct = st_containers_lookup(c, ino(rel), 0, &ev);
    check(ct, w);
    assert_string_equal(ev.container_id, w->id ? w->id : "");
    assert_string_equal(ev.container_name, w->id ? w->name : "");
    assert_string_equal(ev.image, w->id ? w->image : "");
    assert_string_equal(ev.runtime, w->id ? w->runtime : "");
    assert_string_equal(ev.pod, w->pod ? w->pod : "");
    assert_string_equal(ev.k8s_ns, w->ns ? w->ns : "");
}

static const want host = {0};

/* runc 1.1 state.json, reduced to the members strata reads plus a few it
 * must ignore. */
static void runc_state(const char *dir,
                       const char *id,
                       unsigned pid,
                       unsigned long long start,
                       const char *mem_path,
                       const char *uni_path,
                       const char *labels,
                       const char *bundle)
{
    char rel[512];
    snprintf(rel, sizeof(rel), "%s/%s/state.json", dir, id);
    put(rel,
        "{\"id\":\"%s\",\"init_process_pid\":%u,\"init_process_start\":%llu,"
        "\"created\":\"2024-05-01T10:00:00.000000000Z\",\"config\":{"
        "\"no_pivot_root\":false,\"rootfs\":\"%s/rootfs\",\"readonlyfs\":true,"
        "\"labels\":[%s%s\"bundle=%s\"],\"cgroups\":{\"name\":\"%s\","
        "\"path\":\"\",\"scope_prefix\":\"\"}},\"rootless\":false,"
        "\"cgroup_paths\":{\"\":\"%s\",\"blkio\":\"/sys/fs/cgroup/blkio/%s\","
        "\"memory\":\"%s\",\"pids\":\"/sys/fs/cgroup/pids/%s\"},"
        "\"namespace_paths\":{\"NEWNET\":\"/proc/%u/ns/net\"},"
        "\"external_descriptors\":[\"/dev/null\",\"/dev/null\","
        "\"/dev/null\"]}",
        id, pid, start, bundle, labels, labels[0] ? "," : "", bundle, id,
        uni_path, id, mem_path, id, pid);
}

static void test_container__docker_v1_cgroupfs(void **state)
{
    fake f;
    st_containers *c;
    want w = {ID_A, "web", "nginx:1.25", "docker", NULL, NULL, NULL};
    char rel[256];
    (void)state;
    fake_init(&f);
    mkdirs("cg/memory/user.slice");
    mkdirs("cg/memory/docker/" ID_A "/sub");
    mkdirs("cg/unified");
    snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", ID_A);
    put(rel,
        "{\"ID\":\"%s\",\"Name\":\"/web\",\"Image\":\"sha256:aa\","
        "\"Config\":{\"Image\":\"nginx:1.25\",\"Labels\":{}},"
        "\"State\":{\"Running\":true,\"Pid\":4242}}",
        ID_A);
    proc(4242, 777, "4:memory:/docker/" ID_A "\n0::/\n");
    c = open_fake(&f);
    assert_int_equal(st_containers_ids(c), ST_CGROUP_IDS_MEMORY);
    expect_dir(c, "cg/memory/docker/" ID_A, &w);
    expect_dir(c, "cg/memory/docker/" ID_A "/sub", &w);
    expect_dir(c, "cg/memory/docker", &host);
    expect_dir(c, "cg/memory", &host);
    expect_dir(c, "cg/memory/user.slice", &host);
    /* The fallback capture has no cgroup id: the pid decides. */
    check(st_containers_lookup(c, 0, 4242, NULL), &w);
    assert_int_equal(st_containers_lookup(c, 0, 4242, NULL)->init_pid, 4242);
    assert_string_equal(st_containers_lookup(c, 0, 4242, NULL)->cgroup_path,
                        "docker/" ID_A);
    st_containers_free(c);
}

static void test_container__docker_v2_systemd(void **state)
{
    fake f;
    st_containers *c;
    want w = {ID_B, "db", "postgres:16", "docker", NULL, NULL, NULL};
    want anon = {ID_C, ID_C, "", "docker", NULL, NULL, NULL};
    char rel[256];
    (void)state;
    fake_init(&f);
    put("cg/cgroup.controllers", "cpuset cpu io memory pids\n");
    mkdirs("cg/system.slice/docker-" ID_B ".scope");
    mkdirs("cg/system.slice/docker-" ID_C ".scope");
    mkdirs("cg/system.slice/containerd.service");
    snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", ID_B);
    put(rel,
        "{\"ID\":\"%s\",\"Name\":\"/db\",\"Config\":{\"Image\":"
        "\"postgres:16\"},\"State\":{\"Running\":false,\"Pid\":0}}",
        ID_B);
    c = open_fake(&f);
    assert_int_equal(st_containers_ids(c), ST_CGROUP_IDS_UNIFIED);
    expect_dir(c, "cg/system.slice/docker-" ID_B ".scope", &w);
    /* No config.v2.json: the cgroup name alone still names it. */
    expect_dir(c, "cg/system.slice/docker-" ID_C ".scope", &anon);
    expect_dir(c, "cg/system.slice/containerd.service", &host);
    expect_dir(c, "cg/system.slice", &host);
    expect_dir(c, "cg", &host);
    st_containers_free(c);
}

static void test_container__containerd_cri(void **state)
{
    fake f;
    st_containers *c;
    want w = {ID_A,   "app",  "registry.example/app:2.1", "containerd", "web-0",
              "prod", POD_UID};
    want pause = {ID_B, ID_B, "", "containerd", "web-0", "prod", POD_UID};
    const char *pod = "cg/kubepods.slice/kubepods-burstable.slice/"
                      "kubepods-burstable-pod" POD_UID_ ".slice";
    char dir[512];
    (void)state;
    fake_init(&f);
    put("cg/cgroup.controllers", "cpu io memory pids\n");
    snprintf(dir, sizeof(dir), "%s/cri-containerd-%s.scope", pod, ID_A);
    mkdirs(dir);
    snprintf(dir, sizeof(dir), "%s/cri-containerd-%s.scope", pod, ID_B);
    mkdirs(dir);
    snprintf(dir, sizeof(dir), "%s/run/bundle-a", root);
    runc_state("run/containerd/runc/k8s.io", ID_A, 0, 0, "", "",
               "\"io.kubernetes.cri.container-type=container\","
               "\"io.kubernetes.cri.container-name=app\","
               "\"io.kubernetes.cri.sandbox-name=web-0\","
               "\"io.kubernetes.cri.sandbox-namespace=prod\","
               "\"io.kubernetes.cri.sandbox-uid=" POD_UID "\","
               "\"io.kubernetes.cri.image-name=registry.example/app:2.1\"",
               dir);
    snprintf(dir, sizeof(dir), "%s/run/bundle-b", root);
    runc_state("run/containerd/runc/k8s.io", ID_B, 0, 0, "", "",
               "\"io.kubernetes.cri.container-type=sandbox\","
               "\"io.kubernetes.cri.sandbox-name=web-0\","
               "\"io.kubernetes.cri.sandbox-namespace=prod\"",
               dir);
    c = open_fake(&f);
    snprintf(dir, sizeof(dir), "%s/cri-containerd-%s.scope", pod, ID_A);
    expect_dir(c, dir, &w);
    snprintf(dir, sizeof(dir), "%s/cri-containerd-%s.scope", pod, ID_B);
    expect_dir(c, dir, &pause);
    expect_dir(c, pod, &host);
    expect_dir(c, "cg/kubepods.slice", &host);
    st_containers_free(c);
}

static void test_container__kubepods_cgroupfs_dockershim(void **state)
{
    fake f;
    st_containers *c;
    want w = {ID_C,        "nginx", "nginx:1.25", "docker",
              "front-7d9", "shop",  POD_UID};
    char rel[256];
    (void)state;
    fake_init(&f);
    mkdirs("cg/memory/kubepods/burstable/pod" POD_UID "/" ID_C);
    snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", ID_C);
    put(rel,
        "{\"ID\":\"%s\",\"Name\":\"/k8s_nginx_front-7d9_shop_%s_0\","
        "\"Config\":{\"Image\":\"nginx:1.25\",\"Labels\":{"
        "\"io.kubernetes.container.name\":\"nginx\","
        "\"io.kubernetes.pod.name\":\"front-7d9\","
        "\"io.kubernetes.pod.namespace\":\"shop\","
        "\"io.kubernetes.pod.uid\":\"%s\"}},\"State\":{\"Running\":true,"
        "\"Pid\":99999}}",
        ID_C, POD_UID, POD_UID);
    c = open_fake(&f);
    expect_dir(c, "cg/memory/kubepods/burstable/pod" POD_UID "/" ID_C, &w);
    expect_dir(c, "cg/memory/kubepods/burstable/pod" POD_UID, &host);
    /* Its pid is not alive here: no init pid. */
    assert_int_equal(
        st_containers_lookup(
            c, ino("cg/memory/kubepods/burstable/pod" POD_UID "/" ID_C), 0,
            NULL)
            ->init_pid,
        0);
    st_containers_free(c);
}

static void test_container__crio(void **state)
{
    fake f;
    st_containers *c;
    want w = {ID_A,   "redis", "docker.io/library/redis:7", "cri-o", "cache-0",
              "data", POD_UID};
    const char *pod = "cg/kubepods.slice/kubepods-pod" POD_UID_ ".slice";
    char dir[512];
    (void)state;
    fake_init(&f);
    put("cg/cgroup.controllers", "cpu io memory pids\n");
    snprintf(dir, sizeof(dir), "%s/crio-%s.scope", pod, ID_A);
    mkdirs(dir);
    snprintf(dir, sizeof(dir), "%s/crio-conmon-%s.scope", pod, ID_A);
    mkdirs(dir);
    snprintf(dir, sizeof(dir), "%s/run/bundle-crio", root);
    runc_state("run/runc", ID_A, 0, 0, "", "",
               "\"io.kubernetes.container.name=redis\","
               "\"io.kubernetes.cri-o.ImageName=docker.io/library/redis:7\","
               "\"io.kubernetes.pod.name=cache-0\","
               "\"io.kubernetes.pod.namespace=data\","
               "\"io.kubernetes.pod.uid=" POD_UID "\"",
               dir);
    c = open_fake(&f);
    snprintf(dir, sizeof(dir), "%s/crio-%s.scope", pod, ID_A);
    expect_dir(c, dir, &w);
    /* conmon watches the container from the host side. */
    snprintf(dir, sizeof(dir), "%s/crio-conmon-%s.scope", pod, ID_A);
    expect_dir(c, dir, &host);
    st_containers_free(c);
}

static void test_container__podman(void **state)
{
    fake f;
    st_containers *c;
    want w = {ID_B, "sleepy", "docker.io/library/alpine:3.19", "podman", NULL,
              NULL, NULL};
    (void)state;
    fake_init(&f);
    put("cg/cgroup.controllers", "cpu io memory pids\n");
    mkdirs("cg/machine.slice/libpod-" ID_B ".scope/container");
    mkdirs("cg/machine.slice/libpod-conmon-" ID_B ".scope");
    put("storage/overlay-containers/containers.json",
        "[{\"id\":\"%s\",\"names\":[\"sleepy\"],\"image\":\"%s\","
        "\"layer\":\"%s\",\"metadata\":\"{\\\"image-name\\\":"
        "\\\"docker.io/library/alpine:3.19\\\",\\\"image-id\\\":\\\"%s\\\","
        "\\\"name\\\":\\\"sleepy\\\",\\\"created-at\\\":1714557600}\","
        "\"created\":\"2024-05-01T10:00:00Z\",\"flags\":{}}]",
        ID_B, ID_C, ID_A, ID_C);
    c = open_fake(&f);
    expect_dir(c, "cg/machine.slice/libpod-" ID_B ".scope", &w);
    expect_dir(c, "cg/machine.slice/libpod-" ID_B ".scope/container", &w);
    expect_dir(c, "cg/machine.slice/libpod-conmon-" ID_B ".scope", &host);
    st_containers_free(c);
}

/* Plain runc as on this project's CI host: the memory controller puts the
 * container below the caller's own memory cgroup, every other controller
 * at /<id>; only state.json knows. */
static void test_container__runc_state_paths(void **state)
{
    fake f;
    st_containers *c;
    st_event ev;
    char mem[512], bundle[512], rootfs[600];
    want w = {"box1", "box1", "busybox:test", "runc", NULL, NULL, NULL};
    want plain = {"box2", "box2", rootfs, "runc", NULL, NULL, NULL};
    uint64_t *ids;
    size_t n;
    (void)state;
    fake_init(&f);
    mkdirs("cg/memory/process_api/abc/box1/nested");
    mkdirs("cg/memory/process_api/abc/box2");
    mkdirs("cg/unified/box1");
    snprintf(mem, sizeof(mem), "%s/cg/memory/process_api/abc/box1", root);
    snprintf(bundle, sizeof(bundle), "%s/bundles/box1", root);
    runc_state("run/runc", "box1", 5001, 123456, mem,
               "/sys/fs/cgroup/unified/box1", "", bundle);
    put("bundles/box1/config.json",
        "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"rootfs\"},"
        "\"annotations\":{\"org.opencontainers.image.ref.name\":"
        "\"busybox:test\"}}");
    proc(5001, 123456,
         "9:name=systemd:/box1\n4:memory:/process_api/abc/box1\n0::/box1\n");
    /* box2: its state says /sys/fs/cgroup/memory/...: the conventional
     * mount point, not the fake root. No image annotation: the rootfs. */
    snprintf(bundle, sizeof(bundle), "%s/bundles/box2", root);
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
    runc_state("run/runc", "box2", 5002, 1,
               "/sys/fs/cgroup/memory/process_api/abc/box2", "", "", bundle);
    put("bundles/box2/config.json", "{\"root\":{\"path\":\"rootfs\"}}");
    proc(5002, 2, "4:memory:/process_api/abc/box2\n"); /* pid reused */
    c = open_fake(&f);
    expect_dir(c, "cg/memory/process_api/abc/box1", &w);
    expect_dir(c, "cg/memory/process_api/abc/box1/nested", &w);
    expect_dir(c, "cg/memory/process_api/abc/box2", &plain);
    expect_dir(c, "cg/memory/process_api/abc", &host);
    expect_dir(c, "cg/memory/process_api", &host);
    {
        const st_container *ct = st_containers_lookup(
            c, ino("cg/memory/process_api/abc/box1"), 0, &ev);
        snprintf(bundle, sizeof(bundle), "%s/bundles/box1", root);
        assert_string_equal(ct->bundle, bundle);
        assert_int_equal(ct->init_pid, 5001);
        assert_string_equal(ct->cgroup_path, "process_api/abc/box1");
        assert_int_equal(ct->cgroup_id, ino("cg/memory/process_api/abc/box1"));
        ct = st_containers_lookup(c, ino("cg/memory/process_api/abc/box2"), 0,
                                  NULL);
        assert_int_equal(ct->init_pid, 0); /* start time differs */
    }
    /* The host set: every directory but the containers' own and below. */
    assert_int_equal(st_containers_host_cgroups(c, &ids, &n, NULL), 0);
    assert_int_equal(n, 3);
    {
        uint64_t want_ids[3] = {ino("cg/memory"), ino("cg/memory/process_api"),
                                ino("cg/memory/process_api/abc")};
        for (size_t i = 0; i < 3; i++) {
            bool found = false;
            for (size_t j = 0; j < n; j++)
                found |= ids[j] == want_ids[i];
            assert_true(found);
        }
    }
    st_free(ids);
    {
        uint64_t id;
        assert_int_equal(st_containers_pid_cgroup(c, 5001, &id, NULL), 0);
        assert_int_equal(id, ino("cg/memory/process_api/abc/box1"));
        assert_int_equal(st_containers_pid_cgroup(c, 777, &id, NULL),
                         ST_ENOTFOUND);
    }
    st_containers_free(c);

    /* The same host read through the unified hierarchy. */
    f.o.ids = ST_CGROUP_IDS_UNIFIED;
    c = open_fake(&f);
    assert_int_equal(st_containers_ids(c), ST_CGROUP_IDS_UNIFIED);
    expect_dir(c, "cg/unified/box1", &w);
    expect_dir(c, "cg/unified", &host);
    {
        uint64_t id;
        assert_int_equal(st_containers_pid_cgroup(c, 5001, &id, NULL), 0);
        assert_int_equal(id, ino("cg/unified/box1"));
    }
    st_containers_free(c);
}

/* Containers that appear after the scan: a pid resolves at once, a bare
 * id waits for the rate-limited rescan. */
static void test_container__late_containers(void **state)
{
    fake f;
    st_containers *c;
    const st_container **list;
    size_t n;
    char mem[512], bundle[512], rel[256];
    want late = {"late", "late", "busybox:late", "runc", NULL, NULL, NULL};
    want dk = {ID_A, "api", "api:3", "docker", NULL, NULL, NULL};
    (void)state;
    fake_init(&f);
    mkdirs("cg/memory/docker");
    f.o.rescan_ms = 3600 * 1000;
    c = open_fake(&f);
    assert_int_equal(st_containers_list(c, &list, &n, NULL), 0);
    assert_int_equal(n, 0);

    mkdirs("cg/memory/late");
    snprintf(mem, sizeof(mem), "%s/cg/memory/late", root);
    snprintf(bundle, sizeof(bundle), "%s/bundles/late", root);
    runc_state("run/runc", "late", 6001, 42, mem, "", "", bundle);
    put("bundles/late/config.json",
        "{\"annotations\":{\"io.strata.image\":\"busybox:late\"}}");
    proc(6001, 42, "4:memory:/late\n");
    /* Within the rate limit an unknown id is the host for now... */
    expect_dir(c, "cg/memory/late", &host);
    /* ...but the pid names the directory, and the state is read. */
    check(st_containers_lookup(c, ino("cg/memory/late"), 6001, NULL), &late);
    expect_dir(c, "cg/memory/late", &late);
    /* An event whose process has since moved: the pid must not decide. */
    mkdirs("cg/memory/other");
    proc(6002, 43, "4:memory:/late\n");
    check(st_containers_lookup(c, ino("cg/memory/other"), 6002, NULL), &host);
    st_containers_free(c);

    /* Rescan on a miss once the interval has passed. */
    f.o.rescan_ms = 1;
    c = open_fake(&f);
    mkdirs("cg/memory/docker/" ID_A);
    snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", ID_A);
    put(rel, "{\"Name\":\"/api\",\"Config\":{\"Image\":\"api:3\"}}");
    usleep(5000);
    expect_dir(c, "cg/memory/docker/" ID_A, &dk);
    assert_int_equal(st_containers_list(c, &list, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0]->name, "api"); /* sorted by name */
    assert_string_equal(list[1]->name, "late");
    st_containers_free(c);
}

/* Damaged state is skipped, the rest still attributed. */
static void test_container__bad_state(void **state)
{
    fake f;
    st_containers *c;
    char rel[256];
    want w = {ID_B, "ok", "ok:1", "docker", NULL, NULL, NULL};
    want bare = {ID_A, ID_A, "", "docker", NULL, NULL, NULL};
    (void)state;
    fake_init(&f);
    mkdirs("cg/memory/docker/" ID_A);
    mkdirs("cg/memory/docker/" ID_B);
    snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", ID_A);
    put(rel, "{\"Name\": \"/broken\", \"Config\": {");
    snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", ID_B);
    put(rel, "{\"Name\":\"/ok\",\"Config\":{\"Image\":\"ok:1\"}}");
    put("run/runc/x/state.json", "[1, 2");
    put("run/runc/y/state.json", "{\"id\":\"not-y\"}");
    put("storage/overlay-containers/containers.json", "{}");
    c = open_fake(&f);
    expect_dir(c, "cg/memory/docker/" ID_A, &bare);
    expect_dir(c, "cg/memory/docker/" ID_B, &w);
    st_containers_free(c);
}

/* A scan that falls between runc's mkdir of its state directory and its
 * state.json (the cgroup exists, the state does not yet): the directory
 * is neither cached nor handed to the in-kernel filter as the host's. */
static void test_container__runc_creating(void **state)
{
    fake f;
    st_containers *c;
    char mem[512], bundle[512];
    want w = {"newbie", "newbie", "x:1", "runc", NULL, NULL, NULL};
    uint64_t *ids;
    size_t n;
    (void)state;
    fake_init(&f);
    mkdirs("cg/memory/newbie");
    mkdirs("run/runc/newbie");
    f.o.rescan_ms = 1;
    c = open_fake(&f);
    expect_dir(c, "cg/memory/newbie", &host);
    assert_int_equal(st_containers_host_cgroups(c, &ids, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], ino("cg/memory"));
    st_free(ids);
    snprintf(mem, sizeof(mem), "%s/cg/memory/newbie", root);
    snprintf(bundle, sizeof(bundle), "%s/bundles/newbie", root);
    runc_state("run/runc", "newbie", 0, 0, mem, "", "\"io.strata.image=x:1\"",
               bundle);
    usleep(5000);
    expect_dir(c, "cg/memory/newbie", &w);
    st_containers_free(c);
}

static void test_container__bad_options(void **state)
{
    st_containers_options o = {0};
    st_containers *c = (st_containers *)1;
    st_error *err = NULL;
    (void)state;
    o.ids = (st_cgroup_ids)7;
    assert_int_equal(st_containers_open(&c, &o, &err), ST_EUSAGE);
    assert_null(c);
    st_error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_container__docker_v1_cgroupfs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_container__docker_v2_systemd,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_container__containerd_cri, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_container__kubepods_cgroupfs_dockershim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container__crio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container__podman, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_container__runc_state_paths, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_container__late_containers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_container__bad_state, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_container__runc_creating, setup,
                                        teardown),
        cmocka_unit_test(test_container__bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
