/* AVERAGE_POOL_2D, int8. Bit-exact with TFLM's
 * reference_integer_ops::AveragePool: the sum over the in-bounds part of the
 * window is divided by that part's size, rounding halves away from zero. */
#include "tinyedge/te_kernels.h"

static int32_t window_average(const int8_t *window, int32_t row, int32_t step, int32_t h, int32_t w)
{
    const int32_t count = h * w;
    int32_t sum = 0;
    int32_t y, x;
    for (y = 0; y < h; ++y) {
        const int8_t *src = window + y * row;
        for (x = 0; x < w; ++x) {
            sum += src[x * step];
        }
    }
    /* C99 division truncates toward zero, as C++ does */
    if (sum > 0) {
        return (sum + count / 2) / count;
    }
    return (sum - count / 2) / count;
}

void te_avg_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output)
{
    te_pool2d_s8(p, input, output, window_average);
}
