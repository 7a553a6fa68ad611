/* Fuzz target: the php analyzer on Composer files, driven through
 * st_scan__test_ctx as the walker drives it (production limits: the whole
 * input is the file). The data producer carves one to three files, each a
 * composer.lock, composer.json or vendor/composer/installed.json of one
 * project, so the lock meets its manifest in end(). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "drive.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"app/composer.lock",
                                        "app/composer.json",
                                        "app/vendor/composer/installed.json"};
    drive_carved(&st_analyzer_php, paths, sizeof(paths) / sizeof(paths[0]),
                 "composer", data, size);
    return 0;
}
