/* bench/monitor_load — the workloads of bench/monitor, small enough to run
 * inside a busybox container (bench/monitor also builds it -static):
 *
 *   monitor_load exec N [PROGRAM]
 *       spawns PROGRAM (default /bin/true) N times, one after the other,
 *       and prints "exec N SECONDS EXECS_PER_S"
 *   monitor_load open RATE SECONDS DIR
 *       opens files in DIR for writing (O_WRONLY|O_CREAT|O_TRUNC, 64
 *       names in turn) at RATE opens a second for SECONDS and prints
 *       "open N SECONDS OPENS_PER_S"
 *   monitor_load fork N SECONDS
 *       keeps N sleeping children for SECONDS (a fork burst), then reaps
 *       them
 *   monitor_load spin SECONDS
 *       burns one CPU for SECONDS
 *
 * Uses no part of strata: the same source runs on the host and in a
 * container. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg_long(const char *s, const char *what)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "monitor_load: %s %s: expected a number\n", what, s);
        exit(2);
    }
    return v;
}

static int do_exec(long n, const char *prog)
{
    char *argv[] = {(char *)prog, NULL};
    double t0 = now_s(), dt;
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int st, e = posix_spawn(&pid, prog, NULL, NULL, argv, environ);
        if (e != 0) {
            fprintf(stderr, "monitor_load: %s: %s\n", prog, strerror(e));
            return 1;
        }
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0) {
            fprintf(stderr, "monitor_load: %s failed\n", prog);
            return 1;
        }
    }
    dt = now_s() - t0;
    printf("exec %ld %.3f %.0f\n", n, dt, (double)n / dt);
    return 0;
}

static int do_open(long rate, long secs, const char *dir)
{
    char path[4096];
    double t0 = now_s(), t;
    long done = 0;

    while ((t = now_s() - t0) < (double)secs) {
        long want = (long)(t * (double)rate) + 1;
        if (done >= want) {
            struct timespec ts = {0, 50000}; /* 50 µs */
            nanosleep(&ts, NULL);
            continue;
        }
        /* behind (the machine is slower than RATE): catch up, but look at
         * the clock every 1024 opens */
        while (done < want && ((done & 1023) || now_s() - t0 < (double)secs)) {
            int fd;
            snprintf(path, sizeof(path), "%s/f%ld", dir, done % 64);
            if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
                fprintf(stderr, "monitor_load: %s: %s\n", path,
                        strerror(errno));
                return 1;
            }
            close(fd);
            done++;
        }
    }
    t = now_s() - t0;
    printf("open %ld %.3f %.0f\n", done, t, (double)done / t);
    return 0;
}

static int do_fork(long n, long secs)
{
    pid_t *kids = calloc((size_t)n + 1, sizeof(pid_t));
    long made = 0;
    if (!kids)
        return 1;
    for (; made < n; made++) {
        pid_t p = fork();
        if (p < 0)
            break;
        if (p == 0) {
            sleep((unsigned)secs);
            _exit(0);
        }
        kids[made] = p;
    }
    sleep((unsigned)secs);
    for (long i = 0; i < made; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
    free(kids);
    printf("fork %ld %ld\n", made, secs);
    return made == n ? 0 : 1;
}

static int do_spin(long secs)
{
    volatile unsigned long x = 0;
    double end = now_s() + (double)secs;
    while (now_s() < end)
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
    printf("spin %ld\n", secs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "exec"))
        return do_exec(arg_long(argv[2], "N"),
                       argc > 3 ? argv[3] : "/bin/true");
    if (argc == 5 && !strcmp(argv[1], "open"))
        return do_open(arg_long(argv[2], "RATE"),
                       arg_long(argv[3], "SECONDS"), argv[4]);
    if (argc == 4 && !strcmp(argv[1], "fork"))
        return do_fork(arg_long(argv[2], "N"), arg_long(argv[3], "SECONDS"));
    if (argc == 3 && !strcmp(argv[1], "spin"))
        return do_spin(arg_long(argv[2], "SECONDS"));
    fprintf(stderr, "usage: monitor_load exec N [PROGRAM] | open RATE "
                    "SECONDS DIR | fork N SECONDS | spin SECONDS\n");
    return 2;
}
