/* Fuzz target: OS detection. The data producer carves the contents of
 * os-release and the distributions' release files; they are written into
 * a rootfs in the per-process scratch directory (etc/os-release sometimes
 * a symlink to ../usr/lib/os-release, as on Debian), which is scanned as
 * "dir:" so the os analyzer runs with the walker's lookups, as in
 * production. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_data_producer.h"
#include "strata/image.h"
#include "strata/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const files[] = {
        "usr/lib/os-release", "etc/lsb-release",    "etc/debian_version",
        "etc/alpine-release", "etc/centos-release", "etc/redhat-release",
        "etc/system-release", "etc/SuSE-release",   "etc/fedora-release",
    };
    fdp p = fdp_new(data, size);
    unsigned mask = fdp_range(&p, 0, 511);
    unsigned mode = fdp_range(&p, 0, 3);
    char ref[128], link[256];
    st_image *img = NULL;
    st_result *r = NULL;
    st_error *err = NULL;

    fz_clear();
    fz_write("etc/.keep", "", 0);
    if (!mask)
        mask = 1;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t n;
        const uint8_t *d;
        if (!(mask & (1u << i)))
            continue;
        d = fdp_chunk(&p, &n);
        fz_write(files[i], d, n);
    }
    snprintf(link, sizeof(link), "%s/etc/os-release", fz_tmpdir());
    if (mode == 1 && symlink("../usr/lib/os-release", link))
        abort();
    if (mode == 2 && symlink("/usr/lib/os-release", link))
        abort();
    if (mode == 3) {
        size_t n;
        const uint8_t *d = fdp_rest(&p, &n);
        fz_write("etc/os-release", d, n);
    }
    snprintf(ref, sizeof(ref), "dir:%s", fz_tmpdir());
    if (st_image_open(&img, ref, NULL, &err) == 0 &&
        st_scan_image(&r, img, NULL, &err) == 0) {
        const st_os_info *os = st_result_os(r);
        if (!os->family || (!strcmp(os->family, "unknown") && !os->reason))
            __builtin_trap();
    }
    st_result_free(r);
    st_image_free(img);
    st_error_free(err);
    return 0;
}
