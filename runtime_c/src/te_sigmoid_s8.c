/* The element loop shared by LOGISTIC and TANH (TFLM's reference_integer_ops):
 * |x - in_zp| at or beyond the input radius saturates to -128 or 127;
 * otherwise the input is rescaled to Q4.27, f gives a Q0.31 result, which is
 * rounded to steps of 2^-out_bits and offset by out_zp. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_sigmoid_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output,
                   te_fx_fn f, int32_t out_bits, int32_t out_zp)
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
            output[i] = te_sat_s8(te_rounding_div_pot(f(q4, 4), 31 - out_bits) + out_zp);
        }
    }
}
