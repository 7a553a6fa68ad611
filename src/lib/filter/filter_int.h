/* Internal interface of the filter module (ignore files, VEX): the
 * parsers over a buffer, for tests and fuzzers, and shared helpers. Not
 * installed. */
#ifndef ST_FILTER_INT_H
#define ST_FILTER_INT_H

#include <time.h>

#include "strata/filter.h"
#include "util/util.h"

/* st_filter_ignorefile over data already read; `file` names it in errors
 * (its last component in suppressed_by). */
int st_filter__ignore_buf(st_result *r, const char *data, size_t len,
                          const char *file, time_t now, st_error **err);

/* st_filter_vex over data already read; `file` names it in errors (its
 * last component in suppressed_by). */
int st_filter__vex_buf(st_result *r, const char *data, size_t len,
                       const char *file, st_error **err);

/* Days since 1970-01-01 of "YYYY-MM-DD" (exactly len 10, a real date).
 * 0 or ST_EINVALID. */
int st_filter__date(long long *days_out, const char *s, size_t len);

/* The last component of a path ("a/b/vex.json" -> "vex.json"). */
const char *st_filter__basename(const char *path);

#endif
