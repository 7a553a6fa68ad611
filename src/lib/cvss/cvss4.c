/* CVSS 4.0 base scores (CVSS-B), as the specification computes them
 * (CVSS v4.0 Specification, section 8.2 "CVSS v4.0 Scoring"): the vector
 * falls into a MacroVector of six equivalence-set levels (EQ1..EQ6) whose
 * score is looked up; the score then moves down from it by the mean, over
 * the EQs, of the distance to the next lower MacroVector scaled by how far
 * the vector is from the highest-severity vectors of its MacroVector.
 *
 * Data, not code, from the FIRST reference implementation
 * (github.com/FIRSTdotorg/cvss-v4-calculator, cvss_lookup.js and
 * max_composed.js / max_severity.js), as also shipped by
 * RedHatProductSecurity/cvss (cvss/constants4.py): the 270 MacroVector
 * scores, the highest-severity vectors of each EQ level and the depth of
 * each level. The rounding follows the reference calculator: half up at
 * one decimal after adding 1e-6, so an x.x5 tie that the interpolation
 * lands one ULP below still rounds up. */
#include <math.h>
#include <stddef.h>

#include "cvss_int.h"
#include "util/banned.h"

#define NONE 255 /* no such MacroVector */

/* MacroVector scores in tenths, indexed [EQ1][EQ2][EQ3][EQ4][EQ5][EQ6]. */
static const unsigned char macro[3][2][3][3][3][2] = {
    {
        /* EQ1=0 EQ2=0 */
        {
            {{{100, 99}, {98, 95}, {95, 92}},
             {{100, 96}, {93, 87}, {91, 81}},
             {{93, 90}, {89, 80}, {81, 68}}},
            {{{98, 95}, {95, 92}, {90, 84}},
             {{93, 92}, {89, 81}, {81, 65}},
             {{88, 80}, {78, 70}, {69, 48}}},
            {{{255, 92}, {255, 82}, {255, 72}},
             {{255, 79}, {255, 69}, {255, 50}},
             {{255, 69}, {255, 55}, {255, 27}}},
        },
        /* EQ1=0 EQ2=1 */
        {
            {{{99, 97}, {95, 92}, {92, 85}},
             {{95, 91}, {90, 83}, {84, 71}},
             {{92, 81}, {82, 71}, {72, 53}}},
            {{{95, 93}, {92, 85}, {85, 73}},
             {{92, 82}, {80, 72}, {70, 59}},
             {{84, 70}, {71, 52}, {50, 30}}},
            {{{255, 86}, {255, 75}, {255, 52}},
             {{255, 71}, {255, 52}, {255, 29}},
             {{255, 63}, {255, 29}, {255, 17}}},
        },
    },
    {
        /* EQ1=1 EQ2=0 */
        {
            {{{98, 95}, {94, 87}, {91, 81}},
             {{94, 89}, {86, 74}, {77, 64}},
             {{87, 75}, {74, 63}, {63, 49}}},
            {{{94, 89}, {88, 77}, {76, 67}},
             {{86, 76}, {74, 58}, {59, 50}},
             {{72, 57}, {57, 52}, {52, 25}}},
            {{{255, 83}, {255, 70}, {255, 54}},
             {{255, 65}, {255, 58}, {255, 26}},
             {{255, 53}, {255, 21}, {255, 13}}},
        },
        /* EQ1=1 EQ2=1 */
        {
            {{{95, 90}, {88, 76}, {76, 70}},
             {{90, 77}, {75, 62}, {61, 53}},
             {{77, 66}, {68, 59}, {52, 30}}},
            {{{89, 78}, {76, 67}, {62, 58}},
             {{74, 59}, {57, 57}, {47, 23}},
             {{61, 52}, {57, 29}, {24, 16}}},
            {{{255, 71}, {255, 59}, {255, 30}},
             {{255, 58}, {255, 26}, {255, 15}},
             {{255, 23}, {255, 13}, {255, 6}}},
        },
    },
    {
        /* EQ1=2 EQ2=0 */
        {
            {{{93, 87}, {86, 72}, {75, 58}},
             {{86, 74}, {74, 61}, {56, 34}},
             {{70, 54}, {52, 40}, {40, 22}}},
            {{{85, 75}, {74, 55}, {62, 51}},
             {{72, 57}, {55, 41}, {46, 19}},
             {{53, 36}, {34, 19}, {19, 8}}},
            {{{255, 64}, {255, 51}, {255, 20}},
             {{255, 47}, {255, 21}, {255, 11}},
             {{255, 24}, {255, 9}, {255, 4}}},
        },
        /* EQ1=2 EQ2=1 */
        {
            {{{88, 75}, {73, 53}, {60, 50}},
             {{73, 55}, {59, 40}, {41, 20}},
             {{54, 43}, {45, 22}, {20, 11}}},
            {{{75, 55}, {58, 45}, {40, 21}},
             {{61, 51}, {48, 18}, {20, 9}},
             {{46, 18}, {17, 7}, {8, 2}}},
            {{{255, 53}, {255, 24}, {255, 14}},
             {{255, 24}, {255, 12}, {255, 5}},
             {{255, 10}, {255, 3}, {255, 1}}},
        },
    },
};

/* Severity levels in tenths, as the reference's *_levels tables. The
 * base metric indices (see cvss_int.h) are already levels for AV, PR, UI,
 * AC, AT, VC, VI, VA; SC, SI and SA start at 1 (level 0 is SI/SA "S",
 * Safety, which only the environmental MSI/MSA can set); CR, IR and AR
 * are H (0) in a base vector. */
enum { L_AV, L_PR, L_UI, L_AC, L_AT, L_VC, L_VI, L_VA, L_SC, L_SI, L_SA,
       L_CR, L_IR, L_AR, L_COUNT };

/* Highest-severity vectors: the parts for each EQ level (max_composed). */
static const unsigned char eq1_max[3][3][3] = { /* AV, PR, UI */
    {{0, 0, 0}},
    {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
    {{3, 0, 0}, {1, 1, 1}},
};
static const unsigned char eq1_nmax[3] = {1, 3, 2};
static const unsigned char eq2_max[2][2][2] = { /* AC, AT */
    {{0, 0}},
    {{1, 0}, {0, 1}},
};
static const unsigned char eq2_nmax[2] = {1, 2};
/* [EQ3][EQ6]: VC, VI, VA, CR, IR, AR */
static const unsigned char eq3_max[3][2][5][6] = {
    {{{0, 0, 0, 0, 0, 0}}, {{0, 0, 1, 1, 1, 0}, {0, 0, 0, 1, 1, 1}}},
    {{{1, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0}},
     {{1, 0, 1, 0, 1, 0},
      {1, 0, 0, 0, 1, 1},
      {0, 1, 0, 1, 0, 1},
      {0, 1, 1, 1, 0, 0},
      {1, 1, 0, 0, 0, 1}}},
    {{{0}}, {{1, 1, 1, 0, 0, 0}}},
};
static const unsigned char eq3_nmax[3][2] = {{1, 2}, {2, 5}, {0, 1}};
static const unsigned char eq4_max[3][3] = { /* SC, SI, SA */
    {1, 0, 0},
    {1, 1, 1},
    {2, 2, 2},
};
/* Depth of each level in tenths (max_severity). */
static const unsigned char eq1_depth[3] = {1, 4, 5};
static const unsigned char eq2_depth[2] = {1, 2};
static const unsigned char eq3_depth[3][2] = {{7, 6}, {8, 8}, {0, 10}};
static const unsigned char eq4_depth[3] = {6, 5, 4};

static double lookup(int e1, int e2, int e3, int e4, int e5, int e6)
{
    if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1 ||
        macro[e1][e2][e3][e4][e5][e6] == NONE)
        return NAN;
    return macro[e1][e2][e3][e4][e5][e6] / 10.0;
}

double st_cvss__v4_score(const struct st_cvss4_base *b)
{
    int lv[L_COUNT], dist[L_COUNT] = {0};
    int e1, e2, e3, e4, e5 = 0, e6;
    double value, lower[5], msd, sum = 0;
    int n_lower = 0, depth[4], d[4];

    if (b->vc == 2 && b->vi == 2 && b->va == 2 && b->sc == 2 &&
        b->si == 2 && b->sa == 2)
        return 0.0;

    lv[L_AV] = b->av;
    lv[L_PR] = b->pr;
    lv[L_UI] = b->ui;
    lv[L_AC] = b->ac;
    lv[L_AT] = b->at;
    lv[L_VC] = b->vc;
    lv[L_VI] = b->vi;
    lv[L_VA] = b->va;
    lv[L_SC] = b->sc + 1;
    lv[L_SI] = b->si + 1;
    lv[L_SA] = b->sa + 1;
    lv[L_CR] = lv[L_IR] = lv[L_AR] = 0;

    /* Table 24..29: the MacroVector. E is A and CR/IR/AR are H in a base
     * vector, so EQ5 is 0 and EQ6 is 0 exactly when one impact is High. */
    if (b->av == 0 && b->pr == 0 && b->ui == 0)
        e1 = 0;
    else if ((b->av == 0 || b->pr == 0 || b->ui == 0) && b->av != 3)
        e1 = 1;
    else
        e1 = 2;
    e2 = (b->ac == 0 && b->at == 0) ? 0 : 1;
    if (b->vc == 0 && b->vi == 0)
        e3 = 0;
    else if (b->vc == 0 || b->vi == 0 || b->va == 0)
        e3 = 1;
    else
        e3 = 2;
    e4 = (b->sc == 0 || b->si == 0 || b->sa == 0) ? 1 : 2;
    e6 = (b->vc == 0 || b->vi == 0 || b->va == 0) ? 0 : 1;

    value = lookup(e1, e2, e3, e4, e5, e6);

    /* The next lower MacroVector of each EQ; EQ3 and EQ6 move together
     * (00 -> the higher of 01 and 10, 01 -> 11, 10 -> 11, 11 -> 21). */
    lower[0] = lookup(e1 + 1, e2, e3, e4, e5, e6);
    lower[1] = lookup(e1, e2 + 1, e3, e4, e5, e6);
    if (e3 == 0 && e6 == 0) {
        double l = lookup(e1, e2, e3, e4, e5, e6 + 1);
        double r = lookup(e1, e2, e3 + 1, e4, e5, e6);
        lower[2] = l > r ? l : r; /* as the reference: NaN right wins */
    } else if (e6 == 0) {
        lower[2] = lookup(e1, e2, e3, e4, e5, e6 + 1);
    } else {
        lower[2] = lookup(e1, e2, e3 + 1, e4, e5, e6);
    }
    lower[3] = lookup(e1, e2, e3, e4 + 1, e5, e6);
    lower[4] = lookup(e1, e2, e3, e4, e5 + 1, e6);

    /* The first highest-severity vector the vector does not exceed (the
     * reference keeps the last one tried when none fits). */
    for (int i1 = 0; i1 < eq1_nmax[e1]; i1++)
        for (int i2 = 0; i2 < eq2_nmax[e2]; i2++)
            for (int i3 = 0; i3 < eq3_nmax[e3][e6]; i3++) {
                const unsigned char *m1 = eq1_max[e1][i1];
                const unsigned char *m2 = eq2_max[e2][i2];
                const unsigned char *m3 = eq3_max[e3][e6][i3];
                const unsigned char *m4 = eq4_max[e4];
                int fits = 1;
                dist[L_AV] = lv[L_AV] - m1[0];
                dist[L_PR] = lv[L_PR] - m1[1];
                dist[L_UI] = lv[L_UI] - m1[2];
                dist[L_AC] = lv[L_AC] - m2[0];
                dist[L_AT] = lv[L_AT] - m2[1];
                for (int k = 0; k < 6; k++)
                    dist[L_VC + k] = lv[L_VC + k] - m3[k];
                dist[L_SC] = lv[L_SC] - m4[0];
                dist[L_SI] = lv[L_SI] - m4[1];
                dist[L_SA] = lv[L_SA] - m4[2];
                for (int k = 0; k < L_COUNT; k++)
                    if (dist[k] < 0)
                        fits = 0;
                if (fits)
                    goto found;
            }
found:
    d[0] = dist[L_AV] + dist[L_PR] + dist[L_UI];
    d[1] = dist[L_AC] + dist[L_AT];
    d[2] = dist[L_VC] + dist[L_VI] + dist[L_VA] + dist[L_CR] + dist[L_IR] +
           dist[L_AR];
    d[3] = dist[L_SC] + dist[L_SI] + dist[L_SA];
    depth[0] = eq1_depth[e1];
    depth[1] = eq2_depth[e2];
    depth[2] = eq3_depth[e3][e6];
    depth[3] = eq4_depth[e4];

    for (int k = 0; k < 5; k++) {
        if (isnan(lower[k]))
            continue;
        n_lower++;
        msd = value - lower[k];
        /* EQ5's proportion is always 0 (E has no levels within a
         * MacroVector), but it still counts towards the mean. */
        if (k < 4)
            sum += msd * ((double)d[k] / depth[k]);
    }
    if (n_lower)
        value -= sum / n_lower;
    if (value < 0)
        value = 0;
    if (value > 10)
        value = 10;
    return floor((value + 1e-6) * 10 + 0.5) / 10;
}
