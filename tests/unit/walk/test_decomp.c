/* decomp: gzip (one and several members), zstd and none through the push
 * interface; corrupt and truncated streams; tiny output buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "util/util.h"
#include "walk/decomp.h"

static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(i % 5 ? 'a' + (x >> 16) % 7 : x >> 24);
    }
    return p;
}

static size_t gz(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    n = z.total_out;
    deflateEnd(&z);
    return n;
}

/* Runs the whole input through d, feeding `inchunk` bytes and offering
 * `outchunk` bytes of output at a time. Returns the rc of run/finish. */
static int decode(st_compression c, const uint8_t *in, size_t n,
                  size_t inchunk, size_t outchunk, st_buf *out,
                  const char **why)
{
    st_decomp *d = st_decomp_new(c);
    uint8_t *ob = malloc(outchunk);
    size_t off = 0;
    int rc = 0, stall = 0;

    assert_non_null(d);
    st_buf_reset(out);
    *why = NULL;
    while (rc == 0) {
        size_t avail = n - off < inchunk ? n - off : inchunk;
        size_t used = avail, got = 0;
        rc = st_decomp_run(d, in + off, &used, ob, outchunk, &got, why);
        if (rc)
            break;
        assert_true(used <= avail);
        assert_true(got <= outchunk);
        st_buf_put(out, ob, got);
        off += used;
        if (used == 0 && got == 0) {
            if (off == n || ++stall > 3)
                break;
        } else {
            stall = 0;
        }
    }
    if (rc == 0)
        rc = st_decomp_finish(d, why);
    st_decomp_free(d);
    free(ob);
    return rc;
}

static void test_decomp__sniff(void **state)
{
    (void)state;
    static const uint8_t g[] = {0x1f, 0x8b, 8, 0};
    static const uint8_t z[] = {0x28, 0xb5, 0x2f, 0xfd};
    assert_int_equal(st_decomp_sniff(g, 4), ST_COMP_GZIP);
    assert_int_equal(st_decomp_sniff(g, 2), ST_COMP_GZIP);
    assert_int_equal(st_decomp_sniff(g, 1), ST_COMP_NONE);
    assert_int_equal(st_decomp_sniff(z, 4), ST_COMP_ZSTD);
    assert_int_equal(st_decomp_sniff(z, 3), ST_COMP_NONE);
    assert_int_equal(st_decomp_sniff((const uint8_t *)"ustar", 5),
                     ST_COMP_NONE);
    assert_int_equal(st_decomp_sniff(NULL, 0), ST_COMP_NONE);
    assert_string_equal(st_decomp_name(ST_COMP_GZIP), "gzip");
    assert_string_equal(st_decomp_name(ST_COMP_ZSTD), "zstd");
    assert_string_equal(st_decomp_name(ST_COMP_NONE), "none");
}

static const struct {
    size_t in, out;
} chunkings[] = {{1 << 20, 1 << 20}, {1, 1 << 20}, {1 << 20, 1},
                 {7, 3},             {4096, 1},   {1, 1}};

static void test_decomp__gzip_members(void **state)
{
    (void)state;
    enum { N = 300000 };
    uint8_t *raw = sample(N);
    size_t cap = N * 2, n1, n2;
    uint8_t *z = malloc(cap);
    st_buf out = ST_BUF_INIT(0);
    const char *why;

    /* two members: the first third, then the rest */
    n1 = gz(z, cap, raw, N / 3);
    n2 = gz(z + n1, cap - n1, raw + N / 3, N - N / 3);
    for (size_t k = 0; k < sizeof(chunkings) / sizeof(chunkings[0]); k++) {
        if (chunkings[k].in * chunkings[k].out == 1 && k != 5)
            continue;
        /* one member */
        assert_int_equal(decode(ST_COMP_GZIP, z, n1, chunkings[k].in,
                                chunkings[k].out, &out, &why), 0);
        assert_int_equal(out.len, N / 3);
        assert_memory_equal(out.ptr, raw, N / 3);
        /* concatenated */
        assert_int_equal(decode(ST_COMP_GZIP, z, n1 + n2, chunkings[k].in,
                                chunkings[k].out, &out, &why), 0);
        assert_int_equal(out.len, N);
        assert_memory_equal(out.ptr, raw, N);
    }
    st_buf_release(&out);
    free(raw);
    free(z);
}

static void test_decomp__zstd_frames(void **state)
{
    (void)state;
    enum { N = 300000 };
    uint8_t *raw = sample(N);
    size_t cap = ZSTD_compressBound(N) * 2, n1, n2;
    uint8_t *z = malloc(cap);
    st_buf out = ST_BUF_INIT(0);
    const char *why;

    n1 = ZSTD_compress(z, cap, raw, N / 2, 3);
    assert_false(ZSTD_isError(n1));
    n2 = ZSTD_compress(z + n1, cap - n1, raw + N / 2, N - N / 2, 19);
    assert_false(ZSTD_isError(n2));
    for (size_t k = 0; k < sizeof(chunkings) / sizeof(chunkings[0]); k++) {
        assert_int_equal(decode(ST_COMP_ZSTD, z, n1 + n2, chunkings[k].in,
                                chunkings[k].out, &out, &why), 0);
        assert_int_equal(out.len, N);
        assert_memory_equal(out.ptr, raw, N);
    }
    st_buf_release(&out);
    free(raw);
    free(z);
}

static void test_decomp__none(void **state)
{
    (void)state;
    uint8_t *raw = sample(10000);
    st_buf out = ST_BUF_INIT(0);
    const char *why;
    assert_int_equal(decode(ST_COMP_NONE, raw, 10000, 333, 17, &out, &why),
                     0);
    assert_int_equal(out.len, 10000);
    assert_memory_equal(out.ptr, raw, 10000);
    st_buf_release(&out);
    free(raw);
}

static void test_decomp__corrupt_and_truncated(void **state)
{
    (void)state;
    enum { N = 100000 };
    uint8_t *raw = sample(N);
    size_t cap = N * 2, gn, zn;
    uint8_t *g = malloc(cap), *z = malloc(cap), *bad = malloc(cap);
    st_buf out = ST_BUF_INIT(0);
    const char *why;

    gn = gz(g, cap, raw, N);
    zn = ZSTD_compress(z, cap, raw, N, 3);

    /* truncated gzip: half the stream */
    assert_int_equal(decode(ST_COMP_GZIP, g, gn / 2, 4096, 4096, &out, &why),
                     ST_EINVALID);
    assert_non_null(why);
    assert_string_equal(why, "truncated gzip stream");
    /* gzip cut right before the CRC/size trailer */
    assert_int_equal(decode(ST_COMP_GZIP, g, gn - 8, 4096, 4096, &out, &why),
                     ST_EINVALID);
    /* corrupt gzip: a flipped CRC byte in the trailer */
    memcpy(bad, g, gn);
    bad[gn - 6] ^= 0x55;
    assert_int_equal(decode(ST_COMP_GZIP, bad, gn, 4096, 4096, &out, &why),
                     ST_EINVALID);
    assert_non_null(why);
    /* corrupt deflate data: a reserved block type */
    memcpy(bad, g, gn);
    bad[10] = 0x07;
    assert_int_equal(decode(ST_COMP_GZIP, bad, gn, 4096, 4096, &out, &why),
                     ST_EINVALID);
    assert_non_null(why);
    /* trailing garbage after a complete member */
    memcpy(bad, g, gn);
    memcpy(bad + gn, "garbage", 7);
    assert_int_equal(decode(ST_COMP_GZIP, bad, gn + 7, 4096, 4096, &out,
                            &why),
                     ST_EINVALID);
    assert_non_null(strstr(why, "trailing"));
    /* no input at all */
    assert_int_equal(decode(ST_COMP_GZIP, g, 0, 4096, 4096, &out, &why),
                     ST_EINVALID);

    /* truncated zstd */
    assert_int_equal(decode(ST_COMP_ZSTD, z, zn / 2, 4096, 4096, &out, &why),
                     ST_EINVALID);
    assert_string_equal(why, "truncated zstd stream");
    assert_int_equal(decode(ST_COMP_ZSTD, z, 0, 4096, 4096, &out, &why),
                     ST_EINVALID);
    /* corrupt zstd: garbage after the magic */
    memcpy(bad, z, zn);
    memset(bad + 4, 0xff, 16);
    assert_int_equal(decode(ST_COMP_ZSTD, bad, zn, 4096, 4096, &out, &why),
                     ST_EINVALID);
    assert_non_null(why);
    /* a window larger than 1 GiB is refused */
    {
        static const uint8_t hdr[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8};
        assert_int_equal(decode(ST_COMP_ZSTD, hdr, sizeof(hdr), 64, 64, &out,
                                &why),
                         ST_EINVALID);
        assert_non_null(why);
    }
    st_buf_release(&out);
    free(raw);
    free(g);
    free(z);
    free(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decomp__sniff),
        cmocka_unit_test(test_decomp__gzip_members),
        cmocka_unit_test(test_decomp__zstd_frames),
        cmocka_unit_test(test_decomp__none),
        cmocka_unit_test(test_decomp__corrupt_and_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
