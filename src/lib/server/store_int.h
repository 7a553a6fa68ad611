/* Internals of the server's storage, shared by the front (store.c: URL
 * parsing, argument checks, dispatch) and the two backends
 * (store_sqlite.c, store_pg.c). Not installed. */
#ifndef ST_SERVER_STORE_INT_H
#define ST_SERVER_STORE_INT_H

#include <pthread.h>

#include "server/store.h"

/* What a backend implements. The front has checked the arguments (no NULL
 * where one is required) and cleared the out-parameters before it calls
 * one of these. Every function is called concurrently from any thread. */
typedef struct st_store_ops {
    const char *name; /* "sqlite", "postgres" */
    void (*close)(st_store *s);
    int (*schema_version)(st_store *s, int *out, st_error **err);
    int (*enqueue)(st_store *s, const char *digest, const char *ref,
                   bool *created, st_error **err);
    int (*claim)(st_store *s, const char *worker, unsigned lease_s,
                 char **digest, char **ref, st_error **err);
    int (*claim_digest)(st_store *s, const char *digest, const char *ref,
                        const char *worker, unsigned lease_s,
                        st_error **err);
    /* layers: sorted by digest, no duplicates (deadlock-free inserts);
     * order: the image's layer digests, base first. */
    int (*put_index)(st_store *s, const char *digest, const char *worker,
                     const st_store_layer *layers, size_t nlayers,
                     const char *const *order, size_t norder,
                     const char *image_json, st_error **err);
    int (*fail)(st_store *s, const char *digest, const char *worker,
                const char *why, st_error **err);
    int (*has_layer)(st_store *s, const char *digest, bool *out,
                     st_error **err);
    int (*get)(st_store *s, const char *digest, bool want_report,
               bool want_layers, st_store_image *out, st_error **err);
    int (*get_layer)(st_store *s, const char *digest, char **json,
                     st_error **err);
    int (*list)(st_store *s, size_t offset, size_t limit,
                st_store_image **out, size_t *n, st_error **err);
    /* One page of INDEXED images with digest > after (NULL: from the
     * start), in digest order, at most `max`. */
    int (*indexed_page)(st_store *s, const char *after, size_t max,
                        st_store_image **out, size_t *n, st_error **err);
    /* keys: sorted, no duplicates. */
    int (*put_report)(st_store *s, const char *digest,
                      const char *report_json, const char *db_version,
                      const char *const *keys, size_t nkeys,
                      bool first_is_baseline, char ***new_keys,
                      size_t *n_new, st_error **err);
    int (*report_keys)(st_store *s, const char *digest, char ***keys,
                       size_t *n, st_error **err);
    int (*meta_get)(st_store *s, const char *key, char **value,
                    st_error **err);
    int (*meta_set)(st_store *s, const char *key, const char *value,
                    st_error **err);
    int (*counts)(st_store *s, uint64_t counts[4], st_error **err);
} st_store_ops;

/* Every backend's handle starts with this. */
struct st_store {
    const st_store_ops *ops;
    char *shown; /* the URL as messages show it: never a password */
};

/* Backend openers. `target`: the SQLite path, or the libpq URI. `shown`
 * is copied. */
int st_store__sqlite_open(st_store **out, const char *target,
                          const char *shown, unsigned pool, st_error **err);
int st_store__pg_open(st_store **out, const char *target, const char *shown,
                      unsigned pool, st_error **err);
/* "postgres://user@host:port/db" from a libpq URI: no password, no
 * query options. Owned; NULL when out of memory. */
char *st_store__pg_redact(const char *url);

/* ---- connection pool ---------------------------------------------------
 * Slot numbers 0..n-1 handed out one holder at a time; get waits on the
 * condition variable while every slot is taken. The backend keeps its
 * connections in an array indexed by slot. */
typedef struct st_store_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    size_t n;
    size_t nfree;
    size_t *free; /* idle slots, a stack: the warmest connection first */
} st_store_pool;
int st_store__pool_init(st_store_pool *p, size_t n);
size_t st_store__pool_get(st_store_pool *p);
void st_store__pool_put(st_store_pool *p, size_t slot);
void st_store__pool_release(st_store_pool *p);

/* ---- helpers ---------------------------------------------------------- */
/* Compares the stored key set `old` (sorted here, in place) with `keys`
 * (sorted, no duplicates). *added and *removed receive arrays (st_free)
 * of pointers into the two inputs. */
int st_store__key_diff(const char **old, size_t nold,
                       const char *const *keys, size_t nkeys,
                       const char ***added, size_t *nadded,
                       const char ***removed, size_t *nremoved);
/* A one-line copy of a driver's message: newlines become "; ", trailing
 * blanks go. Owned; NULL when out of memory. */
char *st_store__one_line(const char *msg);

/* ---- test hook: statements that fail ------------------------------------
 * After st_store__fail_after(n, crash), the nth statement a backend runs
 * from then on fails as if the database had refused it — or, with crash,
 * the process ends there with _exit(75), in the middle of its
 * transaction. 0 disables. Tests only; not for concurrent use. */
void st_store__fail_after(long n, bool crash);
/* Called by the backends before each statement; true: fail it. */
bool st_store__fail_point(void);

#endif
