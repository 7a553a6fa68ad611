/* Secrets engine internals, shared by rules.c (loading), engine.c
 * (compile and scan) and prefilter.c (the keyword prefilters). Not
 * installed; tests and benchmarks may use it. */
#ifndef ST_SECRETS_INT_H
#define ST_SECRETS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "secrets/secrets.h"
#include "util/util.h"

/* ---- limits (docs/secrets.md) ----------------------------------------- */
#define ST_SECRET__MAX_FILE    (4u << 20) /* bytes of one rule document */
#define ST_SECRET__MAX_RULES   10000      /* rules loaded, all documents */
#define ST_SECRET__MAX_PATTERN 4096       /* bytes of one regex */
#define ST_SECRET__MAX_STRING  1024       /* id, title, keyword, stop word */
#define ST_SECRET__MAX_LIST    1000       /* entries of one list */
#define ST_SECRET__MAX_DEPTH   16         /* YAML nesting */
/* Per rule and buffer: matches reported, and regex matches found
 * (allowlisted ones included), before the rule gives up on the buffer. */
#define ST_SECRET__MAX_HITS  1000
#define ST_SECRET__MAX_TRIES 100000
/* A line-bound rule's window reaches at most this far either side of a
 * keyword within a long line. */
#define ST_SECRET__LINE_REACH 4096
/* PCRE2 limits: a regex that backtracks past them on some input is
 * skipped for that buffer. */
#define ST_SECRET__MATCH_LIMIT    1000000
#define ST_SECRET__DEPTH_LIMIT    100000
#define ST_SECRET__HEAP_LIMIT_KIB (64u << 10)

/* A compiled regex: JIT when the platform has it. */
typedef struct st_secret__re {
    pcre2_code *code;
    bool jit;
} st_secret__re;

/* An allowlist: a rule's own or the global one. */
typedef struct st_secret__allow {
    st_vec paths;     /* st_secret__re *: file paths skipped */
    st_vec regexes;   /* st_secret__re *: secrets not reported */
    st_vec stopwords; /* char *, lower case: secrets not reported */
} st_secret__allow;

typedef struct st_secret__rule {
    st_secret_rule_info info; /* strings owned by the rule */
    st_vec keywords;          /* char *, lower case (ASCII), no NULs */
    char *pattern;            /* re's text */
    size_t pattern_len;
    st_secret__re re;
    int newline;         /* st_secret__newline_use(pattern) */
    bool lines;          /* after compile: runs on its keywords' lines
                          * (keywords, no path filter, NL_NONE/PEEK) */
    uint32_t group;      /* the "secret" group; 0: the whole match */
    uint32_t captures;   /* capture groups in re */
    st_secret__re *path; /* NULL: every buffer, with or without path */
    double entropy;      /* minimum; 0: none */
    st_secret__allow allow;
} st_secret__rule;

typedef struct st_secret__prefilter st_secret__prefilter;
typedef struct st_secret__pf_scratch st_secret__pf_scratch;

/* Keywords compiled into a prefilter: keyword k (0..n) has length
 * len[k] and names rules rules[first[k] .. first[k+1]) (indexes into
 * st_secret_rules.rules). */
typedef struct st_secret__kwset {
    st_secret__prefilter *pf;
    size_t n;
    uint32_t *first, *rules, *len;
} st_secret__kwset;

struct st_secret_rules {
    pcre2_general_context *gctx; /* allocates through st_malloc */
    st_vec rules;                /* st_secret__rule *, in load order */
    st_map *ids;                 /* id → st_secret__rule * */
    st_secret__allow global;
    bool no_hyperscan; /* st_secret__force_fallback */
    bool compiled;
    /* after compile: the keywords of the rules without a path filter,
     * scanned for in every buffer; those of the rules with one, only
     * when one of them applies to the buffer's path */
    st_secret__kwset kw, kw_path;
    uint32_t *always; /* rules without keywords */
    size_t nalways;
    uint32_t *by_path; /* rules with a path filter */
    size_t nby_path;
    uint32_t max_captures;
};

/* ---- rules.c ---------------------------------------------------------- */
/* Compiles a pattern (length-delimited, may hold NULs) with `opts`; on
 * failure writes "problem at offset N" into msg and returns NULL, with
 * *oom set when it failed for lack of memory. */
st_secret__re *st_secret__re_new(const st_secret_rules *r,
                                 const char *pat,
                                 size_t len,
                                 uint32_t opts,
                                 char *msg,
                                 size_t msglen,
                                 bool *oom);
void st_secret__re_free(st_secret__re *re);
void st_secret__allow_release(st_secret__allow *a);
void st_secret__rule_free(st_secret__rule *rule);
/* How a regex may meet a newline character, judged from its text
 * conservatively (look-behinds aside: they see the text before a
 * window): ST_SECRET__NL_NONE, ST_SECRET__NL_PEEK (only look-aheads may
 * see one) or ST_SECRET__NL_MATCH (it may match one). *where (if not
 * NULL) gets the offset of the first construct of the kind returned. */
enum { ST_SECRET__NL_NONE, ST_SECRET__NL_PEEK, ST_SECRET__NL_MATCH };
int st_secret__newline_use(const char *pat, size_t len, size_t *where);

/* Test hook: compile with the PCRE2-only prefilter (an Aho-Corasick
 * automaton) even where Hyperscan is built in. Before compile. */
void st_secret__force_fallback(st_secret_rules *r);

/* ---- engine.c --------------------------------------------------------- */
/* How many regex runs a PCRE2 limit has stopped in this scanner's life
 * (each skipped the rest of its rule for that buffer). */
unsigned long st_secret__scanner_limited(const st_secret_scanner *s);

/* ---- prefilter.c ------------------------------------------------------ *
 * Finds which of a set of literals (ASCII case-insensitive) occur in a
 * buffer. Built from Hyperscan (ST_WITH_HYPERSCAN, unless `fallback`) or
 * from an Aho-Corasick automaton. */
int st_secret__prefilter_new(st_secret__prefilter **out,
                             const char *const *lits,
                             const size_t *lens,
                             size_t n,
                             bool fallback,
                             st_error **err);
void st_secret__prefilter_free(st_secret__prefilter *pf);
/* "hyperscan" or "aho-corasick" */
const char *st_secret__prefilter_kind(const st_secret__prefilter *pf);
/* Per-thread state; NULL when out of memory. */
st_secret__pf_scratch *
st_secret__pf_scratch_new(const st_secret__prefilter *pf);
void st_secret__pf_scratch_free(st_secret__pf_scratch *s);
/* Calls fn for each occurrence of a literal in data[0..len) with the
 * offset just past it, in increasing order of that offset (an occurrence
 * in the overlap of two pieces of a buffer over 1 GiB may come twice).
 * fn returns non-zero to stop. Returns 0, ST_EABORT (stopped) or
 * ST_EINVALID (a Hyperscan failure). */
typedef int (*st_secret__hit_fn)(void *payload, uint32_t lit, size_t end);
int st_secret__prefilter_scan(const st_secret__prefilter *pf,
                              st_secret__pf_scratch *s,
                              const char *data,
                              size_t len,
                              st_secret__hit_fn fn,
                              void *payload);

#endif
