/* The server's storage: one interface, two backends — SQLite (default, WAL
 * mode, one file in the data directory) and PostgreSQL (libpq, a small
 * connection pool). Schema migrations are numbered and recorded in the
 * database itself; opening a store brings it to the current version in one
 * transaction (a failed migration leaves the old schema).
 *
 * What is stored:
 *   images     manifest digest -> state (queued, indexing, indexed,
 *              failed), the reference it was indexed from, the worker that
 *              claimed it and until when (a lease), timestamps, error;
 *   layers     layer digest -> its inventory (JSON: packages that layer
 *              installed), shared by every image that has the layer;
 *   image_layers  manifest digest -> ordered layer digests;
 *   reports    manifest digest -> the latest vulnerability report (JSON),
 *              the vulnerability DB version it was matched with, and the
 *              set of finding keys ("CVE-2023-1234 deb/openssl@3.0.11");
 *   meta       key -> value (e.g. the last DB version re-matched).
 * Every write is one transaction: a crash leaves either the old row or
 * the new one, never half of a report.
 *
 * Thread-safety: a store may be used from several threads at once: both
 * backends keep a pool of connections (a call takes one for its duration,
 * waiting while all are busy), and several processes may open the same
 * store. Schema, locking and leases: docs/server-storage.md.
 * Errors are one line naming the backend, the URL (never its password)
 * and what failed: "postgres postgres://u@127.0.0.1:5432/strata: claiming
 * an image: …". Database failures are ST_EIO.
 * Internal to libstrata; depends on util only (sqlite3, libpq).
 */
#ifndef ST_SERVER_STORE_H
#define ST_SERVER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

typedef struct st_store st_store;

/* Opens "sqlite:PATH", a plain PATH (SQLite), or "postgres://…" /
 * "postgresql://…" (libpq connection URI), creating the schema or
 * migrating it. pool: connections per handle, both backends (0: 4; at
 * most 256). Errors name the URL without its password. ST_EUNSUPPORTED
 * for another URL scheme or a schema newer than this strata's; ST_EIO
 * when the database cannot be reached or migrated. */
int st_store_open(st_store **out, const char *url, unsigned pool,
                  st_error **err);
void st_store_close(st_store *s);
/* "sqlite" or "postgres". */
const char *st_store_backend(const st_store *s);
/* The schema version after migrations (ST_STORE_SCHEMA). */
#define ST_STORE_SCHEMA 1
int st_store_schema_version(st_store *s, int *out, st_error **err);

typedef enum st_image_state {
    ST_IMG_QUEUED = 0,
    ST_IMG_INDEXING = 1,
    ST_IMG_INDEXED = 2,
    ST_IMG_FAILED = 3
} st_image_state;
const char *st_image_state_name(st_image_state s); /* "indexed" */

/* Records that `digest` should be indexed from `ref` (no-op when the
 * image is known already, whatever its state, except FAILED, which is
 * queued again). *created is true when a row was added (a FAILED image
 * queued again leaves it false). */
int st_store_enqueue(st_store *s, const char *digest, const char *ref,
                     bool *created, st_error **err);

/* Claims one image to index: the oldest QUEUED one, or an INDEXING one
 * whose lease ran out (its worker died). The database is the lock: two
 * servers on one PostgreSQL never claim the same image (SELECT … FOR
 * UPDATE SKIP LOCKED, or an UPDATE … WHERE state = … guarded by its row
 * count). Returns 1 with digest/ref filled (owned; st_free), 0 when
 * nothing is waiting. The lease runs lease_s seconds from now by the
 * database server's clock (PostgreSQL) or this machine's (SQLite); 0
 * makes one that has run out already. */
int st_store_claim(st_store *s, const char *worker, unsigned lease_s,
                   char **digest, char **ref, st_error **err);
/* Claims a specific image (index requests that wait for their result):
 * 1 claimed, 0 already indexed or claimed by a live lease elsewhere. An
 * unknown digest is added already claimed; a QUEUED, FAILED or
 * lease-expired one is claimed and its ref set to `ref`; one this worker
 * holds already gets a new lease (1). */
int st_store_claim_digest(st_store *s, const char *digest, const char *ref,
                          const char *worker, unsigned lease_s,
                          st_error **err);

typedef struct st_store_layer {
    const char *digest;
    const char *inventory_json; /* NULL: already stored, keep it */
} st_store_layer;

/* Stores the result of indexing: the layers (inventories inserted once
 * per digest), the image's layer list and its report, and marks it
 * INDEXED — all in one transaction. Only the worker holding the claim
 * may do it (ST_EABORT otherwise: the lease was lost; a lease that ran out
 * but was not taken over still counts as held). ST_ENOTFOUND for an
 * unknown image or a layer given without inventory that is not stored.
 * A layer may be listed twice; image_json may be NULL. */
int st_store_put_index(st_store *s, const char *digest, const char *worker,
                       const st_store_layer *layers, size_t nlayers,
                       const char *image_json, st_error **err);
/* Marks a claimed image FAILED with a one-line reason. ST_EABORT when
 * the worker no longer holds the claim, ST_ENOTFOUND for an unknown
 * image. */
int st_store_fail(st_store *s, const char *digest, const char *worker,
                  const char *why, st_error **err);

/* Whether a layer's inventory is stored (for reuse). */
int st_store_has_layer(st_store *s, const char *digest, bool *out,
                       st_error **err);

typedef struct st_store_image {
    char *digest;
    char *ref;
    st_image_state state;
    char *error;        /* FAILED: why */
    char *image_json;   /* INDEXED: what st_store_put_index stored */
    char *indexed_at;   /* RFC 3339 UTC, or NULL */
    char *db_version;   /* of the stored report, or NULL */
    char *report_json;  /* the latest report, or NULL */
    size_t layer_count;
    char **layers;      /* digests, base first */
} st_store_image;
void st_store_image_release(st_store_image *im);

/* One image by manifest digest: ST_ENOTFOUND when unknown. want_report
 * and want_layers say what to load besides the row. */
int st_store_get(st_store *s, const char *digest, bool want_report,
                 bool want_layers, st_store_image *out, st_error **err);
/* A layer's inventory JSON (owned), ST_ENOTFOUND when unknown. */
int st_store_get_layer(st_store *s, const char *digest, char **json,
                       st_error **err);

/* Images in indexed_at order (newest first; an image never indexed counts
 * from when it was queued; equal times by digest), `limit` from `offset`:
 * digest, ref, state, error, indexed_at and db_version, no image_json,
 * report or layers. */
int st_store_list(st_store *s, size_t offset, size_t limit,
                  st_store_image **out, size_t *n, st_error **err);
void st_store_list_free(st_store_image *v, size_t n);
/* Calls fn for every INDEXED image (digest, image_json, db_version) —
 * the re-matcher; fn returning non-zero stops (ST_EABORT). Images come
 * in digest order, a page at a time, and no connection is held while fn
 * runs: fn may call the store (st_store_put_report). Not a snapshot: an
 * image indexed meanwhile may or may not be seen. */
int st_store_each_indexed(st_store *s,
                          int (*fn)(void *u, const char *digest,
                                    const char *image_json,
                                    const char *db_version),
                          void *u, st_error **err);

/* Replaces an image's report and its finding keys; *new_keys (owned, an
 * array of st_free'd strings and the array itself) receives the keys not
 * in the previous report — the findings to notify about. With no previous
 * report, every key is new unless first_is_baseline. The new keys come
 * sorted (strcmp) and without duplicates; the diff is taken inside the
 * write transaction, so two calls for one image never both report a key.
 * ST_ENOTFOUND for an unknown image. new_keys/n_new may be NULL. */
int st_store_put_report(st_store *s, const char *digest,
                        const char *report_json, const char *db_version,
                        const char *const *keys, size_t nkeys,
                        bool first_is_baseline, char ***new_keys,
                        size_t *n_new, st_error **err);

/* The finding keys of an image's stored report, sorted (owned like
 * new_keys above). ST_ENOTFOUND when the image has no report. */
int st_store_report_keys(st_store *s, const char *digest, char ***keys,
                         size_t *n, st_error **err);

int st_store_meta_get(st_store *s, const char *key, char **value,
                      st_error **err); /* NULL value when unset */
int st_store_meta_set(st_store *s, const char *key, const char *value,
                      st_error **err);

/* Counts by state, for /metrics and /healthz. */
int st_store_counts(st_store *s, uint64_t counts[4], st_error **err);

#endif
