/* The Kubernetes file kind: manifests in YAML or JSON, several documents
 * per file, List objects. Each object is checked by the predicates of the
 * policies (document, pod and container scopes) and by the checks below
 * that need code: the Pod Security Standards controls that combine pod
 * and container settings, images, literal secrets, exposure, RBAC, the
 * mounts of the storage graph. Checks across documents (PodDisruption-
 * Budgets, autoscalers, NetworkPolicies per namespace, claims' access
 * modes) run once every file has been read (st_cfg__k8s_finish).
 *
 * Every workload is labelled with the highest Pod Security Standards
 * level it meets (k8s-pss-level, INFO): the findings tagged pss:baseline
 * or pss:restricted reported for it decide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/engine_int.h"
#include "config/envsecret.h"
#include "util/banned.h"

#define MAX_LIST_DEPTH 4
#define MAX_LABELS 64

/* ---- state across documents ------------------------------------------- */

typedef struct label {
    const char *k, *v;
} label;

typedef struct labels {
    label *v;
    size_t n;
} labels;

typedef struct workload {
    const char *kind, *ns, *name, *object;
    st_cfg_where w;          /* the object */
    st_cfg_where replicas_w; /* spec.replicas, or the spec */
    long long replicas;      /* -1: not a replicated controller */
    bool spread;             /* pod anti-affinity or topology spread */
    labels pod_labels;
} workload;

typedef struct expr {
    const char *key, *op; /* In NotIn Exists DoesNotExist */
    const char **values;
    size_t n;
} expr;

typedef struct selector {
    bool none; /* a null selector selects nothing */
    labels match;
    expr *exprs;
    size_t nexprs;
} selector;

typedef struct pdb {
    const char *ns;
    selector sel;
} pdb;

typedef struct hpa {
    const char *ns, *kind, *name;
    long long min;
} hpa;

typedef struct nsinfo {
    bool deny;        /* a default-deny ingress policy */
    bool workloads;   /* a workload runs there */
    st_cfg_where w;   /* the first workload */
} nsinfo;

typedef struct claim_mount {
    st_cfg_mount m;
    st_cfg_where w;
    const char *key; /* "ns/claim" */
} claim_mount;

typedef struct k8s_state {
    st_vec workloads; /* workload * */
    st_vec pdbs;      /* pdb * */
    st_vec hpas;      /* hpa * */
    st_vec claims;    /* claim_mount * */
    st_map *ns;       /* namespace -> nsinfo * */
    st_map *rwx;      /* "ns/claim" -> (void *)1 when ReadWriteMany */
} k8s_state;

static k8s_state *state(st_cfg_ctx *c)
{
    k8s_state *s = c->k8s;
    if (s)
        return s;
    if (!(s = st_calloc(1, sizeof(*s))))
        return NULL;
    if (!(s->ns = st_map_new()) || !(s->rwx = st_map_new())) {
        st_map_free(s->ns);
        st_map_free(s->rwx);
        st_free(s);
        return NULL;
    }
    c->k8s = s;
    return s;
}

void st_cfg__k8s_free(st_cfg_ctx *c)
{
    k8s_state *s = c->k8s;
    if (!s)
        return;
    st_vec_release(&s->workloads);
    st_vec_release(&s->pdbs);
    st_vec_release(&s->hpas);
    st_vec_release(&s->claims);
    st_map_free(s->ns);
    st_map_free(s->rwx);
    st_free(s);
    c->k8s = NULL;
}

/* ---- one object --------------------------------------------------------- */

typedef struct obj {
    st_cfg_ctx *c;
    k8s_state *s;
    const char *path;
    const st_ynode *doc;
    const char *kind, *ns, *name;
    const char *object; /* "Deployment/prod/web", in the arena */
    st_cfg_where w;
} obj;

static const char *const cluster_kinds[] = {
    "Namespace",          "Node",
    "PersistentVolume",   "ClusterRole",
    "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "PriorityClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "APIService",         "CSIDriver",
    "IngressClass",       "GatewayClass",
    "RuntimeClass",       "PodSecurityPolicy",
    "ClusterIssuer",      "VolumeSnapshotClass",
};

static bool cluster_scoped(const char *kind)
{
    for (size_t i = 0; i < sizeof(cluster_kinds) / sizeof(*cluster_kinds);
         i++)
        if (!strcmp(kind, cluster_kinds[i]))
            return true;
    return false;
}

static st_cfg_where at(const obj *o, const st_ynode *n, const char *object)
{
    st_cfg_where w = o->w;
    if (n) {
        w.line = n->line;
        w.column = n->column;
    }
    if (object)
        w.object = object;
    return w;
}

static int report(obj *o, const char *id, const st_ynode *n,
                  const char *object, const char *fmt, ...) ST_PRINTF(5, 6);
static int report(obj *o, const char *id, const st_ynode *n,
                  const char *object, const char *fmt, ...)
{
    char detail[512];
    st_cfg_where w = at(o, n, object);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return st_cfg_report(o->c, id, &w, "%s", detail);
}

static const char *str(const st_ynode *n)
{
    return st_ystr(n);
}

static bool is_true(const st_ynode *n)
{
    return st_ybool(n) == 1;
}

/* The text of a scalar for a message: never more than 80 bytes. */
static const char *show(const st_ynode *n)
{
    return n && n->type == ST_Y_SCALAR ? n->s : "?";
}

static int copy_labels(st_cfg_ctx *c, const st_ynode *m, labels *out)
{
    size_t n = 0;
    memset(out, 0, sizeof(*out));
    if (!m || m->type != ST_Y_MAP || !m->n)
        return 0;
    if (!(out->v = st_arena_alloc(c->a, (m->n / 2) * sizeof(label))))
        return ST_ENOMEM;
    for (size_t i = 0; i + 1 < m->n && n < MAX_LABELS; i += 2) {
        const st_ynode *v = m->kids[i + 1];
        if (v->type != ST_Y_SCALAR)
            continue;
        if (!(out->v[n].k = st_arena_strdup(c->a, m->kids[i]->s)) ||
            !(out->v[n].v = st_arena_strdup(c->a, v->s)))
            return ST_ENOMEM;
        n++;
    }
    out->n = n;
    return 0;
}

static const char *label_get(const labels *l, const char *k)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].k, k))
            return l->v[i].v;
    return NULL;
}

/* A LabelSelector: matchLabels and matchExpressions. */
static int copy_selector(st_cfg_ctx *c, const st_ynode *sel, selector *out)
{
    const st_ynode *ex;
    memset(out, 0, sizeof(*out));
    if (!sel || sel->type != ST_Y_MAP) {
        out->none = true;
        return 0;
    }
    if (copy_labels(c, st_ymap_get(sel, "matchLabels"), &out->match) < 0)
        return ST_ENOMEM;
    ex = st_ymap_get(sel, "matchExpressions");
    if (!ex || ex->type != ST_Y_SEQ || !ex->n)
        return 0;
    if (!(out->exprs = st_arena_alloc(c->a, ex->n * sizeof(expr))))
        return ST_ENOMEM;
    for (size_t i = 0; i < ex->n && i < MAX_LABELS; i++) {
        const st_ynode *e = ex->kids[i], *vals = st_ymap_get(e, "values");
        expr *x = &out->exprs[out->nexprs];
        if (!str(st_ymap_get(e, "key")) || !str(st_ymap_get(e, "operator")))
            continue;
        x->key = st_arena_strdup(c->a, str(st_ymap_get(e, "key")));
        x->op = st_arena_strdup(c->a, str(st_ymap_get(e, "operator")));
        if (!x->key || !x->op)
            return ST_ENOMEM;
        if (vals && vals->type == ST_Y_SEQ && vals->n) {
            if (!(x->values = st_arena_alloc(c->a, vals->n * sizeof(char *))))
                return ST_ENOMEM;
            for (size_t j = 0; j < vals->n; j++)
                if (str(vals->kids[j]) &&
                    !(x->values[x->n++] =
                          st_arena_strdup(c->a, vals->kids[j]->s)))
                    return ST_ENOMEM;
        }
        out->nexprs++;
    }
    return 0;
}

static bool selects(const selector *s, const labels *pod)
{
    if (s->none)
        return false;
    for (size_t i = 0; i < s->match.n; i++) {
        const char *v = label_get(pod, s->match.v[i].k);
        if (!v || strcmp(v, s->match.v[i].v))
            return false;
    }
    for (size_t i = 0; i < s->nexprs; i++) {
        const expr *x = &s->exprs[i];
        const char *v = label_get(pod, x->key);
        bool in = false;
        for (size_t j = 0; v && j < x->n; j++)
            in |= !strcmp(v, x->values[j]);
        if ((!strcmp(x->op, "In") && !in) ||
            (!strcmp(x->op, "NotIn") && in) ||
            (!strcmp(x->op, "Exists") && !v) ||
            (!strcmp(x->op, "DoesNotExist") && v))
            return false;
    }
    return true;
}

static nsinfo *ns_info(obj *o, const char *ns)
{
    void **slot;
    bool created;
    if (st_map_slot(o->s->ns, ns, strlen(ns), &slot, &created) < 0)
        return NULL;
    if (created && !(*slot = st_arena_alloc(o->c->a, sizeof(nsinfo))))
        return NULL;
    return *slot;
}

/* ---- images ------------------------------------------------------------- */

typedef struct imgref {
    char registry[256];
    char full[1100]; /* registry/repository */
    const char *tag; /* NULL when none */
    bool digest;
} imgref;

static void parse_image(const char *s, imgref *r)
{
    char name[1024];
    const char *at = strchr(s, '@'), *slash, *colon;
    size_t n = at ? (size_t)(at - s) : strlen(s);
    size_t first;

    memset(r, 0, sizeof(*r));
    r->digest = at != NULL;
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, s, n);
    name[n] = 0;
    slash = strrchr(name, '/');
    colon = strrchr(slash ? slash : name, ':');
    if (colon) {
        r->tag = s + (colon - name) + 1;
        name[colon - name] = 0;
    }
    first = strcspn(name, "/");
    if (name[first] == '/' &&
        (memchr(name, '.', first) || memchr(name, ':', first) ||
         (first == 9 && !strncmp(name, "localhost", 9)))) {
        snprintf(r->registry, sizeof(r->registry), "%.*s", (int)first, name);
        snprintf(r->full, sizeof(r->full), "%.1000s", name);
    } else {
        snprintf(r->registry, sizeof(r->registry), "docker.io");
        snprintf(r->full, sizeof(r->full), "docker.io/%s%.1000s",
                 name[first] == '/' ? "" : "library/", name);
    }
    if (!strcmp(r->registry, "index.docker.io") ||
        !strcmp(r->registry, "registry-1.docker.io")) {
        char rest[1100];
        snprintf(rest, sizeof(rest), "%s", r->full + strlen(r->registry));
        snprintf(r->registry, sizeof(r->registry), "docker.io");
        snprintf(r->full, sizeof(r->full), "docker.io%.1000s", rest);
    }
}

static bool trusted(st_cfg_ctx *c, const imgref *r)
{
    size_t n;
    const char *const *t = st_cfg_trusted_registries(c, &n);
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(t[i]);
        while (k && t[i][k - 1] == '/')
            k--;
        if (!memchr(t[i], '/', k)) {
            if (strlen(r->registry) == k && !strncmp(r->registry, t[i], k))
                return true;
        } else if (!strncmp(r->full, t[i], k) &&
                   (r->full[k] == 0 || r->full[k] == '/')) {
            return true;
        }
    }
    return false;
}

static int check_image(obj *o, const st_ynode *ctr, const char *object)
{
    const st_ynode *k = st_ymap_key(ctr, "image"),
                   *v = st_ymap_get(ctr, "image");
    size_t ntrusted;
    imgref r;
    int rc = 0;

    if (!v || v->type != ST_Y_SCALAR || !v->len) {
        /* an image is required; a template may leave it out */
        return 0;
    }
    parse_image(v->s, &r);
    if (!r.digest && (!r.tag || !strcmp(r.tag, "latest")))
        ST_CHECK(report(o, "k8s-image-tag-latest", k, object,
                        "image %.200s%s", v->s,
                        r.tag ? "" : " (no tag: latest)"));
    st_cfg_trusted_registries(o->c, &ntrusted);
    if (ntrusted && !trusted(o->c, &r))
        ST_CHECK(report(o, "k8s-image-untrusted-registry", k, object,
                        "image %.200s from %s", v->s, r.registry));
done:
    return rc;
}

/* ---- literal secrets ---------------------------------------------------- */

static int check_env(obj *o, const st_ynode *ctr, const char *object)
{
    const st_ynode *env = st_ymap_get(ctr, "env");
    int rc = 0;
    if (!env || env->type != ST_Y_SEQ)
        return 0;
    for (size_t i = 0; i < env->n; i++) {
        const st_ynode *e = env->kids[i];
        const char *name = str(st_ymap_get(e, "name"));
        const st_ynode *val = st_ymap_get(e, "value");
        if (!name || !str(val) || !val->len)
            continue;
        if (st_cfg__secret_name(name, strlen(name)) &&
            st_cfg__secret_literal(val->s))
            ST_CHECK(report(o, "k8s-env-secret-literal",
                            st_ymap_key(e, "value"), object,
                            "env %.80s has a literal value (%zu bytes)", name,
                            val->len));
    }
done:
    return rc;
}

static int check_configmap(obj *o)
{
    const st_ynode *data = st_ymap_get(o->doc, "data");
    int rc = 0;
    if (!data || data->type != ST_Y_MAP)
        return 0;
    for (size_t i = 0; i + 1 < data->n; i += 2) {
        const st_ynode *k = data->kids[i], *v = data->kids[i + 1];
        if (v->type == ST_Y_SCALAR && v->len &&
            st_cfg__secret_name(k->s, k->len) &&
            st_cfg__secret_literal(v->s))
            ST_CHECK(report(o, "k8s-configmap-secret", k, NULL,
                            "key %.80s holds a literal value (%zu bytes)",
                            k->s, v->len));
    }
done:
    return rc;
}

/* ---- exposure ----------------------------------------------------------- */

static const int admin_ports[] = {
    22,   23,   1433, 1521, 2375, 2376, 2379, 2380,  3306,  3389, 5432,
    5900, 5984, 5985, 5986, 6379, 6443, 9042, 9200, 10250, 10255, 11211,
    27017};

static const char *admin_port(long long p)
{
    for (size_t i = 0; i < sizeof(admin_ports) / sizeof(*admin_ports); i++)
        if (admin_ports[i] == p)
            switch (p) {
            case 22:
                return "ssh";
            case 23:
                return "telnet";
            case 2375:
            case 2376:
                return "Docker API";
            case 2379:
            case 2380:
                return "etcd";
            case 3389:
                return "RDP";
            case 5900:
                return "VNC";
            case 5985:
            case 5986:
                return "WinRM";
            case 6443:
                return "Kubernetes API";
            case 10250:
            case 10255:
                return "kubelet";
            default:
                return "a database";
            }
    return NULL;
}

static const char *proto(const st_ynode *port)
{
    const char *p = str(st_ymap_get(port, "protocol"));
    return p ? p : "TCP";
}

static bool internal_lb(const st_ynode *doc)
{
    const st_ynode *ann = st_ypath(doc, "metadata.annotations");
    static const char *const keys[] = {
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "networking.gke.io/load-balancer-type",
        "cloud.google.com/load-balancer-type",
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        const char *v = str(st_ymap_get(ann, keys[i]));
        if (v && (!strcasecmp(v, "true") || !strcasecmp(v, "internal") ||
                  !strcasecmp(v, "private") || !strcmp(v, "0.0.0.0/0")))
            return strcmp(v, "0.0.0.0/0") != 0;
    }
    return false;
}

static int audit_service(obj *o)
{
    const st_ynode *spec = st_ymap_get(o->doc, "spec");
    const char *type = str(st_ymap_get(spec, "type"));
    const st_ynode *ports = st_ymap_get(spec, "ports");
    const st_ynode *ext = st_ymap_get(spec, "externalIPs");
    bool lb = type && !strcmp(type, "LoadBalancer");
    bool np = type && !strcmp(type, "NodePort");
    int rc = 0;

    if (lb || np) {
        for (size_t i = 0; ports && ports->type == ST_Y_SEQ && i < ports->n;
             i++) {
            const st_ynode *p = ports->kids[i];
            long long port = 0, node = 0;
            const char *admin;
            st_yint(st_ymap_get(p, "port"), &port);
            st_yint(st_ymap_get(p, "nodePort"), &node);
            if (lb)
                ST_CHECK(report(o, "k8s-exposure-load-balancer", p, NULL,
                                "LoadBalancer %lld/%s", port, proto(p)));
            /* a LoadBalancer opens node ports too, unless told not to */
            if (np || st_ybool(st_ymap_get(
                          spec, "allocateLoadBalancerNodePorts")) != 0)
                ST_CHECK(report(o, "k8s-exposure-node-port", p, NULL,
                            "NodePort %s/%s on every node (port %lld)",
                            node ? show(st_ymap_get(p, "nodePort"))
                                 : "(allocated)",
                            proto(p), port));
            if ((admin = admin_port(port)) ||
                (admin = admin_port(
                     st_yint(st_ymap_get(p, "targetPort"), &node) ? node
                                                                  : 0)))
                ST_CHECK(report(o, "k8s-exposure-admin-port", p, NULL,
                                "%s port %lld (%s) exposed by a %s Service",
                                admin, port, proto(p), type));
        }
        if (lb && !internal_lb(o->doc)) {
            const st_ynode *r = st_ymap_get(spec, "loadBalancerSourceRanges");
            bool open = !r || r->type != ST_Y_SEQ || !r->n;
            for (size_t i = 0; !open && i < r->n; i++)
                open = str(r->kids[i]) && (!strcmp(r->kids[i]->s, "0.0.0.0/0") ||
                                           !strcmp(r->kids[i]->s, "::/0"));
            if (open)
                ST_CHECK(report(o, "k8s-load-balancer-open",
                                st_ymap_key(spec, "type"), NULL,
                                "no loadBalancerSourceRanges: reachable from "
                                "any address"));
        }
    }
    for (size_t i = 0; ext && ext->type == ST_Y_SEQ && i < ext->n; i++) {
        ST_CHECK(report(o, "k8s-exposure-external-ip", ext->kids[i], NULL,
                        "externalIP %.60s", show(ext->kids[i])));
        ST_CHECK(report(o, "k8s-service-external-ips", ext->kids[i], NULL,
                        "externalIP %.60s", show(ext->kids[i])));
    }
done:
    return rc;
}

static bool tls_covers(const st_ynode *tls, const char *host)
{
    for (size_t i = 0; tls && tls->type == ST_Y_SEQ && i < tls->n; i++) {
        const st_ynode *hosts = st_ymap_get(tls->kids[i], "hosts");
        for (size_t j = 0; hosts && hosts->type == ST_Y_SEQ && j < hosts->n;
             j++) {
            const char *h = str(hosts->kids[j]);
            if (!h)
                continue;
            if (!strcmp(h, host))
                return true;
            /* "*.example.com" covers "a.example.com" */
            if (h[0] == '*' && h[1] == '.') {
                const char *dot = strchr(host, '.');
                if (dot && !strcmp(dot, h + 1))
                    return true;
            }
        }
    }
    return false;
}

static int audit_ingress(obj *o)
{
    const st_ynode *spec = st_ymap_get(o->doc, "spec");
    const st_ynode *rules = st_ymap_get(spec, "rules");
    const st_ynode *tls = st_ymap_get(spec, "tls");
    int rc = 0;

    if ((!rules || rules->type != ST_Y_SEQ || !rules->n) &&
        (st_ymap_get(spec, "defaultBackend") || st_ymap_get(spec, "backend"))) {
        const st_ynode *k = st_ymap_key(spec, "defaultBackend");
        if (!k)
            k = st_ymap_key(spec, "backend");
        ST_CHECK(report(o, "k8s-exposure-ingress", k, NULL,
                        "any host (default backend)"));
        ST_CHECK(report(o, "k8s-ingress-any-host", k, NULL,
                        "a default backend answers every host name"));
        if (!tls || tls->type != ST_Y_SEQ || !tls->n)
            ST_CHECK(report(o, "k8s-ingress-no-tls", k, NULL,
                            "any host: no TLS"));
    }
    for (size_t i = 0; rules && rules->type == ST_Y_SEQ && i < rules->n;
         i++) {
        const st_ynode *r = rules->kids[i];
        const st_ynode *hk = st_ymap_key(r, "host");
        const char *host = str(st_ymap_get(r, "host"));
        ST_CHECK(report(o, "k8s-exposure-ingress", hk ? hk : r, NULL,
                        "host %.200s", host ? host : "* (any)"));
        if (!host || !*host)
            ST_CHECK(report(o, "k8s-ingress-any-host", r, NULL,
                            "a rule without host answers every host name"));
        if (!host || !tls_covers(tls, host))
            ST_CHECK(report(o, "k8s-ingress-no-tls", hk ? hk : r, NULL,
                            "host %.200s is served without TLS",
                            host ? host : "* (any)"));
    }
done:
    return rc;
}

static int audit_gateway(obj *o)
{
    const st_ynode *ls = st_ypath(o->doc, "spec.listeners");
    int rc = 0;
    for (size_t i = 0; ls && ls->type == ST_Y_SEQ && i < ls->n; i++) {
        const st_ynode *l = ls->kids[i];
        const char *p = str(st_ymap_get(l, "protocol"));
        const char *host = str(st_ymap_get(l, "hostname"));
        ST_CHECK(report(o, "k8s-exposure-gateway", l, NULL,
                        "listener %.60s: %s %.200s:%s",
                        str(st_ymap_get(l, "name")) ? show(st_ymap_get(l, "name"))
                                                     : "?",
                        p ? p : "?", host ? host : "*",
                        show(st_ymap_get(l, "port"))));
        if (p && (!strcmp(p, "HTTP") || !strcmp(p, "TCP") ||
                  !strcmp(p, "UDP")))
            ST_CHECK(report(o, "k8s-gateway-plain", st_ymap_key(l, "protocol"),
                            NULL, "listener %.60s accepts %s without TLS",
                            show(st_ymap_get(l, "name")), p));
    }
done:
    return rc;
}

static int audit_route(obj *o)
{
    const st_ynode *hs = st_ypath(o->doc, "spec.hostnames");
    int rc = 0;
    for (size_t i = 0; hs && hs->type == ST_Y_SEQ && i < hs->n; i++)
        ST_CHECK(report(o, "k8s-exposure-route", hs->kids[i], NULL,
                        "%s host %.200s", o->kind, show(hs->kids[i])));
done:
    return rc;
}

/* ---- RBAC ----------------------------------------------------------------- */

static const st_ynode *has(const st_ynode *list, const char *v)
{
    for (size_t i = 0; list && list->type == ST_Y_SEQ && i < list->n; i++)
        if (str(list->kids[i]) && !strcmp(list->kids[i]->s, v))
            return list->kids[i];
    return NULL;
}

static const st_ynode *has_any(const st_ynode *list, const char *const *vs)
{
    const st_ynode *n;
    for (; *vs; vs++)
        if ((n = has(list, *vs)))
            return n;
    return NULL;
}

static int audit_role(obj *o)
{
    static const char *const read[] = {"get", "list", "watch", "*", NULL};
    static const char *const execs[] = {"pods/exec", "pods/attach", "*", NULL};
    static const char *const run[] = {"create", "get", "*", NULL};
    static const char *const esc[] = {"escalate", "bind", "impersonate",
                                      NULL};
    const st_ynode *rules = st_ymap_get(o->doc, "rules");
    int rc = 0;

    for (size_t i = 0; rules && rules->type == ST_Y_SEQ && i < rules->n;
         i++) {
        const st_ynode *r = rules->kids[i];
        const st_ynode *groups = st_ymap_get(r, "apiGroups");
        const st_ynode *res = st_ymap_get(r, "resources");
        const st_ynode *verbs = st_ymap_get(r, "verbs");
        const st_ynode *n;
        bool core = has(groups, "") || has(groups, "*") ||
                    !groups; /* no apiGroups: the core group */
        if ((n = has(verbs, "*")) || (n = has(res, "*")) ||
            (n = has(groups, "*")) ||
            (n = has(st_ymap_get(r, "nonResourceURLs"), "*")))
            ST_CHECK(report(o, "k8s-rbac-wildcard", n, NULL,
                            "rule %zu: \"*\" in %s", i + 1,
                            has(verbs, "*")   ? "verbs"
                            : has(res, "*")   ? "resources"
                            : has(groups, "*") ? "apiGroups"
                                               : "nonResourceURLs"));
        if (core && (has(res, "secrets") || has(res, "*")) &&
            (n = has_any(verbs, read)))
            ST_CHECK(report(o, "k8s-rbac-read-secrets", n, NULL,
                            "rule %zu: %s secrets", i + 1, n->s));
        if (core && (n = has_any(res, execs)) && has_any(verbs, run))
            ST_CHECK(report(o, "k8s-rbac-pod-exec", n, NULL,
                            "rule %zu: %s on %s", i + 1,
                            has_any(verbs, run)->s, n->s));
        if ((n = has_any(verbs, esc)))
            ST_CHECK(report(o, "k8s-rbac-escalate", n, NULL,
                            "rule %zu: verb %s", i + 1, n->s));
    }
done:
    return rc;
}

static int audit_binding(obj *o)
{
    const st_ynode *ref = st_ymap_get(o->doc, "roleRef");
    const char *role = str(st_ymap_get(ref, "name"));
    const st_ynode *subj = st_ymap_get(o->doc, "subjects");
    int rc = 0;

    if (role && !strcmp(role, "cluster-admin"))
        ST_CHECK(report(o, "k8s-rbac-cluster-admin",
                        st_ymap_key(ref, "name"), NULL,
                        "binds cluster-admin%s",
                        !strcmp(o->kind, "ClusterRoleBinding")
                            ? " cluster-wide"
                            : " in its namespace"));
    for (size_t i = 0; subj && subj->type == ST_Y_SEQ && i < subj->n; i++) {
        const st_ynode *s = subj->kids[i];
        const char *kind = str(st_ymap_get(s, "kind"));
        const char *name = str(st_ymap_get(s, "name"));
        if (!kind || !name)
            continue;
        if (!strcmp(kind, "ServiceAccount") && !strcmp(name, "default"))
            ST_CHECK(report(o, "k8s-rbac-default-service-account",
                            st_ymap_key(s, "name"), NULL,
                            "binds %s to the default service account of %s",
                            role ? role : "?",
                            str(st_ymap_get(s, "namespace"))
                                ? show(st_ymap_get(s, "namespace"))
                                : o->ns ? o->ns : "default"));
        if (!strcmp(kind, "Group") &&
            (!strcmp(name, "system:unauthenticated") ||
             !strcmp(name, "system:anonymous")))
            ST_CHECK(report(o, "k8s-rbac-anonymous", st_ymap_key(s, "name"),
                            NULL, "binds %s to %s", role ? role : "?", name));
        if (!strcmp(kind, "User") && !strcmp(name, "system:anonymous"))
            ST_CHECK(report(o, "k8s-rbac-anonymous", st_ymap_key(s, "name"),
                            NULL, "binds %s to %s", role ? role : "?", name));
    }
done:
    return rc;
}

/* ---- workloads: the Pod Security Standards controls in code ------------- */

typedef struct ctr {
    const st_ynode *node;
    const char *list;   /* "containers", "initContainers", … */
    const char *name;
    const char *object; /* "Deployment/prod/web/container nginx" */
} ctr;

typedef struct pod {
    obj *o;
    const st_ynode *spec, *meta;
    const st_ynode *psc; /* pod securityContext */
    bool windows;
    ctr *ctrs;
    size_t n;
} pod;

static const st_ynode *sc(const ctr *c, const char *path)
{
    return st_ypath(st_ymap_get(c->node, "securityContext"), path);
}

static int pss_host_process(pod *p)
{
    const st_ynode *n;
    int rc = 0;
    if (is_true(n = st_ypath(p->psc, "windowsOptions.hostProcess")))
        ST_CHECK(report(p->o, "k8s-host-process", n, NULL,
                        "pod windowsOptions.hostProcess: true"));
    for (size_t i = 0; i < p->n; i++)
        if (is_true(n = sc(&p->ctrs[i], "windowsOptions.hostProcess")))
            ST_CHECK(report(p->o, "k8s-host-process", n, p->ctrs[i].object,
                            "windowsOptions.hostProcess: true"));
done:
    return rc;
}

static bool apparmor_ok(const char *type, bool annotation)
{
    if (annotation)
        return !strcmp(type, "runtime/default") ||
               st_str_startswith(type, "localhost/");
    return !strcmp(type, "RuntimeDefault") || !strcmp(type, "Localhost");
}

static int pss_apparmor(pod *p)
{
    static const char prefix[] = "container.apparmor.security.beta.kubernetes.io/";
    const st_ynode *ann = st_ymap_get(p->meta, "annotations"), *n;
    int rc = 0;

    for (size_t i = 0; ann && ann->type == ST_Y_MAP && i + 1 < ann->n; i += 2)
        if (st_str_startswith(ann->kids[i]->s, prefix) &&
            str(ann->kids[i + 1]) && !apparmor_ok(ann->kids[i + 1]->s, true))
            ST_CHECK(report(p->o, "k8s-apparmor", ann->kids[i], NULL,
                            "%s: %.80s", ann->kids[i]->s + sizeof(prefix) - 1,
                            ann->kids[i + 1]->s));
    if (str(n = st_ypath(p->psc, "appArmorProfile.type")) &&
        !apparmor_ok(n->s, false))
        ST_CHECK(report(p->o, "k8s-apparmor", n, NULL,
                        "pod appArmorProfile.type: %.80s", n->s));
    for (size_t i = 0; i < p->n; i++)
        if (str(n = sc(&p->ctrs[i], "appArmorProfile.type")) &&
            !apparmor_ok(n->s, false))
            ST_CHECK(report(p->o, "k8s-apparmor", n, p->ctrs[i].object,
                            "appArmorProfile.type: %.80s", n->s));
done:
    return rc;
}

static int selinux_one(pod *p, const st_ynode *opts, const char *object)
{
    static const char *const types[] = {"", "container_t", "container_init_t",
                                        "container_kvm_t",
                                        "container_engine_t"};
    const st_ynode *n;
    int rc = 0;
    if (!opts || opts->type != ST_Y_MAP)
        return 0;
    if (str(n = st_ymap_get(opts, "type"))) {
        bool ok = false;
        for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
            ok |= !strcmp(n->s, types[i]);
        if (!ok)
            ST_CHECK(report(p->o, "k8s-selinux", n, object,
                            "seLinuxOptions.type: %.80s", n->s));
    }
    if (str(n = st_ymap_get(opts, "user")) && n->len)
        ST_CHECK(report(p->o, "k8s-selinux", n, object,
                        "seLinuxOptions.user: %.80s", n->s));
    if (str(n = st_ymap_get(opts, "role")) && n->len)
        ST_CHECK(report(p->o, "k8s-selinux", n, object,
                        "seLinuxOptions.role: %.80s", n->s));
done:
    return rc;
}

static int pss_selinux(pod *p)
{
    int rc = 0;
    ST_CHECK(selinux_one(p, st_ymap_get(p->psc, "seLinuxOptions"), NULL));
    for (size_t i = 0; i < p->n; i++)
        ST_CHECK(selinux_one(p, sc(&p->ctrs[i], "seLinuxOptions"),
                             p->ctrs[i].object));
done:
    return rc;
}

static bool seccomp_ok(const char *t)
{
    return !strcmp(t, "RuntimeDefault") || !strcmp(t, "Localhost");
}

static int pss_seccomp(pod *p)
{
    const st_ynode *pt = st_ypath(p->psc, "seccompProfile.type");
    const st_ynode *ann = st_ypath(p->meta, "annotations");
    const st_ynode *n;
    st_buf missing = ST_BUF_INIT(4096);
    bool pod_ok = str(pt) && seccomp_ok(pt->s);
    int rc = 0;

    /* baseline: Unconfined nowhere (fields, or the old annotations) */
    if (str(pt) && !strcmp(pt->s, "Unconfined"))
        ST_CHECK(report(p->o, "k8s-seccomp-unconfined", pt, NULL,
                        "pod seccompProfile.type: Unconfined"));
    for (size_t i = 0; ann && ann->type == ST_Y_MAP && i + 1 < ann->n;
         i += 2) {
        const char *k = ann->kids[i]->s, *v = str(ann->kids[i + 1]);
        if (v && !strcmp(v, "unconfined") &&
            (!strcmp(k, "seccomp.security.alpha.kubernetes.io/pod") ||
             st_str_startswith(k, "container.seccomp.security.alpha."
                                  "kubernetes.io/")))
            ST_CHECK(report(p->o, "k8s-seccomp-unconfined", ann->kids[i],
                            NULL, "%.120s: unconfined", k));
    }
    for (size_t i = 0; i < p->n; i++) {
        n = sc(&p->ctrs[i], "seccompProfile.type");
        if (str(n) && !strcmp(n->s, "Unconfined"))
            ST_CHECK(report(p->o, "k8s-seccomp-unconfined", n,
                            p->ctrs[i].object,
                            "seccompProfile.type: Unconfined"));
        else if (p->windows)
            continue;
        else if (str(n) ? !seccomp_ok(n->s) : !pod_ok)
            st_buf_printf(&missing, "%s%s", missing.len ? ", " : "",
                          p->ctrs[i].name);
    }
    /* restricted: every container's profile (its own or the pod's) is
     * RuntimeDefault or Localhost; one finding for the pod */
    if (missing.len)
        ST_CHECK(report(p->o, "k8s-seccomp-required",
                        pt                                   ? pt
                        : st_ymap_key(p->spec, "securityContext")
                            ? st_ymap_key(p->spec, "securityContext")
                            : p->spec,
                        NULL, "no RuntimeDefault or Localhost profile for: %s",
                        missing.ptr));
done:
    st_buf_release(&missing);
    return rc;
}

static int pss_non_root(pod *p)
{
    const st_ynode *pn = st_ymap_get(p->psc, "runAsNonRoot");
    const st_ynode *pu = st_ymap_get(p->psc, "runAsUser");
    long long uid;
    int rc = 0;

    if (st_yint(pu, &uid) && uid == 0)
        ST_CHECK(report(p->o, "k8s-run-as-root-user",
                        st_ymap_key(p->psc, "runAsUser"), NULL,
                        "pod runAsUser: 0"));
    for (size_t i = 0; i < p->n; i++) {
        const ctr *c = &p->ctrs[i];
        const st_ynode *cn = sc(c, "runAsNonRoot");
        const st_ynode *cu = sc(c, "runAsUser");
        /* the container's own setting wins over the pod's */
        const st_ynode *eff = cn ? cn : pn;
        if (!is_true(eff))
            ST_CHECK(report(p->o, "k8s-run-as-non-root",
                            cn ? st_ymap_key(st_ymap_get(c->node,
                                                         "securityContext"),
                                             "runAsNonRoot")
                            : pn ? st_ymap_key(p->psc, "runAsNonRoot")
                                 : c->node,
                            c->object, "%s",
                            eff ? "runAsNonRoot: false"
                                : "runAsNonRoot is not set (pod or "
                                  "container)"));
        if (st_yint(cu, &uid) && uid == 0)
            ST_CHECK(report(p->o, "k8s-run-as-root-user",
                            st_ymap_key(st_ymap_get(c->node, "securityContext"),
                                        "runAsUser"),
                            c->object, "runAsUser: 0"));
    }
done:
    return rc;
}

static int pss_volumes(pod *p)
{
    static const char *const ok[] = {
        "configMap", "csi",    "downwardAPI", "emptyDir",
        "ephemeral", "persistentVolumeClaim", "projected", "secret"};
    const st_ynode *vols = st_ymap_get(p->spec, "volumes");
    int rc = 0;
    for (size_t i = 0; vols && vols->type == ST_Y_SEQ && i < vols->n; i++) {
        const st_ynode *v = vols->kids[i];
        for (size_t k = 0; v->type == ST_Y_MAP && k + 1 < v->n; k += 2) {
            const char *type = v->kids[k]->s;
            bool allowed = !strcmp(type, "name");
            for (size_t j = 0; j < sizeof(ok) / sizeof(*ok) && !allowed; j++)
                allowed = !strcmp(type, ok[j]);
            if (!allowed)
                ST_CHECK(report(p->o, "k8s-volume-types", v->kids[k], NULL,
                                "volume %.80s: %.60s",
                                show(st_ymap_get(v, "name")), type));
        }
    }
done:
    return rc;
}

/* ---- workloads: exposure, mounts, level -------------------------------- */

static int workload_exposure(pod *p)
{
    const st_ynode *hn = st_ymap_get(p->spec, "hostNetwork");
    int rc = 0;
    if (is_true(hn))
        ST_CHECK(report(p->o, "k8s-exposure-host-network",
                        st_ymap_key(p->spec, "hostNetwork"), NULL,
                        "every port the pod listens on is a port of its "
                        "node"));
    for (size_t i = 0; i < p->n; i++) {
        const st_ynode *ports = st_ymap_get(p->ctrs[i].node, "ports");
        for (size_t j = 0; ports && ports->type == ST_Y_SEQ && j < ports->n;
             j++) {
            const st_ynode *port = ports->kids[j];
            long long hp = 0;
            const char *admin;
            if (!st_yint(st_ymap_get(port, "hostPort"), &hp) || hp == 0)
                continue;
            ST_CHECK(report(p->o, "k8s-exposure-host-port",
                            st_ymap_key(port, "hostPort"), p->ctrs[i].object,
                            "hostPort %lld/%s%s%.60s", hp, proto(port),
                            str(st_ymap_get(port, "hostIP")) ? " on " : "",
                            str(st_ymap_get(port, "hostIP"))
                                ? show(st_ymap_get(port, "hostIP"))
                                : ""));
            if ((admin = admin_port(hp)))
                ST_CHECK(report(p->o, "k8s-exposure-admin-port",
                                st_ymap_key(port, "hostPort"),
                                p->ctrs[i].object,
                                "%s port %lld exposed as a hostPort", admin,
                                hp));
        }
    }
done:
    return rc;
}

/* Every volumeMount of a hostPath or a claim joins the storage graph. */
static int workload_mounts(pod *p)
{
    const st_ynode *vols = st_ymap_get(p->spec, "volumes");
    st_cfg_ctx *c = p->o->c;
    int rc = 0;

    if (!vols || vols->type != ST_Y_SEQ)
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        const st_ynode *vm = st_ymap_get(p->ctrs[i].node, "volumeMounts");
        for (size_t j = 0; vm && vm->type == ST_Y_SEQ && j < vm->n; j++) {
            const st_ynode *m = vm->kids[j];
            const char *vname = str(st_ymap_get(m, "name"));
            const st_ynode *vol = NULL;
            st_cfg_mount mount = {ST_CFG_STORE_HOST_PATH, p->o->object,
                                  p->ctrs[i].name, NULL,
                                  str(st_ymap_get(m, "mountPath")),
                                  !is_true(st_ymap_get(m, "readOnly")),
                                  false};
            st_cfg_where w = at(p->o, m, p->ctrs[i].object);
            const st_ynode *hp, *pvc;
            for (size_t k = 0; vname && !vol && k < vols->n; k++)
                if (str(st_ymap_get(vols->kids[k], "name")) &&
                    !strcmp(st_ymap_get(vols->kids[k], "name")->s, vname))
                    vol = vols->kids[k];
            if (!vol)
                continue;
            if ((hp = st_ymap_get(vol, "hostPath")) &&
                str(st_ymap_get(hp, "path"))) {
                mount.source = st_ymap_get(hp, "path")->s;
                ST_CHECK(st_cfg_storage_add(c, &mount, &w));
            } else if ((pvc = st_ymap_get(vol, "persistentVolumeClaim")) &&
                       str(st_ymap_get(pvc, "claimName"))) {
                claim_mount *cm = st_arena_alloc(c->a, sizeof(*cm));
                const char *claim = st_ymap_get(pvc, "claimName")->s;
                if (!cm)
                    return ST_ENOMEM;
                mount.store = ST_CFG_STORE_PVC;
                if (is_true(st_ymap_get(pvc, "readOnly")))
                    mount.writable = false;
                /* copied now: the document goes when the file is done */
                cm->key = st_arena_printf(c->a, "%s/%s", p->o->ns, claim);
                cm->m = mount;
                cm->m.source = cm->key;
                cm->m.workload = p->o->object;
                cm->m.container = st_arena_strdup(c->a, p->ctrs[i].name);
                cm->m.mount_path = mount.mount_path
                                       ? st_arena_strdup(c->a,
                                                         mount.mount_path)
                                       : NULL;
                cm->w = w;
                cm->w.path = p->o->path;
                cm->w.object = st_arena_strdup(c->a, p->ctrs[i].object);
                if (!cm->key || !cm->m.container || !cm->w.object ||
                    (mount.mount_path && !cm->m.mount_path) ||
                    st_vec_push(&p->o->s->claims, cm) < 0)
                    return ST_ENOMEM;
            }
        }
    }
done:
    return rc;
}

static bool tagged(const st_finding *f, const char *tag)
{
    for (size_t i = 0; i < f->tag_count; i++)
        if (!strcmp(f->tags[i], tag))
            return true;
    return false;
}

static int pss_level(pod *p, size_t mark)
{
    st_cfg_ctx *c = p->o->c;
    st_buf base = ST_BUF_INIT(1024), restr = ST_BUF_INIT(1024);
    int rc;

    /* the ids of the failed controls, once each, in report order */
    for (size_t i = mark; i < c->r->findings.len; i++) {
        const st_finding *f = c->r->findings.items[i];
        st_buf *b = tagged(f, "pss:baseline")     ? &base
                    : tagged(f, "pss:restricted") ? &restr
                                                  : NULL;
        if (b && !strstr(b->ptr, f->id) && b->len < 600)
            st_buf_printf(b, "%s%s", b->len ? ", " : "", f->id);
    }
    if (base.len)
        rc = report(p->o, "k8s-pss-level", NULL, NULL,
                    "privileged (fails baseline: %s%s%s)", base.ptr,
                    restr.len ? "; restricted: " : "", restr.ptr);
    else if (restr.len)
        rc = report(p->o, "k8s-pss-level", NULL, NULL,
                    "baseline (fails restricted: %s)", restr.ptr);
    else
        rc = report(p->o, "k8s-pss-level", NULL, NULL, "restricted");
    st_buf_release(&base);
    st_buf_release(&restr);
    return rc;
}

static const char *const list_names[] = {"containers", "initContainers",
                                         "ephemeralContainers"};
static const char *const list_labels[] = {"container", "initContainer",
                                          "ephemeralContainer"};

static bool replicated(const char *kind)
{
    return !strcmp(kind, "Deployment") || !strcmp(kind, "StatefulSet") ||
           !strcmp(kind, "ReplicaSet") ||
           !strcmp(kind, "ReplicationController") ||
           !strcmp(kind, "DeploymentConfig");
}

static int audit_workload(obj *o, const st_ynode *spec, const st_ynode *meta)
{
    st_cfg_ctx *c = o->c;
    pod p;
    size_t total = 0, mark;
    st_cfg_evalctx e = {spec, spec, o->doc};
    st_cfg_where w = o->w;
    workload *wl;
    nsinfo *ni;
    int rc = 0;

    memset(&p, 0, sizeof(p));
    p.o = o;
    p.spec = spec;
    p.meta = meta;
    p.psc = st_ymap_get(spec, "securityContext");
    p.windows = str(st_ypath(spec, "os.name")) &&
                !strcmp(st_ypath(spec, "os.name")->s, "windows");
    for (size_t l = 0; l < 3; l++) {
        const st_ynode *list = st_ymap_get(spec, list_names[l]);
        if (list && list->type == ST_Y_SEQ)
            total += list->n;
    }
    if (total && !(p.ctrs = st_arena_alloc(c->a, total * sizeof(ctr))))
        return ST_ENOMEM;
    for (size_t l = 0; l < 3; l++) {
        const st_ynode *list = st_ymap_get(spec, list_names[l]);
        for (size_t i = 0; list && list->type == ST_Y_SEQ && i < list->n;
             i++) {
            ctr *x = &p.ctrs[p.n++];
            const char *name = str(st_ymap_get(list->kids[i], "name"));
            x->node = list->kids[i];
            x->list = list_names[l];
            x->name = name ? name : "?";
            if (!(x->object = st_arena_printf(c->a, "%s/%s %s", o->object,
                                              list_labels[l], x->name)))
                return ST_ENOMEM;
        }
    }

    mark = st_cfg__mark(c);
    w = at(o, spec, NULL); /* a pod-level field that is missing */
    ST_CHECK(st_cfg__eval(c, o->kind, "pod", &e, &w));
    for (size_t i = 0; i < p.n; i++) {
        st_cfg_evalctx ce = {p.ctrs[i].node, spec, o->doc};
        st_cfg_where cw = at(o, p.ctrs[i].node, p.ctrs[i].object);
        ST_CHECK(st_cfg__eval(c, o->kind, "any-container", &ce, &cw));
        if (!strcmp(p.ctrs[i].list, "containers"))
            ST_CHECK(st_cfg__eval(c, o->kind, "container", &ce, &cw));
        ST_CHECK(check_image(o, p.ctrs[i].node, p.ctrs[i].object));
        ST_CHECK(check_env(o, p.ctrs[i].node, p.ctrs[i].object));
    }
    ST_CHECK(pss_host_process(&p));
    ST_CHECK(pss_apparmor(&p));
    ST_CHECK(pss_selinux(&p));
    ST_CHECK(pss_seccomp(&p));
    ST_CHECK(pss_non_root(&p));
    ST_CHECK(pss_volumes(&p));
    ST_CHECK(pss_level(&p, mark));
    ST_CHECK(workload_exposure(&p));
    ST_CHECK(workload_mounts(&p));

    /* remembered for the checks across documents */
    if (!(wl = st_arena_alloc(c->a, sizeof(*wl))))
        return ST_ENOMEM;
    wl->kind = st_arena_strdup(c->a, o->kind);
    wl->ns = o->ns;
    wl->name = o->name;
    wl->object = o->object;
    wl->w = o->w;
    wl->replicas = -1;
    if (!wl->kind ||
        copy_labels(c, st_ymap_get(meta, "labels"), &wl->pod_labels) < 0)
        return ST_ENOMEM;
    if (replicated(o->kind)) {
        const st_ynode *ospec = st_ymap_get(o->doc, "spec");
        const st_ynode *r = st_ymap_get(ospec, "replicas");
        wl->replicas = 1; /* the default */
        st_yint(r, &wl->replicas);
        wl->replicas_w = at(o, r ? st_ymap_key(ospec, "replicas")
                                 : st_ymap_key(o->doc, "spec"),
                            NULL);
        wl->spread = st_ypath(spec, "affinity.podAntiAffinity") ||
                     (st_ymap_get(spec, "topologySpreadConstraints") &&
                      st_ymap_get(spec, "topologySpreadConstraints")->n);
    }
    if (st_vec_push(&o->s->workloads, wl) < 0 || !(ni = ns_info(o, o->ns)))
        return ST_ENOMEM;
    if (!ni->workloads) {
        ni->workloads = true;
        ni->w = o->w;
    }
done:
    return rc;
}

/* ---- objects ------------------------------------------------------------ */

static int audit_netpol(obj *o)
{
    const st_ynode *spec = st_ymap_get(o->doc, "spec");
    const st_ynode *sel = st_ymap_get(spec, "podSelector");
    const st_ynode *types = st_ymap_get(spec, "policyTypes");
    const st_ynode *ingress = st_ymap_get(spec, "ingress");
    bool all = !sel || sel->type != ST_Y_MAP ||
               ((!st_ymap_get(sel, "matchLabels") ||
                 !st_ymap_get(sel, "matchLabels")->n) &&
                (!st_ymap_get(sel, "matchExpressions") ||
                 !st_ymap_get(sel, "matchExpressions")->n));
    bool for_ingress = !types || has(types, "Ingress");
    bool none = !ingress || (ingress->type == ST_Y_SEQ && !ingress->n);
    nsinfo *ni;

    if (all && for_ingress && none) {
        if (!(ni = ns_info(o, o->ns)))
            return ST_ENOMEM;
        ni->deny = true;
    }
    return 0;
}

static int audit_pdb(obj *o)
{
    pdb *d = st_arena_alloc(o->c->a, sizeof(*d));
    if (!d)
        return ST_ENOMEM;
    d->ns = o->ns;
    if (copy_selector(o->c, st_ypath(o->doc, "spec.selector"), &d->sel) < 0 ||
        st_vec_push(&o->s->pdbs, d) < 0)
        return ST_ENOMEM;
    return 0;
}

static int audit_hpa(obj *o)
{
    const st_ynode *ref = st_ypath(o->doc, "spec.scaleTargetRef");
    hpa *h = st_arena_alloc(o->c->a, sizeof(*h));
    if (!h)
        return ST_ENOMEM;
    h->ns = o->ns;
    h->kind = str(st_ymap_get(ref, "kind"));
    h->name = str(st_ymap_get(ref, "name"));
    h->min = 1;
    st_yint(st_ypath(o->doc, "spec.minReplicas"), &h->min);
    if (!h->kind || !h->name)
        return 0;
    if (!(h->kind = st_arena_strdup(o->c->a, h->kind)) ||
        !(h->name = st_arena_strdup(o->c->a, h->name)) ||
        st_vec_push(&o->s->hpas, h) < 0)
        return ST_ENOMEM;
    return 0;
}

static int audit_pvc(obj *o)
{
    const st_ynode *modes = st_ypath(o->doc, "spec.accessModes");
    char key[512];
    void **slot;
    bool created;
    if (!has(modes, "ReadWriteMany"))
        return 0;
    snprintf(key, sizeof(key), "%s/%s", o->ns, o->name);
    if (st_map_slot(o->s->rwx, key, strlen(key), &slot, &created) < 0)
        return ST_ENOMEM;
    *slot = (void *)1;
    return 0;
}

/* The pod spec and pod metadata of a workload kind, or false. */
static bool pod_template(const st_ynode *doc, const char *kind,
                         const st_ynode **spec, const st_ynode **meta)
{
    const st_ynode *tpl = NULL;
    if (!strcmp(kind, "Pod")) {
        *spec = st_ymap_get(doc, "spec");
        *meta = st_ymap_get(doc, "metadata");
        return *spec && (*spec)->type == ST_Y_MAP;
    }
    if (!strcmp(kind, "CronJob"))
        tpl = st_ypath(doc, "spec.jobTemplate.spec.template");
    else if (!strcmp(kind, "PodTemplate"))
        tpl = st_ymap_get(doc, "template");
    else if (st_cfg__is_workload_kind(kind))
        tpl = st_ypath(doc, "spec.template");
    *spec = st_ymap_get(tpl, "spec");
    *meta = st_ymap_get(tpl, "metadata");
    return *spec && (*spec)->type == ST_Y_MAP;
}

static int audit_object(st_cfg_ctx *c, k8s_state *s, const char *path,
                        const st_ynode *doc, unsigned depth)
{
    obj o;
    const char *kind = str(st_ymap_get(doc, "kind"));
    const st_ynode *meta = st_ymap_get(doc, "metadata");
    const char *name = str(st_ymap_get(meta, "name"));
    const char *ns = str(st_ymap_get(meta, "namespace"));
    const st_ynode *spec, *pmeta, *items;
    st_cfg_evalctx e = {doc, NULL, doc};
    int rc = 0;

    if (!kind || !*kind || doc->type != ST_Y_MAP)
        return 0; /* not a Kubernetes object */
    items = st_ymap_get(doc, "items");
    if (st_str_endswith(kind, "List") && items && items->type == ST_Y_SEQ) {
        if (depth >= MAX_LIST_DEPTH)
            return 0;
        for (size_t i = 0; i < items->n; i++)
            ST_CHECK(audit_object(c, s, path, items->kids[i], depth + 1));
        return 0;
    }
    if (!name)
        name = str(st_ymap_get(meta, "generateName"));
    memset(&o, 0, sizeof(o));
    o.c = c;
    o.s = s;
    o.path = path;
    o.doc = doc;
    o.kind = kind;
    o.name = st_arena_strdup(c->a, name ? name : "-");
    o.ns = cluster_scoped(kind) ? NULL
                                : st_arena_strdup(c->a, ns && *ns ? ns
                                                                  : "default");
    o.object = o.ns ? st_arena_printf(c->a, "%s/%s/%s", kind, o.ns, o.name)
                    : st_arena_printf(c->a, "%s/%s", kind, o.name);
    if (!o.name || !o.object || (!cluster_scoped(kind) && !o.ns))
        return ST_ENOMEM;
    o.w.path = path;
    o.w.line = doc->line;
    o.w.column = doc->column;
    o.w.object = o.object;

    ST_CHECK(st_cfg__eval(c, kind, "document", &e, &o.w));
    if (pod_template(doc, kind, &spec, &pmeta))
        ST_CHECK(audit_workload(&o, spec, pmeta));
    else if (!strcmp(kind, "Service"))
        ST_CHECK(audit_service(&o));
    else if (!strcmp(kind, "Ingress"))
        ST_CHECK(audit_ingress(&o));
    else if (!strcmp(kind, "Gateway"))
        ST_CHECK(audit_gateway(&o));
    else if (!strcmp(kind, "HTTPRoute") || !strcmp(kind, "GRPCRoute") ||
             !strcmp(kind, "TLSRoute"))
        ST_CHECK(audit_route(&o));
    else if (!strcmp(kind, "Role") || !strcmp(kind, "ClusterRole"))
        ST_CHECK(audit_role(&o));
    else if (!strcmp(kind, "RoleBinding") ||
             !strcmp(kind, "ClusterRoleBinding"))
        ST_CHECK(audit_binding(&o));
    else if (!strcmp(kind, "NetworkPolicy"))
        ST_CHECK(audit_netpol(&o));
    else if (!strcmp(kind, "PodDisruptionBudget"))
        ST_CHECK(audit_pdb(&o));
    else if (!strcmp(kind, "HorizontalPodAutoscaler"))
        ST_CHECK(audit_hpa(&o));
    else if (!strcmp(kind, "PersistentVolumeClaim"))
        ST_CHECK(audit_pvc(&o));
    else if (!strcmp(kind, "ConfigMap"))
        ST_CHECK(check_configmap(&o));
done:
    return rc;
}

/* ---- the file kind ------------------------------------------------------ */

static bool has_word(const char *head, size_t len, const char *w)
{
    return memmem(head, len, w, strlen(w)) != NULL;
}

static bool detect(const char *path, const char *head, size_t len)
{
    if (!(st_str_endswith(path, ".yaml") || st_str_endswith(path, ".yml") ||
          st_str_endswith(path, ".json") || st_str_endswith(path, ".YAML") ||
          st_str_endswith(path, ".YML") || st_str_endswith(path, ".JSON")))
        return false;
    return has_word(head, len, "apiVersion") && has_word(head, len, "kind");
}

static int audit(st_cfg_ctx *c, const char *path, const char *data,
                 size_t len)
{
    st_vec docs = ST_VEC_INIT;
    k8s_state *s = state(c);
    int rc = 0, prc;

    /* the path outlives the file: workloads point at it */
    if (!s || !(path = st_arena_strdup(c->a, path)))
        return ST_ENOMEM;
    prc = st_cfg_parse_yaml(c, &docs, path, data, len);
    if (prc == ST_ENOMEM) {
        rc = prc;
        goto done;
    }
    if (prc < 0 && memmem(data, len, "{{", 2))
        st_cfg_diag(c, path, 0, "looks like a template ({{ … }}): render it "
                    "first (helm template, kustomize build)");
    for (size_t i = 0; i < docs.len; i++)
        ST_CHECK(audit_object(c, s, path, docs.items[i], 0));
done:
    st_vec_release(&docs);
    return rc;
}

const st_cfg_kind st_cfg_kind_kubernetes = {"kubernetes", detect, audit};

/* ---- across documents --------------------------------------------------- */

static const hpa *find_hpa(const k8s_state *s, const workload *w)
{
    for (size_t i = 0; i < s->hpas.len; i++) {
        const hpa *h = s->hpas.items[i];
        if (!strcmp(h->ns, w->ns) && !strcmp(h->kind, w->kind) &&
            !strcmp(h->name, w->name))
            return h;
    }
    return NULL;
}

int st_cfg__k8s_finish(st_cfg_ctx *c)
{
    k8s_state *s = c->k8s;
    size_t pos = 0;
    const char *key;
    void *val;
    int rc = 0;

    if (!s)
        return 0;
    for (size_t i = 0; i < s->workloads.len; i++) {
        const workload *w = s->workloads.items[i];
        const hpa *h;
        long long replicas = w->replicas;
        bool covered = false;
        if (replicas < 0)
            continue;
        if ((h = find_hpa(s, w)) && h->min > replicas)
            replicas = h->min;
        if (replicas < 2)
            ST_CHECK(st_cfg_report(c, "k8s-ha-replicas", &w->replicas_w,
                                   "%lld replica%s%s", replicas,
                                   replicas == 1 ? "" : "s",
                                   h ? " (autoscaler minimum)" : ""));
        else if (!w->spread)
            ST_CHECK(st_cfg_report(c, "k8s-ha-no-spread", &w->w,
                                   "%lld replicas may land on one node",
                                   replicas));
        for (size_t j = 0; j < s->pdbs.len && !covered; j++) {
            const pdb *d = s->pdbs.items[j];
            covered = !strcmp(d->ns, w->ns) && selects(&d->sel, &w->pod_labels);
        }
        if (!covered)
            ST_CHECK(st_cfg_report(c, "k8s-ha-no-pdb", &w->w,
                                   "no PodDisruptionBudget selects its pods"));
    }
    while (st_map_next(s->ns, &pos, &key, &val)) {
        const nsinfo *ni = val;
        if (ni->workloads && !ni->deny) {
            st_cfg_where w = ni->w;
            char object[300];
            snprintf(object, sizeof(object), "Namespace/%s", key);
            w.object = object;
            ST_CHECK(st_cfg_report(c, "k8s-no-default-deny", &w,
                                   "namespace %s has workloads and no "
                                   "default-deny ingress NetworkPolicy",
                                   key));
        }
    }
    for (size_t i = 0; i < s->claims.len; i++) {
        claim_mount *cm = s->claims.items[i];
        cm->m.shared_access =
            st_map_get(s->rwx, cm->key, strlen(cm->key)) != NULL;
        ST_CHECK(st_cfg_storage_add(c, &cm->m, &cm->w));
    }
done:
    return rc;
}
