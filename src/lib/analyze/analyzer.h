/* The analyzer interface: how the layer walker hands files to analyzers.
 *
 * An analyzer declares, per entry (path, type, mode), whether it wants it
 * (`wants`), before any content is read. The walker reads the content of a
 * wanted file once for every analyzer that wants it. Inventory analyzers
 * set ST_AN_VISIBLE_ONLY and see only files of the merged filesystem; the
 * others also see files shadowed by upper layers (deleted, overwritten).
 *
 * Lifecycle per scan: begin → file* → end → release. `end` runs after the
 * whole image is walked, in table order (analyzers.def), so a later
 * analyzer may read what an earlier one found (the OS, for instance) and
 * may look paths up in the merged filesystem (st_ctx_lookup).
 *
 * A malformed file is the analyzer's diagnostic (st_ctx_diag) and the
 * scan goes on; a negative return from a callback aborts the scan and
 * should be reserved for ST_ENOMEM.
 */
#ifndef ST_ANALYZER_H
#define ST_ANALYZER_H

#include <stdbool.h>
#include <stdint.h>

#include "strata/scan.h"
#include "util/util.h"
#include "walk/walk.h"

typedef struct st_scan_ctx st_scan_ctx;

#define ST_AN_VISIBLE_ONLY 0x1u /* only entries of the merged filesystem */
#define ST_AN_CONTENT 0x2u      /* `file` receives the content */
/* With ST_AN_CONTENT: `sniff` first sees the first ST_SNIFF_BYTES of a
 * wanted file and says whether the whole is needed (a Go binary among all
 * the executables of an image, say). */
#define ST_AN_SNIFF 0x4u
/* `wants` reads mode, size, uid or gid. A rootfs walk does not read them
 * for every entry, so such a `wants` is first asked with e->attrs false:
 * it says false when the path and type alone rule the entry out, true
 * otherwise, and is asked again once the attributes are read. */
#define ST_AN_ATTRS 0x8u
/* With ST_AN_CONTENT: text only. The scan skips files whose first
 * 8 KiB hold a NUL byte (unless the options' secret_binaries)
 * and files above the analyzer's limit, both without a diagnostic. */
#define ST_AN_TEXT 0x10u
/* With ST_AN_CONTENT: `file` sees every wanted entry, with data NULL and
 * len 0 when it does not get the content: `sniff` said no, the entry is
 * not a file, or the content is over the limit or unreadable (no
 * diagnostic then). For checks of every entry's attributes that read the
 * content of a few. */
#define ST_AN_EVERY 0x20u
#define ST_SNIFF_BYTES 65536

typedef struct st_analyzer_ops {
    const char *name;
    unsigned version;
    unsigned flags;
    uint64_t max_content; /* 0: the scan's max_file_bytes */
    /* Called for every entry (cheap: no allocation, no I/O). */
    bool (*wants)(const st_entry *e);
    int (*begin)(void **state, st_scan_ctx *ctx);
    /* data/len: the whole content when ST_AN_CONTENT (NULL/0 for an entry
     * that is not a file or hard link), else NULL/0. Both are valid only
     * during the call. */
    int (*file)(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len);
    int (*end)(void *state, st_scan_ctx *ctx);
    /* Also called when `begin` failed, with what it stored (maybe NULL). */
    void (*release)(void *state);
    bool (*sniff)(const st_entry *e, const char *head, size_t len);
    /* 0: always runs (the inventory); else the ST_SCANNER_* bit that
     * turns it on. */
    unsigned scanner;
    /* The content limit when the options set it (else max_content). */
    uint64_t (*limit)(const st_scan_options *o);
} st_analyzer_ops;

/* The table, generated from analyzers.def. */
#define ST_ANALYZER(n) extern const st_analyzer_ops st_analyzer_##n;
#include "analyzers.def"
#undef ST_ANALYZER
extern const st_analyzer_ops *const st_analyzers[];
extern const size_t st_analyzer_count;

/* ---- the scan context analyzers work in --------------------------------
 * Everything allocated here lives as long as the result. */

/* Per-scan arena: allocate package fields and strings from it. */
st_arena *st_ctx_arena(st_scan_ctx *ctx);

/* Adds an empty package (every field NULL, layer_index -1) and returns it
 * for the analyzer to fill. purl is filled later by the inventory (from
 * type, OS and fields) unless the analyzer sets it. NULL: out of memory. */
st_package *st_ctx_add_package(st_scan_ctx *ctx);

/* Sets the layer of a package (index + diff_id) from an entry. */
void st_ctx_package_layer(st_scan_ctx *ctx, st_package *p, int layer);

/* Records a diagnostic. */
void st_ctx_diag(st_scan_ctx *ctx, st_diag_level level, const char *analyzer,
                 const char *path, int layer, const char *fmt, ...)
    ST_PRINTF(6, 7);

/* Gives up the scan with a message for the user (a user's rule file
 * that does not parse, say): returns `code` for the callback to return. */
int st_ctx_fail(st_scan_ctx *ctx, int code, const char *fmt, ...)
    ST_PRINTF(3, 4);

/* Adds a finding (zeroed; layer_index -1, visible 1) for the analyzer to
 * fill; strings from st_ctx_arena. NULL: out of memory. */
st_finding *st_ctx_add_finding(st_scan_ctx *ctx);
/* Sets the layer of a finding (index + diff_id) and whether its file is
 * visible, from an entry. */
void st_ctx_finding_at(st_scan_ctx *ctx, st_finding *f, const st_entry *e);

/* The scan's options (never NULL) and the image scanned (a rootfs has
 * no config: config_json NULL, no layers). */
const st_scan_options *st_ctx_options(st_scan_ctx *ctx);
const st_image_info *st_ctx_image(st_scan_ctx *ctx);

/* The OS description, filled by the os analyzer (zeroed until then). */
st_os_info *st_ctx_os(st_scan_ctx *ctx);

/* Looks `path` (cleaned, no leading "/") up in the merged filesystem.
 * With `follow`, symlinks in every component are resolved inside the
 * image (never above its root, at most 40 links); `resolved`, when not
 * NULL, receives the final path. NULL when absent. Valid during `end`;
 * the node until the next lookup. */
const st_fsnode *st_ctx_lookup(st_scan_ctx *ctx, const char *path,
                               bool follow, st_buf *resolved);

/* For unit tests and fuzzers: a context with an empty result and an empty
 * filesystem, so one analyzer can be driven by hand (begin/file/end).
 * st_scan__test_set_options changes its options (the pointer is kept). */
st_scan_ctx *st_scan__test_ctx(void);
void st_scan__test_set_options(st_scan_ctx *ctx, const st_scan_options *o);
/* The message of the last st_ctx_fail, or NULL. */
const char *st_scan__test_failure(st_scan_ctx *ctx);
st_result *st_scan__test_result(st_scan_ctx *ctx);
void st_scan__test_ctx_free(st_scan_ctx *ctx);

#endif
