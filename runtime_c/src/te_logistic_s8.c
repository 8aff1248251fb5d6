/* LOGISTIC, int8. Bit-exact with TFLM's reference_integer_ops::Logistic:
 * the input is rescaled to Q4.27, gemmlowp's fixed-point logistic gives a
 * Q0.31 result, which is rounded to 1/256 steps with zero point -128. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_logistic_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->in_zp;
        if (x <= -p->in_radius) {
            output[i] = -128;
        } else if (x >= p->in_radius) {
            output[i] = 127;
        } else {
            const int32_t q4 = te_requantize(x, p->in_mult, p->in_shift);
            const int32_t y = te_rounding_div_pot(te_fx_logistic(q4, 4), 31 - 8);
            output[i] = te_sat_s8(y - 128);
        }
    }
}
