/* Registry push notifications: the envelope Docker distribution (and
 * registries that copy it) POSTs to its endpoints. Only a push of a
 * manifest or index, with a valid digest and a plausible registry name,
 * becomes a reference to index; anything else is ignored, never trusted
 * to build a URL. */
#include <string.h>

#include <jansson.h>

#include "server/server_int.h"
#include "util/banned.h"

static bool is_manifest_type(const char *mt)
{
    return mt && (strstr(mt, "manifest") || strstr(mt, "image.index"));
}

/* host[:port] as it appears in a URL: letters, digits, '.', '-', ':',
 * '[' and ']' (IPv6), at most 255 characters. */
static bool plausible_host(const char *h, size_t n)
{
    if (!n || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
              c == '[' || c == ']'))
            return false;
    }
    return true;
}

/* A repository name's characters (docker's grammar: lowercase
 * alphanumerics and the separators . _ - /), at most 255. */
static bool plausible_repo(const char *r)
{
    size_t n = strlen(r);
    if (!n || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = r[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == '/'))
            return false;
    }
    return true;
}

int st_srv_parse_notifications(const char *body, size_t len,
                               int (*fn)(void *u, const char *ref,
                                         const char *digest),
                               void *u, size_t *ignored, st_error **err)
{
    json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
    json_t *events = json_object_get(doc, "events"), *ev;
    size_t i;
    int rc = 0;

    *ignored = 0;
    if (!json_is_array(events)) {
        json_decref(doc);
        return st_error_set(err, ST_EINVALID, "server",
                            "not a notification envelope (no \"events\" "
                            "array)");
    }
    json_array_foreach(events, i, ev)
    {
        json_t *t = json_object_get(ev, "target");
        const char *action = json_string_value(json_object_get(ev, "action"));
        const char *mt = json_string_value(json_object_get(t, "mediaType"));
        const char *digest = json_string_value(json_object_get(t, "digest"));
        const char *repo = json_string_value(json_object_get(t,
                                                             "repository"));
        const char *url = json_string_value(json_object_get(t, "url"));
        const char *host = json_string_value(
            json_object_get(json_object_get(ev, "request"), "host"));
        const char *h = NULL;
        size_t hn = 0;
        char ref[1024];

        if (url && (!strncmp(url, "http://", 7) ||
                    !strncmp(url, "https://", 8))) {
            h = strstr(url, "://") + 3;
            hn = strcspn(h, "/?#@");
        } else if (host) {
            h = host;
            hn = strlen(host);
        }
        if (!action || strcmp(action, "push") || !is_manifest_type(mt) ||
            !st_digest_valid(digest) || strncmp(digest, "sha256:", 7) ||
            !repo || !plausible_repo(repo) || !h ||
            !plausible_host(h, hn)) {
            (*ignored)++;
            continue;
        }
        snprintf(ref, sizeof(ref), "%.*s/%s@%s", (int)hn, h, repo, digest);
        if ((rc = fn(u, ref, digest)) < 0)
            break;
    }
    json_decref(doc);
    return rc;
}
