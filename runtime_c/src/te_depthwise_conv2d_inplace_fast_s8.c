/* te_depthwise_conv2d_inplace_fast_s8: te_depthwise_conv2d_fast_s8 writing its output over its input (te_inplace.h). */
#include "tinyedge/te_kernels_fast.h"
#include "te_inplace.h"

static void te_kernel(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output, void *scratch)
{
    (void)scratch;
    te_depthwise_conv2d_fast_s8(p, input, filter, bias, output);
}

void te_depthwise_conv2d_inplace_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                         const int32_t *bias, int8_t *output, void *scratch)
{
    (void)input; /* the same buffer as output */
    te_depthwise_inplace(p, output, filter, bias, (uint8_t *)scratch, te_kernel);
}
