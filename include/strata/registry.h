/* strata — registries: credentials (`strata registry login`) and the access
 * control audit (`strata registry audit`).
 *
 * The audit reports st_host_result entries (the same shape as the host
 * audit's) with section "registry", written by the host audit's writers
 * (table, JSON, SARIF, JUnit) through st_audit_write.
 */
#ifndef STRATA_REGISTRY_H
#define STRATA_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "common.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks user:password against the registry (a /v2/ request answered
 * with the credentials: Basic, or a Bearer token fetched with them) and
 * stores them in the docker config (NULL: $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json) under auths, as `docker login` does.
 * `registry` is "host[:port]" or a URL. ST_EIO when the registry refuses
 * them ("<host>: login failed: …"). */
ST_API int st_registry_login(const char *registry,
                             const char *username,
                             const char *password,
                             const char *docker_config,
                             const char *const *insecure,
                             size_t insecure_count,
                             const char *ca_file,
                             st_error **err);

#define ST_REGISTRY_AUDIT_OPTIONS_VERSION 1
typedef struct st_registry_audit_options {
    unsigned version;
    /* Try an anonymous push: start a blob upload in a repository and
     * cancel it at once (nothing is stored). Off unless asked. */
    bool active;
    /* The repository for the push test; NULL: "strata-audit-probe". */
    const char *push_repository;
    /* The state DB (SQLite) remembering tag -> digest between audits so
     * that moved tags are reported; NULL: registry-state.db in the
     * default DB directory. */
    const char *state_db;
    size_t max_repositories; /* catalog entries looked at [100] */
    size_t max_tags;         /* tags per repository [100] */
    const char *const *insecure;
    size_t insecure_count;
    const char *ca_file;
    const char *docker_config;
    const char *username; /* credentials for the authenticated checks */
    const char *password;
    /* Days before certificate expiry that count as a warning [30]. */
    unsigned cert_warn_days;
    /* Images with critical findings, from a scan the caller ran (see
     * st_registry_audit_images / st_registry_audit_add_scan). */
} st_registry_audit_options;
#define ST_REGISTRY_AUDIT_OPTIONS_INIT                                         \
    {                                                                          \
        ST_REGISTRY_AUDIT_OPTIONS_VERSION, false, NULL, NULL, 0, 0, NULL, 0,   \
            NULL, NULL, NULL, NULL, 0                                          \
    }

typedef struct st_registry_audit st_registry_audit;

/* Audits the registry at `url` ("https://host[:port]", "host[:port]";
 * without a scheme https is tried first). Checks: plain HTTP accepted,
 * TLS version and certificate validity/expiry, anonymous catalog,
 * anonymous pull, anonymous push (active only), deletion enabled, tags
 * that moved since the last audit. An unreachable registry is ST_EIO. */
ST_API int st_registry_audit_run(st_registry_audit **out,
                                 const char *url,
                                 const st_registry_audit_options *opts,
                                 st_error **err);

/* The images seen in the catalog ("host/repo:tag"), for a caller that
 * scans them (`--scan`); borrowed. */
ST_API size_t st_registry_audit_image_count(const st_registry_audit *a);
ST_API const char *st_registry_audit_image(const st_registry_audit *a,
                                           size_t i);
/* Records the scan of one image: its critical and high finding counts,
 * or the error that stopped it. Adds to the "registry-critical-images"
 * check. */
ST_API int st_registry_audit_add_scan(st_registry_audit *a,
                                      const char *image,
                                      size_t critical,
                                      size_t high,
                                      const char *error);

ST_API size_t st_registry_audit_count(const st_registry_audit *a);
ST_API const st_host_result *st_registry_audit_get(
    const st_registry_audit *a, size_t i);
ST_API int st_registry_audit_write(FILE *f,
                                   const st_registry_audit *a,
                                   st_host_format fmt,
                                   st_error **err);
ST_API void st_registry_audit_free(st_registry_audit *a);

#ifdef __cplusplus
}
#endif
#endif
