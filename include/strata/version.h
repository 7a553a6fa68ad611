/* strata — version comparison, one scheme per package ecosystem.
 *
 * Every comparator follows its ecosystem's own rules (dpkg, rpmvercmp,
 * apk-tools, PEP 440, SemVer 2, Maven ComparableVersion, Go modules,
 * RubyGems, NuGet, Composer) and allocates nothing, so matching a package
 * against thousands of advisory ranges stays cheap. Thread-safe.
 */
#ifndef STRATA_VERSION_H
#define STRATA_VERSION_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum st_version_scheme {
    ST_VER_DEB = 0,   /* "deb": dpkg, [epoch:]upstream[-revision] */
    ST_VER_RPM,       /* "rpm": rpmvercmp over [epoch:]version[-release] */
    ST_VER_APK,       /* "apk": apk-tools */
    ST_VER_PYPI,      /* "pypi": PEP 440 */
    ST_VER_SEMVER,    /* "semver": SemVer 2.0.0 (also crates.io) */
    ST_VER_NPM,       /* "npm": node-semver (SemVer with npm's leniency) */
    ST_VER_MAVEN,     /* "maven": Maven ComparableVersion */
    ST_VER_GO,        /* "go": Go module versions (semver with "v",
                         pseudo-versions, +incompatible) */
    ST_VER_GEM,       /* "gem": RubyGems Gem::Version */
    ST_VER_NUGET,     /* "nuget": NuGet SemVer 2 with 4 parts */
    ST_VER_COMPOSER,  /* "composer": Composer (PHP) */
    ST_VER_COUNT
} st_version_scheme;

/* Parses a scheme name ("deb", "rpm", …, as listed above). ST_EUSAGE for
 * an unknown name. */
ST_API int st_version_scheme_parse(st_version_scheme *out, const char *name);

/* The scheme's name, or NULL for an invalid value. */
ST_API const char *st_version_scheme_name(st_version_scheme s);

/* Compares a with b under scheme s: *out is -1, 0 or 1. Returns 0, or
 * ST_EINVALID when a or b is not a version of the scheme: for deb, a
 * string dpkg rejects with a syntax error (empty, blanks inside, a bad
 * epoch, an empty version or revision); for rpm, only the empty string;
 * for the other schemes, a string their grammar rejects. ST_EUSAGE for an
 * invalid scheme or a NULL string. */
ST_API int st_version_compare(int *out, st_version_scheme s, const char *a,
                              const char *b);

#ifdef __cplusplus
}
#endif
#endif
