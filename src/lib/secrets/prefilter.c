/* The keyword prefilter: where rules' keywords occur in a buffer.
 *
 * Hyperscan, where built in, compiles every keyword into one caseless
 * literal database. Without it, or when the CPU lacks what Hyperscan
 * needs, an Aho-Corasick automaton does the same in one pass: a full
 * transition table over byte classes (bytes that occur in no keyword
 * share class 0, upper case shares the lower-case class), each entry
 * holding the next state's row offset and a flag saying that the state
 * ends a keyword. */
#include <limits.h>
#include <string.h>

#ifdef ST_WITH_HYPERSCAN
#include <hs/hs.h>
#endif

#include "secrets_int.h"
#include "util/banned.h"

#define OUT 0x80000000u /* delta flag: the next state ends a keyword */
/* the automaton's table may hold at most this many entries (256 MiB) */
#define MAX_ENTRIES (64u << 20)

struct st_secret__prefilter {
    size_t n;      /* literals */
    size_t maxlen; /* longest literal */
#ifdef ST_WITH_HYPERSCAN
    hs_database_t *db; /* NULL: Aho-Corasick (or no literals) */
#endif
    bool hs;
    /* Aho-Corasick */
    uint8_t cls[256];
    uint32_t ncls;
    uint32_t *delta;     /* [state * ncls + cls] → next * ncls | OUT */
    uint32_t *out_first; /* state s ends out_lits[out_first[s]..[s+1]) */
    uint32_t *out_lits;
};

struct st_secret__pf_scratch {
#ifdef ST_WITH_HYPERSCAN
    hs_scratch_t *hs;
#endif
    int unused; /* the struct is not empty without Hyperscan */
};

static uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static int ac_build(st_secret__prefilter *pf,
                    const char *const *lits,
                    const size_t *lens,
                    size_t n,
                    st_error **err)
{
    size_t total = 1, nstates = 1, nout = 0;
    uint32_t *fail = NULL, *queue = NULL, *own = NULL, *cnt = NULL;
    int rc = ST_ENOMEM;

    memset(pf->cls, 0, sizeof(pf->cls));
    pf->ncls = 1;
    for (size_t i = 0; i < n; i++) {
        total += lens[i];
        for (size_t j = 0; j < lens[i]; j++) {
            uint8_t c = fold((uint8_t)lits[i][j]);
            if (!pf->cls[c])
                pf->cls[c] = (uint8_t)pf->ncls++;
        }
    }
    for (int c = 'A'; c <= 'Z'; c++)
        pf->cls[c] = pf->cls[c - 'A' + 'a'];
    if (total > MAX_ENTRIES / pf->ncls)
        return st_error_set(err, ST_ELIMIT, "secrets",
                            "keywords: too many for the prefilter (%zu bytes)",
                            total);

    /* the trie, in delta with UINT32_MAX for "no edge" */
    pf->delta = st_malloc(total * pf->ncls * sizeof(uint32_t));
    own = st_calloc(total, sizeof(uint32_t)); /* literal + 1 ending here */
    fail = st_calloc(total, sizeof(uint32_t));
    queue = st_malloc(total * sizeof(uint32_t));
    cnt = st_calloc(total + 1, sizeof(uint32_t));
    if (!pf->delta || !own || !fail || !queue || !cnt)
        goto done;
    memset(pf->delta, 0xff, total * pf->ncls * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uint32_t s = 0;
        for (size_t j = 0; j < lens[i]; j++) {
            uint32_t *e =
                &pf->delta[s * pf->ncls + pf->cls[(uint8_t)lits[i][j]]];
            if (*e == UINT32_MAX)
                *e = (uint32_t)nstates++;
            s = *e;
        }
        /* a literal listed twice is reported under its first index */
        if (!own[s])
            own[s] = (uint32_t)i + 1;
    }

    /* breadth first: failure links, missing edges, output counts */
    {
        size_t head = 0, tail = 0;
        for (uint32_t c = 0; c < pf->ncls; c++) {
            uint32_t *e = &pf->delta[c];
            if (*e == UINT32_MAX) {
                *e = 0;
            } else {
                fail[*e] = 0;
                queue[tail++] = *e;
            }
        }
        cnt[0] = 0;
        while (head < tail) {
            uint32_t s = queue[head++];
            cnt[s] = (own[s] ? 1 : 0) + cnt[fail[s]];
            for (uint32_t c = 0; c < pf->ncls; c++) {
                uint32_t *e = &pf->delta[s * pf->ncls + c];
                uint32_t f = pf->delta[fail[s] * pf->ncls + c];
                if (*e == UINT32_MAX) {
                    *e = f;
                } else {
                    fail[*e] = f;
                    queue[tail++] = *e;
                }
            }
        }
    }
    pf->out_first = st_malloc((nstates + 1) * sizeof(uint32_t));
    if (!pf->out_first)
        goto done;
    for (size_t s = 0; s < nstates; s++) {
        pf->out_first[s] = (uint32_t)nout;
        nout += cnt[s];
    }
    pf->out_first[nstates] = (uint32_t)nout;
    pf->out_lits = st_malloc((nout + 1) * sizeof(uint32_t));
    if (!pf->out_lits)
        goto done;
    for (size_t s = 0; s < nstates; s++) {
        uint32_t k = pf->out_first[s];
        for (uint32_t t = (uint32_t)s; t; t = fail[t])
            if (own[t])
                pf->out_lits[k++] = own[t] - 1;
    }
    /* row offsets instead of state numbers, and the output flag */
    for (size_t i = 0; i < nstates * pf->ncls; i++) {
        uint32_t t = pf->delta[i];
        pf->delta[i] = t * pf->ncls | (cnt[t] ? OUT : 0);
    }
    rc = 0;
done:
    if (rc == ST_ENOMEM)
        st_error_set(err, ST_ENOMEM, "secrets", "out of memory");
    st_free(own);
    st_free(fail);
    st_free(queue);
    st_free(cnt);
    return rc;
}

#ifdef ST_WITH_HYPERSCAN
static int hs_build(st_secret__prefilter *pf,
                    const char *const *lits,
                    const size_t *lens,
                    size_t n,
                    st_error **err)
{
    unsigned *flags = st_malloc(n * sizeof(unsigned));
    unsigned *ids = st_malloc(n * sizeof(unsigned));
    hs_compile_error_t *cerr = NULL;
    hs_error_t e;
    int rc = 0;

    if (!flags || !ids) {
        rc = st_error_set(err, ST_ENOMEM, "secrets", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        flags[i] = HS_FLAG_CASELESS;
        ids[i] = (unsigned)i;
    }
    e = hs_compile_lit_multi(lits, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK,
                             NULL, &pf->db, &cerr);
    if (e != HS_SUCCESS) {
        rc = st_error_set(err, e == HS_NOMEM ? ST_ENOMEM : ST_EINVALID,
                          "secrets", "hyperscan: keyword %d: %s",
                          cerr ? cerr->expression : -1,
                          cerr && cerr->message ? cerr->message : "error");
        hs_free_compile_error(cerr);
        pf->db = NULL;
    }
done:
    st_free(flags);
    st_free(ids);
    return rc;
}
#endif

int st_secret__prefilter_new(st_secret__prefilter **out,
                             const char *const *lits,
                             const size_t *lens,
                             size_t n,
                             bool fallback,
                             st_error **err)
{
    st_secret__prefilter *pf = st_calloc(1, sizeof(*pf));
    int rc;

    *out = NULL;
    if (!pf)
        return st_error_set(err, ST_ENOMEM, "secrets", "out of memory");
    pf->n = n;
    for (size_t i = 0; i < n; i++)
        if (lens[i] > pf->maxlen)
            pf->maxlen = lens[i];
#ifdef ST_WITH_HYPERSCAN
    if (!fallback && hs_valid_platform() == HS_SUCCESS && n <= UINT_MAX) {
        pf->hs = true;
        rc = n ? hs_build(pf, lits, lens, n, err) : 0;
    } else
#endif
    {
        (void)fallback;
        rc = ac_build(pf, lits, lens, n, err);
    }
    if (rc < 0) {
        st_secret__prefilter_free(pf);
        return rc;
    }
    *out = pf;
    return 0;
}

void st_secret__prefilter_free(st_secret__prefilter *pf)
{
    if (!pf)
        return;
#ifdef ST_WITH_HYPERSCAN
    hs_free_database(pf->db);
#endif
    st_free(pf->delta);
    st_free(pf->out_first);
    st_free(pf->out_lits);
    st_free(pf);
}

const char *st_secret__prefilter_kind(const st_secret__prefilter *pf)
{
    return pf->hs ? "hyperscan" : "aho-corasick";
}

st_secret__pf_scratch *st_secret__pf_scratch_new(const st_secret__prefilter *pf)
{
    st_secret__pf_scratch *s = st_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
#ifdef ST_WITH_HYPERSCAN
    if (pf->db && hs_alloc_scratch(pf->db, &s->hs) != HS_SUCCESS) {
        st_free(s);
        return NULL;
    }
#endif
    return s;
}

void st_secret__pf_scratch_free(st_secret__pf_scratch *s)
{
    if (!s)
        return;
#ifdef ST_WITH_HYPERSCAN
    hs_free_scratch(s->hs);
#endif
    st_free(s);
}

#ifdef ST_WITH_HYPERSCAN
struct hs_ctx {
    st_secret__hit_fn fn;
    void *payload;
    size_t base; /* the piece's offset in the buffer */
};

static int on_hs(unsigned id,
                 unsigned long long from,
                 unsigned long long to,
                 unsigned flags,
                 void *ctx)
{
    struct hs_ctx *c = ctx;
    (void)from;
    (void)flags;
    return c->fn(c->payload, id, c->base + (size_t)to);
}

static int hs_run(const st_secret__prefilter *pf,
                  st_secret__pf_scratch *s,
                  const char *data,
                  size_t len,
                  st_secret__hit_fn fn,
                  void *payload)
{
    /* hs_scan takes an unsigned length: huge buffers go in pieces that
     * overlap by a keyword's length */
    const size_t step = (size_t)1 << 30;
    struct hs_ctx c = {fn, payload, 0};
    size_t off = 0;
    for (;;) {
        size_t n = len - off > step ? step : len - off;
        hs_error_t e;
        c.base = off;
        e = hs_scan(pf->db, data + off, (unsigned)n, 0, s->hs, on_hs, &c);
        if (e == HS_SCAN_TERMINATED)
            return ST_EABORT;
        if (e != HS_SUCCESS)
            return ST_EINVALID;
        if (off + n >= len)
            return 0;
        off += n - (pf->maxlen - 1);
    }
}
#endif

static int ac_run(const st_secret__prefilter *pf,
                  const char *data,
                  size_t len,
                  st_secret__hit_fn fn,
                  void *payload)
{
    const uint32_t *delta = pf->delta;
    const uint8_t *cls = pf->cls;
    const uint8_t *p = (const uint8_t *)data, *end = p + len;
    uint32_t st = 0, ncls = pf->ncls;

    while (p < end) {
        uint32_t x = delta[st + cls[*p++]];
        st = x & ~OUT;
        if (x & OUT) {
            uint32_t state = st / ncls;
            size_t at = (size_t)(p - (const uint8_t *)data);
            for (uint32_t k = pf->out_first[state];
                 k < pf->out_first[state + 1]; k++)
                if (fn(payload, pf->out_lits[k], at))
                    return ST_EABORT;
        }
    }
    return 0;
}

int st_secret__prefilter_scan(const st_secret__prefilter *pf,
                              st_secret__pf_scratch *s,
                              const char *data,
                              size_t len,
                              st_secret__hit_fn fn,
                              void *payload)
{
    if (!pf->n || !len)
        return 0;
#ifdef ST_WITH_HYPERSCAN
    if (pf->hs)
        return hs_run(pf, s, data, len, fn, payload);
#endif
    (void)s;
    return ac_run(pf, data, len, fn, payload);
}
