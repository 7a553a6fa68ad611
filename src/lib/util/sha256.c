/* SHA-256 through OpenSSL's EVP interface (uses SHA-NI where present). */
#include <string.h>

#include <openssl/evp.h>

#include "util.h"
#include "banned.h"

struct st_sha256 {
    EVP_MD_CTX *ctx;
};

static const char hexdigits[] = "0123456789abcdef";

st_sha256 *st_sha256_new(void)
{
    st_sha256 *h = st_calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        st_sha256_free(h);
        return NULL;
    }
    return h;
}

void st_sha256_reset(st_sha256 *h)
{
    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void st_sha256_update(st_sha256 *h, const void *data, size_t n)
{
    if (n)
        EVP_DigestUpdate(h->ctx, data, n);
}

void st_sha256_final(st_sha256 *h, char out[72])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(h->ctx, md, &len);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < 32; i++) {
        out[7 + 2 * i] = hexdigits[md[i] >> 4];
        out[8 + 2 * i] = hexdigits[md[i] & 15];
    }
    out[71] = 0;
}

void st_sha256_free(st_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    st_free(h);
}

void st_sha256_hex(const void *data, size_t n, char out[72])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < 32; i++) {
        out[7 + 2 * i] = hexdigits[md[i] >> 4];
        out[8 + 2 * i] = hexdigits[md[i] & 15];
    }
    out[71] = 0;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[n] == 0;
}

bool st_digest_valid(const char *s)
{
    if (!s)
        return false;
    if (!strncmp(s, "sha256:", 7))
        return strlen(s) == 71 && all_hex(s + 7, 64);
    if (!strncmp(s, "sha512:", 7))
        return strlen(s) == 135 && all_hex(s + 7, 128);
    return false;
}
