/* Fuzz target: cosign simple-signing payloads and their signatures, as
 * st_cosign_check gets them from a registry (hostile payload blob, hostile
 * base64 annotation). The data producer carves the signature annotation
 * (a chunk) and the payload (the rest); "@DIGEST@" in the payload becomes
 * the image digest so fuzzed payloads can name it. One byte picks whether
 * the payload is signed here with the process's own P-256 key (so the
 * JSON checks behind a verified signature are reached) or the carved
 * signature is used as it is.
 * Invariants: st_cosign_check returns 0 (the keys are readable); a valid
 * signature names the key, signs exactly the image digest and has no
 * problem; an invalid one says why and names no key unless it verified.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fuzz_data_producer.h"
#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIGEST "sha256:" \
    "c4ed411cd6e4cd37298458b78da988b6d6fd65a4c3c26a8828f5f53e2b8d710a"

static EVP_PKEY *key;
static char key_file[128];

static void init(void)
{
    FILE *f;
    if (key)
        return;
    if (!(key = EVP_EC_gen("P-256")))
        abort();
    snprintf(key_file, sizeof(key_file), "%s/cosign.pub", fz_tmpdir());
    if (!(f = fopen(key_file, "w")) || PEM_write_PUBKEY(f, key) != 1)
        abort();
    fclose(f);
}

/* base64 of an ECDSA signature of data with the process key. */
static void sign(const void *data, size_t len, char *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[256];
    size_t n = sizeof(sig);
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, sig, &n, data, len) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, sig, (int)n);
}

/* Copies src, "@DIGEST@" replaced by the image digest. */
static char *expand(const uint8_t *src, size_t n, size_t *len_out)
{
    static const char tok[] = "@DIGEST@";
    char *out = malloc(n * 10 + 1), *o = out;
    if (!out)
        abort();
    for (size_t i = 0; i < n;) {
        if (n - i >= sizeof(tok) - 1 && !memcmp(src + i, tok, sizeof(tok) - 1)) {
            memcpy(o, DIGEST, sizeof(DIGEST) - 1);
            o += sizeof(DIGEST) - 1;
            i += sizeof(tok) - 1;
        } else {
            *o++ = (char)src[i++];
        }
    }
    *len_out = (size_t)(o - out);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *keys[1];
    fdp p = fdp_new(data, size);
    bool self_signed = fdp_bool(&p);
    size_t sl, pl, len;
    const uint8_t *s = fdp_chunk(&p, &sl);
    const uint8_t *pd = fdp_rest(&p, &pl);
    char *payload = expand(pd, pl, &len);
    char *sig = malloc(sl + 512);
    st_cosign_sig out;
    st_error *err = NULL;

    init();
    keys[0] = key_file;
    if (!sig)
        abort();
    if (self_signed) {
        sign(payload, len, sig);
    } else {
        memcpy(sig, s, sl);
        sig[sl] = 0;
    }
    if (st_cosign_check(payload, len, sig, DIGEST, keys, 1, &out, &err) != 0)
        abort();
    if (out.valid) {
        if (out.problem || !out.key || strcmp(out.key, key_file) ||
            !out.signed_digest || strcmp(out.signed_digest, DIGEST))
            abort();
    } else if (!out.problem || !out.problem[0]) {
        abort();
    }
    if (self_signed && len <= (1u << 20) && !out.key)
        abort(); /* signed here: it must verify */
    {
        st_cosign_sig *heap = st_malloc(sizeof(*heap));
        if (!heap)
            abort();
        *heap = out;
        st_cosign_sigs_free(heap, 1);
    }
    st_error_free(err);
    free(sig);
    free(payload);
    return 0;
}
