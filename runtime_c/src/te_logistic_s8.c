/* LOGISTIC, int8. Bit-exact with TFLM's reference_integer_ops::Logistic:
 * the input is rescaled to Q4.27, gemmlowp's fixed-point logistic gives a
 * Q0.31 result, which is rounded to 1/256 steps with zero point -128. */
#include "tinyedge/te_kernels.h"

void te_logistic_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output)
{
    te_sigmoid_s8(p, input, output, te_fx_logistic, 8, -128);
}
