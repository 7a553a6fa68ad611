/* Fuzz target: the apk analyzer on lib/apk/db/installed, driven through
 * st_scan__test_ctx like the walker drives it. The data producer carves
 * one to three copies of the database: the visible top copy, then lower
 * copies that date the packages (layer attribution). */
#include <stddef.h>
#include <stdint.h>

#include "drive.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fdp p = fdp_new(data, size);
    drive d = drive_new(&st_analyzer_apk);
    unsigned copies = fdp_range(&p, 1, 3);
    int rc = 0;

    if (!d.ctx || !d.begun)
        goto done;
    for (unsigned c = 0; c < copies && rc >= 0; c++) {
        size_t n;
        const uint8_t *b =
            c + 1 < copies ? fdp_chunk(&p, &n) : fdp_rest(&p, &n);
        rc = drive_file(&d, "lib/apk/db/installed", (int)(copies - 1 - c),
                        c == 0, b, n);
    }
    if (rc >= 0 && drive_finish(&d) >= 0)
        drive_check_packages(&d);
done:
    drive_free(&d);
    return 0;
}
