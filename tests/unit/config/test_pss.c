/* The Pod Security Standards, control by control, at the boundary: the
 * allowed values the standard lists pass, the first value outside them
 * fails; and each workload's level (k8s-pss-level) follows. The pod is
 * restricted except for what a case changes. Values follow the published
 * standard (kubernetes.io/docs/concepts/security/pod-security-standards). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test.h"

#define PSC "runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}"
#define CSC "allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}"

typedef struct pss_case {
    const char *control;
    const char *id;     /* the check of the control */
    int fails;          /* 1: the value is outside the standard */
    const char *level;  /* the level the pod then meets */
    /* what the case sets (NULL: the restricted default, "" none) */
    const char *annotations; /* lines under metadata.annotations */
    const char *pod;         /* lines under spec */
    const char *psc;         /* spec.securityContext, flow mapping body */
    const char *csc;         /* the container's securityContext body */
    const char *ctr;         /* more lines of the container */
    const char *volumes;     /* lines under spec.volumes */
} pss_case;

static const pss_case cases[] = {
    /* ---- baseline ---------------------------------------------------- */
    {"HostProcess", "k8s-host-process", 0, "restricted", NULL, NULL,
     PSC ", windowsOptions: {hostProcess: false}", NULL, NULL, NULL},
    {"HostProcess", "k8s-host-process", 1, "privileged", NULL, NULL,
     PSC ", windowsOptions: {hostProcess: true}", NULL, NULL, NULL},
    {"HostProcess (container)", "k8s-host-process", 1, "privileged", NULL,
     NULL, NULL, CSC ", windowsOptions: {hostProcess: true}", NULL, NULL},
    {"Host network", "k8s-host-network", 0, "restricted", NULL,
     "  hostNetwork: false\n", NULL, NULL, NULL, NULL},
    {"Host network", "k8s-host-network", 1, "privileged", NULL,
     "  hostNetwork: true\n", NULL, NULL, NULL, NULL},
    {"Host PID", "k8s-host-pid", 0, "restricted", NULL, "  hostPID: false\n",
     NULL, NULL, NULL, NULL},
    {"Host PID", "k8s-host-pid", 1, "privileged", NULL, "  hostPID: true\n",
     NULL, NULL, NULL, NULL},
    {"Host IPC", "k8s-host-ipc", 0, "restricted", NULL, "  hostIPC: false\n",
     NULL, NULL, NULL, NULL},
    {"Host IPC", "k8s-host-ipc", 1, "privileged", NULL, "  hostIPC: true\n",
     NULL, NULL, NULL, NULL},
    {"Privileged", "k8s-privileged", 0, "restricted", NULL, NULL, NULL,
     CSC ", privileged: false", NULL, NULL},
    {"Privileged", "k8s-privileged", 1, "privileged", NULL, NULL, NULL,
     CSC ", privileged: true", NULL, NULL},
    /* baseline allows 13 capabilities; restricted only NET_BIND_SERVICE */
    {"Capabilities", "k8s-capabilities-baseline", 0, "baseline", NULL, NULL,
     NULL, "allowPrivilegeEscalation: false, capabilities: {drop: [ALL], "
           "add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, "
           "MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, "
           "SYS_CHROOT]}",
     NULL, NULL},
    {"Capabilities", "k8s-capabilities-baseline", 1, "privileged", NULL,
     NULL, NULL,
     "allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: "
     "[NET_RAW]}",
     NULL, NULL},
    {"Capabilities", "k8s-capabilities-baseline", 1, "privileged", NULL,
     NULL, NULL,
     "allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: "
     "[SYS_ADMIN]}",
     NULL, NULL},
    {"HostPath volumes", "k8s-host-path", 0, "restricted", NULL, NULL, NULL,
     NULL, NULL, "    - {name: v, emptyDir: {}}\n"},
    {"HostPath volumes", "k8s-host-path", 1, "privileged", NULL, NULL, NULL,
     NULL, NULL, "    - {name: v, hostPath: {path: /data}}\n"},
    {"Host ports", "k8s-host-port", 0, "restricted", NULL, NULL, NULL, NULL,
     "      ports: [{containerPort: 80, hostPort: 0}]\n", NULL},
    {"Host ports", "k8s-host-port", 1, "privileged", NULL, NULL, NULL, NULL,
     "      ports: [{containerPort: 80, hostPort: 1}]\n", NULL},
    {"AppArmor (annotation)", "k8s-apparmor", 0, "restricted",
     "    container.apparmor.security.beta.kubernetes.io/app: runtime/default\n",
     NULL, NULL, NULL, NULL, NULL},
    {"AppArmor (annotation)", "k8s-apparmor", 0, "restricted",
     "    container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-app\n",
     NULL, NULL, NULL, NULL, NULL},
    {"AppArmor (annotation)", "k8s-apparmor", 1, "privileged",
     "    container.apparmor.security.beta.kubernetes.io/app: unconfined\n",
     NULL, NULL, NULL, NULL, NULL},
    {"AppArmor", "k8s-apparmor", 0, "restricted", NULL, NULL,
     PSC ", appArmorProfile: {type: RuntimeDefault}", NULL, NULL, NULL},
    {"AppArmor", "k8s-apparmor", 0, "restricted", NULL, NULL, NULL,
     CSC ", appArmorProfile: {type: Localhost, localhostProfile: p}", NULL,
     NULL},
    {"AppArmor", "k8s-apparmor", 1, "privileged", NULL, NULL, NULL,
     CSC ", appArmorProfile: {type: Unconfined}", NULL, NULL},
    {"SELinux type", "k8s-selinux", 0, "restricted", NULL, NULL,
     PSC ", seLinuxOptions: {type: container_t, level: \"s0:c123,c456\"}",
     NULL, NULL, NULL},
    {"SELinux type", "k8s-selinux", 0, "restricted", NULL, NULL, NULL,
     CSC ", seLinuxOptions: {type: container_init_t}", NULL, NULL},
    {"SELinux type", "k8s-selinux", 0, "restricted", NULL, NULL, NULL,
     CSC ", seLinuxOptions: {type: container_kvm_t}", NULL, NULL},
    {"SELinux type", "k8s-selinux", 0, "restricted", NULL, NULL, NULL,
     CSC ", seLinuxOptions: {type: container_engine_t}", NULL, NULL},
    {"SELinux type", "k8s-selinux", 1, "privileged", NULL, NULL, NULL,
     CSC ", seLinuxOptions: {type: spc_t}", NULL, NULL},
    {"SELinux user", "k8s-selinux", 0, "restricted", NULL, NULL,
     PSC ", seLinuxOptions: {user: \"\", role: \"\"}", NULL, NULL, NULL},
    {"SELinux user", "k8s-selinux", 1, "privileged", NULL, NULL,
     PSC ", seLinuxOptions: {user: system_u}", NULL, NULL, NULL},
    {"SELinux role", "k8s-selinux", 1, "privileged", NULL, NULL, NULL,
     CSC ", seLinuxOptions: {role: system_r}", NULL, NULL},
    {"/proc mount type", "k8s-proc-mount", 0, "restricted", NULL, NULL, NULL,
     CSC ", procMount: Default", NULL, NULL},
    {"/proc mount type", "k8s-proc-mount", 1, "privileged", NULL, NULL, NULL,
     CSC ", procMount: Unmasked", NULL, NULL},
    {"Seccomp", "k8s-seccomp-unconfined", 0, "restricted", NULL, NULL, NULL,
     CSC ", seccompProfile: {type: Localhost, localhostProfile: p.json}",
     NULL, NULL},
    {"Seccomp", "k8s-seccomp-unconfined", 1, "privileged", NULL, NULL, NULL,
     CSC ", seccompProfile: {type: Unconfined}", NULL, NULL},
    {"Seccomp (pod)", "k8s-seccomp-unconfined", 1, "privileged", NULL, NULL,
     "runAsNonRoot: true, seccompProfile: {type: Unconfined}", NULL, NULL,
     NULL},
    {"Seccomp (annotation)", "k8s-seccomp-unconfined", 1, "privileged",
     "    seccomp.security.alpha.kubernetes.io/pod: unconfined\n", NULL, NULL,
     NULL, NULL, NULL},
    {"Sysctls", "k8s-sysctls", 0, "restricted", NULL, NULL,
     PSC ", sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}, "
         "{name: net.ipv4.ip_local_port_range, value: \"1024 65535\"}, "
         "{name: net.ipv4.ip_unprivileged_port_start, value: \"0\"}, "
         "{name: net.ipv4.tcp_syncookies, value: \"1\"}, "
         "{name: net.ipv4.ping_group_range, value: \"0 1\"}, "
         "{name: net.ipv4.ip_local_reserved_ports, value: \"1\"}, "
         "{name: net.ipv4.tcp_keepalive_time, value: \"1\"}, "
         "{name: net.ipv4.tcp_fin_timeout, value: \"1\"}, "
         "{name: net.ipv4.tcp_keepalive_intvl, value: \"1\"}, "
         "{name: net.ipv4.tcp_keepalive_probes, value: \"1\"}]",
     NULL, NULL, NULL},
    {"Sysctls", "k8s-sysctls", 1, "privileged", NULL, NULL,
     PSC ", sysctls: [{name: net.ipv4.ip_forward, value: \"1\"}]", NULL,
     NULL, NULL},
    {"Sysctls", "k8s-sysctls", 1, "privileged", NULL, NULL,
     PSC ", sysctls: [{name: kernel.msgmax, value: \"65536\"}]", NULL, NULL,
     NULL},

    /* ---- restricted -------------------------------------------------- */
    {"Volume types", "k8s-volume-types", 0, "restricted", NULL, NULL, NULL,
     NULL, NULL,
     "    - {name: a, configMap: {name: c}}\n"
     "    - {name: b, csi: {driver: d}}\n"
     "    - {name: c, downwardAPI: {items: []}}\n"
     "    - {name: d, emptyDir: {}}\n"
     "    - {name: e, ephemeral: {volumeClaimTemplate: {spec: {}}}}\n"
     "    - {name: f, persistentVolumeClaim: {claimName: p}}\n"
     "    - {name: g, projected: {sources: []}}\n"
     "    - {name: h, secret: {secretName: s}}\n"},
    {"Volume types", "k8s-volume-types", 1, "baseline", NULL, NULL, NULL,
     NULL, NULL, "    - {name: a, nfs: {server: n, path: /}}\n"},
    {"Volume types", "k8s-volume-types", 1, "baseline", NULL, NULL, NULL,
     NULL, NULL, "    - {name: a, iscsi: {targetPortal: t, iqn: i, lun: 0}}\n"},
    {"Privilege escalation", "k8s-allow-privilege-escalation", 1, "baseline",
     NULL, NULL, NULL, "allowPrivilegeEscalation: true, capabilities: {drop: "
                       "[ALL]}",
     NULL, NULL},
    {"Privilege escalation", "k8s-allow-privilege-escalation", 1, "baseline",
     NULL, NULL, NULL, "capabilities: {drop: [ALL]}", NULL, NULL},
    {"Privilege escalation (Windows)", "k8s-allow-privilege-escalation", 0,
     "restricted", NULL, "  os: {name: windows}\n", "runAsNonRoot: true",
     "{}", NULL, NULL},
    {"Running as non-root", "k8s-run-as-non-root", 0, "restricted", NULL,
     NULL, "seccompProfile: {type: RuntimeDefault}",
     CSC ", runAsNonRoot: true", NULL, NULL},
    {"Running as non-root", "k8s-run-as-non-root", 1, "baseline", NULL, NULL,
     NULL, CSC ", runAsNonRoot: false", NULL, NULL},
    {"Running as non-root", "k8s-run-as-non-root", 1, "baseline", NULL, NULL,
     "seccompProfile: {type: RuntimeDefault}", NULL, NULL, NULL},
    {"Running as non-root", "k8s-run-as-non-root", 1, "baseline", NULL, NULL,
     "runAsNonRoot: false, seccompProfile: {type: RuntimeDefault}", NULL,
     NULL, NULL},
    {"Running as non-root user", "k8s-run-as-root-user", 0, "restricted",
     NULL, NULL, PSC ", runAsUser: 1", CSC ", runAsUser: 1", NULL, NULL},
    {"Running as non-root user", "k8s-run-as-root-user", 1, "baseline", NULL,
     NULL, NULL, CSC ", runAsUser: 0", NULL, NULL},
    {"Running as non-root user", "k8s-run-as-root-user", 1, "baseline", NULL,
     NULL, PSC ", runAsUser: 0", CSC ", runAsUser: 1000", NULL, NULL},
    {"Seccomp (restricted)", "k8s-seccomp-required", 0, "restricted", NULL,
     NULL, "runAsNonRoot: true, seccompProfile: {type: Localhost, "
           "localhostProfile: p.json}",
     NULL, NULL, NULL},
    {"Seccomp (restricted)", "k8s-seccomp-required", 0, "restricted", NULL,
     NULL, "runAsNonRoot: true",
     CSC ", seccompProfile: {type: RuntimeDefault}", NULL, NULL},
    {"Seccomp (restricted)", "k8s-seccomp-required", 1, "baseline", NULL,
     NULL, "runAsNonRoot: true", NULL, NULL, NULL},
    {"Seccomp (restricted, Windows)", "k8s-seccomp-required", 0,
     "restricted", NULL, "  os: {name: windows}\n", "runAsNonRoot: true",
     "{}", NULL, NULL},
    {"Capabilities (restricted)", "k8s-capabilities-restricted", 0,
     "restricted", NULL, NULL, NULL,
     "allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: "
     "[NET_BIND_SERVICE]}",
     NULL, NULL},
    {"Capabilities (restricted)", "k8s-capabilities-restricted", 1,
     "baseline", NULL, NULL, NULL,
     "allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: "
     "[AUDIT_WRITE]}",
     NULL, NULL},
    {"Capabilities drop", "k8s-capabilities-drop-all", 1, "baseline", NULL,
     NULL, NULL,
     "allowPrivilegeEscalation: false, capabilities: {drop: [NET_RAW, "
     "SYS_ADMIN]}",
     NULL, NULL},
    {"Capabilities drop", "k8s-capabilities-drop-all", 1, "baseline", NULL,
     NULL, NULL, "allowPrivilegeEscalation: false", NULL, NULL},
    {"Capabilities drop (Windows)", "k8s-capabilities-drop-all", 0,
     "restricted", NULL, "  os: {name: windows}\n", "runAsNonRoot: true",
     "{}", NULL, NULL},
};

static void build(char *out, size_t n, const pss_case *c)
{
    const char *csc = c->csc ? c->csc : CSC;
    if (!strcmp(csc, "{}"))
        csc = "";
    snprintf(out, n,
             "apiVersion: v1\n"
             "kind: Pod\n"
             "metadata:\n"
             "  name: t\n"
             "  namespace: t\n"
             "%s%s"
             "spec:\n"
             "%s"
             "  securityContext: {%s}\n"
             "  containers:\n"
             "    - name: app\n"
             "      image: registry.example.com/app:1.0.0\n"
             "%s"
             "      securityContext: {%s}\n"
             "%s%s",
             c->annotations ? "  annotations:\n" : "",
             c->annotations ? c->annotations : "", c->pod ? c->pod : "",
             c->psc ? c->psc : PSC, c->ctr ? c->ctr : "", csc,
             c->volumes ? "  volumes:\n" : "", c->volumes ? c->volumes : "");
}

static void test_pss__controls(void **state)
{
    char yaml[4096];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const pss_case *c = &cases[i];
        st_result *r;
        const st_finding *lvl;
        size_t got;

        build(yaml, sizeof(yaml), c);
        r = audit_yaml(yaml, NULL);
        got = count_id(r, c->id, NULL);
        lvl = find_id(r, "k8s-pss-level");
        if ((c->fails && !got) || (!c->fails && got))
            fail_msg("case %zu (%s, %s): %zu findings, want %s\n%s", i,
                     c->control, c->id, got, c->fails ? "some" : "none",
                     yaml);
        if (!lvl || !lvl->detail ||
            strncmp(lvl->detail, c->level, strlen(c->level)) ||
            (lvl->detail[strlen(c->level)] != 0 &&
             lvl->detail[strlen(c->level)] != ' '))
            fail_msg("case %zu (%s): level \"%s\", want %s\n%s", i,
                     c->control, lvl && lvl->detail ? lvl->detail : "-",
                     c->level, yaml);
        /* a failing control is what the level's detail names */
        if (c->fails && !strstr(lvl->detail, c->id))
            fail_msg("case %zu: level detail \"%s\" does not name %s", i,
                     lvl->detail, c->id);
        st_result_free(r);
    }
}

/* The level of each workload of a file, on its own: one privileged pod does
 * not lower its neighbour. */
static void test_pss__levels_per_workload(void **state)
{
    static const char yaml[] =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: n}\n"
        "spec:\n  hostPID: true\n  containers: [{name: c, image: i:1}]\n"
        "---\n"
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: b, namespace: n}\n"
        "spec:\n  template:\n    spec:\n"
        "      securityContext: {" PSC "}\n"
        "      containers: [{name: c, image: i:1, securityContext: {" CSC
        "}}]\n"
        "---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: n}\n"
        "spec:\n  containers: [{name: c, image: i:1}]\n";
    st_result *r = audit_yaml(yaml, NULL);
    size_t levels = 0;
    (void)state;
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        if (strcmp(f->id, "k8s-pss-level"))
            continue;
        levels++;
        assert_string_equal(f->severity, "INFO");
        if (!strcmp(f->object, "Pod/n/a"))
            assert_string_equal(f->detail,
                                "privileged (fails baseline: k8s-host-pid; "
                                "restricted: k8s-allow-privilege-escalation, "
                                "k8s-capabilities-drop-all, "
                                "k8s-seccomp-required, k8s-run-as-non-root)");
        else if (!strcmp(f->object, "Job/n/b"))
            assert_string_equal(f->detail, "restricted");
        else if (!strcmp(f->object, "Pod/n/c"))
            assert_true(st_str_startswith(f->detail, "baseline (fails "
                                                     "restricted: "));
        else
            fail_msg("unexpected object %s", f->object);
    }
    assert_int_equal(levels, 3);
    st_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pss__controls),
        cmocka_unit_test(test_pss__levels_per_workload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
