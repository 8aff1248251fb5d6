/* The window walk shared by MAX_POOL_2D and AVERAGE_POOL_2D (TFLM's
 * reference_integer_ops): each window is clipped to the input, so padding
 * never takes part; the kernel's reduce() turns the in-bounds part into one
 * value, which is clamped to the activation bounds. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output,
                  te_pool_reduce_fn reduce)
{
    int32_t b, oy, ox, c;
    const int32_t row = p->in_w * p->depth;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * row;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = te_max_s32(0, -y0);
            const int32_t fy1 = te_min_s32(p->filter_h, p->in_h - y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = te_max_s32(0, -x0);
                const int32_t fx1 = te_min_s32(p->filter_w, p->in_w - x0);
                /* the compiler guarantees a non-empty window */
                const int8_t *window = in_b + (y0 + fy0) * row + (x0 + fx0) * p->depth;
                for (c = 0; c < p->depth; ++c) {
                    const int32_t v = reduce(window + c, row, p->depth, fy1 - fy0, fx1 - fx0);
                    *output++ = (int8_t)te_clamp_s32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}
