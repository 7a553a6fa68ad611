/* Fuzz target: ignore files (st_filter__ignore_buf) applied to a small
 * result. Invariants: no crash or leak; an error names the file and a
 * line and suppresses nothing; every reason starts "ignored by
 * .strataignore:". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "inventory/result_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ids[] = {"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_result *r = st_result__new();
    st_error *err = NULL;
    int rc;

    if (!r)
        abort();
    for (size_t i = 0; i < 2; i++) {
        st_package *p = st_result__add_package(r);
        st_vuln *v;

        if (!p)
            abort();
        p->type = i ? "npm" : "deb";
        p->name = i ? "lodash" : "bash";
        p->version = "1.0";
        p->found_in = i ? "/app/package-lock.json" : "/var/lib/dpkg/status";
        if (!(v = st_result__add_vuln(r)))
            abort();
        v->id = ids[0];
        v->id_count = 2;
        v->ids = ids;
        v->package = p;
    }
    /* 2026-06-01T00:00:00Z */
    rc = st_filter__ignore_buf(r, (const char *)data, size,
                               "dir/.strataignore", (time_t)1780272000, &err);
    for (size_t i = 0; i < st_result_vuln_count(r); i++) {
        const char *why = st_result_vuln(r, i)->suppressed_by;

        if (why && (rc || strncmp(why, "ignored by .strataignore:", 25)))
            abort();
    }
    if (rc && (rc != ST_EINVALID ||
               strncmp(st_error_message(err), "dir/.strataignore:", 18)))
        abort();
    st_error_free(err);
    st_result_free(r);
    return 0;
}
