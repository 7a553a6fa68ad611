/* An index of the members of an uncompressed tar file (the outer archive
 * of docker-archive and oci-archive), so blobs can be read by name with
 * pread, in any order, without extracting. Strict: header checksums are
 * verified, sizes must fit the file, names are cleaned and must not climb
 * above the root. */
#ifndef ST_TARINDEX_H
#define ST_TARINDEX_H

#include <stdint.h>

#include "util/util.h"

typedef struct st_tarindex st_tarindex;

typedef struct st_tarmember {
    const char *name; /* cleaned */
    char type;        /* '0' file, '1' hardlink, '2' symlink, '5' dir, … */
    const char *link; /* link target (cleaned for hardlinks) */
    uint64_t off;     /* data offset in the file */
    uint64_t size;
} st_tarmember;

/* Indexes the tar at fd (size bytes). `what` names the file in errors.
 * Errors: ST_EINVALID (not a tar, corrupt header, truncated), ST_ELIMIT,
 * ST_EIO, ST_ENOMEM. */
int st_tarindex_build(st_tarindex **out, int fd, uint64_t size,
                      const char *what, st_error **err);
/* Indexes a tar held in memory (for fuzzing and tests). */
int st_tarindex_build_mem(st_tarindex **out, const void *data, size_t size,
                          const char *what, st_error **err);
void st_tarindex_free(st_tarindex *t);

/* Finds a regular file by cleaned name, following symlinks and hardlinks
 * inside the archive (at most 16). NULL when absent. */
const st_tarmember *st_tarindex_find(const st_tarindex *t, const char *name);
size_t st_tarindex_count(const st_tarindex *t);

#endif
