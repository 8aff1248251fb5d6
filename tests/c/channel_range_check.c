/* Checks the output channel ranges of te_kernels.h (te_conv_params_t's
 * oc_begin / oc_end, te_fc_params_t's o_begin / o_end) on random
 * configurations of CONV_2D (groups included), DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED, reference and fast kernels:
 *  - the full call (range fields 0) of the fast kernel equals the
 *    reference's, and so does an explicit [0, out_c);
 *  - split at a random multiple of 4 (each part at least 4 wide for
 *    depthwise), the call on [0, s) writes exactly those channels of every
 *    pixel, equal to the full call's, and leaves every other byte (a random
 *    sentinel, the bytes after the tensor included) untouched; then the call
 *    on [s, out_c) (oc_end given as out_c or as 0) completes the full output;
 *  - any range [b, e) (not aligned, any width: the kernels' fallbacks) the
 *    same way.
 * Then, for a few fixed layers, the cost of the full fast call against its
 * two halves (the im2col / input widening is repeated per call).
 *
 * Host:  gcc -std=c99 -O2 -Wall -Wextra -Werror -Iruntime_c/include -Iruntime_c/src this.c
 *        runtime_c/src/te_{conv2d,depthwise_conv2d,fully_connected}{,_fast}_s8.c
 *        (-fsanitize=address,undefined in tests/targets/test_channel_range_c.py)
 * QEMU:  add -DTE_QEMU, the core's -mcpu flags, firmware/cortex-m/startup.c,
 *        -T firmware/cortex-m/<board>.ld -L firmware/cortex-m --specs=rdimon.specs
 *        (tests/targets/c_driver.py: the exact commands) and run under
 *        qemu-system-arm -icount shift=0; counts instructions with SysTick.
 *        Random numbers, clocks and the other shared helpers: check_support.h,
 *        next to this file (no -I needed).
 * Prints "ok N" (N configurations checked) or the first mismatch; the exit
 * status is nonzero on a mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinyedge/te_kernels.h"
#include "tinyedge/te_kernels_fast.h"

#ifndef TE_CHECK_SEED
#define TE_CHECK_SEED 0x9E3779B9u
#endif
#include "check_support.h"

#ifndef TE_CHECK_CONFIGS
#ifdef TE_QEMU
#define TE_CHECK_CONFIGS 600 /* per op */
#else
#define TE_CHECK_CONFIGS 600
#endif
#endif

/* ---- buffers ------------------------------------------------------------ */

#define MAX_IN 12000
#define MAX_FILTER 24000
#define MAX_OUT 12000
#define MAX_CH 200
#define MAX_SCRATCH 4200
#define GUARD 32

static int8_t g_in[MAX_IN];
static int8_t g_filter[MAX_FILTER];
static int32_t g_bias[MAX_CH];
static int32_t g_mult[MAX_CH];
static int32_t g_shift[MAX_CH];
static int32_t g_scratch[MAX_SCRATCH / 4];
static int8_t g_full_ref[MAX_OUT + GUARD];  /* the reference's full call */
static int8_t g_full_fast[MAX_OUT + GUARD]; /* the fast kernel's */
static int8_t g_out[MAX_OUT + GUARD];       /* the range calls' */
static int8_t g_sentinel[MAX_OUT + GUARD];  /* what g_out held before them */

/* ---- the layer under test ------------------------------------------------ */

enum { OP_CONV, OP_DW, OP_FC };

static int32_t g_op;
static te_conv_params_t g_cp;
static te_fc_params_t g_fp;
static const int32_t *g_bias_arg; /* g_bias or NULL */
static int32_t g_use_scratch;     /* fast CONV_2D: scratch, or NULL (stack or plain loop) */

static int32_t out_channels(void)
{
    return g_op == OP_FC ? g_fp.out_depth : g_cp.out_c;
}

static int32_t out_size_total(void)
{
    return g_op == OP_FC ? g_fp.batches * g_fp.out_depth : g_cp.batches * g_cp.out_h * g_cp.out_w * g_cp.out_c;
}

/* The reference (fast 0) or fast kernel on channels [begin, end) (as
 * stored in the parameters: end 0 is "all"). */
static void run(int32_t fast, int32_t begin, int32_t end, int8_t *out)
{
    if (g_op == OP_FC) {
        g_fp.o_begin = begin;
        g_fp.o_end = end;
        if (fast) {
            te_fully_connected_fast_s8(&g_fp, g_in, g_filter, g_bias_arg, out);
        } else {
            te_fully_connected_s8(&g_fp, g_in, g_filter, g_bias_arg, out);
        }
        return;
    }
    g_cp.oc_begin = begin;
    g_cp.oc_end = end;
    if (g_op == OP_CONV && fast) {
        te_conv2d_fast_s8(&g_cp, g_in, g_filter, g_bias_arg, out, g_use_scratch ? g_scratch : NULL);
    } else if (g_op == OP_CONV) {
        te_conv2d_s8(&g_cp, g_in, g_filter, g_bias_arg, out);
    } else if (fast) {
        te_depthwise_conv2d_fast_s8(&g_cp, g_in, g_filter, g_bias_arg, out);
    } else {
        te_depthwise_conv2d_s8(&g_cp, g_in, g_filter, g_bias_arg, out);
    }
}

static void print_layer(void)
{
    if (g_op == OP_FC) {
        printf("  fc b%ld in %ld out %ld in_off %ld f_off %ld out_off %ld act %ld..%ld pc %ld bias %d\n",
               (long)g_fp.batches, (long)g_fp.in_depth, (long)g_fp.out_depth, (long)g_fp.in_offset,
               (long)g_fp.filter_offset, (long)g_fp.out_offset, (long)g_fp.act_min, (long)g_fp.act_max,
               (long)g_fp.per_channel, g_bias_arg != NULL);
        return;
    }
    printf("  %s b%ld in %ldx%ldx%ld out %ldx%ldx%ld k %ldx%ld fic %ld dm %ld s %ld,%ld d %ld,%ld pad %ld,%ld "
           "in_off %ld out_off %ld act %ld..%ld bias %d scratch %ld\n",
           g_op == OP_CONV ? "conv" : "dw", (long)g_cp.batches, (long)g_cp.in_h, (long)g_cp.in_w, (long)g_cp.in_c,
           (long)g_cp.out_h, (long)g_cp.out_w, (long)g_cp.out_c, (long)g_cp.k_h, (long)g_cp.k_w,
           (long)g_cp.filter_in_c, (long)g_cp.depth_mult, (long)g_cp.stride_h, (long)g_cp.stride_w,
           (long)g_cp.dil_h, (long)g_cp.dil_w, (long)g_cp.pad_h, (long)g_cp.pad_w, (long)g_cp.in_offset,
           (long)g_cp.out_offset, (long)g_cp.act_min, (long)g_cp.act_max, g_bias_arg != NULL,
           (long)g_use_scratch);
}

/* g_out (and its copy g_sentinel) to random bytes, the guard included */
static void fill_sentinel(void)
{
    fill_s8(g_sentinel, out_size_total() + GUARD);
    memcpy(g_out, g_sentinel, (size_t)(out_size_total() + GUARD));
}

/* After calls on channels [lo0, hi0) and [lo1, hi1) of g_out: those equal
 * the full call, every other byte the sentinel. 0 if so. */
static int32_t check_out(const char *what, int32_t fast, int32_t lo0, int32_t hi0, int32_t lo1, int32_t hi1)
{
    const int32_t n = out_size_total(), ch = out_channels();
    int32_t i;
    for (i = 0; i < n + GUARD; ++i) {
        const int32_t c = i % ch;
        const int32_t in_range = i < n && ((c >= lo0 && c < hi0) || (c >= lo1 && c < hi1));
        const int8_t want = in_range ? g_full_ref[i] : g_sentinel[i];
        if (g_out[i] != want) {
            printf("MISMATCH (%s, %s kernel, ranges [%ld, %ld) [%ld, %ld)) at byte %ld of %ld (channel %ld): "
                   "%s %d, got %d\n",
                   what, fast ? "fast" : "reference", (long)lo0, (long)hi0, (long)lo1, (long)hi1, (long)i, (long)n,
                   (long)c, in_range ? "full call" : "sentinel", want, g_out[i]);
            print_layer();
            return 1;
        }
    }
    return 0;
}

/* The checks above on the layer set up in g_op, g_cp / g_fp and the data.
 * min_part: the narrowest part of an aligned split (4 for depthwise, 1
 * otherwise). Returns 0 if all agree; *splits counts the aligned splits
 * made. */
static int32_t check_layer(int32_t min_part, int32_t *splits)
{
    const int32_t n = out_size_total(), ch = out_channels();
    int32_t fast;
    memset(g_full_ref, 0x5A, (size_t)(n + GUARD));
    memset(g_full_fast, 0x3C, (size_t)(n + GUARD));
    run(0, 0, 0, g_full_ref);
    run(1, 0, 0, g_full_fast);
    if (memcmp(g_full_ref, g_full_fast, (size_t)n) != 0) {
        printf("MISMATCH: full calls, fast against reference\n");
        print_layer();
        return 1;
    }
    for (fast = 0; fast < 2; ++fast) {
        /* the explicit whole range */
        fill_sentinel();
        run(fast, 0, ch, g_out);
        if (check_out("explicit whole range", fast, 0, ch, 0, 0)) {
            return 1;
        }
        /* an aligned split: s a multiple of 4, both parts >= min_part */
        {
            const int32_t lo = (min_part + 3) / 4, hi = (ch - min_part) / 4;
            if (lo >= 1 && hi >= lo && 4 * hi < ch) {
                const int32_t s = 4 * rnd_in(lo, hi);
                fill_sentinel();
                run(fast, 0, s, g_out);
                if (check_out("split, first part", fast, 0, s, 0, 0)) {
                    return 1;
                }
                run(fast, s, (rnd() & 1u) ? ch : 0, g_out);
                if (check_out("split, both parts", fast, 0, s, s, ch)) {
                    return 1;
                }
                *splits += 1;
            }
        }
        /* any range */
        {
            const int32_t b = rnd_in(0, ch - 1);
            const int32_t e = (rnd() & 3u) == 0 ? ch : rnd_in(b + 1, ch);
            fill_sentinel();
            run(fast, b, e == ch && (rnd() & 1u) ? 0 : e, g_out);
            if (check_out("any range", fast, b, e, 0, 0)) {
                return 1;
            }
        }
    }
    return 0;
}

/* ---- quantization -------------------------------------------------------- */

/* n channels: multipliers in [2^30, 2^31), shifts that keep typical sums
 * of k taps visible in int8 (or [-10, 2]); sometimes a multiplier of 0 or
 * INT32_MIN, a shift below -22, or wide random values (the kernels'
 * fallbacks). */
static void fill_quant(int32_t n, int32_t k)
{
    const int32_t odd = rnd_in(0, 19);
    const int32_t sensitive = rnd_in(0, 3) != 0;
    int32_t lg = 0, i;
    while ((INT32_C(1) << lg) < k) {
        ++lg;
    }
    for (i = 0; i < n; ++i) {
        g_mult[i] = INT32_C(0x40000000) + (int32_t)(rnd() & 0x3FFFFFFFu);
        g_shift[i] = sensitive ? -rnd_in(6 + lg / 2, 9 + lg / 2) : rnd_in(-10, 2);
        g_bias[i] = (rnd() & 7u) == 0 ? (int32_t)(rnd() % 200001u) - 100000 : (int32_t)(rnd() % 4001u) - 2000;
    }
    if (odd == 0) {
        g_mult[rnd() % (uint32_t)n] = 0;
    } else if (odd == 1) {
        g_mult[rnd() % (uint32_t)n] = INT32_MIN;
    } else if (odd == 2) {
        g_shift[rnd() % (uint32_t)n] = -25;
    } else if (odd == 3) {
        for (i = 0; i < n; ++i) {
            g_mult[i] = (int32_t)rnd();
            g_shift[i] = rnd_in(-31, 4);
        }
    }
}

static int32_t rnd_out_offset(void)
{
    return (rnd() % 16u) == 0 ? rnd_in(-400, 400) : rnd_in(-128, 127);
}

static void rnd_act(int32_t *lo, int32_t *hi, int32_t out_offset)
{
    switch (rnd_in(0, 3)) {
    case 0:
    case 1:
        *lo = -128;
        *hi = 127;
        break;
    case 2:
        *lo = out_offset < -128 ? -128 : out_offset > 127 ? 127 : out_offset; /* relu */
        *hi = 127;
        break;
    default:
        *lo = rnd_in(-128, 60);
        *hi = rnd_in(*lo, 127);
        break;
    }
}

/* ---- configurations ------------------------------------------------------ */

/* 1: checked, 0: skipped (too big), -1: mismatch */
static int32_t check_conv_once(int32_t *splits)
{
    static const int32_t fics[] = {1, 2, 3, 4, 7, 8, 12, 16, 17, 32};
    static const int32_t fpgs[] = {1, 3, 4, 5, 8, 12, 16, 17, 24, 33, 40, 64};
    static const int32_t ks[] = {1, 1, 2, 3, 3, 5};
    static const int32_t groups_v[] = {1, 1, 1, 1, 2, 3, 4};
    int32_t groups, fpg, same, nin, nfilter, nout;
    g_op = OP_CONV;
    memset(&g_cp, 0, sizeof g_cp);
    g_cp.batches = rnd_in(1, 2);
    g_cp.in_h = rnd_in(1, 9);
    g_cp.in_w = rnd_in(1, 9);
    groups = rnd_pick(groups_v, 7);
    g_cp.filter_in_c = rnd_pick(fics, 10);
    fpg = rnd_pick(fpgs, 12);
    g_cp.in_c = groups * g_cp.filter_in_c;
    g_cp.out_c = groups * fpg;
    g_cp.k_h = rnd_pick(ks, 6);
    g_cp.k_w = (rnd() & 3u) ? g_cp.k_h : rnd_pick(ks, 6);
    g_cp.stride_h = rnd_in(1, 2);
    g_cp.stride_w = rnd_in(1, 2);
    g_cp.dil_h = rnd_in(1, 2);
    g_cp.dil_w = rnd_in(1, 2);
    same = (int32_t)(rnd() & 1u);
    g_cp.out_h = conv_out_size(g_cp.in_h, g_cp.k_h, g_cp.stride_h, g_cp.dil_h, same, &g_cp.pad_h);
    g_cp.out_w = conv_out_size(g_cp.in_w, g_cp.k_w, g_cp.stride_w, g_cp.dil_w, same, &g_cp.pad_w);
    nin = g_cp.batches * g_cp.in_h * g_cp.in_w * g_cp.in_c;
    nfilter = g_cp.out_c * g_cp.k_h * g_cp.k_w * g_cp.filter_in_c;
    nout = g_cp.batches * g_cp.out_h * g_cp.out_w * g_cp.out_c;
    if (g_cp.out_h < 1 || g_cp.out_w < 1 || nin > MAX_IN || nfilter > MAX_FILTER || nout > MAX_OUT ||
        g_cp.out_c > MAX_CH || TE_CONV2D_FAST_SCRATCH(g_cp.k_h, g_cp.k_w, g_cp.filter_in_c) > MAX_SCRATCH) {
        return 0;
    }
    g_cp.in_offset = rnd_in(-128, 128);
    g_cp.out_offset = rnd_out_offset();
    rnd_act(&g_cp.act_min, &g_cp.act_max, g_cp.out_offset);
    fill_quant(g_cp.out_c, g_cp.k_h * g_cp.k_w * g_cp.filter_in_c);
    g_cp.mult = g_mult;
    g_cp.shift = g_shift;
    g_bias_arg = (rnd() & 3u) ? g_bias : NULL;
    g_use_scratch = (rnd() & 7u) != 0;
    fill_s8(g_in, nin);
    fill_s8(g_filter, nfilter);
    return check_layer(1, splits) ? -1 : 1;
}

static int32_t check_dw_once(int32_t *splits)
{
    int32_t pad_after_h, pad_after_w, nin, nout;
    g_op = OP_DW;
    memset(&g_cp, 0, sizeof g_cp);
    do {
        g_cp.batches = rnd_in(1, 4) == 1 ? 2 : 1;
        g_cp.in_h = rnd_in(1, 12);
        g_cp.in_w = rnd_in(1, 12);
        g_cp.in_c = rnd_in(0, 5) == 0 ? rnd_in(1, 9) : rnd_in(8, 90);
        g_cp.depth_mult = rnd_in(0, 4) ? 1 : rnd_in(2, 3);
        g_cp.out_c = g_cp.in_c * g_cp.depth_mult;
        g_cp.filter_in_c = 1;
        if (rnd_in(0, 2)) {
            g_cp.k_h = g_cp.k_w = 3;
        } else {
            g_cp.k_h = rnd_in(1, 5);
            g_cp.k_w = rnd_in(1, 5);
        }
        g_cp.stride_h = rnd_in(1, 2);
        g_cp.stride_w = rnd_in(1, 2);
        g_cp.dil_h = rnd_in(0, 3) ? 1 : 2;
        g_cp.dil_w = rnd_in(0, 3) ? 1 : 2;
        g_cp.pad_h = rnd_in(0, g_cp.k_h - 1);
        g_cp.pad_w = rnd_in(0, g_cp.k_w - 1);
        pad_after_h = rnd_in(0, g_cp.k_h - 1);
        pad_after_w = rnd_in(0, g_cp.k_w - 1);
        g_cp.out_h = g_cp.in_h + g_cp.pad_h + pad_after_h - (g_cp.dil_h * (g_cp.k_h - 1) + 1);
        g_cp.out_h = g_cp.out_h < 0 ? 0 : g_cp.out_h / g_cp.stride_h + 1;
        g_cp.out_w = g_cp.in_w + g_cp.pad_w + pad_after_w - (g_cp.dil_w * (g_cp.k_w - 1) + 1);
        g_cp.out_w = g_cp.out_w < 0 ? 0 : g_cp.out_w / g_cp.stride_w + 1;
        nin = g_cp.batches * g_cp.in_h * g_cp.in_w * g_cp.in_c;
        nout = g_cp.batches * g_cp.out_h * g_cp.out_w * g_cp.out_c;
    } while (g_cp.out_h < 1 || g_cp.out_w < 1 || nin > MAX_IN || nout > MAX_OUT || g_cp.out_c > MAX_CH ||
             g_cp.k_h * g_cp.k_w * g_cp.out_c > MAX_FILTER);
    /* mostly within the DSP path's limits (in_offset in [-127, 128]) */
    g_cp.in_offset = rnd_in(-127, 128);
    g_cp.out_offset = rnd_out_offset();
    rnd_act(&g_cp.act_min, &g_cp.act_max, g_cp.out_offset);
    fill_quant(g_cp.out_c, g_cp.k_h * g_cp.k_w);
    g_cp.mult = g_mult;
    g_cp.shift = g_shift;
    g_bias_arg = (rnd() & 3u) ? g_bias : NULL;
    fill_s8(g_in, nin);
    fill_s8(g_filter, g_cp.k_h * g_cp.k_w * g_cp.out_c);
    return check_layer(4, splits) ? -1 : 1;
}

static int32_t check_fc_once(int32_t *splits)
{
    static const int32_t ins[] = {1, 3, 4, 7, 16, 17, 64, 100, 127, 128, 129, 255, 256, 300, 517};
    static const int32_t outs[] = {5, 8, 10, 12, 31, 32, 33, 36, 64, 65, 100, 130};
    g_op = OP_FC;
    memset(&g_fp, 0, sizeof g_fp);
    g_fp.batches = rnd_in(1, 3);
    g_fp.in_depth = (rnd() & 1u) ? rnd_pick(ins, 15) : rnd_in(1, 400);
    g_fp.out_depth = (rnd() & 1u) ? rnd_pick(outs, 12) : rnd_in(1, 90);
    if (g_fp.batches * g_fp.in_depth > MAX_IN || g_fp.in_depth * g_fp.out_depth > MAX_FILTER ||
        g_fp.out_depth > MAX_CH) {
        return 0;
    }
    g_fp.in_offset = rnd_in(-128, 128);
    g_fp.filter_offset = (rnd() % 8u) == 0 ? rnd_in(-127, 128) : 0;
    g_fp.out_offset = rnd_out_offset();
    g_fp.per_channel = (int32_t)(rnd() & 1u);
    rnd_act(&g_fp.act_min, &g_fp.act_max, g_fp.out_offset);
    fill_quant(g_fp.per_channel ? g_fp.out_depth : 1, g_fp.in_depth);
    g_fp.mult = g_mult;
    g_fp.shift = g_shift;
    g_bias_arg = (rnd() & 3u) ? g_bias : NULL;
    fill_s8(g_in, g_fp.batches * g_fp.in_depth);
    fill_s8(g_filter, g_fp.in_depth * g_fp.out_depth);
    return check_layer(1, splits) ? -1 : 1;
}

/* ---- timing ------------------------------------------------------------- */

/* the fast kernel's cost on [begin, end) (end 0: all) */
static double cost(double scale, int32_t begin, int32_t end)
{
    uint32_t t0;
    int32_t i;
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        run(1, begin, end, g_out);
    }
    return scale * (double)(clock_now() - t0);
}

/* Full call against the halves [0, s) and [s, out_c); 0 if the halves'
 * output equals the full call's. */
static int32_t time_split(const char *name, double scale, int32_t s)
{
    const int32_t n = out_size_total();
    double full, a, b;
    full = cost(scale, 0, 0);
    memcpy(g_full_fast, g_out, (size_t)n);
    memset(g_out, 0, (size_t)n);
    a = cost(scale, 0, s);
    b = cost(scale, s, 0);
    printf("time %-26s full %10.0f %s  halves %10.0f + %10.0f %s (sum x%.3f, slower half x%.3f)\n", name, full,
           TE_UNIT, a, b, TE_UNIT, (a + b) / full, (a > b ? a : b) / full);
    return memcmp(g_full_fast, g_out, (size_t)n) != 0;
}

static void time_conv_setup(int32_t op, int32_t hw, int32_t c_in, int32_t c_out, int32_t k)
{
    int32_t i;
    g_op = op;
    memset(&g_cp, 0, sizeof g_cp);
    g_cp.batches = 1;
    g_cp.in_h = g_cp.out_h = hw;
    g_cp.in_w = g_cp.out_w = hw;
    g_cp.in_c = c_in;
    g_cp.filter_in_c = op == OP_CONV ? c_in : 1;
    g_cp.depth_mult = op == OP_CONV ? 1 : c_out / c_in;
    g_cp.out_c = c_out;
    g_cp.k_h = g_cp.k_w = k;
    g_cp.stride_h = g_cp.stride_w = g_cp.dil_h = g_cp.dil_w = 1;
    g_cp.pad_h = g_cp.pad_w = k / 2;
    g_cp.in_offset = 5;
    g_cp.out_offset = -3;
    g_cp.act_min = -128;
    g_cp.act_max = 127;
    for (i = 0; i < c_out; ++i) {
        g_mult[i] = INT32_C(0x50000000) + (int32_t)(rnd() & 0xFFFFFu);
        g_shift[i] = -9;
        g_bias[i] = rnd_in(-1000, 1000);
    }
    g_cp.mult = g_mult;
    g_cp.shift = g_shift;
    g_bias_arg = g_bias;
    g_use_scratch = 1;
    fill_s8(g_in, hw * hw * c_in);
    fill_s8(g_filter, c_out * k * k * g_cp.filter_in_c);
}

static int32_t timings(void)
{
    double scale;
    int32_t bad = 0;
    clock_start();
    scale = calibrate();
    time_conv_setup(OP_CONV, 10, 64, 64, 1);
    bad |= time_split("conv 1x1 10x10 64->64", scale, 32);
    time_conv_setup(OP_CONV, 16, 16, 16, 3);
    bad |= time_split("conv 3x3 16x16 16->16", scale, 8);
    time_conv_setup(OP_DW, 12, 64, 64, 3);
    bad |= time_split("dw 3x3 12x12x64", scale, 32);
    time_conv_setup(OP_DW, 16, 36, 36, 3);
    bad |= time_split("dw 3x3 16x16x36", scale, 16);
    g_op = OP_FC;
    memset(&g_fp, 0, sizeof g_fp);
    g_fp.batches = 1;
    g_fp.in_depth = 256;
    g_fp.out_depth = 64;
    g_fp.in_offset = 7;
    g_fp.out_offset = 2;
    g_fp.act_min = -128;
    g_fp.act_max = 127;
    g_mult[0] = INT32_C(0x50000000);
    g_shift[0] = -9;
    g_fp.mult = g_mult;
    g_fp.shift = g_shift;
    fill_s8(g_in, 256);
    fill_s8(g_filter, 256 * 64);
    bad |= time_split("fc 256->64", scale, 32);
    return bad;
}

int main(void)
{
    int32_t i, r, n = 0, skipped = 0, splits = 0;
    check_io_init();
    for (i = 0; i < 3 * TE_CHECK_CONFIGS; ++i) {
        const int32_t op = i / TE_CHECK_CONFIGS;
        r = op == 0 ? check_conv_once(&splits) : op == 1 ? check_dw_once(&splits) : check_fc_once(&splits);
        if (r < 0) {
            return 1;
        }
        n += r;
        skipped += r == 0;
    }
    printf("ok %ld (skipped %ld, aligned splits %ld)\n", (long)n, (long)skipped, (long)splits);
    if (timings()) {
        printf("MISMATCH in a timed layer\n");
        return 1;
    }
    printf("end\n");
    return 0;
}
