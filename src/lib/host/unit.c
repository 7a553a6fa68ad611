/* systemd unit files, as far as the audit needs them: the words of the
 * effective ExecStart= of [Service]. Lines ending in a backslash continue
 * (comment lines inside a continuation are skipped, as systemd does),
 * words may be "double" or 'single' quoted with C escapes, an empty
 * ExecStart= resets the list (how drop-ins replace the command), and the
 * prefixes -@:+! are dropped. */
#include <string.h>

#include "host/host_int.h"
#include "util/banned.h"

static int push_word(st_host__argv *out, st_vec *v, st_arena *a,
                     const st_buf *w)
{
    char *s;
    (void)out;
    if (v->len >= ST_HOST__MAX_ARGS)
        return ST_ELIMIT;
    if (!(s = st_arena_strndup(a, w->ptr, w->len)) || st_vec_push(v, s) < 0)
        return ST_ENOMEM;
    return 0;
}

int st_host__split_words(st_host__argv *out, st_arena *a, const char *s,
                         size_t len, const char *name, st_error **err)
{
    st_vec v = ST_VEC_INIT;
    st_buf w = ST_BUF_INIT(ST_HOST__MAX_FILE);
    size_t i = 0;
    int rc = 0;

    out->v = NULL;
    out->n = 0;
    while (i < len) {
        char q = 0;
        bool inword = false;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                           s[i] == '\r'))
            i++;
        if (i == len)
            break;
        st_buf_reset(&w);
        while (i < len) {
            char c = s[i];
            if (!q && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
                break;
            inword = true;
            i++;
            if (!q && (c == '"' || c == '\'')) {
                q = c;
                continue;
            }
            if (q && c == q) {
                q = 0;
                continue;
            }
            if (c == '\\' && q != '\'') {
                if (i == len) {
                    rc = st_error_set(err, ST_EINVALID, "host",
                                      "%s: ExecStart: a trailing backslash",
                                      name);
                    goto done;
                }
                c = s[i++];
                switch (c) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case 'r': c = '\r'; break;
                default: break;
                }
            }
            if (st_buf_putc(&w, c) < 0) {
                rc = st_error_set(err, ST_ELIMIT, "host",
                                  "%s: ExecStart: a word is too long", name);
                goto done;
            }
        }
        if (q) {
            rc = st_error_set(err, ST_EINVALID, "host",
                              "%s: ExecStart: an unterminated %s quote", name,
                              q == '"' ? "double" : "single");
            goto done;
        }
        if (inword && (rc = push_word(out, &v, a, &w)) < 0) {
            rc = st_error_set(err, rc, "host",
                              rc == ST_ELIMIT
                                  ? "%s: ExecStart: more than %d words"
                                  : "%s: out of memory (%d)",
                              name, ST_HOST__MAX_ARGS);
            goto done;
        }
    }
    if (v.len && !(out->v = st_arena_memdup(a, v.items,
                                            v.len * sizeof(char *)))) {
        rc = st_error_set(err, ST_ENOMEM, "host", "out of memory");
        goto done;
    }
    out->n = v.len;
done:
    st_vec_release(&v);
    st_buf_release(&w);
    return rc;
}

int st_host__unit_execstart(st_host__argv *prev, st_arena *a,
                            const char *data, size_t len, const char *name,
                            st_error **err)
{
    st_buf line = ST_BUF_INIT(ST_HOST__MAX_FILE);
    bool service = false, cont = false;
    size_t i = 0;
    int rc = 0;

    if (len > ST_HOST__MAX_FILE)
        return st_error_set(err, ST_ELIMIT, "host",
                            "%s: larger than %u bytes", name,
                            ST_HOST__MAX_FILE);
    if (memchr(data, 0, len))
        return st_error_set(err, ST_EINVALID, "host",
                            "%s: a NUL byte: not a unit file", name);
    while (i < len || cont) {
        size_t e = i, n;
        const char *l;
        bool more;
        while (e < len && data[e] != '\n')
            e++;
        l = data + i;
        n = e - i;
        i = e < len ? e + 1 : len;
        while (n && (l[0] == ' ' || l[0] == '\t')) {
            l++;
            n--;
        }
        while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' ||
                     l[n - 1] == '\r'))
            n--;
        if (n && (l[0] == '#' || l[0] == ';'))
            continue; /* inside a continuation too */
        more = n && l[n - 1] == '\\';
        if (more)
            n--;
        if (cont) {
            if (st_buf_putc(&line, ' ') < 0 || st_buf_put(&line, l, n) < 0)
                goto toolong;
        } else {
            st_buf_reset(&line);
            if (st_buf_put(&line, l, n) < 0)
                goto toolong;
        }
        cont = more && e < len;
        if (cont)
            continue;
        /* one logical line */
        if (line.len && line.ptr[0] == '[') {
            service = !strncmp(line.ptr, "[Service]", 9);
            continue;
        }
        if (service && !strncmp(line.ptr, "ExecStart", 9)) {
            const char *v = line.ptr + 9;
            while (*v == ' ' || *v == '\t')
                v++;
            if (*v != '=')
                continue;
            v++;
            while (*v == ' ' || *v == '\t' || *v == '-' || *v == '@' ||
                   *v == ':' || *v == '+' || *v == '!')
                v++;
            ST_CHECK(st_host__split_words(prev, a, v,
                                          line.len - (size_t)(v - line.ptr),
                                          name, err));
        }
    }
    goto done;
toolong:
    rc = st_error_set(err, ST_ELIMIT, "host", "%s: a line is too long", name);
done:
    st_buf_release(&line);
    return rc;
}
