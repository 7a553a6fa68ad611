/* npm analyzer internals shared by npm.c (package-lock.json, yarn.lock
 * classic, installed package.json) and npm_yaml.c (pnpm-lock.yaml, yarn
 * berry's yarn.lock). Not installed. */
#ifndef ST_ANALYZE_NPM_H
#define ST_ANALYZE_NPM_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer.h"

/* The file being parsed. */
typedef struct st_npm_file {
    st_scan_ctx *ctx;
    const st_entry *e;
    const char *found_in; /* "/" + e->path (scan arena) */
    size_t skipped;       /* entries without a usable name or version */
} st_npm_file;

/* Adds one npm package. name/version are slices (not NUL-terminated); an
 * empty one, or one holding a NUL, counts as skipped. direct: 1, 0 or -1;
 * dev: 0 or 1; license may be NULL. ST_ENOMEM or 0. */
int st_npm__emit(st_npm_file *f, const char *name, size_t nlen,
                 const char *ver, size_t vlen, int direct, int dev,
                 const char *license, size_t llen);

/* Warns about the file (st_ctx_diag, analyzer "npm"). */
void st_npm__diag(st_npm_file *f, const char *fmt, ...) ST_PRINTF(2, 3);

/* package-lock.json v2/v3 without building a JSON tree. ST_ENOTFOUND,
 * having emitted nothing, when the file is not one it reads (v1, invalid
 * JSON, a key seen twice where it matters): parse it with jansson then. */
int st_npm__lock_fast(st_npm_file *f, const char *data, size_t len);
/* Any package-lock.json (v1-v3) through a jansson tree: the reference the
 * fast path must agree with. A malformed file is a diagnostic; ST_ENOMEM
 * or 0. */
int st_npm__lock_tree(st_npm_file *f, const char *data, size_t len);

/* pnpm-lock.yaml v5.x, v6.x, v9.x. A malformed file is a diagnostic;
 * returns ST_ENOMEM or 0. */
int st_npm__pnpm(st_npm_file *f, const char *data, size_t len);
/* yarn.lock of yarn 2+ ("__metadata:"), YAML. Same returns. */
int st_npm__berry(st_npm_file *f, const char *data, size_t len);

#endif
