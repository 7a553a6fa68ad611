/* Output templates: literal text and %field (also %field[N]) references,
 * resolved to field ids when the rule compiles. A field without a value
 * renders as <NA>, as in Falco; so does a field strata does not know.
 * %container.info becomes "container_id=%container.id
 * container_name=%container.name", Falco's default. */
#include <stdio.h>
#include <string.h>

#include "monitor/rules_int.h"

#include "util/banned.h"

#define CONTAINER_INFO "%container.info"
#define CONTAINER_INFO_DEFAULT                                                 \
    "container_id=%container.id container_name=%container.name"

typedef struct seg {
    const char *text; /* literal, when f is NULL and !field */
    size_t len;
    const st_ev_field *f;
    int index;
    bool field; /* a reference (f NULL: unknown, renders <NA>) */
} seg;

struct st_tmpl {
    seg *segs;
    size_t n;
};

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

st_tmpl *st_rules__tmpl_new(st_arena *a, const char *text)
{
    st_buf exp = ST_BUF_INIT(1u << 20);
    st_tmpl *t = NULL;
    seg *segs = NULL;
    size_t n = 0, cap = 0, i = 0, lit = 0;
    const char *s;

    /* %container.info first, as text */
    for (s = text; *s;) {
        const char *hit = strstr(s, CONTAINER_INFO);
        if (!hit) {
            if (st_buf_puts(&exp, s) < 0)
                goto done;
            break;
        }
        if (st_buf_put(&exp, s, (size_t)(hit - s)) < 0 ||
            st_buf_puts(&exp, CONTAINER_INFO_DEFAULT) < 0)
            goto done;
        s = hit + strlen(CONTAINER_INFO);
    }
    s = st_arena_strndup(a, exp.ptr, exp.len);
    if (!s)
        goto done;
    while (1) {
        size_t start = i, end, arg_end;
        bool ref = s[i] == '%' && is_alpha(s[i + 1]);
        if (s[i] && !ref) {
            i++;
            continue;
        }
        /* a literal up to here, then maybe a reference */
        if (n + 2 > cap) {
            size_t ncap = cap ? cap * 2 : 16;
            seg *ns = st_arena_alloc(a, ncap * sizeof(*ns));
            if (!ns)
                goto done;
            if (n)
                memcpy(ns, segs, n * sizeof(*ns));
            segs = ns;
            cap = ncap;
        }
        if (start > lit) {
            segs[n].text = s + lit;
            segs[n].len = start - lit;
            n++;
        }
        if (!s[i])
            break;
        end = i + 1;
        while (name_char(s[end]))
            end++;
        while (end > i + 1 && s[end - 1] == '.')
            end--; /* "…%proc.name." ends a sentence */
        arg_end = end;
        if (s[end] == '[') {
            const char *close = strchr(s + end, ']');
            if (close)
                arg_end = (size_t)(close - s) + 1;
        }
        segs[n].field = true;
        segs[n].index = -1;
        segs[n].f =
            st_ev_field_findn(s + i + 1, arg_end - i - 1, &segs[n].index);
        segs[n].text = s + i;
        segs[n].len = arg_end - i;
        n++;
        i = lit = arg_end;
    }
    if (!(t = st_arena_alloc(a, sizeof(*t))))
        goto done;
    t->segs = segs;
    t->n = n;
done:
    st_buf_release(&exp);
    return t;
}

typedef st_ev_sink sink;

void st_rules__render(const st_tmpl *t, st_ectx *x, char *buf, size_t buflen)
{
    sink o = {buf, buflen, 0};
    buf[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        const seg *g = &t->segs[i];
        st_ev_value v;
        char num[32];
        if (!g->field) {
            st_ev_sink_put(&o, g->text, g->len);
            continue;
        }
        if (!g->f || !st_ev_get_arg(x->ev, g->f, g->index, &v, x->scratch,
                                    sizeof(x->scratch))) {
            st_ev_sink_put(&o, "<NA>", 4);
            continue;
        }
        switch (g->f->type) {
        case ST_EVF_NUM:
            snprintf(num, sizeof(num), "%lld", (long long)v.n);
            st_ev_sink_put(&o, num, strlen(num));
            break;
        case ST_EVF_BOOL:
            st_ev_sink_put(&o, v.b ? "true" : "false", v.b ? 4 : 5);
            break;
        case ST_EVF_STR:
        case ST_EVF_IP:
            st_ev_sink_put(&o, v.s, strlen(v.s));
            break;
        }
    }
}
