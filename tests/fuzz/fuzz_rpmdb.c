/* Fuzz target: a whole rpm database. The first byte picks the format
 * (sqlite, Berkeley DB hash, ndb); the rest is the file. Every blob found
 * goes through the header parser, as in the rpm analyzer. */
#include <stddef.h>
#include <stdint.h>

#include "analyze/rpmhdr.h"
#include "util/util.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_blob(void *payload, const uint8_t *blob, size_t len)
{
    st_rpm_header h;

    return st_rpm__parse_header(&h, blob, len, payload) == ST_ENOMEM
               ? ST_ENOMEM
               : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_arena *a;
    st_error *err = NULL;

    if (size < 1)
        return 0;
    if (!(a = st_arena_new()))
        return 0;
    st_rpmdb__foreach(data + 1, size - 1, (st_rpmdb_kind)(data[0] % 3),
                      on_blob, a, &err);
    st_error_free(err);
    st_arena_free(a);
    return 0;
}
