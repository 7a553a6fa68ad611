/* Internal view of an opened image, shared by the sources and the walker. */
#ifndef ST_IMAGE_INT_H
#define ST_IMAGE_INT_H

#include <stdbool.h>

#include "strata/image.h"
#include "util/util.h"
#include "walk/decomp.h"

/* Where a blob's bytes are: a range of an open file, or a stream that is
 * read once, in order (a registry download). */
typedef struct st_blobloc {
    int fd;
    bool owns_fd; /* close fd when done */
    uint64_t off;
    uint64_t len;
    /* A stream (fd is -1, off and len unused): read() gives up to n
     * bytes, 0 at its verified end, or a negative ST_E* with a reason in
     * why; close() frees it. */
    void *stream;
    long (*read)(void *stream, void *buf, size_t n, char *why,
                 size_t whylen);
    void (*close)(void *stream);
} st_blobloc;

/* A layer as the walker needs it. */
typedef struct st_layer_rt {
    const char *blob;   /* where it is: a member or file name */
    const char *name;   /* for messages: the blob's digest or file name */
    const char *digest; /* expected digest of the blob as stored, or NULL
                           when the source names none */
    const char *diff_id;/* expected digest of the uncompressed tar */
    st_compression comp;/* from the media type */
    bool sniff;         /* no media type: decide by magic bytes */
    int64_t size;       /* expected blob size, -1 when unknown */
} st_layer_rt;

typedef enum st_source_kind {
    ST_SRC_DOCKER_ARCHIVE,
    ST_SRC_OCI,
    ST_SRC_OCI_ARCHIVE,
    ST_SRC_DIR,
    ST_SRC_REGISTRY
} st_source_kind;

struct st_tarindex;
struct st_image_registry;

struct st_image {
    st_arena *arena;
    st_image_info info;
    st_source_kind kind;
    st_layer_rt *layers; /* info.layer_count of them */
    int fd;              /* archive file, or layout directory; -1 */
    struct st_tarindex *tar; /* archives: the member index */
    size_t max_json;
    /* Registries: the client and the repository. Layers may come as
     * streams, which can be read only once. */
    struct st_image_registry *reg;
    bool sequential;
};

/* Finds a blob by name ("index.json", "blobs/sha256/…", a member of an
 * archive). The caller closes loc->fd when loc->owns_fd. */
int st_image__locate(struct st_image *img, const char *name, st_blobloc *loc,
                     st_error **err);

/* Reads a small blob whole (at most max bytes) into out. When digest is
 * not NULL the bytes must hash to it (ST_EDIGEST naming `what`); when
 * size >= 0 they must be that long. */
int st_image__read_blob(struct st_image *img, const char *name,
                        const char *what, const char *digest, int64_t size,
                        size_t max, st_buf *out, st_error **err);

/* Fills info and layers from an image config (architecture, os, rootfs
 * diff_ids, history). The layers array must already hold `nlayers`
 * entries from the manifest; their count must match the diff_ids. */
int st_image__apply_config(struct st_image *img, const char *json,
                           size_t len, const char *what, st_error **err);

/* Reads a manifest or index by digest: a blob of a layout, or a
 * registry's /manifests/<digest>; verified like st_image__read_blob. */
int st_image__read_manifest(struct st_image *img, const char *digest,
                            const char *what, int64_t size, st_buf *out,
                            st_error **err);

/* The sources. */
int st_source__oci(struct st_image *img, const char *tag,
                   const st_image_options *opts, st_error **err);
/* Loads an image from a manifest or index document already read and
 * verified (`digest`, `media_type` as the registry sent them; NULL when
 * unknown): picks the platform of an index, reads the config. */
int st_source__oci_document(struct st_image *img, const char *json,
                            size_t len, const char *digest,
                            const char *media_type,
                            const st_image_options *opts, st_error **err);
int st_source__registry(struct st_image *img, const char *ref,
                        const st_image_options *opts, st_error **err);
void st_source__registry_free(struct st_image *img);
int st_source__registry_read(struct st_image *img, const char *name,
                             const char *what, const char *digest,
                             int64_t size, size_t max, bool manifest,
                             st_buf *out, st_error **err);
int st_source__registry_layer(struct st_image *img, size_t i,
                              st_blobloc *loc, st_error **err);
/* "os/arch[/variant]" (NULL: the host's) into its parts (ST_EUSAGE). */
int st_image__parse_platform(const char *spec, char *os, size_t oslen,
                             char *arch, size_t archlen, char *variant,
                             size_t varlen, st_error **err);
int st_source__docker_archive(struct st_image *img, const char *tag,
                              st_error **err);

/* "linux/amd64" of the host. */
void st_image__host_platform(char *os, size_t oslen, char *arch,
                             size_t archlen, char *variant, size_t varlen);

/* Opens layer i's blob. The caller closes loc->fd when loc->owns_fd. */
int st_image__open_layer(struct st_image *img, size_t i, st_blobloc *loc,
                         st_error **err);

/* pread() loop: ST_EIO on error or short file. */
int st_pread_full(int fd, void *buf, size_t n, uint64_t off);

#endif
