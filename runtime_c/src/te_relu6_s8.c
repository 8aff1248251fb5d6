/* RELU6, int8. TFLM clamps on the input's quantization (zero point and the
 * quantized 6.0) and does not rescale to the output's; so do we. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_relu6_s8(const te_relu6_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int8_t)te_clamp_s32(input[i], p->lo, p->hi);
    }
}
