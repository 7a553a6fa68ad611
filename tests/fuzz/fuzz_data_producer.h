/* Carving parameters and several inputs out of one fuzz input (after zstd
 * tests/fuzz/fuzz_data_producer.h): numbers come from the END of the
 * buffer, byte strings from the FRONT, so a mutation of a parameter does
 * not shift the data and the other way round. When the input runs out the
 * producer hands out zeros and empty strings: every input is valid.
 *
 * Also small helpers the image-level targets share: a per-process scratch
 * directory (created once, reused, removed at exit) and digest-placeholder
 * substitution, so fuzzed JSON can point at blobs whose digests verify.
 * Header-only; every function is static. */
#ifndef ST_FUZZ_DATA_PRODUCER_H
#define ST_FUZZ_DATA_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fdp {
    const uint8_t *data;
    size_t size;
} fdp;

static inline fdp fdp_new(const uint8_t *data, size_t size)
{
    fdp p = {data, size};
    return p;
}

/* An integer in [min, max], from up to 4 bytes at the end. */
static inline uint32_t fdp_range(fdp *p, uint32_t min, uint32_t max)
{
    uint64_t range = (uint64_t)max - min, v = 0;
    for (int bits = 0; bits < 32 && (range >> bits) && p->size; bits += 8)
        v = (v << 8) | p->data[--p->size];
    return range == UINT32_MAX ? (uint32_t)v : min + (uint32_t)(v % (range + 1));
}

static inline bool fdp_bool(fdp *p)
{
    return fdp_range(p, 0, 1) != 0;
}

/* Up to n bytes from the front; *len receives how many. */
static inline const uint8_t *fdp_bytes(fdp *p, size_t n, size_t *len)
{
    const uint8_t *d = p->data;
    if (n > p->size)
        n = p->size;
    p->data += n;
    p->size -= n;
    *len = n;
    return d;
}

/* A length (2 bytes from the end) and then that many bytes. */
static inline const uint8_t *fdp_chunk(fdp *p, size_t *len)
{
    return fdp_bytes(p, fdp_range(p, 0, 65535), len);
}

static inline const uint8_t *fdp_rest(fdp *p, size_t *len)
{
    return fdp_bytes(p, p->size, len);
}

/* ---- shared helpers for targets that need files ---------------------- */

static char fz_dir[64];

static void fz_cleanup(void)
{
    char cmd[128];
    if (!fz_dir[0])
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fz_dir);
}

/* The per-process scratch directory, created on first use. */
static inline const char *fz_tmpdir(void)
{
    if (!fz_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fz_dir, sizeof(fz_dir), "%s/strata-fuzz-%ld",
                 base && strlen(base) < 32 ? base : "/tmp", (long)getpid());
        if (mkdir(fz_dir, 0700) != 0) {
            /* left over from a dead process with our pid: start clean */
            fz_cleanup();
            if (mkdir(fz_dir, 0700) != 0)
                abort();
        }
        atexit(fz_cleanup);
    }
    return fz_dir;
}

/* Empties the scratch directory (removes its contents, keeps it). */
static inline void fz_clear(void)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* '%s'/.[!.]* 2>/dev/null",
             fz_tmpdir(), fz_tmpdir());
    if (system(cmd) < 0)
        abort();
}

/* Writes a file below the scratch directory, creating parents. */
static inline int fz_write(const char *rel, const void *d, size_t n)
{
    char p[1024];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", fz_tmpdir(), rel);
    for (char *s = p + strlen(fz_tmpdir()) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        mkdir(p, 0755);
        *s = '/';
    }
    if (!(f = fopen(p, "wb")))
        return -1;
    if (n && fwrite(d, 1, n, f) != n) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Copies src[0..n) into a malloc'd NUL-terminated string, replacing each
 * placeholder keys[i] by vals[i]. */
static inline char *fz_subst(const uint8_t *src, size_t n,
                             const char *const *keys,
                             const char *const *vals, size_t nkeys,
                             size_t *outlen)
{
    size_t cap = n + 1, len = 0;
    char *out;
    for (size_t i = 0; i < nkeys; i++)
        cap += (strlen(vals[i]) + 1) * (n / (strlen(keys[i]) ? strlen(keys[i]) : 1) + 1);
    if (!(out = malloc(cap)))
        abort();
    for (size_t i = 0; i < n;) {
        size_t k;
        for (k = 0; k < nkeys; k++) {
            size_t kl = strlen(keys[k]);
            if (kl && n - i >= kl && !memcmp(src + i, keys[k], kl))
                break;
        }
        if (k < nkeys) {
            size_t vl = strlen(vals[k]);
            memcpy(out + len, vals[k], vl);
            len += vl;
            i += strlen(keys[k]);
        } else {
            out[len++] = (char)src[i++];
        }
    }
    out[len] = 0;
    *outlen = len;
    return out;
}

#endif
