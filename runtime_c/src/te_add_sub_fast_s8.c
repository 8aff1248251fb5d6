/* ADD and SUB, int8, with broadcasting: te_add_s8 / te_sub_s8 without the
 * three general requantizations per element, byte for byte the same.
 *
 * The reference (te_add_sub_s8.c) computes, with x = in1 + in1_offset,
 * y = in2 + in2_offset and L = left_shift:
 *   xs = lt1(x << L, in1_mult, in1_shift), ys = lt1(y << L, ...),
 *   out = clamp(lt1(xs +- ys, out_mult, out_shift) + out_offset),
 * lt1 being TFLM's MultiplyByQuantizedMultiplierSmallerThanOneExp. The
 * bounds below (checked once per call, fast_ok) let every lt1 be
 * te_requantize_small's arithmetic (te_fast_requant.h: one SMMLAR on DSP
 * cores, no 64-bit division anywhere):
 *  - |in offsets| <= 128: |x|, |y| <= 256 (zero points are int8);
 *  - 0 <= L <= 20: |x << L| <= 2^28, so no wrap, and 2 (x << L) fits;
 *  - multipliers > 0, so each lt1 keeps the sign of its input;
 *  - an lt1 with a multiplier below 2^31 never grows a value, so |xs|,
 *    |ys| <= 2^28 and |s| = |xs +- ys| <= 2^29;
 *  - in shifts in [-30, 0]: te_requantize_small's rounding term (no
 *    offset) is below 2^30, and with |lt1| <= 2^28 the sum cannot overflow;
 *  - out shift in [-31, -1], |out_offset| <= 256 and (2 |out_offset| + 1)
 *    2^(-out_shift - 1) + 2^29 + 1 < 2^31: its rounding term plus the
 *    output offset (out_half) and |lt1(s)| <= 2^29 fit in an int32, and
 *    right >= 1 makes that term one add per element;
 *  - -128 <= act_min <= act_max <= 127: clamping after a saturation to int8
 *    (SSAT) gives the same bytes, and clamps can work on packed bytes.
 * Python (tinyedge/ops/add.py) stays inside them: L = 20, offsets are
 * negated int8 zero points, the input multipliers are ratios in (0, 1/2]
 * (shift below -30 only for scales 2^30 apart) and the output's is below 1
 * (its shift is 0 only if the output scale is below 2^-18 of the inputs',
 * below -23 only if it is above 32 times theirs). Outside, the reference
 * runs.
 *
 * Table mode, for the larger tensors (TE_ADD_TABLE_MIN outputs): the input
 * with the larger scale has multiplier 2^30 and shift 0 (add.py's ratio
 * 1/2), so its lt1 is exact: xs = x << (L - 1), and with L = 20, 2 xs is the
 * raw byte << 20 plus a constant. The other input's 2 (+-ys), plus that
 * constant, is looked up in a 256-entry table built once per call (1 KB of
 * stack), so an element costs two byte loads, a table load, one MLA and the
 * output requantization. Smaller tensors (and parameters with no such
 * input) take the same bounds without a table (small mode: both inputs
 * requantized per element, about 4 times the instructions), as building
 * the table costs about what small mode spends on 60 to 100 elements.
 *
 * The no-broadcast case is one flat run; DSP cores then do 4 outputs per
 * iteration and store them as one word (SSAT per value, packed bytes clamped
 * with SSUB8/SEL). AVR: const inputs live in flash, so the reference reads
 * them, and there is no table (RAM is scarce). Checked against te_add_s8 /
 * te_sub_s8 by tests/c/fast_add_check.c. */
#include "tinyedge/te_kernels.h"
#include "te_fast_mac.h"
#include "te_fast_requant.h"

#if defined(__AVR__)
#define TE_ADD_TABLE_MIN INT32_MAX
#define TE_ADD_CONST_OK(bc) (!(bc)->in1_const && !(bc)->in2_const)
#else
#ifndef TE_ADD_TABLE_MIN
#define TE_ADD_TABLE_MIN 128 /* outputs from which the table pays (measured on Cortex-M4) */
#endif
#define TE_ADD_CONST_OK(bc) 1 /* TE_READ_S8 is a plain load */
#endif

#define TE_ADD_DIRECT_SHIFT 20 /* table mode: add.py's LEFT_SHIFT */

/* One input's lt1 as te_requantize_small, from x2 = raw * pow + base =
 * 2 (x << L). */
typedef struct {
    int32_t pow, base, mult, right, round;
} add_in_t;

/* The output stage: lt1(s) + out_offset from s2 = 2 s; the rounding term of
 * te_requantize_small, (te_requant_round(right, out_offset) + (s2 < 0 ? -1 :
 * 0)) >> 1, is half + (s2 >> 31) since right >= 1 makes that round even. */
typedef struct {
    int32_t mult, half, right, act_min, act_max;
} add_out_t;

/* Everything a row needs; rows copy the parts they use into locals (their
 * int8 stores may alias anything). */
typedef struct {
    add_in_t in1, in2;
    add_out_t out;
    int32_t sign;         /* 1: ADD, -1: SUB */
    int32_t clamp;        /* act bounds narrower than int8 */
    const int32_t *table; /* table mode: by the table input's raw byte (as uint8) */
    int32_t direct1;      /* table mode: the direct input is in1 (else in2) */
    int32_t dmul;         /* table mode: 2^L, -2^L when the direct input is subtracted (SUB, in2) */
} add_fast_t;

/* ---- bounds ------------------------------------------------------------------ */

static int32_t in_ok(int32_t offset, int32_t mult, int32_t shift)
{
    return offset >= -128 && offset <= 128 && mult > 0 && shift <= 0 && shift >= -30;
}

/* 1 when the fast arithmetic is exact for p (see the top of the file). */
static int32_t fast_ok(const te_add_params_t *p)
{
    const int32_t zo = p->out_offset < 0 ? -p->out_offset : p->out_offset;
    if (!TE_ADD_CONST_OK(&p->bc) || p->left_shift < 0 || p->left_shift > 20
        || !in_ok(p->in1_offset, p->in1_mult, p->in1_shift) || !in_ok(p->in2_offset, p->in2_mult, p->in2_shift)
        || p->out_mult <= 0 || p->out_shift > -1 || p->out_shift < -31 || zo > 256
        || p->act_min < -128 || p->act_min > p->act_max || p->act_max > 127) {
        return 0;
    }
    /* out half, |lt1(s)| <= 2^29 and 1 stay below 2^31 */
    return (int64_t)(2 * zo + 1) * (INT64_C(1) << (-p->out_shift - 1))
           <= (INT64_C(1) << 31) - (INT64_C(1) << 29) - 2;
}

/* lt1 of this input is x << (L - 1), exactly: SRDHM(x 2^20, 2^30) = x 2^19. */
static int32_t is_direct(const te_add_params_t *p, int32_t mult, int32_t shift)
{
    return p->left_shift == TE_ADD_DIRECT_SHIFT && mult == (INT32_C(1) << 30) && shift == 0;
}

/* ---- arithmetic ---------------------------------------------------------------- */

/* c + round(x * m / 2^32), halves up: SMMLAR (as in te_requantize_small). */
TE_FAST_INLINE int32_t mulhi_acc(int32_t x, int32_t m, int32_t c)
{
#if TE_FAST_DSP
    int32_t hi;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(hi) : "r"(x), "r"(m), "r"(c));
    return hi;
#else
    return (int32_t)(((int64_t)x * m + (INT64_C(1) << 31)) >> 32) + c;
#endif
}

/* lt1((raw + offset) << L, mult, shift) of one input */
TE_FAST_INLINE int32_t in_rq(add_in_t q, int32_t raw)
{
    return te_requantize_small(raw * q.pow + q.base, q.mult, q.right, q.round);
}

TE_FAST_INLINE int32_t out_rq(add_out_t o, int32_t s2)
{
    return mulhi_acc(s2, o.mult, o.half + (s2 >> 31)) >> o.right;
}

TE_FAST_INLINE int8_t out_clamp(add_out_t o, int32_t r)
{
    return (int8_t)te_clamp_s32(r, o.act_min, o.act_max);
}

/* ---- small mode: both inputs requantized per element ----------------------------- */

static void small_row(const void *ctx, const te_bcast_t *bc, const int8_t *a, int32_t a_step,
                      const int8_t *b, int32_t b_step, int8_t *out, int32_t n)
{
    const add_fast_t *k = (const add_fast_t *)ctx;
    const add_in_t q1 = k->in1, q2 = k->in2;
    const add_out_t o = k->out;
    const int32_t sign = k->sign;
    (void)bc;
    for (; n > 0; --n) {
        const int32_t s = in_rq(q1, *a) + sign * in_rq(q2, *b);
        *out++ = out_clamp(o, out_rq(o, 2 * s));
        a += a_step;
        b += b_step;
    }
}

/* ---- table mode -------------------------------------------------------------- */

/* 2 (xs +- ys) from the table input's raw byte u and the direct one's d:
 * dmul = +-2^20 (one MLA). */
TE_FAST_INLINE int32_t table_sum2(const int32_t *t, uint8_t u, int8_t d, int32_t dmul)
{
    return t[u] + (int32_t)d * dmul;
}

#if TE_FAST_DSP
/* Per byte: max(w, lo), then min(., hi) (SSUB8 sets GE where w >= lo). */
TE_FAST_INLINE uint32_t clamp_s8x4(uint32_t w, uint32_t lo, uint32_t hi)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(w), "r"(lo));
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(w) : "r"(r), "r"(hi));
    return w;
}

TE_FAST_INLINE uint32_t dup8(int32_t v)
{
    return ((uint32_t)v & 0xFFu) * 0x01010101u;
}

/* The low bytes of r0..r3 as one word (BFI: gcc masks and ORs instead). */
TE_FAST_INLINE uint32_t pack_s8x4(int32_t r0, int32_t r1, int32_t r2, int32_t r3)
{
    uint32_t w = (uint32_t)r0;
    __asm__("bfi %0, %1, #8, #8\n\tbfi %0, %2, #16, #8\n\tbfi %0, %3, #24, #8"
            : "+&r"(w) : "r"(r1), "r"(r2), "r"(r3));
    return w;
}
#endif

/* A contiguous run; clamp is a constant in each instance. DSP: 4 outputs
 * per iteration, SSAT to int8 (then the act clamp on packed bytes gives
 * what clamping the int32 gives, the bounds being within int8). */
TE_FAST_INLINE void table_flat(const add_fast_t *k, const uint8_t *u, const int8_t *d, int8_t *out, int32_t n,
                               int32_t clamp)
{
    const int32_t *t = k->table;
    const int32_t dmul = k->dmul;
    const add_out_t o = k->out;
#if TE_FAST_DSP
    const uint32_t lo = dup8(o.act_min), hi = dup8(o.act_max);
    for (; n >= 4; n -= 4) {
        const int32_t r0 = __ssat(out_rq(o, table_sum2(t, u[0], d[0], dmul)), 8);
        const int32_t r1 = __ssat(out_rq(o, table_sum2(t, u[1], d[1], dmul)), 8);
        const int32_t r2 = __ssat(out_rq(o, table_sum2(t, u[2], d[2], dmul)), 8);
        const int32_t r3 = __ssat(out_rq(o, table_sum2(t, u[3], d[3], dmul)), 8);
        uint32_t w = pack_s8x4(r0, r1, r2, r3);
        if (clamp) {
            w = clamp_s8x4(w, lo, hi);
        }
        memcpy(out, &w, 4);
        u += 4;
        d += 4;
        out += 4;
    }
#else
    (void)clamp;
#endif
    for (; n > 0; --n) {
        *out++ = out_clamp(o, out_rq(o, table_sum2(t, *u++, *d++, dmul)));
    }
}

static void table_flat_wrap(const add_fast_t *k, const uint8_t *u, const int8_t *d, int8_t *out, int32_t n)
{
    table_flat(k, u, d, out, n, 0);
}

static void table_flat_clamp(const add_fast_t *k, const uint8_t *u, const int8_t *d, int8_t *out, int32_t n)
{
    table_flat(k, u, d, out, n, 1);
}

static void table_row(const void *ctx, const te_bcast_t *bc, const int8_t *a, int32_t a_step,
                      const int8_t *b, int32_t b_step, int8_t *out, int32_t n)
{
    const add_fast_t *k = (const add_fast_t *)ctx;
    const uint8_t *u = (const uint8_t *)(k->direct1 ? b : a);
    const int8_t *d = k->direct1 ? a : b;
    const int32_t us = k->direct1 ? b_step : a_step;
    const int32_t ds = k->direct1 ? a_step : b_step;
    const int32_t *t = k->table;
    const int32_t dmul = k->dmul;
    const add_out_t o = k->out;
    (void)bc;
    if (us == 1 && ds == 1) {
        (k->clamp ? table_flat_clamp : table_flat_wrap)(k, u, d, out, n);
        return;
    }
    for (; n > 0; --n) {
        *out++ = out_clamp(o, out_rq(o, table_sum2(t, *u, *d, dmul)));
        u += us;
        d += ds;
    }
}

/* table[v - v0 + i] for raw bytes v0 <= v < v1 whose x2 = 2 (x << L) has
 * one sign, so te_requantize_small's rounding term is one constant c. */
static void fill_table(int32_t *dst, add_in_t q, int32_t v0, int32_t v1, int32_t c, int32_t scale, int32_t add)
{
    int32_t x2 = v0 * q.pow + q.base;
    for (; v0 < v1; ++v0) {
        *dst++ = scale * (mulhi_acc(x2, q.mult, c) >> q.right) + add;
        x2 += q.pow;
    }
}

/* table[raw byte v of the table input, as uint8] = 2 (+-lt1 of it) plus
 * the direct input's offset term, signed as table_sum2 combines them. x2
 * grows with v and changes sign once, at v = -offset: the table is filled
 * in runs of one sign and one half (v < 0 at 128..255). */
static void build_table(add_fast_t *k, int32_t *table)
{
    const add_in_t q = k->direct1 ? k->in2 : k->in1;
    const int32_t scale = k->direct1 ? 2 * k->sign : 2;
    const int32_t d_base = (k->direct1 ? k->in1.base : k->in2.base) / 2; /* offset << L */
    const int32_t add = k->dmul < 0 ? -d_base : d_base;
    const int32_t c_neg = (q.round - 1) >> 1, c_pos = q.round >> 1;
    const int32_t zero = te_clamp_s32(-q.base / q.pow, -128, 128); /* first v with x2 >= 0 */
    int32_t v0 = -128;
    while (v0 < 128) {
        const int32_t v1 = v0 < 0 ? (zero > v0 && zero < 0 ? zero : 0) : (zero > v0 && zero < 128 ? zero : 128);
        fill_table(table + (v0 < 0 ? v0 + 256 : v0), q, v0, v1, v0 < zero ? c_neg : c_pos, scale, add);
        v0 = v1;
    }
    k->table = table;
}

/* ---- entry points ------------------------------------------------------------ */

static add_in_t in_consts(int32_t left_shift, int32_t offset, int32_t mult, int32_t shift)
{
    add_in_t q;
    q.pow = INT32_C(1) << (left_shift + 1);
    q.base = offset * q.pow;
    q.mult = mult;
    q.right = -shift;
    q.round = te_requant_round(q.right, 0);
    return q;
}

static int32_t flat(const te_bcast_t *bc)
{
    int32_t i;
    for (i = 0; i < TE_BCAST_DIMS - 1; ++i) {
        if (bc->shape[i] != 1) {
            return 0;
        }
    }
    return bc->stride1[TE_BCAST_DIMS - 1] == 1 && bc->stride2[TE_BCAST_DIMS - 1] == 1;
}

static void add_sub_fast(const te_add_params_t *p, int32_t sign, const int8_t *in1, const int8_t *in2,
                         int8_t *output)
{
    add_fast_t k;
    int32_t table[256];
    int32_t total = 1;
    int32_t i;
    te_binary_row_fn row = small_row;
    if (!fast_ok(p)) {
        (sign > 0 ? te_add_s8 : te_sub_s8)(p, in1, in2, output);
        return;
    }
    k.in1 = in_consts(p->left_shift, p->in1_offset, p->in1_mult, p->in1_shift);
    k.in2 = in_consts(p->left_shift, p->in2_offset, p->in2_mult, p->in2_shift);
    k.out.mult = p->out_mult;
    k.out.right = -p->out_shift;
    k.out.half = (2 * p->out_offset + 1) * (INT32_C(1) << (k.out.right - 1));
    k.out.act_min = p->act_min;
    k.out.act_max = p->act_max;
    k.sign = sign;
    k.clamp = p->act_min > -128 || p->act_max < 127;
    k.table = NULL;
    k.direct1 = is_direct(p, p->in1_mult, p->in1_shift);
    k.dmul = !k.direct1 && sign < 0 ? -(INT32_C(1) << TE_ADD_DIRECT_SHIFT) : INT32_C(1) << TE_ADD_DIRECT_SHIFT;
    for (i = 0; i < TE_BCAST_DIMS; ++i) {
        total *= p->bc.shape[i];
    }
    if (total >= TE_ADD_TABLE_MIN && (k.direct1 || is_direct(p, p->in2_mult, p->in2_shift))) {
        build_table(&k, table);
        row = table_row;
    }
    if (flat(&p->bc)) {
        row(&k, &p->bc, in1, 1, in2, 1, output, p->bc.shape[TE_BCAST_DIMS - 1]);
    } else {
        te_broadcast_binary_s8(&p->bc, &k, in1, in2, output, row);
    }
}

void te_add_fast_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output)
{
    add_sub_fast(p, 1, in1, in2, output);
}

void te_sub_fast_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output)
{
    add_sub_fast(p, -1, in1, in2, output);
}
