/* Checks te_depthwise_conv2d_fast_s8 byte for byte against the reference
 * te_depthwise_conv2d_s8 (random configurations, then a sweep of kernel
 * shapes, channel counts, depth multipliers and wide padding, then a sweep
 * of the 3x3 path's shapes: every line length's blocks of 4 and last block,
 * channel counts 1..17, strides 1 2 3, padding, tall and wide images), with
 * each configuration also over a channel range (oc_begin, oc_end) and, for
 * a stride-1 "same" layer, through te_depthwise_conv2d_inplace_fast_s8 over
 * its own input; and te_fast_requant.h against te_requantize (edge cases,
 * then random inputs); then the cost per MAC of fixed layers, reference vs
 * fast.
 *
 * Host:  gcc -std=c99 -O2 -Wall -Wextra -Werror -Iruntime_c/include -Iruntime_c/src
 *        tests/c/fast_depthwise_check.c runtime_c/src/te_depthwise_conv2d_s8.c
 *        runtime_c/src/te_depthwise_conv2d_fast_s8.c
 *        runtime_c/src/te_depthwise_conv2d_inplace_fast_s8.c  (ns/MAC with clock())
 *        (-DTE_DW_VECTOR=0: the kernel's scalar-core variant)
 * QEMU:  add -DTE_QEMU, the core's -mcpu flags, firmware/cortex-m/startup.c,
 *        -T firmware/cortex-m/<board>.ld -L firmware/cortex-m --specs=rdimon.specs
 *        (tests/targets/c_driver.py: the exact commands) and run under
 *        qemu-system-arm -icount shift=0; instructions/MAC counted with SysTick.
 *        (-DTE_DW_BLOCKS=n: the kernel's chunk size)
 *        Random numbers, clocks and the other shared helpers: check_support.h,
 *        next to this file (no -I needed).
 * Prints "ok N" (N configurations compared) or the first mismatch; the exit
 * status is nonzero on a mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinyedge/te_kernels.h"
#include "tinyedge/te_kernels_fast.h"
#include "te_fixedpoint.h"
#include "te_fast_requant.h"
#include "te_inplace.h"

#ifndef TE_CHECK_SEED
#define TE_CHECK_SEED 0x2545F491u
#endif
#include "check_support.h"

#ifdef TE_QEMU
#define TE_CHECK_CONFIGS 1000
#define TE_CHECK_RQ 300000L /* te_requantize is slow there (64-bit division) */
#else
#define TE_CHECK_CONFIGS 1500
#define TE_CHECK_RQ 8000000L
#endif

/* ---- requantization ------------------------------------------------------ */

static int check_rq_one(int32_t x, int32_t m, int32_t s)
{
    const int32_t want = te_requantize(x, m, s);
    const int32_t got = te_fast_requantize(x, m, s);
    if (got != want) {
        printf("FAIL te_fast_requantize(%ld, %ld, %ld) = %ld, te_requantize %ld\n", (long)x, (long)m, (long)s,
               (long)got, (long)want);
        return 1;
    }
    /* te_requantize_small's domain, with an output offset */
    if (x > -(INT32_C(1) << 30) && x < (INT32_C(1) << 30) && m > 0 && s <= 0 && s >= -21) {
        const int32_t off = (int32_t)(rnd() % 513u) - 256;
        const int32_t small = te_requantize_small(2 * x, m, -s, te_requant_round(-s, off));
        if (small != want + off) {
            printf("FAIL te_requantize_small(2 * %ld, %ld, %ld) + %ld = %ld, te_requantize %ld\n", (long)x, (long)m,
                   (long)-s, (long)off, (long)small, (long)want);
            return 1;
        }
    }
    return 0;
}

static int32_t rnd_edge(const int32_t *v, int32_t n)
{
    return (int32_t)((uint32_t)v[rnd() % (uint32_t)n] + rnd() % 3u - 1u); /* near an edge (wrapping) */
}

static int check_requant(void)
{
    static const int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1,
                                 INT32_C(1) << 30, -(INT32_C(1) << 30), (INT32_C(1) << 30) - 1,
                                 1 - (INT32_C(1) << 30), 65536, -65536, 12345, -12345};
    static const int32_t ms[] = {INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1,
                                 INT32_C(1) << 30, (INT32_C(1) << 30) + 1, -(INT32_C(1) << 30), 1518500250};
    const int32_t nx = (int32_t)(sizeof xs / sizeof xs[0]);
    const int32_t nm = (int32_t)(sizeof ms / sizeof ms[0]);
    int32_t i, j, s;
    long k;
    for (i = 0; i < nx; ++i) {
        for (j = 0; j < nm; ++j) {
            for (s = -31; s <= 31; ++s) {
                if (check_rq_one(xs[i], ms[j], s)) {
                    return 1;
                }
            }
        }
    }
    for (k = 0; k < TE_CHECK_RQ; ++k) {
        int32_t x, m;
        const uint32_t kind = rnd() % 8u;
        /* full range, accumulator-sized, small, near the edges */
        x = kind < 2u ? (int32_t)rnd()
            : kind < 5u ? (int32_t)rnd() >> rnd_in(1, 31)
            : kind < 7u ? rnd_in(-300, 300)
                        : rnd_edge(xs, nx);
        m = (k & 3) == 0 ? (int32_t)rnd() : (k & 3) == 1 ? rnd_edge(ms, nm) : (int32_t)((rnd() >> 1) | 0x40000000u);
        s = (k & 1) ? rnd_in(-31, 31) : rnd_in(-12, 3);
        if (check_rq_one(x, m, s)) {
            return 1;
        }
    }
    printf("requant ok %ld\n", TE_CHECK_RQ + (long)nx * nm * 63);
    return 0;
}

/* ---- depthwise ------------------------------------------------------------ */

#define MAX_IN 40000
#define MAX_OUT 60000
#define MAX_CH 280
#define MAX_FILTER (49 * MAX_CH)
#define GUARD 16

static int8_t g_in[MAX_IN];
static int8_t g_filter[MAX_FILTER];
static int32_t g_bias[MAX_CH];
static int32_t g_mult[MAX_CH];
static int32_t g_shift[MAX_CH];
static int8_t g_ref[MAX_OUT + GUARD];
static int8_t g_fast[MAX_OUT + GUARD];
/* in place: the buffer, and scratch (te_inplace.h's window) with a guard */
static int8_t g_buf[MAX_IN + GUARD];
#define SCRATCH_BYTES 64000
static int32_t g_scratch[(SCRATCH_BYTES + 4 + GUARD) / 4 + 1];

static void print_params(const te_conv_params_t *p, int has_bias)
{
    printf("  batches %ld in %ldx%ldx%ld out %ldx%ldx%ld k %ldx%ld dm %ld stride %ld,%ld dil %ld,%ld pad %ld,%ld\n",
           (long)p->batches, (long)p->in_h, (long)p->in_w, (long)p->in_c, (long)p->out_h, (long)p->out_w,
           (long)p->out_c, (long)p->k_h, (long)p->k_w, (long)p->depth_mult, (long)p->stride_h, (long)p->stride_w,
           (long)p->dil_h, (long)p->dil_w, (long)p->pad_h, (long)p->pad_w);
    printf("  in_offset %ld out_offset %ld act %ld..%ld bias %s\n", (long)p->in_offset, (long)p->out_offset,
           (long)p->act_min, (long)p->act_max, has_bias ? "yes" : "NULL");
}

/* Runs both kernels; 0 when the outputs (and the guard after them) agree. */
static int compare(const te_conv_params_t *p, const int32_t *bias)
{
    const int32_t n = p->batches * p->out_h * p->out_w * p->out_c;
    int32_t i;
    memset(g_ref, 0x5A, sizeof g_ref);
    memset(g_fast, 0x5A, sizeof g_fast);
    te_depthwise_conv2d_s8(p, g_in, g_filter, bias, g_ref);
    te_depthwise_conv2d_fast_s8(p, g_in, g_filter, bias, g_fast);
    for (i = 0; i < n + GUARD; ++i) {
        if (g_ref[i] != g_fast[i]) {
            printf("FAIL at output %ld of %ld: reference %d fast %d\n", (long)i, (long)n, g_ref[i], g_fast[i]);
            print_params(p, bias != NULL);
            return 1;
        }
    }
    /* every output written: a second run over another fill must agree too */
    memset(g_fast, 0xA5, (size_t)n);
    te_depthwise_conv2d_fast_s8(p, g_in, g_filter, bias, g_fast);
    if (memcmp(g_ref, g_fast, (size_t)n) != 0) {
        printf("FAIL: fast kernel leaves outputs unwritten\n");
        print_params(p, bias != NULL);
        return 1;
    }
    return 0;
}

/* Output channels [b, e) only (g_ref holds the whole layer's): those equal,
 * every other output byte untouched. */
static int compare_range(const te_conv_params_t *p, const int32_t *bias, int32_t b, int32_t e)
{
    const int32_t n = p->batches * p->out_h * p->out_w * p->out_c;
    te_conv_params_t q = *p;
    int32_t i;
    q.oc_begin = b;
    q.oc_end = e == p->out_c && (b & 1) ? 0 : e; /* 0: out_c */
    memset(g_fast, 0x5A, sizeof g_fast);
    te_depthwise_conv2d_fast_s8(&q, g_in, g_filter, bias, g_fast);
    for (i = 0; i < n + GUARD; ++i) {
        const int32_t c = i % p->out_c, in = i < n && c >= b && c < e;
        if (g_fast[i] != (in ? g_ref[i] : 0x5A)) {
            printf("FAIL channels [%ld, %ld) at output %ld of %ld: reference %d fast %d\n", (long)b, (long)e,
                   (long)i, (long)n, in ? g_ref[i] : 0x5A, g_fast[i]);
            print_params(p, bias != NULL);
            return 1;
        }
    }
    return 0;
}

/* A stride-1 "same" layer (depth multiplier 1) over its own input, with
 * te_inplace.h's scratch (at a byte offset, so not always word aligned),
 * against g_ref; the scratch's guard untouched. */
static int compare_inplace(const te_conv_params_t *p, const int32_t *bias, int32_t misalign)
{
    const int32_t n = p->batches * p->out_h * p->out_w * p->out_c;
    const int32_t sbytes = (p->k_h + TE_INPLACE_DW_ROWS - 1) * p->in_w * p->in_c;
    uint8_t *const scratch = (uint8_t *)g_scratch + misalign;
    int32_t i;
    memcpy(g_buf, g_in, (size_t)n);
    memset(g_buf + n, 0x5A, GUARD);
    memset(scratch + sbytes, 0x3C, GUARD);
    te_depthwise_conv2d_inplace_fast_s8(p, g_buf, g_filter, bias, g_buf, scratch);
    for (i = 0; i < n + GUARD; ++i) {
        if (g_buf[i] != (i < n ? g_ref[i] : 0x5A)) {
            printf("FAIL in place at output %ld of %ld: reference %d fast %d\n", (long)i, (long)n,
                   i < n ? g_ref[i] : 0x5A, g_buf[i]);
            print_params(p, bias != NULL);
            return 1;
        }
    }
    for (i = 0; i < GUARD; ++i) {
        if (scratch[sbytes + i] != 0x3C) {
            printf("FAIL in place: scratch written past its %ld bytes\n", (long)sbytes);
            print_params(p, bias != NULL);
            return 1;
        }
    }
    return 0;
}

/* compare, then a channel range at random, and over its own input where the
 * planner would (stride 1, out == in, depth multiplier 1, odd kernel) */
static int compare_all(const te_conv_params_t *p, const int32_t *bias)
{
    int32_t b, e;
    if (compare(p, bias)) {
        return 1;
    }
    b = (int32_t)(rnd() % (uint32_t)p->out_c);
    e = b + 1 + (int32_t)(rnd() % (uint32_t)(p->out_c - b));
    if (rnd() & 1) { /* as the compiler splits: a multiple of 4 */
        b &= ~3;
    }
    if (compare_range(p, bias, b, e)) {
        return 1;
    }
    if (p->stride_h == 1 && p->stride_w == 1 && p->dil_h == 1 && p->dil_w == 1 && p->depth_mult == 1 &&
        p->out_h == p->in_h && p->out_w == p->in_w && (p->k_h & 1) && (p->k_w & 1) &&
        p->in_w * p->in_c * (p->k_h + TE_INPLACE_DW_ROWS - 1) <= SCRATCH_BYTES) {
        return compare_inplace(p, bias, (int32_t)(rnd() % 4u));
    }
    return 0;
}

/* out = (in + pads - effective kernel) / stride + 1, or 0 */
static int32_t out_size(int32_t in, int32_t pad0, int32_t pad1, int32_t k, int32_t dil, int32_t stride)
{
    const int32_t span = in + pad0 + pad1 - (dil * (k - 1) + 1);
    return span < 0 ? 0 : span / stride + 1;
}

/* The quantization, activation range, bias and data of p at random, then
 * compare. */
static int random_data(te_conv_params_t *p, int32_t index)
{
    const int32_t n_in = p->batches * p->in_h * p->in_w * p->in_c;
    const int32_t taps = p->k_h * p->k_w;
    int32_t i, lo, hi, use_bias, wide_rq, edge_rq, e0, sensitive;
    if (p->out_c > MAX_CH || taps * p->out_c > MAX_FILTER || n_in > MAX_IN ||
        p->batches * p->out_h * p->out_w * p->out_c > MAX_OUT) {
        printf("FAIL: configuration %ld too large for the test's buffers\n", (long)index);
        return 1;
    }
    p->in_offset = rnd_in(-128, 127);
    p->out_offset = rnd_in(0, 15) ? rnd_in(-128, 127) : rnd_in(-400, 400); /* now and then beyond int8 */
    switch (rnd_in(0, 3)) {
    case 0: lo = -128; hi = 127; break;
    case 1: lo = p->out_offset; hi = 127; break; /* relu */
    case 2: lo = rnd_in(-128, 127); hi = rnd_in(lo, 127); break;
    default: lo = rnd_in(-128, 0); hi = rnd_in(0, 127); break;
    }
    p->act_min = lo;
    p->act_max = hi;
    use_bias = rnd_in(0, 4) != 0;
    wide_rq = rnd_in(0, 15) == 0; /* outside the DSP path's requantization */
    edge_rq = !wide_rq && rnd_in(0, 9) == 0; /* the 3x3 path's bounds: large right shifts and biases */
    /* mostly a scale that maps typical accumulators (~ sqrt(taps) * 128 * 74)
     * to +-64, so that an error of one tap shows in the outputs */
    e0 = 7 + (taps >= 4) + (taps >= 16) + (taps >= 36);
    sensitive = rnd_in(0, 4) != 0;
    for (i = 0; i < p->out_c; ++i) {
        g_bias[i] = rnd_in(0, 7) == 0 ? rnd_in(-(INT32_C(1) << 29), INT32_C(1) << 29)
                                      : (int32_t)rnd() >> rnd_in(sensitive ? 17 : 11, 31);
        g_mult[i] = (int32_t)((rnd() >> 1) | 0x40000000u);
        g_shift[i] = sensitive ? rnd_in(-e0 - 2, -e0 + 2) : rnd_in(-10, 2);
        if (wide_rq) {
            g_mult[i] = rnd_in(0, 3) ? (int32_t)rnd() : g_mult[i];
            g_shift[i] = rnd_in(-31, 4);
        }
        if (edge_rq) {
            g_shift[i] = rnd_in(-25, -19);
            g_bias[i] = rnd_in(0, 3) ? rnd_in(1 - (INT32_C(1) << 30), (INT32_C(1) << 30) - 1) : g_bias[i];
            g_mult[i] = rnd_in(0, 7) ? g_mult[i] : rnd_in(0, 1);
        }
    }
    if (edge_rq && rnd_in(0, 1)) {
        p->out_offset = rnd_in(0, 1) ? -128 : 127;
    }
    p->mult = g_mult;
    p->shift = g_shift;
    fill_s8(g_in, n_in);
    fill_s8(g_filter, taps * p->out_c);
    if (compare_all(p, use_bias ? g_bias : NULL)) {
        printf("  configuration %ld\n", (long)index);
        return 1;
    }
    return 0;
}

/* Kernel shapes, channel counts (multiples of 4 or not, more than a chunk),
 * depth multipliers, no or wide padding, strides, dilations: each once. */
static int sweep_configs(int32_t *count)
{
    static const int8_t ks[][2] = {{1, 1}, {1, 2}, {2, 1}, {3, 1}, {1, 9}, {3, 3}, {5, 5}, {7, 7}};
    static const int8_t cs[] = {4, 5, 7, 36, 67};
    static const int8_t dms[] = {1, 2, 4};
    int32_t k, c, d, v;
    for (k = 0; k < (int32_t)(sizeof ks / sizeof ks[0]); ++k) {
        for (c = 0; c < (int32_t)sizeof cs; ++c) {
            for (d = 0; d < (int32_t)sizeof dms; ++d) {
                for (v = 0; v < 4; ++v) {
                    te_conv_params_t p;
                    int32_t pad_after_h, pad_after_w;
                    memset(&p, 0, sizeof p);
                    p.batches = 1 + (v & 1);
                    p.in_h = 5 + (v & 1);
                    p.in_w = 7 - (v & 1);
                    p.in_c = cs[c];
                    p.depth_mult = dms[d];
                    p.out_c = p.in_c * p.depth_mult;
                    p.k_h = ks[k][0];
                    p.k_w = ks[k][1];
                    p.stride_h = p.stride_w = 1 + (v >> 1);
                    p.dil_h = p.dil_w = 2 - (v >> 1);
                    /* v & 1: padding wider than the kernel on each side */
                    p.pad_h = pad_after_h = (v & 1) ? p.k_h + 1 : 0;
                    p.pad_w = pad_after_w = (v & 1) ? p.k_w + 1 : 0;
                    p.out_h = out_size(p.in_h, p.pad_h, pad_after_h, p.k_h, p.dil_h, p.stride_h);
                    p.out_w = out_size(p.in_w, p.pad_w, pad_after_w, p.k_w, p.dil_w, p.stride_w);
                    if (p.out_h < 1 || p.out_w < 1) {
                        continue;
                    }
                    if (random_data(&p, -1 - *count)) {
                        return 1;
                    }
                    ++*count;
                }
            }
        }
    }
    return 0;
}

static int random_config(int32_t index)
{
    te_conv_params_t p;
    int32_t pad_after_h, pad_after_w, n_in, n_out;
    memset(&p, 0, sizeof p);
    do {
        p.batches = rnd_in(1, 4) == 1 ? 2 : 1;
        p.in_h = rnd_in(1, 20);
        p.in_w = rnd_in(1, 20);
        p.in_c = rnd_in(0, 3) == 0 ? rnd_in(1, 9) : rnd_in(1, 70);
        p.depth_mult = rnd_in(0, 2) ? 1 : rnd_in(2, 3);
        p.out_c = p.in_c * p.depth_mult;
        if (rnd_in(0, 2)) {
            p.k_h = p.k_w = 3;
        } else {
            p.k_h = rnd_in(1, 5);
            p.k_w = rnd_in(1, 5);
        }
        p.stride_h = rnd_in(1, 2);
        p.stride_w = rnd_in(1, 2);
        p.dil_h = rnd_in(0, 3) ? 1 : 2;
        p.dil_w = rnd_in(0, 3) ? 1 : 2;
        /* 0..k-1 each side, now and then a large one */
        p.pad_h = rnd_in(0, 9) ? rnd_in(0, p.k_h - 1) : rnd_in(0, 2 * p.k_h + 2);
        p.pad_w = rnd_in(0, 9) ? rnd_in(0, p.k_w - 1) : rnd_in(0, 2 * p.k_w + 2);
        pad_after_h = rnd_in(0, 9) ? rnd_in(0, p.k_h - 1) : rnd_in(0, 2 * p.k_h + 2);
        pad_after_w = rnd_in(0, 9) ? rnd_in(0, p.k_w - 1) : rnd_in(0, 2 * p.k_w + 2);
        p.out_h = out_size(p.in_h, p.pad_h, pad_after_h, p.k_h, p.dil_h, p.stride_h);
        p.out_w = out_size(p.in_w, p.pad_w, pad_after_w, p.k_w, p.dil_w, p.stride_w);
        n_in = p.batches * p.in_h * p.in_w * p.in_c;
        n_out = p.batches * p.out_h * p.out_w * p.out_c;
    } while (p.out_h < 1 || p.out_w < 1 || n_in > MAX_IN || n_out > MAX_OUT);
    return random_data(&p, index);
}

/* The 3x3 path's shapes (depth multiplier 1, dilation 1): line lengths
 * 1..17 (blocks of 4 and each last block: of 2 outputs, of 4 with 3),
 * channel counts 1..17 (4 at a time and the rest) and a few wider ones,
 * strides 1 2 3 each way, no, "same" or wide padding on each side, wide
 * and tall images (the line is the width or the height), a batch of 2. */
static int sweep_dw3(int32_t *count)
{
    static const int8_t strides[][2] = {{1, 1}, {2, 2}, {1, 2}, {2, 1}, {3, 1}, {1, 3}, {1, 1}, {2, 2}};
    static const int8_t extra_c[] = {24, 33, 48, 67};
    int32_t w, c, v;
    for (w = 1; w <= 17; ++w) {
        for (c = 1; c <= 21; ++c) {
            for (v = 0; v < 2; ++v) {
                te_conv_params_t p;
                const int32_t k = (w * 7 + c * 3 + v) % 8, other = 1 + (w + c + 3 * v) % 6;
                int32_t pad_after_h, pad_after_w;
                memset(&p, 0, sizeof p);
                p.batches = (w + c) % 9 == 0 ? 2 : 1;
                p.in_c = c <= 17 ? c : extra_c[c - 18];
                p.depth_mult = 1;
                p.out_c = p.in_c;
                p.k_h = p.k_w = 3;
                p.dil_h = p.dil_w = 1;
                p.stride_h = strides[k][0];
                p.stride_w = strides[k][1];
                /* v: a wide image (lines along the width) or a tall one */
                p.in_w = v ? other : w * p.stride_w + 2 - (c % 3);
                p.in_h = v ? w * p.stride_h + 2 - (c % 3) : other;
                p.in_w = p.in_w < 1 ? 1 : p.in_w;
                p.in_h = p.in_h < 1 ? 1 : p.in_h;
                switch ((w + 2 * c + v) % 4) {
                case 0: p.pad_h = pad_after_h = p.pad_w = pad_after_w = 0; break; /* VALID */
                case 1: p.pad_h = pad_after_h = p.pad_w = pad_after_w = 1; break; /* SAME, stride 1 */
                case 2: p.pad_h = 0; pad_after_h = 1; p.pad_w = 1; pad_after_w = 0; break;
                default: p.pad_h = 2; pad_after_h = (w + c) % 3; p.pad_w = (w + c) % 3; pad_after_w = 2; break;
                }
                p.out_h = out_size(p.in_h, p.pad_h, pad_after_h, 3, 1, p.stride_h);
                p.out_w = out_size(p.in_w, p.pad_w, pad_after_w, 3, 1, p.stride_w);
                if (p.out_h < 1 || p.out_w < 1) {
                    continue;
                }
                if (random_data(&p, -100000 - *count)) {
                    return 1;
                }
                ++*count;
            }
        }
    }
    return 0;
}

/* ---- timing ------------------------------------------------------------ */

/* the fast kernel once per output row (stride 1, as te_depthwise_inplace) */
static void fast_by_rows(const te_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                         int8_t *output)
{
    const int32_t row = p->in_w * p->in_c;
    te_conv_params_t q = *p;
    int32_t y;
    q.out_h = 1;
    for (y = 0; y < p->out_h; ++y) {
        const int32_t top = y * p->stride_h - p->pad_h;
        const int32_t first = top > 0 ? top : 0;
        const int32_t last = top + p->dil_h * (p->k_h - 1) < p->in_h - 1 ? top + p->dil_h * (p->k_h - 1) : p->in_h - 1;
        q.in_h = last - first + 1;
        q.pad_h = first - top;
        te_depthwise_conv2d_fast_s8(&q, input + first * row, filter, bias, output + y * p->out_w * p->out_c);
    }
}

/* te_depthwise_conv2d_inplace_fast_s8 over a copy of the input in output
 * (the copy, a memcpy, counted too) */
static void fast_inplace(const te_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                         int8_t *output)
{
    memcpy(output, input, (size_t)(p->batches * p->in_h * p->in_w * p->in_c));
    te_depthwise_conv2d_inplace_fast_s8(p, output, filter, bias, output, g_scratch);
}

typedef void (*dw_fn)(const te_conv_params_t *, const int8_t *, const int8_t *, const int32_t *, int8_t *);

typedef struct {
    dw_fn fn;
    const te_conv_params_t *p;
    int8_t *out;
} dw_call_t;

static double g_scale; /* calibrate()'s */

static void dw_call(const void *arg)
{
    const dw_call_t *c = (const dw_call_t *)arg;
    c->fn(c->p, g_in, g_filter, g_bias, c->out);
}

/* fn on g_in, g_filter, g_bias: instructions under QEMU, ns on the host */
static double cost(dw_fn fn, const te_conv_params_t *p, int8_t *out)
{
    const dw_call_t c = {fn, p, out};
    return check_cost(dw_call, &c, g_scale);
}
#define COST_UNIT TE_UNIT "/MAC"


/* One fixed layer: reference vs fast (instructions or time per MAC, padded
 * taps included); rows 1 calls the fast kernel once per output row (as
 * te_depthwise_inplace does), on the rows that row needs; rows 2 the
 * in-place kernel. */
static int bench(const char *name, int32_t h, int32_t w, int32_t c, int32_t k, int32_t dm, int32_t dil, int32_t stride,
                 int32_t pad, int32_t rows)
{
    te_conv_params_t p;
    double macs, ref, fast;
    int32_t i;
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.in_h = h;
    p.in_w = w;
    p.in_c = c;
    p.depth_mult = dm;
    p.out_c = c * dm;
    p.k_h = p.k_w = k;
    p.stride_h = p.stride_w = stride;
    p.dil_h = p.dil_w = dil;
    p.pad_h = p.pad_w = pad;
    p.out_h = out_size(h, pad, pad, k, dil, stride);
    p.out_w = out_size(w, pad, pad, k, dil, stride);
    p.in_offset = 128 - 5;
    p.out_offset = -128;
    p.act_min = -128;
    p.act_max = 127;
    for (i = 0; i < p.out_c; ++i) {
        g_bias[i] = (int32_t)rnd() >> 20;
        g_mult[i] = (int32_t)((rnd() >> 1) | 0x40000000u);
        g_shift[i] = rnd_in(-9, -5);
    }
    p.mult = g_mult;
    p.shift = g_shift;
    fill_s8(g_in, h * w * c);
    fill_s8(g_filter, k * k * p.out_c);
    macs = (double)p.out_h * p.out_w * p.out_c * k * k;
    ref = cost(te_depthwise_conv2d_s8, &p, g_ref);
    fast = cost(rows == 2 ? fast_inplace : rows ? fast_by_rows : te_depthwise_conv2d_fast_s8, &p, g_fast);
    if (memcmp(g_ref, g_fast, (size_t)(p.out_h * p.out_w * p.out_c)) != 0) {
        printf("FAIL %s: outputs differ\n", name);
        return 1;
    }
    printf("%-36s %7.0f MACs  reference %6.2f  fast %5.2f " COST_UNIT "  (x%.1f)\n", name, macs, ref / macs,
           fast / macs, ref / fast);
    return 0;
}

int main(void)
{
    int32_t i, swept = 0;
    check_io_init();
    clock_start();
    g_scale = calibrate();
    if (check_requant()) {
        return 1;
    }
    for (i = 0; i < TE_CHECK_CONFIGS; ++i) {
        if (random_config(i)) {
            return 1;
        }
    }
    if (sweep_configs(&swept) || sweep_dw3(&swept)) {
        return 1;
    }
    printf("ok %ld\n", (long)(TE_CHECK_CONFIGS + swept));
    printf("3x3, depth multiplier 1:\n");
    if (bench("KWS 25x5x64 s1 p1", 25, 5, 64, 3, 1, 1, 1, 1, 0) ||
        bench("KWS 25x5x64 s1 p1, in place (+ a copy)", 25, 5, 64, 3, 1, 1, 1, 1, 2) ||
        bench("KWS 25x5x64 s1 p1, a call per row", 25, 5, 64, 3, 1, 1, 1, 1, 1) ||
        bench("MobileNet 48x48x8 s1 p1", 48, 48, 8, 3, 1, 1, 1, 1, 0) ||
        bench("MobileNet 48x48x16 s2 p0", 48, 48, 16, 3, 1, 1, 2, 0, 0) ||
        bench("MobileNet 48x48x16 s2 p1", 48, 48, 16, 3, 1, 1, 2, 1, 0) ||
        bench("MobileNet 24x24x32 s1 p1", 24, 24, 32, 3, 1, 1, 1, 1, 0) ||
        bench("MobileNet 12x12x128 s1 p1", 12, 12, 128, 3, 1, 1, 1, 1, 0) ||
        bench("MobileNet 6x6x128 s1 p1", 6, 6, 128, 3, 1, 1, 1, 1, 0) ||
        bench("MobileNet 3x3x256 s1 p1", 3, 3, 256, 3, 1, 1, 1, 1, 0)) {
        return 1;
    }
    printf("generic:\n");
    if (bench("5x5 12x12x32 s1 p2", 12, 12, 32, 5, 1, 1, 1, 2, 0) ||
        bench("3x3 dm 2 12x12x16 s1 p1", 12, 12, 16, 3, 2, 1, 1, 1, 0) ||
        bench("3x3 dil 2 12x12x32 s1 p2", 12, 12, 32, 3, 1, 2, 1, 2, 0) ||
        bench("3x3 26x26x6 (6 channels) s1 p1", 26, 26, 6, 3, 1, 1, 1, 1, 0)) {
        return 1;
    }
    return 0;
}
