/* The Kubernetes kind beyond the Pod Security Standards (images, exposure,
 * failover, network, RBAC, the storage graph) and the engine around it
 * (walking, limits, user policies, overrides). */
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

#include "cfg_test.h"

#define HARD_POD                                                              \
    "      automountServiceAccountToken: false\n"                            \
    "      securityContext: {runAsNonRoot: true, seccompProfile: {type: "     \
    "RuntimeDefault}}\n"
#define HARD_CTR                                                              \
    "securityContext: {allowPrivilegeEscalation: false, "                     \
    "readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}, resources: " \
    "{limits: {cpu: 1, memory: 1Gi}}, livenessProbe: {tcpSocket: {port: "    \
    "1}}, readinessProbe: {tcpSocket: {port: 1}}"

static char *deployment(const char *name, const char *image, int replicas,
                        const char *spec_extra)
{
    char *s = NULL;
    if (asprintf(&s,
                 "apiVersion: apps/v1\nkind: Deployment\n"
                 "metadata: {name: %s, namespace: ns}\n"
                 "spec:\n  replicas: %d\n  template:\n"
                 "    metadata: {labels: {app: %s}}\n    spec:\n" HARD_POD
                 "%s"
                 "      containers: [{name: c, image: \"%s\", " HARD_CTR "}]\n",
                 name, replicas, name, spec_extra ? spec_extra : "", image) <
        0)
        fail();
    return s;
}

static void test_k8s__images(void **state)
{
    static const char *const trusted[] = {"registry.example.com",
                                          "docker.io/library", "ghcr.io/acme/"};
    static const struct {
        const char *image;
        int latest, untrusted;
    } cases[] = {
        {"nginx", 1, 0},                           /* docker.io/library */
        {"nginx:latest", 1, 0},
        {"nginx:1.25", 0, 0},
        {"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123"
         "456789abcdef", 0, 0},                   /* a digest pins */
        {"library/nginx:1.25", 0, 0},
        {"bitnami/redis:7", 0, 1},                 /* docker.io/bitnami */
        {"index.docker.io/library/nginx:1", 0, 0},
        {"registry.example.com/team/app:2.0", 0, 0},
        {"registry.example.com:5000/team/app:2.0", 0, 1}, /* another host */
        {"registry.example.com.evil.io/app:1", 0, 1},
        {"localhost:5000/app", 1, 1},
        {"ghcr.io/acme/tool:v1", 0, 0},
        {"ghcr.io/acme-evil/tool:v1", 0, 1},       /* prefix at a '/' only */
        {"quay.io/org/app:latest", 1, 1},
    };
    st_config_options o = ST_CONFIG_OPTIONS_INIT;
    (void)state;
    o.trusted_registries = trusted;
    o.trusted_registry_count = 3;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *y = deployment("d", cases[i].image, 2, NULL);
        st_result *r = audit_yaml(y, &o);
        if ((int)count_id(r, "k8s-image-tag-latest", NULL) !=
                cases[i].latest ||
            (int)count_id(r, "k8s-image-untrusted-registry", NULL) !=
                cases[i].untrusted)
            fail_msg("case %zu (%s): latest %zu untrusted %zu", i,
                     cases[i].image, count_id(r, "k8s-image-tag-latest", NULL),
                     count_id(r, "k8s-image-untrusted-registry", NULL));
        st_result_free(r);
        free(y);
    }
    /* no --trusted-registries: the check is off */
    {
        char *y = deployment("d", "quay.io/x/y:1", 2, NULL);
        st_result *r = audit_yaml(y, NULL);
        assert_int_equal(count_id(r, "k8s-image-untrusted-registry", NULL), 0);
        st_result_free(r);
        free(y);
    }
}

static void test_k8s__ha(void **state)
{
    static const char spread[] =
        "      topologySpreadConstraints: [{maxSkew: 1, topologyKey: "
        "kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}]\n";
    static const char anti[] =
        "      affinity: {podAntiAffinity: {requiredDuringScheduling"
        "IgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}}\n";
    char *one = deployment("one", "r.example.com/a:1", 1, spread);
    char *two = deployment("two", "r.example.com/a:1", 2, spread);
    char *bunched = deployment("bunched", "r.example.com/a:1", 3, NULL);
    char *apart = deployment("apart", "r.example.com/a:1", 3, anti);
    char *all = NULL;
    st_result *r;
    (void)state;
    assert_true(asprintf(&all,
                         "%s---\n%s---\n%s---\n%s---\n"
                         /* one's autoscaler keeps 2: one is fine */
                         "apiVersion: autoscaling/v2\nkind: "
                         "HorizontalPodAutoscaler\n"
                         "metadata: {name: one, namespace: ns}\n"
                         "spec: {scaleTargetRef: {kind: Deployment, name: "
                         "one}, minReplicas: 2, maxReplicas: 4}\n---\n"
                         /* covers two (In) and apart (Exists on app,
                          * NotIn) but not bunched */
                         "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
                         "metadata: {name: p, namespace: ns}\n"
                         "spec: {selector: {matchExpressions: [{key: app, "
                         "operator: In, values: [two, apart, one]}]}}\n"
                         "---\n"
                         /* same labels in another namespace: no cover */
                         "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
                         "metadata: {name: p, namespace: other}\n"
                         "spec: {selector: {matchLabels: {app: bunched}}}\n",
                         one, two, bunched, apart) > 0);
    r = audit_yaml(all, NULL);
    assert_int_equal(count_id(r, "k8s-ha-replicas", NULL), 0);
    assert_int_equal(count_id(r, "k8s-ha-no-spread", NULL), 1);
    assert_int_equal(count_id(r, "k8s-ha-no-spread", "Deployment/ns/bunched"),
                     1);
    assert_int_equal(count_id(r, "k8s-ha-no-pdb", NULL), 1);
    assert_int_equal(count_id(r, "k8s-ha-no-pdb", "Deployment/ns/bunched"), 1);
    st_result_free(r);
    /* without the autoscaler one has 1 replica: at spec.replicas */
    r = audit_yaml(one, NULL);
    assert_int_equal(count_id(r, "k8s-ha-replicas", "Deployment/ns/one"), 1);
    assert_int_equal(find_id(r, "k8s-ha-replicas")->line, 5);
    assert_string_equal(find_id(r, "k8s-ha-replicas")->detail, "1 replica");
    st_result_free(r);
    free(one);
    free(two);
    free(bunched);
    free(apart);
    free(all);
}

static void test_k8s__network(void **state)
{
    static const struct {
        const char *policy;
        int flagged;
    } cases[] = {
        {"spec: {podSelector: {}, policyTypes: [Ingress]}", 0},
        {"spec: {podSelector: {}}", 0},                 /* Ingress implied */
        {"spec: {podSelector: {}, ingress: []}", 0},
        {"spec: {podSelector: {matchLabels: {}}, policyTypes: [Ingress, "
         "Egress]}", 0},
        {"spec: {podSelector: {}, policyTypes: [Egress]}", 1}, /* egress */
        {"spec: {podSelector: {matchLabels: {a: b}}}", 1},     /* some pods */
        {"spec: {podSelector: {}, ingress: [{}]}", 1},        /* allow all */
        {"spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}",
         1},
    };
    char *y;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        st_result *r;
        char *d = deployment("d", "r.example.com/a:1", 2, NULL);
        assert_true(asprintf(&y,
                             "apiVersion: networking.k8s.io/v1\n"
                             "kind: NetworkPolicy\n"
                             "metadata: {name: p, namespace: ns}\n%s\n---\n%s",
                             cases[i].policy, d) > 0);
        r = audit_yaml(y, NULL);
        if ((int)count_id(r, "k8s-no-default-deny", "Namespace/ns") !=
            cases[i].flagged)
            fail_msg("case %zu: %s", i, cases[i].policy);
        st_result_free(r);
        free(y);
        free(d);
    }
}

static void test_k8s__exposure(void **state)
{
    static const char yaml[] =
        "apiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: e}\n"
        "spec:\n  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n"
        "  loadBalancerSourceRanges: [0.0.0.0/0]\n"
        "  ports: [{port: 443}, {port: 8443, targetPort: 6443}]\n"
        "---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: cip, namespace: e}\n"
        "spec: {ports: [{port: 22}]}\n"
        "---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        "metadata: {name: i, namespace: e}\n"
        "spec:\n  tls: [{hosts: [\"*.example.com\"]}]\n"
        "  rules: [{host: a.example.com}, {host: a.b.example.com}]\n"
        "---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        "metadata: {name: def, namespace: e}\n"
        "spec: {defaultBackend: {service: {name: s, port: {number: 80}}}}\n";
    st_result *r = audit_yaml(yaml, NULL);
    (void)state;
    /* two LoadBalancer ports, no node ports, open to the world, the
     * Kubernetes API behind 8443 */
    assert_int_equal(count_id(r, "k8s-exposure-load-balancer", NULL), 2);
    assert_int_equal(count_id(r, "k8s-exposure-node-port", NULL), 0);
    assert_int_equal(count_id(r, "k8s-load-balancer-open", NULL), 1);
    assert_int_equal(count_id(r, "k8s-exposure-admin-port", NULL), 1);
    assert_non_null(strstr(find_id(r, "k8s-exposure-admin-port")->detail,
                           "Kubernetes API"));
    /* a ClusterIP is no entry point, ssh or not */
    assert_int_equal(count_id(r, "k8s-exposure-admin-port", "Service/e/cip"),
                     0);
    /* "*.example.com" covers one level only */
    assert_int_equal(count_id(r, "k8s-exposure-ingress", "Ingress/e/i"), 2);
    assert_int_equal(count_id(r, "k8s-ingress-no-tls", "Ingress/e/i"), 1);
    assert_int_equal(count_id(r, "k8s-ingress-any-host", "Ingress/e/i"), 0);
    assert_int_equal(count_id(r, "k8s-ingress-any-host", "Ingress/e/def"), 1);
    assert_int_equal(count_id(r, "k8s-ingress-no-tls", "Ingress/e/def"), 1);
    st_result_free(r);
}

static void test_k8s__rbac(void **state)
{
    static const struct {
        const char *rules;
        const char *id;
        int n;
    } cases[] = {
        {"[{apiGroups: [\"\"], resources: [pods], verbs: [get]}]",
         "k8s-rbac-wildcard", 0},
        {"[{apiGroups: [\"\"], resources: [pods], verbs: [\"*\"]}]",
         "k8s-rbac-wildcard", 1},
        {"[{nonResourceURLs: [\"*\"], verbs: [get]}]", "k8s-rbac-wildcard", 1},
        {"[{apiGroups: [\"\"], resources: [secrets], verbs: [create]}]",
         "k8s-rbac-read-secrets", 0},
        {"[{apiGroups: [\"\"], resources: [secrets], verbs: [watch]}]",
         "k8s-rbac-read-secrets", 1},
        {"[{apiGroups: [apps], resources: [secrets], verbs: [get]}]",
         "k8s-rbac-read-secrets", 0}, /* not the core group */
        {"[{apiGroups: [\"\"], resources: [pods/exec], verbs: [list]}]",
         "k8s-rbac-pod-exec", 0},
        {"[{apiGroups: [\"\"], resources: [pods/attach], verbs: [create]}]",
         "k8s-rbac-pod-exec", 1},
        {"[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], "
         "verbs: [create, update]}]", "k8s-rbac-escalate", 0},
        {"[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], "
         "verbs: [bind]}]", "k8s-rbac-escalate", 1},
        {"[{apiGroups: [\"\"], resources: [users], verbs: [impersonate]}, "
         "{apiGroups: [rbac.authorization.k8s.io], resources: [roles], "
         "verbs: [escalate]}]", "k8s-rbac-escalate", 2},
    };
    char *y;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        st_result *r;
        assert_true(asprintf(&y,
                             "apiVersion: rbac.authorization.k8s.io/v1\n"
                             "kind: Role\nmetadata: {name: r, namespace: n}\n"
                             "rules: %s\n",
                             cases[i].rules) > 0);
        r = audit_yaml(y, NULL);
        if ((int)count_id(r, cases[i].id, "Role/n/r") != cases[i].n)
            fail_msg("case %zu: %zu %s", i, count_id(r, cases[i].id, NULL),
                     cases[i].id);
        st_result_free(r);
        free(y);
    }
    {
        static const char b[] =
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
            "metadata: {name: b, namespace: n}\n"
            "roleRef: {kind: ClusterRole, name: view}\n"
            "subjects: [{kind: ServiceAccount, name: app}, {kind: User, "
            "name: system:anonymous}, {kind: ServiceAccount, name: default, "
            "namespace: other}]\n";
        st_result *r = audit_yaml(b, NULL);
        assert_int_equal(count_id(r, "k8s-rbac-cluster-admin", NULL), 0);
        assert_int_equal(count_id(r, "k8s-rbac-anonymous", NULL), 1);
        assert_int_equal(count_id(r, "k8s-rbac-default-service-account", NULL),
                         1);
        assert_string_equal(
            find_id(r, "k8s-rbac-default-service-account")->detail,
            "binds view to the default service account of other");
        st_result_free(r);
    }
}

static const st_storage_mount *mount_of(const st_result *r, const char *src,
                                        const char *workload)
{
    for (size_t i = 0; i < st_result_storage_count(r); i++) {
        const st_storage_mount *m = st_result_storage(r, i);
        if (!strcmp(m->source, src) && !strcmp(m->workload, workload))
            return m;
    }
    return NULL;
}

static char *with_volumes(const char *name, const char *mounts,
                          const char *volumes)
{
    char *s = NULL;
    assert_true(asprintf(&s,
                         "apiVersion: apps/v1\nkind: DaemonSet\n"
                         "metadata: {name: %s, namespace: s}\n"
                         "spec:\n  template:\n    spec:\n"
                         "      volumes: %s\n"
                         "      containers: [{name: c, image: r/a:1, "
                         "volumeMounts: %s}]\n",
                         name, volumes, mounts) > 0);
    return s;
}

static void test_k8s__storage(void **state)
{
    char *a = with_volumes("a", "[{name: v, mountPath: /x}]",
                           "[{name: v, hostPath: {path: /data//shared/}}]");
    char *b = with_volumes(
        "b", "[{name: v, mountPath: /y, readOnly: true}]",
        "[{name: v, hostPath: {path: /data/shared/sub/../sub}}]");
    char *c = with_volumes("c", "[{name: v, mountPath: /z, readOnly: true}]",
                           "[{name: v, hostPath: {path: /data/shared-not}}]");
    char *d = with_volumes(
        "d", "[{name: v, mountPath: /s}, {name: w, mountPath: /w}]",
        "[{name: v, hostPath: {path: /run/containerd/containerd.sock}}, "
        "{name: w, persistentVolumeClaim: {claimName: rwo}}]");
    char *e = with_volumes("e", "[{name: w, mountPath: /w}]",
                           "[{name: w, persistentVolumeClaim: {claimName: "
                           "rwo}}]");
    char *all = NULL;
    st_result *r;
    const st_storage_mount *m;
    (void)state;
    assert_true(asprintf(&all,
                         "%s---\n%s---\n%s---\n%s---\n%s---\n"
                         "apiVersion: v1\nkind: PersistentVolumeClaim\n"
                         "metadata: {name: rwo, namespace: s}\n"
                         "spec: {accessModes: [ReadWriteOnce]}\n",
                         a, b, c, d, e) > 0);
    r = audit_yaml(all, NULL);
    /* normalised paths; /data/shared/sub lies below /data/shared */
    assert_non_null(m = mount_of(r, "/data/shared", "DaemonSet/s/a"));
    assert_int_equal(m->writable, 1);
    assert_string_equal(m->container, "c");
    assert_string_equal(m->mount_path, "/x");
    assert_string_equal(m->store, "hostPath");
    assert_non_null(m = mount_of(r, "/data/shared/sub", "DaemonSet/s/b"));
    assert_int_equal(m->writable, 0);
    assert_int_equal(count_id(r, "storage-shared-writable-host-path",
                              "DaemonSet/s/a/container c"),
                     1);
    assert_int_equal(count_id(r, "storage-shared-writable-host-path",
                              "DaemonSet/s/b/container c"),
                     1);
    /* /data/shared-not is a sibling, not below */
    assert_int_equal(count_id(r, "storage-shared-writable-host-path",
                              "DaemonSet/s/c/container c"),
                     0);
    assert_int_equal(count_id(r, "storage-runtime-socket", NULL), 1);
    assert_int_equal(count_id(r, "storage-host-path-writable", NULL), 1);
    /* a ReadWriteOnce claim shared by two writers is not flagged */
    assert_non_null(m = mount_of(r, "s/rwo", "DaemonSet/s/e"));
    assert_string_equal(m->store, "pvc");
    assert_int_equal(m->shared_access, 0);
    assert_int_equal(count_id(r, "storage-shared-writable-volume", NULL), 0);
    assert_int_equal(st_result_storage_count(r), 6);
    /* sorted by store, source, workload */
    for (size_t i = 1; i < st_result_storage_count(r); i++) {
        const st_storage_mount *x = st_result_storage(r, i - 1),
                               *y = st_result_storage(r, i);
        int cmp = strcmp(x->store, y->store);
        if (!cmp)
            cmp = strcmp(x->source, y->source);
        assert_true(cmp <= 0);
    }
    st_result_free(r);
    /* the same claim ReadWriteMany (claim after its users): flagged on both */
    free(all);
    assert_true(asprintf(&all,
                         "%s---\n%s---\n"
                         "apiVersion: v1\nkind: PersistentVolumeClaim\n"
                         "metadata: {name: rwo, namespace: s}\n"
                         "spec: {accessModes: [ReadWriteMany]}\n",
                         d, e) > 0);
    r = audit_yaml(all, NULL);
    assert_int_equal(count_id(r, "storage-shared-writable-volume", NULL), 2);
    assert_int_equal(mount_of(r, "s/rwo", "DaemonSet/s/d")->shared_access, 1);
    st_result_free(r);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(all);
}

static void test_k8s__lists_and_secrets(void **state)
{
    static const char yaml[] =
        "{\"apiVersion\": \"v1\", \"kind\": \"PodList\", \"items\": [\n"
        " {\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n"
        "  \"metadata\": {\"name\": \"p\", \"namespace\": \"l\"},\n"
        "  \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"i:1\",\n"
        "   \"env\": [{\"name\": \"DB_PASSWORD\", \"value\": \"s3cr3t-v4lue\"},\n"
        "             {\"name\": \"DB_PASSWORD_FILE\", \"value\": \"/run/x\"},\n"
        "             {\"name\": \"apiKey\", \"value\": \"${API_KEY}\"},\n"
        "             {\"name\": \"TOKEN\", \"valueFrom\": {}}]}]}},\n"
        " {\"kind\": \"List\", \"items\": [{\"kind\": \"Role\", \"metadata\": "
        "{\"name\": \"r\"}, \"rules\": [{\"verbs\": [\"*\"]}]}]}\n"
        "]}\n";
    st_result *r = audit_yaml(yaml, NULL);
    const st_finding *f;
    (void)state;
    assert_int_equal(count_id(r, "k8s-env-secret-literal", NULL), 1);
    f = find_id(r, "k8s-env-secret-literal");
    assert_string_equal(f->object, "Pod/l/p/container c");
    assert_int_equal(f->line, 5);
    assert_null(strstr(f->detail, "s3cr3t")); /* never the value */
    assert_int_equal(count_id(r, "k8s-rbac-wildcard", "Role/default/r"), 1);
    assert_int_equal(count_id(r, "k8s-pss-level", "Pod/l/p"), 1);
    st_result_free(r);
}

/* ---- the engine ------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_k8s__engine_walk(void **state)
{
    char dir[] = "/tmp/st-config-XXXXXX", p[512];
    const char *paths[1];
    st_result *r = NULL;
    st_error *err = NULL;
    st_config_options o = ST_CONFIG_OPTIONS_INIT;
    static const char pod[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: "
                              "x, namespace: w}\nspec: {hostPID: true, "
                              "containers: [{name: c, image: i:1}]}\n";
    size_t pids = 0, bad = 0, big = 0;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/.git", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/.git/pod.yaml", dir);
    write_file(p, pod);
    snprintf(p, sizeof(p), "%s/node_modules", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/node_modules/pod.yaml", dir);
    write_file(p, pod);
    snprintf(p, sizeof(p), "%s/a.yaml", dir);
    write_file(p, pod);
    snprintf(p, sizeof(p), "%s/b.yml", dir);
    write_file(p, "apiVersion: v1\nkind: Pod\nmetadata:\n  a: 1\n  a: 2\n");
    snprintf(p, sizeof(p), "%s/c.yaml", dir);
    write_file(p, "apiVersion: v1\nkind: ConfigMap\ndata:\n  big: \"");
    {
        FILE *f = fopen(p, "a");
        for (int i = 0; i < 2000; i++)
            fputs("0123456789012345678901234567890123456789", f);
        fputs("\"\n", f);
        fclose(f);
    }
    snprintf(p, sizeof(p), "%s/notes.txt", dir);
    write_file(p, pod); /* not a manifest by name: ignored */
    snprintf(p, sizeof(p), "%s/link.yaml", dir);
    assert_int_equal(symlink("a.yaml", p), 0); /* not followed */

    paths[0] = dir;
    assert_int_equal(st_config_scan(&r, paths, 1, &o, &err), 0);
    for (size_t i = 0; i < st_result_finding_count(r); i++)
        if (!strcmp(st_result_finding(r, i)->id, "k8s-host-pid")) {
            pids++;
            assert_true(st_str_endswith(st_result_finding(r, i)->path,
                                        "/a.yaml"));
        }
    assert_int_equal(pids, 1);
    assert_int_equal(st_result_stats(r)->files_read, 3);
    for (size_t i = 0; i < st_result_diagnostic_count(r); i++) {
        const st_diagnostic *d = st_result_diagnostic(r, i);
        if (st_str_endswith(d->path, "/b.yml") &&
            !strcmp(d->message, "line 5, column 3: duplicate key \"a\""))
            bad++;
    }
    assert_int_equal(bad, 1);
    st_result_free(r);
    r = NULL;

    /* the size limit: c.yaml is 80 kB */
    o.max_file_bytes = 16 * 1024;
    assert_int_equal(st_config_scan(&r, paths, 1, &o, &err), 0);
    for (size_t i = 0; i < st_result_diagnostic_count(r); i++)
        if (strstr(st_result_diagnostic(r, i)->message, "larger than 16384"))
            big++;
    assert_int_equal(big, 1);
    st_result_free(r);
    r = NULL;

    /* a named file no kind claims is a note; a missing path an error */
    snprintf(p, sizeof(p), "%s/notes.txt", dir);
    paths[0] = p;
    assert_int_equal(st_config_scan(&r, paths, 1, NULL, &err), 0);
    assert_int_equal(st_result_diagnostic_count(r), 1);
    assert_int_equal(st_result_diagnostic(r, 0)->level, ST_DIAG_INFO);
    st_result_free(r);
    r = NULL;
    snprintf(p, sizeof(p), "%s/none.yaml", dir);
    assert_int_equal(st_config_scan(&r, paths, 1, NULL, &err), ST_ENOTFOUND);
    assert_null(r);
    st_error_free(err);
    err = NULL;

    snprintf(p, sizeof(p), "rm -rf '%s'", dir);
    assert_int_equal(system(p), 0);
}

static void test_k8s__user_policy(void **state)
{
    char dir[] = "/tmp/st-config-XXXXXX", pol[512], man[512];
    const char *pols[1], *paths[1];
    static const char *const sev[] = {"acme-team-label=critical",
                                      "k8s-host-pid=LOW"};
    static const char *const skip[] = {"k8s-no-cpu-limit"};
    st_config_options o = ST_CONFIG_OPTIONS_INIT;
    st_result *r = NULL;
    st_error *err = NULL;
    const st_finding *f;
    size_t cpu = 0;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(pol, sizeof(pol), "%s/acme.yaml", dir);
    write_file(pol,
               "checks:\n"
               "  - id: acme-team-label\n"
               "    title: Workloads carry a team label\n"
               "    severity: LOW\n"
               "    rationale: On-call needs an owner.\n"
               "    remediation: Add metadata.labels.team.\n"
               "    kinds: [workload]\n"
               "    tags: [\"acme:OPS-7\"]\n"
               "    deny: {path: metadata.labels.team, missing: true}\n");
    snprintf(man, sizeof(man), "%s/m.yaml", dir);
    write_file(man, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                    "spec: {hostPID: true, containers: [{name: c, image: "
                    "i:1}]}\n");
    pols[0] = pol;
    paths[0] = man;
    o.policies = pols;
    o.policy_count = 1;
    o.severities = sev;
    o.severity_count = 2;
    o.skip_checks = skip;
    o.skip_check_count = 1;
    assert_int_equal(st_config_scan(&r, paths, 1, &o, &err), 0);
    assert_non_null(f = find_id(r, "acme-team-label"));
    assert_string_equal(f->severity, "CRITICAL");
    assert_string_equal(f->object, "Pod/default/p");
    assert_int_equal(f->line, 1);
    assert_int_equal(f->tag_count, 1);
    assert_string_equal(f->tags[0], "acme:OPS-7");
    assert_string_equal(f->remediation, "Add metadata.labels.team.");
    assert_string_equal(find_id(r, "k8s-host-pid")->severity, "LOW");
    for (size_t i = 0; i < st_result_finding_count(r); i++)
        cpu += !strcmp(st_result_finding(r, i)->id, "k8s-no-cpu-limit");
    assert_int_equal(cpu, 0);
    assert_string_equal(find_id(r, "k8s-host-pid")->category, "kubernetes");
    st_result_free(r);
    r = NULL;

    /* a malformed policy: the scan fails, naming the file and line */
    write_file(pol, "checks:\n  - id: x\n    severity: LOW\n    titel: T\n");
    assert_int_equal(st_config_scan(&r, paths, 1, &o, &err), ST_EINVALID);
    {
        char *m = st_error_format(err);
        assert_non_null(strstr(m, "acme.yaml:4: unknown key \"titel\""));
        st_free(m);
    }
    st_error_free(err);
    snprintf(pol, sizeof(pol), "rm -rf '%s'", dir);
    assert_int_equal(system(pol), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k8s__images),
        cmocka_unit_test(test_k8s__ha),
        cmocka_unit_test(test_k8s__network),
        cmocka_unit_test(test_k8s__exposure),
        cmocka_unit_test(test_k8s__rbac),
        cmocka_unit_test(test_k8s__storage),
        cmocka_unit_test(test_k8s__lists_and_secrets),
        cmocka_unit_test(test_k8s__engine_walk),
        cmocka_unit_test(test_k8s__user_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
