/* Checks the sparse kernels (te_conv2d_sparse_1x1_s8, te_conv2d_sparse_s8,
 * te_fully_connected_sparse_s8) byte for byte against the dense reference
 * kernels on random configurations and densities (rows longer than
 * TE_SPARSE_LIST nonzeros included: build with -DTE_SPARSE_LIST=8 to send
 * most rows through the chunked path), then times layers shaped like
 * vww_96_int8's sparse 1x1 convolutions against te_conv2d_fast_s8.
 *
 * Host:  gcc -std=c99 -O2 -Wall -Wextra -Werror -pedantic -Iruntime_c/include
 *        -Iruntime_c/src tests/c/sparse_conv_check.c runtime_c/src/te_conv2d_s8.c
 *        runtime_c/src/te_conv2d_fast_s8.c runtime_c/src/te_conv2d_sparse_s8.c
 *        runtime_c/src/te_conv2d_sparse_1x1_s8.c runtime_c/src/te_sparse_rows.c
 *        runtime_c/src/te_fully_connected_s8.c runtime_c/src/te_fully_connected_fast_s8.c
 *        runtime_c/src/te_fully_connected_sparse_s8.c   (times with clock())
 * QEMU:  add -DTE_QEMU, the core's -mcpu flags, firmware/cortex-m/startup.c,
 *        -T firmware/cortex-m/<board>.ld -L firmware/cortex-m --specs=rdimon.specs
 *        (tests/targets/c_driver.py: the exact commands) and run under
 *        qemu-system-arm -icount shift=0; counts instructions with SysTick.
 *        Random numbers, clocks and the other shared helpers: check_support.h,
 *        next to this file (no -I needed).
 * Prints "ok N" (N configurations compared) or the first mismatch; the exit
 * status is nonzero on a mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinyedge/te_kernels.h"
#include "tinyedge/te_kernels_fast.h"
#include "te_sparse_rows.h"

#ifndef TE_CHECK_SEED
#define TE_CHECK_SEED 0x2545F491u
#endif
#include "check_support.h"

#ifndef TE_CHECK_CONFIGS
#define TE_CHECK_CONFIGS 400 /* per kernel */
#endif
#ifndef TE_CHECK_RQ
#define TE_CHECK_RQ 300000L /* random requantizations */
#endif

#define MAX_IN 16000
#define MAX_FILTER 65536
#define MAX_OUT 16000
#define MAX_CH 300

static int8_t g_in[MAX_IN];
static int8_t g_filter[MAX_FILTER];
static uint8_t g_mask[MAX_FILTER / 8 + MAX_CH];
static int8_t g_values[MAX_FILTER];
static int32_t g_bias[MAX_CH];
static int32_t g_mult[MAX_CH];
static int32_t g_shift[MAX_CH];
static int8_t g_out_ref[MAX_OUT];
static int8_t g_out_sparse[MAX_OUT];
static int32_t g_scratch[(4 * 9 * 128 + 8) / 4 + 1];

/* A random filter of rows x len with about permille / 1000 nonzeros; with
 * odd_rows, some rows all zero, some all nonzero. */
static void fill_sparse(int8_t *w, int32_t rows, int32_t len, int32_t permille, int32_t odd_rows)
{
    int32_t r, j;
    for (r = 0; r < rows; ++r) {
        const uint32_t kind = odd_rows ? rnd() % 16u : 2u;
        for (j = 0; j < len; ++j) {
            int8_t v = (int8_t)(rnd() & 0xFFu);
            if (v == 0) {
                v = 1;
            }
            if (kind == 0u || (kind != 1u && (int32_t)(rnd() % 1000u) >= permille)) {
                v = 0;
            }
            w[r * len + j] = v;
        }
    }
}

/* tinyedge/passes/sparsify.py's encode_rows: a bitmap per row, the nonzeros */
static int32_t encode_rows(const int8_t *w, int32_t rows, int32_t len)
{
    const int32_t row_bytes = (len + 7) / 8;
    int32_t r, j, n = 0;
    memset(g_mask, 0, (size_t)(rows * row_bytes));
    for (r = 0; r < rows; ++r) {
        for (j = 0; j < len; ++j) {
            if (w[r * len + j] != 0) {
                g_mask[r * row_bytes + j / 8] |= (uint8_t)(1u << (j & 7));
                g_values[n++] = w[r * len + j];
            }
        }
    }
    return n;
}

static int32_t rnd_density(void)
{
    static const int32_t d[] = {0, 5, 20, 100, 360, 500, 900, 1000};
    return rnd_pick(d, 8);
}

/* multipliers in [2^30, 2^31 - 1], sometimes 0, negative or INT32_MIN (the
 * requantization fallbacks); shifts shallow or deep, sometimes below -22 */
static void fill_quant(int32_t n)
{
    const int32_t odd = rnd_in(0, 9);
    const int32_t deep = rnd() & 1u;
    int32_t i;
    for (i = 0; i < n; ++i) {
        g_mult[i] = INT32_C(0x40000000) + (int32_t)(rnd() & 0x3FFFFFFFu);
        g_shift[i] = deep ? -rnd_in(6, 31) : rnd_in(-10, 2);
        g_bias[i] = (int32_t)(rnd() % 200001u) - 100000;
    }
    if (odd == 0) {
        g_mult[rnd() % (uint32_t)n] = 0;
    } else if (odd == 1) {
        g_mult[rnd() % (uint32_t)n] = INT32_MIN;
    } else if (odd == 2) {
        g_shift[rnd() % (uint32_t)n] = -25;
    } else if (odd == 3) {
        g_mult[rnd() % (uint32_t)n] = -INT32_C(0x50000000);
    }
}

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

static void print_conv(const char *kernel, const te_conv_params_t *p, int32_t has_bias, int32_t permille)
{
    printf("%s b%ld in %ldx%ldx%ld out %ldx%ldx%ld k %ldx%ld fic %ld s %ld,%ld d %ld,%ld pad %ld,%ld "
           "in_off %ld out_off %ld act %ld..%ld bias %ld density %ld/1000\n",
           kernel, (long)p->batches, (long)p->in_h, (long)p->in_w, (long)p->in_c, (long)p->out_h,
           (long)p->out_w, (long)p->out_c, (long)p->k_h, (long)p->k_w, (long)p->filter_in_c,
           (long)p->stride_h, (long)p->stride_w, (long)p->dil_h, (long)p->dil_w, (long)p->pad_h,
           (long)p->pad_w, (long)p->in_offset, (long)p->out_offset, (long)p->act_min,
           (long)p->act_max, (long)has_bias, (long)permille);
}

/* 1: compared and equal, 0: skipped (too big), -1: mismatch. one_by_one:
 * a 1x1 filter without padding, on both sparse kernels. */
static int32_t check_conv_once(int32_t one_by_one)
{
    static const int32_t fics[] = {1, 2, 3, 4, 7, 8, 13, 16, 17, 32, 64, 128, 255, 256, 300};
    static const int32_t fpgs[] = {1, 2, 3, 5, 8, 16, 17, 64, 131};
    static const int32_t ks[] = {1, 1, 2, 3, 3, 5};
    static const int32_t groups_v[] = {1, 1, 1, 1, 2, 3};
    te_conv_params_t p;
    int32_t groups, fpg, same, has_bias, nin, nfilter, nout, d, permille, row_len;
    memset(&p, 0, sizeof p);
    p.batches = rnd_in(1, 2);
    p.in_h = rnd_in(1, 9);
    p.in_w = rnd_in(1, 9);
    groups = rnd_pick(groups_v, 6);
    p.filter_in_c = rnd_pick(fics, 15);
    fpg = rnd_pick(fpgs, 9);
    p.in_c = groups * p.filter_in_c;
    p.out_c = groups * fpg;
    p.k_h = one_by_one ? 1 : rnd_pick(ks, 6);
    p.k_w = one_by_one ? 1 : (rnd() & 3u) ? p.k_h : rnd_pick(ks, 6);
    p.stride_h = rnd_in(1, 3);
    p.stride_w = (rnd() & 1u) ? p.stride_h : rnd_in(1, 3);
    p.dil_h = rnd_in(1, 2);
    p.dil_w = rnd_in(1, 2);
    same = (int32_t)(rnd() & 1u);
    p.out_h = conv_out_size(p.in_h, p.k_h, p.stride_h, p.dil_h, same, &p.pad_h);
    p.out_w = conv_out_size(p.in_w, p.k_w, p.stride_w, p.dil_w, same, &p.pad_w);
    if (one_by_one && (rnd() & 3u) == 0u) { /* an explicit output smaller than the input allows */
        p.out_h = rnd_in(1, p.out_h);
        p.out_w = rnd_in(1, p.out_w);
    }
    row_len = p.k_h * p.k_w * p.filter_in_c;
    nin = p.batches * p.in_h * p.in_w * p.in_c;
    nfilter = p.out_c * row_len;
    nout = p.batches * p.out_h * p.out_w * p.out_c;
    if (p.out_h < 1 || p.out_w < 1 || nin > MAX_IN || nfilter > MAX_FILTER || nout <= 0 || nout > MAX_OUT ||
        p.out_c > MAX_CH) {
        return 0;
    }
    permille = rnd_density();
    p.in_offset = rnd_in(-128, 128);
    p.out_offset = rnd_out_offset();
    rnd_act(&p.act_min, &p.act_max);
    fill_quant(p.out_c);
    p.mult = g_mult;
    p.shift = g_shift;
    has_bias = (rnd() & 3u) != 0;
    fill_s8(g_in, nin);
    fill_sparse(g_filter, p.out_c, row_len, permille, 1);
    encode_rows(g_filter, p.out_c, row_len);
    memset(g_out_ref, 0x55, (size_t)nout);
    te_conv2d_s8(&p, g_in, g_filter, has_bias ? g_bias : NULL, g_out_ref);
    memset(g_out_sparse, 0x2A, (size_t)nout);
    te_conv2d_sparse_s8(&p, g_in, g_mask, g_values, has_bias ? g_bias : NULL, g_out_sparse);
    d = first_diff(g_out_ref, g_out_sparse, nout);
    if (d >= 0) {
        printf("MISMATCH at %ld: ref %d sparse %d\n", (long)d, g_out_ref[d], g_out_sparse[d]);
        print_conv("conv sparse", &p, has_bias, permille);
        return -1;
    }
    if (one_by_one) {
        memset(g_out_sparse, 0x2A, (size_t)nout);
        te_conv2d_sparse_1x1_s8(&p, g_in, g_mask, g_values, has_bias ? g_bias : NULL, g_out_sparse);
        d = first_diff(g_out_ref, g_out_sparse, nout);
        if (d >= 0) {
            printf("MISMATCH at %ld: ref %d sparse 1x1 %d\n", (long)d, g_out_ref[d], g_out_sparse[d]);
            print_conv("conv sparse 1x1", &p, has_bias, permille);
            return -1;
        }
    }
    return 1;
}

static int32_t check_fc_once(void)
{
    static const int32_t ins[] = {1, 3, 4, 7, 16, 17, 64, 100, 127, 128, 129, 255, 256, 300, 517};
    static const int32_t outs[] = {1, 2, 3, 5, 10, 31, 32, 33, 64, 65, 100};
    te_fc_params_t p;
    int32_t has_bias, d, nout, permille;
    memset(&p, 0, sizeof p);
    p.batches = rnd_in(1, 5);
    p.in_depth = (rnd() & 1u) ? rnd_pick(ins, 15) : rnd_in(1, 400);
    p.out_depth = (rnd() & 1u) ? rnd_pick(outs, 11) : rnd_in(1, 80);
    if (p.batches * p.in_depth > MAX_IN || p.in_depth * p.out_depth > MAX_FILTER || p.out_depth > MAX_CH) {
        return 0;
    }
    permille = rnd_density();
    p.in_offset = rnd_in(-128, 128);
    p.out_offset = rnd_out_offset();
    p.per_channel = (int32_t)(rnd() & 1u);
    rnd_act(&p.act_min, &p.act_max);
    fill_quant(p.per_channel ? p.out_depth : 1);
    p.mult = g_mult;
    p.shift = g_shift;
    has_bias = (rnd() & 3u) != 0;
    fill_s8(g_in, p.batches * p.in_depth);
    fill_sparse(g_filter, p.out_depth, p.in_depth, permille, 1);
    encode_rows(g_filter, p.out_depth, p.in_depth);
    nout = p.batches * p.out_depth;
    memset(g_out_ref, 0x55, (size_t)nout);
    memset(g_out_sparse, 0x2A, (size_t)nout);
    te_fully_connected_s8(&p, g_in, g_filter, has_bias ? g_bias : NULL, g_out_ref);
    te_fully_connected_sparse_s8(&p, g_in, g_mask, g_values, has_bias ? g_bias : NULL, g_out_sparse);
    d = first_diff(g_out_ref, g_out_sparse, nout);
    if (d >= 0) {
        printf("MISMATCH at %ld: ref %d sparse %d\n", (long)d, g_out_ref[d], g_out_sparse[d]);
        printf("fc sparse b%ld in %ld out %ld in_off %ld out_off %ld act %ld..%ld pc %ld bias %ld density %ld\n",
               (long)p.batches, (long)p.in_depth, (long)p.out_depth, (long)p.in_offset, (long)p.out_offset,
               (long)p.act_min, (long)p.act_max, (long)p.per_channel, (long)has_bias, (long)permille);
        return -1;
    }
    return 1;
}

/* te_sparse_rq (every mode, deep shifts included) against te_requantize */
static int32_t check_rq(void)
{
    static const int32_t xs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, INT32_MAX - 1,
                                 INT32_C(0x40000000), -INT32_C(0x40000000), 12345, -12345, 65536, -65536};
    static const int32_t ms[] = {0, 1, INT32_MAX, INT32_C(0x40000000), INT32_C(0x40000001), -1, INT32_MIN,
                                 INT32_MIN + 1};
    static const int32_t offs[] = {0, -128, 127, 256, -256, 257, -1000};
    long n;
    int32_t i, j, s, o;
    for (n = 0; n < TE_CHECK_RQ; ++n) {
        int32_t x, mult, shift, off;
        te_sparse_rq_t rq;
        if (n < 15 * 8 * 7 * 42) { /* the corners, every shift */
            long c = n;
            i = (int32_t)(c % 15);
            c /= 15;
            j = (int32_t)(c % 8);
            c /= 8;
            o = (int32_t)(c % 7);
            s = (int32_t)(c / 7);
            x = xs[i];
            mult = ms[j];
            off = offs[o];
            shift = -31 + s;
        } else {
            x = (int32_t)rnd();
            mult = (int32_t)(((uint32_t)rnd() >> 1) | 0x40000000u);
            shift = -rnd_in(-10, 31);
            off = (rnd() & 7u) ? rnd_in(-128, 127) : rnd_in(-1000, 1000);
            if (n & 1) {
                x >>= rnd_in(0, 24);
            }
        }
        if ((int64_t)te_requantize(x, mult, shift) + off != (int32_t)((int64_t)te_requantize(x, mult, shift) + off)) {
            continue; /* the reference's + offset itself would overflow */
        }
        te_sparse_rq_init(&rq, mult, shift, off);
        if (te_sparse_rq(&rq, x) != te_requantize(x, mult, shift) + off) {
            printf("RQ MISMATCH x %ld mult %ld shift %ld off %ld mode %ld: ref %ld sparse %ld\n", (long)x,
                   (long)mult, (long)shift, (long)off, (long)rq.mode, (long)(te_requantize(x, mult, shift) + off),
                   (long)te_sparse_rq(&rq, x));
            return 0;
        }
    }
    return 1;
}

/* ---- timing ------------------------------------------------------------- */

/* A 1x1 stride-1 layer hw x hw x c_in -> c_out at density permille / 1000:
 * sparse 1x1 kernel against the dense fast one, per dense MAC. */
static int32_t time_1x1(double scale, int32_t hw, int32_t c_in, int32_t c_out, int32_t permille)
{
    te_conv_params_t p;
    uint32_t t0, t_dense, t_sparse;
    int32_t i, nout;
    double macs;
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.in_h = p.out_h = p.in_w = p.out_w = hw;
    p.in_c = p.filter_in_c = c_in;
    p.out_c = c_out;
    p.k_h = p.k_w = p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
    p.in_offset = 128;
    p.out_offset = -128;
    p.act_min = -128;
    p.act_max = 127;
    fill_quant(c_out);
    for (i = 0; i < c_out; ++i) {
        g_shift[i] = -9;
        if (g_mult[i] <= 0) {
            g_mult[i] = INT32_C(0x50000000);
        }
    }
    p.mult = g_mult;
    p.shift = g_shift;
    nout = hw * hw * c_out;
    fill_s8(g_in, hw * hw * c_in);
    fill_sparse(g_filter, c_out, c_in, permille, 0);
    encode_rows(g_filter, c_out, c_in);
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_conv2d_fast_s8(&p, g_in, g_filter, g_bias, g_out_ref, g_scratch);
    }
    t_dense = clock_now() - t0;
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_conv2d_sparse_1x1_s8(&p, g_in, g_mask, g_values, g_bias, g_out_sparse);
    }
    t_sparse = clock_now() - t0;
    macs = (double)nout * c_in;
    printf("time 1x1 %dx%d %d->%d density %4.1f%%  dense fast %9.0f %s (%4.2f/MAC)  sparse %9.0f %s (%4.2f/MAC)\n",
           (int)hw, (int)hw, (int)c_in, (int)c_out, permille / 10.0, scale * t_dense, TE_UNIT,
           scale * t_dense / macs, scale * t_sparse, TE_UNIT, scale * t_sparse / macs);
    return first_diff(g_out_ref, g_out_sparse, nout) < 0;
}

/* A 3x3 "same" layer hw x hw x c -> c at density permille / 1000: the
 * general sparse kernel against the dense fast one. */
static int32_t time_3x3(double scale, int32_t hw, int32_t c, int32_t permille)
{
    te_conv_params_t p;
    uint32_t t0, t_dense, t_sparse;
    int32_t i, nout;
    double macs;
    memset(&p, 0, sizeof p);
    p.batches = 1;
    p.in_h = p.out_h = p.in_w = p.out_w = hw;
    p.in_c = p.filter_in_c = p.out_c = c;
    p.k_h = p.k_w = 3;
    p.pad_h = p.pad_w = 1;
    p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
    p.in_offset = 128;
    p.out_offset = -128;
    p.act_min = -128;
    p.act_max = 127;
    fill_quant(c);
    for (i = 0; i < c; ++i) {
        g_shift[i] = -9;
        if (g_mult[i] <= 0) {
            g_mult[i] = INT32_C(0x50000000);
        }
    }
    p.mult = g_mult;
    p.shift = g_shift;
    nout = hw * hw * c;
    fill_s8(g_in, hw * hw * c);
    fill_sparse(g_filter, c, 9 * c, permille, 0);
    encode_rows(g_filter, c, 9 * c);
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_conv2d_fast_s8(&p, g_in, g_filter, g_bias, g_out_ref, g_scratch);
    }
    t_dense = clock_now() - t0;
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_conv2d_sparse_s8(&p, g_in, g_mask, g_values, g_bias, g_out_sparse);
    }
    t_sparse = clock_now() - t0;
    macs = (double)nout * 9 * c;
    printf("time 3x3 %dx%d %d->%d density %4.1f%%  dense fast %9.0f %s (%4.2f/MAC)  sparse %9.0f %s (%4.2f/MAC)\n",
           (int)hw, (int)hw, (int)c, (int)c, permille / 10.0, scale * t_dense, TE_UNIT, scale * t_dense / macs,
           scale * t_sparse, TE_UNIT, scale * t_sparse / macs);
    return first_diff(g_out_ref, g_out_sparse, nout) < 0;
}

/* FULLY_CONNECTED in -> out, one batch row, at density permille / 1000. */
static int32_t time_fc(double scale, int32_t in, int32_t out, int32_t permille)
{
    te_fc_params_t p;
    uint32_t t0, t_dense, t_sparse;
    int32_t i;
    double macs;
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
    fill_sparse(g_filter, out, in, permille, 0);
    encode_rows(g_filter, out, in);
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_fully_connected_fast_s8(&p, g_in, g_filter, g_bias, g_out_ref);
    }
    t_dense = clock_now() - t0;
    t0 = clock_now();
    for (i = 0; i < TE_REPS; ++i) {
        te_fully_connected_sparse_s8(&p, g_in, g_mask, g_values, g_bias, g_out_sparse);
    }
    t_sparse = clock_now() - t0;
    macs = (double)in * out;
    printf("time fc %d->%d density %4.1f%%  dense fast %9.0f %s (%4.2f/MAC)  sparse %9.0f %s (%4.2f/MAC)\n", (int)in,
           (int)out, permille / 10.0, scale * t_dense, TE_UNIT, scale * t_dense / macs, scale * t_sparse, TE_UNIT,
           scale * t_sparse / macs);
    return first_diff(g_out_ref, g_out_sparse, out) < 0;
}

int main(void)
{
    int32_t i, n = 0, skipped = 0, r;
    double scale;
    check_io_init();
    if (!check_rq()) {
        return 1;
    }
    for (i = 0; i < 3 * TE_CHECK_CONFIGS; ++i) {
        r = i % 3 == 2 ? check_fc_once() : check_conv_once(i % 3 == 0);
        if (r < 0) {
            return 1;
        }
        n += r;
        skipped += r == 0;
    }
    printf("ok %ld (skipped %ld)\n", (long)n, (long)skipped);

    clock_start();
    scale = calibrate();
    if (!time_1x1(scale, 6, 128, 128, 363) || !time_1x1(scale, 6, 128, 128, 99) ||
        !time_1x1(scale, 6, 128, 128, 21) || !time_1x1(scale, 3, 256, 256, 10) ||
        !time_1x1(scale, 6, 128, 128, 500) || !time_3x3(scale, 12, 32, 100) || !time_3x3(scale, 12, 32, 300) ||
        !time_fc(scale, 256, 64, 100) || !time_fc(scale, 256, 64, 300)) {
        printf("MISMATCH in a timed layer\n");
        return 1;
    }
    printf("end\n");
    return 0;
}
