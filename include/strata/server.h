/* strata — server mode (`strata serve`): a scanning service next to
 * registries. Images are indexed once per manifest digest (by request or
 * on a registry's push notification), their inventories stored (SQLite or
 * PostgreSQL) and re-matched whenever the vulnerability DB changes; a
 * webhook hears about findings that are new for an image. docs/api.md
 * describes the HTTP API (docs/openapi.yaml is its OpenAPI file).
 */
#ifndef STRATA_SERVER_H
#define STRATA_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST_SERVER_OPTIONS_VERSION 1
typedef struct st_server_options {
    unsigned version;
    const char *listen;   /* "127.0.0.1:8080" (host:port; [v6]:port) */
    /* Storage: "sqlite:PATH", a PATH, or "postgres://…"; NULL:
     * <data_dir>/strata-server.db. */
    const char *db;
    const char *data_dir; /* blob cache, SQLite file; NULL: the vuln DB
                             directory's "server" subdirectory */
    const char *vulndb;   /* the vulnerability DB directory; NULL: default */
    /* Bearer token required on write endpoints (index, notifications,
     * rematch); NULL: writes are open. auth_reads: on reads too. */
    const char *token;
    bool auth_reads;
    /* Registries the server may pull from ("host[:port]"); an index
     * request or notification for any other is refused (no SSRF). */
    const char *const *allow_registries;
    size_t allow_registry_count;
    const char *const *insecure_registries;
    size_t insecure_registry_count;
    const char *registry_ca;
    const char *tls_cert; /* PEM files: serve HTTPS */
    const char *tls_key;
    /* New findings are POSTed here, signed with HMAC-SHA256 of the body
     * under webhook_secret in "X-Strata-Signature: sha256=<hex>". */
    const char *webhook;
    const char *webhook_secret;
    unsigned workers;          /* indexing threads [2] */
    unsigned http_threads;     /* [2] */
    size_t max_body;           /* request bodies [1 MiB] */
    unsigned request_timeout_s;/* idle connections are closed [30] */
    unsigned index_timeout_s;  /* one pull-and-scan [600] */
    unsigned db_poll_s;        /* how often the vuln DB is checked [10] */
    unsigned pool;             /* PostgreSQL connections [4] */
} st_server_options;
#define ST_SERVER_OPTIONS_INIT                                                 \
    {                                                                          \
        ST_SERVER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, false, NULL,  \
            0, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0      \
    }

/* Serves until *stop becomes non-zero (SIGINT/SIGTERM in the CLI); logs
 * one line per event to `log` (stderr when NULL). Errors before serving:
 * ST_EUSAGE (bad listen address, TLS files), ST_EIO (cannot bind, the
 * store cannot be opened), ST_ENOTFOUND (no vulnerability DB). */
ST_API int st_server_run(const st_server_options *o,
                         volatile sig_atomic_t *stop,
                         FILE *log,
                         st_error **err);

#ifdef __cplusplus
}
#endif
#endif
