/* Fuzz target: the dpkg analyzer on a status database, driven through
 * st_scan__test_ctx like the walker drives it. The data producer carves
 * one to three copies of var/lib/dpkg/status (visible top copy, then lower
 * copies for layer attribution), a status.d/ entry, an info/NAME.list and
 * a copyright file. */
#include <stddef.h>
#include <stdint.h>

#include "drive.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fdp p = fdp_new(data, size);
    drive d = drive_new(&st_analyzer_dpkg);
    unsigned copies = fdp_range(&p, 1, 3);
    unsigned extras = fdp_range(&p, 0, 7);
    int rc = 0;

    if (!d.ctx || !d.begun)
        goto done;
    for (unsigned c = 0; c < copies && rc >= 0; c++) {
        size_t n;
        const uint8_t *b =
            c + 1 < copies ? fdp_chunk(&p, &n) : fdp_rest(&p, &n);
        rc = drive_file(&d, "var/lib/dpkg/status", (int)(copies - 1 - c),
                        c == 0, b, n);
        if (c == 0 && rc >= 0 && (extras & 1)) {
            /* the same bytes as the other files the analyzer reads */
            rc = drive_file(&d, "var/lib/dpkg/status.d/base", 2, true, b, n);
            if (rc >= 0 && (extras & 2))
                rc = drive_file(&d, "var/lib/dpkg/info/libc6:amd64.list", 2,
                                true, b, n);
            if (rc >= 0 && (extras & 4))
                rc = drive_file(&d, "usr/share/doc/libc6/copyright", 2, true, b,
                                n);
        }
    }
    if (rc >= 0 && drive_finish(&d) >= 0)
        drive_check_packages(&d);
done:
    drive_free(&d);
    return 0;
}
