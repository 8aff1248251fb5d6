/* TANH, int8. Bit-exact with TFLM's reference_integer_ops::Tanh: the input
 * is rescaled to Q4.27, gemmlowp's fixed-point tanh gives a Q0.31 result,
 * which is rounded to 1/128 steps (zero point 0). */
#include "tinyedge/te_kernels.h"

void te_tanh_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output)
{
    te_sigmoid_s8(p, input, output, te_fx_tanh, 7, 0);
}
