/* registry/auth: WWW-Authenticate challenges (RFC 7235 syntax: schemes,
 * auth-params with token or quoted-string values, backslash escapes,
 * several challenges in one header, token68). Expectations by hand; the
 * Docker Hub header is the one its registry sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/registry.h"

typedef struct good_case {
    const char *in;
    st_auth_scheme scheme;
    const char *realm, *service, *scope, *error;
} good_case;

static const good_case good[] = {
    {"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker."
     "io\",scope=\"repository:library/debian:pull\"",
     ST_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io",
     "repository:library/debian:pull", NULL},
    {"Basic realm=\"Registry Realm\"", ST_AUTH_BASIC, "Registry Realm", NULL,
     NULL, NULL},
    {"Basic", ST_AUTH_BASIC, NULL, NULL, NULL, NULL},
    {"Basic realm=\"x\", Bearer realm=\"https://a/t\",service=\"s\"",
     ST_AUTH_BEARER, "https://a/t", "s", NULL, NULL},
    {"Negotiate, Basic realm=\"r\"", ST_AUTH_BASIC, "r", NULL, NULL, NULL},
    {"Negotiate abc==, Bearer realm=\"r\"", ST_AUTH_BEARER, "r", NULL, NULL,
     NULL},
    {"Negotiate abc, Basic realm=r", ST_AUTH_BASIC, "r", NULL, NULL, NULL},
    {"Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
     "Basic realm=\"simple\"",
     ST_AUTH_BASIC, "simple", NULL, NULL, NULL},
    {"Bearer realm=\"a\\\"b\\\\c\"", ST_AUTH_BEARER, "a\"b\\c", NULL, NULL,
     NULL},
    {"bearer REALM=\"x\" , Service = y", ST_AUTH_BEARER, "x", "y", NULL, NULL},
    {"Bearer realm=\"r\",error=\"insufficient_scope\",scope=\"a b\"",
     ST_AUTH_BEARER, "r", NULL, "a b", "insufficient_scope"},
    {"Bearer realm=\"first\", realm=\"second\"", ST_AUTH_BEARER, "first",
     NULL, NULL, NULL},
    {"Bearer realm=\"one\", Bearer realm=\"two\"", ST_AUTH_BEARER, "one",
     NULL, NULL, NULL},
    {", , Basic realm=\"x\",,", ST_AUTH_BASIC, "x", NULL, NULL, NULL},
    {"Bearer\trealm=\"tab\"", ST_AUTH_BEARER, "tab", NULL, NULL, NULL},
    {"Bearer realm=\"\"", ST_AUTH_BEARER, "", NULL, NULL, NULL},
    {"Bearer realm=\"r\", unknown=\"v\", service=s", ST_AUTH_BEARER, "r", "s",
     NULL, NULL},
};

typedef struct bad_case {
    const char *in;
    int rc;
} bad_case;

static const bad_case bad[] = {
    {"", ST_EINVALID},
    {"   ", ST_EINVALID},
    {",,,", ST_EINVALID},
    {"Negotiate", ST_EUNSUPPORTED},
    {"Digest realm=\"x\", nonce=\"y\"", ST_EUNSUPPORTED},
    {"Bearer", ST_EINVALID}, /* no realm */
    {"Bearer service=\"s\"", ST_EINVALID},
    {"Bearer realm=\"unterminated", ST_EINVALID},
    {"Bearer realm=\"ends in backslash\\", ST_EINVALID},
    {"Bearer realm=\"x\" junk", ST_EINVALID},
    {"Bearer realm=\"a\x01\"", ST_EINVALID},
    {"Bearer realm=, service=s", ST_EINVALID},
    {"=realm", ST_EINVALID},
    {"Bearer realm=\"x\",=\"y\"", ST_EINVALID},
    {"Bearer@ realm=\"x\"", ST_EINVALID},
    {"Bearer realm=\"x\";service=y", ST_EINVALID},
    {"\"Bearer\" realm=x", ST_EINVALID},
};

static void test_registry__auth_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const good_case *c = &good[i];
        st_auth_challenge ch;
        st_error *err = NULL;
        int rc = st_auth_parse(c->in, &ch, &err);
        if (rc != 0)
            fail_msg("'%s': %s", c->in, st_error_message(err));
        assert_int_equal(ch.scheme, c->scheme);
#define SAME(f)                                                                \
    do {                                                                       \
        if (c->f)                                                              \
            assert_string_equal(ch.f, c->f);                                   \
        else if (ch.f)                                                         \
            fail_msg("'%s': " #f " is \"%s\", want none", c->in, ch.f);        \
    } while (0)
        SAME(realm);
        SAME(service);
        SAME(scope);
        SAME(error);
#undef SAME
        st_auth_challenge_release(&ch);
        assert_null(ch.realm);
    }
}

static void test_registry__auth_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const bad_case *c = &bad[i];
        st_auth_challenge ch;
        st_error *err = NULL;
        int rc = st_auth_parse(c->in, &ch, &err);
        if (rc != c->rc)
            fail_msg("'%s': rc %d, want %d (%s)", c->in, rc, c->rc,
                     st_error_message(err));
        assert_non_null(strstr(st_error_message(err), "WWW-Authenticate"));
        assert_int_equal(ch.scheme, ST_AUTH_NONE);
        assert_null(ch.realm);
        st_error_free(err);
    }
}

static void test_registry__auth_limits(void **state)
{
    static char big[20000];
    st_auth_challenge ch;
    (void)state;
    /* A 16 KiB realm is still fine; a header over 16 KiB is not. */
    memcpy(big, "Bearer realm=\"", 14);
    memset(big + 14, 'x', 16000);
    memcpy(big + 14 + 16000, "\"", 2);
    assert_int_equal(st_auth_parse(big, &ch, NULL), 0);
    assert_int_equal(strlen(ch.realm), 16000);
    st_auth_challenge_release(&ch);
    memset(big + 14, 'x', 17000);
    memcpy(big + 14 + 17000, "\"", 2);
    assert_int_equal(st_auth_parse(big, &ch, NULL), ST_EINVALID);
    assert_null(ch.realm);
    assert_int_equal(st_auth_parse(NULL, &ch, NULL), ST_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__auth_good),
        cmocka_unit_test(test_registry__auth_bad),
        cmocka_unit_test(test_registry__auth_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
