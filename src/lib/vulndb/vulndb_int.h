/* Internal pieces of the vulnerability DB shared by import, status and
 * matching. See docs/internals/vulndb.md. */
#ifndef ST_VULNDB_INT_H
#define ST_VULNDB_INT_H

#include <sqlite3.h>

#include "strata/version.h"
#include "strata/vulndb.h"
#include "util/util.h"

#define ST_VULNDB_FILE "strata.db"
#define ST_VULNDB_SCHEMA 1
#define ST_OSV_BUCKET "https://osv-vulnerabilities.storage.googleapis.com"

struct st_vulndb {
    sqlite3 *db;
    char *dir;
    char *path;
    sqlite3_stmt *lookup; /* affected rows by (ecosystem, name) */
    st_arena *arena;      /* status strings */
    st_vulndb_status status;
    bool have_status;
};

/* "<dir>/strata.db" into b. */
int st_vulndb__path(st_buf *b, const char *dir, const char *file);

/* An SQLite failure as an st_error naming the DB path. */
int st_vulndb__sqlite_error(st_error **err, sqlite3 *db, const char *path,
                            const char *what);

/* Package names as the DB stores them: PyPI names are normalised (PEP 503:
 * lower case, runs of "-_." become "-"); others are kept. Writes into b. */
int st_vulndb__normalize_name(st_buf *b, const char *ecosystem,
                              const char *name);

/* The version scheme an OSV ecosystem ("Debian:12", "PyPI", …) uses for
 * ECOSYSTEM ranges. false when strata has none. */
bool st_vulndb__scheme(const char *ecosystem, st_version_scheme *out);

/* RFC 3339 UTC of a time into out[32]. */
void st_vulndb__rfc3339(char out[32], int64_t t);

#endif
