/* rpm header blobs: the index + data store rpm keeps per installed package.
 *
 * Layout (all integers big-endian, as in rpm's lib/header.c):
 *
 *     il (u32)  dl (u32)  il * {tag, type, offset, count} (u32 each)  data[dl]
 *
 * An entry's offset is relative to the data store. The checks below are
 * rpm's own (hdrblobInit/headerVerifyInfo: il, dl and count caps, known
 * types, aligned numbers, offsets inside the store), plus the one rpm
 * gets from trusting its input: every element read must end inside the
 * store, and every string must be NUL-terminated there.
 */
#include <string.h>

#include "analyze/rpmhdr.h"
#include "util/banned.h"

enum {
    TAG_NAME = 1000,
    TAG_VERSION = 1001,
    TAG_RELEASE = 1002,
    TAG_EPOCH = 1003,
    TAG_VENDOR = 1011,
    TAG_LICENSE = 1014,
    TAG_ARCH = 1022,
    TAG_OLDFILENAMES = 1027,
    TAG_SOURCERPM = 1044,
    TAG_DIRINDEXES = 1116,
    TAG_BASENAMES = 1117,
    TAG_DIRNAMES = 1118
};

enum {
    TYPE_NULL = 0,
    TYPE_CHAR = 1,
    TYPE_INT8 = 2,
    TYPE_INT16 = 3,
    TYPE_INT32 = 4,
    TYPE_INT64 = 5,
    TYPE_STRING = 6,
    TYPE_BIN = 7,
    TYPE_STRING_ARRAY = 8,
    TYPE_I18NSTRING = 9,
    TYPE_MAX = TYPE_I18NSTRING
};

#define ENTRY_SIZE 16

typedef struct hdr {
    const uint8_t *index; /* il entries */
    uint32_t il;
    const uint8_t *data;  /* the data store */
    uint32_t dl;
} hdr;

typedef struct entry {
    uint32_t tag, type, offset, count;
} entry;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static void read_entry(const hdr *h, uint32_t i, entry *e)
{
    const uint8_t *p = h->index + (size_t)i * ENTRY_SIZE;

    e->tag = be32(p);
    e->type = be32(p + 4);
    e->offset = be32(p + 8);
    e->count = be32(p + 12);
}

/* Finds the last entry for `tag`. The last, because entries appended after
 * the immutable region ("dribbles") replace region entries of the same tag
 * when rpm imports a header. */
static bool find(const hdr *h, uint32_t tag, entry *out)
{
    bool found = false;
    entry e;

    for (uint32_t i = 0; i < h->il; i++) {
        read_entry(h, i, &e);
        if (e.tag == tag) {
            *out = e;
            found = true;
        }
    }
    return found;
}

/* The string starting at data[off], NUL-terminated inside the store.
 * Returns its length, or -1 when it runs past the end. */
static long string_at(const hdr *h, size_t off)
{
    const uint8_t *nul;

    if (off >= h->dl)
        return -1;
    nul = memchr(h->data + off, 0, h->dl - off);
    return nul ? (long)(nul - (h->data + off)) : -1;
}

/* A single string: STRING, or the first element of an I18NSTRING (the
 * untranslated text) or STRING_ARRAY. 0 when absent, ST_EINVALID when
 * malformed, ST_ENOMEM. */
static int get_string(const hdr *h, uint32_t tag, const char **out,
                      st_arena *a)
{
    entry e;
    long n;

    *out = NULL;
    if (!find(h, tag, &e))
        return 0;
    if (e.type != TYPE_STRING && e.type != TYPE_I18NSTRING &&
        e.type != TYPE_STRING_ARRAY)
        return ST_EINVALID;
    if (e.count < 1)
        return ST_EINVALID;
    if ((n = string_at(h, e.offset)) < 0)
        return ST_EINVALID;
    *out = st_arena_strndup(a, (const char *)h->data + e.offset, (size_t)n);
    return *out ? 0 : ST_ENOMEM;
}

/* A STRING_ARRAY walked element by element: `pos` is the offset of the
 * next string, `left` how many remain. */
typedef struct strarray {
    const hdr *h;
    size_t pos;
    uint32_t left;
} strarray;

static int get_strarray(const hdr *h, uint32_t tag, strarray *out, bool *found)
{
    entry e;

    *found = find(h, tag, &e);
    out->h = h;
    out->pos = 0;
    out->left = 0;
    if (!*found)
        return 0;
    /* Every element takes at least its NUL: a count larger than the rest
     * of the store cannot be honest, and bounding it here bounds every
     * allocation sized by it. */
    if (e.type != TYPE_STRING_ARRAY || e.count > h->dl - e.offset)
        return ST_EINVALID;
    out->pos = e.offset;
    out->left = e.count;
    return 0;
}

static int strarray_next(strarray *s, const char **str, size_t *len)
{
    long n;

    if (s->left == 0 || (n = string_at(s->h, s->pos)) < 0)
        return ST_EINVALID;
    *str = (const char *)s->h->data + s->pos;
    *len = (size_t)n;
    s->pos += (size_t)n + 1;
    s->left--;
    return 0;
}

/* INT32 array: entry checked to lie wholly inside the store. */
static int get_int32s(const hdr *h, uint32_t tag, entry *e, bool *found)
{
    *found = find(h, tag, e);
    if (!*found)
        return 0;
    if (e->type != TYPE_INT32 || e->count < 1 ||
        e->count > (h->dl - e->offset) / 4)
        return ST_EINVALID;
    return 0;
}

static uint32_t int32_at(const hdr *h, const entry *e, uint32_t i)
{
    return be32(h->data + e->offset + (size_t)i * 4);
}

/* Joined file paths may not grow past this: a dirname can be shared by
 * every basename, so without a cap a small blob (one long dirname, many
 * one-byte basenames) would expand quadratically. Real headers stay far
 * below it: they carry per-file digests, sizes and modes besides names. */
static size_t files_budget(const hdr *h)
{
    return (size_t)h->dl * 16 + 1024 * 1024;
}

static int join_files(st_rpm_header *out, const hdr *h, st_arena *a)
{
    strarray dirs, bases;
    entry idx = {0};
    bool have_dirs, have_bases, have_idx;
    const char **dirp = NULL;
    size_t *dirl = NULL;
    size_t budget = files_budget(h);
    uint32_t ndirs;
    int rc = 0;

    ST_CHECK(get_strarray(h, TAG_BASENAMES, &bases, &have_bases));
    if (!have_bases)
        goto done;
    ST_CHECK(get_strarray(h, TAG_DIRNAMES, &dirs, &have_dirs));
    ST_CHECK(get_int32s(h, TAG_DIRINDEXES, &idx, &have_idx));
    if (!have_dirs || !have_idx || idx.count != bases.left || !dirs.left) {
        rc = ST_EINVALID;
        goto done;
    }

    /* Directory names once, so each file can pick its own by index. */
    dirp = st_calloc(dirs.left, sizeof(*dirp));
    dirl = st_calloc(dirs.left, sizeof(*dirl));
    if (!dirp || !dirl) {
        rc = ST_ENOMEM;
        goto done;
    }
    ndirs = dirs.left;
    for (uint32_t i = 0; i < ndirs; i++)
        ST_CHECK(strarray_next(&dirs, &dirp[i], &dirl[i]));

    out->files = st_arena_alloc(a, (size_t)bases.left * sizeof(*out->files));
    if (!out->files) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (uint32_t i = 0, n = bases.left; i < n; i++) {
        const char *base;
        size_t blen;
        uint32_t d = int32_at(h, &idx, i);
        char *path;

        ST_CHECK(strarray_next(&bases, &base, &blen));
        if (d >= ndirs || dirl[d] + blen + 1 > budget) {
            rc = ST_EINVALID;
            goto done;
        }
        budget -= dirl[d] + blen + 1;
        if (!(path = st_arena_alloc(a, dirl[d] + blen + 1))) {
            rc = ST_ENOMEM;
            goto done;
        }
        memcpy(path, dirp[d], dirl[d]);
        memcpy(path + dirl[d], base, blen);
        path[dirl[d] + blen] = '\0';
        out->files[out->file_count++] = path;
    }

done:
    st_free(dirp);
    st_free(dirl);
    return rc;
}

/* rpm < 4.1 stored whole paths in OLDFILENAMES. */
static int old_files(st_rpm_header *out, const hdr *h, st_arena *a)
{
    strarray names;
    bool found;
    int rc = 0;

    ST_CHECK(get_strarray(h, TAG_OLDFILENAMES, &names, &found));
    if (!found || !names.left)
        goto done;
    out->files = st_arena_alloc(a, (size_t)names.left * sizeof(*out->files));
    if (!out->files) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (uint32_t i = 0, n = names.left; i < n; i++) {
        const char *s;
        size_t len;

        ST_CHECK(strarray_next(&names, &s, &len));
        if (!(out->files[i] = st_arena_strndup(a, s, len))) {
            rc = ST_ENOMEM;
            goto done;
        }
        out->file_count++;
    }

done:
    return rc;
}

/* rpm's structural checks on every entry (headerVerifyInfo): a known
 * type, numbers aligned to their size, an offset inside the store, a
 * count under the cap. */
static int verify_index(const hdr *h)
{
    static const uint32_t align[TYPE_MAX + 1] = {
        [TYPE_INT16] = 2, [TYPE_INT32] = 4, [TYPE_INT64] = 8};
    entry e;

    for (uint32_t i = 0; i < h->il; i++) {
        read_entry(h, i, &e);
        if (e.type > TYPE_MAX || e.offset > h->dl || e.count > ST_RPM_MAX_COUNT)
            return ST_EINVALID;
        if (align[e.type] && e.offset % align[e.type])
            return ST_EINVALID;
    }
    return 0;
}

int st_rpm__parse_header(st_rpm_header *out, const uint8_t *blob, size_t len,
                         st_arena *a)
{
    hdr h;
    entry e;
    bool found;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!blob || len < 8)
        return ST_EINVALID;
    h.il = be32(blob);
    h.dl = be32(blob + 4);
    if (h.il < 1 || h.il > ST_RPM_MAX_IL || h.dl > ST_RPM_MAX_DL)
        return ST_EINVALID;
    /* il and dl are capped, so this cannot overflow. */
    if (len != 8 + (size_t)h.il * ENTRY_SIZE + h.dl)
        return ST_EINVALID;
    h.index = blob + 8;
    h.data = h.index + (size_t)h.il * ENTRY_SIZE;
    ST_CHECK(verify_index(&h));

    ST_CHECK(get_string(&h, TAG_NAME, &out->name, a));
    if (!out->name || !out->name[0]) {
        rc = ST_EINVALID;
        goto done;
    }
    ST_CHECK(get_string(&h, TAG_VERSION, &out->version, a));
    ST_CHECK(get_string(&h, TAG_RELEASE, &out->release, a));
    ST_CHECK(get_string(&h, TAG_ARCH, &out->arch, a));
    ST_CHECK(get_string(&h, TAG_LICENSE, &out->license, a));
    ST_CHECK(get_string(&h, TAG_SOURCERPM, &out->sourcerpm, a));
    ST_CHECK(get_string(&h, TAG_VENDOR, &out->vendor, a));
    ST_CHECK(get_int32s(&h, TAG_EPOCH, &e, &found));
    if (found) {
        out->has_epoch = true;
        out->epoch = int32_at(&h, &e, 0);
    }

    ST_CHECK(join_files(out, &h, a));
    if (!out->files)
        ST_CHECK(old_files(out, &h, a));

done:
    return rc;
}
