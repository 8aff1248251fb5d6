/* SOFTMAX, int8 in, int8 out. Bit-exact with TFLM's reference Softmax for
 * int8: differences to the row maximum are scaled by beta into Q5.26,
 * exponentiated with gemmlowp's exp_on_negative_values, summed in Q12.19 and
 * normalised by a fixed-point reciprocal of the sum. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

static int32_t softmax_clz(uint32_t x)
{
    int32_t n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & UINT32_C(0x80000000))) {
        x <<= 1;
        ++n;
    }
    return n;
}

static int32_t softmax_exp(const te_softmax_params_t *p, int32_t diff)
{
    return te_fx_exp_on_negative_values(te_requantize_gt1(diff, p->in_mult, p->in_shift), 5);
}

void te_softmax_s8(const te_softmax_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t r, c;
    for (r = 0; r < p->outer; ++r) {
        const int8_t *in = input + r * p->depth;
        int8_t *out = output + r * p->depth;
        int32_t max = -128;
        uint32_t sum = 0; /* Q12.19 */
        int32_t headroom, scale, exponent;

        for (c = 0; c < p->depth; ++c) {
            max = te_max_s32(max, in[c]);
        }
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max;
            if (diff >= p->diff_min) {
                sum += (uint32_t)te_rounding_div_pot(softmax_exp(p, diff), 12);
            }
        }
        /* 1 / sum: normalise sum to [1, 2) and take 1/(1+x) of the fraction */
        headroom = softmax_clz(sum);
        scale = te_fx_one_over_one_plus_x((int32_t)((sum << headroom) - UINT32_C(0x80000000)));
        exponent = (12 - headroom) + 31 - 8;
        if (exponent > 31) {
            /* sum of exponentials >= 512: TFLM stops with a failed check here;
             * every probability is below 1/512, which rounds to -128 or -127 */
            exponent = 31;
        }
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max;
            if (diff >= p->diff_min) {
                const int32_t v = te_rounding_div_pot(
                    te_sat_dbl_high_mul(scale, softmax_exp(p, diff)), exponent);
                out[c] = te_sat_s8(v - 128);
            } else {
                out[c] = -128;
            }
        }
    }
}
