/* Prototypes of the probes listed in probes.def, and helpers the probe
 * files share. */
#ifndef ST_HOST_PROBES_H
#define ST_HOST_PROBES_H

#include "host/host_int.h"

#define ST_HOST_PROBE(name, args, req)                                      \
    int st_host__p_##name(st_host__ctx *ctx, const st_host__check *c,       \
                          st_host__out *out);
#include "host/probes.def"
#undef ST_HOST_PROBE

/* Compares a configured value (JSON or text) with a YAML argument that is
 * a scalar or a list of scalars: true when one of them matches. */
bool st_host__match(const st_host__ynode *want, const char *have);
/* A JSON value as text ("true", "1024", "x"); NULL for null/absent. Into
 * the arena; arrays and objects are written compactly. */
const char *st_host__json_text(st_host__ctx *ctx, const json_t *v);
/* "root:docker 0660" for a stat. */
void st_host__describe(st_host__ctx *ctx, const struct stat *st, char *buf,
                       size_t n);
/* The status a check argument "status" names (fail by default). */
st_host_status st_host__status_arg(const st_host__check *c,
                                   st_host_status dflt);
/* The dpkg status of the root: package -> version (arena strings). */
int st_host__dpkg(st_host__ctx *ctx, st_map **out);

#endif
