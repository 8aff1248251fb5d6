/* te_fast_mac.h: helpers shared by the optimized int8 kernels (internal).
 *
 * - te_fast_rq_*: TFLM's MultiplyByQuantizedMultiplier, bit-exact, without
 *   the 64-bit division of te_requantize (an __aeabi_ldivmod call on M-cores).
 * - te_ld32: unaligned 32-bit load (one LDR on v7-M).
 * - DSP cores (__ARM_FEATURE_DSP): te_sxtb16_ror8 / te_sxtab16_ror8, the
 *   rotated forms gcc does not fold from __sxtb16(__ror(x, 8)).
 *
 * Packed int16 layout ("reordered"): 4 int8 values x0 x1 x2 x3 are widened
 * to the halfword pairs [x0, x2] [x1, x3], which is what SXTB16 and
 * SXTB16 ROR #8 give for a weight word, so SMLAD pairs them with no repacking.
 */
#ifndef TE_FAST_MAC_H
#define TE_FAST_MAC_H

#include <stdint.h>
#include <string.h>

#include "te_fixedpoint.h"
#include "tinyedge/te_kernels.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TE_FAST_DSP 1
#else
#define TE_FAST_DSP 0
#endif

/* Inner loops in inline assembly (GNU syntax, Thumb-2) with optimization
 * on: they take 13 registers, in functions of their own (TE_FAST_NOINLINE),
 * which leaves r7 to a frame pointer if there is one. */
#if TE_FAST_DSP && defined(__GNUC__) && defined(__thumb2__) && defined(__OPTIMIZE__)
#define TE_FAST_ASM 1
#else
#define TE_FAST_ASM 0
#endif

/* Hosts with SIMD: the plain C loops go in fixed blocks of 16, which gcc
 * vectorizes even at -O2 (its very-cheap cost model wants no epilogue);
 * scalar cores (Cortex-M0/M3, RISC-V, Xtensa) get simple loops, which
 * keep their accumulators in registers. */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__ARM_NEON)
#define TE_FAST_VECTOR 1
#else
#define TE_FAST_VECTOR 0
#endif

/* For the small helpers of the hot loops: gcc at -O2/-Os may otherwise
 * keep them as calls. */
#if defined(__GNUC__) || defined(__clang__)
#define TE_FAST_INLINE static inline __attribute__((always_inline))
#define TE_FAST_NOINLINE __attribute__((noinline))
#else
#define TE_FAST_INLINE static inline
#define TE_FAST_NOINLINE
#endif

/* int32 view of the int16 scratch/stack buffers (word aligned): reads and
 * writes there may mix int16 and int32 accesses. */
#if defined(__GNUC__) || defined(__clang__)
typedef int32_t te_w32_t __attribute__((may_alias));
#else
typedef int32_t te_w32_t;
#endif

TE_FAST_INLINE uint32_t te_ld32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

#if TE_FAST_DSP
/* [x1, x3] of the int8 quad x as two int16. */
TE_FAST_INLINE int32_t te_sxtb16_ror8(uint32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* a + [x1, x3], halfword-wise. */
TE_FAST_INLINE int32_t te_sxtab16_ror8(int32_t a, uint32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* The input offset in both halfwords, for SXTAB16. */
TE_FAST_INLINE int32_t te_dup16(int32_t v)
{
    return (int32_t)(((uint32_t)v & 0xFFFFu) | ((uint32_t)v << 16));
}
#endif

/* One output channel's requantization, prepared once per channel. */
typedef struct {
    int32_t mult;
    int32_t left;   /* left shift before the multiply */
    int32_t right;  /* rounding right shift after it */
    int32_t right1; /* right - 1, or 31 when right is 0 */
} te_fast_rq_t;

TE_FAST_INLINE void te_fast_rq_init(te_fast_rq_t *rq, int32_t mult, int32_t shift)
{
    rq->mult = mult;
    rq->left = shift > 0 ? shift : 0;
    rq->right = shift > 0 ? 0 : -shift;
    rq->right1 = rq->right > 0 ? rq->right - 1 : 31;
}

/* Bit-exact te_requantize(x, mult, shift) for mult != INT32_MIN (the one
 * multiplier where SaturatingRoundingDoublingHighMul can saturate).
 * High mul: with P = a * b, gemmlowp computes trunc((P + nudge) / 2^31),
 * nudge = 2^30 or 1 - 2^30 by the sign of P; for P < 0 the truncation is
 * a ceiling, ceil((P + 1 - 2^30) / 2^31) = floor((P + 2^30) / 2^31), so
 * both signs give h = floor((P + 2^30) / 2^31).
 * Rounding shift by e (half away from zero) is floor((h - neg + 2^(e-1)) /
 * 2^e), neg = (h < 0); with g = h - neg (cannot overflow) that is
 * (g >> e) + bit e-1 of g, and for e = 0 "bit 31" of g adds neg back. */
TE_FAST_INLINE int32_t te_fast_rq(const te_fast_rq_t *rq, int32_t x)
{
    const int32_t xs = (int32_t)((uint32_t)x << rq->left);
    const int32_t h = (int32_t)(((int64_t)xs * rq->mult + (INT64_C(1) << 30)) >> 31);
    const int32_t g = h - (int32_t)((uint32_t)h >> 31);
    return (g >> rq->right) + (int32_t)(((uint32_t)g >> rq->right1) & 1u);
}

/* te_requantize(x, mult, shift) + off with one rounding, for mult >= 0,
 * shift in [-22, -2] and |off| <= 256: mode 2 of te_fast_rq_mode, the
 * converter's multipliers for scales in [2^-22, 1/4). With e = -shift the
 * two floors of te_fast_rq nest into one:
 *   floor((P + 2^30 + 2^(30+e) - neg * 2^31) / 2^(31+e)),
 * and neg may be taken as (x < 0): it differs from (h < 0) only when h = 0,
 * where both give 0. Adding off * 2^(31+e) inside the floor adds off.
 * So: P by one SMLAL onto the 64-bit (hi0 - neg : 2^30 + neg * 2^31),
 * hi0 = 2^(e-2) + off * 2^(e-1) (from te_fast_rq1_hi0, per channel), and
 * the high word shifted by e - 1; the bounds keep it within 31 bits. */
TE_FAST_INLINE int32_t te_fast_rq1_hi0(int32_t shift, int32_t off)
{
    /* (2 off + 1) 2^(e-2), |.| < 2^30 */
    return (int32_t)(((uint32_t)off * 2u + 1u) << ~shift) >> 1;
}

TE_FAST_INLINE int32_t te_fast_rq1(int32_t x, int32_t mult, int32_t shift, int32_t hi0)
{
    const int32_t neg = x >> 31;
    const uint32_t lo = ((uint32_t)neg << 31) | 0x40000000u;
    const int64_t s = (int64_t)(hi0 + neg) * INT64_C(0x100000000) + (int64_t)lo + (int64_t)x * mult;
    return (int32_t)(s >> 32) >> ~shift;
}

/* How a layer's outputs (offset off) can be requantized: 0 only by
 * te_requantize (a multiplier is INT32_MIN), 1 by te_fast_rq, 2 by
 * te_fast_rq1 (every multiplier >= 0, shift in [-22, -2], |off| <= 256). */
static inline int32_t te_fast_rq_mode(const int32_t *mult, const int32_t *shift, int32_t n, int32_t off)
{
    int32_t i, mode = off >= -256 && off <= 256 ? 2 : 1;
    for (i = 0; i < n; ++i) {
        if (mult[i] == INT32_MIN) {
            return 0;
        }
        if (mult[i] < 0 || shift[i] > -2 || shift[i] < -22) {
            mode = 1;
        }
    }
    return mode;
}

/* Clamp to [lo, hi] (full: they are -128 and 127). */
TE_FAST_INLINE int8_t te_fast_clamp8(int32_t v, int32_t lo, int32_t hi, int32_t full)
{
#if TE_FAST_DSP
    if (full) {
        return (int8_t)__ssat(v, 8);
    }
#else
    (void)full;
#endif
    return (int8_t)te_clamp_s32(v, lo, hi);
}

/* te_conv2d_fast_s8 with scratch_bytes of scratch (it takes
 * TE_CONV2D_FAST_SCRATCH; more lets it block 4 pixels where it would block
 * 2). Pixels go in order, each block's columns copied before its outputs
 * are written: with one group, a 1x1 stride-1 layer with out_c <= in_c may
 * have output == input, unless a multiplier is INT32_MIN
 * (te_fast_rq_mode 0: the reference loop). */
void te_conv2d_fast_run(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output, void *scratch, int32_t scratch_bytes);

#endif /* TE_FAST_MAC_H */
