/* The store on PostgreSQL (store.h), through libpq: a pool of connections
 * opened on first use, statements prepared once per connection, values
 * always sent as parameters. Claims use FOR UPDATE SKIP LOCKED, so
 * servers sharing the database never take the same image; times come
 * from the database's clock, which they share. An operation that finds
 * its connection broken before it sent COMMIT runs again once on a fresh
 * one; a deadlock or serialisation failure runs again up to three times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "server/store_int.h"
#include "util/json.h"
#include "util/banned.h"

/* pg_advisory_xact_lock key held while migrating: "strata:m" */
#define MIGRATION_LOCK "8319393567556958829"
#define MAX_ARRAY      (1u << 30)

/* Migrations, in order; the SQLite twin is in store_sqlite.c. Digests and
 * keys are compared bytewise (COLLATE "C"): the same order as SQLite's,
 * and their indexes serve range scans whatever the database's locale. */
static const char *const migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE images ("
    " digest text COLLATE \"C\" PRIMARY KEY,"
    " ref text NOT NULL,"
    " state smallint NOT NULL CHECK (state BETWEEN 0 AND 3),"
    " worker text,"
    " lease_until timestamptz,"
    " attempts integer NOT NULL DEFAULT 0,"
    " queued_at timestamptz NOT NULL DEFAULT now(),"
    " indexed_at timestamptz,"
    " error text,"
    " image_json text);"
    "CREATE INDEX images_queue ON images (queued_at, digest)"
    " WHERE state IN (0, 1);"
    "CREATE INDEX images_recent ON images"
    " ((coalesce(indexed_at, queued_at)) DESC, digest);"
    "CREATE INDEX images_indexed ON images (digest) WHERE state = 2;"
    "CREATE TABLE layers ("
    " digest text COLLATE \"C\" PRIMARY KEY,"
    " inventory text NOT NULL,"
    " stored_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE image_layers ("
    " image text COLLATE \"C\" NOT NULL"
    "  REFERENCES images (digest) ON DELETE CASCADE,"
    " position integer NOT NULL,"
    " layer text COLLATE \"C\" NOT NULL REFERENCES layers (digest),"
    " PRIMARY KEY (image, position));"
    "CREATE INDEX image_layers_layer ON image_layers (layer);"
    "CREATE TABLE reports ("
    " image text COLLATE \"C\" PRIMARY KEY"
    "  REFERENCES images (digest) ON DELETE CASCADE,"
    " db_version text,"
    " report text NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE report_keys ("
    " image text COLLATE \"C\" NOT NULL"
    "  REFERENCES reports (image) ON DELETE CASCADE,"
    " key text COLLATE \"C\" NOT NULL,"
    " PRIMARY KEY (image, key));"
    "CREATE TABLE meta ("
    " key text COLLATE \"C\" PRIMARY KEY,"
    " value text NOT NULL);",
};
#define NMIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

/* indexed_at as RFC 3339 UTC, to the second */
#define INDEXED_AT                                                            \
    "to_char(i.indexed_at AT TIME ZONE 'UTC',"                                \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define SECONDS(p) "now() + " p "::double precision * interval '1 second'"

enum {
    Q_VERSION,
    Q_ENQUEUE,
    Q_CLAIM,
    Q_CLAIM_DIGEST,
    Q_INDEXED,
    Q_STATE,
    Q_LAYER_PUT,
    Q_LAYER_HAS,
    Q_IL_DELETE,
    Q_IL_PUT,
    Q_FAIL,
    Q_GET,
    Q_GET_LAYER,
    Q_LIST,
    Q_PAGE,
    Q_REPORT_LOCK,
    Q_KEYS,
    Q_REPORT_PUT,
    Q_KEYS_DEL,
    Q_KEYS_PUT,
    Q_REPORT_KEYS,
    Q_META_GET,
    Q_META_SET,
    Q_COUNTS,
    NQ
};

static const char *const sql[NQ] = {
    [Q_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    /* A new row, or a FAILED one queued again; the UPDATE cannot see the
     * row the INSERT adds (one snapshot), so at most one of them acts. */
    [Q_ENQUEUE] =
        "WITH ins AS (INSERT INTO images (digest, ref, state)"
        "  VALUES ($1, $2, 0) ON CONFLICT (digest) DO NOTHING RETURNING 1),"
        " upd AS (UPDATE images SET state = 0, ref = $2, queued_at = now(),"
        "  worker = NULL, lease_until = NULL, error = NULL"
        "  WHERE digest = $1 AND state = 3 AND NOT EXISTS (SELECT 1 FROM ins)"
        "  RETURNING 1)"
        " SELECT (SELECT count(*) FROM ins)",
    [Q_CLAIM] = "UPDATE images SET state = 1, worker = $1,"
                " lease_until = " SECONDS("$2") ", attempts = attempts + 1"
                " WHERE digest = (SELECT digest FROM images"
                "  WHERE state IN (0, 1)"
                "  AND (state = 0 OR lease_until <= now())"
                "  ORDER BY queued_at, digest LIMIT 1 FOR UPDATE SKIP LOCKED)"
                " RETURNING digest, ref",
    [Q_CLAIM_DIGEST] =
        "INSERT INTO images AS i (digest, ref, state, worker, lease_until,"
        " attempts) VALUES ($1, $2, 1, $3, " SECONDS("$4") ", 1)"
        " ON CONFLICT (digest) DO UPDATE SET state = 1, ref = excluded.ref,"
        " worker = excluded.worker, lease_until = excluded.lease_until,"
        " attempts = i.attempts + 1, error = NULL"
        " WHERE i.state IN (0, 3) OR (i.state = 1 AND (i.lease_until <= now()"
        " OR i.worker = excluded.worker))"
        " RETURNING 1",
    [Q_INDEXED] = "UPDATE images SET state = 2, image_json = $3,"
                  " indexed_at = now(), lease_until = NULL, error = NULL"
                  " WHERE digest = $1 AND state = 1 AND worker = $2",
    [Q_STATE] = "SELECT state, worker FROM images WHERE digest = $1",
    [Q_LAYER_PUT] = "INSERT INTO layers (digest, inventory) VALUES ($1, $2)"
                    " ON CONFLICT (digest) DO NOTHING",
    [Q_LAYER_HAS] = "SELECT 1 FROM layers WHERE digest = $1",
    [Q_IL_DELETE] = "DELETE FROM image_layers WHERE image = $1",
    [Q_IL_PUT] = "INSERT INTO image_layers (image, position, layer)"
                 " SELECT $1, t.o - 1, t.d"
                 " FROM unnest($2::text[]) WITH ORDINALITY AS t (d, o)",
    [Q_FAIL] = "UPDATE images SET state = 3, error = $3, lease_until = NULL"
               " WHERE digest = $1 AND state = 1 AND worker = $2",
    /* one statement, one snapshot: the row, its report and its layers */
    [Q_GET] = "SELECT i.ref, i.state, i.error, i.image_json,"
              " " INDEXED_AT ", r.db_version,"
              " CASE WHEN $2::boolean THEN r.report END,"
              " CASE WHEN $3::boolean THEN (SELECT json_agg(l.layer"
              "  ORDER BY l.position) FROM image_layers l"
              "  WHERE l.image = i.digest) END"
              " FROM images i LEFT JOIN reports r"
              " ON r.image = i.digest WHERE i.digest = $1",
    [Q_GET_LAYER] = "SELECT inventory FROM layers WHERE digest = $1",
    [Q_LIST] = "SELECT i.digest, i.ref, i.state, i.error,"
               " " INDEXED_AT ", r.db_version FROM images i"
               " LEFT JOIN reports r ON r.image = i.digest"
               " ORDER BY coalesce(i.indexed_at, i.queued_at) DESC,"
               " i.digest LIMIT $1::bigint OFFSET $2::bigint",
    [Q_PAGE] = "SELECT i.digest, i.image_json, r.db_version FROM images i"
               " LEFT JOIN reports r ON r.image = i.digest"
               " WHERE i.state = 2 AND i.digest > $1"
               " ORDER BY i.digest LIMIT $2::bigint",
    /* Locks the image row: two reports for one image are stored one after
     * the other, each diffed against the one before. */
    [Q_REPORT_LOCK] = "SELECT EXISTS (SELECT 1 FROM reports r"
                      " WHERE r.image = i.digest) FROM images i"
                      " WHERE i.digest = $1 FOR NO KEY UPDATE OF i",
    [Q_KEYS] = "SELECT key FROM report_keys WHERE image = $1",
    [Q_REPORT_PUT] =
        "INSERT INTO reports (image, db_version, report) VALUES ($1, $2, $3)"
        " ON CONFLICT (image) DO UPDATE SET db_version = excluded.db_version,"
        " report = excluded.report, updated_at = now()",
    [Q_KEYS_DEL] = "DELETE FROM report_keys WHERE image = $1"
                   " AND key = ANY ($2::text[])",
    [Q_KEYS_PUT] = "INSERT INTO report_keys (image, key)"
                   " SELECT $1, k FROM unnest($2::text[]) AS k"
                   " ON CONFLICT DO NOTHING",
    [Q_REPORT_KEYS] = "SELECT r.image IS NOT NULL, k.key FROM images i"
                      " LEFT JOIN reports r ON r.image = i.digest"
                      " LEFT JOIN report_keys k ON k.image = r.image"
                      " WHERE i.digest = $1",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = $1",
    [Q_META_SET] = "INSERT INTO meta (key, value) VALUES ($1, $2)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [Q_COUNTS] = "SELECT state, count(*) FROM images GROUP BY state",
};

typedef struct pg_conn {
    PGconn *pg;
    bool prepared[NQ];
    bool committing;     /* COMMIT was sent: a failure now is ambiguous */
    char sqlstate[6];    /* of the last failure, "" when none */
    const char *what;    /* the operation running, for messages */
    const char *subject; /* the digest or key it is about, or NULL */
} pg_conn;

typedef struct pg_store {
    st_store base;
    char *url;
    st_store_pool pool;
    pg_conn *conns;
} pg_store;

typedef int (*pg_op)(pg_store *s, pg_conn *c, void *args, st_error **err);

static int oom(st_error **err)
{
    return st_error_set(err, ST_ENOMEM, "store", "out of memory");
}

/* "postgres postgres://u@h:5432/db: claiming an image for w1: …" */
static int fail(pg_store *s, pg_conn *c, int code, const char *detail,
                st_error **err)
{
    char *line = st_store__one_line(detail);
    int rc = st_error_set(err, code, "store", "postgres %s: %s%s%s: %s",
                          s->base.shown, c->what, c->subject ? " " : "",
                          c->subject ? c->subject : "",
                          line ? line : detail);
    st_free(line);
    return rc;
}

static int pgerr(pg_store *s, pg_conn *c, const PGresult *r, st_error **err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                        : NULL;
    snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "");
    if (!msg || !*msg)
        msg = r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
                                            : PQerrorMessage(c->pg);
    return fail(s, c, ST_EIO, msg, err);
}

/* libpq prints notices on stderr by default; the library never prints. */
static void no_notice(void *u, const char *msg)
{
    (void)u;
    (void)msg;
}

static int conn_open(pg_store *s, pg_conn *c, st_error **err)
{
    /* Defaults first: the URL, expanded in place of dbname, overrides
     * them (libpq processes keywords in order). */
    static const char *const keys[] = {"connect_timeout", "application_name",
                                       "client_encoding", "keepalives_idle",
                                       "dbname",          NULL};
    const char *vals[] = {"10", "strata", "UTF8", "60", s->url, NULL};
    const char *what = c->what;
    int rc = 0;

    if (c->pg)
        PQreset(c->pg);
    else
        c->pg = PQconnectdbParams(keys, vals, 1);
    memset(c->prepared, 0, sizeof(c->prepared));
    if (!c->pg)
        return oom(err);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        c->what = "connecting";
        rc = fail(s, c, ST_EIO, PQerrorMessage(c->pg), err);
        c->what = what;
        PQfinish(c->pg);
        c->pg = NULL;
        return rc;
    }
    PQsetNoticeProcessor(c->pg, no_notice, NULL);
    return 0;
}

/* Plain SQL without parameters (BEGIN, COMMIT, migrations). */
static int simple(pg_store *s, pg_conn *c, const char *stmt, st_error **err)
{
    PGresult *r;
    int rc = 0;
    if (st_store__fail_point())
        return fail(s, c, ST_EIO, "injected failure", err);
    r = PQexec(c->pg, stmt);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pgerr(s, c, r, err);
    PQclear(r);
    return rc;
}

static int commit(pg_store *s, pg_conn *c, st_error **err)
{
    c->committing = true;
    return simple(s, c, "COMMIT", err);
}

/* Runs prepared statement `id` with n text parameters (NULL: SQL NULL).
 * *out receives the result when out is non-NULL. */
static int run(pg_store *s, pg_conn *c, int id, int n,
               const char *const *params, PGresult **out, st_error **err)
{
    char name[16];
    PGresult *r;
    int rc = 0;

    if (out)
        *out = NULL;
    if (st_store__fail_point())
        return fail(s, c, ST_EIO, "injected failure", err);
    snprintf(name, sizeof(name), "st%d", id);
    if (!c->prepared[id]) {
        r = PQprepare(c->pg, name, sql[id], 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = pgerr(s, c, r, err);
            PQclear(r);
            return rc;
        }
        PQclear(r);
        c->prepared[id] = true;
    }
    r = PQexecPrepared(c->pg, name, n, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = pgerr(s, c, r, err);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

/* Field (row, col) as an owned string, NULL for SQL NULL. */
static int val(const PGresult *r, int row, int col, char **out,
               st_error **err)
{
    *out = NULL;
    if (PQgetisnull(r, row, col))
        return 0;
    if (!(*out = st_strndup(PQgetvalue(r, row, col),
                            (size_t)PQgetlength(r, row, col))))
        return oom(err);
    return 0;
}

static long num(const PGresult *r, int row, int col)
{
    return strtol(PQgetvalue(r, row, col), NULL, 10);
}

static bool yes(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

/* A text[] literal: {"a","b\"c"} — sent as a parameter value, never
 * spliced into SQL. */
static int array(st_buf *b, const char *const *v, size_t n, st_error **err)
{
    const char *p;
    size_t i;
    int rc = st_buf_putc(b, '{');
    for (i = 0; i < n && rc == 0; i++) {
        rc = st_buf_puts(b, i ? ",\"" : "\"");
        for (p = v[i]; *p && rc == 0; p++) {
            if (*p == '"' || *p == '\\')
                rc = st_buf_putc(b, '\\');
            if (rc == 0)
                rc = st_buf_putc(b, *p);
        }
        if (rc == 0)
            rc = st_buf_putc(b, '"');
    }
    if (rc == 0)
        rc = st_buf_putc(b, '}');
    if (rc == ST_ELIMIT)
        return st_error_set(err, ST_ELIMIT, "store",
                            "postgres: more than %u bytes of keys or layers",
                            MAX_ARRAY);
    return rc < 0 ? oom(err) : 0;
}

/* Whether a failed operation may run again: a transient conflict, or a
 * connection that broke before COMMIT was sent (nothing was stored). */
static bool retryable(const pg_conn *c, int attempt)
{
    if (!strcmp(c->sqlstate, "40001") || !strcmp(c->sqlstate, "40P01"))
        return attempt < 3;
    return attempt == 0 && c->pg && PQstatus(c->pg) == CONNECTION_BAD &&
           !c->committing;
}

/* Runs fn on a pooled connection: connects (or reconnects a broken one)
 * first, rolls back whatever fn left open after, and tries again when
 * retryable() says so. fn leaves its out-parameters empty on failure. */
static int with_conn(pg_store *s, const char *what, const char *subject,
                     pg_op fn, void *args, st_error **err)
{
    st_error *e = NULL;
    pg_conn *c;
    int attempt, rc;
    bool again;

    for (attempt = 0;; attempt++) {
        c = &s->conns[st_store__pool_get(&s->pool)];
        c->what = what;
        c->subject = subject;
        c->committing = false;
        c->sqlstate[0] = 0;
        if (!c->pg || PQstatus(c->pg) != CONNECTION_OK)
            rc = conn_open(s, c, &e);
        else
            rc = 0;
        if (rc == 0)
            rc = fn(s, c, args, &e);
        again = rc < 0 && retryable(c, attempt);
        if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
            switch (PQtransactionStatus(c->pg)) {
            case PQTRANS_IDLE:
                break;
            case PQTRANS_INTRANS:
            case PQTRANS_INERROR:
                PQclear(PQexec(c->pg, "ROLLBACK"));
                break;
            case PQTRANS_ACTIVE:
            case PQTRANS_UNKNOWN:
                /* mid-result: nothing but a new connection is clean */
                PQfinish(c->pg);
                c->pg = NULL;
                break;
            }
        }
        c->what = c->subject = NULL;
        st_store__pool_put(&s->pool, (size_t)(c - s->conns));
        if (!again)
            break;
        st_error_free(e);
        e = NULL;
    }
    if (!e)
        return rc;
    if (!err)
        st_error_free(e);
    else if (!*err)
        *err = e;
    else {
        st_error_set(err, st_error_code(e), "store", "%s",
                     st_error_message(e));
        st_error_free(e);
    }
    return rc;
}

static int migrate(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    PGresult *r = NULL;
    char ver[16];
    const char *p[1] = {ver};
    int v, rc;

    (void)args;
    ST_CHECK(simple(s, c, "BEGIN", err));
    /* Two servers starting together: the second waits here, then finds
     * the schema current. */
    ST_CHECK(
        simple(s, c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", err));
    r = PQexec(c->pg, "SELECT to_regclass('schema_migrations') IS NOT NULL,"
                      " to_regclass('images') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = pgerr(s, c, r, err);
        goto done;
    }
    if (!yes(r, 0, 0) && yes(r, 0, 1)) {
        rc = fail(s, c, ST_EINVALID,
                  "the database has an images table but no "
                  "schema_migrations: not a strata server store",
                  err);
        goto done;
    }
    PQclear(r);
    r = NULL;
    ST_CHECK(simple(s, c,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    err));
    ST_CHECK(run(s, c, Q_VERSION, 0, NULL, &r, err));
    v = (int)num(r, 0, 0);
    if (v > NMIGRATIONS) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "store",
                          "postgres %s: schema version %d is newer than this "
                          "strata's (%d)",
                          s->base.shown, v, NMIGRATIONS);
        goto done;
    }
    for (; v < NMIGRATIONS; v++) {
        ST_CHECK(simple(s, c, migrations[v], err));
        snprintf(ver, sizeof(ver), "%d", v + 1);
        PQclear(r);
        r = PQexecParams(c->pg,
                         "INSERT INTO schema_migrations (version)"
                         " VALUES ($1::integer)",
                         1, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = pgerr(s, c, r, err);
            goto done;
        }
    }
    ST_CHECK(commit(s, c, err));
done:
    PQclear(r);
    return rc;
}

static void pg_close(st_store *base)
{
    pg_store *s = (pg_store *)base;
    size_t i;
    if (s->conns)
        for (i = 0; i < s->pool.n; i++)
            PQfinish(s->conns[i].pg);
    st_free(s->conns);
    st_store__pool_release(&s->pool);
    st_free(s->url);
    st_free(s->base.shown);
    st_free(s);
}

/* ---- operations: an args struct and a function run by with_conn ------ */

static int op_version(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    PGresult *r;
    int rc;
    ST_CHECK(run(s, c, Q_VERSION, 0, NULL, &r, err));
    *(int *)args = (int)num(r, 0, 0);
    PQclear(r);
done:
    return rc;
}

static int pg_schema_version(st_store *base, int *out, st_error **err)
{
    return with_conn((pg_store *)base, "reading the schema version", NULL,
                     op_version, out, err);
}

struct enqueue_args {
    const char *digest, *ref;
    bool *created;
};

static int op_enqueue(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct enqueue_args *a = args;
    const char *p[] = {a->digest, a->ref};
    PGresult *r;
    int rc;
    ST_CHECK(run(s, c, Q_ENQUEUE, 2, p, &r, err));
    *a->created = num(r, 0, 0) == 1;
    PQclear(r);
done:
    return rc;
}

static int pg_enqueue(st_store *base, const char *digest, const char *ref,
                      bool *created, st_error **err)
{
    struct enqueue_args a = {digest, ref, created};
    return with_conn((pg_store *)base, "queueing", digest, op_enqueue, &a,
                     err);
}

struct claim_args {
    const char *worker;
    unsigned lease_s;
    char **digest, **ref;
    int got;
};

static int op_claim(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct claim_args *a = args;
    char lease[16];
    const char *p[] = {a->worker, lease};
    PGresult *r = NULL;
    int rc;

    snprintf(lease, sizeof(lease), "%u", a->lease_s);
    a->got = 0;
    ST_CHECK(run(s, c, Q_CLAIM, 2, p, &r, err));
    if (PQntuples(r) == 1) {
        ST_CHECK(val(r, 0, 0, a->digest, err));
        ST_CHECK(val(r, 0, 1, a->ref, err));
        a->got = 1;
    }
done:
    PQclear(r);
    if (rc < 0) {
        st_free(st_steal(a->digest));
        st_free(st_steal(a->ref));
    }
    return rc;
}

static int pg_claim(st_store *base, const char *worker, unsigned lease_s,
                    char **digest, char **ref, st_error **err)
{
    struct claim_args a = {worker, lease_s, digest, ref, 0};
    int rc = with_conn((pg_store *)base, "claiming an image for", worker,
                       op_claim, &a, err);
    return rc < 0 ? rc : a.got;
}

struct claim_digest_args {
    const char *digest, *ref, *worker;
    unsigned lease_s;
    int got;
};

static int op_claim_digest(pg_store *s, pg_conn *c, void *args,
                           st_error **err)
{
    struct claim_digest_args *a = args;
    char lease[16];
    const char *p[] = {a->digest, a->ref, a->worker, lease};
    PGresult *r;
    int rc;

    snprintf(lease, sizeof(lease), "%u", a->lease_s);
    ST_CHECK(run(s, c, Q_CLAIM_DIGEST, 4, p, &r, err));
    a->got = PQntuples(r) == 1;
    PQclear(r);
done:
    return rc;
}

static int pg_claim_digest(st_store *base, const char *digest,
                           const char *ref, const char *worker,
                           unsigned lease_s, st_error **err)
{
    struct claim_digest_args a = {digest, ref, worker, lease_s, 0};
    int rc = with_conn((pg_store *)base, "claiming", digest, op_claim_digest,
                       &a, err);
    return rc < 0 ? rc : a.got;
}

/* Why an UPDATE guarded by "state = INDEXING AND worker = $2" changed
 * nothing: the image is unknown, or someone else holds it now. */
static int not_held(pg_store *s, pg_conn *c, const char *digest,
                    const char *worker, st_error **err)
{
    const char *p[] = {digest};
    char detail[256];
    PGresult *r = NULL;
    int rc;

    ST_CHECK(run(s, c, Q_STATE, 1, p, &r, err));
    if (PQntuples(r) != 1) {
        rc = fail(s, c, ST_ENOTFOUND, "no such image", err);
        goto done;
    }
    snprintf(detail, sizeof(detail),
             "not claimed by %s (the image is %s%s%.100s): its lease was "
             "lost",
             worker, st_image_state_name((st_image_state)num(r, 0, 0)),
             PQgetisnull(r, 0, 1) ? "" : ", by ", PQgetvalue(r, 0, 1));
    rc = fail(s, c, ST_EABORT, detail, err);
done:
    PQclear(r);
    return rc;
}

struct index_args {
    const char *digest, *worker;
    const st_store_layer *layers;
    size_t nlayers;
    const char *const *order;
    size_t norder;
    const char *image_json;
};

static int op_put_index(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct index_args *a = args;
    st_buf order = ST_BUF_INIT(MAX_ARRAY);
    const char *p[3] = {a->digest, a->worker, a->image_json};
    PGresult *r = NULL;
    size_t i;
    int rc;

    ST_CHECK(simple(s, c, "BEGIN", err));
    ST_CHECK(run(s, c, Q_INDEXED, 3, p, &r, err));
    if (strcmp(PQcmdTuples(r), "1")) {
        rc = not_held(s, c, a->digest, a->worker, err);
        goto done;
    }
    for (i = 0; i < a->nlayers; i++) {
        p[0] = a->layers[i].digest;
        p[1] = a->layers[i].inventory_json;
        PQclear(r);
        r = NULL;
        if (p[1]) {
            ST_CHECK(run(s, c, Q_LAYER_PUT, 2, p, NULL, err));
            continue;
        }
        ST_CHECK(run(s, c, Q_LAYER_HAS, 1, p, &r, err));
        if (PQntuples(r) != 1) {
            c->subject = a->layers[i].digest;
            rc = fail(s, c, ST_ENOTFOUND,
                      "no inventory given and none stored", err);
            goto done;
        }
    }
    p[0] = a->digest;
    ST_CHECK(run(s, c, Q_IL_DELETE, 1, p, NULL, err));
    if (a->norder) {
        ST_CHECK(array(&order, a->order, a->norder, err));
        p[1] = order.ptr;
        ST_CHECK(run(s, c, Q_IL_PUT, 2, p, NULL, err));
    }
    ST_CHECK(commit(s, c, err));
done:
    PQclear(r);
    st_buf_release(&order);
    return rc;
}

static int pg_put_index(st_store *base, const char *digest,
                        const char *worker, const st_store_layer *layers,
                        size_t nlayers, const char *const *order,
                        size_t norder, const char *image_json,
                        st_error **err)
{
    struct index_args a = {digest, worker, layers, nlayers,
                           order,  norder, image_json};
    return with_conn((pg_store *)base, "storing the index of", digest,
                     op_put_index, &a, err);
}

struct fail_args {
    const char *digest, *worker, *why;
};

static int op_fail(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct fail_args *a = args;
    const char *p[] = {a->digest, a->worker, a->why};
    PGresult *r = NULL;
    int rc;

    ST_CHECK(run(s, c, Q_FAIL, 3, p, &r, err));
    if (strcmp(PQcmdTuples(r), "1"))
        rc = not_held(s, c, a->digest, a->worker, err);
done:
    PQclear(r);
    return rc;
}

static int pg_fail(st_store *base, const char *digest, const char *worker,
                   const char *why, st_error **err)
{
    struct fail_args a = {digest, worker, why};
    return with_conn((pg_store *)base, "marking failed", digest, op_fail, &a,
                     err);
}

struct one_args {
    int id;
    const char *key;
    bool found;
    char *value;
};

/* A statement with one parameter and at most one row of one column. */
static int op_one(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct one_args *a = args;
    const char *p[] = {a->key};
    PGresult *r = NULL;
    int rc;

    ST_CHECK(run(s, c, a->id, 1, p, &r, err));
    a->found = PQntuples(r) == 1;
    if (a->found)
        ST_CHECK(val(r, 0, 0, &a->value, err));
done:
    PQclear(r);
    return rc;
}

static int pg_has_layer(st_store *base, const char *digest, bool *out,
                        st_error **err)
{
    struct one_args a = {Q_LAYER_HAS, digest, false, NULL};
    int rc = with_conn((pg_store *)base, "looking up layer", digest, op_one,
                       &a, err);
    st_free(a.value);
    *out = rc == 0 && a.found;
    return rc;
}

static int pg_get_layer(st_store *base, const char *digest, char **json,
                        st_error **err)
{
    pg_store *s = (pg_store *)base;
    struct one_args a = {Q_GET_LAYER, digest, false, NULL};
    int rc = with_conn(s, "reading layer", digest, op_one, &a, err);
    if (rc < 0)
        return rc;
    if (!a.found)
        return st_error_set(err, ST_ENOTFOUND, "store",
                            "postgres %s: reading layer %s: no such layer",
                            s->base.shown, digest);
    *json = a.value;
    return 0;
}

static int pg_meta_get(st_store *base, const char *key, char **value,
                       st_error **err)
{
    struct one_args a = {Q_META_GET, key, false, NULL};
    int rc = with_conn((pg_store *)base, "reading meta", key, op_one, &a,
                       err);
    if (rc == 0)
        *value = a.value;
    return rc;
}

struct meta_args {
    const char *key, *value;
};

static int op_meta_set(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct meta_args *a = args;
    const char *p[] = {a->key, a->value};
    return run(s, c, Q_META_SET, 2, p, NULL, err);
}

static int pg_meta_set(st_store *base, const char *key, const char *value,
                       st_error **err)
{
    struct meta_args a = {key, value};
    return with_conn((pg_store *)base, "writing meta", key, op_meta_set, &a,
                     err);
}

struct get_args {
    const char *digest;
    bool want_report, want_layers;
    st_store_image *im;
};

/* The JSON array of layer digests from json_agg. */
static int layer_list(pg_store *s, pg_conn *c, const char *text,
                      st_store_image *im, st_error **err)
{
    json_t *arr = NULL;
    size_t i;
    int rc;

    ST_CHECK(st_json_load(&arr, text, strlen(text), "layer list", err));
    if (!json_is_array(arr)) {
        rc = fail(s, c, ST_EINVALID, "the layer list is not an array", err);
        goto done;
    }
    if (json_array_size(arr) &&
        !(im->layers = st_calloc(json_array_size(arr), sizeof(char *)))) {
        rc = oom(err);
        goto done;
    }
    for (i = 0; i < json_array_size(arr); i++) {
        const char *d = json_string_value(json_array_get(arr, i));
        if (!(im->layers[i] = st_strdup(d ? d : ""))) {
            rc = oom(err);
            goto done;
        }
        im->layer_count++;
    }
done:
    json_decref(arr);
    return rc;
}

static int op_get(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct get_args *a = args;
    st_store_image *im = a->im;
    const char *p[] = {a->digest, a->want_report ? "t" : "f",
                       a->want_layers ? "t" : "f"};
    PGresult *r = NULL;
    int rc;

    st_store_image_release(im);
    ST_CHECK(run(s, c, Q_GET, 3, p, &r, err));
    if (PQntuples(r) != 1) {
        rc = fail(s, c, ST_ENOTFOUND, "no such image", err);
        goto done;
    }
    if (!(im->digest = st_strdup(a->digest))) {
        rc = oom(err);
        goto done;
    }
    im->state = (st_image_state)num(r, 0, 1);
    ST_CHECK(val(r, 0, 0, &im->ref, err));
    ST_CHECK(val(r, 0, 2, &im->error, err));
    ST_CHECK(val(r, 0, 3, &im->image_json, err));
    ST_CHECK(val(r, 0, 4, &im->indexed_at, err));
    ST_CHECK(val(r, 0, 5, &im->db_version, err));
    ST_CHECK(val(r, 0, 6, &im->report_json, err));
    if (!PQgetisnull(r, 0, 7))
        ST_CHECK(layer_list(s, c, PQgetvalue(r, 0, 7), im, err));
done:
    PQclear(r);
    if (rc < 0)
        st_store_image_release(im);
    return rc;
}

static int pg_get(st_store *base, const char *digest, bool want_report,
                  bool want_layers, st_store_image *out, st_error **err)
{
    struct get_args a = {digest, want_report, want_layers, out};
    return with_conn((pg_store *)base, "reading", digest, op_get, &a, err);
}

struct list_args {
    bool page;
    const char *after;
    size_t offset, limit;
    st_store_image **out;
    size_t *n;
};

static int op_list(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct list_args *a = args;
    char lim[24], off[24];
    const char *lp[] = {lim, off}, *pp[] = {a->after ? a->after : "", lim};
    st_store_image *v = NULL, *im;
    PGresult *r = NULL;
    int rows, i, rc;

    snprintf(lim, sizeof(lim), "%zu", a->limit > INT64_MAX ? INT64_MAX
                                                           : a->limit);
    snprintf(off, sizeof(off), "%zu", a->offset > INT64_MAX ? INT64_MAX
                                                            : a->offset);
    if (a->page)
        ST_CHECK(run(s, c, Q_PAGE, 2, pp, &r, err));
    else
        ST_CHECK(run(s, c, Q_LIST, 2, lp, &r, err));
    if ((rows = PQntuples(r)) == 0)
        goto done;
    if (!(v = st_calloc((size_t)rows, sizeof(*v)))) {
        rc = oom(err);
        goto done;
    }
    for (i = 0; i < rows; i++) {
        im = &v[i];
        ST_CHECK(val(r, i, 0, &im->digest, err));
        if (a->page) {
            im->state = ST_IMG_INDEXED;
            ST_CHECK(val(r, i, 1, &im->image_json, err));
            ST_CHECK(val(r, i, 2, &im->db_version, err));
        } else {
            ST_CHECK(val(r, i, 1, &im->ref, err));
            im->state = (st_image_state)num(r, i, 2);
            ST_CHECK(val(r, i, 3, &im->error, err));
            ST_CHECK(val(r, i, 4, &im->indexed_at, err));
            ST_CHECK(val(r, i, 5, &im->db_version, err));
        }
    }
done:
    PQclear(r);
    if (rc < 0) {
        st_store_list_free(v, v ? (size_t)rows : 0);
        return rc;
    }
    *a->out = v;
    *a->n = v ? (size_t)rows : 0;
    return 0;
}

static int pg_list(st_store *base, size_t offset, size_t limit,
                   st_store_image **out, size_t *n, st_error **err)
{
    struct list_args a = {false, NULL, offset, limit, out, n};
    return with_conn((pg_store *)base, "listing images", NULL, op_list, &a,
                     err);
}

static int pg_indexed_page(st_store *base, const char *after, size_t max,
                           st_store_image **out, size_t *n, st_error **err)
{
    struct list_args a = {true, after, 0, max, out, n};
    return with_conn((pg_store *)base, "listing indexed images", NULL,
                     op_list, &a, err);
}

struct report_args {
    const char *digest, *report_json, *db_version;
    const char *const *keys;
    size_t nkeys;
    bool first_is_baseline;
    char ***new_keys;
    size_t *n_new;
};

static void free_new(char ***keys, size_t *n)
{
    size_t i;
    for (i = 0; i < *n; i++)
        st_free((*keys)[i]);
    st_free(st_steal(keys));
    *n = 0;
}

static int op_put_report(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    struct report_args *a = args;
    const char *p[3] = {a->digest, a->db_version, a->report_json};
    const char **old = NULL, **added = NULL, **removed = NULL;
    size_t nold = 0, nadded = 0, nremoved = 0, i;
    st_buf arr = ST_BUF_INIT(MAX_ARRAY);
    PGresult *r = NULL, *keys = NULL;
    bool had;
    int rc;

    ST_CHECK(simple(s, c, "BEGIN", err));
    ST_CHECK(run(s, c, Q_REPORT_LOCK, 1, p, &r, err));
    if (PQntuples(r) != 1) {
        rc = fail(s, c, ST_ENOTFOUND, "no such image", err);
        goto done;
    }
    had = yes(r, 0, 0);
    ST_CHECK(run(s, c, Q_KEYS, 1, p, &keys, err));
    nold = (size_t)PQntuples(keys);
    if (nold && !(old = st_calloc(nold, sizeof(*old)))) {
        rc = oom(err);
        goto done;
    }
    for (i = 0; i < nold; i++)
        old[i] = PQgetvalue(keys, (int)i, 0);
    ST_CHECK(run(s, c, Q_REPORT_PUT, 3, p, NULL, err));
    if (st_store__key_diff(old, nold, a->keys, a->nkeys, &added, &nadded,
                           &removed, &nremoved) < 0) {
        rc = oom(err);
        goto done;
    }
    if (nremoved) {
        ST_CHECK(array(&arr, removed, nremoved, err));
        p[1] = arr.ptr;
        ST_CHECK(run(s, c, Q_KEYS_DEL, 2, p, NULL, err));
        st_buf_reset(&arr);
    }
    if (nadded) {
        ST_CHECK(array(&arr, added, nadded, err));
        p[1] = arr.ptr;
        ST_CHECK(run(s, c, Q_KEYS_PUT, 2, p, NULL, err));
    }
    if ((had || !a->first_is_baseline) && nadded) {
        if (!(*a->new_keys = st_calloc(nadded, sizeof(char *)))) {
            rc = oom(err);
            goto done;
        }
        for (i = 0; i < nadded; i++, (*a->n_new)++)
            if (!((*a->new_keys)[i] = st_strdup(added[i]))) {
                rc = oom(err);
                goto done;
            }
    }
    ST_CHECK(commit(s, c, err));
done:
    if (rc < 0)
        free_new(a->new_keys, a->n_new);
    PQclear(r);
    PQclear(keys);
    st_free(old);
    st_free(added);
    st_free(removed);
    st_buf_release(&arr);
    return rc;
}

static int pg_put_report(st_store *base, const char *digest,
                         const char *report_json, const char *db_version,
                         const char *const *keys, size_t nkeys,
                         bool first_is_baseline, char ***new_keys,
                         size_t *n_new, st_error **err)
{
    struct report_args a = {digest, report_json,       db_version, keys,
                            nkeys,  first_is_baseline, new_keys,   n_new};
    return with_conn((pg_store *)base, "storing the report of", digest,
                     op_put_report, &a, err);
}

struct keys_args {
    const char *digest;
    char ***keys;
    size_t *n;
};

static int op_report_keys(pg_store *s, pg_conn *c, void *args,
                          st_error **err)
{
    struct keys_args *a = args;
    const char *p[] = {a->digest};
    PGresult *r = NULL;
    int rows, i, rc;

    ST_CHECK(run(s, c, Q_REPORT_KEYS, 1, p, &r, err));
    rows = PQntuples(r);
    if (rows == 0) {
        rc = fail(s, c, ST_ENOTFOUND, "no such image", err);
        goto done;
    }
    if (!yes(r, 0, 0)) {
        rc = fail(s, c, ST_ENOTFOUND, "no report stored", err);
        goto done;
    }
    if (PQgetisnull(r, 0, 1))
        goto done; /* a report without findings */
    if (!(*a->keys = st_calloc((size_t)rows, sizeof(char *)))) {
        rc = oom(err);
        goto done;
    }
    for (i = 0; i < rows; i++, (*a->n)++)
        ST_CHECK(val(r, i, 1, &(*a->keys)[i], err));
done:
    PQclear(r);
    if (rc < 0)
        free_new(a->keys, a->n);
    return rc;
}

static int pg_report_keys(st_store *base, const char *digest, char ***keys,
                          size_t *n, st_error **err)
{
    struct keys_args a = {digest, keys, n};
    return with_conn((pg_store *)base, "reading the finding keys of", digest,
                     op_report_keys, &a, err);
}

static int op_counts(pg_store *s, pg_conn *c, void *args, st_error **err)
{
    uint64_t *counts = args;
    PGresult *r = NULL;
    long st;
    int i, rc;

    ST_CHECK(run(s, c, Q_COUNTS, 0, NULL, &r, err));
    for (i = 0; i < PQntuples(r); i++) {
        st = num(r, i, 0);
        if (st >= 0 && st < 4)
            counts[st] = strtoull(PQgetvalue(r, i, 1), NULL, 10);
    }
done:
    PQclear(r);
    return rc;
}

static int pg_counts(st_store *base, uint64_t counts[4], st_error **err)
{
    return with_conn((pg_store *)base, "counting images", NULL, op_counts,
                     counts, err);
}

static const st_store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .schema_version = pg_schema_version,
    .enqueue = pg_enqueue,
    .claim = pg_claim,
    .claim_digest = pg_claim_digest,
    .put_index = pg_put_index,
    .fail = pg_fail,
    .has_layer = pg_has_layer,
    .get = pg_get,
    .get_layer = pg_get_layer,
    .list = pg_list,
    .indexed_page = pg_indexed_page,
    .put_report = pg_put_report,
    .report_keys = pg_report_keys,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .counts = pg_counts,
};

char *st_store__pg_redact(const char *url)
{
    PQconninfoOption *opts = PQconninfoParse(url, NULL), *o;
    const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
    st_buf b = ST_BUF_INIT(4096);
    int rc = 0;

    if (!opts)
        /* Its parse error could quote the password: say nothing of it. */
        return st_strdup("postgres://(malformed URL)");
    for (o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (!strcmp(o->keyword, "user"))
            user = o->val;
        else if (!strcmp(o->keyword, "host"))
            host = o->val;
        else if (!strcmp(o->keyword, "hostaddr") && !host)
            host = o->val;
        else if (!strcmp(o->keyword, "port"))
            port = o->val;
        else if (!strcmp(o->keyword, "dbname"))
            db = o->val;
    }
    rc = st_buf_puts(&b, "postgres://");
    if (rc == 0 && user)
        rc = st_buf_printf(&b, "%s@", user);
    if (rc == 0 && host)
        rc = st_buf_puts(&b, host);
    if (rc == 0 && port)
        rc = st_buf_printf(&b, ":%s", port);
    if (rc == 0 && db)
        rc = st_buf_printf(&b, "/%s", db);
    PQconninfoFree(opts);
    if (rc < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

int st_store__pg_open(st_store **out, const char *target, const char *shown,
                      unsigned pool, st_error **err)
{
    pg_store *s = st_calloc(1, sizeof(*s));
    int rc = 0;

    if (!s || !(s->url = st_strdup(target)) ||
        !(s->base.shown = st_strdup(shown)) ||
        !(s->conns = st_calloc(pool, sizeof(*s->conns))) ||
        st_store__pool_init(&s->pool, pool) < 0) {
        rc = oom(err);
        goto done;
    }
    s->base.ops = &pg_ops;
    rc = with_conn(s, "migrating the schema", NULL, migrate, NULL, err);
done:
    if (rc < 0 && s) {
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
