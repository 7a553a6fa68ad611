/* The secrets engine: compiles the loaded rules (keyword prefilter and
 * keyword → rule tables) and scans buffers with them.
 *
 * A scan runs the prefilter once over the buffer. Each keyword
 * occurrence selects its rules: a rule whose regex cannot match a
 * newline (and has no path filter) runs on the line around the keyword
 * (lines next to each other merge into one window, run as soon as the
 * next keyword is past it); the others, and rules without keywords, run
 * once over the whole buffer. The matches that pass a rule's checks are
 * collected and reported in buffer order, lines counted in one pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secrets_int.h"
#include "util/banned.h"

struct hit {
    uint32_t rule;
    size_t off, len;
};

/* A rule's state during one scan. */
enum { R_FRESH, R_ACTIVE, R_SKIP };
struct rstate {
    uint8_t state; /* R_SKIP: its path filters, or a limit, rule it out */
    bool open;     /* a window [ws, we) waits to run */
    size_t ws, we;
    uint32_t tries, hits;
};

struct st_secret_scanner {
    const st_secret_rules *r;
    st_secret__pf_scratch *pfs, *pfs_path;
    pcre2_match_context *mctx; /* limits and the JIT stack */
    pcre2_jit_stack *jstack;
    pcre2_match_data *md;  /* a rule's regex */
    pcre2_match_data *md1; /* paths and allowlists */
    struct rstate *rs;     /* per rule */
    uint32_t *touched;     /* rules whose rstate is not fresh */
    size_t ntouched;
    uint8_t *mark; /* per rule: to run over the whole buffer */
    uint32_t *cand;
    size_t ncand;
    struct hit *hits;
    size_t nhits, cap;
    unsigned long limited; /* regex runs stopped by a PCRE2 limit */
    /* the scan in progress */
    const char *path, *data;
    size_t len;
    const st_secret__kwset *kw; /* the keywords being scanned for */
    size_t ls, le;              /* the last keyword's window */
    bool lwhole;                /* … a whole line, so reusable */
    int rc;
};

static void kwset_release(st_secret__kwset *k)
{
    st_secret__prefilter_free(k->pf);
    st_free(k->first);
    st_free(k->rules);
    st_free(k->len);
    memset(k, 0, sizeof(*k));
}

void st_secret_rules_free(st_secret_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->rules.len; i++)
        st_secret__rule_free(r->rules.items[i]);
    st_vec_release(&r->rules);
    st_map_free(r->ids);
    st_secret__allow_release(&r->global);
    kwset_release(&r->kw);
    kwset_release(&r->kw_path);
    st_free(r->always);
    st_free(r->by_path);
    pcre2_general_context_free(r->gctx);
    st_free(r);
}

size_t st_secret_rule_count(const st_secret_rules *r)
{
    return r->rules.len;
}

const st_secret_rule_info *st_secret_rule(const st_secret_rules *r, size_t i)
{
    if (i >= r->rules.len)
        return NULL;
    return &((const st_secret__rule *)r->rules.items[i])->info;
}

const char *st_secret_engine(const st_secret_rules *r)
{
    if (r->kw.pf)
        return !strcmp(st_secret__prefilter_kind(r->kw.pf), "hyperscan")
                   ? "hyperscan+pcre2"
                   : "pcre2";
#ifdef ST_WITH_HYPERSCAN
    if (!r->no_hyperscan)
        return "hyperscan+pcre2";
#endif
    return "pcre2";
}

/* The keywords of the rules with (or without) a path filter. */
static int kwset_build(st_secret__kwset *out,
                       const st_secret_rules *r,
                       bool with_path,
                       st_error **err)
{
    st_map *kw = st_map_new();
    st_vec lits = ST_VEC_INIT;
    size_t *lens = NULL, npairs = 0, n = r->rules.len;
    uint32_t(*pairs)[2] = NULL; /* keyword, rule */
    int rc = 0;

    for (size_t i = 0; i < n; i++)
        npairs += ((st_secret__rule *)r->rules.items[i])->keywords.len;
    pairs = st_malloc((npairs + 1) * sizeof(*pairs));
    if (!kw || !pairs)
        goto nomem;
    npairs = 0;
    /* one literal per distinct keyword (keywords are lower case) */
    for (size_t i = 0; i < n; i++) {
        const st_secret__rule *rule = r->rules.items[i];
        if (!rule->path != !with_path)
            continue;
        for (size_t j = 0; j < rule->keywords.len; j++) {
            const char *k = rule->keywords.items[j];
            void **slot;
            bool created;
            if (st_map_slot(kw, k, strlen(k), &slot, &created) < 0)
                goto nomem;
            if (created) {
                *slot = (void *)(uintptr_t)(lits.len + 1);
                if (st_vec_push(&lits, (void *)k) < 0)
                    goto nomem;
            }
            pairs[npairs][0] = (uint32_t)((uintptr_t)*slot - 1);
            pairs[npairs++][1] = (uint32_t)i;
        }
    }
    out->n = lits.len;
    out->first = st_calloc(out->n + 2, sizeof(uint32_t));
    out->rules = st_malloc((npairs + 1) * sizeof(uint32_t));
    out->len = st_malloc((out->n + 1) * sizeof(uint32_t));
    lens = st_malloc((out->n + 1) * sizeof(size_t));
    if (!out->first || !out->rules || !out->len || !lens)
        goto nomem;
    /* counting sort of the pairs by keyword */
    for (size_t i = 0; i < npairs; i++)
        out->first[pairs[i][0] + 2]++;
    for (size_t k = 2; k < out->n + 2; k++)
        out->first[k] += out->first[k - 1];
    for (size_t i = 0; i < npairs; i++)
        out->rules[out->first[pairs[i][0] + 1]++] = pairs[i][1];
    for (size_t k = 0; k < out->n; k++) {
        lens[k] = strlen(lits.items[k]);
        out->len[k] = (uint32_t)lens[k];
    }
    rc = st_secret__prefilter_new(&out->pf, (const char *const *)lits.items,
                                  lens, out->n, r->no_hyperscan, err);
    goto done;
nomem:
    rc = st_error_set(err, ST_ENOMEM, "secrets", "out of memory");
done:
    if (rc < 0)
        kwset_release(out);
    st_map_free(kw);
    st_vec_release(&lits);
    st_free(lens);
    st_free(pairs);
    return rc;
}

int st_secret_rules_compile(st_secret_rules *r, st_error **err)
{
    size_t n = r->rules.len;
    int rc = 0;

    if (r->compiled)
        return 0;
    r->always = st_malloc((n + 1) * sizeof(uint32_t));
    r->by_path = st_malloc((n + 1) * sizeof(uint32_t));
    if (!r->always || !r->by_path) {
        rc = st_error_set(err, ST_ENOMEM, "secrets", "out of memory");
        goto done;
    }
    r->nalways = r->nby_path = 0;
    r->max_captures = 0;
    for (size_t i = 0; i < n; i++) {
        st_secret__rule *rule = r->rules.items[i];
        rule->lines = rule->keywords.len && !rule->path &&
                      rule->newline != ST_SECRET__NL_MATCH;
        if (rule->captures > r->max_captures)
            r->max_captures = rule->captures;
        if (!rule->keywords.len)
            r->always[r->nalways++] = (uint32_t)i;
        if (rule->path)
            r->by_path[r->nby_path++] = (uint32_t)i;
    }
    ST_CHECK(kwset_build(&r->kw, r, false, err));
    ST_CHECK(kwset_build(&r->kw_path, r, true, err));
    r->compiled = true;
done:
    if (rc < 0) {
        kwset_release(&r->kw);
        kwset_release(&r->kw_path);
        st_free(r->always);
        st_free(r->by_path);
        r->always = r->by_path = NULL;
    }
    return rc;
}

/* ---- scanning --------------------------------------------------------- */

st_secret_scanner *st_secret_scanner_new(const st_secret_rules *r)
{
    st_secret_scanner *s;
    size_t n = r->rules.len;

    if (!r->compiled)
        return NULL;
    s = st_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->r = r;
    s->pfs = st_secret__pf_scratch_new(r->kw.pf);
    s->pfs_path = st_secret__pf_scratch_new(r->kw_path.pf);
    s->mctx = pcre2_match_context_create(r->gctx);
    s->jstack = pcre2_jit_stack_create(32 << 10, 1 << 20, r->gctx);
    s->md = pcre2_match_data_create(r->max_captures + 1, r->gctx);
    s->md1 = pcre2_match_data_create(1, r->gctx);
    s->rs = st_calloc(n + 1, sizeof(*s->rs));
    s->touched = st_malloc((n + 1) * sizeof(uint32_t));
    s->mark = st_calloc(n + 1, 1);
    s->cand = st_malloc((n + 1) * sizeof(uint32_t));
    if (!s->pfs || !s->pfs_path || !s->mctx || !s->jstack || !s->md ||
        !s->md1 || !s->rs || !s->touched || !s->mark || !s->cand) {
        st_secret_scanner_free(s);
        return NULL;
    }
    pcre2_set_match_limit(s->mctx, ST_SECRET__MATCH_LIMIT);
    pcre2_set_depth_limit(s->mctx, ST_SECRET__DEPTH_LIMIT);
    pcre2_set_heap_limit(s->mctx, ST_SECRET__HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(s->mctx, NULL, s->jstack);
    return s;
}

void st_secret_scanner_free(st_secret_scanner *s)
{
    if (!s)
        return;
    st_secret__pf_scratch_free(s->pfs);
    st_secret__pf_scratch_free(s->pfs_path);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jstack);
    pcre2_match_data_free(s->md);
    pcre2_match_data_free(s->md1);
    st_free(s->rs);
    st_free(s->touched);
    st_free(s->mark);
    st_free(s->cand);
    st_free(s->hits);
    st_free(s);
}

unsigned long st_secret__scanner_limited(const st_secret_scanner *s)
{
    return s->limited;
}

static int run(const st_secret_scanner *s,
               const st_secret__re *re,
               const char *subj,
               size_t len,
               size_t start,
               pcre2_match_data *md)
{
    if (re->jit)
        return pcre2_jit_match(re->code, (PCRE2_SPTR)subj, len, start, 0, md,
                               s->mctx);
    return pcre2_match(re->code, (PCRE2_SPTR)subj, len, start, 0, md, s->mctx);
}

/* Whether re matches somewhere in subj (an error, such as a limit,
 * counts as no match: the secret is reported). */
static bool found(const st_secret_scanner *s,
                  const st_secret__re *re,
                  const char *subj,
                  size_t len)
{
    return run(s, re, subj, len, 0, s->md1) >= 0;
}

static bool
any(const st_secret_scanner *s, const st_vec *res, const char *subj, size_t len)
{
    for (size_t i = 0; i < res->len; i++)
        if (found(s, res->items[i], subj, len))
            return true;
    return false;
}

static bool has_word(const st_vec *words, const char *s, size_t n)
{
    for (size_t w = 0; w < words->len; w++) {
        const char *word = words->items[w];
        size_t m = strlen(word);
        for (size_t i = 0; m <= n && i <= n - m; i++) {
            size_t j = 0;
            while (j < m &&
                   (s[i + j] >= 'A' && s[i + j] <= 'Z' ? s[i + j] - 'A' + 'a'
                                                       : s[i + j]) == word[j])
                j++;
            if (j == m)
                return true;
        }
    }
    return false;
}

static bool keep(const st_secret_scanner *s,
                 const st_secret__rule *rule,
                 const char *sec,
                 size_t n)
{
    const st_secret__allow *g = &s->r->global;
    if (rule->entropy > 0 && st_secret_entropy(sec, n) < rule->entropy)
        return false;
    return !has_word(&rule->allow.stopwords, sec, n) &&
           !has_word(&g->stopwords, sec, n) &&
           !any(s, &rule->allow.regexes, sec, n) &&
           !any(s, &g->regexes, sec, n);
}

static int add_hit(st_secret_scanner *s, uint32_t rule, size_t off, size_t len)
{
    if (s->nhits == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct hit *h = st_realloc(s->hits, cap * sizeof(*h));
        if (!h)
            return ST_ENOMEM;
        s->hits = h;
        s->cap = cap;
    }
    s->hits[s->nhits++] = (struct hit){rule, off, len};
    return 0;
}

/* Rule i's state in this scan; its path filters are judged when it is
 * first touched. */
static struct rstate *touch(st_secret_scanner *s, uint32_t i)
{
    struct rstate *st = &s->rs[i];
    const st_secret__rule *rule;
    const char *path = s->path;
    if (st->state != R_FRESH)
        return st;
    rule = s->r->rules.items[i];
    s->touched[s->ntouched++] = i;
    st->state = R_ACTIVE;
    if ((rule->path && (!path || !found(s, rule->path, path, strlen(path)))) ||
        (path && any(s, &rule->allow.paths, path, strlen(path))))
        st->state = R_SKIP;
    return st;
}

/* Runs rule i over the matches that start in data[from..limit) and end
 * by `to` (the text around visible to look-arounds), collecting what
 * passes its checks. */
static int
run_rule(st_secret_scanner *s, uint32_t i, size_t from, size_t limit, size_t to)
{
    const st_secret__rule *rule = s->r->rules.items[i];
    struct rstate *st = &s->rs[i];
    size_t start = from;

    while (st->state == R_ACTIVE && start < limit && start <= to) {
        int rc;
        const PCRE2_SIZE *ov;
        size_t so, eo, next;
        if (st->tries >= ST_SECRET__MAX_TRIES ||
            st->hits >= ST_SECRET__MAX_HITS) {
            st->state = R_SKIP;
            break;
        }
        rc = run(s, &rule->re, s->data, to, start, s->md);
        if (rc < 0) {
            /* no (more) matches; or a limit, and the rule gives up on
             * this buffer */
            if (rc != PCRE2_ERROR_NOMATCH) {
                s->limited++;
                st->state = R_SKIP;
            }
            break;
        }
        ov = pcre2_get_ovector_pointer(s->md);
        if (ov[0] >= limit)
            break; /* it starts on the line after the window */
        st->tries++;
        so = ov[2 * rule->group];
        eo = ov[2 * rule->group + 1];
        if (rule->group && (uint32_t)rc <= rule->group)
            so = eo = PCRE2_UNSET; /* the group did not take part */
        if (so != PCRE2_UNSET && eo > so &&
            keep(s, rule, s->data + so, eo - so)) {
            if (add_hit(s, i, so, eo - so) < 0)
                return ST_ENOMEM;
            st->hits++;
        }
        /* past the match; one byte on after an empty one */
        next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        start = next > start ? next : start + 1;
    }
    return 0;
}

/* Rule i on the window [ws, we) of whole lines; its look-aheads may see
 * the line after when they may see a newline. */
static int run_window(st_secret_scanner *s, uint32_t i, size_t ws, size_t we)
{
    const st_secret__rule *rule = s->r->rules.items[i];
    size_t to = we;
    if (rule->newline == ST_SECRET__NL_PEEK && we < s->len) {
        size_t hi = s->len - we > ST_SECRET__LINE_REACH
                        ? we + ST_SECRET__LINE_REACH
                        : s->len;
        const char *nl = memchr(s->data + we, '\n', hi - we);
        to = nl ? (size_t)(nl - s->data) + 1 : hi;
    }
    return run_rule(s, i, ws, we, to);
}

static void candidate(st_secret_scanner *s, uint32_t rule)
{
    if (!s->mark[rule]) {
        s->mark[rule] = 1;
        s->cand[s->ncand++] = rule;
    }
}

/* The window of a keyword at data[from..end): its line, from after the
 * last '\n' before it to just past the first '\n' from its end, reaching
 * at most ST_SECRET__LINE_REACH bytes either side. */
static void line_around(
    st_secret_scanner *s, size_t from, size_t end, size_t *ws, size_t *we)
{
    const char *d = s->data, *nl;
    size_t lo, hi;

    if (s->lwhole && from >= s->ls && end <= s->le) {
        *ws = s->ls; /* the same line as the last keyword */
        *we = s->le;
        return;
    }
    lo = from > ST_SECRET__LINE_REACH ? from - ST_SECRET__LINE_REACH : 0;
    hi = s->len - end > ST_SECRET__LINE_REACH ? end + ST_SECRET__LINE_REACH
                                              : s->len;
    nl = from > lo ? memrchr(d + lo, '\n', from - lo) : NULL;
    *ws = nl ? (size_t)(nl - d) + 1 : lo;
    s->lwhole = nl || lo == 0 || d[lo - 1] == '\n';
    if (end > from && d[end - 1] == '\n')
        nl = d + end - 1; /* a keyword ending in '\n' ends its line */
    else
        nl = end < hi ? memchr(d + end, '\n', hi - end) : NULL;
    *we = nl ? (size_t)(nl - d) + 1 : hi;
    s->lwhole = s->lwhole && (nl || hi == s->len);
    s->ls = *ws;
    s->le = *we;
}

static int on_keyword(void *payload, uint32_t k, size_t end)
{
    st_secret_scanner *s = payload;
    const st_secret__kwset *kw = s->kw;
    size_t from = end - kw->len[k], ws = 0, we = 0;
    bool have = false;

    for (uint32_t j = kw->first[k]; j < kw->first[k + 1]; j++) {
        uint32_t i = kw->rules[j];
        const st_secret__rule *rule = s->r->rules.items[i];
        struct rstate *st;
        if (!rule->lines) {
            candidate(s, i);
            continue;
        }
        st = touch(s, i);
        if (st->state != R_ACTIVE)
            continue;
        if (!have) {
            line_around(s, from, end, &ws, &we);
            have = true;
        }
        if (st->open && ws <= st->we && we >= st->ws) {
            /* overlapping or next to each other: one window */
            st->ws = ws < st->ws ? ws : st->ws;
            st->we = we > st->we ? we : st->we;
            continue;
        }
        if (st->open && (s->rc = run_window(s, i, st->ws, st->we)) < 0)
            return 1;
        st->open = true;
        st->ws = ws;
        st->we = we;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Buffer order; for one offset, rule order, the longest first. */
static int cmp_hit(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return (x->len < y->len) - (x->len > y->len);
}

static unsigned newlines(const char *p, const char *end)
{
    unsigned n = 0;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
        n++;
        p++;
    }
    return n;
}

static int prefilter(st_secret_scanner *s,
                     const st_secret__kwset *kw,
                     st_secret__pf_scratch *pfs)
{
    int rc;
    s->kw = kw;
    rc = st_secret__prefilter_scan(kw->pf, pfs, s->data, s->len, on_keyword, s);
    return rc == ST_EABORT ? s->rc : rc;
}

/* Runs what the prefilters select: the windows still open, then the
 * rules that run over the whole buffer. */
static int run_all(st_secret_scanner *s)
{
    const st_secret_rules *r = s->r;
    int rc = 0;

    ST_CHECK(prefilter(s, &r->kw, s->pfs));
    /* the keywords of rules with a path filter matter only when one of
     * them applies here */
    for (size_t i = 0; i < r->nby_path; i++)
        if (touch(s, r->by_path[i])->state == R_ACTIVE) {
            ST_CHECK(prefilter(s, &r->kw_path, s->pfs_path));
            break;
        }
    for (size_t t = 0; t < s->ntouched; t++) {
        uint32_t i = s->touched[t];
        if (s->rs[i].open &&
            (rc = run_window(s, i, s->rs[i].ws, s->rs[i].we)) < 0)
            return rc;
    }
    for (size_t i = 0; i < r->nalways; i++)
        candidate(s, r->always[i]);
    qsort(s->cand, s->ncand, sizeof(uint32_t), cmp_u32);
    for (size_t c = 0; c < s->ncand; c++) {
        uint32_t i = s->cand[c];
        if (touch(s, i)->state == R_ACTIVE &&
            (rc = run_rule(s, i, 0, s->len + 1, s->len)) < 0)
            return rc;
    }
done:
    return rc;
}

int st_secret_scan(st_secret_scanner *s,
                   const char *path,
                   const char *data,
                   size_t len,
                   st_secret_match_fn fn,
                   void *payload)
{
    const st_secret_rules *r = s->r;
    size_t pos = 0;
    unsigned line = 1;
    int rc;

    if (!data) {
        data = "";
        len = 0;
    }
    if (path && any(s, &r->global.paths, path, strlen(path)))
        return 0;
    s->path = path;
    s->data = data;
    s->len = len;
    s->lwhole = false;
    s->rc = 0;
    s->ncand = 0;
    s->nhits = 0;
    rc = run_all(s);
    for (size_t t = 0; t < s->ntouched; t++)
        memset(&s->rs[s->touched[t]], 0, sizeof(struct rstate));
    s->ntouched = 0;
    for (size_t c = 0; c < s->ncand; c++)
        s->mark[s->cand[c]] = 0;
    if (rc < 0)
        return rc;

    if (s->nhits > 1)
        qsort(s->hits, s->nhits, sizeof(*s->hits), cmp_hit);
    for (size_t i = 0; i < s->nhits; i++) {
        const struct hit *h = &s->hits[i];
        const st_secret__rule *rule = r->rules.items[h->rule];
        st_secret_match m;
        if (i && h->off == h[-1].off && h->rule == h[-1].rule)
            continue;
        line += newlines(data + pos, data + h->off);
        pos = h->off;
        m.rule = &rule->info;
        m.off = h->off;
        m.len = h->len;
        m.line = line;
        if ((rc = fn(payload, &m)) < 0)
            return rc;
    }
    return 0;
}

bool st_secret_path_allowed(const st_secret_rules *r, const char *path)
{
    pcre2_match_data *md;
    bool hit = false;

    if (!path || !r->global.paths.len)
        return false;
    md = pcre2_match_data_create(1, r->gctx);
    if (!md)
        return false;
    for (size_t i = 0; i < r->global.paths.len && !hit; i++) {
        const st_secret__re *re = r->global.paths.items[i];
        int rc = re->jit ? pcre2_jit_match(re->code, (PCRE2_SPTR)path,
                                           strlen(path), 0, 0, md, NULL)
                         : pcre2_match(re->code, (PCRE2_SPTR)path, strlen(path),
                                       0, 0, md, NULL);
        hit = rc >= 0;
    }
    pcre2_match_data_free(md);
    return hit;
}

double st_secret_entropy(const char *s, size_t len)
{
    size_t count[256] = {0};
    double h = 0;
    for (size_t i = 0; i < len; i++)
        count[(unsigned char)s[i]]++;
    for (int c = 0; c < 256; c++) {
        double p;
        if (!count[c])
            continue;
        p = (double)count[c] / (double)len;
        h -= p * log2(p);
    }
    return h > 0 ? h : 0;
}
