/* strata — registries: credentials (`strata registry login`) and the access
 * control audit (`strata registry audit`).
 *
 * The audit reports st_host_result entries (the same shape as the host
 * audit's) with section "registry", written by the host audit's writers
 * (table, JSON, SARIF, JUnit) through st_audit_write. docs/registry-audit.md
 * describes every check.
 *
 * Thread-safety: an audit object is used by one thread at a time; distinct
 * audits (and logins) are independent.
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
 * ~/.docker/config.json; created 0600 in a 0700 directory, other keys
 * kept) under auths["host[:port]"] as base64 "user:password", as `docker
 * login` does. A registry whose /v2/ asks for no credentials accepts any
 * (as with docker). `registry` is "host[:port]" or an http(s) URL; user
 * info in it is refused. TLS is verified unless host[:port] is named in
 * `insecure`; `ca_file` (PEM) is trusted too. Nothing is stored unless
 * the registry accepted the credentials. Errors: ST_EIO when the registry
 * refuses them or cannot be reached ("<host>: login failed: …"),
 * ST_EUSAGE (no user name, a ':' in it, no password, a bad address),
 * ST_EIO/ST_EINVALID for a config file that cannot be written or read. */
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
     * cancel it at once (no blob is stored; distribution 2.x still leaves
     * an empty upload's hash state behind). Off unless asked. */
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
    /* Credentials for listing repositories and the delete probe; NULL:
     * those of the docker config / environment (st_creds_lookup). They
     * are sent only over verified TLS or to a registry named insecure. */
    const char *username;
    const char *password;
    /* A certificate expiring within this many days is a warning (the
     * initializer sets 30; 0: only an expired one counts). */
    unsigned cert_warn_days;
    /* Images with critical findings come from a scan the caller runs (see
     * st_registry_audit_image / st_registry_audit_add_scan). */
} st_registry_audit_options;
#define ST_REGISTRY_AUDIT_OPTIONS_INIT                                         \
    {                                                                          \
        ST_REGISTRY_AUDIT_OPTIONS_VERSION, false, NULL, NULL, 0, 0, NULL, 0,   \
            NULL, NULL, NULL, NULL, 30                                         \
    }

typedef struct st_registry_audit st_registry_audit;

/* Audits the registry at `url` ("https://host[:port]", "http://…" or
 * "host[:port]"; a path is ignored). Checks, in this order:
 * registry-plain-http, registry-tls-version, registry-tls-certificate,
 * registry-anonymous-catalog, registry-anonymous-pull,
 * registry-anonymous-push (opts->active only; SKIP otherwise),
 * registry-delete-enabled (a DELETE of the manifest digest of 64 zeros,
 * which nothing can have), registry-moved-tags (the tag digests are
 * compared with, then written to, the state DB in one transaction) and
 * registry-critical-images (SKIP until st_registry_audit_add_scan).
 * A probe the registry does not answer is a WARN, not an error. On
 * success *out is owned by the caller (st_registry_audit_free). Errors:
 * ST_EIO (nothing answers /v2/ over https or http; the state DB cannot be
 * opened or written), ST_EINVALID / ST_EUNSUPPORTED (the state DB is not
 * ours, or newer), ST_EUSAGE (bad URL or options), ST_ENOMEM. `opts` may
 * be NULL (the initializer's defaults). */
ST_API int st_registry_audit_run(st_registry_audit **out,
                                 const char *url,
                                 const st_registry_audit_options *opts,
                                 st_error **err);

/* The images seen in the catalog ("host[:port]/repo:tag", one per
 * distinct manifest digest), for a caller that scans them (`--scan`);
 * borrowed, valid as long as the audit. */
ST_API size_t st_registry_audit_image_count(const st_registry_audit *a);
ST_API const char *st_registry_audit_image(const st_registry_audit *a,
                                           size_t i);
/* Records the scan of one image: its critical and high finding counts,
 * or the error that stopped it (error non-NULL: the counts are ignored).
 * The "registry-critical-images" check becomes FAIL when an image has
 * critical findings, else WARN when a scan failed, else PASS. ST_EUSAGE,
 * ST_ENOMEM. */
ST_API int st_registry_audit_add_scan(st_registry_audit *a,
                                      const char *image,
                                      size_t critical,
                                      size_t high,
                                      const char *error);

/* The checks, in the order above; results are borrowed from the audit. */
ST_API size_t st_registry_audit_count(const st_registry_audit *a);
ST_API const st_host_result *st_registry_audit_get(
    const st_registry_audit *a, size_t i);
/* Writes the outcomes in `fmt` (kind "registry"): ST_EIO, ST_ENOMEM. */
ST_API int st_registry_audit_write(FILE *f,
                                   const st_registry_audit *a,
                                   st_host_format fmt,
                                   st_error **err);
/* NULL is allowed. */
ST_API void st_registry_audit_free(st_registry_audit *a);

#ifdef __cplusplus
}
#endif
#endif
