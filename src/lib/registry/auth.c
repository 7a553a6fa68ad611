/* WWW-Authenticate: RFC 7235 challenges.
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 * Several challenges may share one header, separated by commas like the
 * parameters: an item that is a token not followed by "=" starts a new
 * challenge. Quoted strings take backslash escapes (RFC 7230 quoted-pair).
 */
#include <string.h>
#include <strings.h>

#include "registry/registry.h"
#include "util/banned.h"

#define MODULE     "registry"
#define HEADER_MAX 16384

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '+' || c == '/';
}

typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static size_t token_len(const cursor *c)
{
    size_t n = 0;
    while (c->p + n < c->end && is_tchar(c->p[n]))
        n++;
    return n;
}

/* A quoted string at c->p (the opening quote) into out, escapes resolved. */
static const char *quoted(cursor *c, st_buf *out)
{
    c->p++;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"')
            return NULL;
        if (ch == '\\') {
            if (c->p == c->end)
                break;
            ch = *c->p++;
        }
        if ((unsigned char)ch < 0x20 && ch != '\t')
            return "control character in a quoted string";
        if (ch == 0x7f)
            return "control character in a quoted string";
        if (st_buf_putc(out, ch) < 0)
            return "out of memory";
    }
    return "unterminated quoted string";
}

typedef struct chal {
    st_auth_scheme scheme; /* ST_AUTH_NONE: another scheme */
    bool present;
    st_auth_challenge c;
} chal;

static char **param_slot(st_auth_challenge *c, const char *name, size_t n)
{
    if (n == 5 && !strncasecmp(name, "realm", 5))
        return &c->realm;
    if (n == 7 && !strncasecmp(name, "service", 7))
        return &c->service;
    if (n == 5 && !strncasecmp(name, "scope", 5))
        return &c->scope;
    if (n == 5 && !strncasecmp(name, "error", 5))
        return &c->error;
    return NULL;
}

void st_auth_challenge_release(st_auth_challenge *c)
{
    if (!c)
        return;
    st_free(c->realm);
    st_free(c->service);
    st_free(c->scope);
    st_free(c->error);
    memset(c, 0, sizeof(*c));
}

int st_auth_parse(const char *header, st_auth_challenge *out, st_error **err)
{
    cursor c;
    chal bearer = {0}, basic = {0};
    st_auth_challenge *cur = NULL; /* the challenge whose params we read */
    st_auth_challenge scratch = {0};
    st_buf val = ST_BUF_INIT(HEADER_MAX);
    const char *why = NULL;
    size_t hlen;
    bool any = false, expect_params = false;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!header)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "WWW-Authenticate: no header");
    hlen = strlen(header);
    if (hlen > HEADER_MAX)
        return st_error_set(err, ST_EINVALID, MODULE,
                            "WWW-Authenticate: header of %zu bytes is too long",
                            hlen);
    c.p = header;
    c.end = header + hlen;

    for (;;) {
        size_t tl;
        const char *tok;

        /* Empty list elements are allowed: ", ,". */
        skip_ws(&c);
        while (c.p < c.end && *c.p == ',') {
            c.p++;
            skip_ws(&c);
        }
        if (c.p == c.end)
            break;
        tok = c.p;
        tl = token_len(&c);
        if (tl == 0) {
            why = "expected an auth scheme or parameter";
            goto bad;
        }
        c.p += tl;
        {
            cursor look = c;
            skip_ws(&look);
            if (cur && expect_params && look.p < look.end &&
                *look.p == '=') {
                /* A parameter of the current challenge, or a token68 that
                 * ends in '=' padding: "abc==". */
                char **slot;
                c = look;
                c.p++;
                if (c.p < c.end && *c.p == '=') {
                    while (c.p < c.end && *c.p == '=')
                        c.p++;
                    goto after_item;
                }
                skip_ws(&c);
                st_buf_reset(&val);
                if (c.p < c.end && *c.p == '"') {
                    if ((why = quoted(&c, &val)))
                        goto bad;
                } else {
                    size_t vl = token_len(&c);
                    if (vl == 0) {
                        why = "parameter without a value";
                        goto bad;
                    }
                    if (st_buf_put(&val, c.p, vl) < 0) {
                        why = "out of memory";
                        goto bad;
                    }
                    c.p += vl;
                }
                slot = param_slot(cur, tok, tl);
                if (slot && !*slot && !(*slot = st_strdup(val.ptr))) {
                    why = "out of memory";
                    goto bad;
                }
                goto after_item;
            }
        }
        /* A new challenge: the scheme name, then SP and params or a
         * token68, or nothing. */
        any = true;
        if (tl == 6 && !strncasecmp(tok, "Bearer", 6) && !bearer.present) {
            bearer.present = true;
            cur = &bearer.c;
        } else if (tl == 5 && !strncasecmp(tok, "Basic", 5) &&
                   !basic.present) {
            basic.present = true;
            cur = &basic.c;
        } else {
            st_auth_challenge_release(&scratch);
            cur = &scratch;
        }
        expect_params = true;
        if (c.p < c.end && *c.p != ' ' && *c.p != '\t' && *c.p != ',') {
            why = "junk after an auth scheme";
            goto bad;
        }
        skip_ws(&c);
        if (c.p < c.end && *c.p != ',') {
            /* token68 or the first parameter */
            cursor look = c;
            size_t n = 0;
            while (look.p + n < look.end && is_token68(look.p[n]))
                n++;
            look.p += n;
            if (n > 0 && look.p < look.end && *look.p == '=') {
                cursor eq = look;
                while (eq.p < eq.end && *eq.p == '=')
                    eq.p++;
                skip_ws(&eq);
                if ((size_t)(eq.p - look.p) > 1 || eq.p == eq.end ||
                    *eq.p == ',') {
                    /* token68 with padding */
                    c = eq;
                    expect_params = false;
                    goto after_item;
                }
            } else if (n > 0) {
                skip_ws(&look);
                if (look.p == look.end || *look.p == ',') {
                    c = look; /* bare token68 */
                    expect_params = false;
                    goto after_item;
                }
            }
            continue; /* the next round reads "name=value" */
        }
    after_item:
        skip_ws(&c);
        if (c.p < c.end && *c.p != ',') {
            why = "expected ',' between parameters";
            goto bad;
        }
    }

    if (bearer.present) {
        if (!bearer.c.realm) {
            why = "Bearer challenge without a realm";
            goto bad;
        }
        *out = bearer.c;
        out->scheme = ST_AUTH_BEARER;
        memset(&bearer.c, 0, sizeof(bearer.c));
    } else if (basic.present) {
        *out = basic.c;
        out->scheme = ST_AUTH_BASIC;
        memset(&basic.c, 0, sizeof(basic.c));
    } else if (any) {
        rc = st_error_set(err, ST_EUNSUPPORTED, MODULE,
                          "WWW-Authenticate: no Basic or Bearer challenge in "
                          "\"%.*s\"",
                          (int)(hlen > 200 ? 200 : hlen), header);
    } else {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "WWW-Authenticate: empty header");
    }
    goto done;

bad:
    rc = st_error_set(err, !strcmp(why, "out of memory") ? ST_ENOMEM
                                                        : ST_EINVALID,
                      MODULE, "WWW-Authenticate: %s at offset %zu", why,
                      (size_t)(c.p - header));
done:
    st_auth_challenge_release(&bearer.c);
    st_auth_challenge_release(&basic.c);
    st_auth_challenge_release(&scratch);
    st_buf_release(&val);
    return rc;
}
