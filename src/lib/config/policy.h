/* Configuration checks as data: the policy loader and the predicate
 * evaluator (policy.c). docs/config.md describes the format.
 *
 * A policy file is a mapping with one key, `checks`, a list of checks.
 * Every key is known: an unknown key, operator, severity or scope is an
 * error naming the file and line, so a typo never silently disables a
 * check. A check is either a predicate (`deny`) the engine evaluates over
 * a parsed document, or `code: <name>`, a check written in C that a file
 * kind runs (built-in policies only: users cannot add C).
 */
#ifndef ST_CONFIG_POLICY_H
#define ST_CONFIG_POLICY_H

#include <stdbool.h>

#include "strata/config.h"
#include "util/util.h"
#include "util/yaml.h"

#define ST_CFG__MAX_POLICY_BYTES (1u << 20)
#define ST_CFG__MAX_PATH_STEPS 32
#define ST_CFG__MAX_PRED_DEPTH 16

typedef struct st_cfg_pred st_cfg_pred;

typedef struct st_cfg_check {
    st_config_check pub;
    const st_cfg_pred *deny; /* NULL for code checks */
    bool unknown_reported;   /* a kind reported an id with no check */
} st_cfg_check;

typedef struct st_cfg_policy {
    st_arena *a;        /* everything loaded lives here (borrowed) */
    st_vec checks;      /* st_cfg_check *, in load order */
    st_map *by_id;      /* id -> st_cfg_check * */
    st_vec regexes;     /* compiled `matches` patterns, freed on release */
} st_cfg_policy;

/* What a predicate sees: the node of its scope, and for paths that start
 * with "$pod." / "$doc." the pod spec and the whole document (or NULL). */
typedef struct st_cfg_evalctx {
    const st_ynode *self;
    const st_ynode *pod;
    const st_ynode *doc;
} st_cfg_evalctx;

int st_cfg__policy_init(st_cfg_policy *p, st_arena *a);
void st_cfg__policy_release(st_cfg_policy *p);

/* Loads one policy file. `builtin` allows `code:` checks. Errors:
 * ST_EINVALID "name:line: problem", ST_ELIMIT, ST_ENOMEM. On an error the
 * checks of this file loaded so far stay (the caller gives up anyway). */
int st_cfg__policy_load(st_cfg_policy *p, const char *name, const char *data,
                        size_t len, bool builtin, st_error **err);

st_cfg_check *st_cfg__policy_find(const st_cfg_policy *p, const char *id);

/* Does check k apply to kind (a Kubernetes kind or a file kind name) in
 * scope? The group "workload" in `kinds` stands for every workload kind;
 * "*" for every kind. */
bool st_cfg__check_applies(const st_cfg_check *k, const char *kind,
                           const char *scope);

/* What made a predicate hold: `at` is the node to point at (the key of a
 * mapping entry, else the node), `value` the value there; both NULL when
 * nothing in particular (a missing field). */
typedef struct st_cfg_blame {
    const st_ynode *at;
    const st_ynode *value;
} st_cfg_blame;

/* Evaluates k's predicate: true when it holds (the check fails). */
bool st_cfg__check_eval(const st_cfg_check *k, const st_cfg_evalctx *e,
                        st_cfg_blame *blame);

/* The severity names, ranked: INFO 0 … CRITICAL 4; -1 when unknown.
 * Case-insensitive; *canon gets the upper-case name. */
int st_cfg__severity(const char *s, const char **canon);

/* The Kubernetes kinds with a pod template (the "workload" group). */
bool st_cfg__is_workload_kind(const char *kind);

#endif
