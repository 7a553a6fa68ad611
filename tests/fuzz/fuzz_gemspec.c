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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {
        "usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec"};
    drive_carved(&st_analyzer_ruby, paths, sizeof(paths) / sizeof(paths[0]),
                 "gem", data, size);
    return 0;
}
