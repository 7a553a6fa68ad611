/* Fuzz target: the ruby analyzer on an installed gemspec, driven through
 * st_scan__test_ctx as the walker drives it (production limits: the whole
 * input is the file). The whole input is one gemspec of a specifications
 * directory, read without evaluating Ruby. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "drive.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ')
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_ruby;
    static const char *const paths[] = {
        "usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec"};
    const size_t npaths = sizeof(paths) / sizeof(paths[0]);
    fdp p = fdp_new(data, size);
    drive dr = drive_new(ops);
    unsigned files = npaths > 1 ? fdp_range(&p, 1, 3) : 1;
    int rc = 0;

    if (!dr.begun)
        goto done;
    for (unsigned i = 0; i < files && rc >= 0; i++) {
        size_t n;
        const char *path =
            paths[npaths > 1 ? fdp_range(&p, 0, (uint32_t)npaths - 1) : 0];
        const uint8_t *d = i + 1 < files ? fdp_chunk(&p, &n) : fdp_rest(&p, &n);
        rc = drive_file(&dr, path, 0, true, d, n);
        if (rc == DRIVE_UNWANTED)
            __builtin_trap(); /* the paths above are all wanted */
        /* only ST_ENOMEM may fail a file: malformed input is a diagnostic */
        if (rc < 0 && rc != ST_ENOMEM)
            __builtin_trap();
    }
    if (rc >= 0 && drive_finish(&dr) < 0)
        __builtin_trap();
    {
        st_result *r = drive_result(&dr);
        size_t n = st_result_package_count(r);
        for (size_t i = 0; i < n; i++) {
            const st_package *pk = st_result_package(r, i);
            if (!printable(pk->name) || !printable(pk->version) ||
                !pk->found_in || strcmp(pk->type, "gem") || pk->direct < -1 ||
                pk->direct > 1 || pk->dev < 0 || pk->dev > 1)
                __builtin_trap();
        }
    }
done:
    drive_free(&dr);
    return 0;
}
