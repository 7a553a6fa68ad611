/* The Docker daemon's configuration: daemon.json and the dockerd flags of
 * its systemd unit, merged as dockerd merges them — a directive set both
 * ways is a conflict that stops the daemon from starting, so it is one
 * here too. Flags are mapped onto daemon.json's keys so a probe asks one
 * object. */
#include <string.h>

#include "host/host_int.h"
#include "util/banned.h"
#include "util/json.h"

enum ftype { F_BOOL, F_STR, F_LIST, F_MAP };

static const struct flag {
    const char *lng;   /* without "--" */
    char shrt;         /* 0: none */
    const char *key;   /* daemon.json key */
    enum ftype type;
} flags[] = {
    {"host", 'H', "hosts", F_LIST},
    {"icc", 0, "icc", F_BOOL},
    {"iptables", 0, "iptables", F_BOOL},
    {"ip-forward", 0, "ip-forward", F_BOOL},
    {"insecure-registry", 0, "insecure-registries", F_LIST},
    {"storage-driver", 's', "storage-driver", F_STR},
    {"storage-opt", 0, "storage-opts", F_LIST},
    {"tls", 0, "tls", F_BOOL},
    {"tlsverify", 0, "tlsverify", F_BOOL},
    {"tlscacert", 0, "tlscacert", F_STR},
    {"tlscert", 0, "tlscert", F_STR},
    {"tlskey", 0, "tlskey", F_STR},
    {"default-ulimit", 0, "default-ulimits", F_MAP},
    {"userns-remap", 0, "userns-remap", F_STR},
    {"live-restore", 0, "live-restore", F_BOOL},
    {"userland-proxy", 0, "userland-proxy", F_BOOL},
    {"no-new-privileges", 0, "no-new-privileges", F_BOOL},
    {"seccomp-profile", 0, "seccomp-profile", F_STR},
    {"authorization-plugin", 0, "authorization-plugins", F_LIST},
    {"log-driver", 0, "log-driver", F_STR},
    {"log-opt", 0, "log-opts", F_MAP},
    {"log-level", 'l', "log-level", F_STR},
    {"experimental", 0, "experimental", F_BOOL},
    {"selinux-enabled", 0, "selinux-enabled", F_BOOL},
    {"data-root", 0, "data-root", F_STR},
    {"cgroup-parent", 0, "cgroup-parent", F_STR},
    {"rootless", 0, "rootless", F_BOOL},
    {"containerd", 0, "containerd", F_STR},
    {"config-file", 0, "config-file", F_STR},
};

static const struct flag *find_flag(const char *arg, const char **val)
{
    *val = NULL;
    if (arg[0] == '-' && arg[1] == '-') {
        size_t k = strcspn(arg + 2, "=");
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (strlen(flags[i].lng) == k &&
                !strncmp(flags[i].lng, arg + 2, k)) {
                if (arg[2 + k] == '=')
                    *val = arg + 3 + k;
                return &flags[i];
            }
        return NULL;
    }
    if (arg[0] == '-' && arg[1] && arg[1] != '-') {
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (flags[i].shrt == arg[1]) {
                if (arg[2])
                    *val = arg[2] == '=' ? arg + 3 : arg + 2;
                return &flags[i];
            }
    }
    return NULL;
}

static int set_value(json_t *obj, const struct flag *f, const char *v,
                     st_error **err)
{
    json_t *cur = json_object_get(obj, f->key);
    switch (f->type) {
    case F_BOOL:
        if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
            return json_object_set_new(obj, f->key, json_true()) ? ST_ENOMEM
                                                                 : 0;
        if (!strcmp(v, "false") || !strcmp(v, "0"))
            return json_object_set_new(obj, f->key, json_false()) ? ST_ENOMEM
                                                                  : 0;
        return st_error_set(err, ST_EINVALID, "host",
                            "--%s=%s: not a boolean", f->lng, v);
    case F_STR:
        return json_object_set_new(obj, f->key, json_string(v)) ? ST_ENOMEM
                                                                : 0;
    case F_LIST:
        if (!cur) {
            cur = json_array();
            if (!cur || json_object_set_new(obj, f->key, cur))
                return ST_ENOMEM;
        }
        return json_array_append_new(cur, json_string(v)) ? ST_ENOMEM : 0;
    case F_MAP: {
        /* "nofile=1024:2048" -> {"nofile": "1024:2048"} */
        size_t k = strcspn(v, "=");
        char name[128];
        if (!v[k] || !k || k >= sizeof(name))
            return st_error_set(err, ST_EINVALID, "host",
                                "--%s %s: not NAME=VALUE", f->lng, v);
        memcpy(name, v, k);
        name[k] = 0;
        if (!cur) {
            cur = json_object();
            if (!cur || json_object_set_new(obj, f->key, cur))
                return ST_ENOMEM;
        }
        return json_object_set_new(cur, name, json_string(v + k + 1))
                   ? ST_ENOMEM
                   : 0;
    }
    }
    return 0;
}

int st_host__daemon_flags(json_t **out, const st_host__argv *args,
                          st_error **err)
{
    json_t *obj = json_object();
    int rc = 0;

    *out = NULL;
    if (!obj)
        return st_error_set(err, ST_ENOMEM, "host", "out of memory");
    /* args->v[0] is the program */
    for (size_t i = 1; i < args->n; i++) {
        const char *val;
        const struct flag *f = find_flag(args->v[i], &val);
        if (!f)
            continue; /* a flag this audit does not look at */
        if (!val && f->type != F_BOOL) {
            if (i + 1 == args->n) {
                rc = st_error_set(err, ST_EINVALID, "host",
                                  "%s: a value is missing", args->v[i]);
                goto done;
            }
            val = args->v[++i];
        }
        if ((rc = set_value(obj, f, val, err)) < 0) {
            if (rc == ST_ENOMEM)
                st_error_set(err, rc, "host", "out of memory");
            goto done;
        }
    }
    *out = obj;
    obj = NULL;
done:
    json_decref(obj);
    return rc;
}

int st_host__daemon_merge(json_t **out, const json_t *file,
                          const json_t *fl, st_error **err)
{
    json_t *m = file ? json_deep_copy(file) : json_object();
    st_buf clash = ST_BUF_INIT(4096);
    const char *key;
    json_t *v;
    int rc = 0;

    *out = NULL;
    if (!m)
        return st_error_set(err, ST_ENOMEM, "host", "out of memory");
    json_object_foreach((json_t *)fl, key, v)
    {
        if (!strcmp(key, "config-file"))
            continue;
        if (file && json_object_get(file, key)) {
            char *a = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            char *b = json_dumps(json_object_get(file, key),
                                 JSON_COMPACT | JSON_ENCODE_ANY);
            st_buf_printf(&clash, "%s%s: (from flag: %s, from file: %s)",
                          clash.len ? ", " : "", key, a ? a : "?",
                          b ? b : "?");
            free(a);
            free(b);
            continue;
        }
        if (json_object_set(m, key, v)) {
            rc = st_error_set(err, ST_ENOMEM, "host", "out of memory");
            goto done;
        }
    }
    if (clash.len) {
        rc = st_error_set(err, ST_EINVALID, "host",
                          "the following directives are specified both as "
                          "a flag and in the configuration file: %s",
                          clash.ptr);
        goto done;
    }
    *out = m;
    m = NULL;
done:
    json_decref(m);
    st_buf_release(&clash);
    return rc;
}

static bool too_deep(const json_t *j, int depth)
{
    const char *k;
    json_t *v;
    size_t i;
    if (depth > ST_HOST__MAX_DEPTH)
        return true;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v) if (too_deep(v, depth + 1))
            return true;
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) if (too_deep(v, depth + 1)) return true;
    }
    return false;
}

int st_host__daemon_json(json_t **out, const char *data, size_t len,
                         const char *name, st_error **err)
{
    json_t *j = NULL;
    int rc;

    *out = NULL;
    if (len > ST_HOST__MAX_FILE)
        return st_error_set(err, ST_ELIMIT, "host",
                            "%s: larger than %u bytes", name,
                            ST_HOST__MAX_FILE);
    if ((rc = st_json_load(&j, data, len, name, err)) < 0)
        return rc;
    if (!json_is_object(j)) {
        json_decref(j);
        return st_error_set(err, ST_EINVALID, "host",
                            "%s: not a JSON object", name);
    }
    if (too_deep(j, 0)) {
        json_decref(j);
        return st_error_set(err, ST_ELIMIT, "host",
                            "%s: nested deeper than %d levels", name,
                            ST_HOST__MAX_DEPTH);
    }
    *out = j;
    return 0;
}
