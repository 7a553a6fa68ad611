/* Producer side of the layer walk. See pipeline.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "util/banned.h"

#define CHUNK_SIZE (1u << 20) /* uncompressed bytes per chunk */
#define IN_SIZE (1u << 20)    /* blob bytes per read */
#define NSLOTS 8
#define RATIO_FLOOR (256ull << 20) /* bombs are judged past this much output */

/* Producer state: where we are in the current layer. */
struct producer {
    st_image *img;
    const size_t *order;
    size_t n, step;
    st_pipeline_limits lim;
    bool in_layer;   /* between layer_open and the layer's END */
    bool layer_open; /* loc holds an open blob */
    st_blobloc loc;
    uint64_t blob_read;  /* bytes of the blob read */
    uint64_t produced;   /* uncompressed bytes handed out */
    st_decomp *dec;
    st_compression comp;
    st_sha256 *hash;
    uint8_t *in;
    size_t in_pos, in_len;
    int err;             /* sticky error of this layer */
    char why[256];
    bool done;           /* all layers ended */
    bool hash_inline;    /* no hasher thread: hash blobs here */
    bool stream_end;     /* a stream reached its end: it verified the
                            digest itself, so it is not hashed here */
    struct st_pipeline *pipe;
};

/* The digest of one blob, computed by the hasher thread. */
struct blobhash {
    char digest[72];
    uint64_t size;
    int err;
    char why[256];
    bool done;
};

struct slot {
    st_chunk c;
    uint8_t *buf;
    bool full;
};

struct st_pipeline {
    struct producer pr;
    struct slot slots[NSLOTS];
    size_t head, tail; /* consumer reads head, producer writes tail */
    bool threaded, cancel, finished, held;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv_full, cv_free;
    /* The hasher thread hashes the blobs as stored, reading them a second
     * time from the page cache; that keeps the decompressing thread, the
     * critical path, to reading and inflating only. */
    bool hasher_on;
    pthread_t hasher;
    pthread_cond_t cv_hash;
    struct blobhash *hashes; /* one per step */
    uint8_t *hbuf;
};

static bool cancelled(st_pipeline *p)
{
    return __atomic_load_n(&p->cancel, __ATOMIC_ACQUIRE);
}

int st_pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return ST_EIO;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static void layer_close(struct producer *pr)
{
    if (pr->layer_open && pr->loc.stream)
        pr->loc.close(pr->loc.stream);
    else if (pr->layer_open && pr->loc.owns_fd)
        close(pr->loc.fd);
    pr->loc.stream = NULL;
    pr->layer_open = false;
    st_decomp_free(pr->dec);
    pr->dec = NULL;
}

static void fail(struct producer *pr, int code, const char *fmt, const char *a)
{
    if (pr->err)
        return;
    pr->err = code;
    snprintf(pr->why, sizeof(pr->why), fmt, a);
}

/* Reads what a stream has (at least one byte, or its end). */
static size_t refill_stream(struct producer *pr)
{
    char why[200] = "";
    long r;

    pr->in_pos = pr->in_len = 0;
    if (!pr->layer_open)
        return 0;
    r = pr->loc.read(pr->loc.stream, pr->in, IN_SIZE, why, sizeof(why));
    if (r < 0) {
        fail(pr, (int)r, "%s", why[0] ? why : st_strerror((int)r));
        return 0;
    }
    pr->stream_end = r == 0;
    pr->blob_read += (uint64_t)r;
    pr->in_len = (size_t)r;
    return (size_t)r;
}

/* Refills the input buffer; returns bytes available (0 at end). */
static size_t refill(struct producer *pr)
{
    uint64_t left = pr->loc.len - pr->blob_read;
    size_t n = left < IN_SIZE ? (size_t)left : IN_SIZE;
    if (pr->loc.stream)
        return refill_stream(pr);
    pr->in_pos = pr->in_len = 0;
    if (n == 0)
        return 0;
    if (st_pread_full(pr->loc.fd, pr->in, n, pr->loc.off + pr->blob_read)) {
        fail(pr, ST_EIO, "read error: %s", strerror(errno));
        return 0;
    }
    if (pr->hash_inline)
        st_sha256_update(pr->hash, pr->in, n);
    pr->blob_read += n;
    pr->in_len = n;
    return n;
}

static int layer_open(struct producer *pr)
{
    st_layer_rt *l = &pr->img->layers[pr->order[pr->step]];
    st_error *e = NULL;

    pr->blob_read = pr->produced = 0;
    pr->in_pos = pr->in_len = 0;
    pr->err = 0;
    pr->stream_end = false;
    pr->why[0] = 0;
    st_sha256_reset(pr->hash);
    if (st_image__open_layer(pr->img, pr->order[pr->step], &pr->loc, &e)) {
        char *m = st_error_format(e);
        fail(pr, st_error_code(e), "%s", m ? m : "cannot open blob");
        st_free(m);
        st_error_free(e);
        pr->loc.len = 0;
        pr->layer_open = false;
        return 0;
    }
    pr->layer_open = true;
    refill(pr);
    pr->comp = l->sniff ? st_decomp_sniff(pr->in, pr->in_len) : l->comp;
    pr->dec = st_decomp_new(pr->comp);
    if (!pr->dec)
        return ST_ENOMEM;
    return 0;
}

/* Fills one chunk: DATA with up to CHUNK_SIZE bytes, or END. */
static int produce(struct producer *pr, st_chunk *c, uint8_t *buf)
{
    int rc;

    memset(c, 0, sizeof(*c));
    if (!pr->in_layer) {
        pr->in_layer = true;
        if ((rc = layer_open(pr)) < 0)
            return rc;
    }
    c->step = pr->step;
    c->data = buf;
    while (c->len < CHUNK_SIZE && !pr->err) {
        size_t in_n, out_n = 0;
        const char *why = NULL;
        if (pr->in_pos == pr->in_len && refill(pr) == 0)
            break;
        if (!pr->dec)
            break;
        in_n = pr->in_len - pr->in_pos;
        if (st_decomp_run(pr->dec, pr->in + pr->in_pos, &in_n, buf + c->len,
                          CHUNK_SIZE - c->len, &out_n, &why)) {
            fail(pr, ST_EINVALID, "%s", why);
            break;
        }
        pr->in_pos += in_n;
        c->len += out_n;
        pr->produced += out_n;
        if (pr->produced > pr->lim.max_layer_bytes) {
            fail(pr, ST_ELIMIT, "%s",
                 "uncompressed layer larger than the limit (--max-layer-size)");
            c->len = 0;
            break;
        }
        if (pr->produced > RATIO_FLOOR &&
            pr->produced / (pr->blob_read ? pr->blob_read : 1) >
                pr->lim.max_ratio) {
            fail(pr, ST_ELIMIT, "%s",
                 "decompression bomb: uncompressed size is too many times "
                 "the compressed size");
            c->len = 0;
            break;
        }
        if (in_n == 0 && out_n == 0)
            break; /* decoder needs nothing more from this input */
    }
    c->blob_bytes = pr->blob_read;
    if (c->len)
        return 0;

    /* End of the layer: read and hash what is left of the blob so the
     * digest can be judged even when the data could not be decoded (the
     * hasher thread, when there is one, reads every blob whole). */
    if (pr->hash_inline && (!pr->err || pr->err == ST_EINVALID)) {
        while (pr->layer_open && refill(pr) && !pr->err)
            ;
    }
    if (!pr->err && pr->dec) {
        const char *why = NULL;
        if (st_decomp_finish(pr->dec, &why))
            fail(pr, ST_EINVALID, "%s", why);
    }
    c->kind = ST_CHUNK_END;
    c->len = 0;
    c->blob_bytes = c->blob_size = pr->blob_read;
    c->comp = pr->comp;
    c->err = pr->err;
    memcpy(c->why, pr->why, sizeof(c->why));
    if (pr->loc.stream) {
        const char *want = pr->img->layers[pr->order[pr->step]].digest;
        snprintf(c->digest, sizeof(c->digest), "%s",
                 pr->stream_end && !pr->err && want ? want : "unverified");
    } else if (pr->hash_inline) {
        st_sha256_final(pr->hash, c->digest);
    } else {
        st_pipeline *p = pr->pipe;
        struct blobhash *h = &p->hashes[pr->step];
        pthread_mutex_lock(&p->mu);
        while (!h->done && !p->cancel)
            pthread_cond_wait(&p->cv_hash, &p->mu);
        pthread_mutex_unlock(&p->mu);
        memcpy(c->digest, h->digest, sizeof(c->digest));
        c->blob_size = h->size;
        if (h->err && (!c->err || c->err == ST_EINVALID)) {
            c->err = h->err;
            memcpy(c->why, h->why, sizeof(c->why));
        }
    }
    layer_close(pr);
    pr->in_layer = false;
    if (++pr->step == pr->n)
        pr->done = true;
    return 0;
}

static void *thread_main(void *arg)
{
    st_pipeline *p = arg;
    for (;;) {
        struct slot *s;
        int rc;

        pthread_mutex_lock(&p->mu);
        while (!p->cancel && p->slots[p->tail].full)
            pthread_cond_wait(&p->cv_free, &p->mu);
        if (p->cancel || p->pr.done) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        s = &p->slots[p->tail];
        pthread_mutex_unlock(&p->mu);

        rc = produce(&p->pr, &s->c, s->buf);
        if (rc < 0) {
            /* Out of memory: end this layer with an error. */
            s->c.kind = ST_CHUNK_END;
            s->c.err = rc;
            snprintf(s->c.why, sizeof(s->c.why), "out of memory");
            p->pr.done = true;
        }
        pthread_mutex_lock(&p->mu);
        s->full = true;
        p->tail = (p->tail + 1) % NSLOTS;
        pthread_cond_signal(&p->cv_full);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->finished = true;
    pthread_cond_signal(&p->cv_full);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void *hasher_main(void *arg)
{
    st_pipeline *p = arg;
    st_sha256 *h = st_sha256_new();

    for (size_t k = 0; k < p->pr.n && !cancelled(p); k++) {
        struct blobhash r;
        st_blobloc loc;
        st_error *e = NULL;
        uint64_t off = 0;

        memset(&r, 0, sizeof(r));
        if (!h) {
            r.err = ST_ENOMEM;
            snprintf(r.why, sizeof(r.why), "out of memory");
        } else if (st_image__open_layer(p->pr.img, p->pr.order[k], &loc,
                                        &e) < 0) {
            char *m = st_error_format(e);
            r.err = st_error_code(e);
            snprintf(r.why, sizeof(r.why), "%s", m ? m : "cannot open blob");
            st_free(m);
            st_error_free(e);
        } else {
            st_sha256_reset(h);
            while (off < loc.len && !cancelled(p)) {
                size_t n = loc.len - off < IN_SIZE ? (size_t)(loc.len - off)
                                                   : IN_SIZE;
                if (st_pread_full(loc.fd, p->hbuf, n, loc.off + off)) {
                    r.err = ST_EIO;
                    snprintf(r.why, sizeof(r.why), "read error: %s",
                             strerror(errno));
                    break;
                }
                st_sha256_update(h, p->hbuf, n);
                off += n;
            }
            if (loc.owns_fd)
                close(loc.fd);
            st_sha256_final(h, r.digest);
            r.size = off;
        }
        r.done = true;
        pthread_mutex_lock(&p->mu);
        p->hashes[k] = r;
        pthread_cond_broadcast(&p->cv_hash);
        pthread_mutex_unlock(&p->mu);
    }
    st_sha256_free(h);
    return NULL;
}

int st_pipeline_start(st_pipeline **out, st_image *img, const size_t *order,
                      size_t n, const st_pipeline_limits *lim,
                      st_error **err)
{
    st_pipeline *p = st_calloc(1, sizeof(*p));
    int rc = ST_ENOMEM;

    *out = NULL;
    if (!p)
        return st_error_set(err, ST_ENOMEM, "walk", "out of memory");
    p->pr.img = img;
    p->pr.order = order;
    p->pr.n = n;
    p->pr.lim = *lim;
    p->pr.done = n == 0;
    p->threaded = !lim->single_thread;
    p->pr.hash = st_sha256_new();
    p->pr.in = st_malloc(IN_SIZE);
    if (!p->pr.hash || !p->pr.in)
        goto done;
    for (size_t i = 0; i < (p->threaded ? NSLOTS : 1); i++)
        if (!(p->slots[i].buf = st_malloc(CHUNK_SIZE)))
            goto done;
    p->pr.pipe = p;
    p->pr.hash_inline = true;
    if (p->threaded) {
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->cv_full, NULL);
        pthread_cond_init(&p->cv_free, NULL);
        pthread_cond_init(&p->cv_hash, NULL);
        p->hashes = st_calloc(n ? n : 1, sizeof(*p->hashes));
        p->hbuf = st_malloc(IN_SIZE);
        /* Streamed layers can be read only once: hash them inline. */
        if (!img->sequential && p->hashes && p->hbuf &&
            pthread_create(&p->hasher, NULL, hasher_main, p) == 0) {
            p->hasher_on = true;
            p->pr.hash_inline = false;
        }
        if (pthread_create(&p->thread, NULL, thread_main, p)) {
            p->threaded = false; /* fall back to one thread */
            __atomic_store_n(&p->cancel, true, __ATOMIC_RELEASE);
            if (p->hasher_on)
                pthread_join(p->hasher, NULL);
            p->hasher_on = false;
            p->cancel = false;
            p->pr.hash_inline = true;
            pthread_mutex_destroy(&p->mu);
            pthread_cond_destroy(&p->cv_full);
            pthread_cond_destroy(&p->cv_free);
            pthread_cond_destroy(&p->cv_hash);
        }
    }
    *out = p;
    return 0;
done:
    st_pipeline_free(p);
    return st_error_set(err, rc, "walk", "out of memory");
}

const st_chunk *st_pipeline_next(st_pipeline *p)
{
    struct slot *s;

    if (!p->threaded) {
        if (p->pr.done)
            return NULL;
        if (produce(&p->pr, &p->slots[0].c, p->slots[0].buf) < 0) {
            st_chunk *c = &p->slots[0].c;
            c->kind = ST_CHUNK_END;
            c->err = ST_ENOMEM;
            snprintf(c->why, sizeof(c->why), "out of memory");
            p->pr.done = true;
        }
        return &p->slots[0].c;
    }
    pthread_mutex_lock(&p->mu);
    if (p->held) {
        p->slots[p->head].full = false;
        p->head = (p->head + 1) % NSLOTS;
        p->held = false;
        pthread_cond_signal(&p->cv_free);
    }
    while (!p->slots[p->head].full && !p->finished)
        pthread_cond_wait(&p->cv_full, &p->mu);
    s = p->slots[p->head].full ? &p->slots[p->head] : NULL;
    p->held = s != NULL;
    pthread_mutex_unlock(&p->mu);
    return s ? &s->c : NULL;
}

void st_pipeline_free(st_pipeline *p)
{
    if (!p)
        return;
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        __atomic_store_n(&p->cancel, true, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&p->cv_free);
        pthread_cond_broadcast(&p->cv_hash);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        if (p->hasher_on)
            pthread_join(p->hasher, NULL);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv_full);
        pthread_cond_destroy(&p->cv_free);
        pthread_cond_destroy(&p->cv_hash);
    }
    st_free(p->hashes);
    st_free(p->hbuf);
    layer_close(&p->pr);
    for (size_t i = 0; i < NSLOTS; i++)
        st_free(p->slots[i].buf);
    st_sha256_free(p->pr.hash);
    st_free(p->pr.in);
    st_free(p);
}
