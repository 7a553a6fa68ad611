/* registry/cosign: st_cosign_check on simple-signing payloads signed here
 * with keys generated at test time (OpenSSL's API: ECDSA P-256 as cosign
 * makes them, RSA-2048 and Ed25519). The oracle is the construction: a
 * signature made with key A over payload P verifies with A's public key and
 * nothing else, P's fields are what was written into it. Payloads follow
 * cosign's simple-signing layout (sigstore/cosign specs/SIGNATURE_SPEC.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "registry/registry.h"

#define DIGEST "sha256:" \
    "2f0b53f78b18a55ae95403fbcce60f79f45034fb50c370197415d8207d139800"
#define OTHER "sha256:" \
    "621ccfc7cad901d9637bf36aa039e71c2ad5b3614949842747c7f5a92067aaa0"
#define COSIGN_TYPE "cosign container image signature"

static char dir[64];
static EVP_PKEY *ec_a, *ec_b, *rsa, *ed;
static char a_pub[128], b_pub[128], rsa_pub[128], ed_pub[128], not_key[128],
    missing[128];

static void write_pub(EVP_PKEY *k, char *path, const char *name)
{
    FILE *f;
    snprintf(path, 128, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PUBKEY(f, k), 1);
    fclose(f);
}

static int setup(void **state)
{
    FILE *f;
    (void)state;
    snprintf(dir, sizeof(dir), "%s/cosign-test.XXXXXX",
             getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 32
                 ? getenv("TMPDIR")
                 : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    ec_a = EVP_EC_gen("P-256");
    ec_b = EVP_EC_gen("P-256");
    rsa = EVP_RSA_gen(2048);
    ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!ec_a || !ec_b || !rsa || !ed)
        return -1;
    write_pub(ec_a, a_pub, "a.pub");
    write_pub(ec_b, b_pub, "b.pub");
    write_pub(rsa, rsa_pub, "rsa.pub");
    write_pub(ed, ed_pub, "ed.pub");
    snprintf(not_key, sizeof(not_key), "%s/not-a-key.pem", dir);
    f = fopen(not_key, "w");
    if (!f)
        return -1;
    fputs("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
          f);
    fclose(f);
    snprintf(missing, sizeof(missing), "%s/missing.pub", dir);
    return 0;
}

static int teardown(void **state)
{
    const char *files[] = {a_pub, b_pub, rsa_pub, ed_pub, not_key};
    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(files[i]);
    rmdir(dir);
    EVP_PKEY_free(ec_a);
    EVP_PKEY_free(ec_b);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
    return 0;
}

/* base64 of the signature of data by k (SHA-256, or pure Ed25519). */
static char *sign_b64(EVP_PKEY *k, const void *data, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md =
        EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    unsigned char sig[1024];
    size_t n = sizeof(sig);
    char *out = malloc(4 * sizeof(sig) / 3 + 4);
    assert_non_null(ctx);
    assert_non_null(out);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, data, len), 1);
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, sig, (int)n);
    return out;
}

static char *payload(const char *digest, const char *type)
{
    char *p = malloc(1024);
    assert_non_null(p);
    snprintf(p, 1024,
             "{\"critical\":{\"identity\":{\"docker-reference\":"
             "\"127.0.0.1:5000/strata/app\"},\"image\":{"
             "\"docker-manifest-digest\":\"%s\"},\"type\":\"%s\"},"
             "\"optional\":{\"creator\":\"test\",\"n\":1}}",
             digest, type);
    return p;
}

/* Checks p signed by `signer` against keys; returns the filled sig. */
static st_cosign_sig check(const char *p, size_t len, EVP_PKEY *signer,
                           const char *const *keys, size_t nkeys)
{
    st_cosign_sig s;
    st_error *err = NULL;
    char *sig = sign_b64(signer, p, len);
    assert_int_equal(st_cosign_check(p, len, sig, DIGEST, keys, nkeys, &s,
                                     &err),
                     0);
    assert_null(err);
    free(sig);
    return s;
}

/* st_cosign_sigs_free takes an array it owns: hand it a copy */
static void release(st_cosign_sig *s)
{
    st_cosign_sig *heap = st_malloc(sizeof(*heap));
    assert_non_null(heap);
    *heap = *s;
    st_cosign_sigs_free(heap, 1);
}

static void test_valid_ec(void **state)
{
    const char *keys[] = {a_pub};
    char *p = payload(DIGEST, COSIGN_TYPE);
    st_cosign_sig s = check(p, strlen(p), ec_a, keys, 1);
    (void)state;
    assert_true(s.valid);
    assert_null(s.problem);
    assert_string_equal(s.key, a_pub);
    assert_string_equal(s.signed_digest, DIGEST);
    assert_string_equal(s.identity, "127.0.0.1:5000/strata/app");
    assert_string_equal(s.annotations_json, "{\"creator\":\"test\",\"n\":1}");
    release(&s);
    free(p);
}

static void test_valid_rsa_ed25519_and_key_order(void **state)
{
    const char *keys[] = {b_pub, rsa_pub, ed_pub, a_pub};
    char *p = payload(DIGEST, COSIGN_TYPE);
    st_cosign_sig s;
    (void)state;
    s = check(p, strlen(p), rsa, keys, 4);
    assert_true(s.valid);
    assert_string_equal(s.key, rsa_pub);
    release(&s);
    s = check(p, strlen(p), ed, keys, 4);
    assert_true(s.valid);
    assert_string_equal(s.key, ed_pub);
    release(&s);
    s = check(p, strlen(p), ec_a, keys, 4); /* the last key */
    assert_true(s.valid);
    assert_string_equal(s.key, a_pub);
    release(&s);
    free(p);
}

static void test_other_key(void **state)
{
    const char *keys[] = {a_pub};
    const char *two[] = {a_pub, rsa_pub};
    char *p = payload(DIGEST, COSIGN_TYPE);
    st_cosign_sig s = check(p, strlen(p), ec_b, keys, 1);
    (void)state;
    assert_false(s.valid);
    assert_null(s.key);
    assert_non_null(strstr(s.problem, "does not verify with"));
    assert_non_null(strstr(s.problem, a_pub));
    /* what the payload claimed is still reported */
    assert_string_equal(s.signed_digest, DIGEST);
    release(&s);
    s = check(p, strlen(p), ec_b, two, 2);
    assert_false(s.valid);
    assert_non_null(strstr(s.problem, "any of the 2 keys"));
    release(&s);
    free(p);
}

static void test_other_digest(void **state)
{
    const char *keys[] = {a_pub};
    char *p = payload(OTHER, COSIGN_TYPE);
    st_cosign_sig s = check(p, strlen(p), ec_a, keys, 1);
    (void)state;
    assert_false(s.valid);
    assert_string_equal(s.key, a_pub); /* the signature itself verified */
    assert_string_equal(s.signed_digest, OTHER);
    assert_non_null(strstr(s.problem, "signs " OTHER));
    assert_non_null(strstr(s.problem, DIGEST));
    release(&s);
    free(p);
}

static void test_corrupt_base64(void **state)
{
    const char *keys[] = {a_pub};
    char *p = payload(DIGEST, COSIGN_TYPE);
    char *sig = sign_b64(ec_a, p, strlen(p));
    st_cosign_sig s;
    (void)state;
    sig[5] = '*';
    assert_int_equal(st_cosign_check(p, strlen(p), sig, DIGEST, keys, 1, &s,
                                     NULL),
                     0);
    assert_false(s.valid);
    assert_string_equal(s.problem, "the signature is not valid base64");
    release(&s);
    /* valid base64 of a damaged DER signature */
    free(sig);
    sig = sign_b64(ec_a, p, strlen(p));
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    assert_int_equal(st_cosign_check(p, strlen(p), sig, DIGEST, keys, 1, &s,
                                     NULL),
                     0);
    assert_false(s.valid);
    assert_non_null(strstr(s.problem, "does not verify"));
    release(&s);
    /* empty and absent */
    assert_int_equal(st_cosign_check(p, strlen(p), "", DIGEST, keys, 1, &s,
                                     NULL),
                     0);
    assert_false(s.valid);
    assert_string_equal(s.problem, "the signature is empty");
    release(&s);
    assert_int_equal(st_cosign_check(p, strlen(p), NULL, DIGEST, keys, 1, &s,
                                     NULL),
                     0);
    assert_false(s.valid);
    assert_string_equal(s.problem, "no signature");
    release(&s);
    free(sig);
    free(p);
}

static void test_wrong_type(void **state)
{
    const char *keys[] = {a_pub};
    char *p = payload(DIGEST, "atomic container signature");
    st_cosign_sig s = check(p, strlen(p), ec_a, keys, 1);
    (void)state;
    assert_false(s.valid);
    assert_non_null(strstr(s.problem, "\"atomic container signature\""));
    release(&s);
    free(p);
    /* no critical object at all */
    p = strdup("{\"optional\":null}");
    s = check(p, strlen(p), ec_a, keys, 1);
    assert_false(s.valid);
    assert_string_equal(s.problem, "the payload has no \"critical\" object");
    assert_null(s.annotations_json); /* optional is not an object */
    release(&s);
    free(p);
    /* the type is there, the digest is not */
    p = strdup("{\"critical\":{\"type\":\"" COSIGN_TYPE "\"}}");
    s = check(p, strlen(p), ec_a, keys, 1);
    assert_false(s.valid);
    assert_non_null(strstr(s.problem, "docker-manifest-digest"));
    release(&s);
    free(p);
}

static void test_truncated_json(void **state)
{
    const char *keys[] = {a_pub};
    char *p = payload(DIGEST, COSIGN_TYPE);
    size_t half = strlen(p) / 2;
    char *sig = sign_b64(ec_a, p, strlen(p));
    /* signed whole, delivered truncated: the signature fails first */
    st_cosign_sig s;
    (void)state;
    assert_int_equal(st_cosign_check(p, half, sig, DIGEST, keys, 1, &s, NULL),
                     0);
    assert_false(s.valid);
    assert_non_null(strstr(s.problem, "does not verify"));
    release(&s);
    /* signed truncated: the signature holds, the JSON does not */
    s = check(p, half, ec_a, keys, 1);
    assert_false(s.valid);
    assert_string_equal(s.key, a_pub);
    assert_non_null(strstr(s.problem, "the payload is not JSON"));
    assert_null(s.signed_digest);
    release(&s);
    free(sig);
    free(p);
}

static void test_hostile_payloads(void **state)
{
    const char *keys[] = {a_pub};
    static const char *const bad[] = {
        "",
        "null",
        "[]",
        "\"x\"",
        "{\"critical\":[]}",
        "{\"critical\":{\"type\":7,\"image\":\"x\"}}",
        /* duplicate keys: which one counts would be ambiguous */
        "{\"critical\":{\"type\":\"" COSIGN_TYPE "\",\"type\":\"" COSIGN_TYPE
        "\",\"image\":{\"docker-manifest-digest\":\"" DIGEST "\"}}}",
        /* a NUL inside the digest string */
        "{\"critical\":{\"type\":\"" COSIGN_TYPE "\",\"image\":{\"docker-"
        "manifest-digest\":\"" DIGEST "\\u0000x\"}}}",
    };
    st_cosign_sig s;
    char *big;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = check(bad[i], strlen(bad[i]), ec_a, keys, 1);
        assert_false(s.valid);
        assert_non_null(s.problem);
        release(&s);
    }
    /* larger than the bound: refused unread */
    big = calloc(1, (1u << 20) + 2);
    assert_non_null(big);
    memset(big, ' ', (1u << 20) + 1);
    assert_int_equal(st_cosign_check(big, (1u << 20) + 1, "AAAA", DIGEST,
                                     keys, 1, &s, NULL),
                     0);
    assert_false(s.valid);
    assert_non_null(strstr(s.problem, "larger than"));
    release(&s);
    free(big);
}

static void test_no_keys(void **state)
{
    char *p = payload(DIGEST, COSIGN_TYPE);
    st_cosign_sig s = check(p, strlen(p), ec_a, NULL, 0);
    (void)state;
    assert_false(s.valid);
    assert_string_equal(s.problem, "no key to verify it with");
    release(&s);
    free(p);
}

static void test_bad_key_files(void **state)
{
    const char *k1[] = {a_pub, missing};
    const char *k2[] = {not_key};
    char *p = payload(DIGEST, COSIGN_TYPE);
    st_cosign_sig s;
    st_error *err = NULL;
    (void)state;
    assert_int_equal(st_cosign_check(p, strlen(p), "AAAA", DIGEST, k1, 2, &s,
                                     &err),
                     ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), missing));
    assert_false(s.valid);
    assert_null(s.problem);
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_cosign_check(p, strlen(p), "AAAA", DIGEST, k2, 1, &s,
                                     &err),
                     ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), not_key));
    assert_non_null(strstr(st_error_message(err), "not a PEM public key"));
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_cosign_check(p, strlen(p), "AAAA", "sha256:abc", k2,
                                     1, &s, &err),
                     ST_EUSAGE);
    st_error_free(err);
    free(p);
}

static void test_allocation_failures(void **state)
{
    const char *keys[] = {a_pub};
    char *p = payload(DIGEST, COSIGN_TYPE);
    char *sig = sign_b64(ec_a, p, strlen(p));
    bool succeeded = false;
    (void)state;
    for (long n = 1; n < 200 && !succeeded; n++) {
        st_cosign_sig s;
        st_error *err = NULL;
        int rc;
        st_alloc_fail_after(n);
        rc = st_cosign_check(p, strlen(p), sig, DIGEST, keys, 1, &s, &err);
        st_alloc_fail_after(0);
        if (rc == 0) {
            /* a run with enough allocations is complete and right */
            if (s.valid) {
                succeeded = true;
                assert_string_equal(s.key, a_pub);
            }
            release(&s);
        } else {
            assert_true(rc == ST_ENOMEM || rc == ST_EINVALID);
            assert_null(s.key);
            assert_null(s.problem);
        }
        st_error_free(err);
    }
    assert_true(succeeded);
    free(sig);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_ec),
        cmocka_unit_test(test_valid_rsa_ed25519_and_key_order),
        cmocka_unit_test(test_other_key),
        cmocka_unit_test(test_other_digest),
        cmocka_unit_test(test_corrupt_base64),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_hostile_payloads),
        cmocka_unit_test(test_no_keys),
        cmocka_unit_test(test_bad_key_files),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
