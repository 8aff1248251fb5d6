/* DEPTHWISE_CONV_2D, int8 per-channel, any depth multiplier. Bit-exact with
 * TFLM's reference_integer_ops::DepthwiseConvPerChannel. Output channels
 * [oc_begin, oc_end) only (te_kernels.h); output channel oc reads input
 * channel oc / depth_mult. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_depthwise_conv2d_s8(const te_conv_params_t *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias,
                            int8_t *output)
{
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : p->out_c;
    const int32_t ic_begin = oc_begin / p->depth_mult, m_begin = oc_begin - ic_begin * p->depth_mult;
    int32_t b, oy, ox, ic, m, oc, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                /* oc = ic * depth_mult + m */
                for (oc = oc_begin, ic = ic_begin, m = m_begin; oc < oc_end; ++oc) {
                    int32_t acc = 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = iy0 + p->dil_h * ky;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ix0 + p->dil_w * kx;
                            int32_t in_val;
                            int32_t f_val;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            in_val = input[((b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic];
                            f_val = TE_READ_S8(filter + (ky * p->k_w + kx) * p->out_c + oc);
                            acc += f_val * (in_val + p->in_offset);
                        }
                    }
                    if (bias) {
                        acc += TE_READ_S32(bias + oc);
                    }
                    acc = te_requantize(acc, TE_READ_S32(p->mult + oc), TE_READ_S32(p->shift + oc));
                    acc += p->out_offset;
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
                    if (++m == p->depth_mult) {
                        m = 0;
                        ++ic;
                    }
                }
            }
        }
    }
}
