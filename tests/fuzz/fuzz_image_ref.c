/* Fuzz target: image references as users and manifests give them
 * (st_regref_parse). The input is cut at its first NUL. Checks: only the
 * documented codes; a parsed reference has a registry, a host, a
 * lowercase repository within docker's limits, a tag or a valid digest;
 * formatting it and parsing that gives the same reference; a failure
 * leaves the reference empty and says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), text[1024];
    st_regref r, again;
    st_error *err = NULL;
    int rc;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;

    rc = st_regref_parse(&r, buf, &err);
    if (rc == 0) {
        if (!r.registry || !*r.registry || !r.host || !*r.host ||
            !r.repository || !*r.repository || (!r.tag && !r.digest) || err)
            __builtin_trap();
        for (const char *p = r.repository; *p; p++)
            if ((*p >= 'A' && *p <= 'Z') || *p == ':' || *p == '@')
                __builtin_trap();
        if (strlen(r.registry) + 1 + strlen(r.repository) > 255)
            __builtin_trap();
        if (r.tag && (strlen(r.tag) == 0 || strlen(r.tag) > 128))
            __builtin_trap();
        if (r.digest && !st_digest_valid(r.digest))
            __builtin_trap();
        st_regref_format(&r, text, sizeof(text));
        if (st_regref_parse(&again, text, NULL) != 0 ||
            !same(again.registry, r.registry) || !same(again.host, r.host) ||
            !same(again.repository, r.repository) ||
            !same(again.tag, r.tag) || !same(again.digest, r.digest))
            __builtin_trap();
        st_regref_release(&again);
    } else {
        if (rc != ST_EINVALID && rc != ST_ENOMEM)
            __builtin_trap();
        if (r.registry || r.host || r.repository || r.tag || r.digest ||
            !err || !st_error_message(err)[0])
            __builtin_trap();
    }
    st_regref_release(&r);
    st_error_free(err);
    free(buf);
    return 0;
}
