/* Requantization int8 -> int8 with clamping: RELU (TFLM's ReluQuantized,
 * bounds from the output zero point) and int8 QUANTIZE (TFLM's Requantize,
 * full int8 range). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_requantize_s8(const te_requantize_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = p->out_zp + te_requantize((int32_t)input[i] - p->in_zp, p->mult, p->shift);
        output[i] = (int8_t)te_clamp_s32(v, p->act_min, p->act_max);
    }
}
