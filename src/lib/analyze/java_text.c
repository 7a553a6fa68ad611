/* java: pom.properties and MANIFEST.MF text, and string hygiene for what
 * archives name (java_parse.h). */
#include <string.h>

#include "java_parse.h"
#include "util/banned.h"

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\f';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int put_utf8(st_buf *b, unsigned cp)
{
    char u[3];
    if (cp < 0x80)
        return st_buf_putc(b, (char)cp);
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return st_buf_put(b, u, 2);
    }
    /* Surrogates (\uD83D\uDE00 pairs) are not joined: they become '?'
     * like any other byte sequence that is not UTF-8. */
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return st_buf_putc(b, '?');
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    return st_buf_put(b, u, 3);
}

/* The end of the natural line starting at i, and where the next starts. */
static size_t line_end(const char *d, size_t len, size_t i, size_t *next)
{
    size_t j = i;
    while (j < len && d[j] != '\n' && d[j] != '\r')
        j++;
    if (j + 1 < len && d[j] == '\r' && d[j + 1] == '\n')
        *next = j + 2;
    else
        *next = j < len ? j + 1 : len;
    return j;
}

/* A line continues when it ends with an odd number of backslashes. */
static bool continues(const char *d, size_t start, size_t end)
{
    size_t n = 0;
    while (end > start && d[end - 1] == '\\') {
        n++;
        end--;
    }
    return n % 2 == 1;
}

/* Appends the logical line starting at *pos to `line` (continuations
 * joined, the leading white space of each continuation dropped, the
 * joining backslash removed). Returns false when nothing is left. */
static int logical_line(const char *d, size_t len, size_t *pos, st_buf *line,
                        bool *got)
{
    size_t i = *pos, next, end;
    int rc;
    *got = false;
    st_buf_reset(line);
    /* Skip blank lines and comments. */
    for (;;) {
        while (i < len && (is_ws(d[i]) || d[i] == '\n' || d[i] == '\r'))
            i++;
        if (i >= len) {
            *pos = len;
            return 0;
        }
        if (d[i] != '#' && d[i] != '!')
            break;
        line_end(d, len, i, &next);
        i = next;
    }
    for (;;) {
        end = line_end(d, len, i, &next);
        if (continues(d, i, end)) {
            if ((rc = st_buf_put(line, d + i, end - i - 1)) < 0)
                return rc;
            i = next;
            while (i < len && is_ws(d[i]))
                i++;
            if (i >= len)
                break;
            continue;
        }
        if ((rc = st_buf_put(line, d + i, end - i)) < 0)
            return rc;
        i = next;
        break;
    }
    *pos = i;
    *got = true;
    return 0;
}

/* Unescapes s[*i..n) into out, stopping (when `key`) at an unescaped
 * separator. */
static int unescape(st_buf *out, const char *s, size_t n, size_t *i, bool key)
{
    int rc;
    while (*i < n) {
        char c = s[*i];
        if (key && (c == '=' || c == ':' || is_ws(c)))
            return 0;
        (*i)++;
        if (c != '\\') {
            if ((rc = st_buf_putc(out, c)) < 0)
                return rc;
            continue;
        }
        if (*i >= n)
            break;
        c = s[(*i)++];
        switch (c) {
        case 't':
            c = '\t';
            break;
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 'f':
            c = '\f';
            break;
        case 'u': {
            unsigned cp = 0;
            size_t k;
            for (k = 0; k < 4 && *i + k < n && hexval(s[*i + k]) >= 0; k++)
                cp = cp * 16 + (unsigned)hexval(s[*i + k]);
            if (k == 4) {
                *i += 4;
                if ((rc = put_utf8(out, cp)) < 0)
                    return rc;
                continue;
            }
            break; /* malformed: the 'u' itself */
        }
        default:
            break;
        }
        if ((rc = st_buf_putc(out, c)) < 0)
            return rc;
    }
    return 0;
}

int st_java__props_parse(const char *data, size_t len, st_java_kv_fn fn,
                         void *payload)
{
    st_buf line = ST_BUF_INIT(ST_JAVA_MAX_PROPS * 2);
    st_buf key = ST_BUF_INIT(ST_JAVA_MAX_PROPS * 2);
    st_buf val = ST_BUF_INIT(ST_JAVA_MAX_PROPS * 2);
    size_t pos = 0;
    bool got;
    int rc = 0;

    for (;;) {
        size_t i = 0;
        ST_CHECK(logical_line(data, len, &pos, &line, &got));
        if (!got)
            break;
        st_buf_reset(&key);
        st_buf_reset(&val);
        ST_CHECK(unescape(&key, line.ptr, line.len, &i, true));
        while (i < line.len && is_ws(line.ptr[i]))
            i++;
        if (i < line.len && (line.ptr[i] == '=' || line.ptr[i] == ':'))
            i++;
        while (i < line.len && is_ws(line.ptr[i]))
            i++;
        ST_CHECK(unescape(&val, line.ptr, line.len, &i, false));
        ST_CHECK(fn(payload, key.ptr, key.len, val.ptr, val.len));
    }
done:
    st_buf_release(&line);
    st_buf_release(&key);
    st_buf_release(&val);
    return rc == ST_ELIMIT ? 0 : rc;
}

int st_java__manifest_parse(const char *data, size_t len, st_java_kv_fn fn,
                            void *payload)
{
    st_buf name = ST_BUF_INIT(ST_JAVA_MAX_MANIFEST);
    st_buf val = ST_BUF_INIT(ST_JAVA_MAX_MANIFEST);
    size_t pos = 0, next, end;
    bool have = false;
    int rc = 0;

    /* A UTF-8 byte order mark is tolerated. */
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        pos = 3;
    while (pos < len) {
        end = line_end(data, len, pos, &next);
        if (end == pos)
            break; /* the end of the main section */
        if (data[pos] == ' ') {
            if (have)
                ST_CHECK(st_buf_put(&val, data + pos + 1, end - pos - 1));
        } else {
            const char *colon = memchr(data + pos, ':', end - pos);
            if (have)
                ST_CHECK(fn(payload, name.ptr, name.len, val.ptr, val.len));
            have = false;
            st_buf_reset(&name);
            st_buf_reset(&val);
            if (colon && colon > data + pos) {
                const char *v = colon + 1;
                if (v < data + end && *v == ' ')
                    v++;
                ST_CHECK(st_buf_put(&name, data + pos,
                                    (size_t)(colon - (data + pos))));
                ST_CHECK(st_buf_put(&val, v, (size_t)(data + end - v)));
                have = true;
            }
        }
        pos = next;
    }
    if (have)
        ST_CHECK(fn(payload, name.ptr, name.len, val.ptr, val.len));
done:
    st_buf_release(&name);
    st_buf_release(&val);
    return rc == ST_ELIMIT ? 0 : rc;
}

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k, need;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        need = 2;
        cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        need = 3;
        cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        need = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (k = 1; k < need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need;
}

char *st_java__clean(st_arena *a, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out;
    size_t i, o = 0;

    while (n && (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' ||
                 u[0] == '\n' || u[0] == '\f')) {
        u++;
        n--;
    }
    while (n && (u[n - 1] == ' ' || u[n - 1] == '\t' || u[n - 1] == '\r' ||
                 u[n - 1] == '\n' || u[n - 1] == '\f'))
        n--;
    if (!(out = st_arena_alloc(a, n + 1)))
        return NULL;
    for (i = 0; i < n;) {
        size_t k = utf8_len(u + i, n - i);
        if (k == 0 || (k == 1 && (u[i] < 0x20 || u[i] == 0x7F))) {
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, u + i, k);
        o += k;
        i += k;
    }
    out[o] = 0;
    return out;
}

bool st_java__coord_ok(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}
