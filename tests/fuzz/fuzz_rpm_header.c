/* Fuzz target: one rpm header blob, as the rpm analyzer parses each blob
 * of a database (st_rpm__parse_header, production limits). */
#include <stddef.h>
#include <stdint.h>

#include "analyze/rpmhdr.h"
#include "util/util.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_arena *a = st_arena_new();
    st_rpm_header h;

    if (!a)
        return 0;
    st_rpm__parse_header(&h, data, size, a);
    st_arena_free(a);
    return 0;
}
