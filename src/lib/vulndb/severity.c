/* Severity of a finding. See severity.h. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "severity.h"
#include "strata/cvss.h"
#include "util/json.h"
#include "util/banned.h"

enum { R_UNKNOWN = 0, R_LOW, R_MEDIUM, R_HIGH, R_CRITICAL };

const char *st_severity_name(int r)
{
    static const char *const names[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH",
                                        "CRITICAL"};
    return r >= 0 && r <= 4 ? names[r] : "UNKNOWN";
}

int st_severity_rank(const char *w)
{
    static const struct {
        const char *word;
        int rank;
    } words[] = {
        {"critical", R_CRITICAL},   {"high", R_HIGH},
        {"important", R_HIGH},      {"medium", R_MEDIUM},
        {"moderate", R_MEDIUM},     {"low", R_LOW},
        {"negligible", R_LOW},      {"unimportant", R_LOW},
        {"minor", R_LOW},           {"none", R_LOW},
        {"not yet assigned", R_UNKNOWN}, {"unknown", R_UNKNOWN},
    };
    if (!w)
        return -1;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (!strcasecmp(w, words[i].word) ||
            /* Debian's "low**" marks a guess: still low */
            (!strncasecmp(w, words[i].word, strlen(words[i].word)) &&
             w[strlen(words[i].word)] == '*'))
            return words[i].rank;
    return -1;
}

static int rank_of_score(double s)
{
    if (s >= 9.0)
        return R_CRITICAL;
    if (s >= 7.0)
        return R_HIGH;
    if (s >= 4.0)
        return R_MEDIUM;
    if (s > 0.0)
        return R_LOW;
    return R_UNKNOWN;
}

void st_severity_pick_init(st_severity_pick *p)
{
    memset(p, 0, sizeof(*p));
    p->distro = p->db = -1;
    p->cvss = -1;
}

static void feed_label(char *out, size_t n, const char *feed)
{
    size_t i = 0;
    for (; feed && feed[i] && feed[i] != ':' && i + 1 < n; i++)
        out[i] = (char)(feed[i] >= 'A' && feed[i] <= 'Z' ? feed[i] - 'A' + 'a'
                                                         : feed[i]);
    out[i] = 0;
}

/* "urgency" (Debian tracker) or "severity" (GHSA, others) in an object. */
static void from_object(st_severity_pick *p, const char *json, bool distro,
                        const char *feed)
{
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    const char *w = st_json_str(o, "urgency");
    int r;
    if (!w)
        w = st_json_str(o, "severity");
    r = st_severity_rank(w);
    if (r >= 0) {
        if (distro && r > p->distro) {
            p->distro = r;
            feed_label(p->distro_src, sizeof(p->distro_src), feed);
        } else if (!distro && r > p->db) {
            p->db = r;
            snprintf(p->db_src, sizeof(p->db_src), "%s",
                     st_json_str(o, "github_reviewed") ||
                             json_object_get(o, "github_reviewed")
                         ? "ghsa"
                         : "advisory");
        }
    }
    json_decref(o);
}

/* Which CVSS version to believe first: v3 (what most feeds rate by), then
 * v4, then v2. */
static int prio(const char *label)
{
    if (!strncmp(label, "cvss:3", 6))
        return 3;
    if (!strncmp(label, "cvss:4", 6))
        return 2;
    if (!strncmp(label, "cvss:2", 6))
        return 1;
    return 0;
}

void st_severity_pick_add(st_severity_pick *p, const char *severity_json,
                          const char *db_json, const char *aff_db_json,
                          const char *aff_eco_json, bool os_package,
                          const char *feed)
{
    json_t *a = severity_json ? json_loads(severity_json, 0, NULL) : NULL;
    json_t *x;
    size_t i;

    json_array_foreach(a, i, x)
    {
        const char *type = st_json_str(x, "type");
        const char *score = st_json_str(x, "score");
        if (!type || !score)
            continue;
        if (!strncmp(type, "CVSS_", 5)) {
            double s;
            char label[16];
            if (st_vulndb__cvss(score, &s, label) == 0 &&
                (prio(label) > prio(p->cvss_src) ||
                 (prio(label) == prio(p->cvss_src) && s > p->cvss))) {
                p->cvss = s;
                snprintf(p->cvss_src, sizeof(p->cvss_src), "%s", label);
                snprintf(p->vector, sizeof(p->vector), "%s", score);
            }
        } else {
            /* a feed's own rating, e.g. {"type": "Ubuntu", "score":
             * "medium"} */
            int r = st_severity_rank(score);
            if (r > p->distro) {
                p->distro = r;
                feed_label(p->distro_src, sizeof(p->distro_src), type);
            }
        }
    }
    json_decref(a);
    from_object(p, aff_eco_json, os_package, feed);
    from_object(p, aff_db_json, os_package, feed);
    from_object(p, db_json, false, feed);
}

int st_severity_pick_finish(st_severity_pick *p, st_arena *a,
                            const char **severity, const char **source,
                            double *score, const char **vector)
{
    *score = p->cvss;
    *vector = p->vector[0] ? st_arena_strdup(a, p->vector) : NULL;
    if (p->distro >= 0) {
        *severity = st_severity_name(p->distro);
        *source = st_arena_strdup(a, p->distro_src);
    } else if (p->cvss >= 0) {
        *severity = st_severity_name(rank_of_score(p->cvss));
        *source = st_arena_strdup(a, p->cvss_src);
    } else if (p->db >= 0) {
        *severity = st_severity_name(p->db);
        *source = st_arena_strdup(a, p->db_src);
    } else {
        *severity = "UNKNOWN";
        *source = NULL;
        return 0;
    }
    return *source ? 0 : ST_ENOMEM;
}

int st_vulndb__cvss(const char *vector, double *score, char label[16])
{
    st_cvss_version v;
    if (st_cvss_score(score, &v, vector, NULL) < 0)
        return ST_EINVALID;
    snprintf(label, 16, "cvss:%s", st_cvss_version_name(v));
    return 0;
}
