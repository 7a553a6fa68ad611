/* The registry audit (`strata registry audit`, include/strata/registry.h):
 * what the registry's transport and access control let a stranger do.
 *
 * Three transport probes use libcurl directly, because they must do what
 * the client refuses on purpose: plain http to a TLS registry, TLS of any
 * version without verification, a handshake limited to TLS 1.0/1.1. The
 * negotiated version and the certificate come from the registry client
 * (registry.h), verifying as it always does. Access-control probes go
 * through the client too: one instance that never sends credentials and,
 * when there are credentials, one that does. Every probe is read-only except two, and both are made
 * harmless: the anonymous push (only with opts->active) cancels its
 * upload at once, and the delete probe names a manifest digest of 64
 * zeros, which no content can hash to. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "registry/registry.h"
#include "registry/state.h"
#include "strata/registry.h"
#include "strata/vulndb.h"
#include "util/json.h"
#include "util/curl.h"
#include "util/banned.h"

#define MODULE "registry"
#define PUSH_REPO "strata-audit-probe"
#define STATE_FILE "registry-state.db"
/* The delete probe's digest: sha256 of nothing real. Never built from
 * input, so no audit can name a manifest that exists. */
static const char zero_digest[] =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
#define BODY_MAX ((size_t)4 << 20)
#define PULL_TRIES 5 /* repositories tried for the anonymous pull */
#define NAMED_MAX 20 /* items named in one evidence text */
#define TEXT_MAX ((size_t)1 << 20)

/* ---- the checks -------------------------------------------------------- */

enum {
    C_HTTP,
    C_TLS,
    C_CERT,
    C_CATALOG,
    C_PULL,
    C_PUSH,
    C_DELETE,
    C_MOVED,
    C_CRITICAL,
    C_COUNT
};

static const struct check_def {
    const char *id;
    st_host_severity severity;
    const char *title;
    const char *rationale;
    const char *remediation;
} defs[C_COUNT] = {
    [C_HTTP] = {"registry-plain-http", ST_HOST_HIGH,
                "The registry API is not served over plain HTTP",
                "Over plain HTTP, passwords, tokens and image content cross "
                "the network unencrypted and unauthenticated: anyone on the "
                "path can read them or hand out other images.",
                "Serve the registry over TLS only (http.tls in the "
                "distribution config, or a TLS-terminating proxy that only "
                "redirects plain HTTP) and keep it out of clients' "
                "insecure-registries."},
    [C_TLS] = {"registry-tls-version", ST_HOST_HIGH,
               "TLS 1.2 or later, and nothing older",
               "TLS 1.0 and 1.1 are deprecated (RFC 8996) and have known "
               "weaknesses; a server that still accepts them lets an "
               "attacker downgrade clients that offer them.",
               "Require TLS 1.2 or later (distribution: http.tls.minimumtls: "
               "tls1.2; nginx: ssl_protocols TLSv1.2 TLSv1.3)."},
    [C_CERT] = {"registry-tls-certificate", ST_HOST_HIGH,
                "The TLS certificate verifies and is not about to expire",
                "A certificate clients cannot verify teaches people to turn "
                "verification off (insecure-registries), after which anyone "
                "in the path can impersonate the registry; an expired "
                "certificate stops every pull and push.",
                "Use a certificate from a CA the clients trust that names the "
                "registry's host, and renew it automatically well before it "
                "expires."},
    [C_CATALOG] = {"registry-anonymous-catalog", ST_HOST_MEDIUM,
                   "The catalog is not readable anonymously",
                   "/v2/_catalog lists every repository: read anonymously, "
                   "it tells a stranger what exists and what to pull.",
                   "Require authentication for the catalog (htpasswd or "
                   "token auth; with token auth grant registry:catalog:* "
                   "only to administrators), or block the endpoint at the "
                   "proxy."},
    [C_PULL] = {"registry-anonymous-pull", ST_HOST_HIGH,
                "Images cannot be pulled anonymously",
                "Anonymous pull hands the images' contents (code, "
                "configuration, and any secret left in a layer) to anyone "
                "who can reach the registry.",
                "Require authentication and grant pull only to the people "
                "and robots that need it; publish deliberately public "
                "images from a separate registry or namespace."},
    [C_PUSH] = {"registry-anonymous-push", ST_HOST_CRITICAL,
                "Images cannot be pushed anonymously",
                "Whoever can push can replace a trusted image under its tag "
                "with a malicious one, and every host that pulls it runs "
                "the attacker's code.",
                "Require authentication for push and grant it only to the "
                "CI or release identities that publish images."},
    [C_DELETE] = {"registry-delete-enabled", ST_HOST_MEDIUM,
                  "Deleting manifests through the API is disabled",
                  "With the delete API on, a leaked push credential (or no "
                  "credential at all) is enough to remove images, break "
                  "deployments and erase evidence.",
                  "Set storage.delete.enabled: false (distribution) unless "
                  "garbage collection needs it, and then grant the delete "
                  "action to administrators only."},
    [C_MOVED] = {"registry-moved-tags", ST_HOST_MEDIUM,
                 "No tag moved to another image since the last audit",
                 "A tag that now names another digest means the image "
                 "behind it was replaced; for a release tag that should "
                 "never happen and may be tampering.",
                 "Find out who pushed the new digest (the registry's "
                 "notifications or logs); deploy by digest "
                 "(name@sha256:...) and make release tags immutable where "
                 "the registry supports it."},
    [C_CRITICAL] = {"registry-critical-images", ST_HOST_HIGH,
                    "No image in the catalog has critical findings",
                    "An image with critical vulnerabilities in the registry "
                    "is one pull away from production.",
                    "Rebuild the images named on patched base images and "
                    "push them again, or remove them from the registry."},
};

typedef struct scan_entry {
    const char *image;
    size_t critical;
    size_t high;
    const char *error;
} scan_entry;

struct st_registry_audit {
    st_arena *arena;
    st_host_result res[C_COUNT];
    const st_host_result *list[C_COUNT];
    const char *registry; /* host[:port] */
    st_vec images;        /* const char *, in the arena */
    st_vec scans;         /* scan_entry *, in the arena */
};

/* One tag seen in the registry. */
typedef struct tagent {
    const char *repo;
    const char *tag;
    const char *digest; /* NULL when it could not be read */
} tagent;

/* ---- transport probes ---------------------------------------------------- */

typedef struct probe {
    bool answered; /* an HTTP response came back */
    long status;
    bool api; /* Docker-Distribution-API-Version: registry/2.0 */
    char location[512];
    char error[CURL_ERROR_SIZE];
} probe;

enum probe_mode { P_PLAIN, P_TLS, P_TLS_LEGACY };

/* The header's value when `line` is "<name>: value", trimmed into out. */
static bool header_value(const char *line, size_t len, const char *name,
                         char *out, size_t n)
{
    size_t nl = strlen(name), vl;
    const char *v;
    if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
        return false;
    v = line + nl + 1;
    len -= nl + 1;
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
                   v[len - 1] == ' '))
        len--;
    vl = len < n - 1 ? len : n - 1;
    memcpy(out, v, vl);
    out[vl] = 0;
    return true;
}

static size_t on_header(char *b, size_t size, size_t n, void *payload)
{
    probe *p = payload;
    size_t len = size * n;
    char v[64];
    if (header_value(b, len, "Docker-Distribution-API-Version", v, sizeof(v)))
        p->api = !strncasecmp(v, "registry/2.", 11);
    header_value(b, len, "Location", p->location, sizeof(p->location));
    return len;
}

static size_t discard(char *b, size_t size, size_t n, void *payload)
{
    (void)b;
    (void)payload;
    return size * n;
}

/* GETs `url` once, without following redirects. TLS is not verified here
 * (the certificate check goes through the client, with its CAs) and any
 * version from TLS 1.0 is offered, at OpenSSL security level 0, so that
 * an old server still shows up as TLS; P_TLS_LEGACY offers only TLS 1.0
 * and 1.1. */
static void probe_url(probe *p, const char *url, enum probe_mode mode)
{
    CURL *h;
    CURLcode rc;

    memset(p, 0, sizeof(*p));
    if (st_curl_init(MODULE, NULL) < 0 || !(h = curl_easy_init())) {
        snprintf(p->error, sizeof(p->error), "cannot start libcurl");
        return;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p->error);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "strata-registry-audit");
    if (mode != P_PLAIN) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    /* Any TLS at all: this end must not be what refuses old versions. */
    if (mode != P_PLAIN) {
        curl_easy_setopt(h, CURLOPT_SSLVERSION,
                         (long)(mode == P_TLS_LEGACY
                                    ? CURL_SSLVERSION_TLSv1_0 |
                                          CURL_SSLVERSION_MAX_TLSv1_1
                                    : CURL_SSLVERSION_TLSv1_0));
        curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
    }
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        p->answered = true;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &p->status);
    } else if (!p->error[0]) {
        snprintf(p->error, sizeof(p->error), "%s", curl_easy_strerror(rc));
    }
    curl_easy_cleanup(h);
}

/* ---- the run ---------------------------------------------------------- */

typedef struct ctx {
    st_registry_audit *a;
    const st_registry_audit_options *o;
    st_arena *arena;
    const char *host;     /* host[:port], lower case */
    const char *hostname; /* without the port */
    bool has_port;
    bool url_http;        /* the URL said http:// */
    bool user_insecure;   /* the user named the host insecure */
    int64_t now;

    bool tls;      /* https answered (unverified) */
    bool verified; /* ... and verified with the client's CAs */

    st_reg_config anon_cfg, auth_cfg;
    const char **insecure; /* the user's list + this host */
    st_reg *anon;
    st_reg *auth; /* NULL without credentials */
    const char *auth_note; /* why credentials are not used, or NULL */

    st_vec repos; /* const char * */
    const char *repos_from; /* "the anonymous catalog", … */
    bool repos_auth;        /* ... listed with credentials */
    const char *no_repos;   /* why there are none */
    st_vec tags;  /* tagent * */
    size_t tag_repos; /* repositories whose tags were listed */
    st_buf problems;  /* listing failures, for the moved-tags evidence */
} ctx;

static int oom(st_error **err)
{
    return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
}

static int set(ctx *c, int id, st_host_status status, st_error **err,
               const char *fmt, ...) ST_PRINTF(5, 6);
static int set(ctx *c, int id, st_host_status status, st_error **err,
               const char *fmt, ...)
{
    st_buf b = ST_BUF_INIT(TEXT_MAX);
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = st_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc == ST_ELIMIT)
        rc = 0; /* an evidence text that long is cut */
    c->a->res[id].status = status;
    c->a->res[id].evidence = rc < 0 ? NULL : st_arena_strdup(c->arena, b.ptr);
    st_buf_release(&b);
    return c->a->res[id].evidence ? 0 : oom(err);
}

static const char *date(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(out, 32, "%lld", (long long)t);
    return out;
}

/* "https://Host:5000/x" -> host "host:5000", hostname "host", the scheme
 * noted. User info is refused: credentials travel in options only. */
static int parse_target(ctx *c, const char *url, st_error **err)
{
    const char *p = url, *end;
    char *h;
    size_t n;

    if (!strncasecmp(p, "https://", 8)) {
        p += 8;
    } else if (!strncasecmp(p, "http://", 7)) {
        p += 7;
        c->url_http = true;
    } else if (strstr(p, "://")) {
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: expected an http:// or https:// URL or "
                            "host[:port]",
                            url);
    }
    end = p + strcspn(p, "/?#");
    n = (size_t)(end - p);
    if (memchr(p, '@', n))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: credentials in the URL are not accepted "
                            "(use the username and password options)",
                            url);
    if (!n || n > 255 || strspn(p, "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") <
                             n)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: not a registry host[:port]", url);
    if (!(h = st_arena_strndup(c->arena, p, n)))
        return oom(err);
    for (char *q = h; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    c->host = h;
    {
        const char *br = strrchr(h, ']');
        const char *colon = strrchr(br ? br : h, ':');
        c->has_port = colon != NULL;
        c->hostname = colon ? st_arena_strndup(c->arena, h,
                                               (size_t)(colon - h))
                            : h;
        if (!c->hostname)
            return oom(err);
        if (colon && (!colon[1] || strspn(colon + 1, "0123456789") !=
                                       strlen(colon + 1)))
            return st_error_set(err, ST_EUSAGE, MODULE,
                                "%s: not a registry host[:port]", url);
    }
    return 0;
}

/* Repository names as the distribution spec allows them: lower-case
 * alphanumeric components joined by '/', '.', '_', '__' or '-' runs. The
 * names come from the registry and end up in request paths. */
static bool valid_repo(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 255)
        return false;
    for (const char *p = s; *p;) {
        const char *e = p + strcspn(p, "/");
        bool prev_alnum = false;
        if (e == p)
            return false;
        for (const char *q = p; q < e; q++) {
            bool alnum = (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9');
            if (!alnum && !strchr("._-", *q))
                return false;
            if (!alnum && q == p)
                return false;
            if (*q == '.' && !prev_alnum)
                return false;
            if (*q == '_' && q >= p + 2 && q[-1] == '_' && q[-2] == '_')
                return false;
            if (!alnum && q > p && !prev_alnum && q[-1] != *q)
                return false; /* mixed separators: "._", "-." */
            prev_alnum = alnum;
        }
        if (!prev_alnum)
            return false;
        p = *e ? e + 1 : e;
        if (*e && !*p)
            return false;
    }
    return true;
}

static bool valid_tag(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 128 || strchr(".-", s[0]))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_.-") == n;
}

/* The registry's error code ("UNSUPPORTED", "MANIFEST_UNKNOWN") from an
 * error body, or "". */
static const char *error_code(const st_reg_response *resp, char *out,
                              size_t n)
{
    json_t *doc = NULL, *errs, *e0;
    const char *code;
    out[0] = 0;
    if (resp->body.len &&
        st_json_load(&doc, resp->body.ptr, resp->body.len, "error", NULL) ==
            0 &&
        (errs = st_json_arr(doc, "errors")) && (e0 = json_array_get(errs, 0)) &&
        (code = st_json_str(e0, "code")))
        snprintf(out, n, " %s", code);
    json_decref(doc);
    return out;
}

static const char *status_text(long status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    default: return "";
    }
}

static void resp_init(st_reg_response *r)
{
    memset(r, 0, sizeof(*r));
    st_buf_init(&r->body, BODY_MAX);
}

/* One request; network errors come back as rc < 0 with *e set. */
static int do_req(st_reg *r, const char *method, const char *path,
                  const char *scope, const char *accept,
                  st_reg_response *resp, st_error **e)
{
    st_reg_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = path;
    rq.scope = scope;
    rq.accept = accept;
    rq.max_bytes = BODY_MAX;
    rq.no_redirect = true;
    resp_init(resp);
    return st_reg_do(r, &rq, resp, e);
}

static const char *errmsg(st_error *e)
{
    const char *m = st_error_message(e);
    return m && *m ? m : "error";
}

/* The client's message without its advice about insecure registries,
 * which the audit gives in its own words. */
static const char *tls_errmsg(st_error *e, char *buf, size_t n)
{
    const char *m = errmsg(e), *cut = strstr(m, " (plain http and unverified");
    snprintf(buf, n, "%.*s", cut ? (int)(cut - m) : (int)strlen(m), m);
    return buf;
}

/* ---- transport: plain HTTP, TLS version, certificate ------------------- */

/* GET /v2/ through a client of its own (one try): the TLS facts of the
 * response, or the error. */
static int tls_facts(ctx *c, bool insecure, char ver[16], int64_t *na,
                     st_error **e)
{
    const char *list[1] = {c->host};
    st_reg_config cfg;
    st_reg_response resp;
    st_reg *r = NULL;
    const char *base;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    cfg.insecure = list;
    cfg.insecure_count = insecure ? 1 : 0;
    cfg.ca_file = c->o->ca_file;
    cfg.anonymous = true;
    cfg.tries = 1;
    cfg.connect_timeout_s = 10;
    resp_init(&resp);
    ver[0] = 0;
    *na = 0;
    if ((rc = st_reg_open(&r, c->host, &cfg, e)) == 0 &&
        (rc = do_req(r, "GET", "/v2/", NULL, NULL, &resp, e)) == 0) {
        base = st_reg_base_url(r);
        if (base && !strncmp(base, "https://", 8)) {
            memcpy(ver, resp.tls_version, 16);
            ver[15] = 0;
            *na = resp.cert_not_after;
        }
    }
    st_reg_response_release(&resp);
    st_reg_free(r);
    return rc;
}

static bool old_tls(const char *v)
{
    return !strcmp(v, "SSLv3") || !strcmp(v, "TLSv1") ||
           !strcmp(v, "TLSv1.0") || !strcmp(v, "TLSv1.1");
}

static int check_transport(ctx *c, st_error **err)
{
    probe https, legacy, http[2];
    const char *http_url[2];
    size_t nhttp = 0, served = 0;
    char url[600], d[32], ver[16], why[600];
    const char *ca = c->o->ca_file ? " with the CA given" : "";
    st_buf ev = ST_BUF_INIT(TEXT_MAX);
    st_error *e = NULL, *ie = NULL;
    int64_t na = 0, days;
    int rc = 0;

    snprintf(url, sizeof(url), "https://%s/v2/", c->host);
    probe_url(&https, url, P_TLS);
    c->tls = https.answered;

    /* Plain HTTP on the same port, and on port 80 when no port was
     * named (https then means 443). */
    http_url[nhttp++] = st_arena_printf(c->arena, "http://%s%s/v2/", c->host,
                                        c->has_port || c->url_http ? ""
                                                                   : ":443");
    if (!c->has_port && !c->url_http)
        http_url[nhttp++] =
            st_arena_printf(c->arena, "http://%s/v2/", c->hostname);
    for (size_t i = 0; i < nhttp; i++) {
        if (!http_url[i])
            return oom(err);
        probe_url(&http[i], http_url[i], P_PLAIN);
    }
    for (size_t i = 0; i < nhttp; i++) {
        const probe *p = &http[i];
        if (i)
            st_buf_puts(&ev, "; ");
        if (!p->answered) {
            st_buf_printf(&ev, "%s: %s", http_url[i], p->error);
        } else if (p->status == 200 || p->status == 401 || p->api) {
            served++;
            st_buf_printf(&ev, "%s answered %ld %s%s: the API is served over "
                               "plain HTTP",
                          http_url[i], p->status, status_text(p->status),
                          p->api ? " with Docker-Distribution-API-Version "
                                   "registry/2.0"
                                 : "");
        } else if (p->status >= 300 && p->status < 400 &&
                   !strncasecmp(p->location, "https://", 8)) {
            st_buf_printf(&ev, "%s redirects to %s", http_url[i],
                          p->location);
        } else {
            st_buf_printf(&ev, "%s answered %ld %s: no registry API over "
                               "plain HTTP",
                          http_url[i], p->status, status_text(p->status));
        }
    }
    if (!c->tls && !served) {
        rc = st_error_set(err, ST_EIO, MODULE,
                          "%s: no registry answers: https://%s/v2/: %s; %s",
                          c->host, c->host, https.error, ev.ptr);
        goto done;
    }
    ST_CHECK(set(c, C_HTTP, served ? ST_HOST_FAIL : ST_HOST_PASS, err, "%s",
                 ev.ptr));
    if (!c->tls) {
        ST_CHECK(set(c, C_TLS, ST_HOST_FAIL, err,
                     "no TLS: https://%s/v2/: %s", c->host, https.error));
        ST_CHECK(set(c, C_CERT, ST_HOST_SKIP, err,
                     "no TLS on %s: no certificate to check", c->host));
        goto done;
    }

    /* Verified the way the client verifies (system CAs, the CA given,
     * certs.d); when that fails, the facts come unverified. */
    if (tls_facts(c, false, ver, &na, &e) == 0) {
        c->verified = true;
    } else if (st_error_code(e) == ST_ENOMEM ||
               tls_facts(c, true, ver, &na, &ie) == ST_ENOMEM) {
        rc = oom(err);
        goto done;
    }

    /* The version a current client gets, and whether one that offers
     * only TLS 1.0/1.1 is served too (a server may allow both). */
    probe_url(&legacy, url, P_TLS_LEGACY);
    if (legacy.answered)
        ST_CHECK(set(c, C_TLS, ST_HOST_FAIL, err,
                     "a client offering only TLS 1.0 and 1.1 was answered "
                     "(%ld %s)%s%s",
                     legacy.status, status_text(legacy.status),
                     ver[0] ? "; a current client negotiates " : "", ver));
    else if (old_tls(ver))
        ST_CHECK(set(c, C_TLS, ST_HOST_FAIL, err,
                     "negotiated %s with a client offering TLS 1.0 to 1.3",
                     ver));
    else if (!ver[0])
        ST_CHECK(set(c, C_TLS, ST_HOST_WARN, err,
                     "https://%s/v2/ answered, but the TLS version is not "
                     "known%s%s",
                     c->host, ie ? ": " : "", ie ? errmsg(ie) : ""));
    else
        ST_CHECK(set(c, C_TLS, ST_HOST_PASS, err,
                     "negotiated %s; a handshake offering only TLS 1.0 and "
                     "1.1 was refused (%s)",
                     ver, legacy.error));

    days = na ? (na - c->now) / 86400 : 0;
    if (!c->verified) {
        if (na && na <= c->now)
            ST_CHECK(set(c, C_CERT, ST_HOST_FAIL, err,
                         "expired on %s; verification fails: %s",
                         date(d, na), tls_errmsg(e, why, sizeof(why))));
        else
            ST_CHECK(set(c, C_CERT, ST_HOST_FAIL, err,
                         "verification fails%s: %s%s%s", ca,
                         tls_errmsg(e, why, sizeof(why)),
                         na ? "; valid until " : "", na ? date(d, na) : ""));
    } else if (!na) {
        ST_CHECK(set(c, C_CERT, ST_HOST_PASS, err,
                     "verified%s; expiry date unknown", ca));
    } else if (na <= c->now) {
        ST_CHECK(set(c, C_CERT, ST_HOST_FAIL, err, "expired on %s",
                     date(d, na)));
    } else if (na - c->now < (int64_t)c->o->cert_warn_days * 86400) {
        ST_CHECK(set(c, C_CERT, ST_HOST_WARN, err,
                     "verified%s, but expires on %s (in %lld day%s; warning "
                     "within %u)",
                     ca, date(d, na), (long long)days, days == 1 ? "" : "s",
                     c->o->cert_warn_days));
    } else {
        ST_CHECK(set(c, C_CERT, ST_HOST_PASS, err,
                     "verified%s; valid until %s (%lld days)", ca,
                     date(d, na), (long long)days));
    }
done:
    st_error_free(e);
    st_error_free(ie);
    st_buf_release(&ev);
    return rc;
}

/* ---- clients ------------------------------------------------------------ */

static bool named(const char *const *list, size_t n, const char *host)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && !strcasecmp(list[i], host))
            return true;
    return false;
}

static int open_clients(ctx *c, st_error **err)
{
    const st_registry_audit_options *o = c->o;
    st_creds cr;
    st_error *e = NULL;
    bool have_creds;
    int rc = 0;

    c->user_insecure = named(o->insecure, o->insecure_count, c->host);
    /* The anonymous probes send nothing secret: they may use plain http
     * or an unverified certificate, so that an audit of a misconfigured
     * registry still finds out who may do what. */
    c->insecure = st_arena_alloc(c->arena, (o->insecure_count + 1) *
                                               sizeof(*c->insecure));
    if (!c->insecure)
        return oom(err);
    for (size_t i = 0; i < o->insecure_count; i++)
        c->insecure[i] = o->insecure[i];
    c->insecure[o->insecure_count] = c->host;
    memset(&c->anon_cfg, 0, sizeof(c->anon_cfg));
    c->anon_cfg.insecure = c->insecure;
    c->anon_cfg.insecure_count =
        o->insecure_count + (c->verified || c->user_insecure ? 0 : 1);
    c->anon_cfg.ca_file = o->ca_file;
    c->anon_cfg.anonymous = true;
    c->anon_cfg.tries = 2;
    c->anon_cfg.connect_timeout_s = 10;
    if (st_reg_open(&c->anon, c->host, &c->anon_cfg, &e) < 0)
        goto fail;

    memset(&cr, 0, sizeof(cr));
    if (o->username) {
        have_creds = true;
    } else if (st_creds_lookup(&cr, c->host, o->docker_config, &e) < 0) {
        goto fail;
    } else {
        have_creds = cr.secret != NULL;
        st_creds_release(&cr);
    }
    if (!have_creds)
        return 0;
    /* Credentials go only where the user would send them with docker:
     * over verified TLS, or to a registry they named insecure. */
    if (!c->verified && !c->user_insecure) {
        c->auth_note = st_arena_printf(
            c->arena,
            "credentials not used: %s (name it with --insecure-registry "
            "%s%s)",
            c->tls ? "the TLS certificate did not verify"
                   : "the registry speaks plain HTTP only",
            c->host, c->tls ? " or give its CA with --registry-ca" : "");
        return c->auth_note ? 0 : oom(err);
    }
    memset(&c->auth_cfg, 0, sizeof(c->auth_cfg));
    c->auth_cfg.insecure = o->insecure;
    c->auth_cfg.insecure_count = o->insecure_count;
    c->auth_cfg.ca_file = o->ca_file;
    c->auth_cfg.docker_config = o->docker_config;
    c->auth_cfg.username = o->username;
    c->auth_cfg.password = o->password;
    c->auth_cfg.tries = 2;
    c->auth_cfg.connect_timeout_s = 10;
    if (st_reg_open(&c->auth, c->host, &c->auth_cfg, &e) < 0)
        goto fail;
    return 0;
fail:
    rc = st_error_code(e);
    if (err) {
        *err = e;
        e = NULL;
    }
    st_error_free(e);
    return rc < 0 ? rc : ST_EIO;
}

/* ---- repositories and tags ------------------------------------------------- */

/* Lists up to max repositories from /v2/_catalog (following Link pages)
 * into c->repos. *status_out is the first page's status; a network error
 * leaves *e set and returns 0 with status 0. */
static int list_catalog(ctx *c, st_reg *r, long *status_out, st_vec *out,
                        const char **bad_out, st_error **e, st_error **err)
{
    char path[512];
    size_t max = c->o->max_repositories, pages = 0;
    st_reg_response resp;
    int rc = 0;

    *status_out = 0;
    *bad_out = NULL;
    snprintf(path, sizeof(path), "/v2/_catalog?n=%zu", max < 1000 ? max : 1000);
    while (out->len < max && pages++ < 1000) {
        json_t *doc = NULL, *arr;
        const char *link;
        size_t i;
        json_t *v;
        if (do_req(r, "GET", path, "registry:catalog:*", "application/json",
                   &resp, e) < 0) {
            st_reg_response_release(&resp);
            if (st_error_code(*e) == ST_ENOMEM)
                return oom(err);
            break;
        }
        if (pages == 1)
            *status_out = resp.status;
        if (resp.status != 200) {
            st_reg_response_release(&resp);
            break;
        }
        if (st_json_load(&doc, resp.body.ptr, resp.body.len, "catalog",
                         NULL) < 0 ||
            !(arr = st_json_arr(doc, "repositories"))) {
            *bad_out = "not a catalog (no \"repositories\" list)";
            json_decref(doc);
            st_reg_response_release(&resp);
            break;
        }
        json_array_foreach(arr, i, v)
        {
            const char *name = json_string_value(v);
            char *copy;
            if (out->len >= max)
                break;
            if (!name || !valid_repo(name))
                continue;
            if (!(copy = st_arena_strdup(c->arena, name)) ||
                st_vec_push(out, copy) < 0) {
                json_decref(doc);
                st_reg_response_release(&resp);
                return oom(err);
            }
        }
        json_decref(doc);
        /* Link: </v2/_catalog?last=x&n=100>; rel="next" */
        link = resp.link;
        path[0] = 0;
        if (link && (link = strchr(link, '<')) && strstr(link, "rel=\"next\"")) {
            size_t n = strcspn(link + 1, ">");
            if (n < sizeof(path) && !strncmp(link + 1, "/v2/_catalog?", 13)) {
                memcpy(path, link + 1, n);
                path[n] = 0;
            }
        }
        st_reg_response_release(&resp);
        if (!path[0])
            break;
    }
    return rc;
}

static void list_names(st_buf *b, const st_vec *v)
{
    for (size_t i = 0; i < v->len && i < NAMED_MAX; i++)
        st_buf_printf(b, "%s%s", i ? ", " : "", (const char *)v->items[i]);
    if (v->len > NAMED_MAX)
        st_buf_printf(b, " and %zu more", v->len - NAMED_MAX);
}

static int check_catalog(ctx *c, st_error **err)
{
    st_vec anon = ST_VEC_INIT, authv = ST_VEC_INIT;
    st_buf ev = ST_BUF_INIT(TEXT_MAX);
    st_error *e = NULL;
    const char *bad = NULL;
    long st = 0;
    int rc = 0;

    ST_CHECK(list_catalog(c, c->anon, &st, &anon, &bad, &e, err));
    if (!st) {
        ST_CHECK(set(c, C_CATALOG, ST_HOST_WARN, err,
                     "anonymous GET /v2/_catalog failed: %s", errmsg(e)));
    } else if (st == 200) {
        st_buf_printf(&ev, "anonymous GET /v2/_catalog: 200 OK, ");
        if (bad)
            st_buf_printf(&ev, "but %s", bad);
        else {
            st_buf_printf(&ev, "%zu repositor%s%s", anon.len,
                          anon.len == 1 ? "y" : "ies", anon.len ? ": " : "");
            list_names(&ev, &anon);
        }
        ST_CHECK(set(c, C_CATALOG, ST_HOST_FAIL, err, "%s", ev.ptr));
    } else if (st == 401 || st == 403) {
        ST_CHECK(set(c, C_CATALOG, ST_HOST_PASS, err,
                     "anonymous GET /v2/_catalog: %ld %s", st,
                     status_text(st)));
    } else if (st == 404) {
        ST_CHECK(set(c, C_CATALOG, ST_HOST_PASS, err,
                     "anonymous GET /v2/_catalog: 404 Not Found: the catalog "
                     "API is not served"));
    } else {
        ST_CHECK(set(c, C_CATALOG, ST_HOST_WARN, err,
                     "anonymous GET /v2/_catalog: %ld %s", st,
                     status_text(st)));
    }

    /* The repositories the other checks look at: the authenticated view
     * when there are credentials, else what anonymous users see. */
    if (c->auth) {
        long ast = 0;
        st_error *ae = NULL;
        const char *abad = NULL;
        rc = list_catalog(c, c->auth, &ast, &authv, &abad, &ae, err);
        if (rc == 0 && ast == 200 && !abad) {
            c->repos = authv;
            authv = (st_vec)ST_VEC_INIT;
            c->repos_from = "the catalog, read with credentials";
            c->repos_auth = true;
        } else if (rc == 0 && !(st == 200 && !bad)) {
            c->no_repos = st_arena_printf(
                c->arena, "the catalog is not readable with credentials (%s)",
                ast ? status_text(ast) : errmsg(ae));
        }
        st_error_free(ae);
        if (rc < 0)
            goto done;
    }
    if (!c->repos_from && st == 200 && !bad) {
        c->repos = anon;
        anon = (st_vec)ST_VEC_INIT;
        c->repos_from = "the anonymous catalog";
    }
    if (!c->repos_from && !c->no_repos && (st == 401 || st == 403))
        c->no_repos = st_arena_printf(
            c->arena,
            "no repository is known: the catalog needs credentials "
            "(strata registry login %s, or the username option)%s%s",
            c->host, c->auth_note ? "; " : "",
            c->auth_note ? c->auth_note : "");
    else if (!c->repos_from && !c->no_repos && st)
        c->no_repos = st_arena_printf(
            c->arena, "no repository is known: the catalog could not be "
                      "read (HTTP %ld%s%s)",
            st, bad ? ", " : "", bad ? bad : "");
    else if (!c->repos_from && !c->no_repos)
        c->no_repos = st_arena_printf(
            c->arena, "no repository is known: the catalog could not be "
                      "read (%s)",
            errmsg(e));
    if (!c->repos_from && !c->no_repos)
        rc = oom(err);
done:
    st_vec_release(&anon);
    st_vec_release(&authv);
    st_buf_release(&ev);
    st_error_free(e);
    return rc;
}

/* Reads the digest a tag names: HEAD, else GET and hash. */
static const char *tag_digest(ctx *c, st_reg *r, const char *repo,
                              const char *tag, st_error **e)
{
    char path[600], scope[400], d[72];
    st_reg_response resp;
    const char *out = NULL;
    st_buf body = ST_BUF_INIT(BODY_MAX);
    char *mt = NULL;

    snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, tag);
    snprintf(scope, sizeof(scope), "repository:%s:pull", repo);
    if (do_req(r, "HEAD", path, scope, st_reg_manifest_accept, &resp, e) ==
            0 &&
        resp.status == 200 && resp.docker_content_digest &&
        st_digest_valid(resp.docker_content_digest))
        out = st_arena_strdup(c->arena, resp.docker_content_digest);
    st_reg_response_release(&resp);
    if (out)
        return out;
    st_error_free(*e);
    *e = NULL;
    if (st_reg_get_manifest(r, repo, tag, BODY_MAX, &body, &mt, d, e) == 0)
        out = st_arena_strdup(c->arena, d);
    st_buf_release(&body);
    st_free(mt);
    return out;
}

static int list_tags(ctx *c, st_error **err)
{
    st_reg *r = c->repos_auth ? c->auth : c->anon;
    size_t bad = 0;

    for (size_t i = 0; i < c->repos.len; i++) {
        const char *repo = c->repos.items[i];
        const char **tags = NULL;
        size_t n = 0;
        st_error *e = NULL;
        int rc = st_reg_list_tags(r, repo, c->arena, &tags, &n,
                                  c->o->max_tags, &e);
        if (rc == ST_ENOMEM) {
            st_error_free(e);
            return oom(err);
        }
        if (rc < 0) {
            if (bad++ < 3)
                st_buf_printf(&c->problems, "%stags of %s: %s",
                              c->problems.len ? "; " : "", repo, errmsg(e));
            st_error_free(e);
            continue;
        }
        c->tag_repos++;
        for (size_t j = 0; j < n; j++) {
            tagent *t;
            if (!valid_tag(tags[j]))
                continue;
            if (!(t = st_arena_alloc(c->arena, sizeof(*t))) ||
                st_vec_push(&c->tags, t) < 0)
                return oom(err);
            t->repo = repo;
            t->tag = tags[j];
            t->digest = tag_digest(c, r, repo, tags[j], &e);
            if (!t->digest && st_error_code(e) == ST_ENOMEM) {
                st_error_free(e);
                return oom(err);
            }
            if (!t->digest && bad++ < 3)
                st_buf_printf(&c->problems, "%s%s:%s: %s",
                              c->problems.len ? "; " : "", repo, tags[j],
                              errmsg(e));
            st_error_free(e);
            e = NULL;
        }
    }
    if (bad > 3)
        st_buf_printf(&c->problems, " (and %zu more)", bad - 3);
    return 0;
}

/* ---- access control --------------------------------------------------------- */

static int check_pull(ctx *c, st_error **err)
{
    st_buf ev = ST_BUF_INIT(TEXT_MAX);
    size_t tried = 0, pulled = 0, failed = 0;
    const char *last_repo = NULL;
    int rc = 0;

    for (size_t i = 0; i < c->tags.len && tried < PULL_TRIES; i++) {
        const tagent *t = c->tags.items[i];
        char path[600], scope[400];
        st_reg_response resp;
        st_error *e = NULL;
        if (last_repo && !strcmp(last_repo, t->repo))
            continue; /* one tag per repository */
        last_repo = t->repo;
        tried++;
        snprintf(path, sizeof(path), "/v2/%s/manifests/%s", t->repo, t->tag);
        snprintf(scope, sizeof(scope), "repository:%s:pull", t->repo);
        st_buf_puts(&ev, tried > 1 ? "; " : "anonymous GET ");
        if (do_req(c->anon, "GET", path, scope, st_reg_manifest_accept,
                   &resp, &e) < 0) {
            failed++;
            st_buf_printf(&ev, "%s: %s", path, errmsg(e));
        } else {
            pulled += resp.status == 200;
            st_buf_printf(&ev, "%s: %ld %s", path, resp.status,
                          status_text(resp.status));
        }
        st_reg_response_release(&resp);
        st_error_free(e);
    }
    if (!tried) {
        ST_CHECK(set(c, C_PULL, ST_HOST_SKIP, err, "%s",
                     c->repos_from ? "no tagged image in the catalog to try"
                                   : c->no_repos));
        goto done;
    }
    st_buf_printf(&ev, " (repositories from %s)", c->repos_from);
    if (pulled)
        ST_CHECK(set(c, C_PULL, ST_HOST_FAIL, err,
                     "%zu of %zu image%s pulled without credentials: %s",
                     pulled, tried, tried == 1 ? "" : "s", ev.ptr));
    else if (failed)
        ST_CHECK(set(c, C_PULL, ST_HOST_WARN, err, "%s", ev.ptr));
    else
        ST_CHECK(set(c, C_PULL, ST_HOST_PASS, err, "%s", ev.ptr));
done:
    st_buf_release(&ev);
    return rc;
}

/* The upload Location as a path on this registry, or NULL when it points
 * anywhere else than the upload just started. */
static const char *upload_path(ctx *c, const char *loc, const char *repo)
{
    char prefix[400];
    const char *p = loc;
    if (!strncasecmp(p, "https://", 8) || !strncasecmp(p, "http://", 7)) {
        p = strstr(p, "://") + 3;
        if (strncasecmp(p, c->host, strlen(c->host)) ||
            p[strlen(c->host)] != '/')
            return NULL;
        p += strlen(c->host);
    }
    snprintf(prefix, sizeof(prefix), "/v2/%s/blobs/uploads/", repo);
    if (strncmp(p, prefix, strlen(prefix)) || !p[strlen(prefix)] ||
        strstr(p, "/../") || strchr(p, '#'))
        return NULL;
    return p;
}

static int check_push(ctx *c, st_error **err)
{
    const char *repo = c->o->push_repository ? c->o->push_repository
                                             : PUSH_REPO;
    char path[400], scope[400];
    st_reg_response resp, del;
    st_error *e = NULL;
    int rc = 0;

    resp_init(&resp);
    resp_init(&del);
    if (!c->o->active) {
        ST_CHECK(set(c, C_PUSH, ST_HOST_SKIP, err,
                     "not tried: run with --active to start an anonymous "
                     "blob upload in %s (cancelled at once)",
                     repo));
        goto done;
    }
    snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", repo);
    snprintf(scope, sizeof(scope), "repository:%s:pull,push", repo);
    if (do_req(c->anon, "POST", path, scope, NULL, &resp, &e) < 0) {
        if (st_error_code(e) == ST_ENOMEM) {
            rc = oom(err);
            goto done;
        }
        ST_CHECK(set(c, C_PUSH, ST_HOST_WARN, err,
                     "anonymous POST %s failed: %s", path, errmsg(e)));
    } else if (resp.status == 202) {
        const char *up = resp.location ? upload_path(c, resp.location, repo)
                                       : NULL;
        st_error *de = NULL;
        char code[64];
        if (!up) {
            ST_CHECK(set(c, C_PUSH, ST_HOST_FAIL, err,
                         "anonymous POST %s: 202 Accepted: anyone can push; "
                         "the upload could not be cancelled (Location %s is "
                         "not an upload of this registry): it expires with "
                         "the registry's upload purging",
                         path, resp.location ? resp.location : "missing"));
        } else if (do_req(c->anon, "DELETE", up, scope, NULL, &del, &de) < 0) {
            ST_CHECK(set(c, C_PUSH, ST_HOST_FAIL, err,
                         "anonymous POST %s: 202 Accepted: anyone can push; "
                         "cancelling the test upload failed (%s): it expires "
                         "with the registry's upload purging",
                         path, errmsg(de)));
        } else if (del.status == 204 || del.status == 200 ||
                   del.status == 202) {
            ST_CHECK(set(c, C_PUSH, ST_HOST_FAIL, err,
                         "anonymous POST %s: 202 Accepted: anyone can push; "
                         "the test upload was cancelled at once (DELETE: "
                         "%ld %s); no blob was stored",
                         path, del.status, status_text(del.status)));
        } else {
            ST_CHECK(set(c, C_PUSH, ST_HOST_FAIL, err,
                         "anonymous POST %s: 202 Accepted: anyone can push; "
                         "cancelling the test upload answered %ld%s: it "
                         "expires with the registry's upload purging",
                         path, del.status,
                         error_code(&del, code, sizeof(code))));
        }
        st_error_free(de);
    } else if (resp.status == 401 || resp.status == 403) {
        ST_CHECK(set(c, C_PUSH, ST_HOST_PASS, err,
                     "anonymous POST %s: %ld %s", path, resp.status,
                     status_text(resp.status)));
    } else {
        char code[64];
        ST_CHECK(set(c, C_PUSH, ST_HOST_PASS, err,
                     "anonymous POST %s: %ld %s%s: no upload started", path,
                     resp.status, status_text(resp.status),
                     error_code(&resp, code, sizeof(code))));
    }
done:
    st_reg_response_release(&resp);
    st_reg_response_release(&del);
    st_error_free(e);
    return rc;
}

static int check_delete(ctx *c, st_error **err)
{
    const char *repo = c->repos.len ? c->repos.items[0]
                       : c->o->push_repository ? c->o->push_repository
                                               : PUSH_REPO;
    char path[600], scope[400], code[64], acode[64];
    st_reg_response resp, aresp;
    st_error *e = NULL, *ae = NULL;
    int rc = 0;

    resp_init(&aresp);
    snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, zero_digest);
    snprintf(scope, sizeof(scope), "repository:%s:delete", repo);
    if (do_req(c->anon, "DELETE", path, scope, NULL, &resp, &e) < 0) {
        if (st_error_code(e) == ST_ENOMEM) {
            rc = oom(err);
            goto done;
        }
        ST_CHECK(set(c, C_DELETE, ST_HOST_WARN, err,
                     "anonymous DELETE %s failed: %s", path, errmsg(e)));
        goto done;
    }
    error_code(&resp, code, sizeof(code));
    if (resp.status == 405) {
        ST_CHECK(set(c, C_DELETE, ST_HOST_PASS, err,
                     "anonymous DELETE %s: 405%s: deletion is disabled", path,
                     code));
    } else if (resp.status == 404 || resp.status == 202) {
        ST_CHECK(set(c, C_DELETE, ST_HOST_FAIL, err,
                     "anonymous DELETE %s: %ld%s for a digest that cannot "
                     "exist: deletion is enabled, for anyone",
                     path, resp.status, code));
    } else if ((resp.status == 401 || resp.status == 403) && c->auth) {
        if (do_req(c->auth, "DELETE", path, scope, NULL, &aresp, &ae) < 0)
            ST_CHECK(set(c, C_DELETE, ST_HOST_WARN, err,
                         "anonymous DELETE %s: %ld; with credentials: %s",
                         path, resp.status, errmsg(ae)));
        else if (aresp.status == 405)
            ST_CHECK(set(c, C_DELETE, ST_HOST_PASS, err,
                         "DELETE %s with credentials: 405%s: deletion is "
                         "disabled (anonymous: %ld)",
                         path, error_code(&aresp, acode, sizeof(acode)),
                         resp.status));
        else if (aresp.status == 404 || aresp.status == 202)
            ST_CHECK(set(c, C_DELETE, ST_HOST_FAIL, err,
                         "DELETE %s with credentials: %ld%s for a digest "
                         "that cannot exist: deletion is enabled (anonymous: "
                         "%ld)",
                         path, aresp.status,
                         error_code(&aresp, acode, sizeof(acode)),
                         resp.status));
        else
            ST_CHECK(set(c, C_DELETE, ST_HOST_WARN, err,
                         "DELETE %s with credentials: %ld%s (anonymous: "
                         "%ld): cannot tell whether deletion is enabled",
                         path, aresp.status,
                         error_code(&aresp, acode, sizeof(acode)),
                         resp.status));
    } else if (resp.status == 401 || resp.status == 403) {
        ST_CHECK(set(c, C_DELETE, ST_HOST_SKIP, err,
                     "anonymous DELETE %s: %ld %s; whether users with "
                     "credentials may delete is unknown without them%s%s",
                     path, resp.status, status_text(resp.status),
                     c->auth_note ? ": " : "",
                     c->auth_note ? c->auth_note : ""));
    } else {
        ST_CHECK(set(c, C_DELETE, ST_HOST_WARN, err,
                     "anonymous DELETE %s: %ld%s: cannot tell whether "
                     "deletion is enabled",
                     path, resp.status, code));
    }
done:
    st_reg_response_release(&resp);
    st_reg_response_release(&aresp);
    st_error_free(e);
    st_error_free(ae);
    return rc;
}

/* ---- moved tags, images ------------------------------------------------------ */

static int state_path(ctx *c, const char **out, st_error **err)
{
    char *dir;
    st_buf b = ST_BUF_INIT(4096);
    int rc = 0;

    if (c->o->state_db) {
        *out = c->o->state_db;
        return 0;
    }
    if (!(dir = st_vulndb_default_dir()))
        return oom(err);
    /* mkdir -p, the way `strata db update` makes the DB directory */
    for (char *p = dir + 1;; p++) {
        char saved = *p;
        if (saved && saved != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", dir,
                              strerror(errno));
            *p = saved;
            goto done;
        }
        *p = saved;
        if (!saved)
            break;
    }
    if (st_buf_printf(&b, "%s/%s", dir, STATE_FILE) < 0 ||
        !(*out = st_arena_strdup(c->arena, b.ptr)))
        rc = oom(err);
done:
    st_free(dir);
    st_buf_release(&b);
    return rc;
}

static int check_moved(ctx *c, st_regstate *db, const char *db_path,
                       st_error **err)
{
    st_buf moved = ST_BUF_INIT(TEXT_MAX);
    st_regstate_tag *rec = NULL;
    size_t nmoved = 0, nnew = 0, nrec = 0, stored = 0;
    int64_t last = 0;
    char d1[32], d2[32];
    int rc = 0;

    if (!c->repos_from) {
        ST_CHECK(set(c, C_MOVED, ST_HOST_SKIP, err, "%s", c->no_repos));
        goto done;
    }
    ST_CHECK(st_regstate_last_audit(db, c->a->registry, &last, &stored, err));
    if (c->tags.len &&
        !(rec = st_calloc(c->tags.len, sizeof(*rec)))) {
        rc = oom(err);
        goto done;
    }
    for (size_t i = 0; i < c->tags.len; i++) {
        const tagent *t = c->tags.items[i];
        st_regstate_tag old;
        bool found;
        if (!t->digest)
            continue;
        ST_CHECK(st_regstate_get(db, c->a->registry, t->repo, t->tag,
                                 c->arena, &old, &found, err));
        if (!found) {
            nnew++;
        } else if (strcmp(old.digest, t->digest)) {
            if (nmoved++ < NAMED_MAX)
                st_buf_printf(&moved, "%s%s:%s %s -> %s (since %s)",
                              nmoved > 1 ? "; " : "", t->repo, t->tag,
                              old.digest, t->digest,
                              date(d1, old.first_seen));
        }
        rec[nrec].repository = t->repo;
        rec[nrec].tag = t->tag;
        rec[nrec].digest = t->digest;
        nrec++;
    }
    if (nmoved > NAMED_MAX)
        st_buf_printf(&moved, " and %zu more", nmoved - NAMED_MAX);
    {
        const char *sep = c->problems.len ? "; not read: " : "";
        if (!last)
            ST_CHECK(set(c, C_MOVED, ST_HOST_INFO, err,
                         "first audit of %s: baseline of %zu tag%s in %zu "
                         "repositor%s recorded in %s%s%s",
                         c->a->registry, nrec, nrec == 1 ? "" : "s",
                         c->tag_repos, c->tag_repos == 1 ? "y" : "ies",
                         db_path, sep, c->problems.ptr));
        else if (nmoved)
            ST_CHECK(set(c, C_MOVED, ST_HOST_FAIL, err,
                         "%zu tag%s moved since the audit of %s: %s%s%s",
                         nmoved, nmoved == 1 ? "" : "s", date(d2, last),
                         moved.ptr, sep, c->problems.ptr));
        else
            ST_CHECK(set(c, C_MOVED, ST_HOST_PASS, err,
                         "%zu tag%s in %zu repositor%s unchanged since the "
                         "audit of %s (%zu new)%s%s",
                         nrec - nnew, nrec - nnew == 1 ? "" : "s",
                         c->tag_repos, c->tag_repos == 1 ? "y" : "ies",
                         date(d2, last), nnew, sep, c->problems.ptr));
    }
    ST_CHECK(st_regstate_record(db, c->a->registry, rec, nrec, c->now, err));
done:
    st_free(rec);
    st_buf_release(&moved);
    return rc;
}

/* The images a caller may scan: one reference per distinct digest. */
static int collect_images(ctx *c, st_error **err)
{
    st_map *seen = st_map_new();
    int rc = 0;

    if (!seen)
        return oom(err);
    for (size_t i = 0; i < c->tags.len; i++) {
        const tagent *t = c->tags.items[i];
        void **slot;
        bool created;
        char *ref;
        if (!t->digest)
            continue;
        if (st_map_slot(seen, t->digest, strlen(t->digest), &slot,
                        &created) < 0) {
            rc = oom(err);
            break;
        }
        if (!created)
            continue;
        *slot = (void *)t;
        if (!(ref = st_arena_printf(c->arena, "%s/%s:%s", c->a->registry,
                                    t->repo, t->tag)) ||
            st_vec_push(&c->a->images, ref) < 0) {
            rc = oom(err);
            break;
        }
    }
    st_map_free(seen);
    if (rc == 0 && c->a->images.len)
        rc = set(c, C_CRITICAL, ST_HOST_SKIP, err,
                 "%zu image%s not scanned: run with --scan (needs a "
                 "vulnerability DB: strata db update)",
                 c->a->images.len, c->a->images.len == 1 ? "" : "s");
    else if (rc == 0)
        rc = set(c, C_CRITICAL, ST_HOST_SKIP, err, "%s",
                 c->repos_from ? "no tagged image in the catalog"
                               : c->no_repos);
    return rc;
}

/* ---- the API ---------------------------------------------------------------- */

static st_registry_audit *audit_new(void)
{
    st_registry_audit *a = st_calloc(1, sizeof(*a));
    if (!a || !(a->arena = st_arena_new())) {
        st_free(a);
        return NULL;
    }
    for (int i = 0; i < C_COUNT; i++) {
        st_host_result *r = &a->res[i];
        r->id = defs[i].id;
        r->cis = NULL;
        r->section = "registry";
        r->title = defs[i].title;
        r->rationale = defs[i].rationale;
        r->remediation = defs[i].remediation;
        r->severity = defs[i].severity;
        r->status = ST_HOST_NOT_RUN;
        r->evidence = "";
        a->list[i] = r;
    }
    return a;
}

int st_registry_audit_run(st_registry_audit **out, const char *url,
                          const st_registry_audit_options *opts,
                          st_error **err)
{
    st_registry_audit_options o = ST_REGISTRY_AUDIT_OPTIONS_INIT;
    st_regstate *db = NULL;
    const char *db_path = NULL;
    ctx c;
    int rc = 0;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    st_buf_init(&c.problems, TEXT_MAX);
    if (opts) {
        if (opts->version != ST_REGISTRY_AUDIT_OPTIONS_VERSION)
            return st_error_set(err, ST_EUSAGE, MODULE,
                                "registry audit options version %u, "
                                "expected %u",
                                opts->version,
                                ST_REGISTRY_AUDIT_OPTIONS_VERSION);
        o = *opts;
    }
    if (!url || (!o.username) != (!o.password) ||
        (o.insecure_count && !o.insecure))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "registry audit: a URL is required, and a "
                            "username goes with a password");
    if (!o.max_repositories)
        o.max_repositories = 100;
    if (!o.max_tags)
        o.max_tags = 100;
    if (o.push_repository && !valid_repo(o.push_repository))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "push repository \"%s\": not a repository name",
                            o.push_repository);
    c.o = &o;
    c.now = (int64_t)time(NULL);
    if (!(c.a = audit_new()))
        return oom(err);
    c.arena = c.a->arena;

    ST_CHECK(parse_target(&c, url, err));
    c.a->registry = c.host;
    /* The state DB first: a DB that cannot be written is an error before
     * anything is sent. */
    ST_CHECK(state_path(&c, &db_path, err));
    if ((rc = st_regstate_open(&db, db_path, err)) < 0) {
        st_error_wrap(err, "registry audit state");
        goto done;
    }
    ST_CHECK(check_transport(&c, err));
    ST_CHECK(open_clients(&c, err));
    ST_CHECK(check_catalog(&c, err));
    ST_CHECK(list_tags(&c, err));
    ST_CHECK(check_pull(&c, err));
    ST_CHECK(check_push(&c, err));
    ST_CHECK(check_delete(&c, err));
    ST_CHECK(check_moved(&c, db, db_path, err));
    ST_CHECK(collect_images(&c, err));
    *out = c.a;
    c.a = NULL;
done:
    st_regstate_close(db);
    st_reg_free(c.anon);
    st_reg_free(c.auth);
    st_vec_release(&c.repos);
    st_vec_release(&c.tags);
    st_buf_release(&c.problems);
    st_registry_audit_free(c.a);
    return rc;
}

size_t st_registry_audit_image_count(const st_registry_audit *a)
{
    return a ? a->images.len : 0;
}

const char *st_registry_audit_image(const st_registry_audit *a, size_t i)
{
    return a && i < a->images.len ? a->images.items[i] : NULL;
}

/* Rewrites the critical-images outcome from every scan recorded. */
static int critical_outcome(st_registry_audit *a)
{
    st_buf crit = ST_BUF_INIT(TEXT_MAX), errs = ST_BUF_INIT(TEXT_MAX);
    size_t ncrit = 0, nerr = 0, high = 0, n = a->scans.len;
    st_host_result *r = &a->res[C_CRITICAL];
    const char *ev;

    for (size_t i = 0; i < n; i++) {
        const scan_entry *s = a->scans.items[i];
        if (s->error) {
            if (nerr++ < NAMED_MAX)
                st_buf_printf(&errs, "%s%s: %s", nerr > 1 ? "; " : "",
                              s->image, s->error);
        } else if (s->critical) {
            if (ncrit++ < NAMED_MAX)
                st_buf_printf(&crit, "%s%s (%zu critical, %zu high)",
                              ncrit > 1 ? "; " : "", s->image, s->critical,
                              s->high);
        } else {
            high += s->high;
        }
    }
    if (ncrit > NAMED_MAX)
        st_buf_printf(&crit, " and %zu more", ncrit - NAMED_MAX);
    if (nerr > NAMED_MAX)
        st_buf_printf(&errs, " and %zu more", nerr - NAMED_MAX);
    if (ncrit) {
        r->status = ST_HOST_FAIL;
        ev = st_arena_printf(a->arena,
                             "%zu of %zu image%s scanned ha%s critical "
                             "findings: %s%s%s",
                             ncrit, n, n == 1 ? "" : "s",
                             ncrit == 1 ? "s" : "ve", crit.ptr,
                             nerr ? "; not scanned: " : "", errs.ptr);
    } else if (nerr) {
        r->status = ST_HOST_WARN;
        ev = st_arena_printf(a->arena,
                             "%zu image%s scanned, none with critical "
                             "findings; %zu could not be scanned: %s",
                             n - nerr, n - nerr == 1 ? "" : "s", nerr,
                             errs.ptr);
    } else {
        r->status = ST_HOST_PASS;
        ev = st_arena_printf(a->arena,
                             "%zu image%s scanned, none with critical "
                             "findings (%zu high in all)",
                             n, n == 1 ? "" : "s", high);
    }
    st_buf_release(&crit);
    st_buf_release(&errs);
    if (!ev)
        return ST_ENOMEM;
    r->evidence = ev;
    return 0;
}

int st_registry_audit_add_scan(st_registry_audit *a, const char *image,
                               size_t critical, size_t high,
                               const char *error)
{
    scan_entry *s;
    if (!a || !image)
        return ST_EUSAGE;
    if (!(s = st_arena_alloc(a->arena, sizeof(*s))) ||
        !(s->image = st_arena_strdup(a->arena, image)) ||
        (error && !(s->error = st_arena_strdup(a->arena, error))) ||
        st_vec_push(&a->scans, s) < 0)
        return ST_ENOMEM;
    s->critical = critical;
    s->high = high;
    return critical_outcome(a);
}

size_t st_registry_audit_count(const st_registry_audit *a)
{
    return a ? C_COUNT : 0;
}

const st_host_result *st_registry_audit_get(const st_registry_audit *a,
                                            size_t i)
{
    return a && i < C_COUNT ? &a->res[i] : NULL;
}

int st_registry_audit_write(FILE *f, const st_registry_audit *a,
                            st_host_format fmt, st_error **err)
{
    if (!a)
        return st_error_set(err, ST_EUSAGE, MODULE, "no audit to write");
    return st_audit_write(f, a->list, C_COUNT, fmt, "registry", err);
}

void st_registry_audit_free(st_registry_audit *a)
{
    if (!a)
        return;
    st_vec_release(&a->images);
    st_vec_release(&a->scans);
    st_arena_free(a->arena);
    st_free(a);
}
