/* tinyedge runtime: te_requantize without its 64-bit division (internal).
 *
 * te_requantize's high multiply adds a nudge of 2^30 (1 - 2^30 when the
 * product is negative) and truncates toward zero by 2^31; that always equals
 * floor((a*b + 2^30) / 2^31), an arithmetic shift: no __aeabi_ldivmod.
 * (ab >= 0: the same sum; ab < 0: trunc((ab + 1 - 2^30) / 2^31)
 * = floor((ab + 1 - 2^30 + 2^31 - 1) / 2^31).) Checked bit for bit against
 * te_requantize by tests/c/fast_depthwise_check.c.
 */
#ifndef TINYEDGE_TE_FAST_REQUANT_H
#define TINYEDGE_TE_FAST_REQUANT_H

#include "te_fixedpoint.h"

/* == te_requantize(x, multiplier, shift) for every x and multiplier,
 * shift in [-31, 31]. */
static inline int32_t te_fast_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = left - shift;
    const int32_t a = (int32_t)((uint32_t)x << left);
    const int32_t mask = (int32_t)((UINT32_C(1) << right) - 1u);
    int32_t s;
    if (a == INT32_MIN && multiplier == INT32_MIN) {
        s = INT32_MAX; /* the one product that does not fit */
    } else {
        s = (int32_t)(((int64_t)a * multiplier + (INT64_C(1) << 30)) >> 31);
    }
    /* rounding right shift, half away from zero, as te_rounding_div_pot */
    return (s >> right) + ((s & mask) > (mask >> 1) + (s < 0 ? 1 : 0) ? 1 : 0);
}

/* te_requantize_small's rounding term for a right shift and an output
 * offset: 2^right + offset * 2^(right + 1) = (2 offset + 1) << right. */
static inline int32_t te_requant_round(int32_t right, int32_t offset)
{
    return (int32_t)((2u * (uint32_t)offset + 1u) << right);
}

/* == te_requantize(x, multiplier, -right) + offset, given x2 = 2 * x and
 * round = te_requant_round(right, offset), when -2^30 < x < 2^30,
 * multiplier > 0, 0 <= right <= 21 and |offset| <= 256.
 * Then s = SRDHM(x, m) = hi(2x * m + 2^31) has the sign of x (or is 0) and
 * |s| < 2^30, so the rounding shift plus the offset is (s + c) >> right with
 * c = 2^(right-1) - (x < 0) + offset * 2^right (offset alone when right is
 * 0) = (round + (x < 0 ? -1 : 0)) >> 1, all without overflow; s + c is one
 * SMMLAR on DSP cores. */
static inline int32_t te_requantize_small(int32_t x2, int32_t multiplier, int32_t right, int32_t round)
{
    const int32_t c = (round + (x2 >> 31)) >> 1;
    int32_t hi;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    __asm__("smmlar %0, %1, %2, %3" : "=r"(hi) : "r"(x2), "r"(multiplier), "r"(c));
#else
    hi = (int32_t)(((int64_t)x2 * multiplier + (INT64_C(1) << 31)) >> 32) + c;
#endif
    return hi >> right;
}

#endif /* TINYEDGE_TE_FAST_REQUANT_H */
