/* Fuzz target: the configuration policy loader and the Kubernetes kind.
 * The input is loaded as a policy file (the production loader, limits and
 * YAML parser); when it loads, each predicate check runs over a fixed pod
 * and over the input itself. Then the input is audited as a Kubernetes
 * manifest with the built-in checks. Traps when an error does not name
 * the file and line, when a loaded check lacks a required field, or when
 * a finding lacks an id, a severity or a 1-based line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pod[] =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n, "
    "annotations: {a.b/c: x}}\n"
    "spec:\n  hostPID: true\n  os: {name: linux}\n"
    "  volumes: [{name: v, hostPath: {path: /var/run}}]\n"
    "  containers:\n    - name: c\n      image: nginx\n"
    "      securityContext: {privileged: yes, runAsUser: 0, capabilities: "
    "{add: [SYS_ADMIN, CHOWN]}}\n"
    "      ports: [{containerPort: 22, hostPort: 22}]\n"
    "      volumeMounts: [{name: v, mountPath: /r}]\n";

static void eval_all(const st_cfg_policy *p, const char *text, size_t len)
{
    st_arena *a = st_arena_new();
    st_vec docs = ST_VEC_INIT;

    if (!a)
        return;
    st_yaml_parse(&docs, a, text, len, NULL, NULL);
    for (size_t d = 0; d < docs.len; d++) {
        const st_ynode *doc = docs.items[d];
        const st_ynode *spec = st_ymap_get(doc, "spec");
        const st_ynode *ctrs = st_ymap_get(spec, "containers");
        for (size_t i = 0; i < p->checks.len; i++) {
            const st_cfg_check *k = p->checks.items[i];
            st_cfg_evalctx e = {doc, spec, doc};
            st_cfg_blame b;
            if (!k->deny)
                continue;
            if (st_cfg__check_eval(k, &e, &b) && b.at &&
                (!b.at->line || !b.at->column))
                __builtin_trap();
            for (size_t c = 0; ctrs && ctrs->type == ST_Y_SEQ && c < ctrs->n;
                 c++) {
                st_cfg_evalctx ce = {ctrs->kids[c], spec, doc};
                st_cfg__check_eval(k, &ce, &b);
            }
        }
    }
    st_vec_release(&docs);
    st_arena_free(a);
}

static void load_policy(const char *text, size_t len)
{
    st_arena *a = st_arena_new();
    st_cfg_policy p;
    st_error *err = NULL;
    int rc;

    if (!a || st_cfg__policy_init(&p, a) < 0) {
        st_arena_free(a);
        return;
    }
    rc = st_cfg__policy_load(&p, "fuzz.yaml", text, len, false, &err);
    if (rc < 0 && rc != ST_ENOMEM) {
        char *m = st_error_format(err);
        /* "fuzz.yaml:LINE: …" or "fuzz.yaml:LINE:COL: …" */
        if (m && (strncmp(m, "fuzz.yaml:", 10) || m[10] < '1' || m[10] > '9'))
            __builtin_trap();
        st_free(m);
    }
    if (rc == 0) {
        for (size_t i = 0; i < p.checks.len; i++) {
            const st_cfg_check *k = p.checks.items[i];
            if (!k->pub.id || !k->pub.title || !k->pub.severity ||
                !k->pub.rationale || !k->pub.remediation ||
                !k->pub.kind_count || !k->pub.scope || !k->deny ||
                k->pub.code)
                __builtin_trap();
        }
        eval_all(&p, pod, sizeof(pod) - 1);
        eval_all(&p, text, len);
    }
    st_error_free(err);
    st_cfg__policy_release(&p);
    st_arena_free(a);
}

static void audit_manifest(const char *text, size_t len)
{
    st_result *r = st_result__new();
    st_cfg_ctx *c = NULL;

    if (!r)
        return;
    if (st_cfg_ctx_new(&c, r, NULL, NULL) == 0) {
        st_cfg_kind_kubernetes.audit(c, "fuzz.yaml", text, len);
        st_cfg_ctx_finish(c);
        for (size_t i = 0; i < r->findings.len; i++) {
            const st_finding *f = r->findings.items[i];
            if (!f->id || !f->severity || !f->line || !f->path)
                __builtin_trap();
        }
    }
    st_cfg_ctx_free(c);
    st_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    if (size > (1u << 20))
        return 0;
    if (!(text = malloc(size + 1)))
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    load_policy(text, size);
    audit_manifest(text, size);
    free(text);
    return 0;
}
