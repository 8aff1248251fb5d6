/* AVERAGE_POOL_2D, int8. Bit-exact with TFLM's
 * reference_integer_ops::AveragePool: the sum over the in-bounds part of the
 * window is divided by that part's size, rounding halves away from zero. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_avg_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
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
                const int32_t count = (fy1 - fy0) * (fx1 - fx0);
                for (c = 0; c < p->depth; ++c) {
                    int32_t sum = 0;
                    for (fy = fy0; fy < fy1; ++fy) {
                        const int8_t *src = in_b + (y0 + fy) * row + c;
                        for (fx = fx0; fx < fx1; ++fx) {
                            sum += src[(x0 + fx) * p->depth];
                        }
                    }
                    /* C99 division truncates toward zero, as C++ does */
                    if (sum > 0) {
                        sum = (sum + count / 2) / count;
                    } else {
                        sum = (sum - count / 2) / count;
                    }
                    *output++ = (int8_t)te_clamp_s32(sum, p->act_min, p->act_max);
                }
            }
        }
    }
}
