/* Fuzz target: a secret rule document (YAML), loaded with
 * st_secret_rules_add and its production limits; when it loads, it is
 * compiled twice, with the default prefilter (Hyperscan where built in)
 * and with the Aho-Corasick fallback, and both scan a fixed text (keys,
 * a PEM header, assignments, a run of "a" for backtracking regexes, NUL
 * and non-ASCII bytes) as a file and as a path-less buffer. Traps when an
 * error does not name the document or leaves rules behind, when a match
 * lies outside the text, is empty, out of order, repeated or on the wrong
 * line, or when the two prefilters disagree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/secrets_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char text[] =
    "# config\n"
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    "password: \"hunter2-Zq9!x\"\n"
    "https://user:pa55word@git.example.com\n"
    "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n"
    "-----END RSA PRIVATE KEY-----\n"
    "token=ghp_0123456789abcdefghijABCDEFGHIJ012345 \t\r\n"
    "\0\0\xff\xfe\xc3\xa9t\xc3\xa9 SECRET key=Key KEY\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n";

struct seen {
    const st_secret_rule_info *rule[64]; /* valid during the scan */
    uint32_t id[64];                     /* a hash of the rule's id */
    size_t off[64], len[64];
    unsigned n, total;
    size_t last_off;
};

static int on_match(void *payload, const st_secret_match *m)
{
    struct seen *s = payload;
    unsigned nl = 1;
    if (!m->rule || !m->rule->id || !m->len ||
        m->off + m->len > sizeof(text) - 1 || m->off < s->last_off)
        __builtin_trap();
    for (size_t i = 0; i < m->off; i++)
        nl += text[i] == '\n';
    if (m->line != nl)
        __builtin_trap();
    for (unsigned i = 0; i < s->n && i < 64; i++)
        if (s->rule[i] == m->rule && s->off[i] == m->off)
            __builtin_trap(); /* (rule, offset) twice */
    if (s->n < 64) {
        uint32_t h = 2166136261u;
        for (const char *p = m->rule->id; *p; p++)
            h = (h ^ (uint8_t)*p) * 16777619u;
        s->id[s->n] = h;
        s->rule[s->n] = m->rule;
        s->off[s->n] = m->off;
        s->len[s->n] = m->len;
        s->n++;
    }
    s->total++;
    s->last_off = m->off;
    return 0;
}

static int scan(const char *doc,
                size_t size,
                bool fallback,
                const char *path,
                struct seen *out)
{
    st_secret_rules *r = st_secret_rules_new();
    st_secret_scanner *s = NULL;
    st_error *err = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!r)
        return ST_ENOMEM;
    if (fallback)
        st_secret__force_fallback(r);
    rc = st_secret_rules_add(r, "fuzz.yaml", doc, size, &err);
    if (rc < 0) {
        const char *m = st_error_message(err);
        if ((rc != ST_EINVALID && rc != ST_ELIMIT && rc != ST_ENOMEM) ||
            strncmp(m, "fuzz.yaml", 9) || st_secret_rule_count(r))
            __builtin_trap();
        goto done;
    }
    rc = st_secret_rules_compile(r, &err);
    if (rc < 0) {
        if (rc != ST_ELIMIT && rc != ST_ENOMEM)
            __builtin_trap();
        goto done;
    }
    for (size_t i = 0; i < st_secret_rule_count(r); i++) {
        const st_secret_rule_info *info = st_secret_rule(r, i);
        if (!info->id[0] || !info->category[0] || !info->title[0] ||
            !info->severity)
            __builtin_trap();
    }
    s = st_secret_scanner_new(r);
    if (!s) {
        rc = ST_ENOMEM;
        goto done;
    }
    rc = st_secret_scan(s, path, text, sizeof(text) - 1, on_match, out);
    if (rc < 0 && rc != ST_ENOMEM)
        __builtin_trap();
done:
    st_secret_scanner_free(s);
    st_secret_rules_free(r);
    st_error_free(err);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"home/u/.git-credentials", NULL};
    for (int p = 0; p < 2; p++) {
        struct seen a, b;
        int ra = scan((const char *)data, size, false, paths[p], &a);
        int rb = scan((const char *)data, size, true, paths[p], &b);
        if (ra == ST_ENOMEM || rb == ST_ENOMEM)
            continue;
        if ((ra < 0) != (rb < 0))
            __builtin_trap();
        /* the two prefilters report the same matches */
        if (ra == 0 && (a.total != b.total || a.n != b.n ||
                        memcmp(a.id, b.id, sizeof(a.id)) ||
                        memcmp(a.off, b.off, sizeof(a.off)) ||
                        memcmp(a.len, b.len, sizeof(a.len))))
            __builtin_trap();
        if (ra < 0)
            break; /* the document does not load; once is enough */
    }
    return 0;
}
