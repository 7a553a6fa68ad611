/* Internal: one comparator per scheme. Each takes NUL-terminated strings,
 * sets *out to -1, 0 or 1 and returns 0, or ST_EINVALID for a string that
 * is not a version of its scheme. No allocation, no global state. */
#ifndef ST_VERSION_INT_H
#define ST_VERSION_INT_H

#include "strata/version.h"
#include "util/util.h"

typedef int (*st_vercmp_fn)(int *out, const char *a, const char *b);

int st_vercmp_deb(int *out, const char *a, const char *b);
int st_vercmp_rpm(int *out, const char *a, const char *b);
int st_vercmp_apk(int *out, const char *a, const char *b);
int st_vercmp_pypi(int *out, const char *a, const char *b);
int st_vercmp_semver(int *out, const char *a, const char *b);
int st_vercmp_npm(int *out, const char *a, const char *b);
int st_vercmp_maven(int *out, const char *a, const char *b);
int st_vercmp_go(int *out, const char *a, const char *b);
int st_vercmp_gem(int *out, const char *a, const char *b);
int st_vercmp_nuget(int *out, const char *a, const char *b);
int st_vercmp_composer(int *out, const char *a, const char *b);

#endif
