/* registry/ref: image references parsed and normalised as docker does.
 * Expectations follow docker's reference grammar and normalisation
 * (distribution/reference: ParseNormalizedNamed and its test table),
 * written here by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/registry.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct good_case {
    const char *in;
    const char *registry, *host, *repository, *tag, *digest;
} good_case;

static const good_case good[] = {
    {"debian", "docker.io", "registry-1.docker.io", "library/debian",
     "latest", NULL},
    {"debian:12", "docker.io", "registry-1.docker.io", "library/debian", "12",
     NULL},
    {"docker://debian:12", "docker.io", "registry-1.docker.io",
     "library/debian", "12", NULL},
    {"library/debian", "docker.io", "registry-1.docker.io", "library/debian",
     "latest", NULL},
    {"docker.io/debian", "docker.io", "registry-1.docker.io",
     "library/debian", "latest", NULL},
    {"index.docker.io/library/debian:bookworm-slim", "docker.io",
     "registry-1.docker.io", "library/debian", "bookworm-slim", NULL},
    {"bitnami/nginx", "docker.io", "registry-1.docker.io", "bitnami/nginx",
     "latest", NULL},
    {"docker.io/bitnami/nginx:1.25", "docker.io", "registry-1.docker.io",
     "bitnami/nginx", "1.25", NULL},
    {"ghcr.io/a/b:1@sha256:" D64, "ghcr.io", "ghcr.io", "a/b", "1",
     "sha256:" D64},
    {"ghcr.io/a/b@sha256:" D64, "ghcr.io", "ghcr.io", "a/b", NULL,
     "sha256:" D64},
    {"debian@sha256:" D64, "docker.io", "registry-1.docker.io",
     "library/debian", NULL, "sha256:" D64},
    {"127.0.0.1:5000/x/y", "127.0.0.1:5000", "127.0.0.1:5000", "x/y",
     "latest", NULL},
    {"127.0.0.1:5000/x/y:v2", "127.0.0.1:5000", "127.0.0.1:5000", "x/y", "v2",
     NULL},
    {"localhost/foo", "localhost", "localhost", "foo", "latest", NULL},
    {"localhost:5000/foo:t", "localhost:5000", "localhost:5000", "foo", "t",
     NULL},
    {"[::1]:5000/foo", "[::1]:5000", "[::1]:5000", "foo", "latest", NULL},
    {"Example.COM/foo", "Example.COM", "Example.COM", "foo", "latest", NULL},
    {"UPPER/foo", "UPPER", "UPPER", "foo", "latest", NULL},
    {"example.com/a/b/c/d:v1.2.3-rc_1", "example.com", "example.com",
     "a/b/c/d", "v1.2.3-rc_1", NULL},
    {"a__b/c-d.e", "docker.io", "registry-1.docker.io", "a__b/c-d.e",
     "latest", NULL},
    {"a---b", "docker.io", "registry-1.docker.io", "library/a---b", "latest",
     NULL},
    {"a.b_c", "docker.io", "registry-1.docker.io", "library/a.b_c", "latest",
     NULL},
    {"host:5000", "docker.io", "registry-1.docker.io", "library/host", "5000",
     NULL},
    {"foo:_tag", "docker.io", "registry-1.docker.io", "library/foo", "_tag",
     NULL},
    {"r.io/x:" /* 128-character tag */
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "r.io", "r.io", "x",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     NULL},
};

typedef struct bad_case {
    const char *in;
    const char *why; /* a fragment of the message */
} bad_case;

static const bad_case bad[] = {
    {"", "empty"},
    {"Debian", "uppercase"},
    {"library/Debian", "uppercase"},
    {"ghcr.io/Team/app", "uppercase"},
    {"debian:", "empty tag"},
    {":tag", "no repository"},
    {"debian:-bad", "must start"},
    {"debian:.bad", "must start"},
    {"debian:a+b", "invalid character in tag"},
    {"r.io/x:" /* 129 characters */
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "longer than 128"},
    {"a/", "ends with"},
    {"a//b", "invalid"},
    {"/a", "invalid"},
    {"a_-b", "invalid"},
    {"a..b", "invalid"},
    {"a___b", "invalid"},
    {"-a", "invalid"},
    {"a-", "invalid"},
    {"a b", "invalid"},
    {"debian@", "algorithm"},
    {"debian@sha256:abc", "bad digest"},
    {"debian@md5:0123456789abcdef0123456789abcdef", "unsupported digest"},
    {"debian@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"
     "0123456789abcdef",
     "bad digest"},
    {"debian@sha256:" D64 "0", "bad digest"},
    {D64, "image ID"},
    {"example.com:port/foo", "port"},
    {"example.com:123456/foo", "port"},
    {"exa_mple.com/foo", "host name"},
    {"-bad.com/foo", "host name"},
    {"[::1/foo", "IPv6"},
    {"[zz]:5/foo", "IPv6"},
    {"r.io/", "empty repository"},
    {"docker://", "empty"},
};

static void test_registry__ref_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const good_case *c = &good[i];
        st_regref r;
        st_error *err = NULL;
        int rc = st_regref_parse(&r, c->in, &err);
        if (rc != 0)
            fail_msg("\"%s\": %s", c->in, st_error_message(err));
        assert_string_equal(r.registry, c->registry);
        assert_string_equal(r.host, c->host);
        assert_string_equal(r.repository, c->repository);
        if (c->tag)
            assert_string_equal(r.tag, c->tag);
        else
            assert_null(r.tag);
        if (c->digest)
            assert_string_equal(r.digest, c->digest);
        else
            assert_null(r.digest);
        st_regref_release(&r);
        assert_null(r.registry);
    }
}

static void test_registry__ref_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const bad_case *c = &bad[i];
        st_regref r;
        st_error *err = NULL;
        int rc = st_regref_parse(&r, c->in, &err);
        if (rc != ST_EINVALID)
            fail_msg("\"%s\": rc %d, want ST_EINVALID", c->in, rc);
        if (!strstr(st_error_message(err), c->why))
            fail_msg("\"%s\": message \"%s\" does not say \"%s\"", c->in,
                     st_error_message(err), c->why);
        assert_non_null(strstr(st_error_message(err), "invalid reference"));
        assert_null(r.registry);
        assert_null(r.repository);
        st_error_free(err);
    }
}

static void test_registry__ref_too_long(void **state)
{
    char name[400];
    st_regref r;
    st_error *err = NULL;
    (void)state;
    /* 255 characters in the name is the most docker takes. */
    memset(name, 'a', sizeof(name));
    memcpy(name, "r.io/", 5);
    name[255] = 0;
    assert_int_equal(st_regref_parse(&r, name, NULL), 0);
    assert_int_equal(strlen(r.repository), 250);
    st_regref_release(&r);
    name[255] = 'a';
    name[256] = 0;
    assert_int_equal(st_regref_parse(&r, name, &err), ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "longer than 255"));
    st_error_free(err);
    err = NULL;
    /* The limit is on the normalised name, "docker.io/library/" + 237. */
    memset(name, 'b', 238);
    name[237] = 0;
    assert_int_equal(st_regref_parse(&r, name, NULL), 0);
    assert_int_equal(strlen(r.registry) + 1 + strlen(r.repository), 255);
    st_regref_release(&r);
    name[237] = 'b';
    name[238] = 0;
    assert_int_equal(st_regref_parse(&r, name, &err), ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "longer than 255"));
    st_error_free(err);
    memset(name, 'a', sizeof(name));
    memcpy(name, "r.io/", 5);
    /* A tag does not count towards the name. */
    memcpy(name + 255, ":tag", 5);
    assert_int_equal(st_regref_parse(&r, name, NULL), 0);
    assert_string_equal(r.tag, "tag");
    st_regref_release(&r);
}

static void test_registry__ref_format(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"debian", "docker.io/library/debian:latest"},
        {"ghcr.io/a/b:1@sha256:" D64, "ghcr.io/a/b:1@sha256:" D64},
        {"127.0.0.1:5000/x@sha256:" D64, "127.0.0.1:5000/x@sha256:" D64},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_regref r;
        char buf[512], small[8];
        assert_int_equal(st_regref_parse(&r, cases[i].in, NULL), 0);
        st_regref_format(&r, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].out);
        st_regref_format(&r, small, sizeof(small)); /* truncated, terminated */
        assert_int_equal(strlen(small), sizeof(small) - 1);
        /* Formatting then parsing gives the same reference. */
        {
            st_regref again;
            assert_int_equal(st_regref_parse(&again, buf, NULL), 0);
            assert_string_equal(again.repository, r.repository);
            assert_string_equal(again.registry, r.registry);
            st_regref_release(&again);
        }
        st_regref_release(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__ref_good),
        cmocka_unit_test(test_registry__ref_bad),
        cmocka_unit_test(test_registry__ref_too_long),
        cmocka_unit_test(test_registry__ref_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
