/* ADD and SUB, int8, with broadcasting. Each input is moved to its zero
 * point, widened by left_shift and rescaled to a common scale; the second is
 * added (SUB: subtracted) and the result rescaled to the output: the
 * arithmetic of TFLM's reference_integer_ops::Add and, for int8,
 * reference_ops::Sub. Both use te_add_params_t. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

typedef struct {
    const te_add_params_t *p;
    int32_t sign; /* 1: ADD, -1: SUB */
} add_sub_t;

static void add_sub_row(const void *params, const te_bcast_t *bc,
                        const int8_t *a, int32_t a_step, const int8_t *b,
                        int32_t b_step, int8_t *out, int32_t n)
{
    const te_add_params_t *p = ((const add_sub_t *)params)->p;
    const int32_t sign = ((const add_sub_t *)params)->sign;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t x = (int32_t)te_load_s8(a + i * a_step, bc->in1_const) + p->in1_offset;
        const int32_t y = (int32_t)te_load_s8(b + i * b_step, bc->in2_const) + p->in2_offset;
        const int32_t xs = te_requantize_lt1(te_shl_wrap(x, p->left_shift), p->in1_mult, p->in1_shift);
        const int32_t ys = te_requantize_lt1(te_shl_wrap(y, p->left_shift), p->in2_mult, p->in2_shift);
        const int32_t r = te_requantize_lt1(xs + sign * ys, p->out_mult, p->out_shift) + p->out_offset;
        out[i] = (int8_t)te_clamp_s32(r, p->act_min, p->act_max);
    }
}

void te_add_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2,
               int8_t *output)
{
    const add_sub_t add = {p, 1};
    te_broadcast_binary_s8(&p->bc, &add, in1, in2, output, add_sub_row);
}

void te_sub_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2,
               int8_t *output)
{
    const add_sub_t sub = {p, -1};
    te_broadcast_binary_s8(&p->bc, &sub, in1, in2, output, add_sub_row);
}
