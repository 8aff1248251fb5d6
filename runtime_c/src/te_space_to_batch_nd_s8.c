/* SPACE_TO_BATCH_ND, int8. Same element order as TFLM's
 * reference_ops::SpaceToBatchND; padded positions get the zero point. */
#include <string.h>

#include "tinyedge/te_kernels.h"

void te_space_to_batch_nd_s8(const te_space_batch_params_t *p, const int8_t *input,
                             int8_t *output)
{
    int32_t ob, oy, ox;
    const size_t depth = (size_t)p->depth;
    for (ob = 0; ob < p->out_b; ++ob) {
        const int32_t ib = ob % p->in_b;
        const int32_t block = ob / p->in_b;
        const int32_t dy = block / p->block_w;
        const int32_t dx = block % p->block_w;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy = oy * p->block_h + dy - p->pad_top;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix = ox * p->block_w + dx - p->pad_left;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                    memset(output, (int)(int8_t)p->pad_value, depth);
                } else {
                    memcpy(output, input + ((ib * p->in_h + iy) * p->in_w + ix) * p->depth, depth);
                }
                output += depth;
            }
        }
    }
}
