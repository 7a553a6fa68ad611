/* Fuzz target: the outer tar index (docker-archive / oci-archive), through
 * the in-memory entry point with the production limits, then lookups that
 * follow symlinks and hardlinks inside the archive. */
#include <stddef.h>
#include <stdint.h>

#include "source/tarindex.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "manifest.json", "index.json", "oci-layout", "a", "a/b", "link",
        ("blobs/sha256/0000000000000000000000000000000000000000000000000000"
         "000000000000"),
        "../x", "", "/",
    };
    st_tarindex *t = NULL;
    st_error *err = NULL;

    if (st_tarindex_build_mem(&t, data, size, "fuzz.tar", &err) == 0) {
        size_t n = st_tarindex_count(t);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            const st_tarmember *m = st_tarindex_find(t, names[i]);
            /* a member found must lie inside the archive */
            if (m && (m->off > size || m->size > size - m->off))
                __builtin_trap();
            if (m && m->type != '0' && m->type != '7')
                __builtin_trap();
        }
        (void)n;
    } else if (!err) {
        __builtin_trap(); /* an error code without an error */
    }
    st_error_free(err);
    st_tarindex_free(t);
    return 0;
}
