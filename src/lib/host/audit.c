/* The public face of `strata host`: load the built-in checks, run each
 * check's probe against the root, keep outcomes for the writers. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "host/host_int.h"
#include "util/banned.h"

extern const st_embedded_file st_host_builtin_checks[];

struct st_host_audit {
    st_arena *arena;
    st_vec checks; /* st_host__check * */
    st_map *ids;
    st_host_options opts;
    st_host__ctx ctx;
};

int st_host_audit_new(st_host_audit **out, const st_host_options *opts,
                      st_error **err)
{
    st_host_audit *a = NULL;
    st_host_options dflt = ST_HOST_OPTIONS_INIT;
    int rc = 0;

    *out = NULL;
    if (!opts)
        opts = &dflt;
    if (opts->version < 1 || opts->version > ST_HOST_OPTIONS_VERSION)
        return st_error_set(err, ST_EUSAGE, "host",
                            "st_host_options version %u not supported",
                            opts->version);
    if (!(a = st_calloc(1, sizeof(*a))) || !(a->arena = st_arena_new()) ||
        !(a->ids = st_map_new())) {
        rc = st_error_set(err, ST_ENOMEM, "host", "out of memory");
        goto done;
    }
    /* a version-1 caller's struct ends before the version-2 fields */
    memcpy(&a->opts, opts, opts->version == 1
                               ? offsetof(st_host_options, vulns_matched)
                               : sizeof(*opts));
    a->ctx.root.fd = -1;
    a->ctx.arena = a->arena;
    a->ctx.opts = &a->opts;
    if (opts->root && !(a->opts.root = st_arena_strdup(a->arena, opts->root))) {
        rc = st_error_set(err, ST_ENOMEM, "host", "out of memory");
        goto done;
    }
    for (const st_embedded_file *f = st_host_builtin_checks; f->name; f++)
        ST_CHECK(st_host__checks_parse(&a->checks, a->ids, a->arena, f->data,
                                       f->len, f->name, err));
    ST_CHECK(st_host__root_open(&a->ctx.root, opts->root ? opts->root : "/",
                                err));
    a->ctx.root.offline = opts->root != NULL;
    *out = a;
    a = NULL;
done:
    st_host_audit_free(a);
    return rc;
}

int st_host_audit_run(st_host_audit *a, st_error **err)
{
    st_host__out o = {ST_HOST_SKIP, ST_BUF_INIT(65536)};
    int rc = 0;

    st_host__detect(&a->ctx);
    for (size_t i = 0; i < a->checks.len; i++) {
        st_host__check *c = a->checks.items[i];
        bool present = true;
        st_buf_reset(&o.evidence);
        o.status = ST_HOST_SKIP;
        if (c->requires)
            present = !strcmp(c->requires, "docker")       ? a->ctx.docker
                      : !strcmp(c->requires, "containerd") ? a->ctx.containerd
                                                           : a->ctx.kubelet;
        if (!present) {
            st_buf_printf(&o.evidence, "%s is not installed", c->requires);
        } else if ((rc = c->probe->run(&a->ctx, c, &o)) < 0) {
            rc = st_error_set(err, rc, "host", "check %s: %s", c->r.id,
                              st_strerror(rc));
            goto done;
        }
        c->r.status = o.status;
        if (!(c->r.evidence = st_arena_strndup(a->arena, o.evidence.ptr,
                                               o.evidence.len))) {
            rc = st_error_set(err, ST_ENOMEM, "host", "out of memory");
            goto done;
        }
    }
done:
    st_buf_release(&o.evidence);
    return rc;
}

size_t st_host_audit_count(const st_host_audit *a)
{
    return a ? a->checks.len : 0;
}

const st_host_result *st_host_audit_get(const st_host_audit *a, size_t i)
{
    if (!a || i >= a->checks.len)
        return NULL;
    return &((const st_host__check *)a->checks.items[i])->r;
}

int st_host_audit_write(FILE *f, const st_host_audit *a, st_host_format fmt,
                        st_error **err)
{
    const st_host_result **r = st_calloc(a->checks.len + 1, sizeof(*r));
    int rc;
    if (!r)
        return st_error_set(err, ST_ENOMEM, "host", "out of memory");
    for (size_t i = 0; i < a->checks.len; i++)
        r[i] = &((const st_host__check *)a->checks.items[i])->r;
    rc = st_audit_write(f, r, a->checks.len, fmt, "host", err);
    st_free(r);
    return rc;
}

int st_host_audit_list(FILE *f, const st_host_audit *a, st_error **err)
{
    fprintf(f, "%-36s %-18s %-9s %s\n", "ID", "CIS", "SEVERITY", "TITLE");
    for (size_t i = 0; i < a->checks.len; i++) {
        const st_host__check *c = a->checks.items[i];
        fprintf(f, "%-36s %-18s %-9s %s\n", c->r.id, c->r.cis ? c->r.cis : "-",
                st_host_severity_name(c->r.severity), c->r.title);
    }
    if (fflush(f) || ferror(f))
        return st_error_set(err, ST_EIO, "host", "writing the check list");
    return 0;
}

void st_host_audit_free(st_host_audit *a)
{
    if (!a)
        return;
    st_host__root_close(&a->ctx.root);
    json_decref(a->ctx.daemon);
    json_decref(a->ctx.daemon_file);
    json_decref(a->ctx.daemon_flags);
    for (size_t i = 0; i < a->ctx.containers.len; i++) {
        st_host__container *k = a->ctx.containers.items[i];
        json_decref(k->config);
        json_decref(k->hostcfg);
    }
    st_vec_release(&a->ctx.containers);
    st_map_free(a->ctx.dpkg);
    st_vec_release(&a->checks);
    st_map_free(a->ids);
    st_arena_free(a->arena);
    st_free(a);
}

int st_host_format_parse(st_host_format *out, const char *name)
{
    static const char *const names[] = {"table", "json", "sarif", "junit"};
    for (size_t i = 0; i < 4; i++)
        if (name && !strcmp(name, names[i])) {
            *out = (st_host_format)i;
            return 0;
        }
    return ST_EUSAGE;
}

static const char *const sev_names[] = {"", "LOW", "MEDIUM", "HIGH",
                                        "CRITICAL"};

int st_host_severity_parse(st_host_severity *out, const char *name)
{
    for (int i = 1; i <= 4; i++)
        if (name && !strcasecmp(name, sev_names[i])) {
            *out = (st_host_severity)i;
            return 0;
        }
    return ST_EUSAGE;
}

const char *st_host_severity_name(st_host_severity s)
{
    return s >= ST_HOST_LOW && s <= ST_HOST_CRITICAL ? sev_names[s] : "?";
}

const char *st_host_status_name(st_host_status s)
{
    static const char *const names[] = {"PASS", "FAIL", "WARN",
                                        "INFO", "SKIP", "NOT-RUN"};
    return (unsigned)s <= ST_HOST_NOT_RUN ? names[s] : "?";
}
