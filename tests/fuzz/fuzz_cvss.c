/* Fuzz target: CVSS vector strings. The input, cut at its first NUL, is
 * scored as production scores advisory vectors; a valid vector must give
 * a score in [0, 10] with one decimal place, a rating, and the same score
 * again; an invalid one must leave the out-parameters alone and say why. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[4096];
    double score = -1, again = -1;
    st_cvss_version ver = (st_cvss_version)0;
    st_error *err = NULL;
    int rc;

    if (size >= sizeof(buf))
        size = sizeof(buf) - 1;
    memcpy(buf, data, size);
    buf[size] = 0;

    rc = st_cvss_score(&score, &ver, buf, &err);
    if (rc == 0) {
        if (!(score >= 0.0 && score <= 10.0) ||
            fabs(score * 10 - round(score * 10)) > 1e-9 ||
            !st_cvss_rating(score) || !st_cvss_version_name(ver) || err)
            __builtin_trap();
        if (st_cvss_score(&again, NULL, buf, NULL) != 0 || again != score)
            __builtin_trap();
    } else {
        if (score != -1 || ver != 0 || !err || !st_error_message(err)[0])
            __builtin_trap();
    }
    st_error_free(err);
    return 0;
}
