/* The registry audit's state: which digest each tag pointed at when it was
 * last audited, so that a tag that moved is reported. One SQLite file
 * (schema versioned with PRAGMA user_version, WAL journal); the tags seen
 * by one audit are written in one transaction, so a failure or a crash
 * leaves the previous state whole. Internal to libstrata. */
#ifndef ST_REGISTRY_STATE_H
#define ST_REGISTRY_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

#define ST_REGSTATE_SCHEMA 1

typedef struct st_regstate st_regstate;

/* One tag as stored: times are seconds since the epoch. first_seen is when
 * the tag was first seen pointing at `digest`, last_seen when it was last
 * seen at all. */
typedef struct st_regstate_tag {
    const char *repository;
    const char *tag;
    const char *digest;
    int64_t first_seen;
    int64_t last_seen;
} st_regstate_tag;

/* Opens the state DB at `path`, creating it (mode 0600) and its schema
 * when absent. ST_EIO names the file and SQLite's reason; ST_EINVALID
 * when the file is not a state DB; ST_EUNSUPPORTED when its schema is
 * newer than this library's. */
int st_regstate_open(st_regstate **out, const char *path, st_error **err);
/* NULL is allowed. */
void st_regstate_close(st_regstate *s);

/* The stored entry of registry/repository:tag. Strings go into `arena`.
 * *found tells whether there was one. ST_EIO on SQLite errors. */
int st_regstate_get(st_regstate *s, const char *registry,
                    const char *repository, const char *tag, st_arena *arena,
                    st_regstate_tag *out, bool *found, st_error **err);

/* When `registry` was last audited (0: never) and how many tags are
 * stored for it. */
int st_regstate_last_audit(st_regstate *s, const char *registry,
                           int64_t *when_out, size_t *tags_out,
                           st_error **err);

/* Records one audit at time `now`: every tag in `tags` (first_seen and
 * last_seen of the input are ignored) is stored with last_seen = now;
 * first_seen becomes `now` for a new tag or one whose digest changed, and
 * is kept otherwise. Tags not in the list are left as they were. All of
 * it in one transaction: on error nothing changed. */
int st_regstate_record(st_regstate *s, const char *registry,
                       const st_regstate_tag *tags, size_t n, int64_t now,
                       st_error **err);

#endif
