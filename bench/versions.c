/* bench_versions — version comparisons per second, per scheme, on one core.
 *
 * Each scheme gets a handful of realistic pairs (what a scan compares: an
 * installed version against an advisory's fixed version, often sharing a
 * long prefix); they are compared round-robin for about SECONDS (argument,
 * default 0.5) and the best of three rounds is printed. A scheme whose
 * comparator returns ST_EUNSUPPORTED is listed as skipped.
 * Usage: bench_versions [SECONDS] [SCHEME...]   (driven by bench/versions) */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata/version.h"

struct pair {
    const char *a, *b;
};

static const struct pair deb[] = {
    {"1:2.38.1-5+deb12u1", "1:2.38.1-5+deb12u2"},
    {"3.0.11-1~deb12u2", "3.0.13-1~deb12u1"},
    {"2.36-9+deb12u4", "2.36-9+deb12u7"},
    {"1.22.0-2", "1.22.0-2+b1"},
    {"7.88.1-10+deb12u5", "7.88.1-10+deb12u8"},
    {"252.22-1~deb12u1", "252.30-1~deb12u2"},
    {"1:9.18.24-1", "1:9.18.28-1~deb12u2"},
    {"6.1.0-18", "6.1.0-21"},
};
static const struct pair rpm[] = {
    {"0:4.18.0-477.10.1.el8_8", "0:4.18.0-477.13.1.el8_8"},
    {"2.28-225.el8_8.6", "2.28-225.el8_8.11"},
    {"1:1.1.1k-9.el8_7", "1:1.1.1k-12.el8_9"},
    {"7.61.1-30.el8_8.3", "7.61.1-34.el8"},
    {"3.6.8-51.el8_8.2", "3.6.8-56.el8_9.3"},
    {"239-74.el8_8.5", "239-78.el8"},
    {"2.9.7-16.el8_8.1", "2.9.7-18.el8_9"},
    {"1.0^git20230101-1.fc39", "1.0~rc1-1.fc39"},
};
static const struct pair apk[] = {
    {"3.1.4-r5", "3.1.4-r6"},
    {"1.36.1-r15", "1.36.1-r19"},
    {"8.5.0-r0", "8.9.1-r0"},
    {"2.12.6-r0", "2.12.7-r0"},
    {"1.2.4_git20230717-r4", "1.2.4_git20230717-r5"},
    {"6.4_p20231125-r0", "6.4_p20240113-r0"},
    {"3.0.0_rc1-r0", "3.0.0-r0"},
    {"1.1.24-r10", "1.2.4-r3"},
};
static const struct pair pypi[] = {
    {"2.31.0", "2.32.0"},     {"1.26.4", "1.26.18"},
    {"42.0.5", "42.0.8"},     {"3.1.2", "3.1.3"},
    {"2.0.0rc1", "2.0.0"},    {"1.0.post1", "1.0"},
    {"1!1.0", "2.0"},         {"0.10.0.dev3", "0.10.0a1"},
};
static const struct pair semver[] = {
    {"1.2.3", "1.2.4"},
    {"0.4.20", "0.4.21"},
    {"1.0.0-alpha.1", "1.0.0-alpha.beta"},
    {"2.0.0-rc.1", "2.0.0"},
    {"1.0.197", "1.0.203"},
    {"0.11.0", "0.9.5"},
    {"1.0.0+build.1", "1.0.0+build.2"},
    {"4.17.21", "4.17.20"},
};
static const struct pair npm[] = {
    {"4.17.21", "4.17.20"},   {"1.2.3", "v1.2.4"},
    {"8.5.0", "8.11.3"},      {"2.0.0-beta.3", "2.0.0"},
    {"0.21.4", "1.6.0"},      {"7.5.4", "7.5.10"},
    {"1.0.0-rc.1", "1.0.0-rc.10"}, {"3.3.6", "3.3.7"},
};
static const struct pair maven[] = {
    {"2.14.1", "2.17.0"},       {"5.3.18", "5.3.20"},
    {"1.0-SNAPSHOT", "1.0"},    {"2.12.7.1", "2.13.2.1"},
    {"31.1-jre", "32.0.0-jre"}, {"1.2.3.RELEASE", "1.2.4.RELEASE"},
    {"9.4.43.v20210629", "9.4.51.v20230217"}, {"1.0-beta-1", "1.0"},
};
static const struct pair go[] = {
    {"v1.2.3", "v1.2.4"},
    {"v0.0.0-20210101000000-abcdefabcdef", "v0.1.0"},
    {"v1.8.1", "v1.10.0"},
    {"v2.0.0+incompatible", "v2.1.0+incompatible"},
    {"v0.17.0", "v0.23.0"},
    {"v1.55.0", "v1.56.3"},
    {"v0.0.0-20230522175609-2e198f4a06a1", "v0.0.0-20231005195138-3e424a577f31"},
    {"v1.0.0-rc.1", "v1.0.0"},
};
static const struct pair gem[] = {
    {"7.0.8", "7.0.8.1"},     {"1.15.4", "1.16.2"},
    {"2.8.5", "2.8.6"},       {"6.1.7.6", "6.1.7.7"},
    {"1.0.0.pre", "1.0.0"},   {"3.2.5", "3.2.6"},
    {"0.9.10", "0.10.0"},     {"5.0.0.beta1", "5.0.0.rc1"},
};
static const struct pair nuget[] = {
    {"13.0.1", "13.0.3"},           {"6.0.0", "8.0.0"},
    {"4.7.2", "4.8.0.0"},           {"2.2.0-preview1", "2.2.0"},
    {"1.0.0-beta.2", "1.0.0-beta.10"}, {"5.2.9", "5.3.0"},
    {"7.0.0-rc.2.22472.3", "7.0.0"}, {"12.0.3", "12.0.3.1"},
};
static const struct pair composer[] = {
    {"v5.4.31", "v5.4.35"},   {"9.52.16", "10.0.0"},
    {"2.0.0-RC1", "2.0.0"},   {"1.12.2", "1.13.0"},
    {"3.0.0-beta2", "3.0.0-beta10"}, {"6.3.8", "6.4.1"},
    {"dev-main", "1.0.0"},    {"2.4.0-alpha1", "2.4.0-beta1"},
};

static const struct {
    st_version_scheme scheme;
    const struct pair *pairs;
    size_t n;
} sets[] = {
#define SET(s, p) {s, p, sizeof(p) / sizeof(p[0])}
    SET(ST_VER_DEB, deb),       SET(ST_VER_RPM, rpm),
    SET(ST_VER_APK, apk),       SET(ST_VER_PYPI, pypi),
    SET(ST_VER_SEMVER, semver), SET(ST_VER_NPM, npm),
    SET(ST_VER_MAVEN, maven),   SET(ST_VER_GO, go),
    SET(ST_VER_GEM, gem),       SET(ST_VER_NUGET, nuget),
    SET(ST_VER_COMPOSER, composer),
#undef SET
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 3)
        return 1;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? strtod(argv[1], NULL) : 0.5;
    volatile int sink = 0;
    cpu_set_t one;

    if (secs <= 0)
        secs = 0.5;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof(one), &one) != 0)
        perror("bench_versions: sched_setaffinity (running unpinned)");

    printf("%-9s %6s %14s %8s\n", "scheme", "pairs", "compares/s", "ns/cmp");
    for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        const char *name = st_version_scheme_name(sets[s].scheme);
        const struct pair *p = sets[s].pairs;
        size_t n = sets[s].n, invalid = 0;
        double best = 0;
        int out, rc;

        if (!wanted(name, argc, argv))
            continue;
        rc = st_version_compare(&out, sets[s].scheme, p[0].a, p[0].b);
        if (rc == ST_EUNSUPPORTED) {
            printf("%-9s %6s %14s %8s\n", name, "-", "skipped", "-");
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (st_version_compare(&out, sets[s].scheme, p[i].a, p[i].b) < 0)
                invalid++;
        for (int round = 0; round < 3; round++) {
            unsigned long count = 0;
            double t0 = now(), t;
            do {
                /* 1024 comparisons between clock reads */
                for (int k = 0; k < 128; k++)
                    for (size_t i = 0; i < n && i < 8; i++) {
                        st_version_compare(&out, sets[s].scheme, p[i].a,
                                           p[i].b);
                        sink += out;
                    }
                count += 128 * (n < 8 ? n : 8);
                t = now() - t0;
            } while (t < secs / 3);
            if (count / t > best)
                best = count / t;
        }
        printf("%-9s %6zu %14.0f %8.1f", name, n, best, 1e9 / best);
        if (invalid)
            printf("   (%zu of the pairs are invalid for this comparator)",
                   invalid);
        printf("\n");
    }
    return sink == 0x7fffffff;
}
