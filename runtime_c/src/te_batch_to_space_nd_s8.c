/* BATCH_TO_SPACE_ND, int8. Same element order as TFLM's
 * reference_ops::BatchToSpaceND: cropped positions are dropped. */
#include <string.h>

#include "tinyedge/te_kernels.h"

void te_batch_to_space_nd_s8(const te_space_batch_params_t *p, const int8_t *input,
                             int8_t *output)
{
    int32_t ib, iy, ix;
    const size_t depth = (size_t)p->depth;
    for (ib = 0; ib < p->in_b; ++ib) {
        const int32_t ob = ib % p->out_b;
        const int32_t block = ib / p->out_b;
        const int32_t dy = block / p->block_w;
        const int32_t dx = block % p->block_w;
        for (iy = 0; iy < p->in_h; ++iy) {
            const int32_t oy = iy * p->block_h + dy - p->pad_top;
            if (oy < 0 || oy >= p->out_h) {
                continue;
            }
            for (ix = 0; ix < p->in_w; ++ix) {
                const int32_t ox = ix * p->block_w + dx - p->pad_left;
                if (ox < 0 || ox >= p->out_w) {
                    continue;
                }
                memcpy(output + ((ob * p->out_h + oy) * p->out_w + ox) * p->depth,
                       input + ((ib * p->in_h + iy) * p->in_w + ix) * p->depth, depth);
            }
        }
    }
}
