/* bench_db_match DB_DIR IMAGE [RUNS]: the time st_vulndb_match takes for
 * one scanned image against a warm DB (the image is scanned once, not
 * timed). Prints the best and the median of RUNS runs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "inventory/result_int.h"
#include "strata/strata.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    st_vulndb *db = NULL;
    st_image *img = NULL;
    st_result *r = NULL;
    st_error *err = NULL;
    int runs = argc > 3 ? atoi(argv[3]) : 20;
    double *t;
    size_t found = 0;

    if (argc < 3 || runs < 1) {
        fprintf(stderr, "usage: %s DB_DIR IMAGE [RUNS]\n", argv[0]);
        return 2;
    }
    if (st_vulndb_open(&db, argv[1], &err) < 0 ||
        st_image_open(&img, argv[2], NULL, &err) < 0 ||
        st_scan_image(&r, img, NULL, &err) < 0) {
        char *m = st_error_format(err);
        fprintf(stderr, "bench_db_match: %s\n", m ? m : "error");
        return 2;
    }
    t = calloc((size_t)runs, sizeof(double));
    for (int i = 0; i < runs; i++) {
        double t0;
        r->vulns.len = 0; /* match the same inventory again */
        t0 = now();
        if (st_vulndb_match(db, r, &err) < 0) {
            char *m = st_error_format(err);
            fprintf(stderr, "bench_db_match: %s\n", m ? m : "error");
            return 2;
        }
        t[i] = now() - t0;
        found = st_result_vuln_count(r);
    }
    qsort(t, (size_t)runs, sizeof(double), cmp);
    printf("%zu packages, %zu findings: match best %.2f ms, median %.2f ms "
           "(%d runs)\n",
           st_result_package_count(r), found, t[0] * 1e3,
           t[runs / 2] * 1e3, runs);
    free(t);
    st_result_free(r);
    st_image_free(img);
    st_vulndb_close(db);
    return 0;
}
