/* Internal utilities shared by every module: allocation, errors, buffers,
 * arenas, hash maps, vectors, digests, paths. Depends on nothing else in
 * strata. Not installed. */
#ifndef ST_UTIL_H
#define ST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strata/common.h"

/* ---- allocation ------------------------------------------------------- */
void *st_malloc(size_t n);
void *st_calloc(size_t n, size_t size);
void *st_realloc(void *p, size_t n);
char *st_strdup(const char *s);
char *st_strndup(const char *s, size_t n);
/* Test hook: make the Nth allocation from now fail (0 disables). */
void st_alloc_fail_after(long n);

/* Hands out *p and nulls it. */
static inline void *st_steal_ptr(void **p)
{
    void *v = *p;
    *p = NULL;
    return v;
}
#define st_steal(pp) st_steal_ptr((void **)(pp))

/* ---- errors ----------------------------------------------------------- */
/* Sets *err (when err is non-NULL) to a new error and returns `code`. If
 * *err already holds an error, the new one wraps it as its cause. */
int st_error_set(st_error **err, int code, const char *module,
                 const char *fmt, ...) ST_PRINTF(4, 5);
/* Adds context to the error in *err: "context: old message". Returns the
 * code of that error (ST_OK when there is none). */
int st_error_wrap(st_error **err, const char *fmt, ...) ST_PRINTF(2, 3);

/* Propagation: `rc` and a `done:` label must exist in the function. */
#define ST_CHECK(expr)                                                      \
    do {                                                                    \
        if ((rc = (expr)) < 0)                                              \
            goto done;                                                      \
    } while (0)

/* ---- st_buf: growable byte buffer --------------------------------------
 * Invariants: `ptr` is never NULL (it points at a static "" until the first
 * growth), the contents are always NUL-terminated (`ptr[len] == 0`) and may
 * contain NULs. `len` and `alloc` are read-only for users. Growth past
 * `max` fails with ST_ELIMIT and leaves the buffer unchanged. */
typedef struct st_buf {
    char *ptr;
    size_t len;
    size_t alloc;
    size_t max;
} st_buf;
extern char st_buf__empty[];
#define ST_BUF_INIT(maxbytes) {st_buf__empty, 0, 0, (maxbytes)}
void st_buf_init(st_buf *b, size_t max);
int st_buf_grow(st_buf *b, size_t extra);
int st_buf_put(st_buf *b, const void *data, size_t n);
int st_buf_puts(st_buf *b, const char *s);
int st_buf_putc(st_buf *b, char c);
int st_buf_printf(st_buf *b, const char *fmt, ...) ST_PRINTF(2, 3);
int st_buf_vprintf(st_buf *b, const char *fmt, va_list ap);
void st_buf_reset(st_buf *b); /* len = 0, keeps memory */
void st_buf_release(st_buf *b);
/* Hands the bytes to the caller (free with st_free); the buffer is empty
 * afterwards. Never NULL unless out of memory. */
char *st_buf_detach(st_buf *b, size_t *len_out);

/* ---- st_arena: bump allocator for per-scan data -----------------------
 * Nothing allocated from an arena is freed individually. */
typedef struct st_arena st_arena;
st_arena *st_arena_new(void);
void st_arena_free(st_arena *a);
void *st_arena_alloc(st_arena *a, size_t n);   /* zeroed, 16-aligned */
char *st_arena_strdup(st_arena *a, const char *s);
char *st_arena_strndup(st_arena *a, const char *s, size_t n);
void *st_arena_memdup(st_arena *a, const void *p, size_t n);
char *st_arena_printf(st_arena *a, const char *fmt, ...) ST_PRINTF(2, 3);
size_t st_arena_size(const st_arena *a);

/* ---- st_vec: growable array of pointers ------------------------------ */
typedef struct st_vec {
    void **items;
    size_t len;
    size_t alloc;
} st_vec;
#define ST_VEC_INIT {NULL, 0, 0}
int st_vec_push(st_vec *v, void *item);
void st_vec_release(st_vec *v);
void st_vec_sort(st_vec *v, int (*cmp)(const void *a, const void *b));

/* ---- st_map: string-keyed open-addressing hash map --------------------
 * Keys are copied into the map's own storage. Values are opaque. */
typedef struct st_map st_map;
st_map *st_map_new(void);
void st_map_free(st_map *m);
/* Returns the slot for key, creating it (value NULL) when absent. *created
 * tells which. The slot pointer is valid until the next insertion. */
int st_map_slot(st_map *m, const char *key, size_t klen, void ***slot_out,
                bool *created);
void *st_map_get(const st_map *m, const char *key, size_t klen);
size_t st_map_count(const st_map *m);
/* Iteration: *pos starts at 0; returns false at the end. */
bool st_map_next(const st_map *m, size_t *pos, const char **key,
                 void **value);

/* ---- digests ---------------------------------------------------------- */
typedef struct st_sha256 st_sha256;
st_sha256 *st_sha256_new(void);
void st_sha256_update(st_sha256 *h, const void *data, size_t n);
/* Writes "sha256:<64 hex>" + NUL into out (72 bytes). */
void st_sha256_final(st_sha256 *h, char out[72]);
void st_sha256_reset(st_sha256 *h);
void st_sha256_free(st_sha256 *h);
void st_sha256_hex(const void *data, size_t n, char out[72]);
/* True when s is "sha256:" + 64 lowercase hex (or sha512 + 128). */
bool st_digest_valid(const char *s);

/* ---- paths ------------------------------------------------------------ */
/* Normalises a path from an archive into `out`: no leading "/" or "./",
 * no "." or empty components, ".." resolved. Returns 0, or ST_EINVALID
 * when ".." climbs above the root (out is then undefined). The root
 * itself normalises to "". */
int st_path_clean(st_buf *out, const char *path, size_t len);
/* Resolves `target` of a symlink at `linkpath` (both cleaned) to a cleaned
 * absolute-in-image path; ".." never climbs above the root. */
int st_path_resolve_link(st_buf *out, const char *linkpath,
                         const char *target);

/* ---- small string helpers -------------------------------------------- */
bool st_str_startswith(const char *s, const char *prefix);
bool st_str_endswith(const char *s, const char *suffix);
/* Length of the well-formed UTF-8 sequence at s (n bytes left): 1 to 4,
 * or 0 when it is not one (overlong, surrogate, above U+10FFFF, cut). */
size_t st_utf8_len(const unsigned char *s, size_t n);
/* Offset of the first byte that is not well-formed UTF-8, or n. */
size_t st_utf8_check(const void *s, size_t n);
/* Offset of the first NUL or byte that is not well-formed UTF-8, or n:
 * text a YAML or rules reader may be given. */
size_t st_text_check(const void *s, size_t n);
/* Reads a whole file (bounded by max) into b. ST_ENOTFOUND, ST_EIO,
 * ST_ELIMIT. */
int st_read_file(st_buf *b, const char *path, size_t max, st_error **err);

/* A file compiled into the library (cmake/embed.cmake): rules and checks
 * that are data. Tables of them end with {NULL, NULL, 0}. */
typedef struct st_embedded_file {
    const char *name; /* its path in the source tree: "rules/yara/x.yar" */
    const char *data; /* NUL-terminated */
    size_t len;
} st_embedded_file;

#endif
