/* strata — suppressing findings: ignore files and VEX documents.
 *
 * Suppressed findings stay in the result with st_vuln.suppressed_by set
 * to the reason, so JSON can say why; reports hide them unless asked.
 */
#ifndef STRATA_FILTER_H
#define STRATA_FILTER_H

#include <time.h>

#include "common.h"
#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Applies an ignore file (.strataignore). One rule per line:
 *   ID [exp:YYYY-MM-DD] [pkg:NAME] [path:GLOB]   # comment
 * ID matches any id of a finding (CVE, GHSA, DSA…); an expired rule
 * (exp before `now`) no longer applies; pkg: limits it to a package name,
 * path: to packages declared by files matching the glob. Errors:
 * ST_ENOTFOUND, ST_EINVALID (the message names the file and line). */
ST_API int st_filter_ignorefile(st_result *r, const char *path, time_t now,
                                st_error **err);

/* Applies an OpenVEX document: a statement whose vulnerability matches a
 * finding's id and whose products match the package (purl, with or
 * without version/qualifiers) or the image suppresses the finding when its
 * status is "not_affected" (the justification is kept) or "fixed".
 * "affected" and "under_investigation" change nothing. Errors:
 * ST_ENOTFOUND, ST_EINVALID (malformed JSON or not OpenVEX, naming the
 * file). */
ST_API int st_filter_vex(st_result *r, const char *path, st_error **err);

#ifdef __cplusplus
}
#endif
#endif
