/* strata — CVSS base scores from vector strings.
 *
 * Advisories carry a CVSS vector more often than a trustworthy score, and
 * sources disagree on the score for the same vector; computing it from the
 * vector with the specification's own arithmetic gives one answer. The
 * versions understood are CVSS v2 ("AV:N/AC:L/Au:N/C:P/I:P/A:P"), v3.0 and
 * v3.1 ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") and v4.0
 * ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").
 *
 * Parsing is strict: every mandatory base metric exactly once, no metric
 * twice, only metrics and values the version defines, nothing before the
 * prefix or after the last metric. Metrics may come in any order. The
 * optional temporal/threat, environmental and supplemental metrics are
 * checked the same way and otherwise ignored: the score is always the
 * base score (CVSS-B for v4.0).
 *
 * Nothing here allocates except the st_error on failure. Thread-safe.
 */
#ifndef STRATA_CVSS_H
#define STRATA_CVSS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The CVSS version of a vector. Values are stable. */
typedef enum st_cvss_version {
    ST_CVSS_V2 = 20,   /* no prefix; v2 Complete Guide, section 3.2.1 */
    ST_CVSS_V3_0 = 30, /* "CVSS:3.0/" */
    ST_CVSS_V3_1 = 31, /* "CVSS:3.1/"; same base formula as 3.0 */
    ST_CVSS_V4_0 = 40  /* "CVSS:4.0/"; MacroVector lookup + interpolation */
} st_cvss_version;

/* Computes the base score of `vector`.
 *
 * On success returns 0 and stores the score, 0.0 to 10.0 with one decimal
 * place, in *score_out and the vector's version in *ver_out (either
 * pointer may be NULL). Returns ST_EINVALID for a malformed vector, with
 * a message in *err naming the offending metric ("CVSS:3.1: metric AV
 * given twice", "… missing mandatory metric UI", "… unknown value \"X\"
 * for metric AC"); ST_EUNSUPPORTED for a "CVSS:x.y/" prefix of another
 * version; ST_EUSAGE when vector is NULL. On failure the out-parameters
 * are left untouched. */
ST_API int st_cvss_score(double *score_out, st_cvss_version *ver_out,
                         const char *vector, st_error **err);

/* The qualitative severity rating of a CVSS v3/v4 score: "None" (0.0),
 * "Low" (0.1-3.9), "Medium" (4.0-6.9), "High" (7.0-8.9) or "Critical"
 * (9.0-10.0). The string is static. NULL for a score outside [0, 10] or
 * NaN. (CVSS v2 defined no rating; NVD's v2 Low/Medium/High bands differ
 * from this scale.) */
ST_API const char *st_cvss_rating(double score);

/* "2.0", "3.0", "3.1", "4.0", or NULL for another value. */
ST_API const char *st_cvss_version_name(st_cvss_version v);

#ifdef __cplusplus
}
#endif
#endif
