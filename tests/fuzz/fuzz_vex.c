/* Fuzz target: OpenVEX documents (st_filter__vex_buf) applied to a small
 * result with OS and language packages, merged ids and an image digest.
 * Invariants: no crash or leak; an error (the document is malformed)
 * suppresses nothing; a suppression reason is always one of the three
 * shapes the filter writes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "inventory/result_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ids[] = {"CVE-2024-0001", "DSA-5678-1"};
static const char *const tags[] = {"registry.example/app:1.0"};

static st_result *make_result(void)
{
    static const struct {
        const char *type, *name, *version;
    } pkgs[] = {
        {"deb", "bash", "5.2.15-2+b7"},
        {"deb", "libc6", "1:2.36-9"},
        {"npm", "@scope/lodash", "4.17.15"},
    };
    st_result *r = st_result__new();
    st_image_info img;

    if (!r)
        abort();
    memset(&img, 0, sizeof(img));
    img.ref = "registry.example/app:1.0";
    img.manifest_digest = "sha256:cccc";
    img.config_digest = "sha256:dddd";
    img.repo_tag_count = 1;
    img.repo_tags = tags;
    if (st_result__set_image(r, &img))
        abort();
    r->os.family = "debian";
    r->os.id = "debian";
    r->os.version_id = "12";
    for (size_t i = 0; i < 3; i++) {
        st_package *p = st_result__add_package(r);

        if (!p)
            abort();
        p->type = pkgs[i].type;
        p->name = pkgs[i].name;
        p->version = pkgs[i].version;
        p->found_in = "/var/lib/dpkg/status";
    }
    if (st_result__finish(r))
        abort();
    for (size_t i = 0; i < 3; i++) {
        st_vuln *v = st_result__add_vuln(r);

        if (!v)
            abort();
        v->id = i == 2 ? "GHSA-p6mc-m468-83gw" : ids[0];
        v->id_count = i == 1 ? 2 : 0;
        v->ids = ids;
        v->package = st_result_package(r, i);
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_result *r = make_result();
    st_error *err = NULL;
    int rc = st_filter__vex_buf(r, (const char *)data, size, "fuzz.json",
                                &err);

    for (size_t i = 0; i < st_result_vuln_count(r); i++) {
        const char *why = st_result_vuln(r, i)->suppressed_by;

        if (why && (rc || (strncmp(why, "VEX fixed (", 11) &&
                           strncmp(why, "VEX not_affected (", 18) &&
                           strncmp(why, "VEX not_affected: ", 18))))
            abort();
    }
    if (rc && (rc != ST_EINVALID || !st_error_message(err)))
        abort();
    st_error_free(err);
    st_result_free(r);
    return 0;
}
