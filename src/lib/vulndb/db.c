/* Opening the DB, its status, and what every part of it shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vulndb_int.h"
#include "util/banned.h"

static const char *const default_ecosystems[] = {
    "Debian", "Ubuntu", "Alpine", "Rocky Linux", "AlmaLinux",
    "PyPI", "npm", "Go", "Maven", "RubyGems", "NuGet", "Packagist",
    "crates.io", NULL,
};

const char *const *st_vulndb_default_ecosystems(void)
{
    return default_ecosystems;
}

char *st_vulndb_default_dir(void)
{
    const char *e = getenv("STRATA_DB");
    st_buf b = ST_BUF_INIT(4096);

    if (e && *e)
        return st_strdup(e);
    if ((e = getenv("XDG_CACHE_HOME")) && *e)
        st_buf_printf(&b, "%s/strata", e);
    else if ((e = getenv("HOME")) && *e)
        st_buf_printf(&b, "%s/.cache/strata", e);
    else
        st_buf_puts(&b, ".strata-cache");
    return st_buf_detach(&b, NULL);
}

int st_vulndb__path(st_buf *b, const char *dir, const char *file)
{
    st_buf_reset(b);
    return st_buf_printf(b, "%s/%s", dir, file);
}

int st_vulndb__sqlite_error(st_error **err, sqlite3 *db, const char *path,
                            const char *what)
{
    return st_error_set(err, ST_EIO, "vulndb", "%s: %s: %s", path, what,
                        db ? sqlite3_errmsg(db) : "cannot open");
}

void st_vulndb__rfc3339(char out[32], int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int st_vulndb__normalize_name(st_buf *b, const char *ecosystem,
                              const char *name)
{
    st_buf_reset(b);
    if (strcmp(ecosystem, "PyPI"))
        return st_buf_puts(b, name);
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (c == '-' || c == '_' || c == '.') {
            if (b->len && b->ptr[b->len - 1] == '-')
                continue;
            c = '-';
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (st_buf_putc(b, c) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

bool st_vulndb__scheme(const char *eco, st_version_scheme *out)
{
    static const struct {
        const char *prefix;
        st_version_scheme s;
    } map[] = {
        {"Debian", ST_VER_DEB},      {"Ubuntu", ST_VER_DEB},
        {"Alpine", ST_VER_APK},      {"Wolfi", ST_VER_APK},
        {"Chainguard", ST_VER_APK},  {"Rocky Linux", ST_VER_RPM},
        {"AlmaLinux", ST_VER_RPM},   {"Red Hat", ST_VER_RPM},
        {"openSUSE", ST_VER_RPM},    {"SUSE", ST_VER_RPM},
        {"Mageia", ST_VER_RPM},      {"PyPI", ST_VER_PYPI},
        {"npm", ST_VER_NPM},         {"Go", ST_VER_GO},
        {"Maven", ST_VER_MAVEN},     {"RubyGems", ST_VER_GEM},
        {"NuGet", ST_VER_NUGET},     {"Packagist", ST_VER_COMPOSER},
        {"crates.io", ST_VER_SEMVER}, {"Hex", ST_VER_SEMVER},
        {"Pub", ST_VER_SEMVER},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        size_t n = strlen(map[i].prefix);
        if (!strncmp(eco, map[i].prefix, n) && (eco[n] == 0 || eco[n] == ':')) {
            *out = map[i].s;
            return true;
        }
    }
    return false;
}

int st_vulndb_open(st_vulndb **out, const char *dir, st_error **err)
{
    st_vulndb *db = st_calloc(1, sizeof(*db));
    st_buf b = ST_BUF_INIT(8192);
    struct stat st;
    int rc = 0;

    *out = NULL;
    if (!db || !(db->arena = st_arena_new()) || !(db->dir = st_strdup(dir)) ||
        st_vulndb__path(&b, dir, ST_VULNDB_FILE) < 0) {
        rc = st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
        goto done;
    }
    db->path = st_buf_detach(&b, NULL);
    if (!db->path || stat(db->path, &st) < 0) {
        rc = st_error_set(err, ST_ENOTFOUND, "vulndb",
                          "no vulnerability DB in %s: run 'strata db update' "
                          "(or 'strata db update --from DIR' offline)",
                          dir);
        goto done;
    }
    /* Read-only and immutable: updates replace the file, never edit it. */
    st_buf_printf(&b, "file:%s?mode=ro&immutable=1", db->path);
    if (sqlite3_open_v2(b.ptr, &db->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                        NULL) != SQLITE_OK) {
        rc = st_vulndb__sqlite_error(err, db->db, db->path, "open");
        goto done;
    }
    {
        sqlite3_stmt *s = NULL;
        int ver = -1;
        if (sqlite3_prepare_v2(db->db,
                               "SELECT value FROM meta WHERE key='schema'",
                               -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            ver = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        if (ver != ST_VULNDB_SCHEMA) {
            rc = st_error_set(err, ST_EINVALID, "vulndb",
                              "%s: not a strata vulnerability DB of schema "
                              "%d (found %d): run 'strata db update'",
                              db->path, ST_VULNDB_SCHEMA, ver);
            goto done;
        }
    }
    if (sqlite3_prepare_v2(
            db->db,
            "SELECT a.osv_id, a.summary, a.details, a.published, a.modified,"
            " a.withdrawn, a.aliases, a.related, a.severity, a.refs,"
            " a.db_specific, f.ranges, f.versions, f.eco_specific,"
            " f.db_specific FROM affected f JOIN advisories a"
            " ON a.id = f.advisory WHERE f.ecosystem = ?1 AND f.name = ?2",
            -1, &db->lookup, NULL) != SQLITE_OK) {
        rc = st_vulndb__sqlite_error(err, db->db, db->path, "prepare");
        goto done;
    }
    *out = db;
    db = NULL;
done:
    st_buf_release(&b);
    st_vulndb_close(db);
    return rc;
}

void st_vulndb_close(st_vulndb *db)
{
    if (!db)
        return;
    sqlite3_finalize(db->lookup);
    sqlite3_close(db->db);
    st_free(db->dir);
    st_free(db->path);
    st_arena_free(db->arena);
    st_free(db);
}

static const char *col(st_vulndb *db, sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? st_arena_strdup(db->arena, (const char *)t) : NULL;
}

int st_vulndb_get_status(const st_vulndb_status **out, st_vulndb *db,
                         st_error **err)
{
    st_vulndb_status *s = &db->status;
    sqlite3_stmt *q = NULL;
    st_vec v = ST_VEC_INIT;
    int rc = 0;

    *out = NULL;
    if (db->have_status) {
        *out = s;
        return 0;
    }
    s->path = db->path;
    s->schema_version = ST_VULNDB_SCHEMA;
    if (sqlite3_prepare_v2(db->db, "SELECT key, value FROM meta", -1, &q,
                           NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        if (k && !strcmp(k, "built_at"))
            s->built_at = col(db, q, 1);
        else if (k && !strcmp(k, "built_epoch"))
            s->age_seconds = (int64_t)time(NULL) - sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT (SELECT count(*) FROM advisories),"
                           " (SELECT count(*) FROM advisories WHERE withdrawn"
                           " IS NOT NULL), (SELECT count(*) FROM bad)",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW)
        goto sqlfail;
    s->advisories = (uint64_t)sqlite3_column_int64(q, 0);
    s->withdrawn = (uint64_t)sqlite3_column_int64(q, 1);
    s->bad = (uint64_t)sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    q = NULL;

    if (sqlite3_prepare_v2(db->db,
                           "SELECT name, origin, imported_at, last_modified,"
                           " etag, sha256, advisories, bad FROM sources"
                           " ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(q) == SQLITE_ROW) {
        st_vulndb_source_info *i = st_arena_alloc(db->arena, sizeof(*i));
        if (!i || st_vec_push(&v, i) < 0)
            goto oom;
        i->name = col(db, q, 0);
        i->origin = col(db, q, 1);
        i->imported_at = col(db, q, 2);
        i->last_modified = col(db, q, 3);
        i->etag = col(db, q, 4);
        i->sha256 = col(db, q, 5);
        i->advisories = (uint64_t)sqlite3_column_int64(q, 6);
        i->bad = (uint64_t)sqlite3_column_int64(q, 7);
    }
    sqlite3_finalize(q);
    q = NULL;
    {
        st_vulndb_source_info *a =
            st_arena_alloc(db->arena, (v.len + 1) * sizeof(*a));
        if (!a)
            goto oom;
        for (size_t i = 0; i < v.len; i++)
            a[i] = *(st_vulndb_source_info *)v.items[i];
        s->sources = a;
        s->source_count = v.len;
    }
    v.len = 0;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT ecosystem, count(DISTINCT advisory),"
                           " count(DISTINCT name) FROM affected"
                           " GROUP BY ecosystem ORDER BY ecosystem",
                           -1, &q, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(q) == SQLITE_ROW) {
        st_vulndb_ecosystem_info *i = st_arena_alloc(db->arena, sizeof(*i));
        if (!i || st_vec_push(&v, i) < 0)
            goto oom;
        i->ecosystem = col(db, q, 0);
        i->advisories = (uint64_t)sqlite3_column_int64(q, 1);
        i->packages = (uint64_t)sqlite3_column_int64(q, 2);
    }
    {
        st_vulndb_ecosystem_info *a =
            st_arena_alloc(db->arena, (v.len + 1) * sizeof(*a));
        if (!a)
            goto oom;
        for (size_t i = 0; i < v.len; i++)
            a[i] = *(st_vulndb_ecosystem_info *)v.items[i];
        s->ecosystems = a;
        s->ecosystem_count = v.len;
    }
    db->have_status = true;
    *out = s;
    goto done;
sqlfail:
    rc = st_vulndb__sqlite_error(err, db->db, db->path, "status");
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
done:
    sqlite3_finalize(q);
    st_vec_release(&v);
    return rc;
}
