/* A webhook sender: JSON bodies POSTed by a background thread from a
 * bounded queue, so that a slow or dead receiver never holds up the
 * caller. Retries network errors, 408, 429 and 5xx with backoff; a full
 * queue drops (counted). With a secret, each body is signed:
 * "<header>: sha256=<hex of HMAC-SHA256(secret, body)>", as GitHub signs
 * its webhooks. Used by `strata monitor` (alerts) and `strata serve` (new
 * findings). */
#ifndef ST_UTIL_WEBHOOK_H
#define ST_UTIL_WEBHOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

typedef struct st_webhook_options {
    const char *url;        /* http:// or https:// */
    const char *secret;     /* NULL: unsigned */
    const char *sig_header; /* [X-Strata-Signature] */
    unsigned queue;         /* bodies waiting at most [1024] */
    unsigned timeout_ms;    /* per attempt [5000] */
    unsigned attempts;      /* per body [4] */
    unsigned backoff_ms;    /* first retry delay, doubled [500] */
    /* Called from the sender's thread with one line per body given up. */
    void (*log)(void *payload, const char *line);
    void *log_payload;
} st_webhook_options;

typedef struct st_webhook_counts {
    uint64_t sent, failed, dropped; /* dropped: the queue was full */
} st_webhook_counts;

typedef struct st_webhook st_webhook;

/* ST_EINVALID for a URL that is not http(s), ST_EIO, ST_ENOMEM; `module`
 * names the caller in messages. The thread takes no signal. */
int st_webhook_new(st_webhook **out, const st_webhook_options *o,
                   const char *module, st_error **err);
/* Queues a copy of the body; never waits. */
void st_webhook_push(st_webhook *w, const char *body, size_t len);
/* Stops the thread: what is queued gets flush_ms to be delivered (a POST
 * in flight is cut then), the rest counts as failed. Idempotent. */
void st_webhook_stop(st_webhook *w, unsigned flush_ms);
void st_webhook_counts_get(st_webhook *w, st_webhook_counts *out);
/* Stops (with flush_ms) and frees; NULL is allowed. */
void st_webhook_free(st_webhook *w, unsigned flush_ms);

/* "sha256=<hex>" of HMAC-SHA256(secret, body) into out. */
void st_webhook_sign(const char *secret, const void *body, size_t len,
                     char out[80]);

#endif
