/* rpm headers and databases, read from memory.
 *
 * rpmhdr.c parses one header blob as rpm stores it in its database (the
 * "immutable region" form without the 8-byte magic of a package file);
 * rpmdb.c walks the blobs of the three database formats rpm has used:
 * sqlite (rpm >= 4.16, RHEL 9, Fedora 33+), Berkeley DB hash (RHEL <= 8,
 * CentOS 7, Amazon Linux 2) and rpm's own ndb (SUSE).
 *
 * Both treat their input as hostile: every length, offset and count is
 * checked against the buffer before use, and sizes are capped as rpm caps
 * them, so a bad input is ST_EINVALID, never an out-of-bounds read.
 */
#ifndef ST_ANALYZE_RPMHDR_H
#define ST_ANALYZE_RPMHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* rpm's own limits on a header blob (lib/header.c hdrchkTags/hdrchkData):
 * index entries, data store bytes, and the element count of one tag. */
#define ST_RPM_MAX_IL 0xffffu
#define ST_RPM_MAX_DL (256u * 1024 * 1024)
#define ST_RPM_MAX_COUNT 0x00ffffffu

/* What strata reads from a header. Every string is NUL-terminated and
 * allocated from the arena given to the parser; absent tags are NULL. */
typedef struct st_rpm_header {
    const char *name;      /* NAME (1000) */
    const char *version;   /* VERSION (1001) */
    const char *release;   /* RELEASE (1002) */
    bool has_epoch;        /* EPOCH (1003) present */
    uint32_t epoch;
    const char *arch;      /* ARCH (1022); absent in gpg-pubkey */
    const char *license;   /* LICENSE (1014) */
    const char *sourcerpm; /* SOURCERPM (1044) */
    const char *vendor;    /* VENDOR (1011) */
    /* Installed files as absolute paths: DIRNAMES (1118) + BASENAMES
     * (1117) by DIRINDEXES (1116), or OLDFILENAMES (1027) from rpm < 4.1.
     * The array is arena-allocated too. */
    size_t file_count;
    const char **files;
} st_rpm_header;

/* Parses the header blob blob[0..len) into *out (zeroed first). Strings
 * and the file list are copied into `a`, so the blob may go away after
 * the call. Returns 0, ST_EINVALID for a malformed blob (out is then
 * undefined but everything allocated stays in the arena), or ST_ENOMEM. */
int st_rpm__parse_header(st_rpm_header *out, const uint8_t *blob, size_t len,
                         st_arena *a);

/* The database formats. */
typedef enum st_rpmdb_kind {
    ST_RPMDB_SQLITE = 0, /* rpmdb.sqlite */
    ST_RPMDB_BDB = 1,    /* Packages: Berkeley DB hash */
    ST_RPMDB_NDB = 2     /* Packages.db */
} st_rpmdb_kind;

/* Called once per header blob; blob[0..len) is valid only during the call.
 * Return 0 to go on; a negative code stops the walk and is returned. */
typedef int (*st_rpmdb_cb)(void *payload, const uint8_t *blob, size_t len);

/* Walks the header blobs of a whole database file held in memory,
 * data[0..len), in the database's own order. Never writes the input and
 * never touches the disk (sqlite reads a private copy in memory).
 *
 * Returns 0; a negative code from the callback; ST_ENOMEM; ST_EUNSUPPORTED
 * for a valid database strata cannot read (an encrypted BDB); or
 * ST_EINVALID for a corrupt one, with the reason in *err. Damage found
 * part-way is reported after the walk: blobs that could be read have
 * been handed to the callback, records that could not are skipped and
 * counted in the message. */
int st_rpmdb__foreach(const uint8_t *data, size_t len, st_rpmdb_kind kind,
                      st_rpmdb_cb cb, void *payload, st_error **err);

#endif
