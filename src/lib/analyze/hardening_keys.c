/* hardening_keys: telling a private key file by its first bytes (PEM,
 * OpenSSH, PuTTY), and whether it is encrypted (see docs/hardening.md). */
#include <stdint.h>
#include <string.h>

#include "hardening.h"
#include "util/banned.h"

/* Does [p, end) start with s? */
static bool starts(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes base64 from p (whitespace skipped) until `cap` bytes, '=' or a
 * character that is not base64; the count. */
static size_t
b64_decode(const char *p, const char *end, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (; p < end && n < cap; p++) {
        int v;
        if (is_space(*p))
            continue;
        if ((v = b64_value(*p)) < 0)
            break;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

static void set_cipher(st_hardening_key *k, const char *p, size_t n)
{
    if (n >= sizeof(k->cipher))
        n = sizeof(k->cipher) - 1;
    memcpy(k->cipher, p, n);
    k->cipher[n] = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k->cipher[i] < 0x20 ||
            (unsigned char)k->cipher[i] > 0x7e)
            k->cipher[i] = '?';
    k->encrypted = strcmp(k->cipher, "none") != 0;
}

/* OpenSSH's format: "openssh-key-v1\0", then the cipher as a string. */
static void
openssh_cipher(st_hardening_key *k, const char *body, const char *end)
{
    static const char magic[] = "openssh-key-v1";
    uint8_t b[64];
    size_t n = b64_decode(body, end, b, sizeof(b)), clen;
    if (n < sizeof(magic) + 4 || memcmp(b, magic, sizeof(magic)))
        return;
    clen =
        (size_t)b[15] << 24 | (size_t)b[16] << 16 | (size_t)b[17] << 8 | b[18];
    if (clen > n - 19)
        return;
    set_cipher(k, (const char *)b + 19, clen);
}

/* The PEM label of the line at p ("-----BEGIN LABEL-----"): its length,
 * 0 when the line is not a BEGIN line. */
static size_t pem_label(const char *p, const char *end, const char **label)
{
    const char *q;
    if (!starts(p, end, "-----BEGIN "))
        return 0;
    *label = q = p + 11;
    while (q < end &&
           ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == ' '))
        q++;
    if ((size_t)(end - q) < 5 || memcmp(q, "-----", 5) || q == *label)
        return 0;
    return (size_t)(q - *label);
}

static bool ends_with(const char *p, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(p + n - k, suffix, k);
}

bool st_hardening__private_key(st_hardening_key *k, const char *d, size_t len)
{
    const char *p = d, *end = d + len;

    memset(k, 0, sizeof(*k));
    if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    while (p < end && is_space(*p))
        p++;
    if (starts(p, end, "PuTTY-User-Key-File-")) {
        const char *enc = memmem(p, (size_t)(end - p), "\nEncryption: ", 13);
        memcpy(k->label, "PUTTY PRIVATE KEY", 18);
        k->encrypted = -1;
        if (enc) {
            const char *v = enc + 13, *eol = memchr(v, '\n', (size_t)(end - v));
            size_t n = (size_t)((eol ? eol : end) - v);
            if (n && v[n - 1] == '\r')
                n--;
            set_cipher(k, v, n);
        }
        return true;
    }
    if (!starts(p, end, "-----BEGIN ") && !starts(p, end, "Bag Attributes"))
        return false;
    /* PEM text: look for a private key block among its blocks */
    while (p < end) {
        const char *label, *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = pem_label(p, end, &label);
        const char *next = eol ? eol + 1 : end;
        if (n && (ends_with(label, n, "PRIVATE KEY") ||
                  ends_with(label, n, "PRIVATE KEY BLOCK"))) {
            memcpy(k->label, label,
                   n < sizeof(k->label) ? n : sizeof(k->label) - 1);
            if (strstr(k->label, "ENCRYPTED")) {
                k->encrypted = 1;
            } else if (!strcmp(k->label, "OPENSSH PRIVATE KEY")) {
                k->encrypted = -1;
                openssh_cipher(k, next, end);
            } else if (strstr(k->label, "PGP")) {
                k->encrypted = -1;
            } else {
                /* legacy OpenSSL: "Proc-Type: 4,ENCRYPTED" right below */
                size_t room = (size_t)(end - next);
                k->encrypted =
                    starts(next, end, "Proc-Type:") &&
                    memmem(next, room < 64 ? room : 64, "ENCRYPTED", 9);
            }
            return true;
        }
        p = next;
    }
    return false;
}
