/* CONV_2D, int8 per-channel, sparse filter: a bitmap per output channel over
 * its k_h * k_w * filter_in_c weights (the dense filter's order) and the
 * nonzero values (see te_kernels.h, "sparse weights"), groups included.
 *
 * Output channel outside, pixels inside: the channel's row is decoded once
 * (te_sparse_rows.h) into entries whose positions are offsets in the input
 * from the window's first pixel, (ky * dil_h * in_w + kx * dil_w) * in_c +
 * ic, sorted by tap (ky, kx). Pixels whose window lies inside the input go
 * through the engine 4 at a time along each output row, the input offset
 * folded into the start value; the others (the border) add, tap by tap in
 * bounds, w * (x + in_offset), skipping padding exactly as te_conv2d_s8
 * does. A row the list cannot hold, a window wider than 16-bit offsets or
 * more than TE_SPARSE_TAPS taps take the plain walk (te_sparse_conv_walk),
 * as every pixel does without the engine (AVR).
 * Bit-exact with te_conv2d_s8 and TFLM's ConvPerChannel: zero weights add 0,
 * and integer sums (wrapping) do not depend on order. */
#include "tinyedge/te_kernels.h"
#include "te_sparse_rows.h"

#ifndef TE_SPARSE_TAPS
#define TE_SPARSE_TAPS 49 /* up to 7x7 */
#endif

/* ---- the plain walk ------------------------------------------------------- */

/* Move the position (ky, kx, ic) n weights on; returns 1 if the tap changed. */
static int32_t te_sparse_conv_advance(const te_conv_params_t *p, int32_t n, int32_t *ky, int32_t *kx, int32_t *ic)
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

/* The input pixel under tap (ky, kx) of the window at (iy0, ix0), at the
 * group's first channel, or NULL where it is padding (or past the kernel). */
static const int8_t *te_sparse_conv_pixel(const te_conv_params_t *p, const int8_t *input, int32_t b, int32_t iy0,
                                          int32_t ix0, int32_t ky, int32_t kx, int32_t group_base)
{
    const int32_t iy = iy0 + p->dil_h * ky;
    const int32_t ix = ix0 + p->dil_w * kx;
    if (ky >= p->k_h || iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        return NULL;
    }
    return input + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c + group_base;
}

/* sum w * (x + in_offset) of one row (bitmap m, values v) over the window
 * at (iy0, ix0), walking the bitmap bit by bit. */
static int32_t te_sparse_conv_walk(const te_conv_params_t *p, const int8_t *input, const uint8_t *m,
                                   const int8_t *v, int32_t b, int32_t iy0, int32_t ix0, int32_t group_base)
{
    const int32_t row_bytes = (p->k_h * p->k_w * p->filter_in_c + 7) / 8;
    const int8_t *in_px = te_sparse_conv_pixel(p, input, b, iy0, ix0, 0, 0, group_base);
    int32_t ky = 0, kx = 0, ic = 0, acc = 0, k;
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
    return acc;
}

#if TE_SPARSE_ENGINE
/* ---- decoded rows --------------------------------------------------------- */

/* The decoded row's n entries (the 0 after them stays) from row positions
 * to window offsets, and where
 * each tap's entries start: tap t has entries [taps[t], taps[t + 1]). */
static void te_sparse_conv_offsets(const te_conv_params_t *p, uint32_t *list, int32_t n, int32_t *taps)
{
    const int32_t fic = p->filter_in_c, n_taps = p->k_h * p->k_w;
    int32_t i, t = 0, kx = 0, tap_end = fic;
    int32_t shift = 0; /* window offset - row position, for tap t */
    taps[0] = 0;
    for (i = 0; i < n; ++i) {
        const uint32_t e = list[i];
        const int32_t j = (int32_t)TE_SPARSE_POS(e);
        while (j >= tap_end) {
            taps[++t] = i;
            tap_end += fic;
            if (++kx == p->k_w) {
                kx = 0;
                shift += (p->dil_h * p->in_w - (p->k_w - 1) * p->dil_w) * p->in_c - fic;
            } else {
                shift += p->dil_w * p->in_c - fic;
            }
        }
        list[i] = (e & 0xFFFF0000u) | (uint32_t)(j + shift);
    }
    while (t < n_taps) {
        taps[++t] = n;
    }
}

/* The row at a border pixel: the window at input index base (may lie
 * partly outside), taps in bounds only, the input offset per weight. */
static int32_t te_sparse_conv_border(const te_conv_params_t *p, const int8_t *input, const uint32_t *list,
                                     const int32_t *taps, int32_t base, int32_t iy0, int32_t ix0)
{
    int32_t acc = 0, ky, kx, t = 0;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        for (kx = 0; kx < p->k_w; ++kx, ++t) {
            const int32_t ix = ix0 + kx * p->dil_w;
            int32_t i;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                continue;
            }
            for (i = taps[t]; i < taps[t + 1]; ++i) {
                const uint32_t e = list[i];
                acc += TE_SPARSE_W(e) * ((int32_t)input[base + (int32_t)TE_SPARSE_POS(e)] + p->in_offset);
            }
        }
    }
    return acc;
}

/* First and past-last output positions whose window lies inside the input
 * along one axis. */
static void te_sparse_conv_inside(int32_t out, int32_t stride, int32_t pad, int32_t reach, int32_t in,
                                  int32_t *lo, int32_t *hi)
{
    int32_t a = 0, z = out;
    while (a < out && a * stride - pad < 0) {
        ++a;
    }
    while (z > a && (z - 1) * stride - pad + reach >= in) {
        --z;
    }
    *lo = a;
    *hi = z;
}

void te_conv2d_sparse_s8(const te_conv_params_t *p, const int8_t *input,
                         const uint8_t *mask, const int8_t *values,
                         const int32_t *bias, int8_t *output)
{
    uint32_t list[TE_SPARSE_LIST + 1];
    int32_t taps[TE_SPARSE_TAPS + 1];
    const te_conv_params_t *q = p;
    const int32_t fic = q->filter_in_c, in_c = q->in_c, out_c = q->out_c;
    const int32_t per_group = out_c / (in_c / fic);
    const int32_t reach_h = (q->k_h - 1) * q->dil_h, reach_w = (q->k_w - 1) * q->dil_w;
    const int32_t decoded = q->k_h * q->k_w <= TE_SPARSE_TAPS && (reach_h * q->in_w + reach_w) * in_c + fic <= 65536;
    int32_t oy_lo, oy_hi, ox_lo, ox_hi, oc, b, oy, ox;
    te_sparse_rows_t r;
    te_sparse_conv_inside(q->out_h, q->stride_h, q->pad_h, reach_h, q->in_h, &oy_lo, &oy_hi);
    te_sparse_conv_inside(q->out_w, q->stride_w, q->pad_w, reach_w, q->in_w, &ox_lo, &ox_hi);
    te_sparse_rows_init(&r, mask, values, (q->k_h * q->k_w * fic + 7) / 8, q->in_offset, q->out_offset, q->act_min,
                        q->act_max, list);
    for (oc = 0; oc < out_c; ++oc) {
        const int32_t group_base = (oc / per_group) * fic;
        const int32_t bias_oc = bias ? TE_READ_S32(bias + oc) : 0;
        int32_t n = 0;
        te_sparse_row_begin(&r, bias_oc, TE_READ_S32(q->mult + oc), TE_READ_S32(q->shift + oc));
        if (decoded && r.whole) {
            n = r.n;
            te_sparse_conv_offsets(q, list, n, taps);
        }
        for (b = 0; b < q->batches; ++b) {
            for (oy = 0; oy < q->out_h; ++oy) {
                const int32_t iy0 = oy * q->stride_h - q->pad_h;
                const int32_t row_in = (b * q->in_h + iy0) * q->in_w; /* input pixel index of (iy0, 0) */
                int8_t *y = output + ((b * q->out_h + oy) * q->out_w) * out_c + oc;
                const int32_t inside = decoded && r.whole && oy >= oy_lo && oy < oy_hi && ox_lo < ox_hi;
                if (inside) {
                    te_sparse_row_run(&r, input + (row_in + ox_lo * q->stride_w - q->pad_w) * in_c + group_base,
                                      q->stride_w * in_c, y + ox_lo * out_c, out_c, ox_hi - ox_lo);
                }
                for (ox = 0; ox < q->out_w; ++ox) {
                    const int32_t ix0 = ox * q->stride_w - q->pad_w;
                    int32_t acc;
                    if (inside && ox == ox_lo) {
                        ox = ox_hi - 1; /* done by the run */
                        continue;
                    }
                    if (decoded && r.whole) {
                        acc = te_sparse_conv_border(q, input, list, taps, (row_in + ix0) * in_c + group_base, iy0,
                                                    ix0);
                    } else {
                        acc = te_sparse_conv_walk(q, input, r.row_mask, r.row_v, b, iy0, ix0, group_base);
                    }
                    y[ox * out_c] = (int8_t)te_clamp_s32(te_sparse_rq(&r.rq, acc + bias_oc), r.lo, r.hi);
                }
            }
        }
    }
}
#else
/* AVR: each row walked bit by bit at every pixel. */
void te_conv2d_sparse_s8(const te_conv_params_t *p, const int8_t *input,
                         const uint8_t *mask, const int8_t *values,
                         const int32_t *bias, int8_t *output)
{
    const int32_t fic = p->filter_in_c, per_group = p->out_c / (p->in_c / fic);
    const int32_t row_bytes = (p->k_h * p->k_w * fic + 7) / 8;
    int32_t oc, b, oy, ox;
    for (oc = 0; oc < p->out_c; ++oc) {
        const int32_t bias_oc = bias ? TE_READ_S32(bias + oc) : 0;
        te_sparse_rq_t rq;
        te_sparse_rq_init(&rq, TE_READ_S32(p->mult + oc), TE_READ_S32(p->shift + oc), p->out_offset);
        for (b = 0; b < p->batches; ++b) {
            for (oy = 0; oy < p->out_h; ++oy) {
                for (ox = 0; ox < p->out_w; ++ox) {
                    const int32_t acc = te_sparse_conv_walk(p, input, mask, values, b, oy * p->stride_h - p->pad_h,
                                                            ox * p->stride_w - p->pad_w, (oc / per_group) * fic);
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)te_clamp_s32(te_sparse_rq(&rq, acc + bias_oc), p->act_min, p->act_max);
                }
            }
        }
        values += te_sparse_count(mask, row_bytes);
        mask += row_bytes;
    }
}
#endif
