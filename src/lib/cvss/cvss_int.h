/* Internal: the CVSS 4.0 scoring behind st_cvss_score. */
#ifndef ST_CVSS_INT_H
#define ST_CVSS_INT_H

#include "strata/cvss.h"

/* The base metrics of a CVSS 4.0 vector, each the index of its value in
 * the specification's order: AV N,A,L,P; AC L,H; AT N,P; PR N,L,H;
 * UI N,P,A; VC, VI, VA, SC, SI, SA H,L,N. */
struct st_cvss4_base {
    unsigned char av, ac, at, pr, ui, vc, vi, va, sc, si, sa;
};

/* The CVSS-B score, rounded to one decimal place. */
double st_cvss__v4_score(const struct st_cvss4_base *b);

#endif
