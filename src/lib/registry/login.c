/* `strata registry login`: check the credentials against the registry,
 * then store them in the docker config as `docker login` does. */
#include <string.h>
#include <strings.h>

#include "registry/registry.h"
#include "strata/registry.h"
#include "util/json.h"
#include "util/banned.h"

#define MODULE "registry"
#define HOST_MAX 300

/* "https://Reg.example:5000/" -> "reg.example:5000"; the hub's names
 * become "docker.io" (stored under docker's own key by st_creds_store)
 * and are reached at registry-1.docker.io. */
static int parse_registry(const char *in, char *host, size_t n,
                          const char **connect_to, st_error **err)
{
    const char *p = in;
    size_t len;

    if (!strncasecmp(p, "https://", 8))
        p += 8;
    else if (!strncasecmp(p, "http://", 7))
        p += 7;
    len = strcspn(p, "/?#");
    if (memchr(p, '@', len))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: credentials in the registry address are "
                            "refused (use --username and --password-stdin)",
                            in);
    if (!len || len >= n ||
        strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789.-:[]") < len ||
        (p[len] == '/' && p[len + 1] && strncmp(p + len, "/v1/", 4) &&
         strncmp(p + len, "/v2/", 4)))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: not a registry host[:port]", in);
    for (size_t i = 0; i < len; i++)
        host[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    host[len] = 0;
    if (!strcmp(host, "index.docker.io") ||
        !strcmp(host, "registry-1.docker.io"))
        snprintf(host, n, "docker.io");
    *connect_to = !strcmp(host, "docker.io") ? "registry-1.docker.io" : host;
    return 0;
}

int st_registry_login(const char *registry, const char *username,
                      const char *password, const char *docker_config,
                      const char *const *insecure, size_t insecure_count,
                      const char *ca_file, st_error **err)
{
    char host[HOST_MAX];
    const char *connect_to = NULL;
    st_reg_config cfg;
    st_reg_request req;
    st_reg_response resp;
    st_reg *r = NULL;
    st_error *e = NULL;
    int rc = 0;

    memset(&resp, 0, sizeof(resp));
    if (!registry || !username || !*username || !password || !*password ||
        strchr(username, ':') || (insecure_count && !insecure))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "login needs a registry, a user name without ':' "
                            "and a password");
    ST_CHECK(parse_registry(registry, host, sizeof(host), &connect_to, err));

    memset(&cfg, 0, sizeof(cfg));
    cfg.insecure = insecure;
    cfg.insecure_count = insecure_count;
    cfg.ca_file = ca_file;
    cfg.docker_config = docker_config;
    cfg.username = username;
    cfg.password = password;
    cfg.tries = 2;
    memset(&req, 0, sizeof(req));
    req.path = "/v2/";
    req.max_bytes = 65536;
    /* /v2/ answers 200 only once the credentials were accepted: Basic
     * directly, Bearer through a token the realm issued for them. */
    if ((rc = st_reg_open(&r, connect_to, &cfg, &e)) < 0 ||
        (rc = st_reg_do(r, &req, &resp, &e)) < 0) {
        rc = st_error_set(err, rc == ST_ENOMEM ? ST_ENOMEM : ST_EIO, MODULE,
                          "%s: login failed: %s", host, st_error_message(e));
        goto done;
    }
    if (resp.status != 200) {
        char why[400];
        json_t *doc = NULL, *errs, *e0;
        const char *msg = NULL;
        if (resp.body.len &&
            st_json_load(&doc, resp.body.ptr, resp.body.len, "error", NULL) ==
                0 &&
            (errs = st_json_arr(doc, "errors")) &&
            (e0 = json_array_get(errs, 0)))
            msg = st_json_str(e0, "message");
        snprintf(why, sizeof(why), "/v2/ answered %ld%s%.200s%s", resp.status,
                 resp.status == 401   ? " (credentials refused)"
                 : resp.status == 403 ? " (access denied)"
                                      : "",
                 msg ? ": " : "", msg ? msg : "");
        json_decref(doc);
        rc = st_error_set(err, ST_EIO, MODULE, "%s: login failed: %s", host,
                          why);
        goto done;
    }
    rc = st_creds_store(host, docker_config, username, password, err);
done:
    st_reg_response_release(&resp);
    st_reg_free(r);
    st_error_free(e);
    return rc;
}
