/* Image references: "name[:tag][@digest]" parsed and normalised with the
 * rules of docker's reference grammar (distribution/reference: domain
 * components, lowercase path components joined by separators, 128-char
 * tags, 255-char names, "docker.io/library/" for bare names). */
#include <stdio.h>
#include <string.h>

#include "registry/registry.h"
#include "util/banned.h"

#define MODULE        "registry"
#define NAME_MAX_LEN  255 /* docker's NameTotalLengthMax */
#define TAG_MAX_LEN   128
#define INPUT_MAX_LEN 4096
#define DOCKER_HUB    "docker.io"
#define DOCKER_HOST   "registry-1.docker.io"

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}

/* domain-component: [A-Za-z0-9] or [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]. */
static bool valid_domain_component(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

/* host[:port], where host is dotted domain components or a bracketed IPv6
 * address. */
static const char *check_domain(const char *s, size_t n)
{
    const char *colon = NULL;
    size_t hlen = n;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close == s + 1)
            return "bad IPv6 address in registry";
        for (const char *p = s + 1; p < close; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                  (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
                return "bad IPv6 address in registry";
        hlen = (size_t)(close - s) + 1;
        if (hlen < n && s[hlen] != ':')
            return "junk after the IPv6 address of the registry";
        colon = hlen < n ? s + hlen : NULL;
    } else {
        colon = memchr(s, ':', n);
        if (colon)
            hlen = (size_t)(colon - s);
        for (size_t i = 0, start = 0; i <= hlen; i++) {
            if (i == hlen || s[i] == '.') {
                if (!valid_domain_component(s + start, i - start))
                    return "bad registry host name";
                start = i + 1;
            }
        }
    }
    if (colon) {
        size_t plen = n - (size_t)(colon - s) - 1;
        if (plen == 0 || plen > 5)
            return "bad registry port";
        for (size_t i = 0; i < plen; i++)
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                return "bad registry port";
    }
    return NULL;
}

/* path-component ("/" path-component)*, path-component =
 * [a-z0-9]+ (separator [a-z0-9]+)*, separator = [_.] | "__" | "-"+. */
static const char *check_path(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return "empty repository name";
    while (i < n) {
        /* one component */
        if (!is_lower_alnum(s[i]))
            goto bad;
        while (i < n && s[i] != '/') {
            while (i < n && is_lower_alnum(s[i]))
                i++;
            if (i == n || s[i] == '/')
                break;
            if (s[i] == '_' && i + 1 < n && s[i + 1] == '_')
                i += 2;
            else if (s[i] == '.' || s[i] == '_')
                i++;
            else if (s[i] == '-')
                while (i < n && s[i] == '-')
                    i++;
            else
                goto bad;
            if (i == n || !is_lower_alnum(s[i]))
                goto bad;
        }
        if (i < n) { /* '/' */
            i++;
            if (i == n)
                return "repository name ends with '/'";
        }
    }
    return NULL;
bad:
    for (size_t k = 0; k < n; k++)
        if (s[k] >= 'A' && s[k] <= 'Z')
            return "uppercase letters in repository (names must be "
                   "lowercase)";
    return "invalid character or separator in repository name";
}

static const char *check_tag(const char *s, size_t n)
{
    if (n == 0)
        return "empty tag";
    if (n > TAG_MAX_LEN)
        return "tag longer than 128 characters";
    if (!is_word(s[0]))
        return "a tag must start with a letter, digit or '_'";
    for (size_t i = 1; i < n; i++)
        if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
            return "invalid character in tag";
    return NULL;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

void st_regref_release(st_regref *r)
{
    if (!r)
        return;
    st_free(r->registry);
    st_free(r->host);
    st_free(r->repository);
    st_free(r->tag);
    st_free(r->digest);
    memset(r, 0, sizeof(*r));
}

int st_regref_parse(st_regref *out, const char *s, st_error **err)
{
    const char *name, *at, *tag = NULL, *slash, *why = NULL;
    size_t len, name_len, tag_len = 0, dom_len;
    const char *domain, *path;
    size_t path_len;
    bool hub;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!s)
        return st_error_set(err, ST_EUSAGE, MODULE, "no image reference");
    if (st_str_startswith(s, "docker://"))
        s += 9;
    len = strlen(s);
    if (len == 0)
        return st_error_set(err, ST_EINVALID, MODULE,
                            "invalid reference \"\": empty");
    if (len > INPUT_MAX_LEN)
        return st_error_set(err, ST_EINVALID, MODULE,
                            "invalid reference: %zu characters is too long",
                            len);

    name = s;
    at = strchr(s, '@');
    name_len = at ? (size_t)(at - s) : len;
    if (at) {
        const char *d = at + 1;
        size_t dl = len - name_len - 1;
        const char *colon = memchr(d, ':', dl);
        if (!colon) {
            why = "digest without an algorithm (want sha256:<hex>)";
        } else if (!st_digest_valid(d)) {
            if (!strncmp(d, "sha256:", 7) || !strncmp(d, "sha512:", 7))
                why = "bad digest (want sha256: and 64 lowercase hex "
                      "digits)";
            else
                why = "unsupported digest algorithm";
        }
        if (why)
            goto invalid;
    }
    /* The tag follows the last ':' after the last '/'. */
    slash = memrchr(name, '/', name_len);
    {
        const char *from = slash ? slash + 1 : name;
        const char *colon =
            memchr(from, ':', name_len - (size_t)(from - name));
        if (colon) {
            tag = colon + 1;
            tag_len = name_len - (size_t)(tag - name);
            name_len = (size_t)(colon - name);
            if ((why = check_tag(tag, tag_len)))
                goto invalid;
        }
    }
    if (name_len == 0) {
        why = "no repository name";
        goto invalid;
    }
    if (name_len > NAME_MAX_LEN) {
        why = "name longer than 255 characters";
        goto invalid;
    }

    /* Split off the registry: the first component when it holds '.' or
     * ':', is "localhost", or has uppercase letters (docker's rule). */
    slash = memchr(name, '/', name_len);
    domain = DOCKER_HUB;
    dom_len = strlen(DOCKER_HUB);
    path = name;
    path_len = name_len;
    if (slash) {
        size_t first = (size_t)(slash - name);
        bool is_domain = memchr(name, '.', first) ||
                         memchr(name, ':', first) ||
                         (first == 9 && !memcmp(name, "localhost", 9));
        for (size_t i = 0; i < first && !is_domain; i++)
            if (name[i] >= 'A' && name[i] <= 'Z')
                is_domain = true;
        if (is_domain) {
            domain = name;
            dom_len = first;
            path = slash + 1;
            path_len = name_len - first - 1;
            if ((why = check_domain(domain, dom_len)))
                goto invalid;
        }
    }
    if ((why = check_path(path, path_len)))
        goto invalid;
    if (!slash && path_len == 64 && all_hex(path, path_len)) {
        why = "a 64-digit hexadecimal string is an image ID, not a name";
        goto invalid;
    }

    if (dom_len == 15 && !memcmp(domain, "index.docker.io", 15)) {
        domain = DOCKER_HUB;
        dom_len = strlen(DOCKER_HUB);
    }
    hub = dom_len == strlen(DOCKER_HUB) && !memcmp(domain, DOCKER_HUB, dom_len);
    /* docker counts the normalised name: "docker.io/library/x". */
    if (dom_len + 1 + path_len +
            (hub && !memchr(path, '/', path_len) ? 8 : 0) >
        NAME_MAX_LEN) {
        why = "name longer than 255 characters";
        goto invalid;
    }
    out->registry = st_strndup(domain, dom_len);
    out->host = hub ? st_strdup(DOCKER_HOST) : st_strndup(domain, dom_len);
    if (hub && !memchr(path, '/', path_len)) {
        st_buf b = ST_BUF_INIT(INPUT_MAX_LEN);
        if (st_buf_puts(&b, "library/") == 0 &&
            st_buf_put(&b, path, path_len) == 0)
            out->repository = st_buf_detach(&b, NULL);
        st_buf_release(&b);
    } else {
        out->repository = st_strndup(path, path_len);
    }
    if (tag)
        out->tag = st_strndup(tag, tag_len);
    else if (!at)
        out->tag = st_strdup("latest");
    if (at)
        out->digest = st_strdup(at + 1);
    if (!out->registry || !out->host || !out->repository ||
        (tag && !out->tag) || (!tag && !at && !out->tag) ||
        (at && !out->digest)) {
        st_regref_release(out);
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    }
    return rc;

invalid:
    return st_error_set(err, ST_EINVALID, MODULE,
                        "invalid reference \"%.*s\": %s",
                        len > 300 ? 300 : (int)len, s, why);
}

void st_regref_format(const st_regref *r, char *buf, size_t n)
{
    if (!n)
        return;
    snprintf(buf, n, "%s/%s%s%s%s%s", r->registry ? r->registry : "",
             r->repository ? r->repository : "", r->tag ? ":" : "",
             r->tag ? r->tag : "", r->digest ? "@" : "",
             r->digest ? r->digest : "");
}
