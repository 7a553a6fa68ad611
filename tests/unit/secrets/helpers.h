/* Shared by the secrets unit tests: load rules from a string, scan, and
 * collect the matches. */
#ifndef ST_TEST_SECRETS_HELPERS_H
#define ST_TEST_SECRETS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secrets/secrets_int.h"

/* One match, with its secret copied out. */
typedef struct found {
    char rule[64];
    size_t off, len;
    unsigned line;
    char secret[256];
} found;

typedef struct founds {
    found items[2048];
    size_t n;
    int stop_after; /* >0: the callback returns -42 at that match */
} founds;

static inline int collect(void *payload, const st_secret_match *m)
{
    founds *f = payload;
    found *x;
    if (f->n >= sizeof(f->items) / sizeof(f->items[0]))
        return -1;
    x = &f->items[f->n++];
    snprintf(x->rule, sizeof(x->rule), "%s", m->rule->id);
    x->off = m->off;
    x->len = m->len;
    x->line = m->line;
    if (f->stop_after && (int)f->n == f->stop_after)
        return -42;
    return 0;
}

/* Rules from one YAML string, compiled; the test fails when they do not
 * load. `fallback`: the Aho-Corasick prefilter. */
static inline st_secret_rules *rules_from(const char *yaml, bool fallback)
{
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    assert_non_null(r);
    if (fallback)
        st_secret__force_fallback(r);
    if (st_secret_rules_add(r, "t.yaml", yaml, strlen(yaml), &err) < 0 ||
        st_secret_rules_compile(r, &err) < 0) {
        print_error("%s\n", st_error_message(err));
        fail();
    }
    return r;
}

/* Scans data (len bytes) as `path` with scanner s and fills f, secrets
 * copied out. */
static inline int scan_with(st_secret_scanner *s,
                            const char *path,
                            const char *data,
                            size_t len,
                            founds *f)
{
    size_t before = f->n;
    int rc = st_secret_scan(s, path, data, len, collect, f);
    for (size_t i = before; i < f->n; i++) {
        found *x = &f->items[i];
        size_t n =
            x->len < sizeof(x->secret) - 1 ? x->len : sizeof(x->secret) - 1;
        assert_true(x->off + x->len <= len);
        memcpy(x->secret, data + x->off, n);
        x->secret[n] = 0;
    }
    return rc;
}

/* The same with a scanner of its own. */
static inline int scan_into(st_secret_rules *r,
                            const char *path,
                            const char *data,
                            size_t len,
                            founds *f)
{
    st_secret_scanner *s = st_secret_scanner_new(r);
    int rc;
    assert_non_null(s);
    rc = scan_with(s, path, data, len, f);
    st_secret_scanner_free(s);
    return rc;
}

/* The error message of adding yaml to a fresh rule set (NULL: no error);
 * the caller frees it. *code gets the return. */
static inline char *add_error(const char *yaml, size_t len, int *code)
{
    st_secret_rules *r = st_secret_rules_new();
    st_error *err = NULL;
    char *msg = NULL;
    assert_non_null(r);
    *code = st_secret_rules_add(r, "my.yaml", yaml, len, &err);
    if (*code < 0) {
        assert_non_null(err);
        msg = strdup(st_error_message(err));
        /* nothing was added */
        assert_int_equal(st_secret_rule_count(r), 0);
    } else {
        assert_null(err);
    }
    st_error_free(err);
    st_secret_rules_free(r);
    return msg;
}

#endif
