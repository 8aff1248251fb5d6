/* Checks te_add_fast_s8 / te_sub_fast_s8 byte for byte against the
 * reference te_add_s8 / te_sub_s8: parameter sets as tinyedge/ops/add.py
 * makes them (a table generated from its formulas, the resnet layers'),
 * random ones inside the fast kernel's bounds (te_add_sub_fast_s8.c) and
 * just outside them (its fallback), on flat runs of lengths on both sides of
 * the table threshold (TE_ADD_TABLE_MIN) and on random broadcasts; then every
 * int8 pair (256 x 256) for a few sets, through the table and without it;
 * then the cost per output element, reference vs fast.
 *
 * Host:  gcc -std=c99 -O2 -Wall -Wextra -Werror -Iruntime_c/include -Iruntime_c/src
 *        tests/c/fast_add_check.c runtime_c/src/te_add_sub_s8.c
 *        runtime_c/src/te_add_sub_fast_s8.c runtime_c/src/te_broadcast_s8.c
 * QEMU:  add -DTE_QEMU, the core's -mcpu flags, firmware/cortex-m/startup.c,
 *        -T firmware/cortex-m/<board>.ld -L firmware/cortex-m --specs=rdimon.specs
 *        (tests/targets/c_driver.py: the exact commands) and run under
 *        qemu-system-arm -icount shift=0; instructions per element counted
 *        with SysTick.
 *        Random numbers, clocks and the other shared helpers: check_support.h,
 *        next to this file (no -I needed).
 * Prints "ok N" (N configurations compared) or the first mismatch; the exit
 * status is nonzero on a mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinyedge/te_kernels.h"

#ifndef TE_CHECK_SEED
#define TE_CHECK_SEED 0x9E3779B9u
#endif
#include "check_support.h"

#ifdef TE_QEMU
#define TE_CHECK_CONFIGS 1500
#else
#define TE_CHECK_CONFIGS 6000
#endif

/* ---- parameter sets -------------------------------------------------------- */

typedef struct {
    int32_t in1_offset, in2_offset, out_offset;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t act_min, act_max;
} pset_t;

/* add.py's add_params for pretrainedResnet_quant's three ADD layers, then for
 * random float32 scales s1 in [10^-3.5, 1], s2 = s1 * 10^[-2.5, 2.5] (or
 * s1), so = max(s1, s2) * 10^[-0.7, 1], random zero points, activations
 * NONE / RELU / RELU6 in turn (act bounds from quant.activation_range). */
static const pset_t g_real[] = {
    {128, -4, -128, 1623821475, -2, 1073741824, 0, 1098017566, -17, -128, 127},
    {17, -4, -128, 1699529983, -2, 1073741824, 0, 1140768826, -17, -128, 127},
    {-85, 71, -114, 1073741824, 0, 1073741824, 0, 2066922316, -21, -128, 127},
    {52, 98, -9, 1073741824, 0, 1073741824, 0, 1900955108, -21, -9, 127},
    {-21, -13, 2, 1073741824, 0, 1141067634, -1, 1493474448, -19, 2, 127},
    {-126, -88, -87, 1073741824, 0, 1073741824, 0, 1158364121, -17, -128, 127},
    {-78, -106, 82, 1809196604, -1, 1073741824, 0, 1735320166, -19, 82, 127},
    {-33, -120, -128, 1073741824, 0, 1991314880, -9, 1267028031, -17, -128, 127},
    {-8, 60, 119, 1537592315, -6, 1073741824, 0, 1469894104, -17, -128, 127},
    {-97, 66, 10, 2124198675, -5, 1073741824, 0, 1880733832, -17, 10, 127},
    {-41, 29, -128, 1386882051, -2, 1073741824, 0, 2133742727, -17, -128, -106},
    {46, 16, 26, 1110197945, -8, 1073741824, 0, 2137833958, -20, -128, 127},
    {115, 25, 83, 1073741824, 0, 1080182659, -1, 2106886594, -18, 83, 127},
    {104, 105, -128, 1073741824, 0, 1726315873, -4, 1406238232, -21, -128, 127},
    {-117, -17, -128, 1073741824, 0, 1073741824, 0, 1251213182, -21, -128, 127},
    {91, -120, 36, 1073741824, 0, 1737170088, -6, 1352362597, -21, 36, 127},
    {-120, -96, 17, 1073741824, 0, 1711969086, -5, 1159157601, -16, 17, 127},
    {9, -77, -128, 1073741824, 0, 1161780769, -8, 1253674846, -18, -128, 127},
    {18, -95, 46, 1073741824, 0, 1879581175, -2, 1385388893, -19, 46, 127},
    {40, -74, -128, 1723603851, -1, 1073741824, 0, 1076562645, -20, -128, -113},
    {-36, 93, 88, 1867077479, -5, 1073741824, 0, 1803408982, -21, -128, 127},
    {21, 106, -128, 1177420469, -5, 1073741824, 0, 1444853325, -19, -128, 127},
    {49, -114, 93, 1073741824, 0, 1714391464, -6, 1388658311, -18, 93, 127},
    {-18, 77, 122, 1073741824, 0, 1073741824, 0, 1889369651, -19, -128, 127},
    {-19, -20, 84, 1073741824, 0, 1073741824, 0, 1175588276, -20, 84, 127},
    {19, 65, -18, 1073741824, 0, 1073741824, 0, 2056145172, -17, -18, 127},
    {49, -55, -94, 2027141641, -6, 1073741824, 0, 1523908243, -20, -128, 127},
    {-33, 8, -74, 1073741824, 0, 1123591971, -5, 1103171348, -16, -74, 127},
    {84, -24, -12, 1300363404, -2, 1073741824, 0, 1649285558, -19, -12, -7},
    {-40, 105, -128, 1965556813, -3, 1073741824, 0, 1790916554, -20, -128, 127},
    {-87, 100, 107, 1823773471, -6, 1073741824, 0, 1235885154, -20, 107, 127},
    {-105, 85, -128, 1147975609, -7, 1073741824, 0, 1120807550, -16, -128, -127},
    {66, 119, -128, 1073741824, 0, 1881899853, -6, 1169324257, -19, -128, 127},
    {-23, -91, 9, 1073741824, 0, 1940308710, -4, 1093477013, -21, 9, 127},
    {32, 118, -68, 1073741824, 0, 1964912691, -6, 1136210516, -19, -68, -18},
    {-77, 89, -100, 1073741824, 0, 1340572461, -3, 1549867011, -18, -128, 127},
    {50, 95, 84, 2108937229, -7, 1073741824, 0, 1900527240, -21, 84, 127},
    {-68, -75, -104, 1738761528, -3, 1073741824, 0, 1981945183, -20, -104, 127},
    {36, 45, -107, 1073741824, 0, 1073741824, 0, 1853609528, -21, -128, 127},
    {-56, -41, -74, 1073741824, 0, 1182092800, -8, 1684950843, -20, -74, 127},
    {-126, -40, 24, 1073741824, 0, 1994906808, -5, 1802448154, -19, 24, 32},
    {103, 50, -33, 1528682165, -6, 1073741824, 0, 1230972795, -18, -128, 127},
    {-24, 108, -40, 1073741824, 0, 1211298866, -3, 1795999356, -19, -40, 127},
    {-64, 0, -128, 1660141438, -5, 1073741824, 0, 1610777549, -17, -128, 118},
    {-87, 50, 64, 1073741824, 0, 1073741824, 0, 1875791552, -18, -128, 127},
    {-85, 49, -128, 1653855294, -7, 1073741824, 0, 1238123726, -18, -128, 127},
    {43, 34, 57, 1615273040, -6, 1073741824, 0, 1537510792, -20, 57, 57},
    {112, 74, 63, 1073741824, 0, 1164678317, -4, 1319853765, -19, -128, 127},
    {95, -56, -25, 1092358000, -5, 1073741824, 0, 1726923465, -20, -25, 127},
    {-127, 78, -81, 1073741824, 0, 1282495750, -2, 1749324434, -20, -81, -72},
};

#define N_REAL ((int32_t)(sizeof g_real / sizeof g_real[0]))

static void set_params(te_add_params_t *p, const pset_t *s)
{
    p->in1_offset = s->in1_offset;
    p->in2_offset = s->in2_offset;
    p->out_offset = s->out_offset;
    p->left_shift = 20;
    p->in1_mult = s->in1_mult;
    p->in1_shift = s->in1_shift;
    p->in2_mult = s->in2_mult;
    p->in2_shift = s->in2_shift;
    p->out_mult = s->out_mult;
    p->out_shift = s->out_shift;
    p->act_min = s->act_min;
    p->act_max = s->act_max;
}

static void swap_inputs(te_add_params_t *p)
{
    int32_t t;
    t = p->in1_offset, p->in1_offset = p->in2_offset, p->in2_offset = t;
    t = p->in1_mult, p->in1_mult = p->in2_mult, p->in2_mult = t;
    t = p->in1_shift, p->in1_shift = p->in2_shift, p->in2_shift = t;
}

static int32_t rnd_mult(void) /* normalized, or now and then an extreme */
{
    switch (rnd_in(0, 9)) {
    case 0: return INT32_MAX;
    case 1: return rnd_in(1, 1000);
    case 2: return (int32_t)(rnd() >> 1) | 1;
    default: return (int32_t)((rnd() >> 1) | 0x40000000u);
    }
}

/* Inside the fast kernel's bounds: one input direct (multiplier 2^30, shift
 * 0, add.py's larger scale) most of the time; mostly an output scale that
 * keeps the results off the int8 limits. */
static void random_in_bounds(te_add_params_t *p)
{
    const int32_t sensitive = rnd_in(0, 3) != 0;
    p->left_shift = rnd_in(0, 3) ? 20 : rnd_in(0, 20);
    p->in1_offset = rnd_in(-128, 128);
    p->in2_offset = rnd_in(-128, 128);
    p->in1_mult = rnd_mult();
    p->in2_mult = rnd_mult();
    p->in1_shift = rnd_in(0, 3) ? rnd_in(-10, 0) : rnd_in(-30, 0);
    p->in2_shift = rnd_in(0, 3) ? rnd_in(-10, 0) : rnd_in(-30, 0);
    if (rnd_in(0, 3)) {
        if (rnd() & 1u) {
            p->in1_mult = INT32_C(1) << 30;
            p->in1_shift = 0;
        } else {
            p->in2_mult = INT32_C(1) << 30;
            p->in2_shift = 0;
        }
    }
    p->out_mult = rnd_mult();
    p->out_offset = rnd_in(0, 7) ? rnd_in(-128, 127) : rnd_in(-256, 256);
    p->out_shift = sensitive ? -(p->left_shift - 1) + rnd_in(-3, 1) : rnd_in(-31, -1);
    if (p->out_shift > -1) {
        p->out_shift = -1;
    }
    switch (rnd_in(0, 3)) {
    case 0: p->act_min = -128; p->act_max = 127; break;
    case 1: p->act_min = p->out_offset < -128 ? -128 : p->out_offset > 127 ? 127 : p->out_offset; p->act_max = 127; break;
    case 2: p->act_min = rnd_in(-128, 127); p->act_max = rnd_in(p->act_min, 127); break;
    default: p->act_min = rnd_in(-128, 0); p->act_max = rnd_in(0, 127); break;
    }
}

/* One bound broken (the kernel takes the reference), keeping the reference
 * itself free of overflow. */
static void break_bound(te_add_params_t *p)
{
    switch (rnd_in(0, 10)) {
    case 0: p->out_shift = 0; break;
    case 1: p->out_shift = rnd_in(-31, -22); p->out_offset = rnd_in(100, 256) * (rnd() & 1u ? 1 : -1); break;
    case 2: p->in1_offset = rnd_in(129, 255); break;
    case 3: p->in2_offset = -rnd_in(129, 255); break;
    case 4: p->in1_mult = -rnd_mult(); break;
    case 5: p->in2_mult = 0; break;
    case 6: p->out_mult = rnd_in(0, 1) ? 0 : -rnd_mult(); break;
    case 7: p->left_shift = 21; break;
    case 8: p->act_min = rnd_in(-300, -129); p->out_offset = -200; break; /* results below -128 */
    case 9: p->act_max = rnd_in(128, 300); p->out_offset = 200; break;
    default: p->in2_shift = -31; break;
    }
}

/* ---- broadcasts -------------------------------------------------------- */

#define MAX_N 65536
#define GUARD 16

static int8_t g_a[MAX_N];
static int8_t g_b[MAX_N];
static int8_t g_ref[MAX_N + GUARD];
static int8_t g_fast[MAX_N + GUARD];

static int32_t bcast_total(const te_bcast_t *bc)
{
    int32_t i, n = 1;
    for (i = 0; i < TE_BCAST_DIMS; ++i) {
        n *= bc->shape[i];
    }
    return n;
}

static void set_flat(te_bcast_t *bc, int32_t n)
{
    int32_t i;
    for (i = 0; i < TE_BCAST_DIMS; ++i) {
        bc->shape[i] = 1;
        bc->stride1[i] = 0;
        bc->stride2[i] = 0;
    }
    bc->shape[TE_BCAST_DIMS - 1] = n;
    bc->stride1[TE_BCAST_DIMS - 1] = 1;
    bc->stride2[TE_BCAST_DIMS - 1] = 1;
}

/* Up to 6 output dims; each input has each dim or 1 there (step 0), its own
 * elements contiguous in row-major order (unfused, as the kernel may get). */
static void set_bcast(te_bcast_t *bc)
{
    int32_t i, nd, s1 = 1, s2 = 1, total;
    int32_t both;
    do {
        nd = rnd_in(1, TE_BCAST_DIMS);
        total = 1;
        for (i = 0; i < TE_BCAST_DIMS; ++i) {
            bc->shape[i] = i < TE_BCAST_DIMS - nd ? 1 : rnd_in(1, rnd_in(0, 3) ? 6 : 40);
            total *= bc->shape[i];
        }
    } while (total > 8192);
    both = rnd_in(0, 4);
    for (i = TE_BCAST_DIMS - 1; i >= 0; --i) {
        const int32_t d = bc->shape[i];
        const int32_t r = rnd_in(0, 9);
        /* 1 in this dim for input 1 (r < 2), input 2 (r < 4), or both inputs' full dim */
        const int32_t one1 = d > 1 && (both == 0 ? r < 3 : r < 2);
        const int32_t one2 = d > 1 && !one1 && r < 4;
        bc->stride1[i] = one1 || d == 1 ? 0 : s1;
        bc->stride2[i] = one2 || d == 1 ? 0 : s2;
        s1 *= one1 ? 1 : d;
        s2 *= one2 ? 1 : d;
    }
}

/* ---- compare ---------------------------------------------------------------- */

static long g_compared;

static void print_params(const te_add_params_t *p, int32_t sign)
{
    int32_t i;
    printf("  %s shape", sign > 0 ? "ADD" : "SUB");
    for (i = 0; i < TE_BCAST_DIMS; ++i) {
        printf(" %ld/%ld/%ld", (long)p->bc.shape[i], (long)p->bc.stride1[i], (long)p->bc.stride2[i]);
    }
    printf("\n  offsets %ld %ld out %ld left_shift %ld in1 %ld %ld in2 %ld %ld out %ld %ld act %ld..%ld\n",
           (long)p->in1_offset, (long)p->in2_offset, (long)p->out_offset, (long)p->left_shift, (long)p->in1_mult,
           (long)p->in1_shift, (long)p->in2_mult, (long)p->in2_shift, (long)p->out_mult, (long)p->out_shift,
           (long)p->act_min, (long)p->act_max);
}

/* Both kernels on g_a, g_b; 0 when the outputs (and a guard after them)
 * agree, and a second run over another fill agrees too. */
static int compare(const te_add_params_t *p, int32_t sign)
{
    const int32_t n = bcast_total(&p->bc);
    int32_t i;
    memset(g_ref, 0x5A, (size_t)n + GUARD);
    memset(g_fast, 0x5A, (size_t)n + GUARD);
    (sign > 0 ? te_add_s8 : te_sub_s8)(p, g_a, g_b, g_ref);
    (sign > 0 ? te_add_fast_s8 : te_sub_fast_s8)(p, g_a, g_b, g_fast);
    for (i = 0; i < n + GUARD; ++i) {
        if (g_ref[i] != g_fast[i]) {
            printf("FAIL at output %ld of %ld: reference %d fast %d\n", (long)i, (long)n, g_ref[i], g_fast[i]);
            print_params(p, sign);
            return 1;
        }
    }
    memset(g_fast, 0xA5, (size_t)n);
    (sign > 0 ? te_add_fast_s8 : te_sub_fast_s8)(p, g_a, g_b, g_fast);
    if (memcmp(g_ref, g_fast, (size_t)n) != 0) {
        printf("FAIL: fast kernel leaves outputs unwritten\n");
        print_params(p, sign);
        return 1;
    }
    ++g_compared;
    return 0;
}

static int random_config(void)
{
    te_add_params_t p;
    const int32_t kind = rnd_in(0, 9);
    int32_t sign = rnd() & 1u ? 1 : -1;
    memset(&p, 0, sizeof p);
    if (kind < 4) { /* as the compiler makes them */
        set_params(&p, &g_real[rnd_in(0, N_REAL - 1)]);
        if (rnd() & 1u) {
            swap_inputs(&p);
        }
    } else {
        random_in_bounds(&p);
        if (kind >= 8) {
            break_bound(&p);
        }
    }
    if (rnd_in(0, 2)) { /* flat: lengths around the 4-wide loop and the table threshold */
        set_flat(&p.bc, rnd_in(0, 1) ? rnd_in(1, 200) : rnd_in(1, 2100));
    } else {
        set_bcast(&p.bc);
    }
    p.bc.in1_const = rnd_in(0, 4) == 0;
    p.bc.in2_const = rnd_in(0, 4) == 0;
    fill_s8(g_a, MAX_N);
    fill_s8(g_b, MAX_N);
    return compare(&p, sign);
}

/* Every int8 pair: one flat run of 65536 (table mode where the set allows
 * it), then runs of 64 (below the table threshold, TE_ADD_TABLE_MIN). */
static int all_pairs(const te_add_params_t *base, int32_t sign)
{
    te_add_params_t p = *base;
    int32_t i;
    for (i = 0; i < MAX_N; ++i) {
        g_a[i] = (int8_t)(i & 0xFF);
        g_b[i] = (int8_t)(i >> 8);
    }
    set_flat(&p.bc, MAX_N);
    if (compare(&p, sign)) {
        return 1;
    }
    set_flat(&p.bc, 64);
    memset(g_ref, 0x5A, sizeof g_ref);
    memset(g_fast, 0xA5, sizeof g_fast);
    for (i = 0; i < MAX_N; i += 64) {
        (sign > 0 ? te_add_s8 : te_sub_s8)(&p, g_a + i, g_b + i, g_ref + i);
        (sign > 0 ? te_add_fast_s8 : te_sub_fast_s8)(&p, g_a + i, g_b + i, g_fast + i);
    }
    if (memcmp(g_ref, g_fast, MAX_N) != 0) {
        printf("FAIL: all pairs in runs of 64\n");
        print_params(&p, sign);
        return 1;
    }
    ++g_compared;
    return 0;
}

static int check_all_pairs(void)
{
    te_add_params_t p;
    int32_t k;
    memset(&p, 0, sizeof p);
    for (k = 0; k < 6; ++k) {
        const int32_t sign = k & 1 ? -1 : 1;
        set_params(&p, &g_real[k < 2 ? 0 : k < 4 ? 6 : 10]); /* resnet, RELU, RELU6 */
        if (k == 3) {
            swap_inputs(&p);
        }
        if (all_pairs(&p, sign)) {
            return 1;
        }
    }
    for (k = 0; k < 8; ++k) {
        /* Sets where the rescaled input's rounding (ties half away from zero,
         * every other value at shift -1) shows in the outputs: nearly the
         * direct input's scale for it, so that x << 19 +- its lt1 nearly
         * cancels along y = -+2x, and an output gain of 1/2 there. (Elsewhere
         * the 20 bits of headroom hide a one-unit error of an input stage.) */
        memset(&p, 0, sizeof p);
        p.left_shift = 20;
        p.in1_offset = rnd_in(-128, 128);
        p.in2_offset = rnd_in(-128, 128);
        p.in1_mult = INT32_C(1) << 30;
        p.in2_mult = (INT32_C(1) << 30) + rnd_in(1, 4095); /* low bits: odd SRDHMs, ties */
        p.in2_shift = -1 - (k & 2) / 2;
        if (p.in2_shift == -2) {
            p.in2_mult = INT32_MAX - rnd_in(0, 4095); /* 2^31 / 4: about the same scale */
        }
        p.out_mult = INT32_MAX - rnd_in(0, 1000);
        p.out_shift = -1;
        p.out_offset = rnd_in(-20, 20);
        p.act_min = -128;
        p.act_max = 127;
        if (k & 4) {
            swap_inputs(&p);
        }
        if (all_pairs(&p, k & 1 ? -1 : 1)) {
            return 1;
        }
    }
    for (k = 0; k < 4; ++k) { /* random sets inside the bounds, both inputs rescaled or not */
        do {
            random_in_bounds(&p);
        } while (p.out_shift < -21 || p.left_shift != 20);
        if (k < 2) {
            p.in1_mult = (int32_t)((rnd() >> 1) | 0x40000000u);
            p.in1_shift = rnd_in(-6, -1);
        }
        if (all_pairs(&p, k & 1 ? -1 : 1)) {
            return 1;
        }
    }
    return 0;
}

/* ---- cost ------------------------------------------------------------------- */

typedef void (*add_fn)(const te_add_params_t *, const int8_t *, const int8_t *, int8_t *);

typedef struct {
    add_fn fn;
    const te_add_params_t *p;
    int8_t *out;
} add_call_t;

static double g_scale; /* calibrate()'s */

static void add_call(const void *arg)
{
    const add_call_t *c = (const add_call_t *)arg;
    c->fn(c->p, g_a, g_b, c->out);
}

/* fn on g_a, g_b: instructions under QEMU, ns on the host */
static double cost(add_fn fn, const te_add_params_t *p, int8_t *out)
{
    const add_call_t c = {fn, p, out};
    return check_cost(add_call, &c, g_scale);
}
#define COST_UNIT TE_UNIT "/element"


static int bench(const char *name, const pset_t *s, int32_t n, int32_t sub)
{
    te_add_params_t p;
    double ref, fast;
    memset(&p, 0, sizeof p);
    set_params(&p, s);
    set_flat(&p.bc, n);
    fill_s8(g_a, n);
    fill_s8(g_b, n);
    ref = cost(sub ? te_sub_s8 : te_add_s8, &p, g_ref);
    fast = cost(sub ? te_sub_fast_s8 : te_add_fast_s8, &p, g_fast);
    if (memcmp(g_ref, g_fast, (size_t)n) != 0) {
        printf("FAIL %s: outputs differ\n", name);
        return 1;
    }
    printf("%-30s %6ld elements  reference %6.2f  fast %5.2f " COST_UNIT "  (x%.1f)\n", name, (long)n, ref / n,
           fast / n, ref / fast);
    return 0;
}

int main(void)
{
    int32_t i;
    check_io_init();
    clock_start();
    g_scale = calibrate();
    for (i = 0; i < TE_CHECK_CONFIGS; ++i) {
        if (random_config()) {
            printf("  configuration %ld\n", (long)i);
            return 1;
        }
    }
    if (check_all_pairs()) {
        return 1;
    }
    printf("ok %ld\n", g_compared);
    if (bench("resnet ADD 1 (32x32x16)", &g_real[0], 16384, 0) ||
        bench("resnet ADD 3 (8x8x64)", &g_real[1], 4096, 0) ||
        bench("resnet ADD 3 as SUB", &g_real[1], 4096, 1) ||
        bench("RELU6, 1024 elements", &g_real[10], 1024, 0) ||
        bench("RELU, 16384 elements", &g_real[6], 16384, 0) ||
        bench("RELU, 128 elements", &g_real[6], 128, 0) ||
        bench("RELU, 127 elements", &g_real[6], 127, 0) ||
        bench("RELU, 64 elements", &g_real[6], 64, 0)) {
        return 1;
    }
    return 0;
}
