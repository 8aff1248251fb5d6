/* MAX_POOL_2D, int8. Bit-exact with TFLM's reference_integer_ops::MaxPool:
 * the window is clipped to the input, padding never takes part. */
#include "tinyedge/te_kernels.h"

static int32_t window_max(const int8_t *window, int32_t row, int32_t step, int32_t h, int32_t w)
{
    int32_t best = -128;
    int32_t y, x;
    for (y = 0; y < h; ++y) {
        const int8_t *src = window + y * row;
        for (x = 0; x < w; ++x) {
            const int32_t v = src[x * step];
            if (v > best) {
                best = v;
            }
        }
    }
    return best;
}

void te_max_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output)
{
    te_pool2d_s8(p, input, output, window_max);
}
