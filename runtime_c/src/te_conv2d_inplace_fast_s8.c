/* te_conv2d_inplace_fast_s8: te_conv2d_fast_s8 writing its output over its input.
 *
 * The fast kernel copies each block of pixels into its columns before it
 * writes their outputs, so for a 1x1 stride-1 layer with out_c <= in_c and
 * one group (what passes/inplace.py marks) it runs on the buffer directly,
 * with the whole scratch (TE_INPLACE_CHUNK * in_c + TE_CONV2D_FAST_SCRATCH
 * bytes) for columns. Otherwise (an INT32_MIN multiplier: the reference
 * loop, which reads input after writing output) it goes through
 * te_conv1x1_inplace's copies (te_inplace.h). */
#include "tinyedge/te_kernels_fast.h"
#include "te_fast_mac.h"
#include "te_inplace.h"

void te_conv2d_inplace_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output, void *scratch)
{
    (void)input; /* the same buffer as output */
#if !defined(__AVR__)
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : p->out_c;
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->filter_in_c == p->in_c &&
        p->out_c <= p->in_c && p->out_h == p->in_h && p->out_w == p->in_w && p->pad_h == 0 && p->pad_w == 0 &&
        te_fast_rq_mode(p->mult + oc_begin, p->shift + oc_begin, oc_end - oc_begin, p->out_offset) != 0) {
        te_conv2d_fast_run(p, output, filter, bias, output, scratch,
                           TE_INPLACE_CHUNK * p->in_c + TE_CONV2D_FAST_SCRATCH(1, 1, p->in_c));
        return;
    }
#endif
    te_conv1x1_inplace(p, output, filter, bias, (uint8_t *)scratch, te_conv2d_fast_s8);
}
