/* Picking a finding's severity from its advisories: the distribution's own
 * rating for OS packages, else the CVSS base score computed from the
 * vector, else the advisory database's rating (GHSA), else UNKNOWN. */
#ifndef ST_SEVERITY_H
#define ST_SEVERITY_H

#include <stdbool.h>

#include "util/util.h"

typedef struct st_severity_pick {
    int distro;           /* rank, -1 none (0 UNKNOWN … 4 CRITICAL) */
    char distro_src[32];
    double cvss;          /* best score, -1 none */
    char cvss_src[16];    /* "cvss:3.1" */
    char vector[256];
    int db;               /* rank from database_specific, -1 none */
    char db_src[32];
} st_severity_pick;

void st_severity_pick_init(st_severity_pick *p);
/* Adds one advisory: its "severity" array and the database_specific /
 * ecosystem_specific objects (JSON text, any may be NULL). */
void st_severity_pick_add(st_severity_pick *p, const char *severity_json,
                          const char *db_json, const char *aff_db_json,
                          const char *aff_eco_json, bool os_package,
                          const char *feed);
int st_severity_pick_finish(st_severity_pick *p, st_arena *a,
                            const char **severity, const char **source,
                            double *score, const char **vector);

/* Maps a word from a feed ("moderate", "important", "unimportant") to a
 * rank; -1 when unknown. */
int st_severity_rank(const char *word);
const char *st_severity_name(int rank);

/* The CVSS base score of a vector; ST_EINVALID when it cannot be scored.
 * *label gets "cvss:3.1" and the like. */
int st_vulndb__cvss(const char *vector, double *score, char label[16]);

#endif
