/* hardening: what its files share (not installed). */
#ifndef ST_ANALYZE_HARDENING_H
#define ST_ANALYZE_HARDENING_H

#include <stdbool.h>
#include <stddef.h>

typedef struct st_hardening_key {
    char label[48];  /* "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", … */
    int encrypted;   /* 1, 0, -1 unknown */
    char cipher[32]; /* OpenSSH and PuTTY: the cipher, when encrypted */
} st_hardening_key;

/* Is d[0..len) a private key file: PEM text (certificates, keys) that
 * holds a private key block, an OpenSSH or a PuTTY private key? *k says
 * which and whether it is encrypted. Reads only d[0..len). */
bool st_hardening__private_key(st_hardening_key *k, const char *d, size_t len);

#endif
