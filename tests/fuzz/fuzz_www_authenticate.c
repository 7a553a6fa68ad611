/* Fuzz target: WWW-Authenticate header values, as the registry client
 * parses the header of a 401 (st_auth_parse). The input is cut at its
 * first NUL, as a header line cannot hold one. Checks: only the documented
 * codes; a success is Basic or Bearer, a Bearer has a realm, and no value
 * holds a control character other than TAB; a failure leaves the
 * challenge empty and says why; parsing is deterministic. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool clean(const char *s)
{
    for (; s && *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
            return false;
    return true;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    st_auth_challenge c, again;
    st_error *err = NULL;
    int rc, rc2;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;

    rc = st_auth_parse(buf, &c, &err);
    if (rc == 0) {
        if ((c.scheme != ST_AUTH_BASIC && c.scheme != ST_AUTH_BEARER) || err)
            __builtin_trap();
        if (c.scheme == ST_AUTH_BEARER && !c.realm)
            __builtin_trap();
        if (!clean(c.realm) || !clean(c.service) || !clean(c.scope) ||
            !clean(c.error))
            __builtin_trap();
    } else {
        if (rc != ST_EINVALID && rc != ST_EUNSUPPORTED && rc != ST_ENOMEM)
            __builtin_trap();
        if (c.scheme != ST_AUTH_NONE || c.realm || c.service || c.scope ||
            c.error || !err || !st_error_message(err)[0])
            __builtin_trap();
    }
    rc2 = st_auth_parse(buf, &again, NULL);
    if (rc2 != rc || again.scheme != c.scheme || !same(again.realm, c.realm) ||
        !same(again.service, c.service) || !same(again.scope, c.scope) ||
        !same(again.error, c.error))
        __builtin_trap();
    st_auth_challenge_release(&again);
    st_auth_challenge_release(&c);
    st_error_free(err);
    free(buf);
    return 0;
}
