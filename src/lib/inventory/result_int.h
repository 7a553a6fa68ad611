/* Internal shape of a scan result. The report writers read it through the
 * public accessors in strata/scan.h; tests may build one by hand with
 * st_result__new and st_result__add_package. */
#ifndef ST_RESULT_INT_H
#define ST_RESULT_INT_H

#include "strata/scan.h"
#include "util/util.h"

struct st_result {
    st_arena *arena;
    st_image_info image; /* deep copy, owned by the arena */
    st_os_info os;
    st_vec packages;     /* st_package * */
    st_vec diags;        /* st_diagnostic * */
    st_vec vulns;        /* st_vuln * */
    st_vec findings;     /* st_finding * */
    bool matched;        /* the result went through the matcher */
    st_scan_stats stats;
    /* a configuration audit's storage graph: in the arena, sorted */
    st_storage_mount *storage;
    size_t storage_count;
};

/* An empty result (image info zeroed, os family "unknown"). */
st_result *st_result__new(void);
/* Adds a zeroed package (layer_index -1); NULL when out of memory. */
st_package *st_result__add_package(st_result *r);
/* Copies an image description into the result. */
int st_result__set_image(st_result *r, const st_image_info *info);
/* Adds a zeroed finding (cvss_score -1); NULL when out of memory. */
st_vuln *st_result__add_vuln(st_result *r);
/* Adds a zeroed finding (layer_index -1, visible 1); NULL when out of
 * memory. */
st_finding *st_result__add_finding(st_result *r);

/* Fills purls, sorts packages (type, name, version, arch) and drops exact
 * duplicates. Run once, after every analyzer ended. */
int st_result__finish(st_result *r);

/* The package URL of p in the context of os (purl spec, with the
 * distro qualifier for OS packages). Allocated from a. */
char *st_purl_for(st_arena *a, const st_package *p, const st_os_info *os);

#endif
