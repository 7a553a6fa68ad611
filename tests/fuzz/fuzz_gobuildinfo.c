/* Fuzz target: the gobinary analyzer (Go build info, cargo-auditable
 * .dep-v0) on a hostile executable, driven through st_scan__test_ctx as
 * the walker drives it (wants, sniff on the first 64 KiB, file).
 *
 * The last byte of the input picks the mode, the one before it the path:
 *   0  the rest is the whole file (real and synthetic ELF files: headers,
 *      sections, segments, both build info formats);
 *   1  the rest is the body of a .go.buildinfo section, wrapped here into
 *      an ELF64 file, so mutations reach the varint strings and the module
 *      info lines instead of breaking the ELF headers;
 *   2  the rest is the JSON of a .dep-v0 section, zlib-compressed and
 *      wrapped here, so mutations reach the JSON and not only the zlib
 *      checksum. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "analyze/analyzer.h"
#include "fuzz_data_producer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY (1u << 20)

/* An ELF64 LE executable: no program headers, one named section holding
 * body, and .shstrtab. Returns a malloc'd file, *len its size. */
static uint8_t *wrap(const char *section, const void *body, size_t blen,
                     size_t *len)
{
    size_t nl = strlen(section), slen = nl + 12;
    size_t body_off = 1024, shstr_off = body_off + blen;
    size_t shoff = (shstr_off + slen + 7) & ~(size_t)7;
    size_t total = shoff + 3 * 64;
    uint8_t *out = calloc(1, total), *sh;
    uint64_t v;
    uint32_t w;

    if (!out)
        return NULL;
    memcpy(out, "\x7f" "ELF\x02\x01\x01", 7);
    out[16] = 2;  /* ET_EXEC */
    out[18] = 62; /* x86-64 */
    out[20] = 1;
    v = shoff;
    memcpy(out + 40, &v, 8);
    out[52] = 64;
    out[54] = 56;
    out[58] = 64;
    out[60] = 3;
    out[62] = 2;
    memcpy(out + body_off, body, blen);
    memcpy(out + shstr_off + 1, section, nl + 1);
    memcpy(out + shstr_off + nl + 2, ".shstrtab", 10);
    sh = out + shoff + 64;
    w = 1;
    memcpy(sh, &w, 4);
    w = 1; /* SHT_PROGBITS */
    memcpy(sh + 4, &w, 4);
    v = body_off;
    memcpy(sh + 24, &v, 8);
    v = blen;
    memcpy(sh + 32, &v, 8);
    sh = out + shoff + 128;
    w = (uint32_t)nl + 2;
    memcpy(sh, &w, 4);
    w = 3; /* SHT_STRTAB */
    memcpy(sh + 4, &w, 4);
    v = shstr_off;
    memcpy(sh + 24, &v, 8);
    v = slen;
    memcpy(sh + 32, &v, 8);
    *len = total;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_gobinary;
    fdp p = fdp_new(data, size);
    unsigned mode = fdp_range(&p, 0, 2);
    bool os_path = fdp_bool(&p);
    size_t n, len = 0;
    const uint8_t *rest = fdp_rest(&p, &n);
    uint8_t *file = NULL, *z = NULL;
    st_scan_ctx *ctx = NULL;
    st_entry e;

    if (n > MAX_BODY)
        return 0;
    if (mode == 0) {
        file = malloc(n ? n : 1);
        if (!file)
            return 0;
        memcpy(file, rest, n);
        len = n;
    } else if (mode == 1) {
        file = wrap(".go.buildinfo", rest, n, &len);
    } else {
        uLongf zl = compressBound(n);
        if (!(z = malloc(zl)) || compress(z, &zl, rest, n) != Z_OK)
            goto done;
        file = wrap(".dep-v0", z, zl, &len);
    }
    if (!file || !(ctx = st_scan__test_ctx()))
        goto done;
    memset(&e, 0, sizeof(e));
    e.path = os_path ? "usr/bin/prog" : "app/prog";
    e.path_len = strlen(e.path);
    e.type = ST_ENTRY_FILE;
    e.mode = 0755;
    e.size = len;
    e.visible = true;
    /* sniff must not read past what it is given; file() must cope with
     * anything, sniffed or not (another analyzer may have read it) */
    (void)ops->sniff(&e, (const char *)file,
                     len < ST_SNIFF_BYTES ? len : ST_SNIFF_BYTES);
    (void)ops->wants(&e);
    ops->file(NULL, ctx, &e, (const char *)file, len);
    {
        st_result *r = st_scan__test_result(ctx);
        for (size_t i = 0; i < st_result_package_count(r); i++) {
            const st_package *pk = st_result_package(r, i);
            if (!pk->name || !pk->name[0] || !pk->type || !pk->found_in ||
                (pk->version && !pk->version[0]) ||
                strcmp(pk->found_in, os_path ? "/usr/bin/prog"
                                             : "/app/prog"))
                __builtin_trap();
            if (strcmp(pk->type, "golang") && strcmp(pk->type, "cargo"))
                __builtin_trap();
        }
    }
done:
    st_scan__test_ctx_free(ctx);
    free(file);
    free(z);
    return 0;
}
