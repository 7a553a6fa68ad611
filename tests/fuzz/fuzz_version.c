/* Fuzz target: version comparison, every scheme. The first byte picks the
 * scheme (modulo the number of schemes); the rest is split at the first
 * NUL or TAB into a and b. st_version_compare runs both ways and on each
 * string against itself, and the answers must be consistent:
 *   - every answer is -1, 0 or 1;
 *   - a pair is comparable both ways or neither (validity is per string);
 *   - cmp(a, b) == -cmp(b, a) (antisymmetry);
 *   - cmp(a, a) == 0 for every valid a (reflexivity).
 * A scheme whose comparator is not written yet (ST_EUNSUPPORTED) is
 * skipped. A violation aborts, so libFuzzer records the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, st_version_scheme s, const char *a,
                   const char *b, int x, int y)
{
    fprintf(stderr, "fuzz_version: %s: %s [%s] [%s]: %d %d\n", what,
            st_version_scheme_name(s), a, b, x, y);
    abort();
}

static int cmp(int *out, st_version_scheme s, const char *a, const char *b)
{
    int rc;

    *out = 7;
    rc = st_version_compare(out, s, a, b);
    if (rc == 0 && *out != -1 && *out != 0 && *out != 1)
        broken("answer out of range", s, a, b, *out, 0);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_version_scheme s;
    const uint8_t *rest, *sep;
    char *a, *b;
    size_t alen, blen;
    int ab, ba, aa, bb, rc_ab, rc_ba, rc_aa, rc_bb;

    if (size < 1)
        return 0;
    s = (st_version_scheme)(data[0] % ST_VER_COUNT);
    rest = data + 1;
    size--;
    for (sep = rest; sep < rest + size && *sep && *sep != '\t'; sep++)
        ;
    alen = (size_t)(sep - rest);
    blen = sep < rest + size ? size - alen - 1 : 0;
    a = malloc(alen + 1);
    b = malloc(blen + 1);
    if (!a || !b)
        goto done;
    memcpy(a, rest, alen);
    a[alen] = '\0';
    if (blen)
        memcpy(b, sep + 1, blen);
    b[blen] = '\0'; /* b is cut at an embedded NUL, like any C string */

    rc_ab = cmp(&ab, s, a, b);
    if (rc_ab == ST_EUNSUPPORTED)
        goto done;
    rc_ba = cmp(&ba, s, b, a);
    rc_aa = cmp(&aa, s, a, a);
    rc_bb = cmp(&bb, s, b, b);
    if ((rc_ab == 0) != (rc_ba == 0))
        broken("comparable one way only", s, a, b, rc_ab, rc_ba);
    if (rc_ab == 0 && ab != -ba)
        broken("not antisymmetric", s, a, b, ab, ba);
    if (rc_aa == 0 && aa != 0)
        broken("a != a", s, a, a, aa, 0);
    if (rc_bb == 0 && bb != 0)
        broken("b != b", s, b, b, bb, 0);
    /* a pair is comparable exactly when both strings are versions */
    if ((rc_ab == 0) != (rc_aa == 0 && rc_bb == 0))
        broken("validity differs between pairs", s, a, b, rc_ab,
               rc_aa ? rc_aa : rc_bb);
done:
    free(a);
    free(b);
    return 0;
}
