/* strata host — internals shared by the loader, the root resolver, the
 * parsers, the probes and the writers. Not installed. */
#ifndef ST_HOST_INT_H
#define ST_HOST_INT_H

#include <stdbool.h>
#include <sys/stat.h>

#include <jansson.h>

#include "strata/host.h"
#include "util/util.h"

/* Limits on what is read from the audited host: every file is bounded. */
#define ST_HOST__MAX_FILE (1u << 20)     /* config files, units, passwd */
#define ST_HOST__MAX_LIST (16u << 20)    /* dpkg status, apt lists */
#define ST_HOST__MAX_ARGS 512            /* words on an ExecStart line */
#define ST_HOST__MAX_DEPTH 64            /* YAML / JSON nesting */
#define ST_HOST__MAX_CONTAINERS 4096
#define ST_HOST__MAX_ARGN 8              /* probe arguments per check */

/* ---- a YAML tree with line numbers (yaml.c) ------------------------- */
enum st_host__ytype { ST_HOST__Y_SCALAR, ST_HOST__Y_SEQ, ST_HOST__Y_MAP };
typedef struct st_host__ynode {
    enum st_host__ytype type;
    unsigned line;  /* 1-based */
    bool plain;     /* an unquoted scalar (so "true" may be a boolean) */
    const char *s;  /* scalar text, NUL-terminated */
    size_t len;
    struct st_host__ynode **kids; /* seq items; map key, value, key, … */
    size_t n;
} st_host__ynode;

/* Parses one YAML document into a tree in `arena`. Errors read
 * "<name>:<line>: <problem>" (ST_EINVALID, ST_ELIMIT, ST_ENOMEM). An empty
 * document gives *out == NULL. */
int st_host__yaml_parse(st_host__ynode **out, st_arena *arena,
                        const char *data, size_t len, const char *name,
                        st_error **err);
/* The value of `key` in a mapping, or NULL. */
st_host__ynode *st_host__ymap(const st_host__ynode *map, const char *key);
/* A dotted path "authentication.anonymous.enabled" through mappings. */
st_host__ynode *st_host__ypath(const st_host__ynode *map, const char *path);

/* ---- the audited root (root.c) ------------------------------------- */
typedef struct st_host__root {
    int fd;            /* O_PATH directory */
    bool offline;      /* --root given */
    bool no_openat2;   /* resolve component by component (tests force it) */
} st_host__root;

int st_host__root_open(st_host__root *r, const char *dir, st_error **err);
void st_host__root_close(st_host__root *r);
/* Opens `path` (absolute, as on the audited host) inside the root; a
 * symlink never leads out of it (absolute targets restart at the root,
 * ".." stops at it). `flags` are open(2) flags; O_NOFOLLOW applies to
 * the last component. Returns an fd or -errno. */
int st_host__open(const st_host__root *r, const char *path, int flags);
/* lstat-like when nofollow, stat-like otherwise: 0 or -errno. */
int st_host__stat(const st_host__root *r, const char *path,
                  struct stat *st, bool nofollow);
/* Reads a whole regular file (bounded): 0, ST_ENOTFOUND, ST_ELIMIT,
 * ST_EIO (err says which file). */
int st_host__read(const st_host__root *r, const char *path, st_buf *out,
                  size_t max, st_error **err);
bool st_host__exists(const st_host__root *r, const char *path);
/* Names in a directory (sorted, no "." or ".."), into the arena; a
 * missing directory gives 0 names. At most `max` names. */
int st_host__list(const st_host__root *r, const char *dir, st_arena *a,
                  const char ***names_out, size_t *n_out, size_t max);

/* ---- the systemd unit ExecStart parser (unit.c) --------------------- */
typedef struct st_host__argv {
    char **v; /* in the arena */
    size_t n;
} st_host__argv;
/* Splits a unit file into the words of its last effective ExecStart= of
 * [Service] (continuation lines joined, "quoted words" and escapes
 * handled; an empty ExecStart= resets, as in drop-ins). `prev` holds the
 * result from earlier files (main unit, then drop-ins) and is replaced
 * when this file sets ExecStart. ST_EINVALID for bad quoting, ST_ELIMIT
 * past ST_HOST__MAX_ARGS words. */
int st_host__unit_execstart(st_host__argv *prev, st_arena *a,
                            const char *data, size_t len, const char *name,
                            st_error **err);
/* Splits a command line (shell-like words, as ExecStart). */
int st_host__split_words(st_host__argv *out, st_arena *a, const char *s,
                         size_t len, const char *name, st_error **err);

/* ---- the Docker daemon's configuration (daemon.c) ------------------- */
/* Maps dockerd flags into a daemon.json-shaped object: "--icc=false" ->
 * {"icc": false}, "-H x" -> {"hosts": ["x"]}. Unknown flags are ignored;
 * a flag that needs a value and has none is ST_EINVALID. */
int st_host__daemon_flags(json_t **out, const st_host__argv *args,
                          st_error **err);
/* Merges flags over the file as dockerd does: a directive given both ways
 * is a conflict (ST_EINVALID naming the directives); otherwise the union.
 * `file` may be NULL. */
int st_host__daemon_merge(json_t **out, const json_t *file,
                          const json_t *flags, st_error **err);
/* Parses daemon.json text (bounded, duplicate keys refused, an object). */
int st_host__daemon_json(json_t **out, const char *data, size_t len,
                         const char *name, st_error **err);

/* ---- one running audit --------------------------------------------- */
typedef struct st_host__check st_host__check;

typedef struct st_host__container {
    const char *id;   /* first 12 hex */
    const char *name; /* "/web" -> "web" */
    json_t *config;   /* config.v2.json (NULL when unreadable) */
    json_t *hostcfg;  /* hostconfig.json */
    const char *error;/* why it could not be read, or NULL */
} st_host__container;

typedef struct st_host__ctx {
    st_host__root root;
    const st_host_options *opts;
    st_arena *arena;
    /* components present */
    bool docker, containerd, kubelet;
    const char *docker_why; /* evidence of presence or absence */
    /* the daemon: file, unit flags, merged (lazily) */
    bool daemon_loaded;
    const char *daemon_json_path;
    json_t *daemon_file;
    json_t *daemon_flags;   /* the unit's flags as daemon.json keys */
    json_t *daemon;         /* merged; never NULL after loading */
    const char *daemon_error; /* a parse error or a conflict, or NULL */
    const char *daemon_unit;  /* the unit path that was read, or NULL */
    bool rootless;
    const char *rootless_why;
    /* containers */
    bool containers_loaded;
    st_vec containers;      /* st_host__container * */
    /* kubelet */
    bool kubelet_loaded;
    st_host__ynode *kubelet_cfg;   /* config.yaml tree or NULL */
    const char *kubelet_cfg_path;
    const char *kubelet_error;
    st_host__argv kubelet_flags;
    /* dpkg status: package -> version */
    bool dpkg_loaded;
    st_map *dpkg;
} st_host__ctx;

/* What a probe found. */
typedef struct st_host__out {
    st_host_status status;
    st_buf evidence;
} st_host__out;

typedef int (*st_host__probe_fn)(st_host__ctx *ctx, const st_host__check *c,
                                 st_host__out *out);
typedef struct st_host__probe {
    const char *name;
    st_host__probe_fn run;
    const char *args;     /* allowed argument keys, comma-separated */
    const char *required; /* required ones */
} st_host__probe;

struct st_host__check {
    st_host_result r;   /* id, cis, … (status and evidence filled later) */
    const char *file;   /* check file name, for messages */
    unsigned line;
    const char *requires; /* docker, containerd, kubelet or NULL */
    const st_host__probe *probe;
    const char *argk[ST_HOST__MAX_ARGN];
    const st_host__ynode *argv[ST_HOST__MAX_ARGN];
    size_t nargs;
};

/* The probe table (probes*.c) and its lookup. */
const st_host__probe *st_host__probe_find(const char *name);
extern const st_host__probe st_host__probes[];

/* Parses check files: appends st_host__check * to `checks` (arena
 * memory). Errors "<file>:<line>: <problem>" (ST_EINVALID). Duplicate ids
 * across calls are refused when `seen` is the same map. */
int st_host__checks_parse(st_vec *checks, st_map *seen, st_arena *a,
                          const char *data, size_t len, const char *name,
                          st_error **err);

/* Argument accessors for probes. */
const char *st_host__arg(const st_host__check *c, const char *key);
const st_host__ynode *st_host__argn(const st_host__check *c, const char *key);

/* Outcome helpers: set the status and (re)write or append evidence. */
void st_host__set(st_host__out *o, st_host_status s, const char *fmt, ...)
    ST_PRINTF(3, 4);
void st_host__add(st_host__out *o, const char *fmt, ...) ST_PRINTF(2, 3);

/* Loads the daemon configuration / containers / kubelet into ctx once. */
int st_host__load_daemon(st_host__ctx *ctx);
int st_host__load_containers(st_host__ctx *ctx);
int st_host__load_kubelet(st_host__ctx *ctx);
/* Detects which components exist (sets docker/containerd/kubelet). */
void st_host__detect(st_host__ctx *ctx);

/* Modes "0644" and user names. */
bool st_host__parse_mode(const char *s, unsigned *out);
/* uid/gid to names from the root's /etc/passwd and /etc/group; writes
 * the number when unknown. */
void st_host__user_name(st_host__ctx *ctx, unsigned uid, char *buf,
                        size_t n);
void st_host__group_name(st_host__ctx *ctx, unsigned gid, char *buf,
                         size_t n);


#endif
