/* CONV_2D, int8 activations, int8 per-channel weights, int32 bias.
 * Reference loop order; padding is skipped, not materialised. Bit-exact
 * with TFLM's reference_integer_ops::ConvPerChannel, groups included.
 * Output channels [oc_begin, oc_end) only (te_kernels.h). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

void te_conv2d_s8(const te_conv_params_t *p, const int8_t *input,
                  const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t fic = p->filter_in_c;
    const int32_t filters_per_group = p->out_c / (p->in_c / fic);
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : p->out_c;
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                for (oc = oc_begin; oc < oc_end; ++oc) {
                    const int32_t group_base = (oc / filters_per_group) * fic;
                    int32_t acc = 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = iy0 + p->dil_h * ky;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ix0 + p->dil_w * kx;
                            const int8_t *in_px;
                            const int8_t *f_px;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            in_px = input + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c + group_base;
                            f_px = filter + ((oc * p->k_h + ky) * p->k_w + kx) * fic;
                            for (ic = 0; ic < fic; ++ic) {
                                acc += (int32_t)TE_READ_S8(f_px + ic) * ((int32_t)in_px[ic] + p->in_offset);
                            }
                        }
                    }
                    if (bias) {
                        acc += TE_READ_S32(bias + oc);
                    }
                    acc = te_requantize(acc, TE_READ_S32(p->mult + oc), TE_READ_S32(p->shift + oc));
                    acc += p->out_offset;
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
