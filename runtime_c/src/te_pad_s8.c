/* PAD / PADV2, int8: the input placed at pad_before inside an output filled
 * with pad_value, shapes right-aligned to 5 dims. Same element order as
 * TFLM's reference_ops::Pad: the output is written once, front to back. */
#include "tinyedge/te_kernels.h"

static void fill_s8(int8_t *dst, int8_t v, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        dst[i] = v;
    }
}

static int32_t inside(const te_pad_params_t *p, int32_t d, int32_t i)
{
    return i >= p->pad_before[d] && i < p->pad_before[d] + p->in_shape[d];
}

void te_pad_s8(const te_pad_params_t *p, const int8_t *input, int8_t *output)
{
    const int8_t v = (int8_t)p->pad_value;
    const int32_t depth = p->out_shape[4];
    const int32_t left = p->pad_before[4];
    const int32_t in_depth = p->in_shape[4];
    const int32_t right = depth - left - in_depth;
    int32_t i0, i1, i2, i3, k;
    for (i0 = 0; i0 < p->out_shape[0]; ++i0) {
        for (i1 = 0; i1 < p->out_shape[1]; ++i1) {
            for (i2 = 0; i2 < p->out_shape[2]; ++i2) {
                for (i3 = 0; i3 < p->out_shape[3]; ++i3) {
                    if (!(inside(p, 0, i0) && inside(p, 1, i1) && inside(p, 2, i2) &&
                          inside(p, 3, i3))) {
                        fill_s8(output, v, depth);
                        output += depth;
                        continue;
                    }
                    fill_s8(output, v, left);
                    output += left;
                    for (k = 0; k < in_depth; ++k) {
                        output[k] = input[k];
                    }
                    output += in_depth;
                    input += in_depth;
                    fill_s8(output, v, right);
                    output += right;
                }
            }
        }
    }
}
