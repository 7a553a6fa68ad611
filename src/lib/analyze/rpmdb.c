/* rpm databases held in memory: sqlite, Berkeley DB hash, ndb.
 *
 * Each reader hands the header blobs to a callback and parses nothing
 * itself (rpmhdr.c does). The file is hostile: a reader follows page
 * numbers, offsets and lengths only after checking them against the
 * buffer, never follows a chain longer than the file has pages, and
 * allocates only what the file's own size can justify.
 *
 * Formats, as the public sources describe them:
 *  - sqlite: rpm's sqlite backend keeps `Packages(hnum INTEGER PRIMARY KEY,
 *    blob BLOB)`.
 *  - Berkeley DB hash (libdb db_page.h): page 0 is the hash meta page;
 *    bucket b lives on page b + spares[ceil(log2(b + 1))] followed by its
 *    next_pgno chain; each page holds key/data items, large data on chains
 *    of overflow pages. rpm's key is the 4-byte header number in the
 *    writer's byte order; record 0 is rpm's counter, not a header.
 *  - ndb (rpm lib/backend/ndb/rpmpkg.c): little-endian; a 32-byte "RpmP"
 *    header, `slotnpages` 4 KiB pages of 16-byte slots {"Slot", pkgidx,
 *    blkoff, blkcnt}, and blobs at blkoff * 16: {"BlbS", pkgidx, time,
 *    len} + len bytes + padding + {adler32, len, "BlbE"}.
 */
#include <limits.h>
#include <sqlite3.h>
#include <string.h>

#include "analyze/rpmhdr.h"
#include "util/banned.h"

/* The largest blob a header can be (8 + 16 * il + dl at rpm's caps). */
#define MAX_BLOB ((size_t)8 + (size_t)ST_RPM_MAX_IL * 16 + ST_RPM_MAX_DL)

/* ---- sqlite ------------------------------------------------------------ */

/* Stops a statement that runs too long: a hostile schema can make a read
 * of "Packages" expensive (generated columns). The budget grows with the
 * file, which is what honest work grows with. */
static int sqlite_progress(void *budget)
{
    unsigned long *left = budget;

    if (*left == 0)
        return 1;
    (*left)--;
    return 0;
}

static int sqlite_fail(sqlite3 *db, st_error **err, const char *what)
{
    return st_error_set(err, ST_EINVALID, "rpm", "sqlite: %s: %s", what,
                        db ? sqlite3_errmsg(db) : "out of memory");
}

static int foreach_sqlite(const uint8_t *data, size_t len, st_rpmdb_cb cb,
                          void *payload, st_error **err)
{
    static const char magic[16] = "SQLite format 3";
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unsigned char *copy = NULL;
    unsigned long budget;
    int rc = 0, src;

    if (len < 100 || memcmp(data, magic, sizeof(magic)) != 0) {
        rc = st_error_set(err, ST_EINVALID, "rpm", "sqlite: not a database");
        goto done;
    }
    /* sqlite wants a writable buffer from its own allocator, even for a
     * read-only open, and the input is not ours to change. */
    if (!(copy = sqlite3_malloc64(len))) {
        rc = ST_ENOMEM;
        goto done;
    }
    memcpy(copy, data, len);
    /* rpm leaves its database in WAL mode (header bytes 18-19 = 2), which
     * the in-memory VFS cannot open. The WAL file is not part of the
     * image's database as we see it, so reading it as rollback-journal is
     * exact (rpm checkpoints on close). */
    if (copy[18] == 2)
        copy[18] = 1;
    if (copy[19] == 2)
        copy[19] = 1;

    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
        SQLITE_OK) {
        rc = db ? sqlite_fail(db, err, "open") : ST_ENOMEM;
        goto done;
    }
    /* Untrusted database: no functions with side effects from its schema,
     * no writes that could corrupt it further, bounded sizes. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH,
                  MAX_BLOB > INT_MAX ? INT_MAX : (int)MAX_BLOB);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 4096);
    sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 64);
    budget = 100000ul + (unsigned long)(len / 16);
    sqlite3_progress_handler(db, 1000, sqlite_progress, &budget);

    src = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len,
                              (sqlite3_int64)len,
                              SQLITE_DESERIALIZE_FREEONCLOSE |
                                  SQLITE_DESERIALIZE_READONLY);
    copy = NULL; /* sqlite owns it now, even when deserialize failed */
    if (src != SQLITE_OK) {
        rc = sqlite_fail(db, err, "deserialize");
        goto done;
    }
    sqlite3_exec(db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);

    /* "Packages" must be a real table: a view would run the image's SQL. */
    src = sqlite3_prepare_v2(db,
                             "SELECT hnum, blob FROM main.Packages WHERE "
                             "(SELECT type FROM main.sqlite_schema WHERE "
                             "name = 'Packages') = 'table'",
                             -1, &st, NULL);
    if (src != SQLITE_OK) {
        rc = sqlite_fail(db, err, "no Packages table");
        goto done;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 1);
        int n = sqlite3_column_bytes(st, 1);

        if (sqlite3_column_int64(st, 0) == 0)
            continue; /* not a header number */
        ST_CHECK(cb(payload, blob ? blob : "", n > 0 ? (size_t)n : 0));
    }
    if (src != SQLITE_DONE)
        rc = sqlite_fail(db, err, "reading Packages");

done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite3_free(copy);
    return rc;
}

/* ---- Berkeley DB hash ------------------------------------------------- */

#define BDB_HASHMAGIC 0x061561u
#define BDB_P_HASH_UNSORTED 2 /* hash pages of BDB < 4.6 */
#define BDB_P_OVERFLOW 7
#define BDB_P_HASHMETA 8
#define BDB_P_HASH 13
#define BDB_H_KEYDATA 1
#define BDB_H_OFFPAGE 3
#define BDB_PAGE_HDR 26      /* SIZEOF_PAGE */
#define BDB_CHKSUM_HDR 32    /* SIZEOF_PAGE + PG_CHKSUM */
#define BDB_METAFLAG_CHKSUM 0x1
#define BDB_NSPARES 32

typedef struct bdb {
    const uint8_t *data;
    size_t len;
    bool big;            /* the file's byte order */
    uint32_t pgsize;
    uint32_t npages;     /* pages present in the buffer */
    uint32_t hdr;        /* page header + checksum: where items start */
    uint8_t *seen;       /* bucket pages visited (a chain may not loop) */
    st_buf value;        /* an overflow value being reassembled */
    unsigned damaged;
} bdb;

static uint32_t bdb_u32(const bdb *b, const uint8_t *p)
{
    if (b->big)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
               (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
           p[0];
}

static uint16_t bdb_u16(const bdb *b, const uint8_t *p)
{
    return b->big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* Page pgno, or NULL when it is not in the buffer. */
static const uint8_t *bdb_page(const bdb *b, uint32_t pgno)
{
    if (pgno >= b->npages)
        return NULL;
    return b->data + (size_t)pgno * b->pgsize;
}

/* Reassembles an off-page value of `tlen` bytes from the overflow chain
 * starting at `pgno` into b->value. ST_EINVALID on a broken chain. */
static int bdb_overflow(bdb *b, uint32_t pgno, uint32_t tlen)
{
    int rc = 0;

    st_buf_reset(&b->value);
    if (tlen > b->len || tlen > MAX_BLOB)
        return ST_EINVALID;
    /* Each page adds a page's worth at most, so a chain longer than the
     * file has pages is a loop. */
    for (uint32_t steps = 0; pgno != 0; steps++) {
        const uint8_t *pg = bdb_page(b, pgno);
        uint16_t n;

        if (!pg || steps >= b->npages || pg[25] != BDB_P_OVERFLOW)
            return ST_EINVALID;
        n = bdb_u16(b, pg + 22); /* OV_LEN: bytes on this page */
        if (n > b->pgsize - b->hdr || n > tlen - b->value.len)
            return ST_EINVALID;
        ST_CHECK(st_buf_put(&b->value, pg + b->hdr, n));
        pgno = bdb_u32(b, pg + 16);
    }
    if (b->value.len != tlen)
        rc = ST_EINVALID;
done:
    return rc;
}

/* Hands the data items of one hash page to the callback. Damage to an item
 * is counted and the item skipped; a callback error is returned. */
static int bdb_hash_page(bdb *b, const uint8_t *pg, st_rpmdb_cb cb,
                         void *payload)
{
    uint16_t n = bdb_u16(b, pg + 20);
    uint32_t prev = b->pgsize; /* items are stacked from the page's end */
    const uint8_t *key = NULL;
    uint32_t keylen = 0;
    int rc = 0;

    if ((size_t)b->hdr + (size_t)n * 2 > b->pgsize || n % 2) {
        b->damaged++;
        return 0;
    }
    for (uint16_t i = 0; i < n; i++) {
        uint32_t off = bdb_u16(b, pg + b->hdr + (size_t)i * 2);
        const uint8_t *item = pg + off;
        uint32_t ilen;

        /* The item runs from its offset to the previous item's. */
        if (off < b->hdr + (uint32_t)n * 2 || off >= prev) {
            b->damaged++;
            return 0;
        }
        ilen = prev - off;
        prev = off;
        if (i % 2 == 0) {
            key = item;
            keylen = ilen;
            continue;
        }

        /* rpm's record 0 counts header numbers; it holds no header. */
        if (key[0] == BDB_H_KEYDATA && keylen == 5 &&
            bdb_u32(b, key + 1) == 0)
            continue;
        if (item[0] == BDB_H_KEYDATA) {
            ST_CHECK(cb(payload, item + 1, ilen - 1));
        } else if (item[0] == BDB_H_OFFPAGE && ilen >= 12) {
            int orc = bdb_overflow(b, bdb_u32(b, item + 4), bdb_u32(b, item + 8));

            if (orc == ST_ENOMEM) {
                rc = orc;
                goto done;
            }
            if (orc < 0) {
                b->damaged++;
                continue;
            }
            ST_CHECK(cb(payload, (const uint8_t *)b->value.ptr, b->value.len));
        } else {
            /* Duplicates (H_DUPLICATE, H_OFFDUP) never occur in rpm's
             * Packages. */
            b->damaged++;
        }
    }
done:
    return rc;
}

/* ceil(log2(n)) for n >= 1, as libdb's __db_log2. */
static unsigned bdb_log2(uint32_t n)
{
    unsigned i = 0;

    while (i < 32 && ((uint64_t)1 << i) < n)
        i++;
    return i;
}

static int foreach_bdb(const uint8_t *data, size_t len, st_rpmdb_cb cb,
                       void *payload, st_error **err)
{
    bdb b = {data, len, false, 0, 0, BDB_PAGE_HDR, NULL, ST_BUF_INIT(MAX_BLOB), 0};
    uint32_t version, last, max_bucket, spares[BDB_NSPARES];
    int rc = 0;

    if (len < 512) {
        rc = st_error_set(err, ST_EINVALID, "rpm",
                          "Berkeley DB: %zu bytes is too short", len);
        goto done;
    }
    if (bdb_u32(&b, data + 12) != BDB_HASHMAGIC) {
        b.big = true;
        if (bdb_u32(&b, data + 12) != BDB_HASHMAGIC) {
            rc = st_error_set(err, ST_EINVALID, "rpm",
                              "Berkeley DB: not a hash database");
            goto done;
        }
    }
    version = bdb_u32(&b, data + 16);
    b.pgsize = bdb_u32(&b, data + 20);
    if (version < 6 || version > 10 || data[25] != BDB_P_HASHMETA) {
        rc = st_error_set(err, ST_EINVALID, "rpm",
                          "Berkeley DB: hash version %u, meta page type %u",
                          version, data[25]);
        goto done;
    }
    if (b.pgsize < 512 || b.pgsize > 65536 || (b.pgsize & (b.pgsize - 1))) {
        rc = st_error_set(err, ST_EINVALID, "rpm",
                          "Berkeley DB: page size %u", b.pgsize);
        goto done;
    }
    if (data[24] != 0) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "rpm",
                          "Berkeley DB: encrypted database");
        goto done;
    }
    if (data[26] & BDB_METAFLAG_CHKSUM)
        b.hdr = BDB_CHKSUM_HDR;

    /* A truncated file loses its tail, not its meaning: read the pages
     * that are there and report the records that are not. */
    last = bdb_u32(&b, data + 32);
    b.npages = (uint32_t)((len / b.pgsize) > UINT32_MAX ? UINT32_MAX
                                                        : len / b.pgsize);
    if ((uint64_t)last + 1 < b.npages)
        b.npages = last + 1;
    max_bucket = bdb_u32(&b, data + 72);
    for (unsigned i = 0; i < BDB_NSPARES; i++)
        spares[i] = bdb_u32(&b, data + 96 + i * 4);
    /* Every bucket has a page of its own. */
    if (max_bucket >= b.npages) {
        if ((uint64_t)last + 1 > b.npages)
            rc = st_error_set(err, ST_EINVALID, "rpm",
                              "Berkeley DB: truncated: %u of %llu pages",
                              b.npages, (unsigned long long)last + 1);
        else
            rc = st_error_set(err, ST_EINVALID, "rpm",
                              "Berkeley DB: %llu buckets in %u pages",
                              (unsigned long long)max_bucket + 1, b.npages);
        goto done;
    }
    if (!(b.seen = st_calloc(b.npages / 8 + 1, 1))) {
        rc = ST_ENOMEM;
        goto done;
    }

    for (uint32_t bucket = 0; bucket <= max_bucket; bucket++) {
        uint64_t pgno = (uint64_t)bucket + spares[bdb_log2(bucket + 1)];

        while (pgno != 0) {
            const uint8_t *pg = pgno < b.npages ? bdb_page(&b, (uint32_t)pgno)
                                                : NULL;

            if (!pg || (b.seen[pgno / 8] & (1u << (pgno % 8)))) {
                b.damaged++;
                break;
            }
            b.seen[pgno / 8] |= (uint8_t)(1u << (pgno % 8));
            if (pg[25] != BDB_P_HASH && pg[25] != BDB_P_HASH_UNSORTED) {
                b.damaged++;
                break;
            }
            ST_CHECK(bdb_hash_page(&b, pg, cb, payload));
            pgno = bdb_u32(&b, pg + 16);
        }
    }
    if (b.damaged)
        rc = st_error_set(err, ST_EINVALID, "rpm",
                          "Berkeley DB: %u damaged pages or records skipped%s",
                          b.damaged,
                          (uint64_t)last + 1 > b.npages ? " (truncated)" : "");

done:
    st_free(b.seen);
    st_buf_release(&b.value);
    return rc;
}

/* ---- ndb -------------------------------------------------------------- */

#define NDB_MAGIC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define NDB_DB_MAGIC NDB_MAGIC('R', 'p', 'm', 'P')
#define NDB_SLOT_MAGIC NDB_MAGIC('S', 'l', 'o', 't')
#define NDB_HEAD_MAGIC NDB_MAGIC('B', 'l', 'b', 'S')
#define NDB_TAIL_MAGIC NDB_MAGIC('B', 'l', 'b', 'E')
#define NDB_HEADER_SIZE 32
#define NDB_PAGE 4096
#define NDB_SLOT 16
#define NDB_BLK 16
#define NDB_BLOBHEAD 16
#define NDB_BLOBTAIL 12

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
           p[0];
}

/* The blob a slot points at, checked as rpm's rpmpkgReadBlob checks it
 * (the adler32 is not: rpm does not verify it on read either). */
static int ndb_blob(const uint8_t *data, size_t len, uint32_t pkgidx,
                    uint32_t blkoff, uint32_t blkcnt, const uint8_t **blob,
                    uint32_t *bloblen)
{
    uint64_t off = (uint64_t)blkoff * NDB_BLK, size = (uint64_t)blkcnt * NDB_BLK;
    const uint8_t *p, *tail;
    uint32_t n;

    if (size < NDB_BLOBHEAD + NDB_BLOBTAIL || off > len || size > len - off)
        return ST_EINVALID;
    p = data + off;
    n = le32(p + 12);
    if (le32(p) != NDB_HEAD_MAGIC || le32(p + 4) != pkgidx ||
        size != ((uint64_t)NDB_BLOBHEAD + n + NDB_BLOBTAIL + NDB_BLK - 1) /
                    NDB_BLK * NDB_BLK)
        return ST_EINVALID;
    tail = p + size - NDB_BLOBTAIL;
    if (le32(tail + 4) != n || le32(tail + 8) != NDB_TAIL_MAGIC)
        return ST_EINVALID;
    *blob = p + NDB_BLOBHEAD;
    *bloblen = n;
    return 0;
}

static int foreach_ndb(const uint8_t *data, size_t len, st_rpmdb_cb cb,
                       void *payload, st_error **err)
{
    uint32_t npages, version;
    uint64_t minblk;
    unsigned damaged = 0;
    int rc = 0;

    if (len < NDB_PAGE || le32(data) != NDB_DB_MAGIC) {
        rc = st_error_set(err, ST_EINVALID, "rpm", "ndb: not a database");
        goto done;
    }
    version = le32(data + 4);
    npages = le32(data + 12);
    if (version != 0 || npages == 0 || npages > len / NDB_PAGE) {
        rc = st_error_set(err, ST_EINVALID, "rpm",
                          "ndb: version %u, %u slot pages in %zu bytes",
                          version, npages, len);
        goto done;
    }
    /* Blobs start after the slot pages. */
    minblk = (uint64_t)npages * (NDB_PAGE / NDB_BLK);

    for (size_t o = NDB_HEADER_SIZE; o < (size_t)npages * NDB_PAGE; o += NDB_SLOT) {
        const uint8_t *s = data + o, *blob;
        uint32_t pkgidx, blkoff, blkcnt, bloblen;

        if (le32(s) != NDB_SLOT_MAGIC) {
            /* rpm refuses the whole database here: the slot table is
             * what every lookup goes through. */
            rc = st_error_set(err, ST_EINVALID, "rpm",
                              "ndb: bad slot at offset %zu", o);
            goto done;
        }
        pkgidx = le32(s + 4);
        blkoff = le32(s + 8);
        blkcnt = le32(s + 12);
        if (blkoff == 0)
            continue; /* free slot */
        if (pkgidx == 0 || blkcnt == 0 || blkoff < minblk ||
            ndb_blob(data, len, pkgidx, blkoff, blkcnt, &blob, &bloblen) < 0) {
            damaged++;
            continue;
        }
        ST_CHECK(cb(payload, blob, bloblen));
    }
    if (damaged)
        rc = st_error_set(err, ST_EINVALID, "rpm",
                          "ndb: %u damaged packages skipped", damaged);

done:
    return rc;
}

int st_rpmdb__foreach(const uint8_t *data, size_t len, st_rpmdb_kind kind,
                      st_rpmdb_cb cb, void *payload, st_error **err)
{
    if (!data)
        len = 0, data = (const uint8_t *)"";
    switch (kind) {
    case ST_RPMDB_SQLITE:
        return foreach_sqlite(data, len, cb, payload, err);
    case ST_RPMDB_BDB:
        return foreach_bdb(data, len, cb, payload, err);
    case ST_RPMDB_NDB:
        return foreach_ndb(data, len, cb, payload, err);
    }
    return st_error_set(err, ST_EUSAGE, "rpm", "unknown database kind %d",
                        (int)kind);
}
