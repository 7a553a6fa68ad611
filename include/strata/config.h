/* strata — the configuration audit (`strata config`): Dockerfiles,
 * Kubernetes manifests and compose files, before anything is deployed.
 *
 * Checks are data: the built-in policies (YAML files in policies/config,
 * compiled into the library) plus the caller's policy files. Each finding
 * is an st_finding of kind ST_FINDING_CONFIG in an st_result, with the
 * file, line, column, object (kind/namespace/name/container), remediation
 * and the equivalent ids of other tools as tags ("checkov:CKV_K8S_14",
 * "pss:baseline"). A file that cannot be read or parsed is a diagnostic of
 * the result; the other files are still audited. docs/config.md has the
 * check format and the list of checks.
 *
 * Thread-safety: calls share nothing; distinct calls may run in parallel.
 */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include "common.h"
#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST_CONFIG_OPTIONS_VERSION 1
typedef struct st_config_options {
    unsigned version;
    /* Policy files or directories (of *.yaml, *.yml) added to the
     * built-in checks. */
    const char *const *policies;
    size_t policy_count;
    /* Check ids to leave out. */
    const char *const *skip_checks;
    size_t skip_check_count;
    /* Severity overrides "ID=SEVERITY" (CRITICAL HIGH MEDIUM LOW INFO). */
    const char *const *severities;
    size_t severity_count;
    /* Registries images may come from ("registry.example.com",
     * "docker.io/library"); none: the registry check is off. */
    const char *const *trusted_registries;
    size_t trusted_registry_count;
    /* Largest file audited (0: 8 MiB); larger ones are diagnostics. */
    uint64_t max_file_bytes;
    /* 1: only the caller's policies, not the built-in ones. */
    int no_builtin;
} st_config_options;
#define ST_CONFIG_OPTIONS_INIT                                               \
    {ST_CONFIG_OPTIONS_VERSION, NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, 0}

/* Audits files and directories. A directory is walked (symbolic links are
 * not followed; .git and node_modules are skipped) and every file is given
 * to the first file kind that claims it (Dockerfile by name, compose and
 * Kubernetes by content); files no kind claims are ignored. On success
 * *out is the caller's (st_result_free): findings, diagnostics, and the
 * storage graph (st_result_storage_*).
 * Errors: ST_EUSAGE (bad options: unknown check id to skip or override,
 * unknown severity), ST_EINVALID (a policy file is malformed: the message
 * says file:line), ST_ENOTFOUND (a path or policy does not exist),
 * ST_ENOMEM. A file that cannot be parsed is a diagnostic, not an error. */
ST_API int st_config_scan(st_result **out,
                          const char *const *paths,
                          size_t n,
                          const st_config_options *o,
                          st_error **err);

/* One loaded check (for --list-checks). Strings are borrowed from the
 * list that holds it. */
typedef struct st_config_check {
    const char *id;
    const char *title;
    const char *severity;    /* after the caller's overrides */
    const char *rationale;
    const char *remediation;
    size_t kind_count;
    const char *const *kinds;  /* "Deployment", "workload", "dockerfile" */
    const char *scope;         /* predicate checks: what the predicate sees */
    size_t tag_count;
    const char *const *tags;   /* "checkov:CKV_K8S_16", "pss:baseline" */
    size_t ref_count;
    const char *const *refs;   /* URLs or document sections */
    const char *code;          /* a check written in C: its name; else NULL */
    const char *source;        /* "policies/config/k8s-pss.yaml:12" */
    int enabled;               /* 0: skipped by the caller */
} st_config_check;

typedef struct st_config_checks st_config_checks;

/* Loads the checks the options select (the built-in and the caller's, with
 * overrides applied), sorted by id. Errors as st_config_scan. Free with
 * st_config_checks_free (NULL allowed). */
ST_API int st_config_list_checks(st_config_checks **out,
                                 const st_config_options *o,
                                 st_error **err);
ST_API size_t st_config_checks_count(const st_config_checks *l);
ST_API const st_config_check *st_config_checks_get(const st_config_checks *l,
                                                   size_t i);
ST_API void st_config_checks_free(st_config_checks *l);

#ifdef __cplusplus
}
#endif
#endif
