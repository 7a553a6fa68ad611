/* Fuzz target: the dotnet analyzer on .NET files, driven through
 * st_scan__test_ctx as the walker drives it (production limits: the whole
 * input is the file). The data producer carves one to three files, each an
 * app.deps.json or a packages.lock.json. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "drive.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"app/App.deps.json",
                                        "src/packages.lock.json"};
    drive_carved(&st_analyzer_dotnet, paths, sizeof(paths) / sizeof(paths[0]),
                 "nuget", data, size);
    return 0;
}
