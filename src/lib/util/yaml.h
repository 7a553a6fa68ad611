/* A YAML (and JSON) stream as small trees with positions, built from
 * libfyaml's event stream, for inputs that are hostile: Kubernetes
 * manifests, compose files, policy files.
 *
 * Every document of the stream becomes a tree in the caller's arena. Each
 * node knows its 1-based line and column. Duplicate keys, non-scalar keys,
 * nesting deeper than a limit and documents that would expand (through
 * aliases) to more nodes than a limit are errors: an alias is shared, not
 * copied, so a "billion laughs" costs nothing before it is refused. Merge
 * keys ("<<: *base") are applied: explicit keys win over merged ones.
 */
#ifndef ST_UTIL_YAML_H
#define ST_UTIL_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

/* libfyaml's diagnostics, for every YAML reader of strata. Errors are
 * collected, never printed: libfyaml 0.7.12 overflows a stack buffer when
 * it formats an error in a long line for anything but a terminal. Set the
 * parse config's FYPCF_COLLECT_DIAG too; free with fy_diag_destroy (which
 * frees the collected errors; fy_diag_unref does not). NULL: no memory. */
struct fy_diag;
struct fy_diag *st_yaml_diag_new(void);
/* The first error collected into msg (n bytes, one line): false when
 * there is none. line and column are libfyaml's (0: unknown). */
bool st_yaml_diag_first(struct fy_diag *d, unsigned *line, unsigned *column,
                        char *msg, size_t n);

typedef enum st_ytype { ST_Y_SCALAR = 0, ST_Y_SEQ = 1, ST_Y_MAP = 2 } st_ytype;

typedef struct st_ynode {
    st_ytype type;
    unsigned line, column; /* 1-based: where the node starts */
    bool plain;            /* an unquoted scalar ("true" may be a boolean) */
    const char *s;         /* scalar text, NUL-terminated; "" otherwise */
    size_t len;
    struct st_ynode **kids; /* SEQ: the items; MAP: key, value, key, … */
    size_t n;               /* number of kids (two per mapping entry) */
    size_t weight;          /* nodes below and including this one, aliases
                               counted as often as they are used */
} st_ynode;

typedef struct st_yaml_limits {
    size_t max_bytes;   /* the whole stream; 0: 8 MiB */
    unsigned max_depth; /* nesting; 0: 64 (at most 64) */
    size_t max_nodes;   /* per document, aliases expanded; 0: 1,000,000 */
    size_t max_docs;    /* documents in the stream; 0: 100,000 */
} st_yaml_limits;

/* Why a stream was refused: where and what ("duplicate key \"name\""). */
typedef struct st_yaml_error {
    int code; /* ST_EINVALID, ST_ELIMIT or ST_ENOMEM */
    unsigned line, column;
    char msg[200];
} st_yaml_error;

/* Parses a stream into `docs` (st_ynode *, one per non-empty document, in
 * order), allocating from `a`. `lim` may be NULL for the defaults. On an
 * error returns its code and fills *e (which may be NULL); the documents
 * completed before the error stay in `docs` (the caller decides whether to
 * use them). `docs` is the caller's (st_vec_release). */
int st_yaml_parse(st_vec *docs, st_arena *a, const char *data, size_t len,
                  const st_yaml_limits *lim, st_yaml_error *e);

/* The value of `key` in a mapping, or NULL (also when map is not one). */
const st_ynode *st_ymap_get(const st_ynode *map, const char *key);
/* The key node of `key` in a mapping (its position is the line to point
 * at for "this field"), or NULL. */
const st_ynode *st_ymap_key(const st_ynode *map, const char *key);
/* A dotted path "metadata.name" through mappings, or NULL. */
const st_ynode *st_ypath(const st_ynode *map, const char *path);
/* The text of a scalar, or NULL when n is NULL or not a scalar. */
const char *st_ystr(const st_ynode *n);
/* A boolean as Kubernetes' YAML reads it (true/false, and YAML 1.1's
 * yes/no/on/off when plain): 1, 0, or -1 when n is not a boolean. */
int st_ybool(const st_ynode *n);
/* A whole number (decimal, plain or quoted): true and *out set. */
bool st_yint(const st_ynode *n, long long *out);

#endif
