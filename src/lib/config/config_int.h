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
 */
#ifndef ST_CONFIG_INT_H
#define ST_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "strata/scan.h"
#include "util/util.h"

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

/* Options the kinds read. */
const char *const *st_cfg_trusted_registries(st_cfg_ctx *c, size_t *n);

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

#endif
