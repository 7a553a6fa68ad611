/* Registry credentials: the environment, the docker config's credHelpers,
 * auths and credsStore (docker-credential-* helpers: "get" with the server
 * URL on stdin, a JSON answer on stdout), and storing a login. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "registry/registry_int.h"
#include "util/json.h"
#include "util/banned.h"

#define MODULE             ST_REG_MODULE
#define CONFIG_MAX         (4u << 20)
#define HELPER_OUT_MAX     65536
#define HELPER_TIMEOUT_MS  5000
#define HUB_KEY            "https://index.docker.io/v1/"
#define TEXT_MAX           65536

extern char **environ;

/* ---- base64 ---------------------------------------------------------------- */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *st_reg__b64encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t olen = (n + 2) / 3 * 4;
    char *out = st_malloc(olen + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = b64chars[(v >> 18) & 63];
        *o++ = b64chars[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? b64chars[v & 63] : '=';
    }
    *o = 0;
    return out;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64chars, c) : NULL;
    return p ? (int)(p - b64chars) : -1;
}

int st_reg__b64decode(const char *s, char **out, size_t *len_out)
{
    size_t n = strlen(s), pad = 0;
    unsigned acc = 0;
    int bits = 0;
    char *buf, *o;

    *out = NULL;
    while (n > 0 && s[n - 1] == '=' && pad < 2)
        n--, pad++;
    if ((pad && (n + pad) % 4) || n % 4 == 1)
        return ST_EINVALID;
    if (!(buf = st_malloc(n / 4 * 3 + 3)))
        return ST_ENOMEM;
    o = buf;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0) {
            st_free(buf);
            return ST_EINVALID;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (char)((acc >> bits) & 0xff);
        }
    }
    *o = 0;
    if (len_out)
        *len_out = (size_t)(o - buf);
    *out = buf;
    return 0;
}

/* ---- the config file ------------------------------------------------------ */

static int config_path(st_buf *out, const char *docker_config)
{
    const char *d;
    if (docker_config)
        return st_buf_puts(out, docker_config);
    if ((d = getenv("DOCKER_CONFIG")) && *d)
        return st_buf_printf(out, "%s/config.json", d);
    if ((d = getenv("HOME")) && *d)
        return st_buf_printf(out, "%s/.docker/config.json", d);
    return ST_ENOTFOUND;
}

/* "https://host:5000/v1/" -> "host:5000", the way docker compares keys. */
static size_t key_host(const char *key, const char **start)
{
    if (!strncmp(key, "https://", 8))
        key += 8;
    else if (!strncmp(key, "http://", 7))
        key += 7;
    *start = key;
    return strcspn(key, "/");
}

static bool is_hub(const char *h, size_t n)
{
    static const char *const names[] = {"docker.io", "index.docker.io",
                                        "registry-1.docker.io"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && !memcmp(h, names[i], n))
            return true;
    return false;
}

static bool key_matches(const char *key, const char *registry)
{
    const char *h;
    size_t n = key_host(key, &h);
    size_t rl = strlen(registry);
    if (n == rl && !memcmp(h, registry, n))
        return true;
    return is_hub(registry, rl) && is_hub(h, n);
}

/* The member of obj whose key names the registry: an exact key first. */
static json_t *lookup(json_t *obj, const char *registry, const char **key_out)
{
    const char *k;
    json_t *v;
    if (!json_is_object(obj))
        return NULL;
    if ((v = json_object_get(obj, registry))) {
        if (key_out)
            *key_out = registry;
        return v;
    }
    json_object_foreach(obj, k, v)
    {
        if (key_matches(k, registry)) {
            if (key_out)
                *key_out = k;
            return v;
        }
    }
    return NULL;
}

/* ---- credential helpers ------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool valid_helper_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              *s == '.'))
            return false;
    return true;
}

/* Writes all of data to a pipe without letting SIGPIPE kill the process
 * when the helper exits without reading. */
static int write_pipe(int fd, const char *data, size_t n)
{
    sigset_t pipe_set, old, pending;
    bool was_pending;
    int rc = 0;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = -1;
            break;
        }
        data += w;
        n -= (size_t)w;
    }
    if (rc < 0 && errno == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Runs "docker-credential-<helper> get" with `server` on stdin. */
static int run_helper(const char *helper, const char *server, st_creds *out,
                      st_error **err)
{
    char prog[128];
    char *argv[3];
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    bool fa_ok = false;
    pid_t pid = -1;
    int status = 0, rc = 0, e;
    st_buf text = ST_BUF_INIT(HELPER_OUT_MAX);
    st_buf line = ST_BUF_INIT(TEXT_MAX);
    json_t *j = NULL;
    int64_t deadline = now_ms() + HELPER_TIMEOUT_MS;
    bool timed_out = false, too_long = false;

    if (!valid_helper_name(helper))
        return st_error_set(err, ST_EINVALID, MODULE,
                            "credential helper name \"%.64s\" is not valid",
                            helper);
    snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
    argv[0] = prog;
    argv[1] = (char *)"get";
    argv[2] = NULL;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: pipe: %s", prog,
                          strerror(errno));
        goto done;
    }
    if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    fa_ok = true;
    if (posix_spawn_file_actions_adddup2(&fa, in[0], 0) ||
        posix_spawn_file_actions_adddup2(&fa, outp[1], 1) ||
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    if ((e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ)) != 0) {
        pid = -1;
        rc = st_error_set(err, ST_EIO, MODULE,
                          "credential helper %s: %s (named in the docker "
                          "config)",
                          prog, strerror(e));
        goto done;
    }
    close(in[0]);
    close(outp[1]);
    in[0] = outp[1] = -1;

    if (st_buf_printf(&line, "%s\n", server) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    (void)write_pipe(in[1], line.ptr, line.len);
    close(in[1]);
    in[1] = -1;

    for (;;) {
        char chunk[4096];
        struct pollfd pfd = {outp[0], POLLIN, 0};
        int64_t left = deadline - now_ms();
        ssize_t got;
        int pr;
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            timed_out = pr == 0;
            break;
        }
        got = read(outp[0], chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (st_buf_put(&text, chunk, (size_t)got) < 0) {
            too_long = true;
            break;
        }
    }
    close(outp[0]);
    outp[0] = -1;
    /* The helper has until the deadline to exit, then it is killed (under
     * done). */
    while (!timed_out && !too_long) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) {
            pid = -1;
            break;
        }
        if (now_ms() >= deadline) {
            timed_out = true;
            break;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }

    if (timed_out) {
        rc = st_error_set(err, ST_EIO, MODULE,
                          "credential helper %s: no answer within %d s", prog,
                          HELPER_TIMEOUT_MS / 1000);
        goto done;
    }
    if (too_long) {
        rc = st_error_set(err, ST_ELIMIT, MODULE,
                          "credential helper %s: answer longer than %u bytes",
                          prog, HELPER_OUT_MAX);
        goto done;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        size_t l = strcspn(text.ptr, "\r\n");
        if (strstr(text.ptr, "credentials not found"))
            goto done; /* the protocol's way of saying "none" */
        rc = st_error_set(err, ST_EIO, MODULE,
                          "credential helper %s failed (%s %d)%s%.*s", prog,
                          WIFEXITED(status) ? "exit" : "signal",
                          WIFEXITED(status) ? WEXITSTATUS(status)
                                            : WTERMSIG(status),
                          l ? ": " : "", (int)(l > 200 ? 200 : l), text.ptr);
        goto done;
    }
    {
        const char *u, *s;
        json_error_t je;
        j = json_loadb(text.ptr, text.len, 0, &je);
        u = st_json_str(j, "Username");
        s = st_json_str(j, "Secret");
        if (!j || !s) {
            rc = st_error_set(err, ST_EINVALID, MODULE,
                              "credential helper %s: answer is not "
                              "{\"Username\":…,\"Secret\":…}",
                              prog);
            goto done;
        }
        out->identity_token = u && !strcmp(u, "<token>");
        out->username = st_strdup(u ? u : "");
        out->secret = st_strdup(s);
        if (!out->username || !out->secret) {
            st_creds_release(out);
            rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        }
    }
done:
    if (pid > 0) {
        kill(pid, SIGKILL);
        (void)waitpid(pid, &status, 0);
    }
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (outp[i] >= 0)
            close(outp[i]);
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    json_decref(j);
    st_buf_release(&text);
    st_buf_release(&line);
    return rc;
}

/* ---- lookup --------------------------------------------------------------- */

void st_creds_release(st_creds *c)
{
    if (!c)
        return;
    if (c->secret)
        explicit_bzero(c->secret, strlen(c->secret));
    st_free(c->username);
    st_free(c->secret);
    memset(c, 0, sizeof(*c));
}

static int set_creds(st_creds *out, const char *user, const char *secret,
                     bool identity, st_error **err)
{
    out->username = st_strdup(user);
    out->secret = st_strdup(secret);
    out->identity_token = identity;
    if (!out->username || !out->secret) {
        st_creds_release(out);
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    }
    return 0;
}

/* auths[key]: {"auth": base64("user:password")}, {"identitytoken": …} or
 * {"username": …, "password": …}. 1 when found. */
static int from_auths(st_creds *out, json_t *entry, const char *path,
                      const char *key, st_error **err)
{
    const char *auth = st_json_str(entry, "auth");
    const char *idt = st_json_str(entry, "identitytoken");
    const char *u = st_json_str(entry, "username");
    const char *p = st_json_str(entry, "password");
    char *dec = NULL, *colon;
    int rc;

    if (idt && *idt) {
        rc = set_creds(out, "<token>", idt, true, err);
        return rc < 0 ? rc : 1;
    }
    if (auth && *auth) {
        if (st_reg__b64decode(auth, &dec, NULL) < 0 ||
            !(colon = strchr(dec, ':'))) {
            st_free(dec);
            return st_error_set(err, ST_EINVALID, MODULE,
                                "%s: auths[\"%.200s\"].auth is not "
                                "base64 of \"user:password\"",
                                path, key);
        }
        *colon = 0;
        rc = set_creds(out, dec, colon + 1, false, err);
        explicit_bzero(colon + 1, strlen(colon + 1));
        st_free(dec);
        return rc < 0 ? rc : 1;
    }
    if (u && p && *u) {
        rc = set_creds(out, u, p, false, err);
        return rc < 0 ? rc : 1;
    }
    return 0;
}

int st_creds_lookup(st_creds *out, const char *registry,
                    const char *docker_config, st_error **err)
{
    st_buf path = ST_BUF_INIT(TEXT_MAX);
    st_buf data = ST_BUF_INIT(CONFIG_MAX);
    st_error *e = NULL;
    json_t *root = NULL, *v;
    const char *user, *pass, *key = NULL, *helper;
    bool hub;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!registry || !*registry)
        return st_error_set(err, ST_EUSAGE, MODULE, "no registry named");
    hub = is_hub(registry, strlen(registry));

    user = getenv("STRATA_REGISTRY_USERNAME");
    pass = getenv("STRATA_REGISTRY_PASSWORD");
    if (user && *user && pass)
        return set_creds(out, user, pass, false, err);

    if ((rc = config_path(&path, docker_config)) < 0) {
        rc = rc == ST_ENOTFOUND ? 0 : st_error_set(err, rc, MODULE, "%s",
                                                   st_strerror(rc));
        goto done;
    }
    rc = st_read_file(&data, path.ptr, CONFIG_MAX, &e);
    if (rc == ST_ENOTFOUND) {
        rc = 0; /* no config: no credentials */
        goto done;
    }
    if (rc < 0) {
        rc = st_error_set(err, rc, MODULE, "%s: %s", path.ptr,
                          st_error_message(e));
        goto done;
    }
    if (st_json_load(&root, data.ptr, data.len, path.ptr, &e) < 0 ||
        !json_is_object(root)) {
        if (e)
            rc = st_error_set(err, ST_EINVALID, MODULE, "%s",
                              st_error_message(e));
        else
            rc = st_error_set(err, ST_EINVALID, MODULE,
                              "%s: not a JSON object", path.ptr);
        goto done;
    }

    /* 2. credHelpers */
    v = lookup(st_json_obj(root, "credHelpers"), registry, &key);
    if (json_is_string(v)) {
        rc = run_helper(json_string_value(v), hub ? HUB_KEY : registry, out,
                        err);
        goto done;
    }
    /* 3. auths */
    v = lookup(st_json_obj(root, "auths"), registry, &key);
    if (v) {
        rc = from_auths(out, v, path.ptr, key, err);
        if (rc != 0) {
            rc = rc > 0 ? 0 : rc;
            goto done;
        }
    }
    /* 4. credsStore, asked with the key it was stored under */
    helper = st_json_str(root, "credsStore");
    if (helper && *helper)
        rc = run_helper(helper, key ? key : hub ? HUB_KEY : registry, out,
                        err);
done:
    json_decref(root);
    st_error_free(e);
    explicit_bzero(data.ptr, data.len);
    st_buf_release(&data);
    st_buf_release(&path);
    return rc;
}

/* ---- storing a login -------------------------------------------------------- */

static int mkdirs(char *path, mode_t mode)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(path, mode) < 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int st_creds_store(const char *registry, const char *docker_config,
                   const char *username, const char *password,
                   st_error **err)
{
    st_buf path = ST_BUF_INIT(TEXT_MAX), tmp = ST_BUF_INIT(TEXT_MAX);
    st_buf data = ST_BUF_INIT(CONFIG_MAX), pair = ST_BUF_INIT(TEXT_MAX);
    st_error *e = NULL;
    json_t *root = NULL, *auths, *entry = NULL;
    char *b64 = NULL, *text = NULL, *dir = NULL, *slash;
    const char *key;
    int fd = -1, rc = 0;

    if (!registry || !*registry || !username || !password ||
        strchr(username, ':'))
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "login needs a registry, a user name without "
                            "':' and a password");
    key = is_hub(registry, strlen(registry)) ? HUB_KEY : registry;
    if (config_path(&path, docker_config) < 0) {
        rc = st_error_set(err, ST_EUSAGE, MODULE,
                          "no docker config path: set DOCKER_CONFIG or HOME");
        goto done;
    }
    rc = st_read_file(&data, path.ptr, CONFIG_MAX, &e);
    if (rc == ST_ENOTFOUND) {
        root = json_object();
        rc = 0;
    } else if (rc < 0) {
        rc = st_error_set(err, rc, MODULE, "%s: %s", path.ptr,
                          st_error_message(e));
        goto done;
    } else if (st_json_load(&root, data.ptr, data.len, path.ptr, &e) < 0 ||
               !json_is_object(root)) {
        rc = st_error_set(err, ST_EINVALID, MODULE, "%s%s",
                          e ? st_error_message(e) : path.ptr,
                          e ? "" : ": not a JSON object");
        goto done;
    }
    if (!root)
        goto oom;
    auths = json_object_get(root, "auths");
    if (!auths) {
        if (!(auths = json_object()) || json_object_set_new(root, "auths", auths))
            goto oom;
    } else if (!json_is_object(auths)) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "%s: \"auths\" is not an object", path.ptr);
        goto done;
    }
    if (st_buf_printf(&pair, "%s:%s", username, password) < 0 ||
        !(b64 = st_reg__b64encode(pair.ptr, pair.len)) ||
        !(entry = json_object()) ||
        json_object_set_new(entry, "auth", json_string(b64)) ||
        json_object_set(auths, key, entry))
        goto oom;
    if (!(text = json_dumps(root, JSON_INDENT(1))))
        goto oom;

    if (!(dir = st_strdup(path.ptr)))
        goto oom;
    if ((slash = strrchr(dir, '/')) && slash != dir) {
        *slash = 0;
        if (mkdirs(dir, 0700) < 0) {
            rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", dir,
                              strerror(errno));
            goto done;
        }
    }
    if (st_buf_printf(&tmp, "%s.XXXXXX", path.ptr) < 0)
        goto oom;
    if ((fd = mkostemp(tmp.ptr, O_CLOEXEC)) < 0 || fchmod(fd, 0600) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", tmp.ptr,
                          strerror(errno));
        goto done;
    }
    {
        size_t n = strlen(text), off = 0;
        while (off < n) {
            ssize_t w = write(fd, text + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", tmp.ptr,
                                  strerror(errno));
                goto done;
            }
            off += (size_t)w;
        }
    }
    if (write(fd, "\n", 1) != 1 || fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", tmp.ptr,
                          strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp.ptr, path.ptr) < 0) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", path.ptr,
                          strerror(errno));
        goto done;
    }
    st_buf_reset(&tmp);
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
done:
    if (fd >= 0)
        close(fd);
    if (tmp.len)
        (void)unlink(tmp.ptr);
    if (text) {
        explicit_bzero(text, strlen(text));
        free(text);
    }
    if (b64)
        explicit_bzero(b64, strlen(b64));
    st_free(b64);
    json_decref(entry);
    json_decref(root);
    st_error_free(e);
    explicit_bzero(pair.ptr, pair.len);
    explicit_bzero(data.ptr, data.len);
    st_buf_release(&pair);
    st_buf_release(&data);
    st_buf_release(&path);
    st_buf_release(&tmp);
    st_free(dir);
    return rc;
}
