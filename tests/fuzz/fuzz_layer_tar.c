/* Fuzz target: one layer blob (a tar, plain or gzip/zstd as it comes)
 * wrapped into an OCI layout whose digests are computed so they verify
 * (the diff_id is that of what the production decompressor yields), then
 * opened and scanned like any image: the walker, the pipeline and every
 * analyzer see the layer. The layout lives in a per-process scratch
 * directory that is rewritten for each input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_data_producer.h"
#include "strata/image.h"
#include "strata/scan.h"
#include "util/util.h"
#include "walk/decomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OUT (64u << 20) /* bound the diff_id computation */

/* The digest of the uncompressed stream, as the walker will compute it. */
static void diff_id_of(const uint8_t *data, size_t size, char out[72])
{
    st_compression c = st_decomp_sniff(data, size);
    st_decomp *d = st_decomp_new(c);
    st_sha256 *h = st_sha256_new();
    static uint8_t buf[1 << 16];
    size_t off = 0, total = 0;

    if (!d || !h)
        abort();
    while (total < MAX_OUT) {
        size_t in = size - off, outn = 0;
        const char *why = NULL;
        if (st_decomp_run(d, data + off, &in, buf, sizeof(buf), &outn, &why))
            break;
        st_sha256_update(h, buf, outn);
        off += in;
        total += outn;
        if (in == 0 && outn == 0)
            break;
    }
    st_sha256_final(h, out);
    st_sha256_free(h);
    st_decomp_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const mts[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
    };
    char ldig[72], diff[72], cdig[72], mdig[72], name[128], ref[128];
    char cfg[512], man[1024], idx[512];
    st_image *img = NULL;
    st_result *r = NULL;
    st_error *err = NULL;
    st_scan_options so = ST_SCAN_OPTIONS_INIT;
    int n;

    fz_clear();
    st_sha256_hex(data, size, ldig);
    diff_id_of(data, size, diff);
    snprintf(name, sizeof(name), "blobs/sha256/%s", ldig + 7);
    if (fz_write(name, data, size))
        abort();
    n = snprintf(cfg, sizeof(cfg),
                 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
                 "{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", diff);
    st_sha256_hex(cfg, (size_t)n, cdig);
    snprintf(name, sizeof(name), "blobs/sha256/%s", cdig + 7);
    fz_write(name, cfg, (size_t)n);
    n = snprintf(man, sizeof(man),
                 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci."
                 "image.manifest.v1+json\",\"config\":{\"mediaType\":\""
                 "application/vnd.oci.image.config.v1+json\",\"digest\":\"%s"
                 "\",\"size\":%d},\"layers\":[{\"mediaType\":\"%s\","
                 "\"digest\":\"%s\",\"size\":%zu}]}",
                 cdig, (int)strlen(cfg), mts[st_decomp_sniff(data, size)],
                 ldig, size);
    st_sha256_hex(man, (size_t)n, mdig);
    snprintf(name, sizeof(name), "blobs/sha256/%s", mdig + 7);
    fz_write(name, man, (size_t)n);
    n = snprintf(idx, sizeof(idx),
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                 "application/vnd.oci.image.manifest.v1+json\",\"digest\":"
                 "\"%s\",\"size\":%d}]}", mdig, (int)strlen(man));
    fz_write("index.json", idx, (size_t)n);
    fz_write("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);

    snprintf(ref, sizeof(ref), "oci:%s", fz_tmpdir());
    if (st_image_open(&img, ref, NULL, &err) != 0)
        __builtin_trap(); /* the wrapper itself is always valid */
    so.single_thread = 1; /* deterministic */
    so.max_layer_bytes = MAX_OUT;
    if (st_scan_image(&r, img, &so, &err) == 0) {
        size_t np = st_result_package_count(r);
        for (size_t i = 0; i < np; i++)
            if (!st_result_package(r, i)->name)
                __builtin_trap();
        st_result_os(r);
    }
    st_result_free(r);
    st_error_free(err);
    st_image_free(img);
    return 0;
}
