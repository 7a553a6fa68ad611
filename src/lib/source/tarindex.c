/* Outer tar index. Handles ustar (prefix field), pax extended headers
 * (path, linkpath, size), GNU long names ('L', 'K'), base-256 sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_int.h"
#include "tarindex.h"
#include "util/banned.h"

#define BLOCK 512
#define MAX_MEMBERS 1000000
#define MAX_META (1u << 20) /* pax / long-name records */

struct st_tarindex {
    st_arena *arena;
    st_map *byname;
    st_vec members;
};

/* Where the bytes come from: an fd or memory. */
struct src {
    int fd;
    const uint8_t *mem;
    uint64_t size;
};

static int src_read(const struct src *s, void *buf, size_t n, uint64_t off)
{
    if (off > s->size || n > s->size - off)
        return ST_EINVALID;
    if (s->mem) {
        memcpy(buf, s->mem + off, n);
        return 0;
    }
    return st_pread_full(s->fd, buf, n, off);
}

static bool parse_num(const uint8_t *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (f[0] & 0x80) {
        /* base-256: big-endian, first byte's top bit is the marker */
        if (f[0] & 0x40)
            return false; /* negative */
        v = f[0] & 0x3f;
        for (i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = (v << 8) | f[i];
        }
        *out = v;
        return true;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return false;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != 0)
            return false;
    *out = v;
    return true;
}

static bool checksum_ok(const uint8_t *h)
{
    uint64_t want;
    unsigned long sum = 0;
    long ssum = 0;
    if (!parse_num(h + 148, 8, &want))
        return false;
    for (int i = 0; i < BLOCK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
        sum += c;
        ssum += (signed char)c;
    }
    return want == sum || (long)want == ssum;
}

static bool all_zero(const uint8_t *h)
{
    for (int i = 0; i < BLOCK; i++)
        if (h[i])
            return false;
    return true;
}

/* Parses pax records "LEN key=value\n" for path, linkpath and size. */
static int parse_pax(const char *p, size_t n, st_buf *path, st_buf *link,
                     uint64_t *size, bool *has_size)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && p[j] >= '0' && p[j] <= '9') {
            if (len > n)
                return ST_EINVALID;
            len = len * 10 + (size_t)(p[j++] - '0');
        }
        if (j == i || j >= n || p[j] != ' ' || len < j - i + 3 ||
            len > n - i || p[i + len - 1] != '\n')
            return ST_EINVALID;
        const char *kv = p + j + 1;
        size_t kvlen = len - (j + 1 - i) - 1;
        const char *eq = memchr(kv, '=', kvlen);
        if (!eq)
            return ST_EINVALID;
        size_t klen = (size_t)(eq - kv), vlen = kvlen - klen - 1;
        if (klen == 4 && !memcmp(kv, "path", 4)) {
            st_buf_reset(path);
            if (st_buf_put(path, eq + 1, vlen) < 0)
                return ST_ELIMIT;
        } else if (klen == 8 && !memcmp(kv, "linkpath", 8)) {
            st_buf_reset(link);
            if (st_buf_put(link, eq + 1, vlen) < 0)
                return ST_ELIMIT;
        } else if (klen == 4 && !memcmp(kv, "size", 4)) {
            uint64_t v = 0;
            if (!vlen)
                return ST_EINVALID;
            for (size_t k = 0; k < vlen; k++) {
                char c = eq[1 + k];
                if (c < '0' || c > '9' || v > UINT64_MAX / 10 - 10)
                    return ST_EINVALID;
                v = v * 10 + (uint64_t)(c - '0');
            }
            *size = v;
            *has_size = true;
        }
        i += len;
    }
    return 0;
}

static int build(st_tarindex **out, const struct src *s, const char *what,
                 st_error **err)
{
    st_tarindex *t = st_calloc(1, sizeof(*t));
    st_buf path = ST_BUF_INIT(65536), link = ST_BUF_INIT(65536);
    st_buf clean = ST_BUF_INIT(65536), meta = ST_BUF_INIT(MAX_META);
    bool have_path = false, have_link = false, has_size = false;
    uint64_t pax_size = 0, off = 0;
    uint8_t h[BLOCK];
    int rc = 0;

    *out = NULL;
    if (!t || !(t->arena = st_arena_new()) || !(t->byname = st_map_new())) {
        rc = st_error_set(err, ST_ENOMEM, "source", "out of memory");
        goto done;
    }
    for (;;) {
        uint64_t size;
        char type;

        if (off == s->size && off > 0)
            break; /* no end marker, but ends on a member boundary */
        if (off + BLOCK > s->size) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: truncated tar archive (no end marker at "
                              "offset %llu)",
                              what, (unsigned long long)off);
            goto done;
        }
        if (src_read(s, h, BLOCK, off)) {
            rc = st_error_set(err, ST_EIO, "source", "%s: read error", what);
            goto done;
        }
        if (all_zero(h))
            break; /* end of archive */
        if (!checksum_ok(h)) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: not a tar archive (bad header checksum "
                              "at offset %llu)",
                              what, (unsigned long long)off);
            goto done;
        }
        if (!parse_num(h + 124, 12, &size)) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: bad size field at offset %llu", what,
                              (unsigned long long)off);
            goto done;
        }
        type = (char)h[156];
        off += BLOCK;
        if (has_size && (type != 'x' && type != 'g'))
            size = pax_size;
        if (size > s->size - off) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: truncated tar archive (member at offset "
                              "%llu needs %llu bytes)",
                              what, (unsigned long long)off - BLOCK,
                              (unsigned long long)size);
            goto done;
        }
        if (type == 'x' || type == 'L' || type == 'K' || type == 'g') {
            if (size > MAX_META) {
                rc = st_error_set(err, ST_ELIMIT, "source",
                                  "%s: tar metadata record too large", what);
                goto done;
            }
            st_buf_reset(&meta);
            if (st_buf_grow(&meta, (size_t)size) < 0 ||
                src_read(s, meta.ptr, (size_t)size, off)) {
                rc = st_error_set(err, ST_EIO, "source", "%s: read error",
                                  what);
                goto done;
            }
            meta.len = (size_t)size;
            meta.ptr[meta.len] = 0;
            if (type == 'x') {
                if (parse_pax(meta.ptr, meta.len, &path, &link, &pax_size,
                              &has_size) < 0) {
                    rc = st_error_set(err, ST_EINVALID, "source",
                                      "%s: malformed pax header at offset "
                                      "%llu",
                                      what,
                                      (unsigned long long)off - BLOCK);
                    goto done;
                }
                have_path = have_path || path.len;
                have_link = have_link || link.len;
            } else if (type == 'L' || type == 'K') {
                st_buf *b = type == 'L' ? &path : &link;
                st_buf_reset(b);
                if (st_buf_puts(b, meta.ptr) < 0) {
                    rc = st_error_set(err, ST_ELIMIT, "source",
                                      "%s: long name too long", what);
                    goto done;
                }
                if (type == 'L')
                    have_path = true;
                else
                    have_link = true;
            }
            off += (size + BLOCK - 1) / BLOCK * BLOCK;
            continue;
        }
        if (!have_path) {
            st_buf_reset(&path);
            /* POSIX ustar has a name prefix; GNU tar ("ustar  ") keeps
             * times there instead */
            if (!memcmp(h + 257, "ustar\0", 6) && h[345]) {
                st_buf_put(&path, h + 345, strnlen((char *)h + 345, 155));
                st_buf_putc(&path, '/');
            }
            st_buf_put(&path, h, strnlen((char *)h, 100));
        }
        if (!have_link) {
            st_buf_reset(&link);
            st_buf_put(&link, h + 157, strnlen((char *)h + 157, 100));
        }
        if (st_path_clean(&clean, path.ptr, path.len) < 0) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: member \"%s\" escapes the archive root",
                              what, path.ptr);
            goto done;
        }
        if (clean.len && type != '5') {
            st_tarmember *m = st_arena_alloc(t->arena, sizeof(*m));
            void **slot;
            bool created;
            if (!m || !(m->name = st_arena_strndup(t->arena, clean.ptr,
                                                   clean.len))) {
                rc = st_error_set(err, ST_ENOMEM, "source", "out of memory");
                goto done;
            }
            m->type = type ? type : '0';
            m->off = off;
            m->size = (m->type == '0' || m->type == '7') ? size : 0;
            if (m->type == '1') {
                st_buf lc = ST_BUF_INIT(65536);
                if (st_path_clean(&lc, link.ptr, link.len) == 0)
                    m->link = st_arena_strndup(t->arena, lc.ptr, lc.len);
                st_buf_release(&lc);
            } else if (m->type == '2') {
                m->link = st_arena_strndup(t->arena, link.ptr, link.len);
            }
            if (t->members.len >= MAX_MEMBERS) {
                rc = st_error_set(err, ST_ELIMIT, "source",
                                  "%s: more than %d members", what,
                                  MAX_MEMBERS);
                goto done;
            }
            if (st_vec_push(&t->members, m) < 0 ||
                st_map_slot(t->byname, m->name, strlen(m->name), &slot,
                            &created) < 0) {
                rc = st_error_set(err, ST_ENOMEM, "source", "out of memory");
                goto done;
            }
            *slot = m; /* a later member of the same name wins, as in tar */
        }
        have_path = have_link = has_size = false;
        off += (size + BLOCK - 1) / BLOCK * BLOCK;
    }
    *out = t;
    t = NULL;
done:
    st_tarindex_free(t);
    st_buf_release(&path);
    st_buf_release(&link);
    st_buf_release(&clean);
    st_buf_release(&meta);
    return rc;
}

int st_tarindex_build(st_tarindex **out, int fd, uint64_t size,
                      const char *what, st_error **err)
{
    struct src s = {fd, NULL, size};
    return build(out, &s, what, err);
}

int st_tarindex_build_mem(st_tarindex **out, const void *data, size_t size,
                          const char *what, st_error **err)
{
    struct src s = {-1, data, size};
    return build(out, &s, what, err);
}

void st_tarindex_free(st_tarindex *t)
{
    if (!t)
        return;
    st_map_free(t->byname);
    st_arena_free(t->arena);
    st_vec_release(&t->members);
    st_free(t);
}

size_t st_tarindex_count(const st_tarindex *t)
{
    return t->members.len;
}

const st_tarmember *st_tarindex_find(const st_tarindex *t, const char *name)
{
    st_buf cur = ST_BUF_INIT(65536), next = ST_BUF_INIT(65536);
    const st_tarmember *m = NULL;

    if (st_path_clean(&cur, name, strlen(name)) < 0)
        goto done;
    for (int hops = 0; hops <= 16; hops++) {
        m = st_map_get(t->byname, cur.ptr, cur.len);
        if (!m || m->type == '0' || m->type == '7')
            goto done;
        if (!m->link || (m->type != '1' && m->type != '2')) {
            m = NULL;
            goto done;
        }
        if (m->type == '1') {
            if (st_buf_puts(&next, m->link) < 0)
                break;
        } else if (st_path_resolve_link(&next, cur.ptr, m->link) < 0) {
            break;
        }
        st_buf_reset(&cur);
        st_buf_put(&cur, next.ptr, next.len);
        st_buf_reset(&next);
    }
    m = NULL;
done:
    st_buf_release(&cur);
    st_buf_release(&next);
    return m;
}
