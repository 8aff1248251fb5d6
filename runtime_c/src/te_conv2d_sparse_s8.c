/* CONV_2D, int8 per-channel, sparse filter: a bitmap per output channel over
 * its k_h * k_w * filter_in_c weights (the dense filter's order) and the
 * nonzero values (see te_kernels.h, "sparse weights"). The walk keeps the
 * kernel position (ky, kx, ic) of the next bit, so no division is needed;
 * nonzero weights that fall on padding are skipped exactly as te_conv2d_s8
 * skips them. Bit-exact with te_conv2d_s8 and TFLM's ConvPerChannel, groups
 * included: zero weights add 0, and integer sums do not depend on order. */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"
#include "te_sparse_dot.h"

/* The input pixel under kernel position (ky, kx), offset to the group's
 * first channel, or NULL where it is padding (or past the kernel). */
static const int8_t *te_sparse_conv_pixel(const te_conv_params_t *p, const int8_t *input,
                                          int32_t b, int32_t iy0, int32_t ix0,
                                          int32_t ky, int32_t kx, int32_t group_base)
{
    const int32_t iy = iy0 + p->dil_h * ky;
    const int32_t ix = ix0 + p->dil_w * kx;
    if (ky >= p->k_h || iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        return NULL;
    }
    return input + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c + group_base;
}

/* Move the position (ky, kx, ic) n weights on; returns 1 if the pixel changed. */
static int32_t te_sparse_conv_advance(const te_conv_params_t *p, int32_t n,
                                      int32_t *ky, int32_t *kx, int32_t *ic)
{
    int32_t moved = 0;
    *ic += n;
    while (*ic >= p->filter_in_c) {
        *ic -= p->filter_in_c;
        if (++*kx == p->k_w) {
            *kx = 0;
            ++*ky;
        }
        moved = 1;
    }
    return moved;
}

/* Bias, requantization and clamp of output channel oc of one pixel. */
static void te_sparse_conv_store(const te_conv_params_t *p, const int32_t *bias, int32_t oc, int32_t acc,
                                 int8_t *out_px)
{
    if (bias) {
        acc += TE_READ_S32(bias + oc);
    }
    acc = te_requantize(acc, TE_READ_S32(p->mult + oc), TE_READ_S32(p->shift + oc));
    acc += p->out_offset;
    out_px[oc] = (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
}

void te_conv2d_sparse_s8(const te_conv_params_t *p, const int8_t *input,
                         const uint8_t *mask, const int8_t *values,
                         const int32_t *bias, int8_t *output)
{
    const int32_t fic = p->filter_in_c;
    const int32_t filters_per_group = p->out_c / (p->in_c / fic);
    const int32_t row_bytes = (p->k_h * p->k_w * fic + 7) / 8;
    int32_t b, oy, ox, oc, k;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                const uint8_t *m = mask;  /* both walk the channels in order: no row pointers */
                const int8_t *v = values;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t group_base = (oc / filters_per_group) * fic;
                    int32_t ky = 0, kx = 0, ic = 0;
                    if (p->k_h == 1 && p->k_w == 1) { /* 1x1: a row is the pixel's channels */
                        const int8_t *px = te_sparse_conv_pixel(p, input, b, iy0, ix0, 0, 0, group_base);
                        int32_t acc = 0;
                        if (px) {
                            acc = te_sparse_dot(m, row_bytes, &v, px, p->in_offset);
                        } else {
                            v += te_sparse_count(m, row_bytes);
                        }
                        m += row_bytes;
                        te_sparse_conv_store(p, bias, oc, acc, output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c);
                        continue;
                    }
                    const int8_t *in_px = te_sparse_conv_pixel(p, input, b, iy0, ix0, 0, 0, group_base);
                    int32_t acc = 0;
                    for (k = 0; k < row_bytes; ++k) {
                        uint8_t bits = TE_READ_U8(m);
                        int32_t left = 8; /* positions of this byte not yet passed */
                        ++m;
                        while (bits != 0u) {
                            if (bits & 1u) {
                                if (in_px) {
                                    acc += (int32_t)TE_READ_S8(v) * ((int32_t)in_px[ic] + p->in_offset);
                                }
                                ++v;
                            }
                            bits >>= 1;
                            --left;
                            if (te_sparse_conv_advance(p, 1, &ky, &kx, &ic)) {
                                in_px = te_sparse_conv_pixel(p, input, b, iy0, ix0, ky, kx, group_base);
                            }
                        }
                        if (left > 0 && te_sparse_conv_advance(p, left, &ky, &kx, &ic)) {
                            in_px = te_sparse_conv_pixel(p, input, b, iy0, ix0, ky, kx, group_base);
                        }
                    }
                    te_sparse_conv_store(p, bias, oc, acc, output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c);
                }
            }
        }
    }
}
