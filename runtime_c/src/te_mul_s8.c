/* MUL, int8, with broadcasting: the product of the zero-point-corrected
 * inputs, requantized once to the output (TFLM's reference_integer_ops::Mul,
 * MultiplyByQuantizedMultiplier with double rounding). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

static void mul_row(const void *params, const te_bcast_t *bc,
                    const int8_t *a, int32_t a_step, const int8_t *b,
                    int32_t b_step, int8_t *out, int32_t n)
{
    const te_mul_params_t *p = (const te_mul_params_t *)params;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t x = (int32_t)te_load_s8(a + i * a_step, bc->in1_const) + p->in1_offset;
        const int32_t y = (int32_t)te_load_s8(b + i * b_step, bc->in2_const) + p->in2_offset;
        const int32_t r = te_requantize(x * y, p->out_mult, p->out_shift) + p->out_offset;
        out[i] = (int8_t)te_clamp_s32(r, p->act_min, p->act_max);
    }
}

void te_mul_s8(const te_mul_params_t *p, const int8_t *in1, const int8_t *in2,
               int8_t *output)
{
    te_broadcast_binary_s8(&p->bc, p, in1, in2, output, mul_row);
}
