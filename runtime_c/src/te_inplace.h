/* tinyedge runtime: running a convolution over its own input (internal).
 *
 * The memory planner lets a 1x1 convolution (stride 1, out_c <= in_c) and a
 * stride-1 "same" depthwise convolution write their output over their input
 * when nothing reads the input afterwards: at the arena's peak this saves a
 * whole activation. The wrappers below copy just enough of the input aside
 * (a few pixels, or the kernel's rows) and call the ordinary kernel on the
 * copy, so any kernel (reference or fast) works unchanged and the result is
 * bit-exact with the out-of-place call. */
#ifndef TINYEDGE_TE_INPLACE_H
#define TINYEDGE_TE_INPLACE_H

#include <string.h>

#include "tinyedge/te_kernels.h"

/* Pixels copied aside per 1x1 step: scratch holds TE_INPLACE_CHUNK * in_c bytes. */
#define TE_INPLACE_CHUNK 8

typedef void (*te_conv_fn)(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output, void *scratch);

/* 1x1, stride 1, out_c <= in_c: output pixel i only needs input pixel i, and
 * the outputs of pixels [i, i+n) lie inside their inputs, copied aside first. */
static inline void te_conv1x1_inplace(const te_conv_params_t *p, int8_t *buf, const int8_t *filter,
                                      const int32_t *bias, uint8_t *scratch, te_conv_fn kernel)
{
    const int32_t pixels = p->batches * p->in_h * p->in_w;
    int8_t *copy = (int8_t *)scratch;
    void *kernel_scratch = scratch + TE_INPLACE_CHUNK * p->in_c;
    te_conv_params_t q = *p;
    int32_t i, n;
    q.batches = 1;
    q.in_h = q.out_h = 1;
    for (i = 0; i < pixels; i += n) {
        n = pixels - i < TE_INPLACE_CHUNK ? pixels - i : TE_INPLACE_CHUNK;
        q.in_w = q.out_w = n;
        memcpy(copy, buf + i * p->in_c, (size_t)(n * p->in_c));
        kernel(&q, copy, filter, bias, buf + i * p->out_c, kernel_scratch);
    }
}

/* Output rows computed per call over their own input: a few, so that a
 * fast kernel's per-call set-up is shared (scratch grows by a row each). */
#define TE_INPLACE_DW_ROWS 4

/* Stride-1 depthwise with out_h == in_h: output rows y .. y + n - 1 need input
 * rows y - pad_h .. y + n - 2 - pad_h + k_h; rows up to y - 1 are already
 * overwritten, so a window of the original rows (k_h + TE_INPLACE_DW_ROWS - 1
 * of them) rolls down the image in scratch. */
static inline void te_depthwise_inplace(const te_conv_params_t *p, int8_t *buf, const int8_t *filter,
                                        const int32_t *bias, uint8_t *scratch, te_conv_fn kernel)
{
    const int32_t row = p->in_w * p->in_c;
    int8_t *window = (int8_t *)scratch;
    te_conv_params_t q = *p;
    int32_t b, y, n;
    q.batches = 1;
    for (b = 0; b < p->batches; ++b) {
        int8_t *image = buf + b * p->in_h * row;
        int32_t have_first = 0, have_last = -1; /* original rows held in window */
        for (y = 0; y < p->out_h; y += n) {
            const int32_t top = y - p->pad_h;
            int32_t first, last;
            n = p->out_h - y < TE_INPLACE_DW_ROWS ? p->out_h - y : TE_INPLACE_DW_ROWS;
            first = top > 0 ? top : 0;
            last = top + n + p->k_h - 2 < p->in_h - 1 ? top + n + p->k_h - 2 : p->in_h - 1;
            if (have_last < first) {
                memcpy(window, image + first * row, (size_t)((last - first + 1) * row));
            } else {
                const int32_t keep = have_last - first + 1; /* rows still needed */
                if (first > have_first) {
                    memmove(window, window + (first - have_first) * row, (size_t)(keep * row));
                }
                if (last > have_last) {
                    memcpy(window + keep * row, image + (have_last + 1) * row, (size_t)((last - have_last) * row));
                }
            }
            have_first = first;
            have_last = last;
            q.in_h = last - first + 1;
            q.out_h = n;
            q.pad_h = first - top;
            kernel(&q, window, filter, bias, image + y * row, NULL); /* depth_mult 1: rows match */
        }
    }
}

#endif
