/* The audit context, shared by the engine (engine.c), the storage graph
 * (storage.c) and the Kubernetes kind (kubernetes.c). The file kinds of
 * other owners use only config_int.h. */
#ifndef ST_CONFIG_ENGINE_INT_H
#define ST_CONFIG_ENGINE_INT_H

#include "config/config_int.h"
#include "config/policy.h"
#include "inventory/result_int.h"

#define ST_CFG__MAX_FILE (8u << 20)
#define ST_CFG__MAX_DIR_DEPTH 64

/* A mount declared by a kind, with where it was declared. */
typedef struct st_cfg__mount {
    st_cfg_mount m; /* strings in the arena */
    st_cfg_where w;
} st_cfg__mount;

struct st_cfg_ctx {
    st_result *r;
    st_arena *a; /* r->arena */
    st_arena *scratch; /* the file being audited: its parsed documents */
    st_cfg_policy policy;
    /* predicate checks by scope (in policy order), for st_cfg_eval */
    st_vec by_scope[5];
    const char *const *trusted;
    size_t trusted_count;
    size_t max_file;
    st_finding_origin origin;
    const char *kind; /* the file kind auditing now: the category */
    st_vec mounts;    /* st_cfg__mount * */
    void *k8s;        /* the Kubernetes kind's cross-document state */
    int oom;          /* a report failed for lack of memory */
    bool no_builtin;  /* only the caller's policies are loaded */
    st_map *unknown;  /* check ids reported but not loaded (said once) */
    const char *last_path, *last_object; /* copies, see keep() */
    /* the built-in secret rules, compiled on first use (st_cfg_secret_rules) */
    struct st_secret_rules *secret_rules;
    bool secret_rules_failed;
};

/* st_cfg_eval with the pod spec and document for "$pod." / "$doc."
 * paths. */
int st_cfg__eval(st_cfg_ctx *c, const char *kind, const char *scope,
                 const st_cfg_evalctx *e, const st_cfg_where *w);

/* ---- the Kubernetes kind's end of audit (kubernetes.c) ---------------- */
/* Runs the checks across documents (network policies per namespace, PDBs
 * and autoscalers per workload) and frees the state; NULL state is fine. */
int st_cfg__k8s_finish(st_cfg_ctx *c);
void st_cfg__k8s_free(st_cfg_ctx *c);

/* ---- the storage graph (storage.c) ------------------------------------ */
/* Reports the storage checks over the declared mounts and puts the graph
 * into the result. */
int st_cfg__storage_finish(st_cfg_ctx *c);

/* Findings reported since `mark` (a count of the result's findings). */
static inline size_t st_cfg__mark(const st_cfg_ctx *c)
{
    return c->r->findings.len;
}

#endif
