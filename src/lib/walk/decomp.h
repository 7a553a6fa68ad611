/* Streaming decompression of layer blobs: gzip (ISA-L igzip when built
 * with it, zlib otherwise), zstd, or none. Multi-member gzip and
 * multi-frame zstd streams are read to their end. */
#ifndef ST_DECOMP_H
#define ST_DECOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum st_compression {
    ST_COMP_NONE = 0,
    ST_COMP_GZIP,
    ST_COMP_ZSTD
} st_compression;

typedef struct st_decomp st_decomp;

/* Sniffs the compression from the first bytes of a blob. */
st_compression st_decomp_sniff(const uint8_t *p, size_t n);
const char *st_decomp_name(st_compression c);

/* NULL: out of memory. */
st_decomp *st_decomp_new(st_compression c);
void st_decomp_free(st_decomp *d);

/* Consumes input from in[0..*in_len) and produces output into
 * out[0..out_cap). On return *in_len holds the input consumed and
 * *out_len the output produced. Returns 0, or ST_EINVALID with a static
 * reason in *why (corrupt data, trailing garbage). */
int st_decomp_run(st_decomp *d, const uint8_t *in, size_t *in_len,
                  uint8_t *out, size_t out_cap, size_t *out_len,
                  const char **why);

/* At end of input: 0 when the stream ended cleanly, ST_EINVALID with a
 * reason ("truncated gzip stream") otherwise. */
int st_decomp_finish(st_decomp *d, const char **why);

#endif
