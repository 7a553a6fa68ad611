/* The store on SQLite (store.h): one file, WAL journal, a pool of
 * connections (readers run side by side; writers take the write lock with
 * BEGIN IMMEDIATE and wait for each other up to the busy timeout). Times
 * are integer milliseconds since the epoch, from this machine's clock —
 * every process sharing the file runs on it. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "server/store_int.h"
#include "util/banned.h"

#define BUSY_MS 30000

/* Migrations, in order; each runs once, in the transaction that records
 * it in schema_migrations. Never edit one that has shipped: add the next.
 * The PostgreSQL twin is in store_pg.c; docs/server-storage.md describes
 * both. */
static const char *const migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE images ("
    " digest TEXT PRIMARY KEY NOT NULL,"
    " ref TEXT NOT NULL,"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),"
    " worker TEXT,"
    " lease_until INTEGER,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " queued_at INTEGER NOT NULL,"
    " indexed_at INTEGER,"
    " error TEXT,"
    " image_json TEXT);"
    "CREATE INDEX images_queue ON images (queued_at, digest)"
    " WHERE state IN (0, 1);"
    "CREATE INDEX images_recent ON images"
    " (coalesce(indexed_at, queued_at) DESC, digest);"
    "CREATE INDEX images_indexed ON images (digest) WHERE state = 2;"
    "CREATE TABLE layers ("
    " digest TEXT PRIMARY KEY NOT NULL,"
    " inventory TEXT NOT NULL,"
    " stored_at INTEGER NOT NULL);"
    "CREATE TABLE image_layers ("
    " image TEXT NOT NULL REFERENCES images (digest) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " layer TEXT NOT NULL REFERENCES layers (digest),"
    " PRIMARY KEY (image, position)) WITHOUT ROWID;"
    "CREATE INDEX image_layers_layer ON image_layers (layer);"
    "CREATE TABLE reports ("
    " image TEXT PRIMARY KEY NOT NULL"
    "  REFERENCES images (digest) ON DELETE CASCADE,"
    " db_version TEXT,"
    " report TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE report_keys ("
    " image TEXT NOT NULL REFERENCES reports (image) ON DELETE CASCADE,"
    " key TEXT NOT NULL,"
    " PRIMARY KEY (image, key)) WITHOUT ROWID;"
    "CREATE TABLE meta ("
    " key TEXT PRIMARY KEY NOT NULL,"
    " value TEXT NOT NULL) WITHOUT ROWID;",
};
#define NMIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

/* indexed_at as RFC 3339 UTC, to the second */
#define INDEXED_AT                                                            \
    "strftime('%Y-%m-%dT%H:%M:%SZ', i.indexed_at / 1000, 'unixepoch')"

enum {
    Q_VERSION,
    Q_ENQ_INSERT,
    Q_ENQ_REQUEUE,
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
    Q_GET_REPORT,
    Q_GET_LAYERS,
    Q_GET_LAYER,
    Q_LIST,
    Q_PAGE,
    Q_REPORT_STATE,
    Q_KEYS,
    Q_REPORT_PUT,
    Q_KEY_DEL,
    Q_KEY_PUT,
    Q_META_GET,
    Q_META_SET,
    Q_COUNTS,
    NQ
};

/* ?N parameters; "now" is always bound by the caller. */
static const char *const sql[NQ] = {
    [Q_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    [Q_ENQ_INSERT] = "INSERT INTO images (digest, ref, state, queued_at)"
                     " VALUES (?1, ?2, 0, ?3) ON CONFLICT (digest) DO NOTHING",
    [Q_ENQ_REQUEUE] = "UPDATE images SET state = 0, ref = ?2, queued_at = ?3,"
                      " worker = NULL, lease_until = NULL, error = NULL"
                      " WHERE digest = ?1 AND state = 3",
    [Q_CLAIM] = "UPDATE images SET state = 1, worker = ?1,"
                " lease_until = ?2 + ?3, attempts = attempts + 1"
                " WHERE digest = (SELECT digest FROM images"
                "  WHERE state IN (0, 1) AND (state = 0 OR lease_until <= ?2)"
                "  ORDER BY queued_at, digest LIMIT 1)"
                " RETURNING digest, ref",
    [Q_CLAIM_DIGEST] =
        "INSERT INTO images (digest, ref, state, worker, lease_until,"
        " attempts, queued_at) VALUES (?1, ?2, 1, ?3, ?4 + ?5, 1, ?4)"
        " ON CONFLICT (digest) DO UPDATE SET state = 1, ref = excluded.ref,"
        " worker = excluded.worker, lease_until = excluded.lease_until,"
        " attempts = attempts + 1, error = NULL"
        " WHERE state IN (0, 3) OR (state = 1 AND (lease_until <= ?4"
        " OR worker = excluded.worker))"
        " RETURNING digest",
    [Q_INDEXED] = "UPDATE images SET state = 2, image_json = ?3,"
                  " indexed_at = ?4, lease_until = NULL, error = NULL"
                  " WHERE digest = ?1 AND state = 1 AND worker = ?2",
    [Q_STATE] = "SELECT state, worker FROM images WHERE digest = ?1",
    [Q_LAYER_PUT] = "INSERT INTO layers (digest, inventory, stored_at)"
                    " VALUES (?1, ?2, ?3) ON CONFLICT (digest) DO NOTHING",
    [Q_LAYER_HAS] = "SELECT 1 FROM layers WHERE digest = ?1",
    [Q_IL_DELETE] = "DELETE FROM image_layers WHERE image = ?1",
    [Q_IL_PUT] = "INSERT INTO image_layers (image, position, layer)"
                 " VALUES (?1, ?2, ?3)",
    [Q_FAIL] = "UPDATE images SET state = 3, error = ?3, lease_until = NULL"
               " WHERE digest = ?1 AND state = 1 AND worker = ?2",
    [Q_GET] = "SELECT i.ref, i.state, i.error, i.image_json,"
              " " INDEXED_AT ", r.db_version FROM images i"
              " LEFT JOIN reports r ON r.image = i.digest"
              " WHERE i.digest = ?1",
    [Q_GET_REPORT] = "SELECT report FROM reports WHERE image = ?1",
    [Q_GET_LAYERS] = "SELECT layer FROM image_layers WHERE image = ?1"
                     " ORDER BY position",
    [Q_GET_LAYER] = "SELECT inventory FROM layers WHERE digest = ?1",
    [Q_LIST] = "SELECT i.digest, i.ref, i.state, i.error,"
               " " INDEXED_AT ", r.db_version FROM images i"
               " LEFT JOIN reports r ON r.image = i.digest"
               " ORDER BY coalesce(i.indexed_at, i.queued_at) DESC,"
               " i.digest LIMIT ?1 OFFSET ?2",
    [Q_PAGE] = "SELECT i.digest, i.image_json, r.db_version FROM images i"
               " LEFT JOIN reports r ON r.image = i.digest"
               " WHERE i.state = 2 AND i.digest > ?1"
               " ORDER BY i.digest LIMIT ?2",
    [Q_REPORT_STATE] = "SELECT EXISTS (SELECT 1 FROM reports WHERE image = ?1)"
                       " FROM images WHERE digest = ?1",
    [Q_KEYS] = "SELECT key FROM report_keys WHERE image = ?1",
    [Q_REPORT_PUT] =
        "INSERT INTO reports (image, db_version, report, updated_at)"
        " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (image) DO UPDATE SET"
        " db_version = excluded.db_version, report = excluded.report,"
        " updated_at = excluded.updated_at",
    [Q_KEY_DEL] = "DELETE FROM report_keys WHERE image = ?1 AND key = ?2",
    [Q_KEY_PUT] = "INSERT INTO report_keys (image, key) VALUES (?1, ?2)"
                  " ON CONFLICT DO NOTHING",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [Q_COUNTS] = "SELECT state, count(*) FROM images GROUP BY state",
};

typedef struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *q[NQ];
    const char *what;    /* the operation running, for messages */
    const char *subject; /* the digest or key it is about, or NULL */
} sq_conn;

typedef struct sq_store {
    st_store base;
    char *path;
    st_store_pool pool;
    sq_conn *conns;
} sq_store;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "sqlite PATH: claiming an image sha256:…: database is locked" */
static int fail(sq_store *s, sq_conn *c, int code, const char *detail,
                st_error **err)
{
    return st_error_set(err, code, "store", "sqlite %s: %s%s%s: %s",
                        s->base.shown, c->what, c->subject ? " " : "",
                        c->subject ? c->subject : "", detail);
}

static int dberr(sq_store *s, sq_conn *c, st_error **err)
{
    return fail(s, c, ST_EIO, c->db ? sqlite3_errmsg(c->db) : "cannot open",
                err);
}

static int oom(st_error **err)
{
    return st_error_set(err, ST_ENOMEM, "store", "out of memory");
}

/* Every statement, including BEGIN and COMMIT, passes the test hook. */
static int exec(sq_store *s, sq_conn *c, const char *stmt, st_error **err)
{
    if (st_store__fail_point())
        return fail(s, c, ST_EIO, "injected failure", err);
    if (sqlite3_exec(c->db, stmt, NULL, NULL, NULL) != SQLITE_OK)
        return dberr(s, c, err);
    return 0;
}

/* The prepared statement `id`, bound: fmt has one letter per parameter,
 * 't' const char * (NULL binds NULL), 'i' int64_t. */
static int prep(sq_store *s, sq_conn *c, int id, sqlite3_stmt **out,
                st_error **err, const char *fmt, ...)
{
    sqlite3_stmt *q;
    va_list ap;
    int i, rc = SQLITE_OK;

    if (st_store__fail_point())
        return fail(s, c, ST_EIO, "injected failure", err);
    if (!c->q[id] &&
        sqlite3_prepare_v3(c->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                           &c->q[id], NULL) != SQLITE_OK)
        return dberr(s, c, err);
    q = c->q[id];
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    va_start(ap, fmt);
    for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        if (fmt[i] == 't')
            rc = sqlite3_bind_text(q, i + 1, va_arg(ap, const char *), -1,
                                   SQLITE_STATIC);
        else
            rc = sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
    }
    va_end(ap);
    if (rc != SQLITE_OK)
        return dberr(s, c, err);
    *out = q;
    return 0;
}

/* 1: a row, 0: done. */
static int step(sq_store *s, sq_conn *c, sqlite3_stmt *q, st_error **err)
{
    switch (sqlite3_step(q)) {
    case SQLITE_ROW:
        return 1;
    case SQLITE_DONE:
        return 0;
    default:
        return dberr(s, c, err);
    }
}

/* A statement that returns no rows (or whose rows do not matter). */
static int run(sq_store *s, sq_conn *c, sqlite3_stmt *q, st_error **err)
{
    int rc;
    while ((rc = step(s, c, q, err)) == 1)
        ;
    return rc;
}

/* Column i as an owned string, NULL for SQL NULL. */
static int col(sqlite3_stmt *q, int i, char **out, st_error **err)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    *out = NULL;
    if (!t)
        return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : oom(err);
    if (!(*out = st_strndup((const char *)t,
                            (size_t)sqlite3_column_bytes(q, i))))
        return oom(err);
    return 0;
}

static int conn_open(sq_store *s, sq_conn *c, st_error **err)
{
    const char *what = c->what;
    int tries, rc = 0;

    if (sqlite3_open_v2(s->path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        c->what = "opening";
        rc = dberr(s, c, err);
        goto done;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_MS);
    /* Switching a new file to WAL needs a moment of exclusive access; two
     * processes creating the store at once may meet here. */
    c->what = "setting the WAL journal";
    for (tries = 0;; tries++) {
        sqlite3_stmt *q = NULL;
        int ok = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1,
                                    &q, NULL) == SQLITE_OK &&
                 sqlite3_step(q) == SQLITE_ROW &&
                 !strcmp((const char *)sqlite3_column_text(q, 0), "wal");
        int code = sqlite3_errcode(c->db);
        sqlite3_finalize(q);
        if (ok)
            break;
        if ((code & 0xff) == SQLITE_NOTADB) {
            rc = fail(s, c, ST_EINVALID, "not an SQLite database", err);
            goto done;
        }
        if ((code & 0xff) != SQLITE_BUSY || tries == 100) {
            rc = dberr(s, c, err);
            goto done;
        }
        usleep(20000);
    }
    c->what = "configuring the connection";
    if (sqlite3_exec(c->db,
                     "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = dberr(s, c, err);
done:
    c->what = what;
    if (rc < 0 && c->db) {
        sqlite3_close_v2(c->db);
        c->db = NULL;
    }
    return rc;
}

static void conn_close(sq_conn *c)
{
    int i;
    for (i = 0; i < NQ; i++)
        sqlite3_finalize(c->q[i]);
    sqlite3_close_v2(c->db);
    memset(c, 0, sizeof(*c));
}

/* Takes a connection for one operation (`what`, about `subject`). */
static int take(sq_store *s, sq_conn **out, const char *what,
                const char *subject, st_error **err)
{
    sq_conn *c = &s->conns[st_store__pool_get(&s->pool)];
    int rc;
    c->what = what;
    c->subject = subject;
    if (!c->db && (rc = conn_open(s, c, err)) < 0) {
        st_store__pool_put(&s->pool, (size_t)(c - s->conns));
        return rc;
    }
    *out = c;
    return 0;
}

/* Gives it back clean: no statement left running (a reader that was not
 * reset would pin its snapshot), no transaction left open. */
static void give(sq_store *s, sq_conn *c)
{
    int i;
    if (!c)
        return;
    for (i = 0; i < NQ; i++)
        if (c->q[i])
            sqlite3_reset(c->q[i]);
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    c->what = c->subject = NULL;
    st_store__pool_put(&s->pool, (size_t)(c - s->conns));
}

static int migrate(sq_store *s, sq_conn *c, st_error **err)
{
    sqlite3_stmt *q = NULL;
    int have = 0, tables = 0, v, rc = 0;

    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    if (sqlite3_prepare_v2(c->db,
                           "SELECT count(*), count(*) FILTER (WHERE name ="
                           " 'schema_migrations') FROM sqlite_master"
                           " WHERE type = 'table'",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        rc = dberr(s, c, err);
        goto done;
    }
    tables = sqlite3_column_int(q, 0);
    have = sqlite3_column_int(q, 1);
    sqlite3_finalize(q);
    q = NULL;
    /* Never add our tables to someone else's database (say, the
     * vulnerability DB given by mistake). */
    if (tables && !have) {
        rc = fail(s, c, ST_EINVALID, "not a strata server store", err);
        goto done;
    }
    if (!have)
        ST_CHECK(exec(s, c,
                      "CREATE TABLE schema_migrations ("
                      " version INTEGER PRIMARY KEY NOT NULL,"
                      " applied_at TEXT NOT NULL)",
                      err));
    if (sqlite3_prepare_v2(c->db, sql[Q_VERSION], -1, &q, NULL) !=
            SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        rc = dberr(s, c, err);
        goto done;
    }
    v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (v > NMIGRATIONS) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "store",
                          "sqlite %s: schema version %d is newer than this "
                          "strata's (%d)",
                          s->base.shown, v, NMIGRATIONS);
        goto done;
    }
    for (; v < NMIGRATIONS; v++) {
        ST_CHECK(exec(s, c, migrations[v], err));
        if (sqlite3_prepare_v2(c->db,
                               "INSERT INTO schema_migrations VALUES (?1,"
                               " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                               -1, &q, NULL) != SQLITE_OK ||
            sqlite3_bind_int(q, 1, v + 1) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_DONE) {
            rc = dberr(s, c, err);
            goto done;
        }
        sqlite3_finalize(q);
        q = NULL;
    }
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    sqlite3_finalize(q);
    return rc;
}

static void sq_close(st_store *base)
{
    sq_store *s = (sq_store *)base;
    size_t i;
    if (s->conns)
        for (i = 0; i < s->pool.n; i++)
            conn_close(&s->conns[i]);
    st_free(s->conns);
    st_store__pool_release(&s->pool);
    st_free(s->path);
    st_free(s->base.shown);
    st_free(s);
}

static int sq_schema_version(st_store *base, int *out, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "reading the schema version", NULL, err));
    ST_CHECK(prep(s, c, Q_VERSION, &q, err, ""));
    if ((rc = step(s, c, q, err)) == 1) {
        *out = sqlite3_column_int(q, 0);
        rc = 0;
    }
done:
    give(s, c);
    return rc < 0 ? rc : 0;
}

static int sq_enqueue(st_store *base, const char *digest, const char *ref,
                      bool *created, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int64_t now = now_ms();
    int rc;

    ST_CHECK(take(s, &c, "queueing", digest, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    ST_CHECK(prep(s, c, Q_ENQ_INSERT, &q, err, "tti", digest, ref, now));
    ST_CHECK(run(s, c, q, err));
    *created = sqlite3_changes(c->db) == 1;
    if (!*created) {
        ST_CHECK(prep(s, c, Q_ENQ_REQUEUE, &q, err, "tti", digest, ref, now));
        ST_CHECK(run(s, c, q, err));
    }
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    if (rc < 0)
        *created = false;
    return rc;
}

static int sq_claim(st_store *base, const char *worker, unsigned lease_s,
                    char **digest, char **ref, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc, got = 0;

    ST_CHECK(take(s, &c, "claiming an image for", worker, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    /* The clock is read after the write lock is ours. */
    ST_CHECK(prep(s, c, Q_CLAIM, &q, err, "tii", worker, now_ms(),
                  (int64_t)lease_s * 1000));
    ST_CHECK(got = step(s, c, q, err));
    if (got) {
        ST_CHECK(col(q, 0, digest, err));
        ST_CHECK(col(q, 1, ref, err));
        ST_CHECK(run(s, c, q, err));
    }
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    if (rc < 0) {
        st_free(st_steal(digest));
        st_free(st_steal(ref));
        return rc;
    }
    return got;
}

static int sq_claim_digest(st_store *base, const char *digest,
                           const char *ref, const char *worker,
                           unsigned lease_s, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc, got = 0;

    ST_CHECK(take(s, &c, "claiming", digest, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    ST_CHECK(prep(s, c, Q_CLAIM_DIGEST, &q, err, "tttii", digest, ref,
                  worker, now_ms(), (int64_t)lease_s * 1000));
    ST_CHECK(got = step(s, c, q, err));
    ST_CHECK(run(s, c, q, err));
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    return rc < 0 ? rc : got;
}

/* Why an UPDATE guarded by "state = INDEXING AND worker = ?" changed
 * nothing: the image is unknown, or someone else holds it now. */
static int not_held(sq_store *s, sq_conn *c, const char *digest,
                    const char *worker, st_error **err)
{
    sqlite3_stmt *q;
    char detail[256];
    const unsigned char *holder;
    int rc;

    ST_CHECK(prep(s, c, Q_STATE, &q, err, "t", digest));
    ST_CHECK(step(s, c, q, err));
    if (!rc)
        return fail(s, c, ST_ENOTFOUND, "no such image", err);
    holder = sqlite3_column_text(q, 1);
    snprintf(detail, sizeof(detail),
             "not claimed by %s (the image is %s%s%.100s): its lease was "
             "lost",
             worker, st_image_state_name(sqlite3_column_int(q, 0)),
             holder ? ", by " : "", holder ? (const char *)holder : "");
    rc = fail(s, c, ST_EABORT, detail, err);
done:
    return rc;
}

static int sq_put_index(st_store *base, const char *digest,
                        const char *worker, const st_store_layer *layers,
                        size_t nlayers, const char *const *order,
                        size_t norder, const char *image_json,
                        st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int64_t now = now_ms();
    size_t i;
    int rc;

    ST_CHECK(take(s, &c, "storing the index of", digest, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    ST_CHECK(prep(s, c, Q_INDEXED, &q, err, "ttti", digest, worker,
                  image_json, now));
    ST_CHECK(run(s, c, q, err));
    if (sqlite3_changes(c->db) != 1) {
        rc = not_held(s, c, digest, worker, err);
        goto done;
    }
    for (i = 0; i < nlayers; i++) {
        if (layers[i].inventory_json) {
            ST_CHECK(prep(s, c, Q_LAYER_PUT, &q, err, "tti", layers[i].digest,
                          layers[i].inventory_json, now));
            ST_CHECK(run(s, c, q, err));
            continue;
        }
        ST_CHECK(prep(s, c, Q_LAYER_HAS, &q, err, "t", layers[i].digest));
        ST_CHECK(step(s, c, q, err));
        if (!rc) {
            c->subject = layers[i].digest;
            rc = fail(s, c, ST_ENOTFOUND,
                      "no inventory given and none stored", err);
            goto done;
        }
    }
    ST_CHECK(prep(s, c, Q_IL_DELETE, &q, err, "t", digest));
    ST_CHECK(run(s, c, q, err));
    for (i = 0; i < norder; i++) {
        ST_CHECK(prep(s, c, Q_IL_PUT, &q, err, "tit", digest, (int64_t)i,
                      order[i]));
        ST_CHECK(run(s, c, q, err));
    }
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    return rc < 0 ? rc : 0;
}

static int sq_fail(st_store *base, const char *digest, const char *worker,
                   const char *why, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "marking failed", digest, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    ST_CHECK(prep(s, c, Q_FAIL, &q, err, "ttt", digest, worker, why));
    ST_CHECK(run(s, c, q, err));
    if (sqlite3_changes(c->db) != 1) {
        rc = not_held(s, c, digest, worker, err);
        goto done;
    }
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    return rc;
}

static int sq_has_layer(st_store *base, const char *digest, bool *out,
                        st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "looking up layer", digest, err));
    ST_CHECK(prep(s, c, Q_LAYER_HAS, &q, err, "t", digest));
    ST_CHECK(step(s, c, q, err));
    *out = rc == 1;
    rc = 0;
done:
    give(s, c);
    return rc;
}

static int sq_get(st_store *base, const char *digest, bool want_report,
                  bool want_layers, st_store_image *im, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    st_vec layers = ST_VEC_INIT;
    char *l = NULL;
    size_t i;
    int rc;

    ST_CHECK(take(s, &c, "reading", digest, err));
    /* one read transaction: the row, report and layers of one moment */
    ST_CHECK(exec(s, c, "BEGIN", err));
    ST_CHECK(prep(s, c, Q_GET, &q, err, "t", digest));
    ST_CHECK(step(s, c, q, err));
    if (!rc) {
        rc = fail(s, c, ST_ENOTFOUND, "no such image", err);
        goto done;
    }
    if (!(im->digest = st_strdup(digest))) {
        rc = oom(err);
        goto done;
    }
    im->state = (st_image_state)sqlite3_column_int(q, 1);
    ST_CHECK(col(q, 0, &im->ref, err));
    ST_CHECK(col(q, 2, &im->error, err));
    ST_CHECK(col(q, 3, &im->image_json, err));
    ST_CHECK(col(q, 4, &im->indexed_at, err));
    ST_CHECK(col(q, 5, &im->db_version, err));
    if (want_report) {
        ST_CHECK(prep(s, c, Q_GET_REPORT, &q, err, "t", digest));
        ST_CHECK(step(s, c, q, err));
        if (rc)
            ST_CHECK(col(q, 0, &im->report_json, err));
    }
    if (want_layers) {
        ST_CHECK(prep(s, c, Q_GET_LAYERS, &q, err, "t", digest));
        while ((rc = step(s, c, q, err)) == 1) {
            ST_CHECK(col(q, 0, &l, err));
            if (!l || st_vec_push(&layers, l) < 0) {
                rc = oom(err);
                goto done;
            }
            l = NULL;
        }
        if (rc < 0)
            goto done;
        im->layer_count = layers.len;
        im->layers = (char **)st_steal(&layers.items);
        layers.len = 0;
    }
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    st_free(l);
    for (i = 0; i < layers.len; i++)
        st_free(layers.items[i]);
    st_vec_release(&layers);
    return rc < 0 ? rc : 0;
}

static int sq_get_layer(st_store *base, const char *digest, char **json,
                        st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "reading layer", digest, err));
    ST_CHECK(prep(s, c, Q_GET_LAYER, &q, err, "t", digest));
    ST_CHECK(step(s, c, q, err));
    if (!rc)
        rc = fail(s, c, ST_ENOTFOUND, "no such layer", err);
    else
        rc = col(q, 0, json, err);
done:
    give(s, c);
    return rc;
}

/* Rows of Q_LIST or Q_PAGE into a fresh array. */
static int rows(sq_store *s, sq_conn *c, sqlite3_stmt *q, bool page,
                st_store_image **out, size_t *n, st_error **err)
{
    st_store_image *v = NULL, *im;
    size_t alloc = 0;
    int rc;

    while ((rc = step(s, c, q, err)) == 1) {
        if (*n == alloc) {
            size_t grow = alloc ? 2 * alloc : 64;
            st_store_image *nv = st_realloc(v, grow * sizeof(*v));
            if (!nv) {
                rc = oom(err);
                goto done;
            }
            v = nv;
            alloc = grow;
        }
        im = &v[(*n)++];
        memset(im, 0, sizeof(*im));
        ST_CHECK(col(q, 0, &im->digest, err));
        if (page) {
            im->state = ST_IMG_INDEXED;
            ST_CHECK(col(q, 1, &im->image_json, err));
            ST_CHECK(col(q, 2, &im->db_version, err));
        } else {
            ST_CHECK(col(q, 1, &im->ref, err));
            im->state = (st_image_state)sqlite3_column_int(q, 2);
            ST_CHECK(col(q, 3, &im->error, err));
            ST_CHECK(col(q, 4, &im->indexed_at, err));
            ST_CHECK(col(q, 5, &im->db_version, err));
        }
    }
done:
    if (rc < 0) {
        st_store_list_free(v, *n);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

static int sq_list(st_store *base, size_t offset, size_t limit,
                   st_store_image **out, size_t *n, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    if (limit > INT64_MAX)
        limit = INT64_MAX;
    if (offset > INT64_MAX)
        offset = INT64_MAX;
    ST_CHECK(take(s, &c, "listing images", NULL, err));
    ST_CHECK(prep(s, c, Q_LIST, &q, err, "ii", (int64_t)limit,
                  (int64_t)offset));
    rc = rows(s, c, q, false, out, n, err);
done:
    give(s, c);
    return rc;
}

static int sq_indexed_page(st_store *base, const char *after, size_t max,
                           st_store_image **out, size_t *n, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "listing indexed images", NULL, err));
    ST_CHECK(prep(s, c, Q_PAGE, &q, err, "ti", after ? after : "",
                  (int64_t)max));
    rc = rows(s, c, q, true, out, n, err);
done:
    give(s, c);
    return rc;
}

/* Whether the image exists (ST_ENOTFOUND) and has a report. */
static int report_state(sq_store *s, sq_conn *c, const char *digest,
                        bool *has, st_error **err)
{
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(prep(s, c, Q_REPORT_STATE, &q, err, "t", digest));
    ST_CHECK(step(s, c, q, err));
    if (!rc)
        return fail(s, c, ST_ENOTFOUND, "no such image", err);
    *has = sqlite3_column_int(q, 0) != 0;
    sqlite3_reset(q);
    rc = 0;
done:
    return rc;
}

static int read_keys(sq_store *s, sq_conn *c, const char *digest,
                     st_vec *keys, st_error **err)
{
    sqlite3_stmt *q;
    char *k = NULL;
    int rc;

    ST_CHECK(prep(s, c, Q_KEYS, &q, err, "t", digest));
    while ((rc = step(s, c, q, err)) == 1) {
        ST_CHECK(col(q, 0, &k, err));
        if (!k || st_vec_push(keys, k) < 0) {
            st_free(k);
            return oom(err);
        }
    }
done:
    return rc;
}

static void free_keys(st_vec *v)
{
    size_t i;
    for (i = 0; i < v->len; i++)
        st_free(v->items[i]);
    st_vec_release(v);
}

/* Copies of keys[0..n) into *out. */
static int copy_keys(const char *const *keys, size_t n, char ***out,
                     size_t *nout, st_error **err)
{
    size_t i;
    if (!n)
        return 0;
    if (!(*out = st_calloc(n, sizeof(**out))))
        return oom(err);
    for (i = 0; i < n; i++) {
        if (!((*out)[i] = st_strdup(keys[i]))) {
            while (i)
                st_free((*out)[--i]);
            st_free(st_steal(out));
            return oom(err);
        }
    }
    *nout = n;
    return 0;
}

static int sq_put_report(st_store *base, const char *digest,
                         const char *report_json, const char *db_version,
                         const char *const *keys, size_t nkeys,
                         bool first_is_baseline, char ***new_keys,
                         size_t *n_new, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    st_vec old = ST_VEC_INIT;
    const char **added = NULL, **removed = NULL;
    size_t nadded = 0, nremoved = 0, i;
    bool had = false;
    int rc;

    ST_CHECK(take(s, &c, "storing the report of", digest, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    ST_CHECK(report_state(s, c, digest, &had, err));
    ST_CHECK(read_keys(s, c, digest, &old, err));
    ST_CHECK(prep(s, c, Q_REPORT_PUT, &q, err, "ttti", digest, db_version,
                  report_json, now_ms()));
    ST_CHECK(run(s, c, q, err));
    if (st_store__key_diff((const char **)old.items, old.len, keys, nkeys,
                           &added, &nadded, &removed, &nremoved) < 0) {
        rc = oom(err);
        goto done;
    }
    for (i = 0; i < nremoved; i++) {
        ST_CHECK(prep(s, c, Q_KEY_DEL, &q, err, "tt", digest, removed[i]));
        ST_CHECK(run(s, c, q, err));
    }
    for (i = 0; i < nadded; i++) {
        ST_CHECK(prep(s, c, Q_KEY_PUT, &q, err, "tt", digest, added[i]));
        ST_CHECK(run(s, c, q, err));
    }
    if (had || !first_is_baseline)
        ST_CHECK(copy_keys(added, nadded, new_keys, n_new, err));
    if ((rc = exec(s, c, "COMMIT", err)) < 0) {
        for (i = 0; i < *n_new; i++)
            st_free((*new_keys)[i]);
        st_free(st_steal(new_keys));
        *n_new = 0;
    }
done:
    give(s, c);
    free_keys(&old);
    st_free(added);
    st_free(removed);
    return rc < 0 ? rc : 0;
}

static int sq_report_keys(st_store *base, const char *digest, char ***keys,
                          size_t *n, st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    st_vec v = ST_VEC_INIT;
    bool has = false;
    int rc;

    ST_CHECK(take(s, &c, "reading the finding keys of", digest, err));
    ST_CHECK(exec(s, c, "BEGIN", err));
    ST_CHECK(report_state(s, c, digest, &has, err));
    if (!has) {
        rc = fail(s, c, ST_ENOTFOUND, "no report stored", err);
        goto done;
    }
    ST_CHECK(read_keys(s, c, digest, &v, err));
    ST_CHECK(exec(s, c, "COMMIT", err));
    *n = v.len;
    *keys = (char **)st_steal(&v.items);
    v.len = 0;
done:
    give(s, c);
    free_keys(&v);
    return rc < 0 ? rc : 0;
}

static int sq_meta_get(st_store *base, const char *key, char **value,
                       st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "reading meta", key, err));
    ST_CHECK(prep(s, c, Q_META_GET, &q, err, "t", key));
    ST_CHECK(step(s, c, q, err));
    rc = rc ? col(q, 0, value, err) : 0;
done:
    give(s, c);
    return rc;
}

static int sq_meta_set(st_store *base, const char *key, const char *value,
                       st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc;

    ST_CHECK(take(s, &c, "writing meta", key, err));
    ST_CHECK(exec(s, c, "BEGIN IMMEDIATE", err));
    ST_CHECK(prep(s, c, Q_META_SET, &q, err, "tt", key, value));
    ST_CHECK(run(s, c, q, err));
    ST_CHECK(exec(s, c, "COMMIT", err));
done:
    give(s, c);
    return rc;
}

static int sq_counts(st_store *base, uint64_t counts[4], st_error **err)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = NULL;
    sqlite3_stmt *q;
    int rc, st;

    ST_CHECK(take(s, &c, "counting images", NULL, err));
    ST_CHECK(prep(s, c, Q_COUNTS, &q, err, ""));
    while ((rc = step(s, c, q, err)) == 1) {
        st = sqlite3_column_int(q, 0);
        if (st >= 0 && st < 4)
            counts[st] = (uint64_t)sqlite3_column_int64(q, 1);
    }
done:
    give(s, c);
    return rc;
}

static const st_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .enqueue = sq_enqueue,
    .claim = sq_claim,
    .claim_digest = sq_claim_digest,
    .put_index = sq_put_index,
    .fail = sq_fail,
    .has_layer = sq_has_layer,
    .get = sq_get,
    .get_layer = sq_get_layer,
    .list = sq_list,
    .indexed_page = sq_indexed_page,
    .put_report = sq_put_report,
    .report_keys = sq_report_keys,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .counts = sq_counts,
};

int st_store__sqlite_open(st_store **out, const char *target,
                          const char *shown, unsigned pool, st_error **err)
{
    sq_store *s = st_calloc(1, sizeof(*s));
    sq_conn *c = NULL;
    int fd, rc = 0;

    if (!s || !(s->path = st_strdup(target)) ||
        !(s->base.shown = st_strdup(shown)) ||
        !(s->conns = st_calloc(pool, sizeof(*s->conns))) ||
        st_store__pool_init(&s->pool, pool) < 0) {
        rc = oom(err);
        goto done;
    }
    s->base.ops = &sqlite_ops;
    /* Created private before SQLite sees it: the -wal and -shm files take
     * the database file's mode. */
    if ((fd = open(target, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        rc = st_error_set(err, ST_EIO, "store", "sqlite %s: opening: %s",
                          shown, strerror(errno));
        goto done;
    }
    close(fd);
    ST_CHECK(take(s, &c, "migrating the schema", NULL, err));
    rc = migrate(s, c, err);
    give(s, c);
done:
    if (rc < 0 && s) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
