/* The per-container baseline on deterministic series: a steady load with
 * jitter, a sustained jump (the miner pattern), a lone spike, a jump below
 * the floor, and two episodes. Each case states the sample that must
 * alert, worked out by hand from the parameters. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "monitor/container.h"

/* CPU percent: alpha 0.1 (about 10 samples of memory), alert at 3 sd above
 * the mean and above 50 %, 20 samples to learn, 3 in a row to alert. */
#define ALPHA   0.1
#define K       3.0
#define FLOOR   50.0
#define WARMUP  20
#define SUSTAIN 3

/* A steady 10 % with ±1 of jitter that repeats every 7 samples. */
static double steady(int i)
{
    static const double jitter[7] = {0, 0.8, -0.6, 1.0, -1.0, 0.3, -0.5};
    return 10 + jitter[i % 7];
}

/* Feeds series(i) for i in [0, n) and records the alerting samples. */
static int run(double (*series)(int), int n, int *alerts, int max)
{
    st_baseline b;
    int count = 0;
    st_baseline_init(&b, ALPHA, K, FLOOR, WARMUP, SUSTAIN);
    for (int i = 0; i < n; i++)
        if (st_baseline_feed(&b, series(i)) && count < max)
            alerts[count++] = i;
    return count;
}

static void test_baseline__steady(void **state)
{
    int alerts[8];
    (void)state;
    assert_int_equal(run(steady, 1000, alerts, 8), 0);
}

/* From sample 100 on, a miner holds 95 %: samples 100, 101, 102 are above,
 * the third completes the sustained anomaly. After that the level is
 * learnt as the new normal and nothing more is said about it. */
static double jump(int i)
{
    return i < 100 ? steady(i) : 95 + steady(i) / 10;
}

static void test_baseline__sustained_jump(void **state)
{
    int alerts[8];
    (void)state;
    assert_int_equal(run(jump, 1000, alerts, 8), 1);
    assert_int_equal(alerts[0], 100 + SUSTAIN - 1);
}

/* A single 95 % sample, and a burst one shorter than `sustain`. */
static double spikes(int i)
{
    if (i == 100 || i == 200 || i == 201)
        return 95;
    return steady(i);
}

static void test_baseline__spikes(void **state)
{
    int alerts[8];
    (void)state;
    assert_int_equal(run(spikes, 1000, alerts, 8), 0);
}

/* Tripling from 5 % to 15 % is far outside the deviation but below the
 * floor: not an anomaly. */
static double small_jump(int i)
{
    return (i < 100 ? 5 : 15) + steady(i) / 100;
}

static void test_baseline__below_floor(void **state)
{
    int alerts[8];
    (void)state;
    assert_int_equal(run(small_jump, 1000, alerts, 8), 0);
}

/* Two separate episodes of 10 samples, each reported once. */
static double episodes(int i)
{
    if ((i >= 100 && i < 110) || (i >= 300 && i < 310))
        return 90;
    return steady(i);
}

static void test_baseline__episodes(void **state)
{
    int alerts[8];
    (void)state;
    assert_int_equal(run(episodes, 1000, alerts, 8), 2);
    assert_int_equal(alerts[0], 100 + SUSTAIN - 1);
    assert_int_equal(alerts[1], 300 + SUSTAIN - 1);
}

/* Nothing is an anomaly while the baseline is still learning. */
static double early(int i)
{
    return i < 5 ? 10 : 95;
}

static void test_baseline__warmup(void **state)
{
    int alerts[8];
    (void)state;
    assert_int_equal(run(early, 200, alerts, 8), 0);
}

/* The moments after warmup, computed by hand: a constant series has mean
 * equal to it and no variance; alpha 0.5 on 0, 4 gives mean 2, variance
 * (1 - 0.5) * (0 + 4 * 2) = 4. */
static void test_baseline__moments(void **state)
{
    st_baseline b;
    (void)state;
    st_baseline_init(&b, 0.5, K, 0, 2, 1);
    assert_false(st_baseline_feed(&b, 0));
    assert_false(st_baseline_feed(&b, 4));
    assert_true(fabs(b.mean - 2) < 1e-12);
    assert_true(fabs(b.var - 4) < 1e-12);
    /* 2 + 3 * 2 = 8: 8 is not above it, 8.01 is (sustain 1). */
    assert_false(st_baseline_feed(&b, 8));
    st_baseline_init(&b, 0.5, K, 0, 2, 1);
    st_baseline_feed(&b, 0);
    st_baseline_feed(&b, 4);
    assert_true(st_baseline_feed(&b, 8.01));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline__steady),
        cmocka_unit_test(test_baseline__sustained_jump),
        cmocka_unit_test(test_baseline__spikes),
        cmocka_unit_test(test_baseline__below_floor),
        cmocka_unit_test(test_baseline__episodes),
        cmocka_unit_test(test_baseline__warmup),
        cmocka_unit_test(test_baseline__moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
