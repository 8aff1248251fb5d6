/* FULLY_CONNECTED, int8, per-tensor or per-channel weights. Bit-exact with
 * TFLM's reference_integer_ops::FullyConnected(PerChannel). Output units
 * [o_begin, o_end) only (te_kernels.h). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_fully_connected_s8(const te_fc_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias,
                           int8_t *output)
{
    const int32_t o_begin = p->o_begin, o_end = p->o_end ? p->o_end : p->out_depth;
    int32_t b, o, i;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_row = input + b * p->in_depth;
        for (o = o_begin; o < o_end; ++o) {
            const int8_t *f_row = filter + o * p->in_depth;
            const int32_t ch = p->per_channel ? o : 0;
            int32_t acc = 0;
            for (i = 0; i < p->in_depth; ++i) {
                acc += ((int32_t)TE_READ_S8(f_row + i) + p->filter_offset) *
                       ((int32_t)in_row[i] + p->in_offset);
            }
            if (bias) {
                acc += TE_READ_S32(bias + o);
            }
            acc = te_requantize(acc, TE_READ_S32(p->mult + ch), TE_READ_S32(p->shift + ch));
            acc += p->out_offset;
            output[b * p->out_depth + o] = (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
        }
    }
}
