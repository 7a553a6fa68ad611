/* Images in registries: the reference is resolved to a manifest, which is
 * loaded like an OCI layout's (index, platform, config); layers stream
 * from the registry into the walk, or come from the blob cache. With keys,
 * cosign signatures are checked before anything is scanned. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image_int.h"
#include "registry/registry.h"
#include "util/banned.h"

struct st_image_registry {
    st_reg_config cfg;
    st_reg *client;
    st_regref ref;
    char top_digest[72]; /* what the reference resolved to */
};

void st_source__registry_free(st_image *img)
{
    if (!img->reg)
        return;
    st_reg_free(img->reg->client);
    st_regref_release(&img->reg->ref);
    st_free(img->reg);
    img->reg = NULL;
}

int st_source__registry_read(st_image *img, const char *name,
                             const char *what, const char *digest,
                             int64_t size, size_t max, bool manifest,
                             st_buf *out, st_error **err)
{
    struct st_image_registry *r = img->reg;
    char got[72];
    char *mt = NULL;
    int rc;

    (void)name; /* registries address everything by digest */
    if (!digest)
        return st_error_set(err, ST_EINVALID, "source",
                            "%s: no digest to fetch it by", what);
    if (!manifest)
        return st_reg_get_blob(r->client, r->ref.repository, digest, size,
                               max, out, err);
    rc = st_reg_get_manifest(r->client, r->ref.repository, digest, max, out,
                             &mt, got, err);
    st_free(mt);
    if (rc == 0 && size >= 0 && out->len != (uint64_t)size)
        rc = st_error_set(err, ST_EDIGEST, "source",
                          "%s is %zu bytes, its descriptor says %lld: image "
                          "tampered or corrupt",
                          what, out->len, (long long)size);
    return rc;
}

/* A layer downloads on its own thread into a ring buffer while the
 * pipeline inflates what arrived: the network and the decompressor
 * overlap instead of taking turns (the blob stream is pull-driven, so
 * without this nothing is received while the reader is busy). */
#define RING (8u << 20)
#define CHUNK (256u << 10)

struct prefetch {
    st_blobstream *bs;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *ring;
    size_t head, len; /* filled region [head, head + len) mod RING */
    bool eof, stop;
    long err;
    char why[200];
};

static void *prefetch_main(void *arg)
{
    struct prefetch *p = arg;
    for (;;) {
        size_t tail, room;
        char why[200] = "";
        ssize_t r;

        pthread_mutex_lock(&p->mu);
        while (p->len == RING && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        tail = (p->head + p->len) % RING;
        room = RING - p->len;
        if (room > RING - tail)
            room = RING - tail; /* contiguous part */
        pthread_mutex_unlock(&p->mu);
        /* [tail, tail + room) is free: only this thread writes there. */
        r = st_blobstream_read(p->bs, p->ring + tail,
                               room < CHUNK ? room : CHUNK, why, sizeof(why));
        pthread_mutex_lock(&p->mu);
        if (r <= 0) {
            p->eof = true;
            p->err = (long)r;
            memcpy(p->why, why, sizeof(why));
        } else {
            p->len += (size_t)r;
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (r <= 0)
            break;
    }
    return NULL;
}

static long prefetch_read(void *arg, void *buf, size_t n, char *why,
                          size_t whylen)
{
    struct prefetch *p = arg;
    long got;

    pthread_mutex_lock(&p->mu);
    while (!p->len && !p->eof)
        pthread_cond_wait(&p->cv, &p->mu);
    if (!p->len) {
        got = p->err;
        if (got < 0)
            snprintf(why, whylen, "%s", p->why);
        pthread_mutex_unlock(&p->mu);
        return got;
    }
    if (n > p->len)
        n = p->len;
    if (n > RING - p->head)
        n = RING - p->head;
    pthread_mutex_unlock(&p->mu);
    /* [head, head + n) is filled: the downloader does not touch it. */
    memcpy(buf, p->ring + p->head, n);
    pthread_mutex_lock(&p->mu);
    p->head = (p->head + n) % RING;
    p->len -= n;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return (long)n;
}

static void prefetch_close(void *arg)
{
    struct prefetch *p = arg;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    st_blobstream_close(p->bs);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    st_free(p->ring);
    st_free(p);
}

static int prefetch_start(st_blobstream *bs, st_blobloc *loc, st_error **err)
{
    struct prefetch *p = st_calloc(1, sizeof(*p));
    if (!p || !(p->ring = st_malloc(RING))) {
        st_free(p);
        st_blobstream_close(bs);
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    }
    p->bs = bs;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, prefetch_main, p)) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        st_free(p->ring);
        st_free(p);
        st_blobstream_close(bs);
        return st_error_set(err, ST_EIO, "source",
                            "cannot start a download thread");
    }
    loc->stream = p;
    loc->read = prefetch_read;
    loc->close = prefetch_close;
    return 0;
}

int st_source__registry_layer(st_image *img, size_t i, st_blobloc *loc,
                              st_error **err)
{
    struct st_image_registry *r = img->reg;
    const st_layer_rt *l = &img->layers[i];
    st_blobstream *bs = NULL;
    int rc;

    /* A verified copy in the cache is read from there by the stream. */
    memset(loc, 0, sizeof(*loc));
    loc->fd = -1;
    if ((rc = st_reg_open_blob(r->client, r->ref.repository, l->digest,
                               l->size, &bs, err)) < 0)
        return rc;
    return prefetch_start(bs, loc, err);
}

static int copy_signatures(st_image *img, st_cosign_sig *sigs, size_t n,
                           st_error **err)
{
    st_signature_info *out;
    size_t have = img->info.signature_count;

    if (!n)
        return 0;
    out = st_arena_alloc(img->arena, (have + n) * sizeof(*out));
    if (!out)
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    if (have)
        memcpy(out, img->info.signatures, have * sizeof(*out));
    for (size_t k = 0; k < n; k++) {
        st_signature_info *s = &out[have + k];
        s->valid = sigs[k].valid;
#define DUP(field)                                                             \
    s->field = sigs[k].field ? st_arena_strdup(img->arena, sigs[k].field) : NULL
        DUP(key);
        DUP(signed_digest);
        DUP(identity);
        DUP(annotations_json);
        DUP(problem);
#undef DUP
    }
    img->info.signatures = out;
    img->info.signature_count = have + n;
    return 0;
}

/* cosign signs the digest a tag resolves to: an index for multi-platform
 * images. Signatures of the platform's own manifest count too. */
static int check_signatures(st_image *img, const st_image_options *opts,
                            st_error **err)
{
    struct st_image_registry *r = img->reg;
    const char *digests[2] = {r->top_digest, img->info.manifest_digest};
    size_t nd = strcmp(digests[0], digests[1]) ? 2 : 1, valid = 0;
    st_buf why = ST_BUF_INIT(4096);
    int rc = 0;

    for (size_t d = 0; d < nd && rc == 0; d++) {
        st_cosign_sig *sigs = NULL;
        size_t n = 0;
        rc = st_cosign_verify(r->client, r->ref.repository, digests[d],
                              opts->keys, opts->key_count, &sigs, &n, err);
        if (rc == 0)
            rc = copy_signatures(img, sigs, n, err);
        st_cosign_sigs_free(sigs, n);
    }
    if (rc < 0 || !opts->require_signature)
        goto done;
    for (size_t k = 0; k < img->info.signature_count; k++) {
        const st_signature_info *s = &img->info.signatures[k];
        if (s->valid)
            valid++;
        else if (why.len < 400)
            st_buf_printf(&why, "%s%s", why.len ? "; " : "",
                          s->problem ? s->problem : "not valid");
    }
    if (!valid)
        rc = st_error_set(err, ST_ESIGNATURE, "source",
                          "%s: no valid signature for %s (%s)",
                          img->info.path, r->top_digest,
                          img->info.signature_count ? why.ptr
                                                    : "no signature found");
done:
    st_buf_release(&why);
    return rc;
}

int st_source__registry(st_image *img, const char *ref,
                        const st_image_options *opts, st_error **err)
{
    struct st_image_registry *r;
    st_buf body = ST_BUF_INIT(0);
    char *mt = NULL, name[1024];
    int rc;

    if (opts->require_signature && !opts->key_count)
        return st_error_set(err, ST_EUSAGE, "source",
                            "--require-signature needs a public key (--key)");
    if (!(r = img->reg = st_calloc(1, sizeof(*r))))
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    ST_CHECK(st_regref_parse(&r->ref, ref, err));
    r->cfg.insecure = opts->insecure_registries;
    r->cfg.insecure_count = opts->insecure_registry_count;
    r->cfg.ca_file = opts->registry_ca;
    r->cfg.docker_config = opts->docker_config;
    r->cfg.username = opts->username;
    r->cfg.password = opts->password;
    r->cfg.cache_dir = opts->cache_dir;
    ST_CHECK(st_reg_open(&r->client, r->ref.host, &r->cfg, err));
    st_regref_format(&r->ref, name, sizeof(name));
    if (!(img->info.path = st_arena_strdup(img->arena, name)))
        goto oom;
    if (r->ref.tag) {
        const char **tags = st_arena_alloc(img->arena, sizeof(*tags));
        if (!tags || !(tags[0] = st_arena_printf(img->arena, "%s/%s:%s",
                                                 r->ref.registry,
                                                 r->ref.repository,
                                                 r->ref.tag)))
            goto oom;
        img->info.repo_tags = tags;
        img->info.repo_tag_count = 1;
    }
    ST_CHECK(st_reg_get_manifest(r->client, r->ref.repository,
                                 r->ref.digest ? r->ref.digest : r->ref.tag,
                                 img->max_json, &body, &mt, r->top_digest,
                                 err));
    ST_CHECK(st_source__oci_document(img, body.ptr, body.len, r->top_digest,
                                     mt, opts, err));
    if (opts->key_count)
        ST_CHECK(check_signatures(img, opts, err));
done:
    st_free(mt);
    st_buf_release(&body);
    return rc;
oom:
    rc = st_error_set(err, ST_ENOMEM, "source", "out of memory");
    goto done;
}

