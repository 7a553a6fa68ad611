/* fuzz_osv: one OSV advisory (hostile JSON) through the real import
 * (st_vulndb_update from a directory) and, when it imports, the matcher
 * for a few packages of every scheme, so malformed ranges, events and
 * versions reach the range evaluation. One scratch directory per process,
 * reused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/result_int.h"
#include "strata/strata.h"

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        const char *type, *name, *version, *src;
    } pkgs[] = {
        {"pypi", "x", "1.0", NULL},      {"npm", "x", "1.2.3", NULL},
        {"golang", "x", "v1.2.3", NULL}, {"maven", "x", "1.0-SNAPSHOT", NULL},
        {"gem", "x", "1.0.a", NULL},     {"deb", "x", "1:1.0-1", "x"},
        {"apk", "x", "1.0-r0", "x"},     {"composer", "x", "1.0", NULL},
    };
    char osv[96], db[96], file[128];
    const char *src[1];
    st_vulndb_update_options o = ST_VULNDB_UPDATE_OPTIONS_INIT;
    st_vulndb *v = NULL;
    FILE *f;

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/fuzz-osv-%ld", (long)getpid());
        mkdir(dir, 0700);
    }
    snprintf(osv, sizeof(osv), "%s/osv", dir);
    snprintf(db, sizeof(db), "%s/db", dir);
    snprintf(file, sizeof(file), "%s/a.json", osv);
    mkdir(osv, 0700);
    if (!(f = fopen(file, "wb")))
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    src[0] = osv;
    o.sources = src;
    o.source_count = 1;
    if (st_vulndb_update(db, &o, NULL, NULL) == 0 &&
        st_vulndb_open(&v, db, NULL) == 0) {
        st_result *r = st_result__new();
        for (size_t i = 0; r && i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
            st_package *p = st_result__add_package(r);
            if (!p)
                break;
            p->type = pkgs[i].type;
            p->name = pkgs[i].name;
            p->version = pkgs[i].version;
            p->source_name = pkgs[i].src;
            p->source_version = pkgs[i].src ? pkgs[i].version : NULL;
        }
        if (r) {
            r->os.id = "debian";
            r->os.version_id = "12";
            st_vulndb_match(v, r, NULL);
            for (size_t i = 0; i < st_result_vuln_count(r); i++) {
                const st_vuln *x = st_result_vuln(r, i);
                if (!x->id || !x->severity || !x->status)
                    abort(); /* every finding is complete */
            }
        }
        st_result_free(r);
        st_vulndb_close(v);
    }
    unlink(file);
    return 0;
}
