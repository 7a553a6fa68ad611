/* Decompressors behind one push interface. */
#include <string.h>

#include <zlib.h>
#include <zstd.h>
#ifdef ST_WITH_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "decomp.h"
#include "util/util.h"
#include "util/banned.h"

struct st_decomp {
    st_compression kind;
    bool member_done; /* gzip: a member ended; more may follow */
    bool any_output;
    bool started;     /* some input was seen */
#ifdef ST_WITH_ISAL
    struct inflate_state isal;
#else
    z_stream z;
#endif
    ZSTD_DStream *zs;
    size_t zs_hint; /* zstd: 0 when a frame is complete */
};

st_compression st_decomp_sniff(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return ST_COMP_GZIP;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
        p[3] == 0xfd)
        return ST_COMP_ZSTD;
    return ST_COMP_NONE;
}

const char *st_decomp_name(st_compression c)
{
    switch (c) {
    case ST_COMP_GZIP:
        return "gzip";
    case ST_COMP_ZSTD:
        return "zstd";
    case ST_COMP_NONE:
        break;
    }
    return "none";
}

static void gzip_reset(st_decomp *d)
{
#ifdef ST_WITH_ISAL
    isal_inflate_init(&d->isal);
    d->isal.crc_flag = ISAL_GZIP;
#else
    inflateReset2(&d->z, 16 + 15);
#endif
}

st_decomp *st_decomp_new(st_compression c)
{
    st_decomp *d = st_calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->kind = c;
    if (c == ST_COMP_GZIP) {
#ifdef ST_WITH_ISAL
        gzip_reset(d);
#else
        if (inflateInit2(&d->z, 16 + 15) != Z_OK) {
            st_free(d);
            return NULL;
        }
#endif
    } else if (c == ST_COMP_ZSTD) {
        d->zs = ZSTD_createDStream();
        if (!d->zs) {
            st_free(d);
            return NULL;
        }
        ZSTD_initDStream(d->zs);
        /* Refuse windows above 1 GiB: a frame could otherwise ask for
         * any amount of memory. */
        ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, 30);
    }
    return d;
}

void st_decomp_free(st_decomp *d)
{
    if (!d)
        return;
#ifndef ST_WITH_ISAL
    if (d->kind == ST_COMP_GZIP)
        inflateEnd(&d->z);
#endif
    ZSTD_freeDStream(d->zs);
    st_free(d);
}

static int run_gzip(st_decomp *d, const uint8_t *in, size_t *in_len,
                    uint8_t *out, size_t out_cap, size_t *out_len,
                    const char **why)
{
    size_t avail = *in_len, produced = 0;

    while (produced < out_cap) {
        if (d->member_done) {
            /* Another gzip member may follow (concatenated streams). */
            if (avail == 0)
                break;
            if (in[*in_len - avail] != 0x1f) {
                *why = "trailing data after the gzip stream";
                return ST_EINVALID;
            }
            gzip_reset(d);
            d->member_done = false;
        }
        if (avail == 0)
            break;
#ifdef ST_WITH_ISAL
        d->isal.next_in = (uint8_t *)in + (*in_len - avail);
        d->isal.avail_in = (uint32_t)(avail > UINT32_MAX ? UINT32_MAX : avail);
        d->isal.next_out = out + produced;
        d->isal.avail_out = (uint32_t)(out_cap - produced > UINT32_MAX
                                           ? UINT32_MAX
                                           : out_cap - produced);
        uint32_t before_in = d->isal.avail_in, before_out = d->isal.avail_out;
        int r = isal_inflate(&d->isal);
        avail -= before_in - d->isal.avail_in;
        produced += before_out - d->isal.avail_out;
        if (r != ISAL_DECOMP_OK) {
            *why = r == ISAL_INCORRECT_CHECKSUM ? "gzip checksum mismatch"
                                                : "corrupt gzip data";
            return ST_EINVALID;
        }
        if (d->isal.block_state == ISAL_BLOCK_FINISH)
            d->member_done = true;
        else if (before_in == d->isal.avail_in &&
                 before_out == d->isal.avail_out)
            break; /* needs more input */
#else
        d->z.next_in = (Bytef *)in + (*in_len - avail);
        d->z.avail_in = (uInt)(avail > UINT32_MAX ? UINT32_MAX : avail);
        d->z.next_out = out + produced;
        d->z.avail_out = (uInt)(out_cap - produced > UINT32_MAX
                                    ? UINT32_MAX
                                    : out_cap - produced);
        uInt before_in = d->z.avail_in, before_out = d->z.avail_out;
        int r = inflate(&d->z, Z_NO_FLUSH);
        avail -= before_in - d->z.avail_in;
        produced += before_out - d->z.avail_out;
        if (r == Z_STREAM_END)
            d->member_done = true;
        else if (r == Z_BUF_ERROR)
            break;
        else if (r != Z_OK) {
            *why = "corrupt gzip data";
            return ST_EINVALID;
        }
#endif
    }
    *in_len -= avail;
    *out_len = produced;
    return 0;
}

static int run_zstd(st_decomp *d, const uint8_t *in, size_t *in_len,
                    uint8_t *out, size_t out_cap, size_t *out_len,
                    const char **why)
{
    ZSTD_inBuffer ib = {in, *in_len, 0};
    ZSTD_outBuffer ob = {out, out_cap, 0};

    while (ob.pos < ob.size && ib.pos < ib.size) {
        size_t r = ZSTD_decompressStream(d->zs, &ob, &ib);
        if (ZSTD_isError(r)) {
            *why = ZSTD_getErrorName(r);
            return ST_EINVALID;
        }
        d->zs_hint = r;
    }
    /* Flush what the decoder still holds for this input. */
    while (ob.pos < ob.size && ib.pos == ib.size && d->zs_hint) {
        size_t before = ob.pos;
        size_t r = ZSTD_decompressStream(d->zs, &ob, &ib);
        if (ZSTD_isError(r)) {
            *why = ZSTD_getErrorName(r);
            return ST_EINVALID;
        }
        d->zs_hint = r;
        if (ob.pos == before)
            break;
    }
    *in_len = ib.pos;
    *out_len = ob.pos;
    return 0;
}

int st_decomp_run(st_decomp *d, const uint8_t *in, size_t *in_len,
                  uint8_t *out, size_t out_cap, size_t *out_len,
                  const char **why)
{
    int rc;
    if (*in_len)
        d->started = true;
    switch (d->kind) {
    case ST_COMP_GZIP:
        rc = run_gzip(d, in, in_len, out, out_cap, out_len, why);
        break;
    case ST_COMP_ZSTD:
        rc = run_zstd(d, in, in_len, out, out_cap, out_len, why);
        break;
    case ST_COMP_NONE:
    default: {
        size_t n = *in_len < out_cap ? *in_len : out_cap;
        memcpy(out, in, n);
        *in_len = n;
        *out_len = n;
        rc = 0;
        break;
    }
    }
    if (rc == 0 && *out_len)
        d->any_output = true;
    return rc;
}

int st_decomp_finish(st_decomp *d, const char **why)
{
    switch (d->kind) {
    case ST_COMP_GZIP:
        if (!d->member_done) {
            *why = "truncated gzip stream";
            return ST_EINVALID;
        }
        return 0;
    case ST_COMP_ZSTD:
        if (!d->started || d->zs_hint != 0) {
            *why = "truncated zstd stream";
            return ST_EINVALID;
        }
        return 0;
    case ST_COMP_NONE:
        break;
    }
    return 0;
}
