/* CVSS vector parsing and the v2 and v3.x base score equations.
 *
 * A vector is a list of NAME:VALUE metrics separated by "/", after a
 * "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" prefix (v2 has none). Each
 * version has a table of its metrics with their values; a metric's value
 * is kept as the index of the value in that list, and the formulas read
 * their weights from parallel tables. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cvss_int.h"
#include "util/util.h"
#include "util/banned.h"

#define MAX_METRICS 32

struct metric {
    const char *name;
    const char *values; /* comma-separated, in the order the formulas use */
    bool base;          /* mandatory */
};

/* CVSS v2 Complete Guide, sections 2 and 3.2. */
static const struct metric v2_metrics[] = {
    {"AV", "L,A,N", true},
    {"AC", "H,M,L", true},
    {"Au", "M,S,N", true},
    {"C", "N,P,C", true},
    {"I", "N,P,C", true},
    {"A", "N,P,C", true},
    {"E", "U,POC,F,H,ND", false},
    {"RL", "OF,TF,W,U,ND", false},
    {"RC", "UC,UR,C,ND", false},
    {"CDP", "N,L,LM,MH,H,ND", false},
    {"TD", "N,L,M,H,ND", false},
    {"CR", "L,M,H,ND", false},
    {"IR", "L,M,H,ND", false},
    {"AR", "L,M,H,ND", false},
    {NULL, NULL, false},
};
enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A };

/* CVSS v3.1 Specification, section 6 (v3.0 has the same metrics). */
static const struct metric v3_metrics[] = {
    {"AV", "N,A,L,P", true},
    {"AC", "L,H", true},
    {"PR", "N,L,H", true},
    {"UI", "N,R", true},
    {"S", "U,C", true},
    {"C", "H,L,N", true},
    {"I", "H,L,N", true},
    {"A", "H,L,N", true},
    {"E", "X,H,F,P,U", false},
    {"RL", "X,U,W,T,O", false},
    {"RC", "X,C,R,U", false},
    {"CR", "X,H,M,L", false},
    {"IR", "X,H,M,L", false},
    {"AR", "X,H,M,L", false},
    {"MAV", "X,N,A,L,P", false},
    {"MAC", "X,L,H", false},
    {"MPR", "X,N,L,H", false},
    {"MUI", "X,N,R", false},
    {"MS", "X,U,C", false},
    {"MC", "X,H,L,N", false},
    {"MI", "X,H,L,N", false},
    {"MA", "X,H,L,N", false},
    {NULL, NULL, false},
};
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A };

/* CVSS v4.0 Specification, section 7 (Table 23). */
static const struct metric v4_metrics[] = {
    {"AV", "N,A,L,P", true},
    {"AC", "L,H", true},
    {"AT", "N,P", true},
    {"PR", "N,L,H", true},
    {"UI", "N,P,A", true},
    {"VC", "H,L,N", true},
    {"VI", "H,L,N", true},
    {"VA", "H,L,N", true},
    {"SC", "H,L,N", true},
    {"SI", "H,L,N", true},
    {"SA", "H,L,N", true},
    {"E", "X,A,P,U", false},
    {"CR", "X,H,M,L", false},
    {"IR", "X,H,M,L", false},
    {"AR", "X,H,M,L", false},
    {"MAV", "X,N,A,L,P", false},
    {"MAC", "X,L,H", false},
    {"MAT", "X,N,P", false},
    {"MPR", "X,N,L,H", false},
    {"MUI", "X,N,P,A", false},
    {"MVC", "X,H,L,N", false},
    {"MVI", "X,H,L,N", false},
    {"MVA", "X,H,L,N", false},
    {"MSC", "X,H,L,N", false},
    {"MSI", "X,S,H,L,N", false},
    {"MSA", "X,S,H,L,N", false},
    {"S", "X,N,P", false},
    {"AU", "X,N,Y", false},
    {"R", "X,A,U,I", false},
    {"V", "X,D,C", false},
    {"RE", "X,L,M,H", false},
    {"U", "X,Clear,Green,Amber,Red", false},
    {NULL, NULL, false},
};
enum { V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC,
       V4_SI, V4_SA };

/* Index of [v, v+n) in the comma-separated list, or -1. */
static int value_index(const char *list, const char *v, size_t n)
{
    for (int i = 0; *list; i++) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        if (len == n && !memcmp(list, v, n))
            return i;
        if (!end)
            break;
        list = end + 1;
    }
    return -1;
}

/* Parses the metrics of [p, end) into vals[] (-1 where absent). `what`
 * names the version in messages. */
static int parse_metrics(int *vals, const struct metric *defs,
                         const char *what, const char *p, const char *end,
                         st_error **err)
{
    size_t ndefs = 0;

    while (defs[ndefs].name)
        ndefs++;
    for (size_t i = 0; i < ndefs; i++)
        vals[i] = -1;
    if (p == end)
        return st_error_set(err, ST_EINVALID, "cvss", "%s: no metrics",
                            what);
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *mend = slash ? slash : end;
        const char *colon = memchr(p, ':', (size_t)(mend - p));
        size_t i;
        int v;

        if (!colon || colon == p || colon + 1 == mend)
            return st_error_set(err, ST_EINVALID, "cvss",
                                "%s: malformed metric \"%.*s\" (want "
                                "NAME:VALUE)",
                                what, (int)(mend - p), p);
        for (i = 0; i < ndefs; i++)
            if (strlen(defs[i].name) == (size_t)(colon - p) &&
                !memcmp(defs[i].name, p, (size_t)(colon - p)))
                break;
        if (i == ndefs)
            return st_error_set(err, ST_EINVALID, "cvss",
                                "%s: unknown metric \"%.*s\"", what,
                                (int)(colon - p), p);
        if (vals[i] >= 0)
            return st_error_set(err, ST_EINVALID, "cvss",
                                "%s: metric %s given twice", what,
                                defs[i].name);
        v = value_index(defs[i].values, colon + 1,
                        (size_t)(mend - colon - 1));
        if (v < 0)
            return st_error_set(err, ST_EINVALID, "cvss",
                                "%s: unknown value \"%.*s\" for metric %s",
                                what, (int)(mend - colon - 1), colon + 1,
                                defs[i].name);
        vals[i] = v;
        if (!slash)
            break;
        p = slash + 1;
    }
    for (size_t i = 0; i < ndefs; i++)
        if (defs[i].base && vals[i] < 0)
            return st_error_set(err, ST_EINVALID, "cvss",
                                "%s: missing mandatory metric %s", what,
                                defs[i].name);
    return 0;
}

/* CVSS v2 Complete Guide, 3.2.1: round_to_1_decimal of
 * ((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact). */
static double v2_score(const int *v)
{
    static const double av[] = {0.395, 0.646, 1.0};
    static const double ac[] = {0.35, 0.61, 0.71};
    static const double au[] = {0.45, 0.56, 0.704};
    static const double cia[] = {0.0, 0.275, 0.660};
    double impact = 10.41 * (1 - (1 - cia[v[V2_C]]) * (1 - cia[v[V2_I]]) *
                                     (1 - cia[v[V2_A]]));
    double expl = 20 * av[v[V2_AV]] * ac[v[V2_AC]] * au[v[V2_AU]];
    double base;

    if (impact == 0)
        return 0.0;
    base = (0.6 * impact + 0.4 * expl - 1.5) * 1.176;
    /* round half up; the 1e-9 absorbs binary error at x.x5 */
    return floor(base * 10 + 0.5 + 1e-9) / 10;
}

/* CVSS v3.1 Specification, Appendix A: Roundup without floating-point
 * surprises. v3.0 defines Roundup as "the smallest number, specified to
 * one decimal place, that is equal to or higher than its input", the same
 * function on exact values, so both versions use this one. */
static double roundup(double x)
{
    long long i = llround(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (double)(i / 10000 + 1) / 10.0;
}

/* CVSS v3.1 Specification, 7.1 (base metric equations). */
static double v3_score(const int *v)
{
    static const double av[] = {0.85, 0.62, 0.55, 0.2};
    static const double ac[] = {0.77, 0.44};
    static const double pr_u[] = {0.85, 0.62, 0.27};
    static const double pr_c[] = {0.85, 0.68, 0.5};
    static const double ui[] = {0.85, 0.62};
    static const double cia[] = {0.56, 0.22, 0.0};
    bool changed = v[V3_S] == 1;
    double iss = 1 - (1 - cia[v[V3_C]]) * (1 - cia[v[V3_I]]) *
                         (1 - cia[v[V3_A]]);
    double impact = changed ? 7.52 * (iss - 0.029) -
                                  3.25 * pow(iss - 0.02, 15)
                            : 6.42 * iss;
    double expl = 8.22 * av[v[V3_AV]] * ac[v[V3_AC]] *
                  (changed ? pr_c : pr_u)[v[V3_PR]] * ui[v[V3_UI]];

    if (impact <= 0)
        return 0.0;
    if (changed)
        return roundup(fmin(1.08 * (impact + expl), 10));
    return roundup(fmin(impact + expl, 10));
}

int st_cvss_score(double *score_out, st_cvss_version *ver_out,
                  const char *vector, st_error **err)
{
    int vals[MAX_METRICS];
    const char *p, *end;
    st_cvss_version ver;
    double score;
    int rc;

    if (!vector)
        return ST_EUSAGE;
    p = vector;
    end = vector + strlen(vector);
    if (!strncmp(p, "CVSS:", 5)) {
        if (!strncmp(p, "CVSS:3.0/", 9))
            ver = ST_CVSS_V3_0;
        else if (!strncmp(p, "CVSS:3.1/", 9))
            ver = ST_CVSS_V3_1;
        else if (!strncmp(p, "CVSS:4.0/", 9))
            ver = ST_CVSS_V4_0;
        else
            return st_error_set(err, ST_EUNSUPPORTED, "cvss",
                                "unsupported CVSS version in \"%.12s\"", p);
        p += 9;
    } else {
        ver = ST_CVSS_V2;
    }

    switch (ver) {
    case ST_CVSS_V2:
        if ((rc = parse_metrics(vals, v2_metrics, "CVSS v2", p, end, err)))
            return rc;
        score = v2_score(vals);
        break;
    case ST_CVSS_V3_0:
    case ST_CVSS_V3_1:
        rc = parse_metrics(vals, v3_metrics,
                           ver == ST_CVSS_V3_0 ? "CVSS:3.0" : "CVSS:3.1", p,
                           end, err);
        if (rc)
            return rc;
        score = v3_score(vals);
        break;
    case ST_CVSS_V4_0: {
        struct st_cvss4_base b;
        if ((rc = parse_metrics(vals, v4_metrics, "CVSS:4.0", p, end, err)))
            return rc;
        b.av = (unsigned char)vals[V4_AV];
        b.ac = (unsigned char)vals[V4_AC];
        b.at = (unsigned char)vals[V4_AT];
        b.pr = (unsigned char)vals[V4_PR];
        b.ui = (unsigned char)vals[V4_UI];
        b.vc = (unsigned char)vals[V4_VC];
        b.vi = (unsigned char)vals[V4_VI];
        b.va = (unsigned char)vals[V4_VA];
        b.sc = (unsigned char)vals[V4_SC];
        b.si = (unsigned char)vals[V4_SI];
        b.sa = (unsigned char)vals[V4_SA];
        score = st_cvss__v4_score(&b);
        break;
    }
    default:
        return ST_EUSAGE;
    }
    if (score_out)
        *score_out = score;
    if (ver_out)
        *ver_out = ver;
    return 0;
}

const char *st_cvss_rating(double score)
{
    /* compare in tenths so 3.9 and 4.0 land where the table puts them */
    long t;

    if (!(score >= 0.0 && score <= 10.0))
        return NULL;
    t = lround(score * 10);
    if (t == 0)
        return "None";
    if (t < 40)
        return "Low";
    if (t < 70)
        return "Medium";
    if (t < 90)
        return "High";
    return "Critical";
}

const char *st_cvss_version_name(st_cvss_version v)
{
    switch (v) {
    case ST_CVSS_V2:
        return "2.0";
    case ST_CVSS_V3_0:
        return "3.0";
    case ST_CVSS_V3_1:
        return "3.1";
    case ST_CVSS_V4_0:
        return "4.0";
    }
    return NULL;
}
