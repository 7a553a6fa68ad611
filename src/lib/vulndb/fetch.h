/* Downloading the vulnerability DB's bulk files over HTTP(S) with libcurl.
 * Internal to the vulndb module; depends on util only.
 *
 * Guarantees (docs/internals/fetch.md has the details):
 * - `dest` is either untouched or replaced whole: bytes go to
 *   "<dest>.part", which is fsynced and renamed over `dest` only after a
 *   complete 200/206 response. A failed or aborted fetch never leaves a
 *   half-written `dest`.
 * - An interrupted download resumes: when "<dest>.part" exists and its
 *   validator (ETag or Last-Modified) was saved in "<dest>.part.meta", the
 *   request carries "Range: bytes=N-" and "If-Range"; a 206 appends, a 200
 *   starts over.
 * - TLS peers are always verified (STRATA_CA_BUNDLE names an extra CA file
 *   for tests); only http and https; at most 5 redirects and never from
 *   https to http.
 * - 429, 5xx and transient network errors are retried (3 tries, 1 s then
 *   2 s apart); other failures are reported at once.
 * - Thread-safe: each call has its own curl handle; libcurl is initialised
 *   once per process.
 */
#ifndef ST_VULNDB_FETCH_H
#define ST_VULNDB_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

/* Called as bytes arrive. `done` counts the whole file, including bytes
 * resumed from an earlier attempt; `total` is 0 while unknown. A non-zero
 * return stops the transfer with ST_EABORT (the .part file is kept so a
 * later call can resume). */
typedef int (*st_fetch_progress_fn)(uint64_t done,
                                    uint64_t total,
                                    void *payload);

#define ST_FETCH_DEFAULT_MAX_BYTES ((uint64_t)2 << 30) /* 2 GiB */

typedef struct st_fetch_request {
    const char *url;  /* http:// or https:// */
    const char *dest; /* the final file; its directory must exist */
    /* Validators of the copy already at `dest`, from an earlier result,
     * or NULL. They make the request conditional (If-None-Match,
     * If-Modified-Since) only when `dest` exists. */
    const char *etag;
    const char *last_modified;
    st_fetch_progress_fn progress; /* may be NULL */
    void *progress_payload;
    /* 0 selects the default in brackets. */
    long connect_timeout_s;  /* [15] */
    long low_speed_bytes;    /* abort when slower than this [1024] ... */
    long low_speed_time_s;   /* ... for this long [30] */
    uint64_t max_bytes;      /* larger files fail with ST_ELIMIT [2 GiB] */
    unsigned tries;          /* attempts on transient errors [3] */
    unsigned retry_delay_ms; /* first backoff, doubled each time [1000] */
} st_fetch_request;
#define ST_FETCH_REQUEST_INIT                                                  \
    {                                                                          \
        NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0                   \
    }

typedef enum st_fetch_status {
    ST_FETCH_DOWNLOADED = 1,  /* `dest` holds a new copy */
    ST_FETCH_NOT_MODIFIED = 2 /* 304: `dest` is current and untouched */
} st_fetch_status;

/* Filled by st_fetch on success; release with st_fetch_result_release. */
typedef struct st_fetch_result {
    st_fetch_status status;
    /* The server's validators for the file now at `dest` (owned, NULL
     * when the server sent none). On NOT_MODIFIED, the 304's own values
     * or else copies of the request's. */
    char *etag;
    char *last_modified;
    uint64_t bytes;    /* size of `dest` (DOWNLOADED only, else 0) */
    char sha256[72];   /* "sha256:<hex>" of `dest` (DOWNLOADED only, else "") */
    long http_status;  /* of the final response: 200, 206 or 304 */
    unsigned attempts; /* requests made, retries included */
    uint64_t resumed_from; /* bytes kept from an earlier .part (0: none) */
} st_fetch_result;

/* Downloads req->url to req->dest. `res` is initialised by the call (also
 * on failure, where it holds nothing to free beyond what
 * st_fetch_result_release handles).
 * Errors (module "vulndb"):
 *   ST_EUSAGE   no url/dest, or a scheme other than http/https;
 *   ST_EIO      HTTP 4xx/5xx ("<url>: HTTP 404"), network and TLS errors
 *               ("<url>: <curl's text>"), local file errors;
 *   ST_ELIMIT   the file is larger than max_bytes (nothing is kept);
 *   ST_EABORT   the progress callback asked to stop;
 *   ST_ENOMEM. */
int st_fetch(const st_fetch_request *req, st_fetch_result *res, st_error **err);

/* Frees the strings of a result; the struct can be reused. */
void st_fetch_result_release(st_fetch_result *res);

#endif
