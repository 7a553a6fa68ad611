/* Library-wide facts. */
#include "util.h"
#include "banned.h"

const char *st_version(void)
{
    return ST_VERSION_STRING;
}
