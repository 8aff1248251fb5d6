/* tinyedge runtime: fixed-point helpers shared by the kernels (internal).
 *
 * These follow TFLite's reference arithmetic (gemmlowp's rounding doubling
 * high multiply and rounding right shift, "double rounding" requantization)
 * so that every kernel is bit-exact with TFLite Micro. Shifts of negative
 * values rely on arithmetic right shift, which gcc guarantees.
 * Constants carry INT32_C / INT64_C because int is 16 bits on AVR.
 */
#ifndef TINYEDGE_TE_FIXEDPOINT_H
#define TINYEDGE_TE_FIXEDPOINT_H

#include "tinyedge/te_platform.h"

static inline int32_t te_min_s32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t te_max_s32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t te_clamp_s32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* gemmlowp::SaturatingRoundingDoublingHighMul */
static inline int32_t te_sat_dbl_high_mul(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? (INT64_C(1) << 30) : (INT64_C(1) - (INT64_C(1) << 30));
    ab += nudge;
    /* C's truncating division by 2^31 as a shift: a 64-bit division is a
     * library call on 32-bit cores, once per output value. */
    return (int32_t)((ab >= 0 ? ab : ab + INT64_C(0x7FFFFFFF)) >> 31);
}

/* gemmlowp::RoundingDivideByPOT: round-half-away-from-zero right shift. */
static inline int32_t te_rounding_div_pot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((INT64_C(1) << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x << s with two's-complement wrap, as TFLM's int32 multiply by (1 << s). */
static inline int32_t te_shl_wrap(int32_t x, int32_t s)
{
    return (int32_t)((uint32_t)x << s);
}

/* tflite::MultiplyByQuantizedMultiplier (double rounding). */
static inline int32_t te_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    return te_rounding_div_pot(te_sat_dbl_high_mul(te_shl_wrap(x, left), multiplier), right);
}

/* tflite::MultiplyByQuantizedMultiplierSmallerThanOneExp */
static inline int32_t te_requantize_lt1(int32_t x, int32_t multiplier, int32_t shift)
{
    return te_rounding_div_pot(te_sat_dbl_high_mul(x, multiplier), -shift);
}

/* tflite::MultiplyByQuantizedMultiplierGreaterThanOne */
static inline int32_t te_requantize_gt1(int32_t x, int32_t multiplier, int32_t shift)
{
    return te_sat_dbl_high_mul(te_shl_wrap(x, shift), multiplier);
}

static inline int8_t te_sat_s8(int32_t x)
{
    return (int8_t)te_clamp_s32(x, -128, 127);
}

/* Read an int8 that is const data (is_const != 0, via TE_READ_S8) or
 * activation memory: for kernels whose inputs may be either. */
static inline int8_t te_load_s8(const int8_t *p, int32_t is_const)
{
    return is_const ? TE_READ_S8(p) : *p;
}

#endif /* TINYEDGE_TE_FIXEDPOINT_H */
