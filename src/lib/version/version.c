/* The scheme table and the public entry points. */
#include <string.h>

#include "version.h"
#include "util/banned.h"

static const struct {
    const char *name;
    st_vercmp_fn cmp;
} schemes[ST_VER_COUNT] = {
    [ST_VER_DEB] = {"deb", st_vercmp_deb},
    [ST_VER_RPM] = {"rpm", st_vercmp_rpm},
    [ST_VER_APK] = {"apk", st_vercmp_apk},
    [ST_VER_PYPI] = {"pypi", st_vercmp_pypi},
    [ST_VER_SEMVER] = {"semver", st_vercmp_semver},
    [ST_VER_NPM] = {"npm", st_vercmp_npm},
    [ST_VER_MAVEN] = {"maven", st_vercmp_maven},
    [ST_VER_GO] = {"go", st_vercmp_go},
    [ST_VER_GEM] = {"gem", st_vercmp_gem},
    [ST_VER_NUGET] = {"nuget", st_vercmp_nuget},
    [ST_VER_COMPOSER] = {"composer", st_vercmp_composer},
};

int st_version_scheme_parse(st_version_scheme *out, const char *name)
{
    for (int i = 0; i < ST_VER_COUNT; i++)
        if (name && !strcmp(name, schemes[i].name)) {
            *out = (st_version_scheme)i;
            return 0;
        }
    return ST_EUSAGE;
}

const char *st_version_scheme_name(st_version_scheme s)
{
    return (unsigned)s < ST_VER_COUNT ? schemes[s].name : NULL;
}

int st_version_compare(int *out, st_version_scheme s, const char *a,
                       const char *b)
{
    if ((unsigned)s >= ST_VER_COUNT || !a || !b)
        return ST_EUSAGE;
    return schemes[s].cmp(out, a, b);
}
