/* composer version comparison: not implemented yet (stub). */
#include "version.h"

int st_vercmp_composer(int *out, const char *a, const char *b)
{
    (void)a;
    (void)b;
    *out = 0;
    return ST_EUNSUPPORTED;
}

