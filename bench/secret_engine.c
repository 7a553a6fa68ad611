/* bench_secret_engine — the secrets engine alone, on one core: the
 * built-in rules (rules/secrets.yaml, as compiled into the library) over
 * the text files of some directories, each file one scan, as the secret
 * analyzer hands them over. Times are CPU seconds of the scanning
 * thread (pinned to CPU 0), so MB/s reads "per core".
 *
 * Text files are regular files of at most 10 MiB without a NUL byte
 * (what the analyzer scans by default), read once into memory, at most
 * --max-mb MB in all. Prints the input, the engine, then for the best of
 * --rounds rounds: MB/s (10^6 bytes per second) of the whole scan, of the
 * keyword prefilter alone, the rules that ran per file and the matches.
 * --per-rule also times each rule alone (all others disabled) and lists
 * the slowest, to say where time goes.
 *
 * Usage: bench_secret_engine [--pcre2] [--per-rule] [--rounds N]
 *                            [--max-mb N] [--rules FILE] [DIR...]
 * Default DIRs: /usr/share/doc /usr/share/perl5 /usr/share/perl
 * /usr/lib/python3 /usr/include (those that exist). --pcre2 forces the
 * Aho-Corasick prefilter where Hyperscan is built in; --rules adds a
 * rule file after the built-in rules. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "secrets/secrets_int.h"

#define MAX_FILE (10u << 20)

struct file {
    char *path; /* relative to its directory, as an image path */
    size_t off, len;
};

struct corpus {
    char *data;
    size_t len, cap, max;
    struct file *files;
    size_t nfiles, cap_files;
    size_t skipped_binary, skipped_big;
};

/* CPU time of this thread: what a core spends, even when the machine is
 * shared and the thread waits for one */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
add_file(struct corpus *c, const char *full, const char *rel, size_t size)
{
    int fd;
    ssize_t n;
    size_t got = 0;

    if (size > MAX_FILE) {
        c->skipped_big++;
        return;
    }
    if (c->len + size > c->max || !size)
        return;
    if (c->len + size > c->cap) {
        size_t cap = c->cap ? c->cap : 1 << 20;
        while (cap < c->len + size)
            cap *= 2;
        c->data = realloc(c->data, cap);
        if (!c->data) {
            perror("realloc");
            exit(1);
        }
        c->cap = cap;
    }
    fd = open(full, O_RDONLY);
    if (fd < 0)
        return;
    while (got < size && (n = read(fd, c->data + c->len + got, size - got)) > 0)
        got += (size_t)n;
    close(fd);
    if (got != size)
        return;
    if (memchr(c->data + c->len, 0, size)) {
        c->skipped_binary++;
        return;
    }
    if (c->nfiles == c->cap_files) {
        c->cap_files = c->cap_files ? c->cap_files * 2 : 1024;
        c->files = realloc(c->files, c->cap_files * sizeof(*c->files));
        if (!c->files) {
            perror("realloc");
            exit(1);
        }
    }
    c->files[c->nfiles].path = strdup(rel);
    c->files[c->nfiles].off = c->len;
    c->files[c->nfiles].len = size;
    c->nfiles++;
    c->len += size;
}

static void walk(struct corpus *c, const char *root, const char *rel)
{
    char dir[4096];
    DIR *d;
    struct dirent *de;

    if (snprintf(dir, sizeof(dir), "%s%s%s", root, *rel ? "/" : "", rel) >=
            (int)sizeof(dir) ||
        !(d = opendir(dir)))
        return;
    while ((de = readdir(d)) && c->len < c->max) {
        char full[4096], sub[4096];
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) >=
                (int)sizeof(full) ||
            snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
                     de->d_name) >= (int)sizeof(sub) ||
            lstat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(c, root, sub);
        else if (S_ISREG(st.st_mode))
            add_file(c, full, sub, (size_t)st.st_size);
    }
    closedir(d);
}

static int count(void *payload, const st_secret_match *m)
{
    (void)m;
    (*(size_t *)payload)++;
    return 0;
}

static int nothing(void *payload, uint32_t lit, size_t end)
{
    (*(size_t *)payload) += lit + 1 + (end & 1);
    return 0;
}

/* Counts the rules a file's keywords select (each once per file). */
struct cand {
    const st_secret_rules *r;
    unsigned char *mark;
    size_t n;
};

static int on_keyword(void *payload, uint32_t k, size_t end)
{
    struct cand *c = payload;
    const st_secret__kwset *kw = &c->r->kw;
    (void)end;
    for (uint32_t j = kw->first[k]; j < kw->first[k + 1]; j++)
        if (!c->mark[kw->rules[j]]) {
            c->mark[kw->rules[j]] = 1;
            c->n++;
        }
    return 0;
}

static st_secret_rules *load(bool pcre2, const char *user, const char *only)
{
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    if (!r)
        exit(1);
    if (pcre2)
        st_secret__force_fallback(r);
    if (st_secret_rules_add(r, "rules/secrets.yaml", st_secret_builtin_yaml,
                            st_secret_builtin_yaml_len, &err) < 0 ||
        (user && st_secret_rules_add_file(r, user, &err) < 0))
        goto fail;
    if (only) {
        /* every rule but `only` disabled */
        st_buf doc = ST_BUF_INIT(1 << 20);
        st_buf_puts(&doc, "disable: [");
        for (size_t i = 0, n = 0; i < st_secret_rule_count(r); i++)
            if (strcmp(st_secret_rule(r, i)->id, only))
                st_buf_printf(&doc, "%s%s", n++ ? ", " : "",
                              st_secret_rule(r, i)->id);
        st_buf_puts(&doc, "]\n");
        if (st_secret_rule_count(r) > 1 &&
            st_secret_rules_add(r, "disable", doc.ptr, doc.len, &err) < 0) {
            st_buf_release(&doc);
            goto fail;
        }
        st_buf_release(&doc);
    }
    if (st_secret_rules_compile(r, &err) < 0)
        goto fail;
    return r;
fail:
    fprintf(stderr, "bench_secret_engine: %s\n", st_error_message(err));
    exit(1);
}

/* One round: every file scanned once. Returns seconds. */
static double
round_once(st_secret_scanner *s, const struct corpus *c, size_t *matches)
{
    double t0 = now();
    *matches = 0;
    for (size_t i = 0; i < c->nfiles; i++)
        st_secret_scan(s, c->files[i].path, c->data + c->files[i].off,
                       c->files[i].len, count, matches);
    return now() - t0;
}

static double best_of(st_secret_scanner *s,
                      const struct corpus *c,
                      int rounds,
                      size_t *matches,
                      double *best_wall)
{
    double best = 1e30;
    if (best_wall)
        *best_wall = 1e30;
    for (int i = 0; i < rounds; i++) {
        double w = wall(), t = round_once(s, c, matches);
        w = wall() - w;
        if (t < best)
            best = t;
        if (best_wall && w < *best_wall)
            *best_wall = w;
    }
    return best;
}

struct rule_time {
    const char *id;
    double secs;
    size_t matches;
};

static int by_time(const void *a, const void *b)
{
    const struct rule_time *x = a, *y = b;
    return (x->secs < y->secs) - (x->secs > y->secs);
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = {"/usr/share/doc", "/usr/share/perl5",
                                           "/usr/share/perl",
                                           "/usr/lib/python3", "/usr/include"};
    struct corpus c = {0};
    bool pcre2 = false, per_rule = false;
    const char *user = NULL;
    int rounds = 3, ndirs = 0;
    const char *dirs[64];
    st_secret_rules *r;
    st_secret_scanner *s;
    cpu_set_t one;
    size_t matches = 0, cands = 0, sink = 0, files_with = 0, files_with_n = 0;
    double t, tw, tpf = 1e30;

    c.max = (size_t)200e6;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pcre2"))
            pcre2 = true;
        else if (!strcmp(argv[i], "--per-rule"))
            per_rule = true;
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-mb") && i + 1 < argc)
            c.max = (size_t)(strtod(argv[++i], NULL) * 1e6);
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc)
            user = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: bench_secret_engine [--pcre2] "
                            "[--per-rule] [--rounds N] [--max-mb N] "
                            "[--rules FILE] [DIR...]\n");
            return 2;
        } else if (ndirs < 64)
            dirs[ndirs++] = argv[i];
    }
    if (rounds < 1)
        rounds = 1;
    if (!ndirs)
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
            dirs[ndirs++] = defaults[i];

    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof(one), &one) != 0)
        perror("bench_secret_engine: sched_setaffinity (running unpinned)");

    for (int i = 0; i < ndirs; i++)
        walk(&c, dirs[i], "");
    printf("input:     %zu text files, %.1f MB (skipped: %zu binary, %zu "
           "over 10 MiB)\n",
           c.nfiles, (double)c.len / 1e6, c.skipped_binary, c.skipped_big);
    if (!c.nfiles)
        return 1;

    r = load(pcre2, user, NULL);
    s = st_secret_scanner_new(r);
    if (!s)
        return 1;
    printf("rules:     %zu (%zu keywords, %zu more for %zu rules with a path "
           "filter), engine %s\n",
           st_secret_rule_count(r), r->kw.n, r->kw_path.n, r->nby_path,
           st_secret_engine(r));
    /* the rules that run over whole files, and why */
    for (size_t i = 0; i < st_secret_rule_count(r); i++) {
        const st_secret__rule *rule = r->rules.items[i];
        size_t at = 0;
        if (rule->lines)
            continue;
        if (!rule->keywords.len)
            printf("  whole file: %-28s no keywords\n", rule->info.id);
        else if (rule->path)
            printf("  whole file: %-28s path filter\n", rule->info.id);
        else if (st_secret__newline_use(rule->pattern, rule->pattern_len,
                                        &at) == ST_SECRET__NL_MATCH)
            printf("  whole file: %-28s may match a newline at %zu: "
                   "\"%.12s\"\n",
                   rule->info.id, at, rule->pattern + at);
    }

    /* the prefilter alone */
    {
        st_secret__pf_scratch *ps = st_secret__pf_scratch_new(r->kw.pf);
        for (int k = 0; k < rounds; k++) {
            double t0 = now();
            size_t hits = 0;
            for (size_t i = 0; i < c.nfiles; i++) {
                const st_secret__prefilter *pf = r->kw.pf;
                st_secret__prefilter_scan(pf, ps, c.data + c.files[i].off,
                                          c.files[i].len, nothing, &hits);
            }
            t = now() - t0;
            if (t < tpf)
                tpf = t;
            sink += hits;
        }
        st_secret__pf_scratch_free(ps);
    }

    round_once(s, &c, &matches); /* warm up */
    t = best_of(s, &c, rounds, &matches, &tw);
    {
        /* rules run per file: those of the keywords found, and those
         * without keywords */
        st_secret__pf_scratch *ps = st_secret__pf_scratch_new(r->kw.pf);
        struct cand k = {r, calloc(st_secret_rule_count(r) + 1, 1), 0};
        for (size_t i = 0; i < c.nfiles; i++) {
            memset(k.mark, 0, st_secret_rule_count(r));
            st_secret__prefilter_scan(r->kw.pf, ps, c.data + c.files[i].off,
                                      c.files[i].len, on_keyword, &k);
            files_with += k.n > files_with_n;
            files_with_n = k.n;
        }
        cands = k.n + r->nalways * c.nfiles;
        free(k.mark);
        st_secret__pf_scratch_free(ps);
    }
    printf("scan:      %.0f MB/s (%.3f CPU s per round, best of %d; %.0f "
           "MB/s by the wall clock), %zu matches\n",
           (double)c.len / 1e6 / t, t, rounds, (double)c.len / 1e6 / tw,
           matches);
    printf("prefilter: %.0f MB/s alone; %zu of %zu files hold a keyword, "
           "%.2f rules run per file\n",
           (double)c.len / 1e6 / tpf, files_with, c.nfiles,
           (double)cands / (double)c.nfiles);

    if (per_rule) {
        size_t n = st_secret_rule_count(r);
        struct rule_time *rt = calloc(n, sizeof(*rt));
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            const char *id = st_secret_rule(r, i)->id;
            st_secret_rules *one_rule = load(pcre2, user, id);
            st_secret_scanner *os = st_secret_scanner_new(one_rule);
            rt[i].id = id;
            rt[i].secs = best_of(os, &c, rounds, &rt[i].matches, NULL);
            sum += rt[i].secs;
            st_secret_scanner_free(os);
            st_secret_rules_free(one_rule);
        }
        qsort(rt, n, sizeof(*rt), by_time);
        printf("per rule (alone, prefilter included; sum %.3f s):\n", sum);
        for (size_t i = 0; i < n && i < 15; i++)
            printf("  %-40s %8.3f s %8.0f MB/s %6zu matches\n", rt[i].id,
                   rt[i].secs, (double)c.len / 1e6 / rt[i].secs, rt[i].matches);
        free(rt);
    }
    st_secret_scanner_free(s);
    st_secret_rules_free(r);
    for (size_t i = 0; i < c.nfiles; i++)
        free(c.files[i].path);
    free(c.files);
    free(c.data);
    return sink == 1;
}
