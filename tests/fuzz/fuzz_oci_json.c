/* Fuzz target: the OCI layout JSON (index.json, a nested index, a manifest
 * and a config) through st_image_open("oci:DIR") and, when that succeeds,
 * st_scan_image. The data producer carves the four documents; in each,
 * the placeholders @MANIFEST@ @INNER@ @CONFIG@ @LAYER@ @DIFFID@ (digests)
 * and @MSIZE@ @ISIZE@ @CSIZE@ @LSIZE@ (sizes) are replaced by the values of
 * the blobs written, so fuzzed documents can reference each other with
 * digests that verify. The layer is an empty tar. A platform is picked
 * from a few. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_data_producer.h"
#include "strata/image.h"
#include "strata/scan.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { K_MANIFEST, K_INNER, K_CONFIG, K_LAYER, K_DIFFID, K_MSIZE, K_ISIZE,
       K_CSIZE, K_LSIZE, K_N };
static const char *const keys[K_N] = {
    "@MANIFEST@", "@INNER@", "@CONFIG@", "@LAYER@", "@DIFFID@",
    "@MSIZE@",    "@ISIZE@", "@CSIZE@",  "@LSIZE@",
};

/* Writes a blob and records its digest and size under the given keys. */
static void blob(const char *d, size_t n, char vals[K_N][80], int kdig,
                 int ksize)
{
    char name[128];
    st_sha256_hex(d, n, vals[kdig]);
    snprintf(vals[ksize], 80, "%zu", n);
    snprintf(name, sizeof(name), "blobs/sha256/%s", vals[kdig] + 7);
    if (fz_write(name, d, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const platforms[] = {NULL, "linux/amd64",
                                            "linux/arm64", "linux/arm/v7",
                                            "linux/arm64/v8", "bogus"};
    static char empty_tar[1024];
    char vals[K_N][80];
    const char *v[K_N];
    fdp p = fdp_new(data, size);
    const uint8_t *d[4];
    size_t dl[4], n;
    char *s;
    st_image_options io = ST_IMAGE_OPTIONS_INIT;
    st_image *img = NULL;
    st_error *err = NULL;
    char ref[128];

    io.platform = platforms[fdp_range(&p, 0, 5)];
    d[0] = fdp_chunk(&p, &dl[0]); /* index.json */
    d[1] = fdp_chunk(&p, &dl[1]); /* manifest */
    d[2] = fdp_chunk(&p, &dl[2]); /* nested index */
    d[3] = fdp_rest(&p, &dl[3]);  /* config */

    fz_clear();
    memset(vals, 0, sizeof(vals));
    for (int i = 0; i < K_N; i++)
        v[i] = vals[i];
    blob(empty_tar, sizeof(empty_tar), vals, K_LAYER, K_LSIZE);
    memcpy(vals[K_DIFFID], vals[K_LAYER], sizeof(vals[0]));
    s = fz_subst(d[3], dl[3], keys, v, K_N, &n);
    blob(s, n, vals, K_CONFIG, K_CSIZE);
    free(s);
    s = fz_subst(d[1], dl[1], keys, v, K_N, &n);
    blob(s, n, vals, K_MANIFEST, K_MSIZE);
    free(s);
    s = fz_subst(d[2], dl[2], keys, v, K_N, &n);
    blob(s, n, vals, K_INNER, K_ISIZE);
    free(s);
    s = fz_subst(d[0], dl[0], keys, v, K_N, &n);
    fz_write("index.json", s, n);
    free(s);
    fz_write("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);

    snprintf(ref, sizeof(ref), "oci:%s", fz_tmpdir());
    if (st_image_open(&img, ref, &io, &err) == 0) {
        const st_image_info *info = st_image_get_info(img);
        st_scan_options so = ST_SCAN_OPTIONS_INIT;
        st_result *r = NULL;
        if (!info->config_digest || !info->manifest_digest)
            __builtin_trap();
        so.single_thread = 1;
        if (st_scan_image(&r, img, &so, &err) == 0)
            st_result_free(r);
        st_image_free(img);
    } else {
        char *m = st_error_format(err);
        if (!m || !*m)
            __builtin_trap(); /* failures always say why */
        st_free(m);
    }
    st_error_free(err);
    return 0;
}
