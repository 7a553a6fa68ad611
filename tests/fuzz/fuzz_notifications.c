/* Fuzz target: a registry's notification envelope as POSTed to strata
 * serve (st_srv_parse_notifications). Checks: only the documented codes;
 * every reference handed out is "host/repository@sha256:<64 hex>" with no
 * character that could change a URL's meaning (no '?', '#', '@' in the
 * host or repository part, no whitespace), and its digest is the one
 * given with it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *u, const char *ref, const char *digest)
{
    const char *at = strrchr(ref, '@');
    size_t *n = u;

    (*n)++;
    if (!at || strcmp(at + 1, digest) || !st_digest_valid(digest) ||
        strncmp(digest, "sha256:", 7) || !strchr(ref, '/') ||
        strchr(ref, '/') > at)
        __builtin_trap();
    for (const char *p = ref; p < at; p++)
        if (*p == '?' || *p == '#' || *p == '@' || *p == ' ' || *p == '\t' ||
            *p == '\r' || *p == '\n' || (unsigned char)*p < 0x20)
            __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, ignored = 0;
    st_error *err = NULL;
    int rc = st_srv_parse_notifications((const char *)data, size, check, &n,
                                        &ignored, &err);
    if (rc != 0 && rc != ST_EINVALID)
        __builtin_trap();
    if ((rc == 0) != (err == NULL))
        __builtin_trap();
    st_error_free(err);
    return 0;
}
