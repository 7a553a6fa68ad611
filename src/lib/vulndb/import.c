/* Importing OSV advisories (JSON files, directories, all.zip archives)
 * into a new SQLite file that replaces the live DB only when complete. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "vulndb_int.h"
#include "util/json.h"
#include "util/banned.h"

#define MAX_RECORD (16u << 20)      /* one advisory */
#define MAX_TOTAL (16ull << 30)     /* everything uncompressed */
#define MAX_ENTRIES 5000000u        /* records per source */
#define MAX_BAD_ROWS 1000           /* bad entries kept in the DB */
#define MAX_DEPTH 16                /* directory recursion */

struct known {
    int64_t row;
    char *modified;
};

struct import {
    sqlite3 *db;
    const char *dir;
    sqlite3 *live; /* the DB being replaced: validators of past downloads */
    const char *path; /* the new DB file */
    const st_vulndb_update_options *opts;
    st_vulndb_update_stats stats;
    sqlite3_stmt *ins_adv, *ins_aff, *ins_bad, *ins_src, *del_aff, *del_adv,
        *upd_src;
    st_map *ids; /* osv id -> struct known */
    st_arena *arena;
    st_buf name;
    int64_t source; /* current source row */
    uint64_t src_advisories, src_bad;
    uint64_t total;
};

static void logf_(struct import *im, const char *fmt, ...) ST_PRINTF(2, 3);
static void logf_(struct import *im, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!im->opts->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    im->opts->log(im->opts->log_payload, line);
}

static int sqlfail(struct import *im, st_error **err, const char *what)
{
    return st_vulndb__sqlite_error(err, im->db, im->path, what);
}

static int exec(struct import *im, const char *sql, st_error **err)
{
    char *msg = NULL;
    if (sqlite3_exec(im->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = st_error_set(err, ST_EIO, "vulndb", "%s: %s", im->path,
                              msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static const char schema[] =
    "PRAGMA page_size=8192;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE sources(id INTEGER PRIMARY KEY, name TEXT, origin TEXT,"
    " imported_at TEXT, last_modified TEXT, etag TEXT, sha256 TEXT,"
    " advisories INTEGER DEFAULT 0, bad INTEGER DEFAULT 0);"
    "CREATE TABLE advisories(id INTEGER PRIMARY KEY, osv_id TEXT NOT NULL,"
    " source INTEGER, file TEXT, summary TEXT, details TEXT, published TEXT,"
    " modified TEXT, withdrawn TEXT, aliases TEXT, related TEXT,"
    " severity TEXT, refs TEXT, db_specific TEXT);"
    "CREATE TABLE affected(advisory INTEGER NOT NULL, ecosystem TEXT NOT NULL,"
    " name TEXT NOT NULL, purl TEXT, ranges TEXT, versions TEXT,"
    " eco_specific TEXT, db_specific TEXT);"
    "CREATE TABLE bad(source INTEGER, file TEXT, error TEXT);";

static int prepare(struct import *im, st_error **err)
{
    static const struct {
        size_t off;
        const char *sql;
    } st[] = {
        {offsetof(struct import, ins_adv),
         "INSERT INTO advisories(osv_id, source, file, summary, details,"
         " published, modified, withdrawn, aliases, related, severity, refs,"
         " db_specific) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"},
        {offsetof(struct import, ins_aff),
         "INSERT INTO affected VALUES(?,?,?,?,?,?,?,?)"},
        {offsetof(struct import, ins_bad), "INSERT INTO bad VALUES(?,?,?)"},
        {offsetof(struct import, ins_src),
         "INSERT INTO sources(name, origin, imported_at, last_modified, etag,"
         " sha256) VALUES(?,?,?,?,?,?)"},
        {offsetof(struct import, del_aff),
         "DELETE FROM affected WHERE advisory = ?"},
        {offsetof(struct import, del_adv),
         "DELETE FROM advisories WHERE id = ?"},
        {offsetof(struct import, upd_src),
         "UPDATE sources SET advisories = ?, bad = ? WHERE id = ?"},
    };
    for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
        if (sqlite3_prepare_v2(im->db, st[i].sql, -1,
                               (sqlite3_stmt **)((char *)im + st[i].off),
                               NULL) != SQLITE_OK)
            return sqlfail(im, err, "prepare");
    return 0;
}

/* ---- one advisory ---------------------------------------------------- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

/* Binds a JSON value as compact text (NULL when absent or null). */
static void bind_json(sqlite3_stmt *s, int i, const json_t *v)
{
    char *t;
    if (!v || json_is_null(v)) {
        sqlite3_bind_null(s, i);
        return;
    }
    t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (t)
        sqlite3_bind_text(s, i, t, -1, free);
    else
        sqlite3_bind_null(s, i);
}

static int bad(struct import *im, const char *file, const char *why,
               st_error **err)
{
    im->stats.bad++;
    im->src_bad++;
    logf_(im, "skipped %s: %s", file, why);
    if (im->stats.bad > MAX_BAD_ROWS)
        return 0;
    sqlite3_reset(im->ins_bad);
    sqlite3_bind_int64(im->ins_bad, 1, im->source);
    bind_text(im->ins_bad, 2, file);
    bind_text(im->ins_bad, 3, why);
    if (sqlite3_step(im->ins_bad) != SQLITE_DONE)
        return sqlfail(im, err, "insert");
    return 0;
}

static bool all_strings(const json_t *a)
{
    size_t i;
    json_t *v;
    if (!a)
        return true;
    if (!json_is_array(a))
        return false;
    json_array_foreach(a, i, v) if (!json_is_string(v)) return false;
    return true;
}

/* Keeps one copy of each advisory id: the most recently modified. Returns
 * 1 when the record should be skipped, 0 to insert (after deleting an
 * older copy), <0 on error. */
static int dedupe(struct import *im, const char *id, const char *modified,
                  st_error **err)
{
    void **slot;
    bool created;
    struct known *k;

    if (st_map_slot(im->ids, id, strlen(id), &slot, &created) < 0)
        return st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
    if (created)
        return 0;
    k = *slot;
    if (strcmp(modified ? modified : "", k->modified ? k->modified : "") <= 0)
        return 1;
    sqlite3_reset(im->del_aff);
    sqlite3_bind_int64(im->del_aff, 1, k->row);
    sqlite3_reset(im->del_adv);
    sqlite3_bind_int64(im->del_adv, 1, k->row);
    if (sqlite3_step(im->del_aff) != SQLITE_DONE ||
        sqlite3_step(im->del_adv) != SQLITE_DONE)
        return sqlfail(im, err, "delete");
    im->stats.advisories--;
    return 0;
}

static int remember(struct import *im, const char *id, const char *modified,
                    int64_t row)
{
    void **slot;
    bool created;
    struct known *k = st_arena_alloc(im->arena, sizeof(*k));
    if (!k || st_map_slot(im->ids, id, strlen(id), &slot, &created) < 0)
        return ST_ENOMEM;
    k->row = row;
    k->modified = modified ? st_arena_strdup(im->arena, modified) : NULL;
    *slot = k;
    return 0;
}

static int import_record(struct import *im, const char *file,
                         const char *data, size_t len, st_error **err)
{
    json_t *r = NULL, *affected, *a;
    json_error_t je;
    const char *id, *modified, *withdrawn;
    char why[300];
    int64_t row;
    size_t i;
    int rc = 0;

    r = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!r) {
        snprintf(why, sizeof(why), "line %d column %d: %s", je.line,
                 je.column, je.text);
        return bad(im, file, why, err);
    }
    id = st_json_str(r, "id");
    modified = st_json_str(r, "modified");
    withdrawn = st_json_str(r, "withdrawn");
    affected = json_object_get(r, "affected");
    if (!json_is_object(r) || !id || !*id || strlen(id) > 256) {
        rc = bad(im, file, "no \"id\"", err);
        goto done;
    }
    if (affected && !json_is_array(affected)) {
        rc = bad(im, file, "\"affected\" is not an array", err);
        goto done;
    }
    if (!all_strings(json_object_get(r, "aliases")) ||
        !all_strings(json_object_get(r, "related"))) {
        rc = bad(im, file, "\"aliases\"/\"related\" must be string arrays",
                 err);
        goto done;
    }
    if ((rc = dedupe(im, id, modified, err)) != 0) {
        rc = rc > 0 ? 0 : rc;
        goto done;
    }
    sqlite3_reset(im->ins_adv);
    bind_text(im->ins_adv, 1, id);
    sqlite3_bind_int64(im->ins_adv, 2, im->source);
    bind_text(im->ins_adv, 3, file);
    bind_text(im->ins_adv, 4, st_json_str(r, "summary"));
    bind_text(im->ins_adv, 5, st_json_str(r, "details"));
    bind_text(im->ins_adv, 6, st_json_str(r, "published"));
    bind_text(im->ins_adv, 7, modified);
    bind_text(im->ins_adv, 8, withdrawn);
    bind_json(im->ins_adv, 9, json_object_get(r, "aliases"));
    bind_json(im->ins_adv, 10, json_object_get(r, "related"));
    bind_json(im->ins_adv, 11, json_object_get(r, "severity"));
    bind_json(im->ins_adv, 12, json_object_get(r, "references"));
    bind_json(im->ins_adv, 13, json_object_get(r, "database_specific"));
    if (sqlite3_step(im->ins_adv) != SQLITE_DONE) {
        rc = sqlfail(im, err, "insert");
        goto done;
    }
    row = sqlite3_last_insert_rowid(im->db);
    if (remember(im, id, modified, row) < 0) {
        rc = st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
        goto done;
    }
    im->stats.advisories++;
    im->src_advisories++;
    if (withdrawn)
        im->stats.withdrawn++;
    json_array_foreach(affected, i, a)
    {
        json_t *pkg = st_json_obj(a, "package");
        const char *eco = st_json_str(pkg, "ecosystem");
        const char *name = st_json_str(pkg, "name");
        json_t *ranges = json_object_get(a, "ranges");
        json_t *versions = json_object_get(a, "versions");

        if (!eco || !name || !*eco || !*name) {
            snprintf(why, sizeof(why), "%s: affected[%zu] has no package "
                     "ecosystem/name", id, i);
            if ((rc = bad(im, file, why, err)) < 0)
                goto done;
            continue;
        }
        if ((ranges && !json_is_array(ranges)) ||
            !all_strings(versions)) {
            snprintf(why, sizeof(why), "%s: affected[%zu] has malformed "
                     "ranges or versions", id, i);
            if ((rc = bad(im, file, why, err)) < 0)
                goto done;
            continue;
        }
        if (st_vulndb__normalize_name(&im->name, eco, name) < 0) {
            rc = st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
            goto done;
        }
        sqlite3_reset(im->ins_aff);
        sqlite3_bind_int64(im->ins_aff, 1, row);
        bind_text(im->ins_aff, 2, eco);
        bind_text(im->ins_aff, 3, im->name.ptr);
        bind_text(im->ins_aff, 4, st_json_str(pkg, "purl"));
        bind_json(im->ins_aff, 5, ranges);
        bind_json(im->ins_aff, 6, versions);
        bind_json(im->ins_aff, 7, json_object_get(a, "ecosystem_specific"));
        bind_json(im->ins_aff, 8, json_object_get(a, "database_specific"));
        if (sqlite3_step(im->ins_aff) != SQLITE_DONE) {
            rc = sqlfail(im, err, "insert");
            goto done;
        }
        im->stats.affected++;
    }
done:
    json_decref(r);
    return rc;
}

/* ---- sources ----------------------------------------------------------- */

static int begin_source(struct import *im, const char *name,
                        const char *origin, const char *last_modified,
                        const char *etag, const char *sha256, st_error **err)
{
    char now[32];
    st_vulndb__rfc3339(now, (int64_t)time(NULL));
    sqlite3_reset(im->ins_src);
    bind_text(im->ins_src, 1, name);
    bind_text(im->ins_src, 2, origin);
    bind_text(im->ins_src, 3, now);
    bind_text(im->ins_src, 4, last_modified);
    bind_text(im->ins_src, 5, etag);
    bind_text(im->ins_src, 6, sha256);
    if (sqlite3_step(im->ins_src) != SQLITE_DONE)
        return sqlfail(im, err, "insert");
    im->source = sqlite3_last_insert_rowid(im->db);
    im->src_advisories = im->src_bad = 0;
    im->stats.sources++;
    return 0;
}

static int end_source(struct import *im, st_error **err)
{
    sqlite3_reset(im->upd_src);
    sqlite3_bind_int64(im->upd_src, 1, (sqlite3_int64)im->src_advisories);
    sqlite3_bind_int64(im->upd_src, 2, (sqlite3_int64)im->src_bad);
    sqlite3_bind_int64(im->upd_src, 3, im->source);
    if (sqlite3_step(im->upd_src) != SQLITE_DONE)
        return sqlfail(im, err, "update");
    return 0;
}

static int file_sha256(const char *path, char out[72])
{
    char buf[65536];
    st_sha256 *h = st_sha256_new();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (!h || fd < 0) {
        st_sha256_free(h);
        if (fd >= 0)
            close(fd);
        return ST_EIO;
    }
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        st_sha256_update(h, buf, (size_t)n);
    close(fd);
    st_sha256_final(h, out);
    st_sha256_free(h);
    return n < 0 ? ST_EIO : 0;
}

/* The name a source goes by in `db status`: "Debian" for
 * ".../Debian/all.zip", else the file's base name. */
static void source_name(char *out, size_t n, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strcmp(base, "all.zip") && base > path + 1) {
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        snprintf(out, n, "%.*s", (int)(end - start), start);
    } else {
        snprintf(out, n, "%s", base);
    }
}

/* `known` is the archive's digest when the caller has it (a download
 * hashes as it writes), else NULL: it is computed here. */
static int import_zip(struct import *im, const char *path, const char *name,
                      const char *lm, const char *etag, const char *known,
                      st_error **err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    st_buf data = ST_BUF_INIT(MAX_RECORD);
    st_buf label = ST_BUF_INIT(8192);
    char digest[72];
    uint64_t count = 0;
    int rc = 0, r;

    if (!a)
        return st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
    if (known)
        snprintf(digest, sizeof(digest), "%s", known);
    else if (file_sha256(path, digest) < 0) {
        rc = st_error_set(err, ST_EIO, "vulndb", "%s: %s", path,
                          strerror(errno));
        goto done;
    }
    ST_CHECK(begin_source(im, name, path, lm, etag, digest, err));
    archive_read_support_format_zip(a);
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        rc = st_error_set(err, ST_EINVALID, "vulndb", "%s: not a zip "
                          "archive: %s", path, archive_error_string(a));
        goto done;
    }
    while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
        const char *ename = archive_entry_pathname(ae);
        la_int64_t size = archive_entry_size_is_set(ae)
                              ? archive_entry_size(ae)
                              : -1;
        if (archive_entry_filetype(ae) != AE_IFREG || !ename ||
            !st_str_endswith(ename, ".json"))
            continue;
        if (++count > MAX_ENTRIES) {
            rc = st_error_set(err, ST_ELIMIT, "vulndb",
                              "%s: more than %u entries", path, MAX_ENTRIES);
            goto done;
        }
        st_buf_reset(&label);
        st_buf_printf(&label, "%s:%s", path, ename);
        if (size > (la_int64_t)MAX_RECORD) {
            /* no advisory is that large: a bomb, and the source is suspect */
            rc = st_error_set(err, ST_ELIMIT, "vulndb",
                              "%s: %lld bytes uncompressed, past the 16 MiB "
                              "limit: decompression bomb?",
                              label.ptr, (long long)size);
            goto done;
        }
        st_buf_reset(&data);
        for (;;) {
            la_ssize_t n;
            if (st_buf_grow(&data, 65536) < 0) {
                /* past MAX_RECORD however small the header said it was:
                 * a bomb, not an advisory */
                rc = st_error_set(err, ST_ELIMIT, "vulndb",
                                  "%s: entry expands past 16 MiB: "
                                  "decompression bomb?", label.ptr);
                goto done;
            }
            n = archive_read_data(a, data.ptr + data.len,
                                  data.alloc - data.len - 1);
            if (n < 0) {
                rc = st_error_set(err, ST_EINVALID, "vulndb",
                                  "%s: corrupt zip entry: %s", label.ptr,
                                  archive_error_string(a));
                goto done;
            }
            if (n == 0)
                break;
            data.len += (size_t)n;
            data.ptr[data.len] = 0;
        }
        im->total += data.len;
        if (im->total > MAX_TOTAL) {
            rc = st_error_set(err, ST_ELIMIT, "vulndb",
                              "%s: more than 16 GiB of advisories "
                              "uncompressed: decompression bomb?", path);
            goto done;
        }
        ST_CHECK(import_record(im, label.ptr, data.ptr, data.len, err));
    }
    if (r != ARCHIVE_EOF) {
        rc = st_error_set(err, ST_EINVALID, "vulndb",
                          "%s: corrupt or truncated zip archive: %s", path,
                          archive_error_string(a));
        goto done;
    }
    ST_CHECK(end_source(im, err));
    logf_(im, "imported %s: %llu advisories", path,
          (unsigned long long)im->src_advisories);
done:
    archive_read_free(a);
    st_buf_release(&data);
    st_buf_release(&label);
    return rc;
}

static bool is_zip(const char *path)
{
    unsigned char m[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool z;
    if (fd < 0)
        return false;
    z = read(fd, m, 4) == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 &&
        m[3] == 4;
    close(fd);
    return z;
}

static int import_json_file(struct import *im, const char *path,
                            st_error **err)
{
    st_buf b = ST_BUF_INIT(0);
    st_error *e = NULL;
    int rc = st_read_file(&b, path, MAX_RECORD, &e);
    if (rc < 0) {
        char *m = st_error_format(e);
        st_error_free(e);
        rc = bad(im, path, m ? m : "unreadable", err);
        st_free(m);
    } else {
        im->total += b.len;
        rc = import_record(im, path, b.ptr, b.len, err);
    }
    st_buf_release(&b);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects *.zip and *.json under dir, sorted, for a stable import. */
static int collect(const char *dir, unsigned depth, st_vec *zips,
                   st_vec *jsons, st_error **err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int rc = 0;

    if (!d)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "vulndb", "%s: %s", dir, strerror(errno));
    while ((de = readdir(d))) {
        st_buf p = ST_BUF_INIT(8192);
        struct stat st;
        char *s;
        if (de->d_name[0] == '.')
            continue;
        if (st_buf_printf(&p, "%s/%s", dir, de->d_name) < 0 ||
            lstat(p.ptr, &st) < 0) {
            st_buf_release(&p);
            continue;
        }
        if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
            rc = collect(p.ptr, depth + 1, zips, jsons, err);
            st_buf_release(&p);
            if (rc < 0)
                break;
            continue;
        }
        if (!S_ISREG(st.st_mode) ||
            (!st_str_endswith(p.ptr, ".zip") &&
             !st_str_endswith(p.ptr, ".json"))) {
            st_buf_release(&p);
            continue;
        }
        s = st_buf_detach(&p, NULL);
        if (!s || st_vec_push(st_str_endswith(s, ".zip") ? zips : jsons, s) <
                      0) {
            st_free(s);
            rc = st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
            break;
        }
    }
    closedir(d);
    return rc;
}

static int import_path(struct import *im, const char *path, st_error **err)
{
    struct stat st;
    char name[256];
    int rc = 0;

    if (stat(path, &st) < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "vulndb", "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        st_vec zips = ST_VEC_INIT, jsons = ST_VEC_INIT;
        rc = collect(path, 0, &zips, &jsons, err);
        st_vec_sort(&zips, cmp_str);
        st_vec_sort(&jsons, cmp_str);
        for (size_t i = 0; rc == 0 && i < zips.len; i++) {
            source_name(name, sizeof(name), zips.items[i]);
            rc = import_zip(im, zips.items[i], name, NULL, NULL, NULL, err);
        }
        if (rc == 0 && jsons.len) {
            source_name(name, sizeof(name), path);
            rc = begin_source(im, name, path, NULL, NULL, NULL, err);
            for (size_t i = 0; rc == 0 && i < jsons.len; i++)
                rc = import_json_file(im, jsons.items[i], err);
            if (rc == 0)
                rc = end_source(im, err);
        }
        if (rc == 0 && !zips.len && !jsons.len)
            rc = st_error_set(err, ST_ENOTFOUND, "vulndb",
                              "%s: no *.json or *.zip files", path);
        for (size_t i = 0; i < zips.len; i++)
            st_free(zips.items[i]);
        for (size_t i = 0; i < jsons.len; i++)
            st_free(jsons.items[i]);
        st_vec_release(&zips);
        st_vec_release(&jsons);
        return rc;
    }
    source_name(name, sizeof(name), path);
    if (is_zip(path))
        return import_zip(im, path, name, NULL, NULL, NULL, err);
    ST_CHECK(begin_source(im, name, path, NULL, NULL, NULL, err));
    ST_CHECK(import_json_file(im, path, err));
    ST_CHECK(end_source(im, err));
done:
    return rc;
}

/* ---- downloads ---------------------------------------------------------- */

static bool is_url(const char *s)
{
    return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* The ETag and Last-Modified this URL had when the live DB fetched it. */
static void validators(struct import *im, const char *url, char **etag,
                       char **lm)
{
    sqlite3_stmt *q = NULL;
    *etag = *lm = NULL;
    if (!im->live ||
        sqlite3_prepare_v2(im->live,
                           "SELECT etag, last_modified FROM sources WHERE "
                           "origin = ? ORDER BY id DESC LIMIT 1",
                           -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, url, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(q, 0);
        const char *l = (const char *)sqlite3_column_text(q, 1);
        *etag = e ? st_strdup(e) : NULL;
        *lm = l ? st_strdup(l) : NULL;
    }
    sqlite3_finalize(q);
}

struct dlprogress {
    struct import *im;
    st_progress p;
};

static int on_fetch_progress(uint64_t done, uint64_t total, void *payload)
{
    struct dlprogress *d = payload;
    d->p.bytes_done = done;
    d->p.bytes_total = total;
    d->im->opts->progress(&d->p, d->im->opts->progress_payload);
    return 0;
}

/* Downloads a URL into <dir>/downloads/ (conditionally, resumably) and
 * imports what arrived: an OSV zip or one JSON advisory. */
static int import_url(struct import *im, const char *url, st_error **err)
{
    st_fetch_request req = ST_FETCH_REQUEST_INIT;
    st_fetch_result res;
    struct dlprogress prog;
    st_buf dest = ST_BUF_INIT(8192);
    char name[256], *etag = NULL, *lm = NULL, digest[72];
    const char *tail = strrchr(url, '/');
    int rc = 0;

    memset(&res, 0, sizeof(res));
    /* ".../<Ecosystem>/all.zip" goes by its ecosystem */
    source_name(name, sizeof(name), url);
    for (char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_'))
            *c = '_';
    st_sha256_hex(url, strlen(url), digest);
    st_buf_printf(&dest, "%s/downloads", im->dir);
    if (mkdir(dest.ptr, 0755) < 0 && errno != EEXIST) {
        rc = st_error_set(err, ST_EIO, "vulndb", "%s: %s", dest.ptr,
                          strerror(errno));
        goto done;
    }
    /* the URL's digest keeps two sources of one name apart */
    st_buf_printf(&dest, "/%.12s-%s", digest + 7,
                  tail && st_str_endswith(tail, ".json") ? "advisory.json"
                                                         : "all.zip");
    validators(im, url, &etag, &lm);
    req.url = url;
    req.dest = dest.ptr;
    req.etag = etag;
    req.last_modified = lm;
    if (im->opts->progress) {
        memset(&prog, 0, sizeof(prog));
        prog.im = im;
        req.progress = on_fetch_progress;
        req.progress_payload = &prog;
    }
    if ((rc = st_fetch(&req, &res, err)) < 0)
        goto done;
    if (res.status == ST_FETCH_NOT_MODIFIED) {
        im->stats.unchanged++;
        logf_(im, "%s: not modified since the last update", url);
    } else {
        logf_(im, "downloaded %s (%llu bytes)", url,
              (unsigned long long)res.bytes);
    }
    if (is_zip(dest.ptr)) {
        rc = import_zip(im, dest.ptr, name, res.last_modified, res.etag,
                        res.status == ST_FETCH_DOWNLOADED && res.sha256[0]
                            ? res.sha256
                            : NULL,
                        err);
        if (rc == 0) {
            /* the origin is the URL, so the next update can ask whether
             * it changed */
            sqlite3_stmt *q = NULL;
            if (sqlite3_prepare_v2(im->db,
                                   "UPDATE sources SET origin = ? WHERE id = ?",
                                   -1, &q, NULL) == SQLITE_OK) {
                sqlite3_bind_text(q, 1, url, -1, SQLITE_STATIC);
                sqlite3_bind_int64(q, 2, im->source);
                sqlite3_step(q);
            }
            sqlite3_finalize(q);
        }
    } else {
        ST_CHECK(begin_source(im, name, url, res.last_modified, res.etag,
                              res.sha256, err));
        ST_CHECK(import_json_file(im, dest.ptr, err));
        ST_CHECK(end_source(im, err));
    }
done:
    st_fetch_result_release(&res);
    st_free(etag);
    st_free(lm);
    st_buf_release(&dest);
    return rc;
}

/* ---- the update as a whole --------------------------------------------- */

/* Removes the leftovers of updates that were killed. */
static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d))) {
        if (!strncmp(de->d_name, ST_VULNDB_FILE ".new-", 14)) {
            st_buf p = ST_BUF_INIT(8192);
            if (st_buf_printf(&p, "%s/%s", dir, de->d_name) == 0)
                unlink(p.ptr);
            st_buf_release(&p);
        }
    }
    closedir(d);
}

static int mkdirs(const char *dir)
{
    st_buf b = ST_BUF_INIT(8192);
    int rc = st_buf_puts(&b, dir);
    for (size_t i = 1; rc == 0 && i <= b.len; i++) {
        if (b.ptr[i] == '/' || b.ptr[i] == 0) {
            char c = b.ptr[i];
            b.ptr[i] = 0;
            if (mkdir(b.ptr, 0755) < 0 && errno != EEXIST)
                rc = ST_EIO;
            b.ptr[i] = c;
        }
    }
    st_buf_release(&b);
    return rc;
}

static void finalize_all(struct import *im)
{
    sqlite3_finalize(im->ins_adv);
    sqlite3_finalize(im->ins_aff);
    sqlite3_finalize(im->ins_bad);
    sqlite3_finalize(im->ins_src);
    sqlite3_finalize(im->del_aff);
    sqlite3_finalize(im->del_adv);
    sqlite3_finalize(im->upd_src);
    im->ins_adv = im->ins_aff = im->ins_bad = im->ins_src = im->del_aff =
        im->del_adv = im->upd_src = NULL;
}

int st_vulndb_update(const char *dir, const st_vulndb_update_options *opts,
                     st_vulndb_update_stats *stats, st_error **err)
{
    st_vulndb_update_options defaults = ST_VULNDB_UPDATE_OPTIONS_INIT;
    struct import im;
    st_buf tmp = ST_BUF_INIT(8192), live = ST_BUF_INIT(8192);
    st_buf lock = ST_BUF_INIT(8192), url = ST_BUF_INIT(8192);
    int lockfd = -1, rc = 0;
    bool created = false;

    if (!opts)
        opts = &defaults;
    memset(&im, 0, sizeof(im));
    im.opts = opts;
    st_buf_init(&im.name, 4096);
    if (mkdirs(dir) < 0)
        return st_error_set(err, ST_EIO, "vulndb", "%s: cannot create: %s",
                            dir, strerror(errno));
    /* One update at a time per directory; readers are never blocked. */
    st_buf_printf(&lock, "%s/.update.lock", dir);
    lockfd = open(lock.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
        rc = st_error_set(err, ST_EIO, "vulndb", "%s: %s", lock.ptr,
                          strerror(errno));
        goto done;
    }
    remove_stale(dir);
    st_vulndb__path(&live, dir, ST_VULNDB_FILE);
    st_buf_printf(&tmp, "%s.new-%ld", live.ptr, (long)getpid());
    im.path = tmp.ptr;
    im.dir = dir;
    if (access(live.ptr, F_OK) == 0 &&
        sqlite3_open_v2(live.ptr, &im.live, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK) {
        sqlite3_close(im.live); /* unreadable: download everything again */
        im.live = NULL;
    }
    if (!(im.ids = st_map_new()) || !(im.arena = st_arena_new())) {
        rc = st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
        goto done;
    }
    if (sqlite3_open_v2(tmp.ptr, &im.db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        rc = sqlfail(&im, err, "create");
        goto done;
    }
    created = true;
    ST_CHECK(exec(&im, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;",
                  err));
    ST_CHECK(exec(&im, schema, err));
    ST_CHECK(prepare(&im, err));
    ST_CHECK(exec(&im, "BEGIN", err));
    if (opts->source_count) {
        for (size_t i = 0; i < opts->source_count; i++) {
            const char *s = opts->sources[i];
            if (is_url(s))
                rc = import_url(&im, s, err);
            else
                rc = import_path(&im, s, err);
            if (rc < 0)
                goto done;
        }
    } else {
        const char *const *eco = st_vulndb_default_ecosystems();
        for (size_t i = 0; eco[i]; i++) {
            st_buf_reset(&url);
            st_buf_printf(&url, "%s/%s/all.zip", ST_OSV_BUCKET, eco[i]);
            ST_CHECK(import_url(&im, url.ptr, err));
        }
    }
    {
        char now[32], epoch[32], q[256];
        int64_t t = (int64_t)time(NULL);
        st_vulndb__rfc3339(now, t);
        snprintf(epoch, sizeof(epoch), "%lld", (long long)t);
        snprintf(q, sizeof(q),
                 "INSERT INTO meta VALUES('schema','%d'),('built_at','%s'),"
                 "('built_epoch','%s')",
                 ST_VULNDB_SCHEMA, now, epoch);
        ST_CHECK(exec(&im, q, err));
    }
    ST_CHECK(exec(&im, "CREATE INDEX affected_key ON affected(ecosystem, name);"
                       "CREATE INDEX advisories_id ON advisories(osv_id);"
                       "COMMIT; ANALYZE;",
                  err));
    finalize_all(&im);
    if (sqlite3_close(im.db) != SQLITE_OK) {
        rc = sqlfail(&im, err, "close");
        goto done;
    }
    im.db = NULL;
    {
        /* Durable before visible: fsync the file, rename, fsync the dir. */
        int fd = open(tmp.ptr, O_RDONLY | O_CLOEXEC), dfd;
        if (fd < 0 || fsync(fd) < 0) {
            rc = st_error_set(err, ST_EIO, "vulndb", "%s: %s", tmp.ptr,
                              strerror(errno));
            if (fd >= 0)
                close(fd);
            goto done;
        }
        close(fd);
        if (rename(tmp.ptr, live.ptr) < 0) {
            rc = st_error_set(err, ST_EIO, "vulndb", "%s: %s", live.ptr,
                              strerror(errno));
            goto done;
        }
        created = false;
        if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    if (stats)
        *stats = im.stats;
done:
    finalize_all(&im);
    if (im.db)
        sqlite3_close(im.db);
    sqlite3_close(im.live);
    if (created)
        unlink(tmp.ptr);
    if (lockfd >= 0)
        close(lockfd);
    st_map_free(im.ids);
    st_arena_free(im.arena);
    st_buf_release(&im.name);
    st_buf_release(&tmp);
    st_buf_release(&live);
    st_buf_release(&lock);
    st_buf_release(&url);
    return rc;
}

