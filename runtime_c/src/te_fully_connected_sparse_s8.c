/* FULLY_CONNECTED, int8, sparse weights: a bitmap per output row and the
 * nonzero values (see te_kernels.h, "sparse weights"). Only nonzero weights
 * are multiplied; a zero weight adds 0 * (x + in_offset) = 0 in the dense
 * kernel (filter_offset is 0: symmetric weights only), and integer sums do
 * not depend on order, so the result is bit-exact with te_fully_connected_s8
 * and TFLM's reference kernel. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"
#include "te_sparse_dot.h"

void te_fully_connected_sparse_s8(const te_fc_params_t *p, const int8_t *input,
                                  const uint8_t *mask, const int8_t *values,
                                  const int32_t *bias, int8_t *output)
{
    const int32_t row_bytes = (p->in_depth + 7) / 8;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_row = input + b * p->in_depth;
        const uint8_t *m = mask;  /* both walk the rows in order: no row pointers */
        const int8_t *v = values;
        for (o = 0; o < p->out_depth; ++o) {
            const int32_t ch = p->per_channel ? o : 0;
            int32_t acc = te_sparse_dot(m, row_bytes, &v, in_row, p->in_offset);
            m += row_bytes;
            if (bias) {
                acc += TE_READ_S32(bias + o);
            }
            acc = te_requantize(acc, TE_READ_S32(p->mult + ch), TE_READ_S32(p->shift + ch));
            acc += p->out_offset;
            output[b * p->out_depth + o] = (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
        }
    }
}
