/* Error objects: a code, the raising module, a message and a cause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

struct st_error {
    int code;
    const char *module;
    char *message;
    st_error *cause;
    bool is_static;
};

/* Out of memory must never allocate. */
static st_error oom_error = {ST_ENOMEM, "alloc", (char *)"out of memory",
                             NULL, true};

const char *st_strerror(int code)
{
    switch (code) {
    case ST_OK:
        return "success";
    case ST_ENOMEM:
        return "out of memory";
    case ST_EINVALID:
        return "invalid input";
    case ST_ENOTFOUND:
        return "not found";
    case ST_EDIGEST:
        return "digest mismatch";
    case ST_ELIMIT:
        return "limit exceeded";
    case ST_EUNSUPPORTED:
        return "unsupported";
    case ST_EIO:
        return "I/O error";
    case ST_EABORT:
        return "aborted";
    case ST_EUSAGE:
        return "usage error";
    case ST_ESIGNATURE:
        return "signature verification failed";
    default:
        return "unknown error";
    }
}

int st_error_code(const st_error *err)
{
    return err ? err->code : ST_OK;
}

const char *st_error_message(const st_error *err)
{
    return err ? err->message : "";
}

void st_error_free(st_error *err)
{
    while (err) {
        st_error *cause = err->cause;
        if (!err->is_static) {
            st_free(err->message);
            st_free(err);
        }
        err = cause;
    }
}

static char *vformat(const char *fmt, va_list ap)
{
    st_buf b = ST_BUF_INIT(1 << 16);
    if (st_buf_vprintf(&b, fmt, ap) < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

int st_error_set(st_error **err, int code, const char *module,
                 const char *fmt, ...)
{
    va_list ap;
    st_error *e;

    if (!err)
        return code;
    if (code == ST_ENOMEM) {
        st_error_free(*err);
        *err = &oom_error;
        return code;
    }
    e = st_calloc(1, sizeof(*e));
    if (e) {
        va_start(ap, fmt);
        e->message = vformat(fmt, ap);
        va_end(ap);
    }
    if (!e || !e->message) {
        st_free(e);
        st_error_free(*err);
        *err = &oom_error;
        return code;
    }
    e->code = code;
    e->module = module;
    e->cause = *err;
    *err = e;
    return code;
}

int st_error_wrap(st_error **err, const char *fmt, ...)
{
    va_list ap;
    st_buf b = ST_BUF_INIT(1 << 16);
    char *ctx;

    if (!err || !*err)
        return ST_OK;
    if ((*err)->is_static)
        return (*err)->code;
    va_start(ap, fmt);
    ctx = vformat(fmt, ap);
    va_end(ap);
    if (!ctx || st_buf_printf(&b, "%s: %s", ctx, (*err)->message) < 0) {
        st_free(ctx);
        st_buf_release(&b);
        return (*err)->code; /* keep the old message rather than lose it */
    }
    st_free(ctx);
    st_free((*err)->message);
    (*err)->message = st_buf_detach(&b, NULL);
    return (*err)->code;
}

char *st_error_format(const st_error *err)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    for (const st_error *e = err; e; e = e->cause) {
        if (st_buf_printf(&b, "%s%s", e == err ? "" : ": ", e->message) < 0) {
            st_buf_release(&b);
            return NULL;
        }
    }
    return st_buf_detach(&b, NULL);
}
