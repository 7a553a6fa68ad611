/* Internals shared by the registry client's files (client.c, stream.c,
 * creds.c, cache.c). Not installed, not used outside src/lib/registry. */
#ifndef ST_REGISTRY_INT_H
#define ST_REGISTRY_INT_H

#include <curl/curl.h>
#include <pthread.h>

#include "registry/registry.h"

#define ST_REG_MODULE "registry"

/* ---- base64 (creds.c) ---------------------------------------------------- */

/* Standard alphabet with padding; owned, NULL when out of memory. */
char *st_reg__b64encode(const void *data, size_t n);
/* Decodes standard or unpadded base64 (whitespace not allowed) into a
 * NUL-terminated owned string; *len_out is its length. ST_EINVALID,
 * ST_ENOMEM. */
int st_reg__b64decode(const char *s, char **out, size_t *len_out);

/* ---- the client (client.c) ------------------------------------------------ */

/* The state a registry client keeps between requests. `mu` guards the
 * token cache, the base URL, the credentials and the TLS facts; the
 * request handle `easy` is used under `req_mu`, one request at a time. */
typedef struct st_reg_token {
    char *scope; /* "" for a token asked without scope */
    char *value; /* the bearer token */
    int64_t expires_ms; /* CLOCK_MONOTONIC */
} st_reg_token;

struct st_reg {
    char *host;
    const st_reg_config *cfg;
    bool insecure;
    st_buf ca_blob; /* system bundle + extra CAs, or empty */
    char *ua;

    pthread_mutex_t mu;
    char *base_url; /* NULL until the first request */
    st_auth_challenge challenge; /* from the last 401 (or the ping) */
    bool creds_loaded;
    st_creds creds;
    st_reg_token *tokens;
    size_t ntokens;
    char tls_version[16];
    int64_t cert_not_after;
    /* Why the last 401 could not be answered (a token server's refusal),
     * for the next error message. */
    char auth_problem[320];

    pthread_mutex_t req_mu;
    CURL *easy;
};

/* Sets the options every transfer to this registry uses: URL, protocols,
 * redirects (never https -> http), TLS verification and CAs (off for an
 * insecure host), timeouts, user agent. `errbuf` is CURL_ERROR_SIZE. */
int st_reg__setup(st_reg *r, CURL *h, const char *url, char *errbuf);

/* Makes sure the base URL is known (pinging /v2/ when it is not). */
int st_reg__ensure_base(st_reg *r, st_error **err);

/* The Authorization header line for a request with this scope, from what
 * is known already (cached token, Basic after a Basic challenge), or NULL
 * in *out when none is to be sent. Owned by the caller. */
int st_reg__auth_line(st_reg *r, const char *scope, char **out);

/* Answers a 401 carrying `www_auth` for a request with `scope`: parses the
 * challenge, and for Bearer fetches and caches a token. After success a
 * retried request gets its header from st_reg__auth_line. */
int st_reg__answer_challenge(st_reg *r, const char *www_auth,
                             const char *scope, st_error **err);

/* Is this a status or curl error worth another try? */
bool st_reg__transient_status(long status);

/* Sleeps before attempt `n` (1-based: after the first failure n == 1):
 * retry_delay_ms doubled per attempt, or Retry-After seconds (<= 30 s). */
void st_reg__backoff(const st_reg *r, unsigned n, long retry_after_s);

/* Retry-After in seconds from a header value (delta-seconds or an HTTP
 * date), -1 when absent or unreadable. */
long st_reg__retry_after(const char *value);

/* The registry's own message from an error body ({"errors":[{"code":…,
 * "message":…}]}) into buf, or "HTTP <status>". */
void st_reg__error_text(const st_buf *body, long status, char *buf,
                        size_t n);

/* The error for a response that is not 2xx: 401/403 ST_EIO with the
 * registry's message and "run strata registry login", 404 ST_ENOTFOUND
 * "<what>: <unknown> (…)", anything else ST_EIO "<what>: HTTP n: …". */
int st_reg__status_error(st_reg *r, const st_reg_response *resp,
                         const char *what, const char *unknown,
                         st_error **err);

/* Tries for this client (cfg->tries or the default). */
unsigned st_reg__tries(const st_reg *r);

/* ---- cache (cache.c) --------------------------------------------------- */

/* Creates <cache>/blobs/sha256/ and a temporary file in it for `digest`:
 * "<hex>.partXXXXXX", 0644. *path_out is owned. */
int st_blobcache__begin(const char *cache_dir, const char *digest,
                        char **path_out, int *fd_out, st_error **err);
/* fsyncs and closes fd, renames the temporary file into place. */
int st_blobcache__commit(const char *cache_dir, const char *digest,
                         const char *tmp_path, int fd, st_error **err);

#endif
