/* bench_serve_rematch STORE VULNDB INVENTORY.json N — the server's
 * re-matching cost: N images with the given inventory (a strata JSON
 * report) are stored, then every one is matched again with the DB and its
 * report replaced, as after `strata db update`. Prints the store time and
 * the re-match time (total and per image). Uses the server's internals. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"
#include "util/util.h"

int main(int argc, char **argv)
{
    st_server s;
    st_buf inv = ST_BUF_INIT(64u << 20);
    st_error *err = NULL;
    size_t n, images = 0, fresh = 0;
    double t0, t1, t2;

    if (argc != 5) {
        fprintf(stderr, "usage: %s STORE VULNDB INVENTORY.json N\n", argv[0]);
        return 2;
    }
    n = strtoul(argv[4], NULL, 10);
    memset(&s, 0, sizeof(s));
    s.log = fopen("/dev/null", "w");
    pthread_mutex_init(&s.log_mu, NULL);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    pthread_cond_init(&s.rematch_cv, NULL);
    pthread_mutex_init(&s.cache_mu, NULL);
    st_srv_metrics_init(&s.m);
    s.vulndb_dir = argv[2];
    if (st_read_file(&inv, argv[3], 64u << 20, &err) < 0 ||
        st_store_open(&s.store, argv[1], 4, &err) < 0)
        goto fail;
    t0 = st_srv_now();
    for (size_t i = 0; i < n; i++) {
        char digest[72], seed[64];
        snprintf(seed, sizeof(seed), "bench image %zu", i);
        st_sha256_hex(seed, strlen(seed), digest);
        if (st_store_claim_digest(s.store, digest, "bench", "bench", 600,
                                  &err) < 0 ||
            st_store_put_index(s.store, digest, "bench", NULL, 0, inv.ptr,
                               &err) < 0)
            goto fail;
    }
    t1 = st_srv_now();
    snprintf(s.db_version, sizeof(s.db_version), "bench-%ld",
             (long)st_srv_now());
    if (st_srv_rematch_all(&s, &images, &fresh, &err) < 0)
        goto fail;
    t2 = st_srv_now();
    printf("stored %zu images in %.2f s; re-matched %zu in %.2f s "
           "(%.2f ms per image), %zu findings new\n",
           n, t1 - t0, images, t2 - t1, (t2 - t1) * 1000.0 / (double)n,
           fresh);
    st_store_close(s.store);
    st_buf_release(&inv);
    return 0;
fail:
    {
        char *m = st_error_format(err);
        fprintf(stderr, "bench_serve_rematch: %s\n", m ? m : "failed");
        return 1;
    }
}
