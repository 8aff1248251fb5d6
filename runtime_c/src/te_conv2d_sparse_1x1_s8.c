/* CONV_2D with a 1x1 filter and no padding, int8 per-channel, sparse filter:
 * the bitmap and values of te_conv2d_sparse_s8 (see te_kernels.h, "sparse
 * weights"), groups included.
 *
 * Loop order: output channel outside, pixels inside, so that
 * - the channel's row is decoded once (te_sparse_rows.h) and its nonzeros
 *   applied to 4 pixels at a time, the 4 sums in registers: per nonzero and
 *   block of 4 pixels, a list entry loaded and split, then a load and a
 *   multiply-accumulate per pixel, 11.5 instructions on a Cortex-M4
 *   (re-walking the bitmap at every pixel cost ~29 per nonzero
 *   multiply-accumulate);
 * - the channel's requantization is prepared once (te_sparse_rq_t: no
 *   64-bit division).
 * The input offset is folded into the channel's start value: with no
 * padding every tap is in bounds, so sum w * (x + in_offset) + bias =
 * sum w * x + (bias + in_offset * sum w) in wrapping int32 arithmetic, and
 * the sum itself does not depend on order: bit-exact with te_conv2d_s8 and
 * TFLM's ConvPerChannel. */
#include "tinyedge/te_kernels.h"
#include "te_sparse_rows.h"

#if TE_SPARSE_ENGINE
void te_conv2d_sparse_1x1_s8(const te_conv_params_t *p, const int8_t *input,
                             const uint8_t *mask, const int8_t *values,
                             const int32_t *bias, int8_t *output)
{
    uint32_t list[TE_SPARSE_LIST + 1];
    /* copied out of *p: the int8 output stores could alias it */
    const int32_t in_c = p->in_c, out_c = p->out_c, fic = p->filter_in_c;
    const int32_t per_group = out_c / (in_c / fic);
    const int32_t *mult = p->mult, *shift = p->shift;
    /* Pixels go in runs at a fixed input step: an output row, or the whole
     * layer where input and output pixels correspond one to one. */
    const int32_t one_run = p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w;
    const int32_t batches = one_run ? 1 : p->batches, rows = one_run ? 1 : p->out_h;
    const int32_t run_len = one_run ? p->batches * p->out_h * p->out_w : p->out_w;
    const int32_t step = p->stride_w * in_c;
    const int32_t in_row = p->stride_h * p->in_w * in_c, in_batch = p->in_h * p->in_w * in_c;
    const int32_t out_row = p->out_w * out_c, out_batch = p->out_h * out_row;
    te_sparse_rows_t r;
    int32_t oc, b, oy;
    te_sparse_rows_init(&r, mask, values, (fic + 7) / 8, p->in_offset, p->out_offset, p->act_min, p->act_max,
                        list);
    for (oc = 0; oc < out_c; ++oc) {
        const int8_t *in_g = input + (oc / per_group) * fic;
        te_sparse_row_begin(&r, bias ? TE_READ_S32(bias + oc) : 0, TE_READ_S32(mult + oc), TE_READ_S32(shift + oc));
        for (b = 0; b < batches; ++b) {
            for (oy = 0; oy < rows; ++oy) {
                te_sparse_row_run(&r, in_g + b * in_batch + oy * in_row, step,
                                  output + b * out_batch + oy * out_row + oc, out_c, run_len);
            }
        }
    }
}
#else
/* AVR: each row walked straight from its bitmap at every pixel. */
void te_conv2d_sparse_1x1_s8(const te_conv_params_t *p, const int8_t *input,
                             const uint8_t *mask, const int8_t *values,
                             const int32_t *bias, int8_t *output)
{
    const int32_t fic = p->filter_in_c, per_group = p->out_c / (p->in_c / fic), row_bytes = (fic + 7) / 8;
    int32_t oc, b, oy, ox;
    for (oc = 0; oc < p->out_c; ++oc) {
        const int32_t start = bias ? TE_READ_S32(bias + oc) : 0;
        const int8_t *v = values;
        te_sparse_rq_t rq;
        te_sparse_rq_init(&rq, TE_READ_S32(p->mult + oc), TE_READ_S32(p->shift + oc), p->out_offset);
        for (b = 0; b < p->batches; ++b) {
            for (oy = 0; oy < p->out_h; ++oy) {
                for (ox = 0; ox < p->out_w; ++ox) {
                    const int32_t px = (b * p->in_h + oy * p->stride_h) * p->in_w + ox * p->stride_w;
                    const int8_t *x = input + px * p->in_c + (oc / per_group) * fic;
                    uint32_t wsum;
                    int32_t acc;
                    v = values;
                    acc = te_sparse_dot_direct(mask, row_bytes, &v, x, &wsum);
                    acc = (int32_t)((uint32_t)acc + (uint32_t)start + (uint32_t)p->in_offset * wsum);
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)te_clamp_s32(te_sparse_rq(&rq, acc), p->act_min, p->act_max);
                }
            }
        }
        if (p->batches * p->out_h * p->out_w == 0) {
            v = values + te_sparse_count(mask, row_bytes);
        }
        values = v;
        mask += row_bytes;
    }
}
#endif
