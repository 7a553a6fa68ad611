/* The layer walker: one pass over every layer of an image, top layer
 * first, without extracting anything.
 *
 * Walking top-down means whiteouts (".wh.NAME", ".wh..wh..opq") and the
 * files of upper layers are known before the lower files they hide, so
 * each entry is known to be visible or shadowed the moment it is read.
 * Layer blobs are hashed while they stream (compressed and uncompressed);
 * a digest that does not match aborts the walk with ST_EDIGEST, and that
 * takes precedence over any other error in the same layer (a tampered
 * blob usually also fails to decompress). See docs/internals/walk.md.
 */
#ifndef ST_WALK_H
#define ST_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "strata/scan.h"
#include "util/util.h"

typedef enum st_entry_type {
    ST_ENTRY_FILE = 0,
    ST_ENTRY_DIR,
    ST_ENTRY_SYMLINK,
    ST_ENTRY_HARDLINK,
    ST_ENTRY_OTHER /* devices, fifos, sockets */
} st_entry_type;

/* One entry of a layer (or of a rootfs directory). */
typedef struct st_entry {
    const char *path; /* cleaned, relative to the root, no leading "/" */
    size_t path_len;
    st_entry_type type;
    /* mode, size, uid and gid are valid when `attrs` is set: always for
     * layer entries; a rootfs walk leaves them unread (a stat per file
     * would be most of its cost) until st_walk_stat is asked. */
    uint32_t mode;    /* permission bits, including setuid/setgid/sticky */
    uint64_t size;
    int64_t uid, gid;
    bool attrs;
    const char *link; /* symlink target as stored; hardlink: cleaned path */
    int layer;        /* manifest index of its layer; -1 for a rootfs dir */
    bool visible;     /* part of the merged filesystem */
} st_entry;

/* A node of the merged (visible) filesystem. */
typedef struct st_fsnode {
    st_entry_type type;
    int layer;
    uint32_t mode;
    const char *link; /* symlink target as stored; hardlink target */
} st_fsnode;

typedef struct st_walk st_walk;
typedef struct st_walk_content st_walk_content;

/* Called for every entry. Read its content with st_walk_read_content
 * during the call if wanted. A negative return aborts the walk;
 * ST_WALK_SKIP for a directory of a rootfs walk leaves out what is below
 * it (layers cannot skip: their entries still stream by). */
#define ST_WALK_SKIP 1
typedef int (*st_walk_entry_fn)(void *payload, const st_entry *e,
                                st_walk_content *c);
/* Called for problems the walk goes on after (hostile entries skipped). */
typedef void (*st_walk_diag_fn)(void *payload, const char *path, int layer,
                                const char *message);

typedef struct st_walk_options {
    st_walk_entry_fn entry;
    st_walk_diag_fn diag;
    void *payload;
    st_progress_fn progress;
    void *progress_payload;
    uint64_t max_layer_bytes;
    unsigned max_ratio;
    bool single_thread;
} st_walk_options;

st_walk *st_walk_new(void);
void st_walk_free(st_walk *w);

struct st_image;
/* Walks every layer of img, top layer first. */
int st_walk_image(st_walk *w, struct st_image *img,
                  const st_walk_options *opts, st_scan_stats *stats,
                  st_error **err);
/* Walks a directory as one layer (index -1); never follows symlinks and
 * never leaves the directory. */
int st_walk_dir(st_walk *w, const char *root, const st_walk_options *opts,
                st_scan_stats *stats, st_error **err);

/* Reads the whole content of the current entry into out (reset first).
 * ST_ELIMIT when it is larger than max bytes (out is then empty). */
int st_walk_read_content(st_walk_content *c, st_buf *out, uint64_t max);
/* Reads the first `n` bytes of the entry into out (reset first); fewer at
 * its end. st_walk_read_rest then appends the rest (ST_ELIMIT past max).
 * Reading nothing more is fine: the walk moves on. */
int st_walk_read_head(st_walk_content *c, st_buf *out, size_t n);
int st_walk_read_rest(st_walk_content *c, st_buf *out, uint64_t max);
/* Fills e's mode, size, uid and gid when they are not known yet (a
 * rootfs entry) and sets e->attrs. 0, or ST_EIO when the file is gone. */
int st_walk_stat(st_walk_content *c, st_entry *e);

/* Looks a path up in the merged filesystem (after or during the walk).
 * See st_ctx_lookup in analyze/analyzer.h. The node is valid until the
 * next lookup (a rootfs walk answers from the tree itself). */
const st_fsnode *st_walk_lookup(st_walk *w, const char *path, bool follow,
                                st_buf *resolved);

#endif
