/* LEAKY_RELU, int8. Bit-exact with TFLM's QuantizeLeakyRelu: non-negative
 * inputs are rescaled by the identity multiplier, negative ones by the alpha
 * multiplier (kept positive, the sign of alpha applied afterwards). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_leaky_relu_s8(const te_leaky_relu_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->in_zp;
        int32_t v;
        if (x >= 0) {
            v = te_requantize(x, p->id_mult, p->id_shift);
        } else {
            v = te_requantize(x, p->alpha_mult, p->alpha_shift);
            if (p->alpha_negative) {
                v = -v;
            }
        }
        output[i] = te_sat_s8(p->out_zp + v);
    }
}
