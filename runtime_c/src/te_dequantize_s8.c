/* DEQUANTIZE, int8 -> float32. TFLM computes scale * (q - zp) in double and
 * rounds to float; that product is exact in double (24 x 9 bits), so one
 * correctly rounded float32 multiply gives the same bits. */
#include <string.h>
#include "tinyedge/te_kernels.h"

void te_dequantize_s8(const te_quant_f32_params_t *p, const int8_t *input, float *output)
{
    float scale;
    int32_t i;
    memcpy(&scale, &p->scale_bits, sizeof scale);
    for (i = 0; i < p->size; ++i) {
        output[i] = (float)((int32_t)input[i] - p->zp) * scale;
    }
}
