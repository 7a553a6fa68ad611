/* Each probe on a small root built here: one check (YAML) per case, its
 * outcome and evidence compared exactly. */
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

#include "host/host_int.h"

static char root[256];

static void put(const char *rel, const char *text, mode_t mode)
{
    char p[512], dir[512], *s;
    FILE *f;
    snprintf(p, sizeof(p), "%s%s", root, rel);
    snprintf(dir, sizeof(dir), "%s", p);
    for (s = dir + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        mkdir(dir, 0755);
        *s = '/';
    }
    assert_non_null(f = fopen(p, "w"));
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

/* Runs one check given as the probe part of a YAML check. */
static void run(const char *probe_yaml, st_host_status want,
                const char *want_evidence)
{
    char yaml[2048];
    st_arena *a = st_arena_new();
    st_map *seen = st_map_new();
    st_vec v = ST_VEC_INIT;
    st_error *err = NULL;
    st_host_options o = ST_HOST_OPTIONS_INIT;
    st_host__ctx ctx;
    st_host__out out = {ST_HOST_SKIP, ST_BUF_INIT(1 << 16)};
    st_host__check *c;

    snprintf(yaml, sizeof(yaml),
             "checks:\n  - id: t\n    section: host\n    severity: LOW\n"
             "    title: T\n    rationale: R\n    remediation: M\n%s",
             probe_yaml);
    if (st_host__checks_parse(&v, seen, a, yaml, strlen(yaml), "t", &err))
        fail_msg("%s", st_error_message(err));
    c = v.items[0];
    memset(&ctx, 0, sizeof(ctx));
    o.root = root;
    ctx.opts = &o;
    ctx.arena = a;
    assert_int_equal(st_host__root_open(&ctx.root, root, NULL), 0);
    ctx.root.offline = true;
    st_host__detect(&ctx);
    assert_int_equal(c->probe->run(&ctx, c, &out), 0);
    if (out.status != want || strcmp(out.evidence.ptr, want_evidence))
        fail_msg("%s\n got %s \"%s\"\nwant %s \"%s\"", probe_yaml,
                 st_host_status_name(out.status), out.evidence.ptr,
                 st_host_status_name(want), want_evidence);
    st_buf_release(&out.evidence);
    st_host__root_close(&ctx.root);
    json_decref(ctx.daemon);
    json_decref(ctx.daemon_file);
    json_decref(ctx.daemon_flags);
    for (size_t i = 0; i < ctx.containers.len; i++) {
        st_host__container *k = ctx.containers.items[i];
        json_decref(k->config);
        json_decref(k->hostcfg);
    }
    st_vec_release(&ctx.containers);
    st_map_free(ctx.dpkg);
    st_vec_release(&v);
    st_map_free(seen);
    st_arena_free(a);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "%s/strata-probes-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(root));
    put("/etc/passwd", "root:x:0:0::/root:/bin/sh\nadm:x:0:4::/:/bin/sh\n"
                       "u:x:1000:999::/home/u:/bin/sh\n", 0644);
    put("/etc/group", "root:x:0:\ndocker:x:999:a,b\nu:x:1000:\n", 0644);
    put("/proc/sys/kernel/kptr_restrict", "2\n", 0644);
    put("/proc/sys/kernel/odd", "x\n", 0644);
    put("/sys/module/apparmor/parameters/enabled", "Y\n", 0644);
    put("/sys/kernel/security/apparmor/profiles",
        "docker-default (complain)\np1 (enforce)\np2 (enforce)\n", 0644);
    put("/etc/docker/daemon.json",
        "{\"icc\": false, \"hosts\": [\"tcp://10.0.0.1:2376\", "
        "\"tcp://0.0.0.0:2375\"], \"tlsverify\": true,"
        "\"insecure-registries\": [\"a:1\"], \"log-driver\": \"local\"}",
        0600);
    put("/usr/lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd --live-restore --log-level "
        "warn\n",
        0644);
    put("/etc/audit/rules.d/d.rules",
        "-w /etc/docker -k docker\n# -w /etc/passwd\n"
        "-a always,exit -F path=/etc/group -F perm=wa\n",
        0640);
    put("/var/lib/docker/containers/abcdef0123456789/config.v2.json",
        "{\"Name\": \"/c1\", \"Config\": {\"User\": \"root\"}}", 0600);
    put("/var/lib/docker/containers/abcdef0123456789/hostconfig.json",
        "{\"Binds\": [\"/etc:/host-etc:ro\", \"/data:/data\"], "
        "\"RestartPolicy\": {\"Name\": \"on-failure\", "
        "\"MaximumRetryCount\": 9}, \"PidsLimit\": 50, \"SecurityOpt\": "
        "[\"seccomp:unconfined\"]}",
        0600);
    put("/var/lib/kubelet/config.yaml",
        "authentication:\n  anonymous:\n    enabled: true\nreadOnlyPort: 0\n",
        0600);
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--read-only-port=10255\n",
        0644);
    put("/var/lib/dpkg/status",
        "Package: runc\nStatus: install ok installed\nVersion: 1.1.12\n\n"
        "Package: crun\nStatus: deinstall ok config-files\nVersion: 1\n",
        0644);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_host__probes_host(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip(); /* owners are compared by name: root */
    run("    probe: sysctl\n    name: kernel/kptr_restrict\n    min: \"1\"\n",
        ST_HOST_PASS, "kernel.kptr_restrict = 2 (/proc/sys/kernel/kptr_restrict)");
    run("    probe: sysctl\n    name: kernel/kptr_restrict\n    max: \"1\"\n",
        ST_HOST_FAIL, "kernel.kptr_restrict = 2 (/proc/sys/kernel/kptr_restrict)");
    run("    probe: sysctl\n    name: kernel/kptr_restrict\n"
        "    expect: [\"0\", \"1\"]\n",
        ST_HOST_FAIL, "kernel.kptr_restrict = 2 (/proc/sys/kernel/kptr_restrict)");
    run("    probe: sysctl\n    name: kernel/odd\n", ST_HOST_WARN,
        "kernel.odd = \"x\": not a number (/proc/sys/kernel/odd)");
    run("    probe: sysctl\n    name: kernel/none\n    missing: info\n",
        ST_HOST_INFO,
        "kernel.none: /proc/sys/kernel/none absent: this kernel has no such "
        "setting");
    run("    probe: uid0_accounts\n", ST_HOST_FAIL,
        "uid 0 in /etc/passwd: root, adm");
    run("    probe: docker_group\n", ST_HOST_WARN,
        "docker group (gid 999) members, each root-equivalent: a, b, u "
        "(primary group)");
    run("    probe: audit_rules\n    path: [/etc/docker, /etc/group, "
        "/etc/passwd, /nope]\n",
        ST_HOST_FAIL,
        "/etc/docker is audited; /etc/group is audited; no audit rule for "
        "/etc/passwd (rules read from /etc/audit/audit.rules and "
        "/etc/audit/rules.d/*.rules)");
    run("    probe: file_mode\n    path: [/nope, /etc/docker/daemon.json]\n"
        "    max_mode: \"0644\"\n    owner: nobody\n",
        ST_HOST_FAIL,
        "/etc/docker/daemon.json root:root 0600 (want nobody, 0644 or "
        "stricter)");
    run("    probe: file_mode\n    path: /etc/passwd\n    max_mode: \"0644\"\n"
        "    owner: root\n    group: \"root,docker\"\n",
        ST_HOST_PASS, "/etc/passwd root:root 0644");
    run("    probe: file_mode\n    path: /nope\n    max_mode: \"0644\"\n",
        ST_HOST_SKIP, "not found: /nope");
    run("    probe: file_mode\n    key: tlscacert\n    max_mode: \"0444\"\n",
        ST_HOST_SKIP, "tlscacert is not configured");
    run("    probe: cgroup_v2\n", ST_HOST_SKIP,
        "/sys/fs/cgroup not available offline (not in the root)");
    run("    probe: apparmor\n", ST_HOST_PASS,
        "AppArmor enabled: 2 profiles enforce, 1 complain "
        "(/sys/kernel/security/apparmor/profiles)");
    run("    probe: apparmor\n    profile: docker-default\n", ST_HOST_FAIL,
        "profile docker-default loaded in complain mode; AppArmor enabled: 2 "
        "profiles enforce, 1 complain (/sys/kernel/security/apparmor/profiles)");
}

static void test_host__probes_daemon(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip(); /* owners are compared by name: root */
    run("    probe: daemon_option\n    key: icc\n    expect: \"false\"\n"
        "    default: \"true\"\n",
        ST_HOST_PASS, "icc = false (/etc/docker/daemon.json)");
    /* a flag of the unit, merged */
    run("    probe: daemon_option\n    key: live-restore\n"
        "    expect: \"true\"\n    default: \"false\"\n",
        ST_HOST_PASS,
        "live-restore = true (flag in /usr/lib/systemd/system/docker.service)");
    run("    probe: daemon_option\n    key: log-level\n    expect: info\n"
        "    default: info\n",
        ST_HOST_FAIL,
        "log-level = warn (flag in /usr/lib/systemd/system/docker.service)");
    run("    probe: daemon_option\n    key: userland-proxy\n"
        "    expect: \"false\"\n    default: \"true\"\n",
        ST_HOST_FAIL, "userland-proxy not set (dockerd default: true)");
    run("    probe: daemon_option\n    key: insecure-registries\n"
        "    set: \"false\"\n",
        ST_HOST_FAIL, "insecure-registries = [\"a:1\"] (/etc/docker/daemon.json)");
    run("    probe: daemon_option\n    key: log-driver\n"
        "    not: [json-file, local]\n    default: json-file\n",
        ST_HOST_FAIL, "log-driver = local (/etc/docker/daemon.json)");
    run("    probe: daemon_option\n    key: userns-remap\n    set: \"true\"\n"
        "    status: warn\n",
        ST_HOST_WARN, "userns-remap not set");
    /* tlsverify without the files is not verification */
    run("    probe: daemon_tcp_tls\n", ST_HOST_FAIL,
        "tcp://10.0.0.1:2376 without tlscacert/tlscert/tlskey: whoever "
        "reaches it controls the daemon (root on the host); "
        "tcp://0.0.0.0:2375 without tlscacert/tlscert/tlskey: whoever "
        "reaches it controls the daemon (root on the host)");
    run("    probe: daemon_config\n", ST_HOST_PASS,
        "/etc/docker/daemon.json; ExecStart of "
        "/usr/lib/systemd/system/docker.service");
    run("    probe: api_probe\n", ST_HOST_SKIP,
        "live network probe not run on an offline root (use "
        "--probe-network)");
}

static void test_host__probes_node(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip(); /* owners are compared by name: root */
    run("    probe: container\n    test: sensitive_mounts\n", ST_HOST_FAIL,
        "c1 (abcdef012345): /etc:ro");
    run("    probe: container\n    test: restart\n", ST_HOST_FAIL,
        "c1 (abcdef012345): restart policy on-failure, maximum retries 9");
    run("    probe: container\n    test: seccomp\n", ST_HOST_FAIL,
        "c1 (abcdef012345): seccomp unconfined");
    run("    probe: container\n    test: pids\n", ST_HOST_PASS,
        "1 container checked");
    run("    probe: container\n    test: user\n    status: warn\n",
        ST_HOST_WARN, "c1 (abcdef012345): runs as root");
    run("    probe: kubelet_option\n    key: authentication.anonymous.enabled\n"
        "    flag: anonymous-auth\n    expect: \"false\"\n",
        ST_HOST_FAIL,
        "authentication.anonymous.enabled = true "
        "(/var/lib/kubelet/config.yaml:3)");
    /* the flag wins over the config file */
    run("    probe: kubelet_option\n    key: readOnlyPort\n"
        "    flag: read-only-port\n    expect: \"0\"\n",
        ST_HOST_FAIL, "readOnlyPort = 10255 (flag --read-only-port)");
    run("    probe: kubelet_option\n    key: authorization.mode\n"
        "    flag: authorization-mode\n    not: AlwaysAllow\n"
        "    default: Webhook\n    flag_default: AlwaysAllow\n",
        ST_HOST_PASS, "authorization.mode not set (kubelet default Webhook)");
    run("    probe: package_versions\n    package: [runc, crun, docker-ce]\n",
        ST_HOST_INFO, "runc 1.1.12");
    run("    probe: package_origin\n    package: runc\n", ST_HOST_WARN,
        "runc 1.1.12: no apt list offers this version (installed by hand, or "
        "the repository is gone)");
    run("    probe: component\n    component: kubelet\n", ST_HOST_INFO,
        "kubelet is installed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host__probes_host),
        cmocka_unit_test(test_host__probes_daemon),
        cmocka_unit_test(test_host__probes_node),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
