/* Helpers shared by the package-database analyzers (dpkg, apk): stanza
 * parsing and the layer that installed each package. */
#ifndef ST_PKGDB_H
#define ST_PKGDB_H

#include "analyzer.h"

/* One "Key: value" (dpkg) or "K:value" (apk) field. */
typedef struct st_field {
    const char *key;
    size_t klen;
    const char *val; /* continuation lines included, as stored */
    size_t vlen;
} st_field;

/* Iterates the stanzas of an RFC 822-like file (blank-line separated).
 * `sep` is the key/value separator (':'), `space` whether one space after
 * it is dropped. For each field of each stanza `field` is called, then
 * `end` at the end of each stanza; line is the first line of the stanza.
 * Returns 0 or the first negative callback result. */
typedef int (*st_field_fn)(void *payload, const st_field *f);
typedef int (*st_stanza_fn)(void *payload, size_t line);
int st_pkgdb__stanzas(const char *data, size_t len, bool continuation,
                      st_field_fn field, st_stanza_fn end, void *payload);

/* Tracks, across copies of the same database in several layers, the layer
 * that installed each package: walking top-down, a package present with
 * the same version in every copy down to layer L was installed in L. */
typedef struct st_layertrack st_layertrack;
st_layertrack *st_layertrack_new(void);
void st_layertrack_free(st_layertrack *t);
/* Registers a package of the visible database. */
int st_layertrack_add(st_layertrack *t, st_package *p);
/* Starts a lower copy of the database in `layer`. */
int st_layertrack_begin_lower(st_layertrack *t);
/* Notes that the lower copy holds name/arch at version. */
int st_layertrack_note(st_layertrack *t, const char *name, size_t nlen,
                       const char *arch, size_t alen, const char *version,
                       size_t vlen);
/* Ends the lower copy: packages it held unchanged move down to `layer`,
 * the others stay where they are for good. */
void st_layertrack_end_lower(st_layertrack *t, st_scan_ctx *ctx, int layer);

/* A lockfile kept until `end`, when the manifest beside it (which the
 * walk may meet before or after it) is known. */
typedef struct st_pending_lock {
    int kind; /* the analyzer's own label for the format */
    char *path;
    int layer;
    struct json_t *doc;
} st_pending_lock;

/* Keeps doc (taking it: *doc is NULL afterwards) for entry e. ST_ENOMEM. */
int st_pending_lock_add(st_vec *pending, const st_entry *e, int kind,
                        struct json_t **doc);
/* Frees every pending lock and the vector's storage. */
void st_pending_lock_release(st_vec *pending);

bool st_field_is(const st_field *f, const char *key);
/* A usable value: present, not empty, no NUL byte (corrupt files). */
bool st_field_ok(const st_field *f);

#endif
