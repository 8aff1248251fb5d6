/* What the check drivers in tests/c share: a seeded xorshift32 generator,
 * a byte-for-byte comparison, convolution output sizes, and a clock for
 * their timings (SysTick under QEMU, clock() on the host). Each driver is
 * one translation unit that includes this once; the functions are static
 * inline so that a driver need not use all of them (no -Wunused-function).
 *
 * Define TE_CHECK_SEED (the driver's generator seed) before including it.
 * With -DTE_QEMU, link firmware/cortex-m/startup.c: its SysTick handler
 * counts the wraps that clock_now reads. */
#ifndef CHECK_SUPPORT_H
#define CHECK_SUPPORT_H

#include <stdint.h>

/* ---- random ------------------------------------------------------------ */

#ifndef TE_CHECK_SEED
#error "define TE_CHECK_SEED before including check_support.h"
#endif

static uint32_t rng_state = TE_CHECK_SEED;

static inline uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* uniform-ish in [lo, hi] */
static inline int32_t rnd_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static inline int32_t rnd_pick(const int32_t *v, int32_t n)
{
    return v[rnd() % (uint32_t)n];
}

static inline void fill_s8(int8_t *p, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        p[i] = (int8_t)(rnd() & 0xFFu);
    }
}

/* ---- comparison -------------------------------------------------------- */

/* the first index where a and b differ, or -1 */
static inline int32_t first_diff(const int8_t *a, const int8_t *b, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            return i;
        }
    }
    return -1;
}

/* ---- layer geometry ---------------------------------------------------- */

/* output size along one axis and the padding before it, for "same" (1) or
 * "valid" (0) padding as TFLite computes them */
static inline int32_t conv_out_size(int32_t in, int32_t k, int32_t stride, int32_t dil, int32_t same,
                                    int32_t *pad)
{
    const int32_t eff = (k - 1) * dil + 1;
    int32_t out, total;
    if (same) {
        out = (in + stride - 1) / stride;
        total = (out - 1) * stride + eff - in;
        *pad = total > 0 ? total / 2 : 0;
    } else {
        out = in >= eff ? (in - eff) / stride + 1 : 0;
        *pad = 0;
    }
    return out;
}

/* ---- timing ---------------------------------------------------------------
 * clock_start, then clock_now in ticks; calibrate() is the scale from ticks
 * to TE_UNIT per call of a loop of TE_REPS calls. QEMU with -icount shift=0
 * counts instructions exactly, so one call is enough there. */

#ifdef TE_QEMU
#include "../../firmware/cortex-m/te_systick.h"

extern void initialise_monitor_handles(void);

#define TE_REPS 1
#define TE_UNIT "instr"

/* semihosting, for printf */
static inline void check_io_init(void)
{
    initialise_monitor_handles();
}

static inline void clock_start(void)
{
    te_clock_start();
}

static inline uint32_t clock_now(void)
{
    return te_clock_now();
}

/* instructions per tick, from a loop of 2 * 2^20 instructions: the emulated
 * boards' SysTick clocks differ */
static inline double calibrate(void)
{
    uint32_t n = 1048576u;
    const uint32_t start = clock_now();
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return 2097152.0 / (double)(clock_now() - start);
}

/* instructions of one run(arg); scale: calibrate()'s */
static inline double check_cost(void (*run)(const void *), const void *arg, double scale)
{
    const uint32_t start = clock_now();
    run(arg);
    return (double)(clock_now() - start) * scale;
}
#else
#include <time.h>

#define TE_REPS 200
#define TE_UNIT "ns"

static inline void check_io_init(void)
{
}

static inline void clock_start(void)
{
}

static inline uint32_t clock_now(void)
{
    return (uint32_t)clock();
}

/* nanoseconds per call, for ticks of a loop of TE_REPS calls */
static inline double calibrate(void)
{
    return 1e9 / (double)CLOCKS_PER_SEC / TE_REPS;
}

/* nanoseconds of one run(arg): the best of 5 loops, each doubled until it
 * lasts 20 ms (clock() is coarse). scale is unused: reps vary. */
static inline double check_cost(void (*run)(const void *), const void *arg, double scale)
{
    double best = 1e30;
    int32_t r, k, reps = 1;
    (void)scale;
    for (r = 0; r < 5; ++r) {
        clock_t t0, t1;
        for (;;) {
            t0 = clock();
            for (k = 0; k < reps; ++k) {
                run(arg);
            }
            t1 = clock();
            if ((double)(t1 - t0) > 0.02 * CLOCKS_PER_SEC) {
                break;
            }
            reps *= 2;
        }
        if ((double)(t1 - t0) * 1e9 / CLOCKS_PER_SEC / reps < best) {
            best = (double)(t1 - t0) * 1e9 / CLOCKS_PER_SEC / reps;
        }
    }
    return best;
}
#endif

#endif /* CHECK_SUPPORT_H */
