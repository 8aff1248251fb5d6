/* MEAN, int8. Bit-exact with TFLM's reference_ops::QuantizedMeanOrSum (the
 * path TFLM takes for every int8 MEAN): an int32 sum per output element,
 * minus zero point times count, then one MultiplyByQuantizedMultiplier with
 * the multiplier already divided by the count at build time. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_mean_s8(const te_mean_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t dims[4], red[4], outer[4], inner[4], stride[4];
    int32_t i0, i1, i2, i3, j0, j1, j2, j3, k;
    dims[0] = p->dim0;
    dims[1] = p->dim1;
    dims[2] = p->dim2;
    dims[3] = p->dim3;
    red[0] = p->red0;
    red[1] = p->red1;
    red[2] = p->red2;
    red[3] = p->red3;
    stride[3] = 1;
    for (k = 3; k > 0; --k) {
        stride[k - 1] = stride[k] * dims[k];
    }
    for (k = 0; k < 4; ++k) {
        outer[k] = red[k] ? 1 : dims[k];
        inner[k] = red[k] ? dims[k] : 1;
    }
    for (i0 = 0; i0 < outer[0]; ++i0)
    for (i1 = 0; i1 < outer[1]; ++i1)
    for (i2 = 0; i2 < outer[2]; ++i2)
    for (i3 = 0; i3 < outer[3]; ++i3) {
        const int8_t *base = input + i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3;
        /* cannot overflow below 2^24 reduced elements */
        int32_t sum = 0;
        for (j0 = 0; j0 < inner[0]; ++j0)
        for (j1 = 0; j1 < inner[1]; ++j1)
        for (j2 = 0; j2 < inner[2]; ++j2)
        for (j3 = 0; j3 < inner[3]; ++j3) {
            sum += base[j0 * stride[0] + j1 * stride[1] + j2 * stride[2] + j3];
        }
        sum = te_requantize(sum + p->sum_offset, p->mult, p->shift) + p->out_offset;
        *output++ = te_sat_s8(sum);
    }
}
