/* te_depthwise_conv2d_inplace_fast_s8: te_depthwise_conv2d_fast_s8 writing its output over its input.
 * On DSP cores a 3x3 layer goes over its input directly (te_depthwise_conv2d_fast_s8.c: its ring of
 * widened rows is all the copy it needs, and it takes scratch as room for more of the ring); otherwise
 * te_inplace.h copies a window of rows aside into scratch. */
#include "tinyedge/te_kernels_fast.h"
#include "te_inplace.h"

/* te_depthwise_conv2d_fast_s8.c (internal to the two files) */
int32_t te_depthwise_conv2d_fast_over_input_s8(const te_conv_params_t *p, int8_t *buf, const int8_t *filter,
                                                const int32_t *bias, int32_t *xbuf, int32_t xwords);

static void te_kernel(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output, void *scratch)
{
    (void)scratch;
    te_depthwise_conv2d_fast_s8(p, input, filter, bias, output);
}

/* (a function of its own: its frame is not on the stack under the 3x3 path's) */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void te_copy_aside(const te_conv_params_t *p, int8_t *buf, const int8_t *filter, const int32_t *bias,
                          void *scratch)
{
    te_depthwise_inplace(p, buf, filter, bias, (uint8_t *)scratch, te_kernel);
}

void te_depthwise_conv2d_inplace_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                         const int32_t *bias, int8_t *output, void *scratch)
{
    /* scratch: te_depthwise_inplace's window of rows, word aligned for the 3x3 path */
    const uintptr_t x = ((uintptr_t)scratch + 3u) & ~(uintptr_t)3u;
    const int32_t bytes = (p->k_h + TE_INPLACE_DW_ROWS - 1) * p->in_w * p->in_c - (int32_t)(x - (uintptr_t)scratch);
    (void)input; /* the same buffer as output */
    if (!te_depthwise_conv2d_fast_over_input_s8(p, output, filter, bias, scratch ? (int32_t *)x : NULL,
                                                bytes > 0 ? bytes / 4 : 0)) {
        te_copy_aside(p, output, filter, bias, scratch);
    }
}
