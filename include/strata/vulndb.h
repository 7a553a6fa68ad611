/* strata — the vulnerability database: OSV advisories in one SQLite file,
 * and matching an inventory against them.
 *
 * The DB lives in a directory (default: st_vulndb_default_dir()); updates
 * build a new file beside the live one and rename it into place, so a
 * crash or kill in the middle leaves the old DB working.
 */
#ifndef STRATA_VULNDB_H
#define STRATA_VULNDB_H

#include "common.h"
#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_vulndb st_vulndb;

/* The DB directory: $STRATA_DB, else $XDG_CACHE_HOME/strata, else
 * $HOME/.cache/strata. Free with st_free. NULL when out of memory. */
ST_API char *st_vulndb_default_dir(void);

/* The public OSV bulk data: https://osv-vulnerabilities.storage.googleapis.com
 * /<ecosystem>/all.zip, for these ecosystems (NULL-terminated). */
ST_API const char *const *st_vulndb_default_ecosystems(void);

/* Messages an update reports as it goes: bad entries (named by file),
 * downloads, sources skipped. One line each, no newline. */
typedef void (*st_vulndb_log_fn)(void *payload, const char *line);

#define ST_VULNDB_UPDATE_OPTIONS_VERSION 1
typedef struct st_vulndb_update_options {
    unsigned version;
    /* Where to read from: directories (searched for *.json and *.zip),
     * OSV zip archives, single JSON files, or http(s) URLs of any of those
     * files. NULL/0: the public OSV bucket for the default ecosystems. */
    const char *const *sources;
    size_t source_count;
    st_vulndb_log_fn log; /* may be NULL */
    void *log_payload;
    st_progress_fn progress; /* downloads: bytes */
    void *progress_payload;
} st_vulndb_update_options;
#define ST_VULNDB_UPDATE_OPTIONS_INIT                                         \
    {ST_VULNDB_UPDATE_OPTIONS_VERSION, NULL, 0, NULL, NULL, NULL, NULL}

typedef struct st_vulndb_update_stats {
    uint64_t advisories; /* records imported */
    uint64_t affected;   /* (ecosystem, package) entries */
    uint64_t withdrawn;  /* kept, never reported */
    uint64_t bad;        /* entries skipped as malformed */
    unsigned sources;
    unsigned unchanged;  /* downloads answered "not modified" */
} st_vulndb_update_stats;

/* Builds a new DB in `dir` from the sources and replaces the live one
 * atomically. `stats` may be NULL. Errors: ST_EIO, ST_ENOTFOUND (a source
 * does not exist), ST_EINVALID (a source is not JSON or zip, a corrupt
 * archive), ST_ELIMIT (zip bomb), ST_ENOMEM. On error the live DB is
 * untouched. */
ST_API int st_vulndb_update(const char *dir,
                            const st_vulndb_update_options *opts,
                            st_vulndb_update_stats *stats, st_error **err);

/* Opens the DB in `dir` read-only. ST_ENOTFOUND when there is none (the
 * message says to run `strata db update`). */
ST_API int st_vulndb_open(st_vulndb **out, const char *dir, st_error **err);
ST_API void st_vulndb_close(st_vulndb *db);

typedef struct st_vulndb_source_info {
    const char *name;          /* what was imported: "Debian", a file */
    const char *origin;        /* URL or path */
    const char *imported_at;   /* RFC 3339 UTC */
    const char *last_modified; /* from the server, or NULL */
    const char *etag;          /* from the server, or NULL */
    const char *sha256;        /* of the file imported */
    uint64_t advisories;
    uint64_t bad;
} st_vulndb_source_info;

typedef struct st_vulndb_ecosystem_info {
    const char *ecosystem; /* "Debian:12", "PyPI", … */
    uint64_t advisories;
    uint64_t packages;
} st_vulndb_ecosystem_info;

typedef struct st_vulndb_status {
    const char *path;
    const char *built_at;   /* RFC 3339 UTC */
    int64_t age_seconds;
    unsigned schema_version;
    uint64_t advisories, withdrawn, bad;
    size_t source_count;
    const st_vulndb_source_info *sources;
    size_t ecosystem_count;
    const st_vulndb_ecosystem_info *ecosystems;
} st_vulndb_status;

/* Borrowed from the DB; valid until st_vulndb_close. */
ST_API int st_vulndb_get_status(const st_vulndb_status **out, st_vulndb *db,
                                st_error **err);

/* Matches every package of the result against the DB and adds the
 * findings to it (st_result_vuln_count). OS packages are matched by their
 * source package in the distribution's release feed ("Debian:12",
 * "Alpine:v3.19", …); language packages by their ecosystem. */
ST_API int st_vulndb_match(st_vulndb *db, st_result *r, st_error **err);

#ifdef __cplusplus
}
#endif
#endif
