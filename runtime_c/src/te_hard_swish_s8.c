/* HARD_SWISH, int8. Bit-exact with TFLM's reference HardSwish, which works
 * in 16-bit fixed point: the input on a "high resolution" scale (x 2^7) is
 * multiplied by a "relu-ish" factor in [0, 1] that encodes
 * min(max(x + 3, 0), 6) / 6, then moved to the output scale. Every int16
 * intermediate is truncated to 16 bits exactly where TFLM's is. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

static int16_t hs_clamp16(int32_t x)
{
    return (int16_t)te_clamp_s32(x, INT16_MIN, INT16_MAX);
}

/* value * 2^amount, saturated to int16 */
static int16_t hs_sat_shl16(int16_t v, int32_t amount)
{
    if (amount >= 16) {
        return v > 0 ? INT16_MAX : (v < 0 ? INT16_MIN : 0);
    }
    return hs_clamp16((int32_t)v * (INT32_C(1) << amount));
}

/* gemmlowp::SaturatingRoundingDoublingHighMul for int16 */
static int16_t hs_rounding_dbl_high_mul16(int16_t a, int16_t b)
{
    int32_t ab;
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    ab = (int32_t)a * (int32_t)b;
    ab += ab >= 0 ? (INT32_C(1) << 14) : (INT32_C(1) - (INT32_C(1) << 14));
    return (int16_t)(ab / (INT32_C(1) << 15));
}

/* the same without rounding (truncates toward zero) */
static int16_t hs_dbl_high_mul16(int16_t a, int16_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (int16_t)(((int32_t)a * (int32_t)b) / (INT32_C(1) << 15));
}

/* gemmlowp::RoundingDivideByPOT for int16 (mask truncated to 16 bits) */
static int16_t hs_rounding_div_pot16(int16_t x, int32_t exponent)
{
    const int16_t mask = exponent >= 16 ? (int16_t)-1 : (int16_t)((INT32_C(1) << exponent) - 1);
    const int16_t remainder = (int16_t)(x & mask);
    const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)(((int32_t)x >> exponent) + (remainder > threshold ? 1 : 0));
}

void te_hard_swish_s8(const te_hard_swish_params_t *p, const int8_t *input, int8_t *output)
{
    const int16_t out_mult = (int16_t)p->out_mult;
    const int16_t reluish_mult = (int16_t)p->reluish_mult;
    const int32_t rshift = p->reluish_shift;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int16_t x = (int16_t)((int32_t)input[i] - p->in_zp);
        const int16_t x_hires = (int16_t)((int32_t)x * 128);
        const int16_t x_preshift = hs_rounding_dbl_high_mul16(x_hires, out_mult);
        int16_t reluish = x_hires;
        int16_t v;

        if (rshift > 0) {
            reluish = hs_sat_shl16(reluish, rshift - 1);
        }
        reluish = hs_rounding_dbl_high_mul16(reluish, reluish_mult);
        if (rshift > 0) {
            reluish = hs_sat_shl16(reluish, 1);
        } else if (rshift < 0) {
            reluish = hs_rounding_div_pot16(reluish, -rshift);
        }
        /* [-1, 1] -> [0, 1] */
        reluish = (int16_t)(((int32_t)reluish + (INT32_C(1) << 15)) >> 1);
        v = hs_rounding_div_pot16(hs_dbl_high_mul16(reluish, x_preshift), -p->out_shift);
        v = (int16_t)((int32_t)v + p->out_zp);
        output[i] = te_sat_s8(v);
    }
}
