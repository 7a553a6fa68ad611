/* strata — container images: open a reference, read its manifest and config.
 *
 * References:
 *   docker-archive:PATH     a tar as `docker save` writes it
 *   oci:DIR[:TAG]           an OCI image layout directory
 *   oci-archive:PATH[:TAG]  an OCI image layout in a tar
 *   dir:PATH                an unpacked root filesystem
 *   docker://NAME, registry:NAME
 *                           an image in a registry: "host[:port]/repo[:tag]"
 *                           or "repo[:tag]" on docker.io, "@sha256:…" too
 *   PATH                    detected: a directory with index.json is an OCI
 *                           layout, any other directory a rootfs; a tar with
 *                           manifest.json is a docker archive, one with
 *                           index.json and oci-layout an OCI archive.
 *                           Anything else that parses as an image name
 *                           ("debian:12", "ghcr.io/a/b") is pulled from
 *                           its registry.
 *
 * Opening reads and verifies the index, manifest and config (their digests
 * must match); layer blobs are verified while they are walked by st_scan.
 */
#ifndef STRATA_IMAGE_H
#define STRATA_IMAGE_H

#include <stdbool.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_image st_image;

/* One layer, in manifest order (index 0 is the base layer). */
typedef struct st_layer_info {
    const char *digest;     /* digest of the blob as stored (compressed) */
    const char *diff_id;    /* digest of the uncompressed tar (config) */
    const char *media_type; /* as the manifest names it; NULL in archives
                               that carry none (docker-archive) */
    int64_t size;           /* blob size in bytes, -1 when unknown */
    const char *created_by; /* history entry that made it, or NULL */
} st_layer_info;

/* A cosign signature of a registry image. */
typedef struct st_signature_info {
    bool valid;
    const char *key;              /* the key file that verified it */
    const char *signed_digest;    /* the manifest digest it signs */
    const char *identity;         /* docker-reference in the payload */
    const char *annotations_json; /* the payload's "optional", or NULL */
    const char *problem;          /* why it is not valid, or NULL */
} st_signature_info;

/* What an image is. All strings are owned by the image; NULL when absent. */
typedef struct st_image_info {
    const char *ref;             /* the reference as given */
    const char *source;          /* "docker-archive", "oci", "oci-archive",
                                    "dir", "registry" */
    const char *path;            /* the file or directory opened */
    const char *manifest_digest; /* NULL for docker-archive and dir */
    const char *manifest_media_type;
    const char *config_digest; /* "sha256:…"; NULL for dir */
    const char *os;
    const char *architecture;
    const char *variant;
    const char *created;
    const char *config_json; /* the raw image config, NUL-terminated */
    size_t repo_tag_count;
    const char *const *repo_tags;
    size_t layer_count;
    const st_layer_info *layers;
    /* Registry images checked with keys (st_image_options.keys): every
     * cosign signature found, valid or not. */
    size_t signature_count;
    const st_signature_info *signatures;
} st_image_info;

#define ST_IMAGE_OPTIONS_VERSION 2
typedef struct st_image_options {
    unsigned version;
    /* "os/arch[/variant]" selecting one image of a multi-platform index;
     * NULL picks the host's platform. */
    const char *platform;
    /* Largest manifest, index or config accepted, in bytes (0: 4 MiB). */
    uint64_t max_json_bytes;
    /* ---- version 2: registries ---- */
    /* host[:port] names allowed over plain http or unverified TLS. */
    const char *const *insecure_registries;
    size_t insecure_registry_count;
    const char *registry_ca;    /* extra CA bundle (PEM), or NULL */
    const char *docker_config;  /* config.json for credentials, or NULL */
    const char *username;       /* explicit credentials, or NULL */
    const char *password;
    const char *cache_dir;      /* verified blob cache, or NULL */
    /* cosign public keys (PEM files): signatures are checked and listed
     * in st_image_info.signatures. */
    const char *const *keys;
    size_t key_count;
    /* Fail with ST_ESIGNATURE unless one signature verifies. */
    bool require_signature;
} st_image_options;
#define ST_IMAGE_OPTIONS_INIT                                                  \
    {                                                                          \
        ST_IMAGE_OPTIONS_VERSION, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL,    \
            NULL, NULL, 0, false                                               \
    }

/* Opens and verifies an image. On success *out is owned by the caller and
 * freed with st_image_free. Errors: ST_ENOTFOUND (no such file, tag or
 * platform), ST_EINVALID (malformed archive or JSON), ST_EUNSUPPORTED
 * (unknown media type, named in the message), ST_EDIGEST (a manifest or
 * config does not match its digest), ST_ESIGNATURE (require_signature and
 * no valid signature), ST_ELIMIT, ST_EIO (also network and registry
 * errors), ST_ENOMEM. Layer blobs of a registry image are pulled while
 * st_scan walks them. */
ST_API int st_image_open(st_image **out,
                         const char *ref,
                         const st_image_options *opts,
                         st_error **err);

/* Borrowed; valid as long as the image. */
ST_API const st_image_info *st_image_get_info(const st_image *img);

/* Frees an image; NULL is allowed. */
ST_API void st_image_free(st_image *img);

#ifdef __cplusplus
}
#endif
#endif
