/* The OCI distribution client: references, credentials, auth challenges,
 * requests with retries, manifests, small blobs and streamed layer blobs,
 * a content-addressed blob cache, cosign signatures.
 * Internal to libstrata; depends on util only (and libcurl, OpenSSL).
 *
 * Guarantees:
 * - TLS peers are verified unless the registry's host[:port] is named in
 *   cfg->insecure (then plain http is tried too, and certificates are not
 *   checked, as docker's insecure-registries does).
 * - Every manifest and blob handed out matches its digest; a blob that
 *   does not is an ST_EDIGEST error naming the digest ("tampered").
 * - Credentials are sent only to the registry they belong to: redirects to
 *   another host (blob storage) carry no Authorization header.
 * - 429, 5xx and transient network errors are retried with backoff
 *   (cfg->tries attempts, delay doubling from cfg->retry_delay_ms; a
 *   Retry-After header in seconds is honoured up to 30 s).
 */
#ifndef ST_REGISTRY_H
#define ST_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/util.h"

/* ---- references (ref.c) ----------------------------------------------- */

/* A parsed image reference, normalised as docker does:
 *   "debian"                  -> docker.io, library/debian, tag latest
 *   "ghcr.io/a/b:1@sha256:…"  -> ghcr.io, a/b, tag 1, digest
 *   "127.0.0.1:5000/x/y"      -> 127.0.0.1:5000, x/y, tag latest
 * The first component is a registry when it holds '.' or ':' or is
 * "localhost". Repository components are [a-z0-9]+ joined by '.', '_',
 * '__' or '-' runs; tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
typedef struct st_regref {
    char *registry;   /* as written: "docker.io", "127.0.0.1:5000" */
    char *host;       /* where to connect: "registry-1.docker.io" for
                         docker.io, else the same as registry */
    char *repository; /* "library/debian" */
    char *tag;        /* NULL when only a digest was given */
    char *digest;     /* "sha256:<64 hex>" or NULL */
} st_regref;

/* Parses `s` (a "docker://" prefix is accepted). ST_EINVALID names what is
 * wrong ("invalid reference \"x\": uppercase letters in repository"). */
int st_regref_parse(st_regref *out, const char *s, st_error **err);
void st_regref_release(st_regref *r);
/* "registry/repository[:tag][@digest]" into buf. */
void st_regref_format(const st_regref *r, char *buf, size_t n);

/* ---- WWW-Authenticate (auth.c) ------------------------------------------ */

typedef enum st_auth_scheme {
    ST_AUTH_NONE = 0,
    ST_AUTH_BASIC,
    ST_AUTH_BEARER
} st_auth_scheme;

/* One challenge: Bearer realm="…",service="…",scope="…" or Basic
 * realm="…". Strings are owned; release with st_auth_challenge_release. */
typedef struct st_auth_challenge {
    st_auth_scheme scheme;
    char *realm;
    char *service;
    char *scope;
    char *error; /* error="insufficient_scope" and the like */
} st_auth_challenge;

/* Parses a WWW-Authenticate header value (RFC 7235 auth-params, quoted
 * strings with backslash escapes, several challenges separated by commas:
 * the first Bearer wins, else the first Basic). ST_EINVALID on syntax
 * errors, ST_EUNSUPPORTED when no Basic or Bearer challenge is present. */
int st_auth_parse(const char *header, st_auth_challenge *out,
                  st_error **err);
void st_auth_challenge_release(st_auth_challenge *c);

/* ---- credentials (creds.c) ---------------------------------------------- */

typedef struct st_creds {
    char *username; /* "<token>" for identity tokens */
    char *secret;   /* password or identity token */
    bool identity_token; /* secret is an OAuth2 refresh token */
} st_creds;

/* Finds credentials for `registry` ("docker.io" matches the keys
 * "https://index.docker.io/v1/", "index.docker.io", "docker.io" and
 * "registry-1.docker.io"), in this order:
 *   1. STRATA_REGISTRY_USERNAME / STRATA_REGISTRY_PASSWORD in the
 *      environment (for every registry);
 *   2. credHelpers[registry] in the docker config, run as
 *      "docker-credential-<helper> get" with the server on stdin (a JSON
 *      answer {"Username":…,"Secret":…}; exit status and stdout bounded,
 *      5 s timeout);
 *   3. auths[registry].auth (base64 "user:password") or identitytoken;
 *   4. credsStore, through its helper.
 * `docker_config` is the config.json path; NULL means
 * $DOCKER_CONFIG/config.json, else ~/.docker/config.json. No credentials
 * is not an error: *out is zeroed and 0 returned. A malformed config is
 * ST_EINVALID naming the file. */
int st_creds_lookup(st_creds *out, const char *registry,
                    const char *docker_config, st_error **err);
void st_creds_release(st_creds *c);

/* Stores "user:password" for `registry` under auths in the docker config
 * (created 0600 with its directory 0700; other keys kept; written to a
 * temporary file and renamed), as `docker login` does without a
 * credsStore. */
int st_creds_store(const char *registry, const char *docker_config,
                   const char *username, const char *password,
                   st_error **err);

/* ---- the client (client.c) ---------------------------------------------- */

typedef struct st_reg_config {
    /* host[:port] names for which plain http and unverified TLS are
     * allowed ("127.0.0.1:5000"). */
    const char *const *insecure;
    size_t insecure_count;
    /* An extra CA bundle (PEM). /etc/docker/certs.d/<host>/ca.crt and
     * /etc/containers/certs.d/<host>/ca.crt are used too when present. */
    const char *ca_file;
    const char *docker_config; /* see st_creds_lookup */
    /* Explicit credentials (they win over everything else), or NULL. */
    const char *username;
    const char *password;
    /* Never send credentials (the registry audit's anonymous probes). */
    bool anonymous;
    /* Content-addressed cache of verified blobs: <dir>/blobs/sha256/<hex>;
     * NULL: none. */
    const char *cache_dir;
    unsigned tries;          /* [4] */
    unsigned retry_delay_ms; /* [500] */
    long connect_timeout_s;  /* [15] */
    long low_speed_time_s;   /* abort below 1 KiB/s for this long [30] */
} st_reg_config;

typedef struct st_reg st_reg;

/* A client for one registry host (as in st_regref.host). Nothing is sent
 * yet. The config and its strings are borrowed for the client's life; a
 * NULL config means all defaults. ST_EUSAGE for a host that is not
 * host[:port], ST_ENOTFOUND/ST_EIO for an unreadable cfg->ca_file.
 * Thread-safety: a client may be shared by threads. Its token cache,
 * credentials and scheme are locked; st_reg_do calls are serialised on
 * the client's one connection; every blob stream has its own. */
int st_reg_open(st_reg **out, const char *host, const st_reg_config *cfg,
                st_error **err);
void st_reg_free(st_reg *r);
/* "https://host" or "http://host" once a request has told which. */
const char *st_reg_base_url(const st_reg *r);

typedef struct st_reg_request {
    const char *method; /* "GET" when NULL; HEAD, DELETE, POST, PUT, PATCH */
    const char *path;   /* "/v2/…", or an absolute URL on the same host
                           (an upload Location) */
    /* The token scope to ask for on a Bearer challenge:
     * "repository:library/debian:pull", "registry:catalog:*"; NULL. */
    const char *scope;
    const char *accept;       /* an Accept header value, or NULL */
    const char *content_type; /* with a body */
    const void *body;
    size_t body_len;
    size_t max_bytes; /* a larger response body is ST_ELIMIT [4 MiB] */
    bool no_redirect; /* report 3xx as they are (the audit) */
} st_reg_request;

typedef struct st_reg_response {
    long status;
    st_buf body;
    char *content_type;
    char *docker_content_digest;
    char *location;
    char *www_authenticate; /* of the last 401, if any */
    char *link;             /* pagination (_catalog, tags/list) */
    /* TLS: protocol ("TLSv1.3") and the peer certificate's notAfter as
     * seconds since the epoch (0 when not https or unknown). */
    char tls_version[16];
    int64_t cert_not_after;
    bool authenticated; /* an Authorization header was sent */
} st_reg_response;

/* Sends a request: pings /v2/ first when the scheme is not known yet,
 * answers a 401 challenge once (Basic with the credentials, or a token
 * fetched from the Bearer realm for req->scope, anonymous when there are
 * no credentials) and retries transient failures. HTTP error statuses are
 * not errors here: the caller reads resp->status. Errors: ST_EIO (network,
 * TLS: "<host>: <curl's text>"), ST_ELIMIT, ST_ENOMEM; ST_EINVALID
 * when the docker config is malformed or the challenge cannot be parsed.
 * `resp` needs no initialisation; it is owned by the caller, who releases
 * it with st_reg_response_release (harmless after an error too). */
int st_reg_do(st_reg *r, const st_reg_request *req, st_reg_response *resp,
              st_error **err);
void st_reg_response_release(st_reg_response *resp);

/* The Accept header listing OCI and Docker v2 manifests and indexes. */
extern const char st_reg_manifest_accept[];

/* GETs a manifest or index by tag or digest. The body is verified: its
 * sha256 becomes *digest_out ("sha256:…"), which must equal `ref` when it
 * is a digest and the Docker-Content-Digest header when sent (ST_EDIGEST
 * otherwise). *media_type_out (owned) is the Content-Type, or NULL.
 * 404 is ST_ENOTFOUND ("<registry>/<repo>:<tag>: manifest unknown"), 401
 * and 403 are ST_EIO with the registry's message ("authentication
 * required: …; run strata registry login"). */
int st_reg_get_manifest(st_reg *r, const char *repo, const char *ref,
                        size_t max, st_buf *body, char **media_type_out,
                        char digest_out[72], st_error **err);

/* GETs a small blob whole (a config, a signature payload), verified
 * against `digest` and, when size >= 0, its size. ST_ELIMIT beyond max. */
int st_reg_get_blob(st_reg *r, const char *repo, const char *digest,
                    int64_t size, size_t max, st_buf *out, st_error **err);

/* Lists the tags of a repository (following Link pagination, at most
 * `max` tags) into `arena`. */
int st_reg_list_tags(st_reg *r, const char *repo, st_arena *arena,
                     const char ***tags_out, size_t *n_out, size_t max,
                     st_error **err);

/* ---- streamed blobs (stream.c) ------------------------------------------ */

/* A layer blob read sequentially while it downloads: no temporary file.
 * The transfer is driven by the reader (curl multi), at most a few MiB
 * are buffered. The stream counts and hashes what it hands out; reading
 * past the descriptor size, or a digest that does not match at the end,
 * is an error (ST_EDIGEST), so a stream that reaches 0 has been verified.
 * With a cache_dir the bytes are also written to a temporary file there,
 * renamed into place only when the digest matched. */
typedef struct st_blobstream st_blobstream;

/* Opening sends the request and waits for the response status: 404 is
 * ST_ENOTFOUND, 401/403 ST_EIO ("…; run strata registry login"), network
 * errors ST_EIO, all after retries. `size` is the descriptor's size (-1:
 * unknown). A verified copy in cfg->cache_dir is used instead of the
 * network. The stream borrows `r`, which must outlive it. */
int st_reg_open_blob(st_reg *r, const char *repo, const char *digest,
                     int64_t size, st_blobstream **out, st_error **err);
/* Up to n bytes; 0 at the verified end; negative ST_E* on error with a
 * one-line reason in why (ST_EDIGEST: "blob sha256:… does not match its
 * digest …: tampered or corrupt"; ST_EIO: network). Errors are sticky.
 * One thread at a time per stream, which need not be the thread that
 * opened it; streams of one client may be read by different threads. */
ssize_t st_blobstream_read(st_blobstream *s, void *buf, size_t n,
                           char *why, size_t whylen);
/* Closes the transfer; a temporary cache file of an unfinished or failed
 * blob is removed. NULL is allowed. */
void st_blobstream_close(st_blobstream *s);
/* True when the stream reads a verified copy from cfg->cache_dir (no
 * network). */
bool st_blobstream_cached(const st_blobstream *s);

/* The cached copy of a blob: an open fd (O_RDONLY) and its size, or -1
 * when absent. Cached files are trusted: only verified blobs get there. */
int st_blobcache_open(const char *cache_dir, const char *digest,
                      uint64_t *size_out);

/* ---- cosign signatures (cosign.c) --------------------------------------- */

typedef struct st_cosign_sig {
    bool valid;             /* verified with one of the keys */
    char *key;              /* the key file that verified it */
    char *signed_digest;    /* critical.image.docker-manifest-digest */
    char *identity;         /* critical.identity.docker-reference */
    char *annotations_json; /* the payload's "optional" object, or NULL */
    char *problem;          /* why it is not valid, or NULL */
} st_cosign_sig;

/* Checks one simple-signing payload and its base64 DER ECDSA signature
 * against PEM public keys (ECDSA P-256/SHA-256; RSA and Ed25519 keys are
 * accepted too). The payload's type must be "cosign container image
 * signature" and its manifest digest must equal `digest`. Fills *out;
 * returns 0 even when the signature is not valid (out->problem says why);
 * errors are for unreadable keys (ST_EINVALID naming the file). */
int st_cosign_check(const void *payload, size_t payload_len,
                    const char *sig_b64, const char *digest,
                    const char *const *key_files, size_t nkeys,
                    st_cosign_sig *out, st_error **err);

/* Fetches "<repo>:sha256-<hex>.sig" and checks every signature layer it
 * holds. No signature tag is not an error: *n_out is 0. */
int st_cosign_verify(st_reg *r, const char *repo, const char *digest,
                     const char *const *key_files, size_t nkeys,
                     st_cosign_sig **sigs_out, size_t *n_out,
                     st_error **err);
void st_cosign_sigs_free(st_cosign_sig *sigs, size_t n);

#endif
