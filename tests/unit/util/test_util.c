/* util: paths from hostile archives, bounded buffers, the hash map, the
 * arena, digests and strict JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"
#include "util/util.h"

/* ---- st_path_clean -------------------------------------------------- */

static const struct {
    const char *in;
    size_t len; /* 0: strlen(in) */
    int rc;
    const char *out;
} clean_cases[] = {
    {"a/b/c", 0, 0, "a/b/c"},
    {"/a//b/./c/", 0, 0, "a/b/c"},
    {"./etc/os-release", 0, 0, "etc/os-release"},
    {"a/../b", 0, 0, "b"},
    {"a/b/..", 0, 0, "a"},
    {"a/b/../../c/", 0, 0, "c"},
    {"", 0, 0, ""},
    {"/", 0, 0, ""},
    {".", 0, 0, ""},
    {"./", 0, 0, ""},
    {"//", 0, 0, ""},
    {"/etc/passwd", 0, 0, "etc/passwd"},
    {"a/.../b", 0, 0, "a/.../b"},      /* "..." is a name */
    {"a/..b/c", 0, 0, "a/..b/c"},      /* so is "..b" */
    {".wh..wh..opq", 0, 0, ".wh..wh..opq"},
    {"..", 0, ST_EINVALID, NULL},
    {"../etc/passwd", 0, ST_EINVALID, NULL},
    {"/../etc", 0, ST_EINVALID, NULL},
    {"a/../../b", 0, ST_EINVALID, NULL},
    {"a/b/../../..", 0, ST_EINVALID, NULL},
    {"a\0b", 3, ST_EINVALID, NULL}, /* NUL inside a name */
};

static void test_util__path_clean(void **state)
{
    (void)state;
    st_buf out = ST_BUF_INIT(4096);
    for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]);
         i++) {
        const char *in = clean_cases[i].in;
        size_t len = clean_cases[i].len ? clean_cases[i].len : strlen(in);
        int rc = st_path_clean(&out, in, len);
        if (rc != clean_cases[i].rc)
            fail_msg("st_path_clean(\"%s\"): rc %d, want %d", in, rc,
                     clean_cases[i].rc);
        if (clean_cases[i].out) {
            if (strcmp(out.ptr, clean_cases[i].out))
                fail_msg("st_path_clean(\"%s\") = \"%s\", want \"%s\"", in,
                         out.ptr, clean_cases[i].out);
            assert_int_equal(out.len, strlen(clean_cases[i].out));
        }
    }
    st_buf_release(&out);
}

static void test_util__path_clean_limit(void **state)
{
    (void)state;
    st_buf out = ST_BUF_INIT(8);
    assert_int_equal(st_path_clean(&out, "abc/defg", 8), 0);
    assert_string_equal(out.ptr, "abc/defg");
    assert_int_equal(st_path_clean(&out, "abc/defgh", 9), ST_ELIMIT);
    st_buf_release(&out);
}

/* ---- st_path_resolve_link ------------------------------------------- */

static const struct {
    const char *link, *target, *out;
} link_cases[] = {
    {"etc/os-release", "../usr/lib/os-release", "usr/lib/os-release"},
    {"etc/os-release", "/usr/lib/os-release", "usr/lib/os-release"},
    {"bin/sh", "busybox", "bin/busybox"},
    {"bin/sh", "./busybox", "bin/busybox"},
    {"a", "b", "b"},
    {"a/b/c", "../../../../../x", "x"}, /* clamped at the root */
    {"a/b", "/../../c", "c"},
    {"a/b", "..", ""},
    {"a/b", ".", "a"},
    {"lib", "usr/lib", "usr/lib"},
    {"usr/lib64/x", "../../lib64//./y/", "lib64/y"},
};

static void test_util__path_resolve_link(void **state)
{
    (void)state;
    st_buf out = ST_BUF_INIT(4096);
    for (size_t i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
        int rc = st_path_resolve_link(&out, link_cases[i].link,
                                      link_cases[i].target);
        assert_int_equal(rc, 0);
        if (strcmp(out.ptr, link_cases[i].out))
            fail_msg("resolve(%s -> %s) = \"%s\", want \"%s\"",
                     link_cases[i].link, link_cases[i].target, out.ptr,
                     link_cases[i].out);
        assert_int_equal(out.len, strlen(link_cases[i].out));
    }
    st_buf_release(&out);
}

/* ---- st_buf --------------------------------------------------------- */

static void test_util__buf_limit(void **state)
{
    (void)state;
    st_buf b = ST_BUF_INIT(8);
    assert_non_null(b.ptr);
    assert_string_equal(b.ptr, "");
    assert_int_equal(st_buf_puts(&b, "12345678"), 0);
    assert_int_equal(b.len, 8);
    assert_int_equal(b.ptr[8], 0);
    assert_int_equal(st_buf_putc(&b, 'x'), ST_ELIMIT);
    assert_int_equal(b.len, 8); /* unchanged */
    assert_string_equal(b.ptr, "12345678");
    assert_int_equal(st_buf_printf(&b, "%d", 1), ST_ELIMIT);
    assert_string_equal(b.ptr, "12345678");
    st_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    assert_int_equal(st_buf_printf(&b, "%s-%d", "ab", 42), 0);
    assert_string_equal(b.ptr, "ab-42");
    assert_int_equal(st_buf_grow(&b, SIZE_MAX), ST_ELIMIT);
    st_buf_release(&b);
    assert_string_equal(b.ptr, "");
}

static void test_util__buf_nul_and_growth(void **state)
{
    (void)state;
    st_buf b = ST_BUF_INIT(0); /* unlimited */
    char big[1000];
    size_t len;
    char *p;

    assert_int_equal(st_buf_put(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.ptr, "a\0b\0", 4);
    memset(big, 'z', sizeof(big));
    for (int i = 0; i < 100; i++)
        assert_int_equal(st_buf_put(&b, big, sizeof(big)), 0);
    assert_int_equal(b.len, 3 + 100 * sizeof(big));
    assert_int_equal(b.ptr[b.len], 0);
    assert_true(b.alloc > b.len);
    p = st_buf_detach(&b, &len);
    assert_int_equal(len, 100003);
    assert_int_equal(p[len], 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    st_free(p);
    p = st_buf_detach(&b, &len); /* empty buffer: still a string */
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    st_free(p);
}

/* ---- st_map --------------------------------------------------------- */

static void test_util__map_many_keys(void **state)
{
    (void)state;
    enum { N = 20000 };
    st_map *m = st_map_new();
    char key[32];
    size_t pos = 0, seen = 0;
    const char *k;
    void *v;
    unsigned char *hit = calloc(N, 1);

    assert_non_null(m);
    assert_non_null(hit);
    for (size_t i = 0; i < N; i++) {
        void **slot;
        bool created;
        int n = snprintf(key, sizeof(key), "usr/lib/file-%zu", i);
        assert_int_equal(st_map_slot(m, key, (size_t)n, &slot, &created), 0);
        assert_true(created);
        assert_null(*slot);
        *slot = (void *)(uintptr_t)(i + 1);
    }
    assert_int_equal(st_map_count(m), N);
    for (size_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "usr/lib/file-%zu", i);
        assert_int_equal((uintptr_t)st_map_get(m, key, (size_t)n), i + 1);
    }
    /* re-insertion finds the old slot */
    {
        void **slot;
        bool created = true;
        assert_int_equal(st_map_slot(m, "usr/lib/file-7", 14, &slot,
                                     &created), 0);
        assert_false(created);
        assert_int_equal((uintptr_t)*slot, 8);
    }
    assert_null(st_map_get(m, "usr/lib/file-", 13));
    assert_null(st_map_get(m, "usr/lib/file-20000", 18));
    assert_null(st_map_get(m, "", 0));
    while (st_map_next(m, &pos, &k, &v)) {
        size_t i = (uintptr_t)v - 1;
        assert_true(i < N);
        snprintf(key, sizeof(key), "usr/lib/file-%zu", i);
        assert_string_equal(k, key);
        assert_int_equal(hit[i], 0);
        hit[i] = 1;
        seen++;
    }
    assert_int_equal(seen, N);
    assert_false(st_map_next(m, &pos, &k, &v)); /* stays at the end */
    free(hit);
    st_map_free(m);
}

static void test_util__map_binary_keys(void **state)
{
    (void)state;
    st_map *m = st_map_new();
    void **slot;
    bool created;
    assert_int_equal(st_map_slot(m, "a\0b", 3, &slot, &created), 0);
    *slot = (void *)1;
    assert_int_equal(st_map_slot(m, "a", 1, &slot, &created), 0);
    assert_true(created);
    *slot = (void *)2;
    assert_int_equal(st_map_slot(m, "", 0, &slot, &created), 0);
    assert_true(created);
    *slot = (void *)3;
    assert_int_equal((uintptr_t)st_map_get(m, "a\0b", 3), 1);
    assert_int_equal((uintptr_t)st_map_get(m, "a\0c", 3), 0);
    assert_int_equal((uintptr_t)st_map_get(m, "a", 1), 2);
    assert_int_equal((uintptr_t)st_map_get(m, "", 0), 3);
    assert_int_equal(st_map_count(m), 3);
    st_map_free(m);
    st_map_free(NULL);
}

/* ---- st_arena ------------------------------------------------------- */

static void test_util__arena(void **state)
{
    (void)state;
    st_arena *a = st_arena_new();
    char *s, *big;
    unsigned char *z;
    void *prev = NULL;

    assert_non_null(a);
    assert_int_equal(st_arena_size(a), 0);
    for (int i = 0; i < 5000; i++) {
        z = st_arena_alloc(a, (size_t)(i % 97) + 1);
        assert_non_null(z);
        assert_int_equal((uintptr_t)z % 16, 0);
        for (int k = 0; k < i % 97 + 1; k++)
            assert_int_equal(z[k], 0);
        memset(z, 0xff, (size_t)(i % 97) + 1);
        assert_ptr_not_equal(z, prev);
        prev = z;
    }
    s = st_arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    assert_null(st_arena_strdup(a, NULL));
    s = st_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    s = st_arena_printf(a, "%s/%03d", "layer", 7);
    assert_string_equal(s, "layer/007");
    s = st_arena_memdup(a, "x\0y", 3);
    assert_memory_equal(s, "x\0y", 3);
    /* a big one-off does not disturb the bump block */
    big = st_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    s = st_arena_strdup(a, "after");
    assert_string_equal(s, "after");
    assert_true(st_arena_size(a) >= (1u << 20) + 5000);
    assert_null(st_arena_alloc(a, SIZE_MAX));
    st_arena_free(a);
    st_arena_free(NULL);
}

/* ---- digests -------------------------------------------------------- */

static void test_util__sha256_vectors(void **state)
{
    (void)state;
    char out[72];
    st_sha256 *h = st_sha256_new();
    char *mil = malloc(1000000);

    st_sha256_hex("abc", 3, out);
    assert_string_equal(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a3"
                             "96177a9cb410ff61f20015ad");
    st_sha256_hex("", 0, out);
    assert_string_equal(out, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
                             "649b934ca495991b7852b855");
    st_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  56, out);
    assert_string_equal(out, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce459"
                             "64ff2167f6ecedd419db06c1");
    /* streaming, in uneven pieces, equals one shot */
    memset(mil, 'a', 1000000);
    for (size_t off = 0, step = 1; off < 1000000; off += step, step += 7)
        st_sha256_update(h, mil + off,
                         off + step > 1000000 ? 1000000 - off : step);
    st_sha256_final(h, out);
    assert_string_equal(out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48"
                             "a497200e046d39ccc7112cd0");
    st_sha256_reset(h);
    st_sha256_update(h, "a", 1);
    st_sha256_update(h, "bc", 2);
    st_sha256_final(h, out);
    assert_string_equal(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a3"
                             "96177a9cb410ff61f20015ad");
    assert_true(st_digest_valid(out));
    free(mil);
    st_sha256_free(h);
}

static void test_util__digest_valid(void **state)
{
    (void)state;
    static const char hex64[] =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    char s[200];
    static const struct {
        const char *prefix, *body, *suffix;
        bool ok;
    } cases[] = {
        {"sha256:", hex64, "", true},
        {"sha256:", hex64, "0", false},       /* 65 digits */
        {"sha256:", hex64 + 1, "", false},    /* 63 digits */
        {"SHA256:", hex64, "", false},
        {"sha256", hex64, "", false},
        {"sha256: ", hex64 + 1, "", false},
        {"", hex64, "", false},
        {"md5:", hex64, "", false},
        {"sha512:", hex64, hex64, true},
        {"sha512:", hex64, "", false},
        {"sha384:", hex64, "", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(s, sizeof(s), "%s%s%s", cases[i].prefix, cases[i].body,
                 cases[i].suffix);
        if (st_digest_valid(s) != cases[i].ok)
            fail_msg("st_digest_valid(\"%s\") != %d", s, cases[i].ok);
    }
    snprintf(s, sizeof(s), "sha256:%s", hex64);
    s[7 + 10] = 'A'; /* uppercase hex */
    assert_false(st_digest_valid(s));
    s[7 + 10] = 'g';
    assert_false(st_digest_valid(s));
    assert_false(st_digest_valid(NULL));
    assert_false(st_digest_valid(""));
}

/* ---- json ----------------------------------------------------------- */

static void test_util__json_strict(void **state)
{
    (void)state;
    json_t *j = NULL;
    st_error *err = NULL;
    static const char dup[] = "{\n  \"a\": 1,\n  \"a\": 2\n}";
    static const char bad[] = "{\n  \"a\": 1,\n  oops\n}";
    static const char ok[] = "{\"s\": \"x\", \"n\": 1, \"o\": {}, \"l\": []}";
    char *msg;

    assert_int_equal(st_json_load(&j, dup, strlen(dup), "index.json", &err),
                     ST_EINVALID);
    assert_null(j);
    assert_int_equal(st_error_code(err), ST_EINVALID);
    msg = st_error_format(err);
    assert_non_null(strstr(msg, "index.json: line 3"));
    assert_non_null(strstr(msg, "duplicate"));
    st_free(msg);
    st_error_free(err);
    err = NULL;

    assert_int_equal(st_json_load(&j, bad, strlen(bad), "config", &err),
                     ST_EINVALID);
    msg = st_error_format(err);
    assert_non_null(strstr(msg, "config: line 3"));
    st_free(msg);
    st_error_free(err);
    err = NULL;

    assert_int_equal(st_json_load(&j, ok, strlen(ok), "x", &err), 0);
    assert_null(err);
    assert_string_equal(st_json_str(j, "s"), "x");
    assert_null(st_json_str(j, "n"));   /* wrong type: absent */
    assert_null(st_json_str(j, "zz"));
    assert_non_null(st_json_obj(j, "o"));
    assert_null(st_json_obj(j, "l"));
    assert_non_null(st_json_arr(j, "l"));
    assert_null(st_json_arr(j, "o"));
    assert_null(st_json_str(json_object_get(j, "l"), "s")); /* not object */
    json_decref(j);
}

static void test_util__error_chain(void **state)
{
    (void)state;
    st_error *err = NULL;
    char *msg;
    assert_int_equal(st_error_set(&err, ST_EIO, "t", "inner %d", 1), ST_EIO);
    assert_int_equal(st_error_wrap(&err, "outer %s", "x"), ST_EIO);
    msg = st_error_format(err);
    assert_string_equal(msg, "outer x: inner 1");
    st_free(msg);
    assert_int_equal(st_error_set(&err, ST_EDIGEST, "t", "top"), ST_EDIGEST);
    assert_int_equal(st_error_code(err), ST_EDIGEST);
    msg = st_error_format(err);
    assert_non_null(strstr(msg, "top"));
    assert_non_null(strstr(msg, "inner 1"));
    st_free(msg);
    st_error_free(err);
    assert_int_equal(st_error_set(NULL, ST_EINVALID, "t", "x"), ST_EINVALID);
    assert_int_equal(st_error_code(NULL), ST_OK);
    assert_string_equal(st_error_message(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__path_clean),
        cmocka_unit_test(test_util__path_clean_limit),
        cmocka_unit_test(test_util__path_resolve_link),
        cmocka_unit_test(test_util__buf_limit),
        cmocka_unit_test(test_util__buf_nul_and_growth),
        cmocka_unit_test(test_util__map_many_keys),
        cmocka_unit_test(test_util__map_binary_keys),
        cmocka_unit_test(test_util__arena),
        cmocka_unit_test(test_util__sha256_vectors),
        cmocka_unit_test(test_util__digest_valid),
        cmocka_unit_test(test_util__json_strict),
        cmocka_unit_test(test_util__error_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
