/* The layer pipeline: reads each layer blob, hashes it, decompresses it and
 * hands out the uncompressed bytes in chunks, in walk order. With a thread
 * it runs one stage ahead of the consumer (which hashes the uncompressed
 * stream and walks the tar), so on two cores decompression overlaps the
 * rest of the scan. */
#ifndef ST_PIPELINE_H
#define ST_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "image/image_int.h"

typedef enum st_chunk_kind {
    ST_CHUNK_DATA = 0,
    ST_CHUNK_END /* end of a layer: digest and status below */
} st_chunk_kind;

typedef struct st_chunk {
    st_chunk_kind kind;
    size_t step;          /* position in walk order */
    const uint8_t *data;  /* DATA: uncompressed bytes */
    size_t len;
    uint64_t blob_bytes;  /* blob bytes read so far in this layer */
    /* END only: */
    char digest[72];      /* digest of the blob bytes read */
    uint64_t blob_size;
    int err;              /* 0, or the reason the layer could not be read */
    char why[256];
    st_compression comp;
} st_chunk;

typedef struct st_pipeline st_pipeline;

typedef struct st_pipeline_limits {
    uint64_t max_layer_bytes;
    unsigned max_ratio;
    bool single_thread;
} st_pipeline_limits;

/* Starts reading the layers order[0..n) of img. */
int st_pipeline_start(st_pipeline **out, struct st_image *img,
                      const size_t *order, size_t n,
                      const st_pipeline_limits *lim, st_error **err);
/* The next chunk; the one returned before is released. NULL only when
 * every layer has ended. */
const st_chunk *st_pipeline_next(st_pipeline *p);
/* Stops the producer and frees everything; NULL is allowed. */
void st_pipeline_free(st_pipeline *p);

#endif
