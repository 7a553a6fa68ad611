/* Secrets by the name of the variable that holds them (envsecret.h).
 *
 * A name is cut into words at "_", "-", "." and lower-to-upper case
 * changes (dbPassword, DB_PASSWORD and db-password read the same). It
 * names a secret when a word is one of the secret words, or ends in one
 * (ROOTPASSWORD, GITHUBTOKEN), or two words make one (API KEY, PRIVATE
 * KEY) — unless the last word says the variable is about the secret rather
 * than the secret itself (TOKEN_URL, PASSWORD_FILE, SECRET_NAME). */
#include <ctype.h>
#include <string.h>

#include "config/envsecret.h"
#include "util/banned.h"

#define MAX_WORDS 16
#define MAX_WORD  48

static const char *const secret_words[] = {
    "password",    "passwd",     "passphrase", "pass",      "pwd",
    "secret",      "secrets",    "token",      "apikey",    "credential",
    "credentials", "privatekey", "accesskey",  "secretkey", "authkey",
    "masterkey",   NULL,
};
/* Long enough to be a secret word at the end of a glued word. */
static const char *const secret_suffixes[] = {
    "password", "passwd",     "passphrase", "secret", "token",
    "apikey",   "privatekey", "secretkey",  NULL,
};
/* Two words that make a secret word: API KEY. */
static const char *const key_prefixes[] = {
    "api",        "private", "access",  "secret", "auth", "signing",
    "encryption", "master",  "license", "client", NULL,
};
/* A last word that makes the variable a setting about the secret. */
static const char *const about_words[] = {
    "file",     "files",    "path",     "dir",        "url",       "uri",
    "endpoint", "host",     "server",   "name",       "id",        "ttl",
    "timeout",  "expiry",   "expires",  "expiration", "lifetime",  "age",
    "length",   "len",      "size",     "min",        "max",       "policy",
    "type",     "header",   "enabled",  "enable",     "disabled",  "required",
    "mode",     "prefix",   "suffix",   "format",     "algorithm", "algo",
    "hash",     "count",    "version",  "ref",        "arn",       "location",
    "store",    "provider", "method",   "scope",      "scopes",    "audience",
    "issuer",   "user",     "username", "env",        "var",       NULL,
};

static bool in(const char *const *list, const char *w)
{
    for (; *list; list++)
        if (!strcmp(*list, w))
            return true;
    return false;
}

static bool ends_in(const char *const *list, const char *w)
{
    size_t n = strlen(w);
    for (; *list; list++) {
        size_t k = strlen(*list);
        if (n > k && !strcmp(w + n - k, *list))
            return true;
    }
    return false;
}

/* Cuts name into lower-case words; the count, 0 when a word is too long
 * or there are too many (such a name is not judged). */
static size_t
words_of(const char *name, size_t len, char w[MAX_WORDS][MAX_WORD])
{
    size_t n = 0, k = 0;

    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)name[i] : 0;
        bool cut = !isalnum(c) || (k && isupper(c) && i &&
                                   islower((unsigned char)name[i - 1]));
        if (cut && k) {
            if (n == MAX_WORDS)
                return 0;
            w[n++][k] = 0;
            k = 0;
        }
        if (!isalnum(c))
            continue;
        if (n == MAX_WORDS || k + 1 >= MAX_WORD)
            return 0;
        w[n][k++] = (char)tolower(c);
    }
    return n;
}

bool st_cfg__secret_name(const char *name, size_t len)
{
    char w[MAX_WORDS][MAX_WORD];
    size_t n = words_of(name, len, w);
    bool secret = false;

    /* the shell's working directory, not a password */
    if (n == 1 && (!strcmp(w[0], "pwd") || !strcmp(w[0], "oldpwd")))
        return false;
    for (size_t i = 0; i < n && !secret; i++)
        secret =
            in(secret_words, w[i]) || ends_in(secret_suffixes, w[i]) ||
            (i + 1 < n && !strcmp(w[i + 1], "key") && in(key_prefixes, w[i]));
    return secret && !in(about_words, w[n - 1]);
}

bool st_cfg__secret_literal(const char *v)
{
    static const char *const not_secrets[] = {
        "true", "false", "yes", "no",        "on", "off",
        "null", "none",  "nil", "undefined", NULL,
    };
    char low[16];
    size_t n;

    while (*v == ' ' || *v == '\t')
        v++;
    n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n <= 2 || *v == '/' || memchr(v, '$', n))
        return false;
    if ((strstr(v, "{{") && strstr(v, "}}")) || strstr(v, "%(") ||
        (*v == '<' && v[n - 1] == '>'))
        return false;
    if (n < sizeof(low)) {
        for (size_t i = 0; i < n; i++)
            low[i] = (char)tolower((unsigned char)v[i]);
        low[n] = 0;
        if (in(not_secrets, low))
            return false;
    }
    return true;
}
