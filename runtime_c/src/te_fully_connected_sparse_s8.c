/* FULLY_CONNECTED, int8, sparse weights: a bitmap per output row and the
 * nonzero values (see te_kernels.h, "sparse weights"). Only nonzero weights
 * are multiplied; a zero weight adds 0 * (x + in_offset) = 0 in the dense
 * kernel (filter_offset is 0: symmetric weights only), and integer sums do
 * not depend on order, so the result is bit-exact with te_fully_connected_s8
 * and TFLM's reference kernel. The input offset is folded into each row's
 * start value, bias + in_offset * sum of the row (wrapping int32, as the
 * sums wrap), and requantization is division-free (te_sparse_rows.h).
 * One or two batch rows (or AVR): each weight row is walked straight from
 * its bitmap; more: it is decoded once and applied to 4 batch rows at a time. */
#include "tinyedge/te_kernels.h"
#include "te_sparse_rows.h"

void te_fully_connected_sparse_s8(const te_fc_params_t *p, const int8_t *input,
                                  const uint8_t *mask, const int8_t *values,
                                  const int32_t *bias, int8_t *output)
{
    /* copied out of *p: the int8 output stores could alias it */
    const int32_t batches = p->batches, in_depth = p->in_depth, out_depth = p->out_depth;
    const int32_t row_bytes = (in_depth + 7) / 8;
    const int32_t per_channel = p->per_channel;
    const int32_t *mult = p->mult, *shift = p->shift;
    int32_t o;
    if (!TE_SPARSE_ENGINE || batches < 3) {
        const int32_t in_offset = p->in_offset, out_offset = p->out_offset, lo = p->act_min, hi = p->act_max;
        const int8_t *v = values;
        te_sparse_rq_t rq;
        for (o = 0; o < out_depth; ++o) {
            const int32_t ch = per_channel ? o : 0;
            const int8_t *row_v = v;
            int32_t b;
            te_sparse_rq_init(&rq, TE_READ_S32(mult + ch), TE_READ_S32(shift + ch), out_offset);
            for (b = 0; b < batches; ++b) {
                uint32_t wsum;
                int32_t acc;
                v = row_v;
                acc = te_sparse_dot_direct(mask, row_bytes, &v, input + b * in_depth, &wsum);
                acc = (int32_t)((uint32_t)acc + (bias ? (uint32_t)TE_READ_S32(bias + o) : 0u) +
                                (uint32_t)in_offset * wsum);
                output[b * out_depth + o] = (int8_t)te_clamp_s32(te_sparse_rq(&rq, acc), lo, hi);
            }
            mask += row_bytes;
        }
    }
#if TE_SPARSE_ENGINE
    else {
        uint32_t list[TE_SPARSE_LIST + 1];
        te_sparse_rows_t r;
        te_sparse_rows_init(&r, mask, values, row_bytes, p->in_offset, p->out_offset, p->act_min, p->act_max,
                            list);
        for (o = 0; o < out_depth; ++o) {
            const int32_t ch = per_channel ? o : 0;
            te_sparse_row_begin(&r, bias ? TE_READ_S32(bias + o) : 0, TE_READ_S32(mult + ch),
                                TE_READ_S32(shift + ch));
            te_sparse_row_run(&r, input, in_depth, output + o, out_depth, batches);
        }
    }
#endif
}
