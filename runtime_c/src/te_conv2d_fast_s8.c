/* CONV_2D, int8 per-channel, optimized; bit-exact with te_conv2d_s8.
 *
 * Output pixels go in pairs: both pixels' receptive fields are copied into
 * the scratch (im2col) as int16 with the input offset added, padding as 0
 * (the reference skips padded taps: the same as a 0 term). Each pair of
 * output channels is then a 2 x 2 block of dot products of length
 * K = k_h * k_w * filter_in_c, so every widened weight serves two pixels and
 * every column word two channels. An odd last pixel is paired with itself.
 * Sums are made for up to TE_CONV_BLOCK channels, then requantized.
 *
 * Scratch layout, K taps per column:
 *  DSP: taps in quads, each quad as [c0: x0 x2 x1 x3][c1: x0 x2 x1 x3]
 *       (te_fast_mac.h), then the K % 4 last taps as (c0, c1) pairs;
 *  else: column 0 then column 1, in order.
 *
 * A channel range [oc_begin, oc_end) (te_kernels.h) narrows each group's
 * channels to their part of the range, and groups outside it are skipped
 * (no im2col); filter rows, bias and requantization stay absolute. Any
 * range works, groups included (a range may cross group boundaries). */
#include "tinyedge/te_kernels_fast.h"
#include "te_fast_mac.h"

#define TE_CONV_BLOCK 32

/* ---- im2col --------------------------------------------------------------- */

#if TE_FAST_DSP
/* Where tap t of column `slot` goes (the generic im2col's DSP layout). */
TE_FAST_INLINE int32_t te_col_index(int32_t t, int32_t slot, int32_t k)
{
    const int32_t k4 = k & ~INT32_C(3);
    if (t < k4) {
        /* within a quad: 0 1 2 3 -> 0 2 1 3 */
        return ((t & ~INT32_C(3)) << 1) + (slot << 2) + ((t & 1) << 1) + ((t >> 1) & 1);
    }
    return (k4 << 1) + ((t - k4) << 1) + slot;
}

/* nq (>= 1) quads of src, offset added (off2 in both halves), to every
 * fourth word pair of dst (one column of the pair layout); returns dst
 * after them. */
TE_FAST_INLINE te_w32_t *te_col_quads(te_w32_t *dst, const int8_t *src, int32_t nq, int32_t off2)
{
#if TE_FAST_ASM
    int32_t w, v, t0, t1;
    /* an odd quad first, then two a pass (strd: gcc makes two str + add) */
    __asm__ volatile("lsrs    %[n], %[n], #1\n\t"
                     "bcc     2f\n\t"
                     "ldr     %[w], [%[s]], #4\n\t"
                     "sxtab16 %[t0], %[o], %[w]\n\t"
                     "sxtab16 %[t1], %[o], %[w], ror #8\n\t"
                     "strd    %[t0], %[t1], [%[d]], #16\n\t"
                     "2:\n\t"
                     "beq     3f\n\t"
                     "1:\n\t"
                     "ldr     %[w], [%[s]], #4\n\t"
                     "ldr     %[v], [%[s]], #4\n\t"
                     "sxtab16 %[t0], %[o], %[w]\n\t"
                     "sxtab16 %[t1], %[o], %[w], ror #8\n\t"
                     "strd    %[t0], %[t1], [%[d]], #16\n\t"
                     "sxtab16 %[t0], %[o], %[v]\n\t"
                     "sxtab16 %[t1], %[o], %[v], ror #8\n\t"
                     "strd    %[t0], %[t1], [%[d]], #16\n\t"
                     "subs    %[n], %[n], #1\n\t"
                     "bne     1b\n\t"
                     "3:\n\t"
                     : [d] "+r"(dst), [s] "+r"(src), [n] "+r"(nq), [w] "=&r"(w), [v] "=&r"(v),
                       [t0] "=&r"(t0), [t1] "=&r"(t1)
                     : [o] "r"(off2)
                     : "cc", "memory");
#else
    for (; nq > 0; --nq) {
        const uint32_t w = te_ld32(src);
        src += 4;
        dst[0] = __sxtab16(off2, (int32_t)w);
        dst[1] = te_sxtab16_ror8(off2, w);
        dst += 4;
    }
#endif
    return dst;
}

/* nq padding quads. */
TE_FAST_INLINE te_w32_t *te_col_zero(te_w32_t *dst, int32_t nq)
{
    for (; nq > 0; --nq) {
        dst[0] = 0;
        dst[1] = 0;
        dst += 4;
    }
    return dst;
}
#endif

/* Per-call im2col constants (copied out of *p). */
typedef struct {
    int32_t in_h, in_w, in_c, k_h, k_w, dil_h, dil_w, fic, off;
} te_col_ctx_t;

#if TE_FAST_DSP
/* filter_in_c % 4 == 0: whole quads (one load, two SXTAB16 adding the
 * offset, one store). With one group and no column dilation a kernel row's
 * in-bounds taps are one run of input: padding, one copy, padding. */
static void te_im2col_quads(const te_col_ctx_t *cx, int16_t *col, int32_t slot, const int8_t *in_g,
                            int32_t iy, int32_t ix0)
{
    const int32_t in_h = cx->in_h, in_w = cx->in_w, in_c = cx->in_c;
    const int32_t k_h = cx->k_h, k_w = cx->k_w, dil_h = cx->dil_h;
    const int32_t nq = cx->fic >> 2;
    const int32_t off2 = te_dup16(cx->off);
    te_w32_t *dst = (te_w32_t *)col + (slot << 1);
    int32_t ky, kx;
    if (cx->fic == in_c && cx->dil_w == 1) {
        const int32_t kx_lo = ix0 < 0 ? -ix0 : 0;
        const int32_t kx_hi = in_w - ix0 < k_w ? in_w - ix0 : k_w;
        const int32_t z0 = kx_lo * nq, z1 = (k_w - kx_hi) * nq, nc = (kx_hi - kx_lo) * nq;
        int32_t at = (iy * in_w + ix0 + kx_lo) * in_c; /* offset of the run */
        const int32_t step = dil_h * in_w * in_c;
        if (nc <= 0) {
            te_col_zero(dst, k_h * k_w * nq);
            return;
        }
        for (ky = 0; ky < k_h; ++ky, iy += dil_h, at += step) {
            if ((uint32_t)iy >= (uint32_t)in_h) {
                dst = te_col_zero(dst, k_w * nq);
            } else {
                dst = te_col_zero(dst, z0);
                dst = te_col_quads(dst, in_g + at, nc, off2);
                dst = te_col_zero(dst, z1);
            }
        }
        return;
    }
    for (ky = 0; ky < k_h; ++ky, iy += dil_h) {
        if ((uint32_t)iy >= (uint32_t)in_h) {
            dst = te_col_zero(dst, k_w * nq);
        } else {
            int32_t ix = ix0;
            for (kx = 0; kx < k_w; ++kx, ix += cx->dil_w) {
                if ((uint32_t)ix < (uint32_t)in_w) {
                    dst = te_col_quads(dst, in_g + (iy * in_w + ix) * in_c, nq, off2);
                } else {
                    dst = te_col_zero(dst, nq);
                }
            }
        }
    }
}
#endif

/* Copies one output pixel's receptive field (one group's channels) into
 * column `slot`. in_g: the batch's input plus the group's first channel. */
static void te_im2col(const te_col_ctx_t *cx, int16_t *col, int32_t slot, const int8_t *in_g,
                      int32_t iy0, int32_t ix0, int32_t k)
{
    const int32_t fic = cx->fic, off = cx->off;
    const int32_t in_h = cx->in_h, in_w = cx->in_w, in_c = cx->in_c;
    int32_t ky, kx, i;
    int32_t t = 0;
#if TE_FAST_DSP
    if ((fic & 3) == 0) {
        te_im2col_quads(cx, col, slot, in_g, iy0, ix0);
        return;
    }
#endif
    for (ky = 0; ky < cx->k_h; ++ky) {
        const int32_t iy = iy0 + cx->dil_h * ky;
        const int32_t row_in = iy >= 0 && iy < in_h;
        for (kx = 0; kx < cx->k_w; ++kx) {
            const int32_t ix = ix0 + cx->dil_w * kx;
            const int8_t *src = row_in && ix >= 0 && ix < in_w ? in_g + (iy * in_w + ix) * in_c : NULL;
#if TE_FAST_DSP
            for (i = 0; i < fic; ++i) {
                col[te_col_index(t + i, slot, k)] = src ? (int16_t)(src[i] + off) : 0;
            }
#else
            int16_t *dst = col + slot * k + t;
            if (src) {
                i = 0;
#if TE_FAST_VECTOR
                for (; i + 16 <= fic; i += 16) {
                    int32_t j;
                    for (j = 0; j < 16; ++j) {
                        dst[i + j] = (int16_t)(src[i + j] + off);
                    }
                }
#endif
                for (; i < fic; ++i) {
                    dst[i] = (int16_t)(src[i] + off);
                }
            } else {
                for (i = 0; i < fic; ++i) {
                    dst[i] = 0;
                }
            }
#endif
            t += fic;
        }
    }
}

/* ---- dot products -------------------------------------------------------- */

#if TE_FAST_ASM
/* One quad of taps for rows a, b and both pixels: one LDM of both pixels'
 * quads (r8-r11), each weight word widened once and used twice. */
#define TE_MM2X2_QUAD                              \
    "ldmia  %[c]!, {r8, r9, r10, r11}\n\t"         \
    "ldr    %[wo], [%[wa]], #4\n\t"                \
    "sxtb16 %[we], %[wo]\n\t"                      \
    "sxtb16 %[wo], %[wo], ror #8\n\t"              \
    "smlad  %[a0], %[we], r8, %[a0]\n\t"           \
    "smlad  %[a1], %[we], r10, %[a1]\n\t"          \
    "smlad  %[a0], %[wo], r9, %[a0]\n\t"           \
    "smlad  %[a1], %[wo], r11, %[a1]\n\t"          \
    "ldr    %[wo], [%[wb]], #4\n\t"                \
    "sxtb16 %[we], %[wo]\n\t"                      \
    "sxtb16 %[wo], %[wo], ror #8\n\t"              \
    "smlad  %[b0], %[we], r8, %[b0]\n\t"           \
    "smlad  %[b1], %[we], r10, %[b1]\n\t"          \
    "smlad  %[b0], %[wo], r9, %[b0]\n\t"           \
    "smlad  %[b1], %[wo], r11, %[b1]\n\t"

/* The quads (k >> 2 >= 1 of them) of npairs (>= 1) pairs of filter rows from w
 * against both columns: sums to acc, 4 a pair (row a pixels 0, 1, row b
 * pixels 0, 1). 15 instructions for 16 MACs; all in assembly, as gcc's
 * code around such a loop would reload its own state for every pair; here
 * that state is a few stack words. */
static TE_FAST_NOINLINE void te_mm2x2_rows(const int8_t *w, const int16_t *col, int32_t k,
                                            int32_t npairs, int32_t *acc)
{
    const int8_t *wa = w, *wb = w + k;
    const int32_t nq = k >> 2, k_tail = k & 3;
    const te_w32_t *col_end = (const te_w32_t *)col + 4 * nq;
    const int8_t *w_end = w + 2 * npairs * k;
    int32_t a0, a1, b0, b1, we, wo;
    const te_w32_t *c;
    __asm__ volatile(
        "0:\n\t"
        "ldr    %[c], %[colm]\n\t"
        "mov    %[a0], #0\n\t"
        "mov    %[a1], #0\n\t"
        "mov    %[b0], #0\n\t"
        "mov    %[b1], #0\n\t"
        /* nq % 4 quads first, then 4 a pass; the quads leave the flags */
        "ldr    r8, %[nqm]\n\t"
        "tst    r8, #3\n\t"
        "beq    1f\n\t"
        "lsrs   r8, r8, #1\n\t" /* C: bit 0 */
        "bcc    2f\n\t"
        TE_MM2X2_QUAD
        "2:\n\t"
        "ldr    r8, %[nqm]\n\t"
        "lsrs   r8, r8, #2\n\t" /* C: bit 1, Z: no pass of 4 */
        "bcc    3f\n\t"
        TE_MM2X2_QUAD
        TE_MM2X2_QUAD
        "3:\n\t"
        "beq    4f\n\t"
        "1:\n\t"
        TE_MM2X2_QUAD
        TE_MM2X2_QUAD
        TE_MM2X2_QUAD
        TE_MM2X2_QUAD
        "ldr    r8, %[endm]\n\t"
        "cmp    %[c], r8\n\t"
        "bne    1b\n\t"
        "4:\n\t"
        "ldr    r8, %[accm]\n\t"
        "strd   %[a0], %[a1], [r8], #8\n\t"
        "strd   %[b0], %[b1], [r8], #8\n\t"
        "str    r8, %[accm]\n\t"
        /* rows are contiguous: a' = b + k, b' = a' + k; b has moved 4 nq */
        "ldr    r8, %[ktm]\n\t"
        "add    %[wa], %[wb], r8\n\t"
        "ldr    r8, %[km]\n\t"
        "add    %[wb], %[wa], r8\n\t"
        "ldr    r8, %[wendm]\n\t"
        "cmp    %[wa], r8\n\t"
        "bne    0b\n\t"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "=&r"(b1), [wa] "+r"(wa),
          [wb] "+r"(wb), [c] "=&r"(c), [we] "=&r"(we), [wo] "=&r"(wo), [accm] "+m"(acc)
        : [colm] "m"(col), [nqm] "m"(nq), [km] "m"(k), [ktm] "m"(k_tail), [endm] "m"(col_end),
          [wendm] "m"(w_end)
        : "r8", "r9", "r10", "r11", "cc", "memory");
}
#endif

/* Sums of filter rows wa and wb = wa + k with both columns: acc[0..1] row a
 * pixels 0 and 1, acc[2..3] row b. */
TE_FAST_INLINE void te_mm2x2(const int8_t *wa, const int16_t *col, int32_t k, int32_t acc[4])
{
    const int8_t *wb = wa + k;
    int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    int32_t t = 0;
#if TE_FAST_DSP
    const te_w32_t *c = (const te_w32_t *)col;
    const int16_t *tail = col + 2 * (k & ~INT32_C(3));
    for (; t + 4 <= k; t += 4) {
        uint32_t w = te_ld32(wa + t);
        int32_t we = __sxtb16((int32_t)w);
        int32_t wo = te_sxtb16_ror8(w);
        a0 = __smlad(we, c[0], a0);
        a0 = __smlad(wo, c[1], a0);
        a1 = __smlad(we, c[2], a1);
        a1 = __smlad(wo, c[3], a1);
        w = te_ld32(wb + t);
        we = __sxtb16((int32_t)w);
        wo = te_sxtb16_ror8(w);
        b0 = __smlad(we, c[0], b0);
        b0 = __smlad(wo, c[1], b0);
        b1 = __smlad(we, c[2], b1);
        b1 = __smlad(wo, c[3], b1);
        c += 4;
    }
    for (; t < k; ++t) {
        a0 += (int32_t)wa[t] * tail[0];
        a1 += (int32_t)wa[t] * tail[1];
        b0 += (int32_t)wb[t] * tail[0];
        b1 += (int32_t)wb[t] * tail[1];
        tail += 2;
    }
#else
    const int16_t *c0 = col;
    const int16_t *c1 = col + k;
#if TE_FAST_VECTOR
    for (; t + 16 <= k; t += 16) {
        int32_t j;
        for (j = 0; j < 16; ++j) {
            a0 += (int32_t)wa[t + j] * c0[t + j];
            a1 += (int32_t)wa[t + j] * c1[t + j];
            b0 += (int32_t)wb[t + j] * c0[t + j];
            b1 += (int32_t)wb[t + j] * c1[t + j];
        }
    }
#endif
    for (; t < k; ++t) {
        const int32_t x0 = c0[t], x1 = c1[t], va = wa[t], vb = wb[t];
        a0 += va * x0;
        a1 += va * x1;
        b0 += vb * x0;
        b1 += vb * x1;
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = b0;
    acc[3] = b1;
}

/* One filter row against both columns (the odd last channel of a block). */
TE_FAST_INLINE void te_mm1x2(const int8_t *wa, const int16_t *col, int32_t k, int32_t acc[2])
{
    int32_t a0 = 0, a1 = 0;
    int32_t t = 0;
#if TE_FAST_DSP
    const te_w32_t *c = (const te_w32_t *)col;
    const int16_t *tail = col + 2 * (k & ~INT32_C(3));
    for (; t + 4 <= k; t += 4) {
        const uint32_t w = te_ld32(wa + t);
        const int32_t we = __sxtb16((int32_t)w);
        const int32_t wo = te_sxtb16_ror8(w);
        a0 = __smlad(we, c[0], a0);
        a0 = __smlad(wo, c[1], a0);
        a1 = __smlad(we, c[2], a1);
        a1 = __smlad(wo, c[3], a1);
        c += 4;
    }
    for (; t < k; ++t) {
        a0 += (int32_t)wa[t] * tail[0];
        a1 += (int32_t)wa[t] * tail[1];
        tail += 2;
    }
#else
    const int16_t *c0 = col;
    const int16_t *c1 = col + k;
#if TE_FAST_VECTOR
    for (; t + 16 <= k; t += 16) {
        int32_t j;
        for (j = 0; j < 16; ++j) {
            a0 += (int32_t)wa[t + j] * c0[t + j];
            a1 += (int32_t)wa[t + j] * c1[t + j];
        }
    }
#endif
    for (; t < k; ++t) {
        a0 += (int32_t)wa[t] * c0[t];
        a1 += (int32_t)wa[t] * c1[t];
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
}

/* ---- requantization -------------------------------------------------------- */

/* What the channel loop needs, copied out of *p (the int8 output stores
 * could alias it). */
typedef struct {
    const int32_t *bias, *mult, *shift;
    int32_t k;    /* taps per column */
    int32_t mode; /* te_fast_rq_mode: 1 or 2 */
    int32_t off, lo, hi, full;
} te_conv_ctx_t;

/* Bias of a layer without one: no test in the requantization loop. */
static const int32_t te_conv_zero_bias[TE_CONV_BLOCK];

/* Channel oc + i's sums for pixels 0 and 1 are acc[2i], acc[2i + 1]; mode
 * and full are constants at each call. */
TE_FAST_INLINE void te_conv_requant(const te_conv_ctx_t *x, const int32_t *acc, int32_t oc,
                                    int32_t n, int8_t *out0, int8_t *out1, int32_t mode, int32_t full)
{
    const int32_t *bias = x->bias ? x->bias + oc : te_conv_zero_bias;
    const int32_t *mult = x->mult + oc, *shift = x->shift + oc;
    const int32_t off = x->off, lo = x->lo, hi = x->hi;
    const int32_t *end = acc + 2 * n;
    out0 += oc;
    out1 += oc;
    for (; acc != end; acc += 2) {
        const int32_t bv = *bias++;
        const int32_t m = *mult++, sh = *shift++;
        int32_t v0, v1;
        if (mode == 2) {
            const int32_t hi0 = te_fast_rq1_hi0(sh, off); /* offset included */
            v0 = te_fast_rq1(acc[0] + bv, m, sh, hi0);
            v1 = te_fast_rq1(acc[1] + bv, m, sh, hi0);
        } else {
            te_fast_rq_t rq;
            te_fast_rq_init(&rq, m, sh);
            v0 = te_fast_rq(&rq, acc[0] + bv) + off;
            v1 = te_fast_rq(&rq, acc[1] + bv) + off;
        }
        *out0++ = te_fast_clamp8(v0, lo, hi, full);
        *out1++ = te_fast_clamp8(v1, lo, hi, full);
    }
}

/* Output channels [oc, oc_end) of a pixel pair whose columns are in col;
 * w: filter row oc. */
static void te_conv_channels(const te_conv_ctx_t *xp, const int16_t *col, const int8_t *w, int32_t oc,
                             int32_t oc_end, int8_t *out0, int8_t *out1)
{
    const te_conv_ctx_t x = *xp;
    const int32_t k = x.k;
    int32_t acc[2 * TE_CONV_BLOCK];
    while (oc < oc_end) {
        const int32_t n = oc_end - oc < TE_CONV_BLOCK ? oc_end - oc : TE_CONV_BLOCK;
        int32_t i = 0;
#if TE_FAST_ASM
        i = k >= 4 ? n & ~INT32_C(1) : 0; /* else te_mm2x2 below */
        if (i > 0) {
            te_mm2x2_rows(w, col, k, i >> 1, acc);
            if (k & 3) { /* the taps after the last quad */
                const int32_t k4 = k & ~INT32_C(3);
                const int16_t *tail = col + 2 * k4;
                int32_t r, t;
                for (r = 0; r < i; ++r) {
                    const int8_t *wr = w + r * k;
                    for (t = k4; t < k; ++t) {
                        acc[2 * r] += (int32_t)wr[t] * tail[2 * (t - k4)];
                        acc[2 * r + 1] += (int32_t)wr[t] * tail[2 * (t - k4) + 1];
                    }
                }
            }
            w += i * k;
        }
#endif
        for (; i + 1 < n; i += 2) {
            te_mm2x2(w, col, k, acc + 2 * i);
            w += 2 * k;
        }
        if (i < n) {
            te_mm1x2(w, col, k, acc + 2 * i);
            w += k;
        }
        if (x.mode == 2 && x.full) {
            te_conv_requant(&x, acc, oc, n, out0, out1, 2, 1);
        } else if (x.mode == 2) {
            te_conv_requant(&x, acc, oc, n, out0, out1, 2, 0);
        } else {
            te_conv_requant(&x, acc, oc, n, out0, out1, 1, x.full);
        }
        oc += n;
    }
}

/* A multiplier of INT32_MIN (never produced by the converter, but handled
 * by the reference): the reference loop, with te_requantize, over output
 * channels [oc_begin, oc_end). */
static void te_conv_plain(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, int8_t *output, int32_t oc_begin, int32_t oc_end)
{
    const int32_t fic = p->filter_in_c;
    const int32_t fpg = p->out_c / (p->in_c / fic);
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (oc = oc_begin; oc < oc_end; ++oc) {
                    int32_t acc = bias ? bias[oc] : 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = oy * p->stride_h - p->pad_h + p->dil_h * ky;
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ox * p->stride_w - p->pad_w + p->dil_w * kx;
                            const int8_t *xi, *w;
                            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            xi = input + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c + (oc / fpg) * fic;
                            w = filter + ((oc * p->k_h + ky) * p->k_w + kx) * fic;
                            for (ic = 0; ic < fic; ++ic) {
                                acc += (int32_t)w[ic] * ((int32_t)xi[ic] + p->in_offset);
                            }
                        }
                    }
                    acc = te_requantize(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* ---- the kernel ------------------------------------------------------------ */

void te_conv2d_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                       const int32_t *bias, int8_t *output, void *scratch)
{
#if defined(__AVR__) /* weights in PROGMEM: only the reference reads them through TE_READ_* */
    (void)scratch;
    te_conv2d_s8(p, input, filter, bias, output);
    return;
#endif
    const int32_t fic = p->filter_in_c;
    const int32_t groups = p->in_c / fic;
    const int32_t fpg = p->out_c / groups;
    const int32_t out_w = p->out_w, out_c = p->out_c;
    const int32_t npix = p->out_h * out_w;
    const int32_t in_size = p->in_h * p->in_w * p->in_c;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t pad_h = p->pad_h, pad_w = p->pad_w;
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : out_c;
    /* the groups with channels in the range: [g_begin, g_end) */
    const int32_t g_begin = oc_begin / fpg, g_end = (oc_end + fpg - 1) / fpg;
    int16_t *col = (int16_t *)scratch;
    int32_t stack_col[TE_CONV2D_STACK_WORDS]; /* scratch NULL: short columns fit here */
    te_conv_ctx_t x;
    te_col_ctx_t cx;
    int32_t b, n, g;

    x.mode = te_fast_rq_mode(p->mult + oc_begin, p->shift + oc_begin, oc_end - oc_begin, p->out_offset);
    if (x.mode == 0) {
        te_conv_plain(p, input, filter, bias, output, oc_begin, oc_end);
        return;
    }
    x.bias = bias;
    x.mult = p->mult;
    x.shift = p->shift;
    x.k = p->k_h * p->k_w * fic;
    if (col == NULL) { /* the planner gave no scratch (it would have raised the arena's peak) */
        if (TE_CONV2D_FAST_SCRATCH(p->k_h, p->k_w, fic) > (int32_t)sizeof(stack_col)) {
            te_conv_plain(p, input, filter, bias, output, oc_begin, oc_end);
            return;
        }
        col = (int16_t *)stack_col;
    }
    x.off = p->out_offset;
    x.lo = p->act_min;
    x.hi = p->act_max;
    x.full = x.lo == -128 && x.hi == 127;
    cx.in_h = p->in_h;
    cx.in_w = p->in_w;
    cx.in_c = p->in_c;
    cx.k_h = p->k_h;
    cx.k_w = p->k_w;
    cx.dil_h = p->dil_h;
    cx.dil_w = p->dil_w;
    cx.fic = fic;
    cx.off = p->in_offset;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * in_size;
        int8_t *out_b = output + b * npix * out_c;
        int32_t oy0 = 0, ox0 = 0;
        for (n = 0; n < npix; n += 2) {
            /* the pair: (oy0, ox0) and the next pixel, or itself if last */
            int32_t oy1 = oy0, ox1 = ox0;
            int8_t *out0 = out_b + n * out_c;
            int8_t *out1 = out0;
            if (n + 1 < npix) {
                out1 = out0 + out_c;
                if (++ox1 == out_w) {
                    ox1 = 0;
                    ++oy1;
                }
            }
            for (g = g_begin; g < g_end; ++g) {
                /* the group's channels within the range */
                const int32_t c0 = g * fpg > oc_begin ? g * fpg : oc_begin;
                const int32_t c1 = (g + 1) * fpg < oc_end ? (g + 1) * fpg : oc_end;
                te_im2col(&cx, col, 0, in_b + g * fic, oy0 * stride_h - pad_h, ox0 * stride_w - pad_w, x.k);
                te_im2col(&cx, col, 1, in_b + g * fic, oy1 * stride_h - pad_h, ox1 * stride_w - pad_w, x.k);
                te_conv_channels(&x, col, filter + c0 * x.k, c0, c1, out0, out1);
            }
            /* next pair starts two pixels on */
            oy0 = oy1;
            ox0 = ox1 + 1;
            if (ox0 == out_w) {
                ox0 = 0;
                ++oy0;
            }
        }
    }
}
