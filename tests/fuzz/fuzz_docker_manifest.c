/* Fuzz target: a docker-archive built in memory (memfd) from fuzzed
 * manifest.json and config: the data producer carves both; in them
 * @CONFIG@ becomes the config's member name "<sha256 hex>.json", @DIFFID@
 * the diff_id of the layer and @LAYER@ its member name "layer.tar" (an
 * empty tar). Then st_image_open("docker-archive:/proc/self/fd/N") and,
 * when that succeeds, st_scan_image. Nothing is written to disk. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_data_producer.h"
#include "strata/image.h"
#include "strata/scan.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends a ustar member. */
static void member(FILE *f, const char *name, const void *d, size_t n)
{
    unsigned char h[512];
    unsigned sum = 0;
    static const char zero[512];
    memset(h, 0, sizeof(h));
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011zo", n);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    fwrite(h, 1, 512, f);
    fwrite(d, 1, n, f);
    fwrite(zero, 1, (512 - n % 512) % 512, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"@CONFIG@", "@DIFFID@", "@LAYER@"};
    static char empty_tar[1024];
    static const char zero[1024];
    char cname[80], diff[72], ref[64];
    const char *vals[] = {cname, diff, "layer.tar"};
    fdp p = fdp_new(data, size);
    const uint8_t *md, *cd;
    size_t ml, cl, mn, cn;
    char *man, *cfg;
    int fd = memfd_create("docker-archive", 0);
    FILE *f;
    st_image *img = NULL;
    st_error *err = NULL;
    char tag[8] = "";

    if (fd < 0)
        abort();
    if (fdp_bool(&p))
        snprintf(tag, sizeof(tag), ":%c", 'a' + (int)fdp_range(&p, 0, 3));
    md = fdp_chunk(&p, &ml);
    cd = fdp_rest(&p, &cl);
    st_sha256_hex(empty_tar, sizeof(empty_tar), diff);
    cfg = fz_subst(cd, cl, keys + 1, vals + 1, 1, &cn);
    st_sha256_hex(cfg, cn, cname);
    memmove(cname, cname + 7, 65);
    strcat(cname, ".json");
    man = fz_subst(md, ml, keys, vals, 3, &mn);

    f = fdopen(dup(fd), "wb");
    member(f, "manifest.json", man, mn);
    member(f, cname, cfg, cn);
    member(f, "layer.tar", empty_tar, sizeof(empty_tar));
    fwrite(zero, 1, sizeof(zero), f);
    fclose(f);
    free(man);
    free(cfg);

    snprintf(ref, sizeof(ref), "docker-archive:/proc/self/fd/%d%s", fd, tag);
    if (st_image_open(&img, ref, NULL, &err) == 0) {
        st_scan_options so = ST_SCAN_OPTIONS_INIT;
        st_result *r = NULL;
        so.single_thread = 1;
        if (st_scan_image(&r, img, &so, &err) == 0)
            st_result_free(r);
        st_image_free(img);
    }
    st_error_free(err);
    close(fd);
    return 0;
}
