/* The configuration audit: inside the config module.
 *
 * The engine (engine.c) loads the checks — data in policies/config/ (*.yaml)
 * (embedded) plus the user's --policy files — finds the files to audit,
 * and hands each to the file kind that claims it (kinds.def). A kind
 * parses its file and reports findings with st_cfg_report, naming a check
 * id: the engine fills title, severity, remediation and tags from the
 * check, drops findings of disabled checks and applies the user's
 * severity overrides. Simple checks are predicates in the YAML that the
 * engine evaluates over a parsed YAML/JSON tree (st_cfg_eval); checks
 * that need code name a C function (`code:`) that a kind runs itself.
 * docs/config.md describes the check format.
 */
#ifndef ST_CONFIG_INT_H
#define ST_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "strata/config.h"
#include "strata/scan.h"
#include "util/util.h"
#include "util/yaml.h"

typedef struct st_cfg_ctx st_cfg_ctx;

/* Where a finding is: the file, 1-based line and column (0: unknown) and
 * the object ("Deployment/prod/web/container nginx", "stage build"). */
typedef struct st_cfg_where {
    const char *path;
    unsigned line, column;
    const char *object;
} st_cfg_where;

/* Reports check `id` failing at `w`, with a detail (printf). Returns 0
 * (also when the check is disabled or unknown to the loaded policies: an
 * unknown id is a bug, reported once as a diagnostic), or ST_ENOMEM. */
int st_cfg_report(st_cfg_ctx *c, const char *id, const st_cfg_where *w,
                  const char *fmt, ...) ST_PRINTF(4, 5);

/* Whether check `id` is loaded and enabled (skip expensive work if not). */
bool st_cfg_enabled(st_cfg_ctx *c, const char *id);

/* A problem with a file that is not a finding (bad YAML: "x.yaml:3:
 * tab in indentation"); the audit goes on with the other files. */
void st_cfg_diag(st_cfg_ctx *c, const char *path, unsigned line,
                 const char *fmt, ...) ST_PRINTF(4, 5);

/* The built-in secret rules, compiled once per audit on first use; NULL
 * (after one diagnostic) when they cannot be. Scan with a scanner of your
 * own (st_secret_scanner_new). */
struct st_secret_rules;
const struct st_secret_rules *st_cfg_secret_rules(st_cfg_ctx *c);

/* Options the kinds read. */
const char *const *st_cfg_trusted_registries(st_cfg_ctx *c, size_t *n);

/* The arena of the audit: strings a kind builds for st_cfg_where (object
 * names) may live here; they last as long as the result. */
st_arena *st_cfg_arena(st_cfg_ctx *c);

/* The origin given to the findings reported from now on (default
 * ST_ORIGIN_FILE; the image config checks use ST_ORIGIN_ENV, …). */
void st_cfg_set_origin(st_cfg_ctx *c, st_finding_origin origin);

/* ---- predicates ------------------------------------------------------
 * Runs every enabled predicate check whose `kinds` include `kind` and
 * whose `scope` is `scope` over `node`, reporting each that fails at the
 * position of the node that made it fail (or at `w` when that is
 * unknown), with w->object and w->path.
 *
 * kind:  a Kubernetes kind ("Deployment"), or a file kind name
 *        ("dockerfile", "compose", "image").
 * scope: what `node` is. Kubernetes: "document" (the whole object), "pod"
 *        (a pod spec), "container" (one container). Compose: "document",
 *        "service" (one entry of services:). Others: "document".
 * Returns 0 or ST_ENOMEM. */
int st_cfg_eval(st_cfg_ctx *c, const char *kind, const char *scope,
                const st_ynode *node, const st_cfg_where *w);

/* Parses YAML/JSON with the audit's limits; on a bad stream reports a
 * diagnostic (the path, "line L, column C: message") and returns its code
 * (the documents completed before the error are still in docs). The trees
 * may go as soon as the kind's audit() returns: copy what must last
 * longer (st_cfg_report and st_cfg_storage_* copy their strings). */
int st_cfg_parse_yaml(st_cfg_ctx *c, st_vec *docs, const char *path,
                      const char *data, size_t len);

/* ---- the storage graph (storage.c) -----------------------------------
 * Kinds declare every mount of host storage or of a shared volume; at the
 * end of the audit the engine builds the graph (which workloads mount
 * what), reports the storage checks over it (a host path or shared volume
 * written by one workload and mounted by another, the container runtime's
 * socket, host paths mounted writable) and puts the graph in the result.
 * Strings are copied. */
typedef enum st_cfg_store {
    ST_CFG_STORE_HOST_PATH = 0, /* k8s hostPath, compose bind mount */
    ST_CFG_STORE_PVC = 1,       /* a PersistentVolumeClaim */
    ST_CFG_STORE_VOLUME = 2     /* a compose named volume */
} st_cfg_store;

typedef struct st_cfg_mount {
    st_cfg_store store;
    const char *workload;   /* "Deployment/prod/web", "service db" */
    const char *container;  /* or NULL */
    const char *source;     /* host path; PVC "namespace/name"; compose
                               volume "project/name" (any stable key) */
    const char *mount_path; /* inside the container, or NULL */
    bool writable;          /* readOnly not set */
    bool shared_access;     /* PVC: ReadWriteMany (or volume: shared) */
} st_cfg_mount;

int st_cfg_storage_add(st_cfg_ctx *c, const st_cfg_mount *m,
                       const st_cfg_where *w);

/* The common case for compose: a bind mount of `host_path`. */
int st_cfg_storage_mount(st_cfg_ctx *c, const char *workload,
                         const char *host_path, bool writable,
                         const st_cfg_where *w);

/* A file kind. `detect` looks at the name (path) and the first bytes;
 * `audit` parses the whole file and reports. */
typedef struct st_cfg_kind {
    const char *name; /* "dockerfile", "kubernetes", "compose" */
    bool (*detect)(const char *path, const char *head, size_t len);
    int (*audit)(st_cfg_ctx *c, const char *path, const char *data,
                 size_t len);
} st_cfg_kind;

#define ST_CFG_KIND(n) extern const st_cfg_kind st_cfg_kind_##n;
#include "kinds.def"
#undef ST_CFG_KIND

/* ---- a context outside `strata config` -------------------------------
 * The image scan's config checks report into that scan's result: a
 * context over the built-in checks and o's (NULL: defaults) whose
 * findings go to `r`. st_cfg_ctx_finish runs the end-of-audit work (the
 * storage graph); st_cfg_ctx_free accepts NULL. */
int st_cfg_ctx_new(st_cfg_ctx **out, st_result *r,
                   const st_config_options *o, st_error **err);
int st_cfg_ctx_finish(st_cfg_ctx *c);
void st_cfg_ctx_free(st_cfg_ctx *c);

#endif
