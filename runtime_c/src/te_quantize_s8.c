/* QUANTIZE, float32 -> int8. Bit-exact with TFLM's AffineQuantize:
 * round(x / scale) in float32 (halves away from zero) plus the zero point,
 * saturated. The rounding is done here without libm. NaN gives -128. */
#include <string.h>
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_quantize_s8(const te_quant_f32_params_t *p, const float *input, int8_t *output)
{
    float scale;
    int32_t i;
    memcpy(&scale, &p->scale_bits, sizeof scale);
    for (i = 0; i < p->size; ++i) {
        float q = input[i] / scale;
        int32_t r;
        float frac;
        /* anything beyond +-1024 saturates after the zero point is added */
        if (!(q > -1024.0f)) {
            q = -1024.0f;
        } else if (q > 1024.0f) {
            q = 1024.0f;
        }
        r = (int32_t)q; /* toward zero */
        frac = q - (float)r; /* exact for |q| < 2^23 */
        if (frac >= 0.5f) {
            ++r;
        } else if (frac <= -0.5f) {
            --r;
        }
        output[i] = te_sat_s8(r + p->zp);
    }
}
