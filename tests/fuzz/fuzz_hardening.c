/* Fuzz target: the hardening analyzer on carved files — account files,
 * ELF executables and libraries, key files — each with a mode from the
 * input, the way the walker hands them over (wants, sniff on the head,
 * file with or without the content, end). Traps on a failure other than
 * ST_ENOMEM and on a finding without an id, severity or path. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "etc/passwd",        "etc/shadow",          "usr/bin/tool",
    "usr/local/lib/x.so", "etc/ssh/ssh_host_ed25519_key", "app/key.pem",
    "app/bin/server",    "var/cache/apt/archives/x.deb",  "srv/www/up",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const st_analyzer_ops *ops = &st_analyzer_hardening;
    fdp p = fdp_new(data, size);
    drive d = drive_new(ops);
    unsigned files = fdp_range(&p, 1, 4);
    int rc = 0;

    if (!d.begun)
        goto done;
    for (unsigned i = 0; i < files && rc >= 0; i++) {
        st_entry e;
        size_t n;
        const uint8_t *body;
        bool want_content;

        memset(&e, 0, sizeof(e));
        e.path = paths[fdp_range(&p, 0, sizeof(paths) / sizeof(paths[0]) - 1)];
        e.path_len = strlen(e.path);
        e.type = fdp_range(&p, 0, 7) ? ST_ENTRY_FILE : ST_ENTRY_DIR;
        e.mode = fdp_range(&p, 0, 07777);
        e.attrs = true;
        e.visible = true;
        body = i + 1 < files ? fdp_chunk(&p, &n) : fdp_rest(&p, &n);
        e.size = e.type == ST_ENTRY_FILE ? n : 0;
        if (!ops->wants(&e))
            continue;
        want_content = e.type == ST_ENTRY_FILE &&
                       (!ops->sniff ||
                        ops->sniff(&e, (const char *)body,
                                   n < ST_SNIFF_BYTES ? n : ST_SNIFF_BYTES));
        if (!want_content && !(ops->flags & ST_AN_EVERY))
            continue;
        rc = ops->file(d.state, d.ctx, &e,
                       want_content ? (const char *)body : NULL,
                       want_content ? n : 0);
    }
    if (rc >= 0)
        rc = drive_finish(&d);
    if (rc < 0 && rc != ST_ENOMEM)
        __builtin_trap();
    {
        st_result *r = drive_result(&d);
        for (size_t i = 0; i < st_result_finding_count(r); i++) {
            const st_finding *f = st_result_finding(r, i);
            if (!f->id || !f->severity || !f->path ||
                f->kind != ST_FINDING_HARDENING)
                __builtin_trap();
        }
    }
done:
    drive_free(&d);
    return 0;
}
