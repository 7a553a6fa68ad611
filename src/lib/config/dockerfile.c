/* The dockerfile file kind of the configuration audit (stub: being written). */
#include "config_int.h"

static bool detect(const char *path, const char *head, size_t len)
{
    (void)path;
    (void)head;
    (void)len;
    return false;
}

static int audit(st_cfg_ctx *c, const char *path, const char *data,
                 size_t len)
{
    (void)c;
    (void)path;
    (void)data;
    (void)len;
    return 0;
}

const st_cfg_kind st_cfg_kind_dockerfile = {"dockerfile", detect, audit};
