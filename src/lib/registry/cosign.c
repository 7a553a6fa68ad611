/* cosign signatures made with a key, as cosign and skopeo
 * (--sign-by-sigstore-private-key) store them in a registry:
 *
 *   tag        <repo>:sha256-<hex>.sig  (the image digest, ':' -> '-')
 *   manifest   an image manifest whose layers with media type
 *              application/vnd.dev.cosign.simplesigning.v1+json are
 *              signatures: the layer blob is the signed payload, the
 *              annotation dev.cosignproject.cosign/signature its
 *              signature (base64 of an ASN.1 DER ECDSA signature)
 *   payload    "simple signing" JSON:
 *              {"critical": {"identity": {"docker-reference": "…"},
 *                            "image": {"docker-manifest-digest": "sha256:…"},
 *                            "type": "cosign container image signature"},
 *               "optional": {…}}
 *
 * The signature is over the payload bytes: ECDSA with SHA-256 (what cosign
 * uses with key files, whatever the curve), RSA PKCS#1 v1.5 with SHA-256,
 * or pure Ed25519. A signature is valid when one of the keys verifies it,
 * the payload's type is the cosign one and its digest is the image's.
 * Everything read from the registry is hostile: sizes are bounded and
 * nothing is trusted before the signature verifies.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "registry/registry_int.h"
#include "util/json.h"
#include "util/banned.h"

#define MODULE ST_REG_MODULE

#define KEY_MAX          (64u << 10) /* a PEM public key file */
#define PAYLOAD_MAX      (1u << 20)
#define SIG_B64_MAX      (16u << 10)
#define SIG_MANIFEST_MAX (4u << 20)
#define SIG_LAYERS_MAX   64
#define ANNOTATIONS_MAX  (64u << 10)

#define SIMPLESIGNING_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define SIGNATURE_ANNOT    "dev.cosignproject.cosign/signature"
#define COSIGN_TYPE        "cosign container image signature"

typedef struct keyset {
    EVP_PKEY **keys;
    const char *const *files;
    size_t n;
} keyset;

static void keyset_release(keyset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        EVP_PKEY_free(ks->keys[i]);
    st_free(ks->keys);
    ks->keys = NULL;
    ks->n = 0;
}

static int load_key(EVP_PKEY **out, const char *file, st_error **err)
{
    st_buf pem = ST_BUF_INIT(KEY_MAX);
    st_error *e = NULL;
    BIO *bio = NULL;
    int rc = 0, id;

    *out = NULL;
    if ((rc = st_read_file(&pem, file, KEY_MAX, &e)) < 0) {
        rc = st_error_set(err, rc == ST_ENOMEM ? ST_ENOMEM : ST_EINVALID,
                          MODULE, "%s: cannot read the public key: %s",
                          file, st_error_message(e));
        goto done;
    }
    if (!(bio = BIO_new_mem_buf(pem.ptr, (int)pem.len))) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    *out = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (!*out) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "%s: not a PEM public key (\"BEGIN PUBLIC KEY\")",
                          file);
        goto done;
    }
    id = EVP_PKEY_get_base_id(*out);
    if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "%s: unsupported key type %s (ECDSA, RSA or "
                          "Ed25519 keys verify cosign signatures)",
                          file, OBJ_nid2sn(id));
        EVP_PKEY_free(*out);
        *out = NULL;
        goto done;
    }

done:
    BIO_free(bio);
    st_buf_release(&pem);
    st_error_free(e);
    return rc;
}

static int keyset_load(keyset *ks, const char *const *files, size_t n,
                       st_error **err)
{
    int rc = 0;

    ks->keys = NULL;
    ks->files = files;
    ks->n = 0;
    if (n == 0)
        return 0;
    if (!(ks->keys = st_calloc(n, sizeof *ks->keys)))
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if ((rc = load_key(&ks->keys[i], files[i], err)) < 0) {
            keyset_release(ks);
            return rc;
        }
        ks->n = i + 1;
    }
    return 0;
}

/* Does `key` verify `sig` over data? */
static bool verify_with(EVP_PKEY *key, const unsigned char *sig,
                        size_t siglen, const void *data, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md =
        EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static int set_problem(st_cosign_sig *s, const char *fmt, ...)
    ST_PRINTF(2, 3);

static int set_problem(st_cosign_sig *s, const char *fmt, ...)
{
    st_buf b = ST_BUF_INIT(4096);
    va_list ap;
    int rc;

    if (s->problem) /* the first problem found explains the rest */
        return 0;
    va_start(ap, fmt);
    rc = st_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc == ST_ELIMIT) { /* cannot happen with the formats used here */
        st_buf_reset(&b);
        rc = st_buf_puts(&b, "(a problem too long to tell)");
    }
    if (rc < 0) {
        st_buf_release(&b);
        return rc;
    }
    if (!(s->problem = st_buf_detach(&b, NULL)))
        return ST_ENOMEM;
    return 0;
}

/* A string for a message: at most 100 bytes of s, printable ASCII. */
static const char *shown(const char *s, char buf[104])
{
    size_t i = 0;
    for (; s[i] && i < 100; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (s[i]) {
        buf[i++] = '.';
        buf[i++] = '.';
        buf[i++] = '.';
    }
    buf[i] = 0;
    return buf;
}

static int dup_into(char **out, const char *s)
{
    if (!s)
        return 0;
    return (*out = st_strdup(s)) ? 0 : ST_ENOMEM;
}

/* Reads the payload's fields into *out, noting what is wrong. */
static int read_payload(const void *payload, size_t len, const char *digest,
                        st_cosign_sig *out)
{
    json_t *root = NULL, *critical, *optional;
    st_error *e = NULL;
    const char *type, *signed_digest, *identity;
    char shown_buf[104];
    int rc = 0;

    if (st_json_load(&root, payload, len, "payload", &e) < 0) {
        rc = set_problem(out, "the payload is not JSON: %.300s",
                         st_error_message(e));
        goto done;
    }
    critical = st_json_obj(root, "critical");
    signed_digest = st_json_str(st_json_obj(critical, "image"),
                                "docker-manifest-digest");
    identity = st_json_str(st_json_obj(critical, "identity"),
                           "docker-reference");
    ST_CHECK(dup_into(&out->signed_digest, signed_digest));
    ST_CHECK(dup_into(&out->identity, identity));
    if ((optional = st_json_obj(root, "optional"))) {
        char *s = json_dumps(optional, JSON_COMPACT | JSON_SORT_KEYS);
        if (!s) {
            rc = ST_ENOMEM;
            goto done;
        }
        if (strlen(s) <= ANNOTATIONS_MAX)
            rc = dup_into(&out->annotations_json, s);
        free(s); /* jansson's allocator */
        ST_CHECK(rc);
    }

    if (!critical) {
        rc = set_problem(out, "the payload has no \"critical\" object");
        goto done;
    }
    type = st_json_str(critical, "type");
    if (!type) {
        rc = set_problem(out, "the payload has no critical.type");
        goto done;
    }
    if (strcmp(type, COSIGN_TYPE) != 0) {
        rc = set_problem(out, "the payload's type is \"%s\", not \"%s\"",
                         shown(type, shown_buf), COSIGN_TYPE);
        goto done;
    }
    if (!signed_digest) {
        rc = set_problem(out, "the payload has no "
                              "critical.image.docker-manifest-digest");
        goto done;
    }
    if (strcmp(signed_digest, digest) != 0) {
        rc = set_problem(out, "it signs %s, not this image (%s)",
                         shown(signed_digest, shown_buf), digest);
        goto done;
    }

done:
    json_decref(root);
    st_error_free(e);
    return rc;
}

static int check_one(const void *payload, size_t payload_len,
                     const char *sig_b64, const char *digest,
                     const keyset *ks, st_cosign_sig *out)
{
    char *sig = NULL;
    size_t siglen = 0;
    int rc = 0;

    if (payload_len > PAYLOAD_MAX) {
        ST_CHECK(set_problem(out, "the payload is larger than %u bytes",
                             PAYLOAD_MAX));
        goto done; /* not even parsed */
    }
    if (!sig_b64 || strlen(sig_b64) > SIG_B64_MAX) {
        ST_CHECK(set_problem(out, sig_b64 ? "the signature is too long"
                                          : "no signature"));
    } else if ((rc = st_reg__b64decode(sig_b64, &sig, &siglen)) < 0) {
        if (rc == ST_ENOMEM)
            goto done;
        rc = 0;
        ST_CHECK(set_problem(out, "the signature is not valid base64"));
    } else if (siglen == 0) {
        ST_CHECK(set_problem(out, "the signature is empty"));
    } else if (ks->n == 0) {
        ST_CHECK(set_problem(out, "no key to verify it with"));
    } else {
        for (size_t i = 0; i < ks->n && !out->key; i++)
            if (verify_with(ks->keys[i], (const unsigned char *)sig,
                            siglen, payload, payload_len))
                ST_CHECK(dup_into(&out->key, ks->files[i]));
        if (!out->key && ks->n == 1)
            ST_CHECK(set_problem(out, "it does not verify with %.1000s",
                                 ks->files[0]));
        else if (!out->key)
            ST_CHECK(set_problem(out,
                                 "it does not verify with any of the %zu "
                                 "keys (%.1000s, ...)",
                                 ks->n, ks->files[0]));
    }
    /* Read the payload even when the signature failed: the report says
     * what it claimed. */
    ST_CHECK(read_payload(payload, payload_len, digest, out));
    out->valid = out->key != NULL && out->problem == NULL;

done:
    st_free(sig);
    return rc;
}

static void sig_release(st_cosign_sig *s)
{
    st_free(s->key);
    st_free(s->signed_digest);
    st_free(s->identity);
    st_free(s->annotations_json);
    st_free(s->problem);
    memset(s, 0, sizeof *s);
}

int st_cosign_check(const void *payload, size_t payload_len,
                    const char *sig_b64, const char *digest,
                    const char *const *key_files, size_t nkeys,
                    st_cosign_sig *out, st_error **err)
{
    keyset ks = {NULL, NULL, 0};
    int rc;

    memset(out, 0, sizeof *out);
    if (!digest || !st_digest_valid(digest))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "cosign: \"%.100s\" is not an image digest",
                            digest ? digest : "(null)");
    ST_CHECK(keyset_load(&ks, key_files, nkeys, err));
    if ((rc = check_one(payload, payload_len, sig_b64, digest, &ks, out)) <
        0) {
        sig_release(out);
        rc = st_error_set(err, rc, MODULE, "cosign: %s", st_strerror(rc));
    }

done:
    keyset_release(&ks);
    return rc;
}

void st_cosign_sigs_free(st_cosign_sig *sigs, size_t n)
{
    if (!sigs)
        return;
    for (size_t i = 0; i < n; i++)
        sig_release(&sigs[i]);
    st_free(sigs);
}

/* Moves a local error into the caller's. */
static int pass_error(st_error **err, st_error *e, int rc)
{
    if (err && !*err) {
        *err = e;
        return rc;
    }
    rc = st_error_set(err, rc, MODULE, "%s", st_error_message(e));
    st_error_free(e);
    return rc;
}

/* One signature layer of the .sig manifest into *s. Problems with the
 * layer (its payload missing, too large or tampered) make the signature
 * invalid; network failures are errors. */
static int check_layer(st_reg *r, const char *repo, const char *digest,
                       const keyset *ks, const json_t *layer,
                       st_cosign_sig *s, st_error **err)
{
    const char *pd = st_json_str(layer, "digest");
    const char *sig = st_json_str(st_json_obj(layer, "annotations"),
                                  SIGNATURE_ANNOT);
    json_t *size = json_object_get(layer, "size");
    st_buf payload = ST_BUF_INIT(PAYLOAD_MAX);
    st_error *e = NULL;
    json_int_t sz;
    int rc = 0;

    if (!pd || !st_digest_valid(pd)) {
        rc = set_problem(s, "a signature layer has no valid digest");
        goto done;
    }
    if (!json_is_integer(size) || (sz = json_integer_value(size)) < 0) {
        rc = set_problem(s, "payload %s: no valid size", pd);
        goto done;
    }
    if (sz > (json_int_t)PAYLOAD_MAX) {
        rc = set_problem(s, "payload %s: %lld bytes, more than %u", pd,
                         (long long)sz, PAYLOAD_MAX);
        goto done;
    }
    rc = st_reg_get_blob(r, repo, pd, (int64_t)sz, PAYLOAD_MAX, &payload,
                         &e);
    if (rc == ST_EDIGEST || rc == ST_ENOTFOUND || rc == ST_ELIMIT ||
        rc == ST_EINVALID) {
        rc = set_problem(s, "payload %s: %.300s", pd, st_error_message(e));
        goto done;
    }
    if (rc < 0) {
        rc = pass_error(err, st_steal(&e), rc);
        goto done;
    }
    rc = check_one(payload.ptr, payload.len, sig, digest, ks, s);

done:
    if (rc == ST_ENOMEM && !(err && *err))
        rc = st_error_set(err, rc, MODULE, "out of memory");
    st_buf_release(&payload);
    st_error_free(e);
    return rc;
}

int st_cosign_verify(st_reg *r, const char *repo, const char *digest,
                     const char *const *key_files, size_t nkeys,
                     st_cosign_sig **sigs_out, size_t *n_out,
                     st_error **err)
{
    keyset ks = {NULL, NULL, 0};
    st_buf body = ST_BUF_INIT(SIG_MANIFEST_MAX);
    st_error *e = NULL;
    json_t *m = NULL, *layers;
    st_cosign_sig *sigs = NULL;
    char *media_type = NULL, tag[160], got[72];
    const char *colon;
    size_t n = 0, cap;
    int rc = 0;

    *sigs_out = NULL;
    *n_out = 0;
    if (!digest || !st_digest_valid(digest) || !(colon = strchr(digest, ':')))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "cosign: \"%.100s\" is not an image digest",
                            digest ? digest : "(null)");
    snprintf(tag, sizeof tag, "%.*s-%s.sig", (int)(colon - digest), digest,
             colon + 1);
    ST_CHECK(keyset_load(&ks, key_files, nkeys, err));

    rc = st_reg_get_manifest(r, repo, tag, SIG_MANIFEST_MAX, &body,
                             &media_type, got, &e);
    if (rc == ST_ENOTFOUND) { /* not signed */
        rc = 0;
        goto done;
    }
    if (rc < 0) {
        rc = pass_error(err, st_steal(&e), rc);
        goto done;
    }
    if (st_json_load(&m, body.ptr, body.len, tag, &e) < 0) {
        rc = pass_error(err, st_steal(&e), ST_EINVALID);
        st_error_wrap(err, "%s", repo);
        goto done;
    }
    layers = st_json_arr(m, "layers");
    cap = layers ? json_array_size(layers) : 1;
    if (cap > SIG_LAYERS_MAX)
        cap = SIG_LAYERS_MAX; /* more only hides signatures: no harm */
    if (cap && !(sigs = st_calloc(cap, sizeof *sigs))) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    if (!layers) { /* one invalid signature, so the report says why */
        ST_CHECK(set_problem(&sigs[n++], "%s:%s is not an image manifest",
                             repo, tag));
        cap = 0;
    }
    for (size_t i = 0; i < cap; i++) {
        json_t *layer = json_array_get(layers, i);
        const char *mt = st_json_str(layer, "mediaType");
        if (!mt || strcmp(mt, SIMPLESIGNING_TYPE) != 0)
            continue;
        ST_CHECK(check_layer(r, repo, digest, &ks, layer, &sigs[n++], err));
    }
    *sigs_out = st_steal(&sigs);
    *n_out = n;

done:
    if (rc == ST_ENOMEM && !(err && *err))
        rc = st_error_set(err, rc, MODULE, "out of memory");
    st_cosign_sigs_free(sigs, n);
    json_decref(m);
    st_free(media_type);
    st_buf_release(&body);
    st_error_free(e);
    keyset_release(&ks);
    return rc;
}
