/* The registry audit's state DB (state.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "registry/state.h"
#include "util/banned.h"

struct st_regstate {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *get;
    sqlite3_stmt *put;
    sqlite3_stmt *audit;
};

static const char schema[] =
    "CREATE TABLE tags ("
    " registry TEXT NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL,"
    " digest TEXT NOT NULL, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " PRIMARY KEY (registry, repository, tag)) WITHOUT ROWID;"
    "CREATE TABLE audits ("
    " registry TEXT PRIMARY KEY, first_audit INTEGER NOT NULL,"
    " last_audit INTEGER NOT NULL) WITHOUT ROWID;"
    "PRAGMA user_version = 1;";

static int dberr(st_error **err, const st_regstate *s, const char *what)
{
    return st_error_set(err, ST_EIO, "registry", "%s: %s: %s", s->path, what,
                        s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

static int user_version(st_regstate *s, int *out, st_error **err)
{
    sqlite3_stmt *q = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) !=
            SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW)
        rc = dberr(err, s, "reading the schema version");
    else
        *out = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return rc;
}

/* Creates the schema of an empty file; a file holding other tables is not
 * ours. Runs in a write transaction so that two audits starting at once
 * do not both create it. */
static int init_schema(st_regstate *s, st_error **err)
{
    sqlite3_stmt *q = NULL;
    int ver = 0, rc = 0, tables = 0;

    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return dberr(err, s, "locking");
    ST_CHECK(user_version(s, &ver, err));
    if (ver == 0) {
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master",
                               -1, &q, NULL) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW) {
            rc = dberr(err, s, "reading the schema");
            goto done;
        }
        tables = sqlite3_column_int(q, 0);
        if (tables) {
            rc = st_error_set(err, ST_EINVALID, "registry",
                              "%s: not a strata registry state DB", s->path);
            goto done;
        }
        if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
            rc = dberr(err, s, "creating the schema");
            goto done;
        }
    } else if (ver > ST_REGSTATE_SCHEMA) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "registry",
                          "%s: state DB schema %d is newer than this "
                          "strata's (%d)",
                          s->path, ver, ST_REGSTATE_SCHEMA);
        goto done;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = dberr(err, s, "creating the schema");
done:
    sqlite3_finalize(q);
    if (rc < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int st_regstate_open(st_regstate **out, const char *path, st_error **err)
{
    st_regstate *s = st_calloc(1, sizeof(*s));
    sqlite3_stmt *q = NULL;
    int fd, rc = 0;

    *out = NULL;
    if (!s || !(s->path = st_strdup(path))) {
        rc = st_error_set(err, ST_ENOMEM, "registry", "out of memory");
        goto done;
    }
    /* Created private before SQLite sees it: the -wal and -shm files take
     * the DB file's mode. */
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        rc = st_error_set(err, ST_EIO, "registry", "%s: %s", path,
                          strerror(errno));
        goto done;
    }
    close(fd);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) !=
        SQLITE_OK) {
        rc = dberr(err, s, "open");
        goto done;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &q,
                           NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        if (sqlite3_errcode(s->db) == SQLITE_NOTADB)
            rc = st_error_set(err, ST_EINVALID, "registry",
                              "%s: not a strata registry state DB", path);
        else
            rc = dberr(err, s, "setting the WAL journal");
        goto done;
    }
    sqlite3_finalize(q);
    q = NULL;
    ST_CHECK(init_schema(s, err));
    if (sqlite3_prepare_v2(s->db,
                           "SELECT digest, first_seen, last_seen FROM tags"
                           " WHERE registry = ?1 AND repository = ?2"
                           " AND tag = ?3",
                           -1, &s->get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            s->db,
            "INSERT INTO tags VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
            " ON CONFLICT (registry, repository, tag) DO UPDATE SET"
            " first_seen = CASE WHEN digest = excluded.digest"
            "  THEN first_seen ELSE excluded.first_seen END,"
            " digest = excluded.digest, last_seen = excluded.last_seen",
            -1, &s->put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO audits VALUES (?1, ?2, ?2)"
                           " ON CONFLICT (registry) DO UPDATE SET"
                           " last_audit = excluded.last_audit",
                           -1, &s->audit, NULL) != SQLITE_OK) {
        rc = dberr(err, s, "prepare");
        goto done;
    }
    *out = s;
    s = NULL;
done:
    sqlite3_finalize(q);
    st_regstate_close(s);
    return rc;
}

void st_regstate_close(st_regstate *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->get);
    sqlite3_finalize(s->put);
    sqlite3_finalize(s->audit);
    sqlite3_close(s->db);
    st_free(s->path);
    st_free(s);
}

int st_regstate_get(st_regstate *s, const char *registry,
                    const char *repository, const char *tag, st_arena *arena,
                    st_regstate_tag *out, bool *found, st_error **err)
{
    int rc = 0, step;

    memset(out, 0, sizeof(*out));
    *found = false;
    sqlite3_bind_text(s->get, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->get, 2, repository, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->get, 3, tag, -1, SQLITE_STATIC);
    step = sqlite3_step(s->get);
    if (step == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(s->get, 0);
        out->repository = st_arena_strdup(arena, repository);
        out->tag = st_arena_strdup(arena, tag);
        out->digest = st_arena_strdup(arena, d ? d : "");
        out->first_seen = sqlite3_column_int64(s->get, 1);
        out->last_seen = sqlite3_column_int64(s->get, 2);
        if (!out->repository || !out->tag || !out->digest)
            rc = st_error_set(err, ST_ENOMEM, "registry", "out of memory");
        else
            *found = true;
    } else if (step != SQLITE_DONE) {
        rc = dberr(err, s, "reading a tag");
    }
    sqlite3_reset(s->get);
    sqlite3_clear_bindings(s->get);
    return rc;
}

int st_regstate_last_audit(st_regstate *s, const char *registry,
                           int64_t *when_out, size_t *tags_out,
                           st_error **err)
{
    sqlite3_stmt *q = NULL;
    int rc = 0;

    *when_out = 0;
    *tags_out = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT last_audit FROM audits"
                           "  WHERE registry = ?1),"
                           " (SELECT count(*) FROM tags WHERE registry = ?1)",
                           -1, &q, NULL) != SQLITE_OK) {
        rc = dberr(err, s, "prepare");
        goto done;
    }
    sqlite3_bind_text(q, 1, registry, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = dberr(err, s, "reading the last audit");
        goto done;
    }
    *when_out = sqlite3_column_int64(q, 0);
    *tags_out = (size_t)sqlite3_column_int64(q, 1);
done:
    sqlite3_finalize(q);
    return rc;
}

static int step_reset(sqlite3_stmt *q)
{
    int r = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return r;
}

int st_regstate_record(st_regstate *s, const char *registry,
                       const st_regstate_tag *tags, size_t n, int64_t now,
                       st_error **err)
{
    int rc = 0;

    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return dberr(err, s, "locking");
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(s->put, 1, registry, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->put, 2, tags[i].repository, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->put, 3, tags[i].tag, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->put, 4, tags[i].digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->put, 5, now);
        if (step_reset(s->put) != SQLITE_DONE) {
            rc = st_error_set(err, ST_EIO, "registry",
                              "%s: storing %s/%s:%s: %s", s->path, registry,
                              tags[i].repository ? tags[i].repository : "",
                              tags[i].tag ? tags[i].tag : "",
                              sqlite3_errmsg(s->db));
            goto done;
        }
    }
    sqlite3_bind_text(s->audit, 1, registry, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->audit, 2, now);
    if (step_reset(s->audit) != SQLITE_DONE) {
        rc = dberr(err, s, "storing the audit");
        goto done;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = dberr(err, s, "commit");
done:
    if (rc < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
