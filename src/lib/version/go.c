/* Go module versions, as golang.org/x/mod/semver reads them: SemVer 2.0.0
 * behind a required 'v', with the shorthands "v1" and "v1.2" standing for
 * v1.0.0 and v1.2.0 (but no pre-release or build after a shorthand).
 *
 * Pseudo-versions need no rule of their own: v1.2.3-20240102150405-abcdef
 * abcdef, v1.2.4-0.20240102150405-abcdefabcdef and
 * v1.2.4-pre.0.20240102150405-abcdefabcdef are ordinary pre-releases and
 * sort as such, which is how the go command orders them. "+incompatible"
 * is build metadata and does not take part in the order.
 *
 * So a Go version is compared as the SemVer version after its 'v', with a
 * shorthand completed; the SemVer comparator does the rest. */
#include <stdio.h>
#include <string.h>

#include "version.h"
#include "util/banned.h"

#define MAX_GO_VERSION 1024

/* Writes the SemVer form of a Go version into buf; false when invalid. */
static bool to_semver(const char *v, char *buf, size_t size)
{
    size_t dots = 0, n;
    const char *p;

    if (v[0] != 'v')
        return false;
    v++;
    n = strlen(v);
    if (n + 5 > size)
        return false;
    /* a shorthand is digits and dots only: "1" or "1.2" */
    for (p = v; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            break;
    }
    if (!*p && dots < 2) {
        snprintf(buf, size, "%s%s", v, dots == 0 ? ".0.0" : ".0");
        return true;
    }
    memcpy(buf, v, n + 1);
    return true;
}

int st_vercmp_go(int *out, const char *a, const char *b)
{
    char sa[MAX_GO_VERSION], sb[MAX_GO_VERSION];
    *out = 0;
    if (!to_semver(a, sa, sizeof(sa)) || !to_semver(b, sb, sizeof(sb)))
        return ST_EINVALID;
    return st_vercmp_semver(out, sa, sb);
}
