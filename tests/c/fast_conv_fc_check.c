/* Checks te_conv2d_fast_s8 and te_fully_connected_fast_s8 byte for byte
 * against the reference kernels on random configurations, the fast
 * requantization against te_requantize, then times four fixed layers.
 * Convolutions: random layers, first layers (1 or 3 channels, wide
 * kernels) and larger images; with the kernel's scratch, without (columns
 * on the stack), over their own input (1x1, as te_conv2d_inplace_fast_s8
 * runs them) and for channel ranges; multipliers, shifts and biases
 * include the fallbacks and the constant (dead) channels of converters.
 *
 * Host:  gcc -std=c99 -O2 -Wall -Wextra -Werror -Iruntime_c/include -Iruntime_c/src
 *        tests/c/fast_conv_fc_check.c runtime_c/src/te_conv2d_s8.c
 *        runtime_c/src/te_conv2d_fast_s8.c runtime_c/src/te_fully_connected_s8.c
 *        runtime_c/src/te_fully_connected_fast_s8.c   (times with clock())
 * QEMU:  add -DTE_QEMU, the core's -mcpu flags, firmware/cortex-m/startup.c,
 *        -T firmware/cortex-m/<board>.ld -L firmware/cortex-m --specs=rdimon.specs
 *        (tests/targets/c_driver.py: the exact commands) and run under
 *        qemu-system-arm -icount shift=0; counts instructions with SysTick.
 *        Random numbers, clocks and the other shared helpers: check_support.h,
 *        next to this file (no -I needed).
 * -DTE_CHECK_SEED=n, -DTE_CHECK_CONV_CONFIGS=n: other or more configurations.
 * Prints "ok N" (N configurations compared) or the first mismatch; the exit
 * status is nonzero on a mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinyedge/te_kernels.h"
#include "tinyedge/te_kernels_fast.h"
#include "te_fast_mac.h"
#include "te_inplace.h"

#ifndef TE_CHECK_SEED
#define TE_CHECK_SEED 0x12345678u
#endif
#include "check_support.h"

#ifndef TE_CHECK_CONFIGS
#define TE_CHECK_CONFIGS 300 /* per op */
#endif
#ifndef TE_CHECK_CONV_CONFIGS
#define TE_CHECK_CONV_CONFIGS 1000
#endif
#ifndef TE_CHECK_RQ
#define TE_CHECK_RQ 200000L /* random requantizations */
#endif

/* ---- buffers ------------------------------------------------------------ */

#define MAX_IN 24000
#define MAX_FILTER 24000
#define MAX_OUT 24000
#define MAX_CH 160
#define MAX_SCRATCH 4200

static int8_t g_in[MAX_IN];
static int8_t g_filter[MAX_FILTER];
static int32_t g_bias[MAX_CH];
static int32_t g_mult[MAX_CH];
static int32_t g_shift[MAX_CH];
static int8_t g_out_ref[MAX_OUT];
static int8_t g_out_fast[MAX_OUT];
static int32_t g_scratch[MAX_SCRATCH / 4];

/* multipliers in [2^30, 2^31 - 1] (sometimes 0 or INT32_MIN: the fallbacks),
 * shifts in [-10, 2] or, for outputs that do not all saturate, deeper
 * (sometimes one below -22: te_fast_rq1's limit; or a channel of tiny
 * scale, or one whose bias of +-2^30 saturates it, as converters make for
 * dead channels; or a bias beyond 2^29). */
static void fill_quant(int32_t n, int32_t k)
{
    const int32_t odd = rnd_in(0, 19);
    const int32_t deep = rnd() & 1u;
    int32_t lg = 0, i;
    while ((INT32_C(1) << lg) < k) {
        ++lg;
    }
    for (i = 0; i < n; ++i) {
        g_mult[i] = INT32_C(0x40000000) + (int32_t)(rnd() & 0x3FFFFFFFu);
        g_shift[i] = deep ? -rnd_in(6 + lg / 2, 12 + lg / 2) : rnd_in(-10, 2);
        g_bias[i] = (int32_t)(rnd() % 200001u) - 100000;
    }
    if (odd == 0) {
        g_mult[rnd() % (uint32_t)n] = 0;
    } else if (odd == 1) {
        g_mult[rnd() % (uint32_t)n] = INT32_MIN;
    } else if (odd == 2) {
        g_shift[rnd() % (uint32_t)n] = -25;
    } else if (odd == 3 || odd == 4) {
        for (i = rnd_in(1, 3); i > 0; --i) {
            const uint32_t c = rnd() % (uint32_t)n;
            g_bias[c] = (rnd() & 1u) ? INT32_C(0x40000000) + rnd_in(-200, 200) : -INT32_C(0x40000000) + rnd_in(-200, 200);
            g_shift[c] = odd == 3 ? -rnd_in(22, 31) : rnd_in(-12, -1);
        }
    } else if (odd == 5) {
        g_shift[rnd() % (uint32_t)n] = -rnd_in(22, 31);
    } else if (odd == 6) {
        g_bias[rnd() % (uint32_t)n] = (rnd() & 1u) ? INT32_C(0x20000000) : -INT32_C(0x20000000);
    }
}

/* an int8 zero point, or rarely beyond (te_fast_rq1 takes |off| <= 256) */
static int32_t rnd_out_offset(void)
{
    return (rnd() % 16u) == 0 ? rnd_in(-1000, 1000) : rnd_in(-128, 127);
}

static void rnd_act(int32_t *lo, int32_t *hi)
{
    if (rnd() & 1u) {
        *lo = -128;
        *hi = 127;
    } else {
        *lo = rnd_in(-128, 60);
        *hi = rnd_in(*lo, 127);
    }
}

/* ---- CONV_2D ------------------------------------------------------------ */

static void print_conv(const te_conv_params_t *p, int32_t has_bias)
{
    printf("conv b%ld in %ldx%ldx%ld out %ldx%ldx%ld k %ldx%ld fic %ld s %ld,%ld d %ld,%ld pad %ld,%ld "
           "in_off %ld out_off %ld act %ld..%ld bias %ld\n",
           (long)p->batches, (long)p->in_h, (long)p->in_w, (long)p->in_c, (long)p->out_h,
           (long)p->out_w, (long)p->out_c, (long)p->k_h, (long)p->k_w, (long)p->filter_in_c,
           (long)p->stride_h, (long)p->stride_w, (long)p->dil_h, (long)p->dil_w, (long)p->pad_h,
           (long)p->pad_w, (long)p->in_offset, (long)p->out_offset, (long)p->act_min,
           (long)p->act_max, (long)has_bias);
}

/* 1: compared and equal, 0: skipped (shape too big), -1: mismatch. Random
 * layers, now and then a first layer (1 or 3 channels, a wide kernel) or
 * a larger image (fields away from the edges); the fast kernel with its
 * scratch, or none (columns on the stack), or over its own input (1x1,
 * stride 1, out_c <= in_c, with the in-place scratch), or for a channel
 * range (the other channels must stay untouched). */
static int32_t check_conv_once(void)
{
    static const int32_t fics[] = {1, 2, 3, 4, 7, 8, 12, 16, 17, 32};
    static const int32_t fpgs[] = {1, 2, 3, 5, 8, 16, 17};
    static const int32_t ks[] = {1, 1, 2, 3, 3, 5};
    static const int32_t groups_v[] = {1, 1, 1, 1, 2, 3};
    static const int32_t first_c[] = {1, 3, 3};
    static const int32_t first_k[][2] = {{3, 3}, {3, 3}, {10, 4}, {5, 5}, {7, 7}, {1, 1}};
    static const int32_t first_oc[] = {8, 16, 17, 32, 64};
    te_conv_params_t p;
    int32_t groups, fpg, same, has_bias, nin, nfilter, nout, d, how, c0, c1, i;
    const int32_t kind = rnd_in(0, 7); /* 0: first layer, 1: larger image */
    memset(&p, 0, sizeof p);
    p.batches = rnd_in(1, 2);
    if (kind == 0) {
        const int32_t f = rnd_in(0, 5);
        groups = 1;
        p.filter_in_c = rnd_pick(first_c, 3);
        fpg = rnd_pick(first_oc, 5);
        p.k_h = first_k[f][0];
        p.k_w = first_k[f][1];
        p.in_h = rnd_in(p.k_h, 28);
        p.in_w = rnd_in(p.k_w, 28);
    } else {
        groups = rnd_pick(groups_v, 6);
        p.filter_in_c = rnd_pick(fics, 10);
        fpg = rnd_pick(fpgs, 7);
        p.k_h = rnd_pick(ks, 6);
        p.k_w = (rnd() & 3u) ? p.k_h : rnd_pick(ks, 6);
        p.in_h = kind == 1 ? rnd_in(6, 20) : rnd_in(1, 9);
        p.in_w = kind == 1 ? rnd_in(6, 20) : rnd_in(1, 9);
    }
    p.in_c = groups * p.filter_in_c;
    p.out_c = groups * fpg;
    p.stride_h = rnd_in(1, 2);
    p.stride_w = rnd_in(1, 2);
    p.dil_h = kind == 0 ? 1 : rnd_in(1, 2);
    p.dil_w = kind == 0 ? 1 : rnd_in(1, 2);
    same = (int32_t)(rnd() & 1u);
    p.out_h = conv_out_size(p.in_h, p.k_h, p.stride_h, p.dil_h, same, &p.pad_h);
    p.out_w = conv_out_size(p.in_w, p.k_w, p.stride_w, p.dil_w, same, &p.pad_w);
    nin = p.batches * p.in_h * p.in_w * p.in_c;
    nfilter = p.out_c * p.k_h * p.k_w * p.filter_in_c;
    nout = p.batches * p.out_h * p.out_w * p.out_c;
    if (p.out_h < 1 || p.out_w < 1 || nin > MAX_IN || nfilter > MAX_FILTER || nout > MAX_OUT ||
        p.out_c > MAX_CH ||
        TE_INPLACE_CHUNK * p.in_c + TE_CONV2D_FAST_SCRATCH(p.k_h, p.k_w, p.filter_in_c) > MAX_SCRATCH) {
        return 0;
    }
    p.in_offset = rnd_in(-128, 128); /* -zero point */
    p.out_offset = rnd_out_offset();
    rnd_act(&p.act_min, &p.act_max);
    fill_quant(p.out_c, p.k_h * p.k_w * p.filter_in_c);
    p.mult = g_mult;
    p.shift = g_shift;
    has_bias = (rnd() & 3u) != 0;
    fill_s8(g_in, nin);
    fill_s8(g_filter, nfilter);
    memset(g_out_ref, 0x55, (size_t)nout);
    memset(g_out_fast, 0x2A, (size_t)nout);
    memset(g_scratch, 0xA5, sizeof g_scratch);
    te_conv2d_s8(&p, g_in, g_filter, has_bias ? g_bias : NULL, g_out_ref);
    /* how: 0 scratch, 1 none, 2 in place, 3 a channel range */
    how = rnd_in(0, 3);
    if (how == 2 && !(p.k_h == 1 && p.k_w == 1 && p.stride_h == 1 && p.stride_w == 1 && groups == 1 &&
                      p.out_c <= p.in_c && p.pad_h == 0 && p.pad_w == 0)) {
        how = 0;
    }
    c0 = 0;
    c1 = p.out_c;
    if (how == 3) {
        c0 = rnd_in(0, p.out_c - 1);
        c1 = rnd_in(c0 + 1, p.out_c);
        if (rnd() & 1u) { /* the rules the compiler keeps to */
            c0 &= ~3;
            c1 = c1 == p.out_c ? c1 : (c1 + 3) & ~3;
            c1 = c1 > p.out_c ? p.out_c : c1;
        }
        p.oc_begin = c0;
        p.oc_end = c1 == p.out_c && (rnd() & 1u) ? 0 : c1;
    }
    if (how == 2) { /* as te_conv2d_inplace_fast_s8 */
        memcpy(g_out_fast, g_in, (size_t)nin); /* nin >= nout */
        if (te_fast_rq_mode(p.mult, p.shift, p.out_c, p.out_offset) == 0) {
            te_conv1x1_inplace(&p, g_out_fast, g_filter, has_bias ? g_bias : NULL, (uint8_t *)g_scratch,
                               te_conv2d_fast_s8);
        } else {
            te_conv2d_fast_run(&p, g_out_fast, g_filter, has_bias ? g_bias : NULL, g_out_fast, g_scratch,
                               TE_INPLACE_CHUNK * p.in_c + TE_CONV2D_FAST_SCRATCH(1, 1, p.in_c));
        }
    } else {
        te_conv2d_fast_s8(&p, g_in, g_filter, has_bias ? g_bias : NULL, g_out_fast, how == 1 ? NULL : g_scratch);
    }
    d = -1;
    for (i = 0; i < nout && d < 0; ++i) {
        const int32_t c = i % p.out_c;
        if (c >= c0 && c < c1 ? g_out_fast[i] != g_out_ref[i] : g_out_fast[i] != 0x2A) {
            d = i;
        }
    }
    if (d >= 0) {
        printf("MISMATCH at %ld: ref %d fast %d (how %ld, channels %ld..%ld)\n", (long)d, g_out_ref[d], g_out_fast[d],
               (long)how, (long)c0, (long)c1);
        print_conv(&p, has_bias);
        return -1;
    }
    return 1;
}

/* ---- FULLY_CONNECTED ---------------------------------------------------- */

static int32_t check_fc_once(void)
{
    static const int32_t ins[] = {1, 3, 4, 7, 16, 17, 64, 100, 127, 128, 129, 255, 256, 300, 517};
    static const int32_t outs[] = {1, 2, 3, 5, 10, 31, 32, 33, 64, 65, 100};
    te_fc_params_t p;
    int32_t has_bias, d, nout;
    memset(&p, 0, sizeof p);
    p.batches = rnd_in(1, 3);
    p.in_depth = (rnd() & 1u) ? rnd_pick(ins, 15) : rnd_in(1, 400);
    p.out_depth = (rnd() & 1u) ? rnd_pick(outs, 11) : rnd_in(1, 80);
    if (p.batches * p.in_depth > MAX_IN || p.in_depth * p.out_depth > MAX_FILTER ||
        p.out_depth > MAX_CH) {
        return 0;
    }
    p.in_offset = rnd_in(-128, 128);
    p.filter_offset = (rnd() % 8u) == 0 ? rnd_in(-127, 128) : 0;
    p.out_offset = rnd_out_offset();
    p.per_channel = (int32_t)(rnd() & 1u);
    rnd_act(&p.act_min, &p.act_max);
    fill_quant(p.per_channel ? p.out_depth : 1, p.in_depth);
    p.mult = g_mult;
    p.shift = g_shift;
    has_bias = (rnd() & 3u) != 0;
    fill_s8(g_in, p.batches * p.in_depth);
    fill_s8(g_filter, p.in_depth * p.out_depth);
    nout = p.batches * p.out_depth;
    memset(g_out_ref, 0x55, (size_t)nout);
    memset(g_out_fast, 0x2A, (size_t)nout);
    te_fully_connected_s8(&p, g_in, g_filter, has_bias ? g_bias : NULL, g_out_ref);
    te_fully_connected_fast_s8(&p, g_in, g_filter, has_bias ? g_bias : NULL, g_out_fast);
    d = first_diff(g_out_ref, g_out_fast, nout);
    if (d >= 0) {
        printf("MISMATCH at %ld: ref %d fast %d\n", (long)d, g_out_ref[d], g_out_fast[d]);
        printf("fc b%ld in %ld out %ld in_off %ld f_off %ld out_off %ld act %ld..%ld pc %ld bias %ld\n",
               (long)p.batches, (long)p.in_depth, (long)p.out_depth, (long)p.in_offset,
               (long)p.filter_offset, (long)p.out_offset, (long)p.act_min, (long)p.act_max,
               (long)p.per_channel, (long)has_bias);
        return -1;
    }
    return 1;
}

/* ---- requantization ----------------------------------------------------- */

static int32_t check_rq_one(int32_t x, int32_t mult, int32_t shift)
{
    te_fast_rq_t rq;
    int32_t want, got;
    te_fast_rq_init(&rq, mult, shift);
    want = te_requantize(x, mult, shift);
    got = te_fast_rq(&rq, x);
    if (want == got && mult >= 0 && shift <= -2 && shift >= -22) {
        const int32_t off = (int32_t)(rnd() % 513u) - 256;
        want += off;
        got = te_fast_rq1(x, mult, shift, te_fast_rq1_hi0(shift, off));
    }
    if (want != got) {
        printf("RQ MISMATCH x %ld mult %ld shift %ld: ref %ld fast %ld\n", (long)x, (long)mult,
               (long)shift, (long)want, (long)got);
        return 0;
    }
    return 1;
}

static int32_t check_rq(void)
{
    static const int32_t xs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, INT32_MAX - 1,
                                 INT32_C(0x40000000), -INT32_C(0x40000000), INT32_C(0x3FFFFFFF),
                                 -INT32_C(0x3FFFFFFF), 12345, -12345, 65536, -65536};
    static const int32_t ms[] = {0, 1, -1, INT32_MAX, INT32_C(0x40000000), INT32_C(0x40000001),
                                 INT32_C(0x7FFFFFFE), INT32_MIN + 1, -INT32_C(0x40000000)};
    int32_t i, j, s;
    long n;
    for (i = 0; i < (int32_t)(sizeof xs / sizeof xs[0]); ++i) {
        for (j = 0; j < (int32_t)(sizeof ms / sizeof ms[0]); ++j) {
            for (s = -31; s <= 30; ++s) {
                if (!check_rq_one(xs[i], ms[j], s)) {
                    return 0;
                }
            }
        }
    }
    /* exact ties of the rounding shift by e, both signs: with mult 2^30 the
     * high mul halves x, so x = (2j + 1) 2^e gives h = (j + 1/2) 2^e */
    for (s = 1; s <= 30; ++s) {
        for (j = -40; j <= 40; ++j) {
            const int64_t x = (2 * (int64_t)j + 1) * ((int64_t)1 << s);
            if (x >= INT32_MIN && x <= INT32_MAX &&
                (!check_rq_one((int32_t)x, INT32_C(0x40000000), -s) ||
                 !check_rq_one((int32_t)x + 1, INT32_C(0x40000000), -s) ||
                 !check_rq_one((int32_t)x - 1, INT32_C(0x40000000), -s))) {
                return 0;
            }
        }
    }
    for (n = 0; n < TE_CHECK_RQ; ++n) {
        int32_t mult = (int32_t)rnd();
        int32_t x = (int32_t)rnd();
        const int32_t s = rnd_in(-31, 30);
        if (mult == INT32_MIN) {
            continue;
        }
        if (n & 1) { /* realistic: accumulator-sized x, multiplier in [2^30, 2^31) */
            mult = (int32_t)(((uint32_t)mult >> 1) | 0x40000000u);
            x >>= rnd_in(0, 24);
        }
        if (n % 7 == 0) { /* few low bits */
            x = (int32_t)((uint32_t)x & ~0xFFFFu) | (int32_t)(1u << (rnd() % 16u));
        }
        if (!check_rq_one(x, mult, s)) {
            return 0;
        }
    }
    return 1;
}

/* ---- timing ------------------------------------------------------------- */

static void report(const char *name, double scale, uint32_t t_ref, uint32_t t_fast, double macs)
{
    const double r = scale * (double)t_ref, f = scale * (double)t_fast;
    printf("time %-26s ref %10.0f %s (%5.2f/MAC)  fast %10.0f %s (%5.2f/MAC)  x%.1f\n", name, r,
           TE_UNIT, r / macs, f, TE_UNIT, f / macs, r / (f > 0.0 ? f : 1.0));
}

static int32_t time_conv(const char *name, double scale, int32_t hw_h, int32_t hw_w, int32_t c_in,
                         int32_t c_out, int32_t k)
{
    te_conv_params_t p;
    uint32_t t0, t_ref, t_fast;
    int32_t i, nout;
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.in_h = p.out_h = hw_h;
    p.in_w = p.out_w = hw_w;
    p.in_c = p.filter_in_c = c_in;
    p.out_c = c_out;
    p.k_h = p.k_w = k;
    p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
    p.pad_h = p.pad_w = k / 2;
    p.in_offset = 5;
    p.out_offset = -3;
    p.act_min = -128;
    p.act_max = 127;
    fill_quant(c_out, 1);
    for (i = 0; i < c_out; ++i) { /* a typical layer */
        g_shift[i] = -9;
        g_bias[i] = (int32_t)(rnd() % 200001u) - 100000;
        if (g_mult[i] <= 0) {
            g_mult[i] = INT32_C(0x50000000);
        }
    }
    p.mult = g_mult;
    p.shift = g_shift;
    nout = hw_h * hw_w * c_out;
    fill_s8(g_in, hw_h * hw_w * c_in);
    fill_s8(g_filter, c_out * k * k * c_in);
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_conv2d_s8(&p, g_in, g_filter, g_bias, g_out_ref);
    }
    t_ref = clock_now() - t0;
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_conv2d_fast_s8(&p, g_in, g_filter, g_bias, g_out_fast, g_scratch);
    }
    t_fast = clock_now() - t0;
    report(name, scale, t_ref, t_fast, (double)nout * k * k * c_in);
    return first_diff(g_out_ref, g_out_fast, nout) < 0;
}

static int32_t time_fc(const char *name, double scale, int32_t in, int32_t out)
{
    te_fc_params_t p;
    uint32_t t0, t_ref, t_fast;
    int32_t i;
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.in_depth = in;
    p.out_depth = out;
    p.in_offset = 7;
    p.out_offset = 2;
    p.act_min = -128;
    p.act_max = 127;
    g_mult[0] = INT32_C(0x50000000);
    g_shift[0] = -9;
    p.mult = g_mult;
    p.shift = g_shift;
    fill_s8(g_in, in);
    fill_s8(g_filter, in * out);
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_fully_connected_s8(&p, g_in, g_filter, g_bias, g_out_ref);
    }
    t_ref = clock_now() - t0;
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_fully_connected_fast_s8(&p, g_in, g_filter, g_bias, g_out_fast);
    }
    t_fast = clock_now() - t0;
    report(name, scale, t_ref, t_fast, (double)in * out);
    return first_diff(g_out_ref, g_out_fast, out) < 0;
}

int main(void)
{
    int32_t i, n = 0, skipped = 0, r;
    double scale;
    check_io_init();
    if (!check_rq()) {
        return 1;
    }
    for (i = 0; i < TE_CHECK_CONV_CONFIGS; ++i) {
        r = check_conv_once();
        if (r < 0) {
            return 1;
        }
        n += r;
        skipped += r == 0;
    }
    for (i = 0; i < TE_CHECK_CONFIGS; ++i) {
        r = check_fc_once();
        if (r < 0) {
            return 1;
        }
        n += r;
        skipped += r == 0;
    }
    printf("ok %ld (skipped %ld)\n", (long)n, (long)skipped);

    clock_start();
    scale = calibrate();
    if (!time_conv("conv 1x1 25x5 64->64", scale, 25, 5, 64, 64, 1) ||
        !time_conv("conv 3x3 16x16 16->16", scale, 16, 16, 16, 16, 3) ||
        !time_conv("conv 3x3 32x32 3->16", scale, 32, 32, 3, 16, 3) ||
        !time_fc("fc 256->64", scale, 256, 64)) {
        printf("MISMATCH in a timed layer\n");
        return 1;
    }
    printf("end\n");
    return 0;
}
