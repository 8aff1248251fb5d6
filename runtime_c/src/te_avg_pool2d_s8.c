/* AVERAGE_POOL_2D, int8. Bit-exact with TFLM's
 * reference_integer_ops::AveragePool: the sum over the in-bounds part of the
 * window is divided by that part's size, rounding halves away from zero.
 *
 * The window walk is te_pool2d_s8's, but the sums (exact integers, so their
 * order is free) are taken 8 channels at a time (then 4, then 1): one pass
 * over the window per block, 8 neighbouring bytes of each pixel into 8
 * accumulators, instead of one pass of strided single loads per channel.
 * When the window spans whole input rows, its pixels are evenly spaced and
 * one loop walks them all. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

/* A window: `rows` runs of `cols` pixels, runs `row` bytes apart, pixels
 * `depth` bytes apart. */
typedef struct {
    int32_t rows, cols, row, depth, count;
} window_t;

/* out[k] = the average of sum[k], k < n */
static void average(const int32_t *sum, int32_t n, int32_t count, const te_pool_params_t *p, int8_t *out)
{
    int32_t k;
    for (k = 0; k < n; ++k) {
        /* C99 division truncates toward zero, as C++ does */
        const int32_t v = sum[k] > 0 ? (sum[k] + count / 2) / count : (sum[k] - count / 2) / count;
        out[k] = (int8_t)te_clamp_s32(v, p->act_min, p->act_max);
    }
}

/* Channels 0..7 of the window at `in` into out[0..7]. */
static void average8(const int8_t *in, window_t wd, const te_pool_params_t *p, int8_t *out)
{
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int32_t sum[8];
    int32_t y;
    for (y = 0; y < wd.rows; ++y, in += wd.row) {
        const int8_t *px = in;
        const int8_t *const end = in + wd.cols * wd.depth;
        for (; px != end; px += wd.depth) {
            s0 += px[0];
            s1 += px[1];
            s2 += px[2];
            s3 += px[3];
            s4 += px[4];
            s5 += px[5];
            s6 += px[6];
            s7 += px[7];
        }
    }
    sum[0] = s0;
    sum[1] = s1;
    sum[2] = s2;
    sum[3] = s3;
    sum[4] = s4;
    sum[5] = s5;
    sum[6] = s6;
    sum[7] = s7;
    average(sum, 8, wd.count, p, out);
}

/* Channels 0..3. */
static void average4(const int8_t *in, window_t wd, const te_pool_params_t *p, int8_t *out)
{
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int32_t sum[4];
    int32_t y;
    for (y = 0; y < wd.rows; ++y, in += wd.row) {
        const int8_t *px = in;
        const int8_t *const end = in + wd.cols * wd.depth;
        for (; px != end; px += wd.depth) {
            s0 += px[0];
            s1 += px[1];
            s2 += px[2];
            s3 += px[3];
        }
    }
    sum[0] = s0;
    sum[1] = s1;
    sum[2] = s2;
    sum[3] = s3;
    average(sum, 4, wd.count, p, out);
}

/* Channel 0. */
static void average1(const int8_t *in, window_t wd, const te_pool_params_t *p, int8_t *out)
{
    int32_t s = 0;
    int32_t y;
    for (y = 0; y < wd.rows; ++y, in += wd.row) {
        const int8_t *px = in;
        const int8_t *const end = in + wd.cols * wd.depth;
        for (; px != end; px += wd.depth) {
            s += *px;
        }
    }
    average(&s, 1, wd.count, p, out);
}

void te_avg_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c;
    const int32_t depth = p->depth;
    const int32_t row = p->in_w * depth;
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
                const int8_t *window = in_b + (y0 + fy0) * row + (x0 + fx0) * depth;
                window_t wd;
                wd.rows = fy1 - fy0;
                wd.cols = fx1 - fx0;
                wd.row = row;
                wd.depth = depth;
                wd.count = wd.rows * wd.cols;
                if (wd.cols == p->in_w) { /* whole rows: one run */
                    wd.cols = wd.count;
                    wd.rows = 1;
                }
                for (c = 0; c + 8 <= depth; c += 8) {
                    average8(window + c, wd, p, output + c);
                }
                if (c + 4 <= depth) {
                    average4(window + c, wd, p, output + c);
                    c += 4;
                }
                for (; c < depth; ++c) {
                    average1(window + c, wd, p, output + c);
                }
                output += depth;
            }
        }
    }
}
