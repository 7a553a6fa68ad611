/* The probe table, generated from probes.def. */
#include <stddef.h>

#include "host/probes.h"
#include "util/banned.h"

#define ST_HOST_PROBE(name, args, req) {#name, st_host__p_##name, args, req},
const st_host__probe st_host__probes[] = {
#include "host/probes.def"
    {NULL, NULL, NULL, NULL},
};
#undef ST_HOST_PROBE
