/* CONV_2D, int8 per-channel, optimized; bit-exact with te_conv2d_s8.
 *
 * im2col: each output pixel's receptive field (one group's channels) is
 * copied into a column of K = k_h * k_w * filter_in_c int16 with the input
 * offset added, padding as 0 (the reference skips padded taps: the same as
 * a 0 term). Dot products of filter rows with columns are then made in
 * register blocks, so that every widened weight serves several pixels and
 * every column word several channels.
 *
 * DSP cores (Cortex-M4/M7/M33/M55): blocks of 4 pixels x 1 channel where
 * four columns fit (13 instructions per 16 MACs: one LDR and two SXTB16
 * widen 4 weights for 4 pixels, two LDMs fetch the 4 pixels' quads), else
 * 2 pixels x 2 channels (15 per 16). Columns go in pairs, quad by quad:
 * [p0: x0 x2][p0: x1 x3][p1: x0 x2][p1: x1 x3] (te_fast_mac.h), K rounded
 * up to whole quads (the last quad's extra taps 0, so the weights read with
 * them, the next row's, do not count). Columns live in the scratch and, for
 * the second pair, on the stack (1600 bytes, shared with the constants).
 * The loops are Thumb-2 assembly that also requantizes in registers
 * (te_requantize_small: one SMMLAR, a shift, SSAT; 6 instructions an
 * output), from per-channel constants prepared once per call where they fit
 * ({row, bias, multiplier, rounding term, shift}, one LDM each); a channel
 * whose output is one value whatever the sum (tiny scale, or a saturating
 * bias of +-2^30, as converters make for dead channels) takes a multiplier
 * of 0. Layers outside those conditions (activation range not -128..127,
 * shift >= 0, ...) keep the sums and requantize in C. The im2col reads
 * kernel rows as runs of input quads where it can, a 3x3 kernel of 3
 * channels in one fixed sequence (the commonest first layer), else bytes
 * gathered first.
 * Other cores: pixel pairs x channel pairs in plain C (vectorized on hosts).
 *
 * A channel range [oc_begin, oc_end) (te_kernels.h) narrows each group's
 * channels to their part of the range, and groups outside it are skipped
 * (no im2col); filter rows, bias and requantization stay absolute. Any
 * range works, groups included (a range may cross group boundaries).
 *
 * Pixels are processed in order, each block's columns copied before its
 * outputs are written: with one group, a 1x1 stride-1 layer with out_c <=
 * in_c may run over its own input (te_conv2d_inplace_fast_s8). */
#include <stddef.h>

#include "tinyedge/te_kernels_fast.h"
#include "te_fast_mac.h"

/* ---- the reference loop ---------------------------------------------------- */

/* A multiplier of INT32_MIN (never produced by the converter, but handled
 * by the reference), or no room for columns: the reference loop, with
 * te_requantize, over output channels [oc_begin, oc_end). */
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

#if TE_FAST_DSP
/* ==== DSP cores ============================================================== */

/* The assembly loops: Thumb-2 with GNU as, any optimization level. */
#if defined(__GNUC__) && defined(__thumb2__) && !defined(TE_CONV_NO_ASM)
#define TE_CONV_ASM 1
#else
#define TE_CONV_ASM 0
#endif

/* ---- im2col ------------------------------------------------------------------ */

/* How a layer's columns are made (te_col_slot). */
enum {
    TE_COL_PW,     /* 1x1, no padding, filter_in_c % 4 == 0: one run of quads */
    TE_COL_ROWS,   /* one group, no column dilation, k_w * filter_in_c % 4 == 0: a run of quads a kernel row */
    TE_COL_QUADS,  /* filter_in_c % 4 == 0: quads tap by tap */
    TE_COL_GATHER, /* else: the bytes gathered, then widened */
    TE_COL_TAPS    /* no byte widens to 0 (input offset -128), or a long column: tap by tap */
};

/* Per-call im2col constants (copied out of *p). */
typedef struct {
    int32_t in_h, in_w, in_c, k_h, k_w, dil_h, dil_w, fic, in_size;
    int32_t off, off2; /* input offset, and in both halfwords */
    uint32_t zp4;      /* the byte that widens to 0 (-off), in every byte */
    int32_t k, nqt;    /* taps, quads per column */
    int32_t row, row4; /* bytes of a kernel row (k_w * filter_in_c), rounded up to words */
    int32_t mode;
    int8_t *gath; /* 4 * nqt + 4 bytes (TE_COL_GATHER, TE_COL_ROWS) */
    int32_t iy_max, ix_max; /* TE_COL_GATHER: fields with iy <= iy_max and ix <= ix_max (and both >= 0) are inside */
} te_col_ctx_t;

/* Stops gcc from making a memcpy or memset call of a short copy loop. */
#define TE_OPAQUE(v) __asm__("" : "+r"(v))

/* nq (>= 0) quads of src, offset added (off2 in both halves), to every
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

/* Short fills and copies (a kernel row of a 3-channel image is 9 bytes):
 * words, then a halfword and a byte. */
TE_FAST_INLINE void te_fill8(int8_t *d, int32_t n, uint32_t v4)
{
    for (; n >= 4; n -= 4, d += 4) {
        TE_OPAQUE(v4);
        memcpy(d, &v4, 4);
    }
    if (n & 2) {
        memcpy(d, &v4, 2);
        d += 2;
    }
    if (n & 1) {
        *d = (int8_t)v4;
    }
}

TE_FAST_INLINE void te_copy8(int8_t *d, const int8_t *s, int32_t n)
{
    for (; n >= 4; n -= 4, d += 4, s += 4) {
        uint32_t w = te_ld32(s);
        TE_OPAQUE(w);
        memcpy(d, &w, 4);
    }
    if (n & 2) {
        memcpy(d, s, 2);
        d += 2;
        s += 2;
    }
    if (n & 1) {
        *d = *s;
    }
}

/* TE_COL_ROWS at the left or right edge: each kernel row's run of input
 * with its padding (gathered first when filter_in_c % 4 != 0). */
static TE_FAST_NOINLINE te_w32_t *te_col_rows_edge(const te_col_ctx_t *cx, te_w32_t *dst, const int8_t *in_g,
                                                    int32_t iy, int32_t ix0)
{
    const int32_t in_w = cx->in_w, fic = cx->fic, k_w = cx->k_w, rq = cx->row >> 2;
    const int32_t kx_lo = ix0 < 0 ? -ix0 : 0;
    const int32_t kx_hi = in_w - ix0 < k_w ? in_w - ix0 : k_w;
    const int32_t step = cx->dil_h * in_w * cx->in_c;
    int32_t at = (iy * in_w + ix0 + kx_lo) * cx->in_c; /* the in-bounds run of a kernel row */
    int32_t ky;
    for (ky = 0; ky < cx->k_h; ++ky, iy += cx->dil_h, at += step) {
        if ((uint32_t)iy >= (uint32_t)cx->in_h || kx_hi <= kx_lo) {
            dst = te_col_zero(dst, rq);
        } else if ((fic & 3) == 0) {
            dst = te_col_zero(dst, (kx_lo * fic) >> 2);
            dst = te_col_quads(dst, in_g + at, ((kx_hi - kx_lo) * fic) >> 2, cx->off2);
            dst = te_col_zero(dst, ((k_w - kx_hi) * fic) >> 2);
        } else {
            int8_t *g = cx->gath;
            te_fill8(g, kx_lo * fic, cx->zp4);
            te_copy8(g + kx_lo * fic, in_g + at, (kx_hi - kx_lo) * fic);
            te_fill8(g + kx_hi * fic, (k_w - kx_hi) * fic, cx->zp4);
            dst = te_col_quads(dst, g, rq, cx->off2);
        }
    }
    return dst;
}

/* TE_COL_ROWS: kernel row by kernel row, each a whole number of quads:
 * padding, or one run of input. */
static void te_col_rows(const te_col_ctx_t *cx, te_w32_t *dst, const int8_t *in_g, int32_t iy, int32_t ix0)
{
    const int32_t in_h = cx->in_h, dil_h = cx->dil_h, rq = cx->row >> 2, off2 = cx->off2;
    const int32_t step = dil_h * cx->in_w * cx->in_c;
    int32_t at = (iy * cx->in_w + ix0) * cx->in_c, ky;
    if (cx->ix_max < 0 || (uint32_t)ix0 > (uint32_t)cx->ix_max) {
        te_col_rows_edge(cx, dst, in_g, iy, ix0);
        return;
    }
    for (ky = cx->k_h; ky > 0; --ky, iy += dil_h, at += step) {
        if ((uint32_t)iy < (uint32_t)in_h) {
            dst = te_col_quads(dst, in_g + at, rq, off2);
        } else {
            dst = te_col_zero(dst, rq);
        }
    }
}

/* TE_COL_QUADS: tap by tap, filter_in_c / 4 quads each. */
static void te_col_taps4(const te_col_ctx_t *cx, te_w32_t *dst, const int8_t *in_g, int32_t iy, int32_t ix0)
{
    const int32_t nq = cx->fic >> 2;
    int32_t ky, kx;
    for (ky = 0; ky < cx->k_h; ++ky, iy += cx->dil_h) {
        if ((uint32_t)iy >= (uint32_t)cx->in_h) {
            dst = te_col_zero(dst, cx->k_w * nq);
        } else {
            int32_t ix = ix0;
            for (kx = 0; kx < cx->k_w; ++kx, ix += cx->dil_w) {
                if ((uint32_t)ix < (uint32_t)cx->in_w) {
                    dst = te_col_quads(dst, in_g + (iy * cx->in_w + ix) * cx->in_c, nq, cx->off2);
                } else {
                    dst = te_col_zero(dst, nq);
                }
            }
        }
    }
}

/* TE_COL_GATHER: the column's bytes in tap order into cx->gath, padding
 * and the last quad's extra taps as the byte that widens to 0. */
static void te_gather(const te_col_ctx_t *cx, const int8_t *in_g, int32_t iy, int32_t ix0)
{
    const int32_t in_w = cx->in_w, in_c = cx->in_c, fic = cx->fic, k_w = cx->k_w, k_h = cx->k_h, row = cx->row;
    const uint32_t zp4 = cx->zp4;
    int8_t *dst = cx->gath;
    int32_t ky, kx;
    if (fic == in_c && cx->dil_w == 1) { /* a kernel row's in-bounds taps are one run */
        const int32_t kx_lo = ix0 < 0 ? -ix0 : 0;
        const int32_t kx_hi = in_w - ix0 < k_w ? in_w - ix0 : k_w;
        const int32_t lo = kx_lo * fic, n = (kx_hi - kx_lo) * fic;
        const int32_t step = cx->dil_h * in_w * in_c;
        int32_t at = (iy * in_w + ix0 + kx_lo) * in_c;
        if (n == row && iy >= 0 && iy + (k_h - 1) * cx->dil_h < cx->in_h &&
            at + (k_h - 1) * step + cx->row4 <= cx->in_size) {
            /* all inside (reading up to 3 bytes past a row is too): whole
             * words, each row's extra bytes overwritten by the next row's */
            const int32_t nw = cx->row4 >> 2;
            for (ky = 0; ky < k_h; ++ky, at += step, dst += row) {
                const int8_t *s = in_g + at;
                int32_t j;
                for (j = 0; j < nw; ++j) {
                    uint32_t w = te_ld32(s + 4 * j);
                    TE_OPAQUE(w);
                    memcpy(dst + 4 * j, &w, 4);
                }
            }
        } else {
            for (ky = 0; ky < k_h; ++ky, iy += cx->dil_h, at += step, dst += row) {
                if ((uint32_t)iy >= (uint32_t)cx->in_h || n <= 0) {
                    te_fill8(dst, row, zp4);
                } else {
                    te_fill8(dst, lo, zp4);
                    te_copy8(dst + lo, in_g + at, n);
                    te_fill8(dst + lo + n, row - lo - n, zp4);
                }
            }
        }
    } else {
        for (ky = 0; ky < k_h; ++ky, iy += cx->dil_h, dst += row) {
            int32_t ix = ix0;
            for (kx = 0; kx < k_w; ++kx, ix += cx->dil_w) {
                if ((uint32_t)iy < (uint32_t)cx->in_h && (uint32_t)ix < (uint32_t)in_w) {
                    te_copy8(dst + kx * fic, in_g + (iy * in_w + ix) * in_c, fic);
                } else {
                    te_fill8(dst + kx * fic, fic, zp4);
                }
            }
        }
    }
    te_fill8(cx->gath + cx->k, 4 * cx->nqt - cx->k, zp4);
}

/* Tap t of a column (0 past K or in the padding), offset added. */
static int32_t te_col_tap(const te_col_ctx_t *cx, const int8_t *in_g, int32_t iy, int32_t ix, int32_t t)
{
    int32_t ky, kx;
    if (t >= cx->k) {
        return 0;
    }
    ky = t / cx->row;
    t -= ky * cx->row;
    kx = t / cx->fic;
    t -= kx * cx->fic;
    iy += ky * cx->dil_h;
    ix += kx * cx->dil_w;
    if ((uint32_t)iy >= (uint32_t)cx->in_h || (uint32_t)ix >= (uint32_t)cx->in_w) {
        return 0;
    }
    return in_g[(iy * cx->in_w + ix) * cx->in_c + t] + cx->off;
}

/* TE_COL_GATHER for a 3x3 kernel of 3 channels (the commonest first
 * layer) inside the input: kernel rows r0..r2 of 9 bytes (r0 = src, step
 * apart) make the quads r0[0..3], r0[4..7], r0[8] r1[0..2], r1[3..6],
 * r1[7..8] r2[0..1], r2[2..5], r2[6..8] and a tap that widens to 0 (zp_hi:
 * its byte in bits 24..31), read as words (r2[9] too) and widened to dst. */
TE_FAST_INLINE void te_col_333(te_w32_t *dst, const int8_t *src, int32_t step, int32_t off2, uint32_t zp_hi)
{
#if TE_FAST_ASM
    const int8_t *r1 = src + step, *r2 = r1 + step;
    uint32_t t0, t1, a, b;
#define TE_W333(off) \
    "sxtab16 %[a], %[o], %[t0]\n\t" \
    "sxtab16 %[b], %[o], %[t0], ror #8\n\t" \
    "strd    %[a], %[b], [%[d], #" #off "]\n\t"
    __asm__ volatile("ldr     %[t0], [%[r0]]\n\t"
                     TE_W333(0)
                     "ldr     %[t0], [%[r0], #4]\n\t"
                     TE_W333(16)
                     "ldrb    %[t0], [%[r0], #8]\n\t"
                     "ldr     %[t1], [%[r1]]\n\t"
                     "orr     %[t0], %[t0], %[t1], lsl #8\n\t"
                     TE_W333(32)
                     "ldr     %[t0], [%[r1], #3]\n\t"
                     TE_W333(48)
                     "ldrh    %[t0], [%[r1], #7]\n\t"
                     "ldr     %[t1], [%[r2]]\n\t"
                     "orr     %[t0], %[t0], %[t1], lsl #16\n\t"
                     TE_W333(64)
                     "ldr     %[t0], [%[r2], #2]\n\t"
                     TE_W333(80)
                     "ldr     %[t0], [%[r2], #6]\n\t"
                     "bic     %[t0], %[t0], #0xFF000000\n\t"
                     "orr     %[t0], %[t0], %[z]\n\t"
                     TE_W333(96)
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), [a] "=&r"(a), [b] "=&r"(b)
                     : [r0] "r"(src), [r1] "r"(r1), [r2] "r"(r2), [d] "r"(dst), [o] "r"(off2), [z] "r"(zp_hi)
                     : "memory");
#undef TE_W333
#else
    const int8_t *r1 = src + step, *r2 = r1 + step;
    uint16_t h;
    uint32_t q[7];
    int32_t j;
    memcpy(&h, r1 + 7, 2);
    q[0] = te_ld32(src);
    q[1] = te_ld32(src + 4);
    q[2] = (uint32_t)(uint8_t)src[8] | (te_ld32(r1) << 8);
    q[3] = te_ld32(r1 + 3);
    q[4] = (uint32_t)h | (te_ld32(r2) << 16);
    q[5] = te_ld32(r2 + 2);
    q[6] = (te_ld32(r2 + 6) & 0x00FFFFFFu) | zp_hi;
    for (j = 0; j < 7; ++j, dst += 4) {
        dst[0] = __sxtab16(off2, (int32_t)q[j]);
        dst[1] = te_sxtab16_ror8(off2, q[j]);
    }
#endif
}

/* TE_COL_GATHER for npx pixels. A field inside the input (one group, no
 * column dilation; reading up to 3 bytes past its last row is too) takes
 * whole words: each kernel row's bytes to gath + ky * row, the extra bytes
 * overwritten by the next row's, the last quad's extra taps set by one
 * word store (gath has 4 bytes to spare); others te_gather. */
static void te_cv_cols_gather(const te_col_ctx_t *cx, te_w32_t *const *col, int32_t npx, const int8_t *in_g,
                              const int32_t *iy, const int32_t *ix)
{
    const int32_t in_w = cx->in_w, in_c = cx->in_c, k_h = cx->k_h, row = cx->row, nw = cx->row4 >> 2;
    const int32_t nqt = cx->nqt, off2 = cx->off2, step = cx->dil_h * in_w * in_c;
    const int32_t run = cx->fic == in_c && cx->dil_w == 1 && cx->iy_max >= 0 && cx->ix_max >= 0;
    const uint32_t iy_max = (uint32_t)cx->iy_max, ix_max = (uint32_t)cx->ix_max;
    const int32_t at_max = cx->in_size - cx->row4 - (k_h - 1) * step;
    const uint32_t zp4 = cx->zp4;
    int8_t *const g = cx->gath, *const g_end = g + cx->k;
    int32_t s, ky;
    for (s = 0; s < npx; ++s) {
        te_w32_t *dst = col[s >> 1] + 2 * (s & 1);
        const int32_t at = (iy[s] * in_w + ix[s]) * in_c;
        if (run && (uint32_t)iy[s] <= iy_max && (uint32_t)ix[s] <= ix_max && at <= at_max && row == 9 &&
            k_h == 3) {
            te_col_333(dst, in_g + at, step, off2, zp4 & 0xFF000000u);
            continue;
        }
        if (run && (uint32_t)iy[s] <= iy_max && (uint32_t)ix[s] <= ix_max && at <= at_max) {
            const int8_t *src = in_g + at;
            int8_t *d = g;
            uint32_t w0, w1, w2;
            int32_t j;
            if (nw == 3) { /* 3x3 kernels of 3 channels */
                for (ky = 0; ky < k_h; ++ky, src += step, d += row) {
                    w0 = te_ld32(src);
                    w1 = te_ld32(src + 4);
                    w2 = te_ld32(src + 8);
                    memcpy(d, &w0, 4);
                    memcpy(d + 4, &w1, 4);
                    memcpy(d + 8, &w2, 4);
                }
            } else {
                for (ky = 0; ky < k_h; ++ky, src += step, d += row) {
                    for (j = 0; j < nw; ++j) {
                        w0 = te_ld32(src + 4 * j);
                        TE_OPAQUE(w0);
                        memcpy(d + 4 * j, &w0, 4);
                    }
                }
            }
            memcpy(g_end, &zp4, 4);
        } else {
            te_gather(cx, in_g, iy[s], ix[s]);
        }
        te_col_quads(dst, g, nqt, off2);
    }
}

/* The receptive fields (one group's channels) of npx output pixels to
 * columns: pixel s to column s & 1 of pair buffer col[s >> 1]; in_g: the
 * batch's input plus the group's first channel; (iy[s], ix[s]): the
 * field's top left corner. */
static TE_FAST_NOINLINE void te_cv_cols(const te_col_ctx_t *cx, te_w32_t *const *col, int32_t npx,
                                        const int8_t *in_g, const int32_t *iy, const int32_t *ix)
{
    int32_t s, q;
    if (cx->mode == TE_COL_GATHER) {
        te_cv_cols_gather(cx, col, npx, in_g, iy, ix);
        return;
    }
    if (cx->mode == TE_COL_PW) {
        const int32_t in_w = cx->in_w, in_c = cx->in_c, nqt = cx->nqt, off2 = cx->off2;
        te_col_quads(col[0], in_g + (iy[0] * in_w + ix[0]) * in_c, nqt, off2);
        te_col_quads(col[0] + 2, in_g + (iy[1] * in_w + ix[1]) * in_c, nqt, off2);
        if (npx == 4) {
            te_col_quads(col[1], in_g + (iy[2] * in_w + ix[2]) * in_c, nqt, off2);
            te_col_quads(col[1] + 2, in_g + (iy[3] * in_w + ix[3]) * in_c, nqt, off2);
        }
        return;
    }
    if (cx->mode == TE_COL_ROWS) {
        for (s = 0; s < npx; ++s) {
            te_col_rows(cx, col[s >> 1] + 2 * (s & 1), in_g, iy[s], ix[s]);
        }
        return;
    }
    if (cx->mode == TE_COL_QUADS) {
        for (s = 0; s < npx; ++s) {
            te_col_taps4(cx, col[s >> 1] + 2 * (s & 1), in_g, iy[s], ix[s]);
        }
        return;
    }
    for (s = 0; s < npx; ++s) { /* TE_COL_TAPS */
        te_w32_t *dst = col[s >> 1] + 2 * (s & 1);
        for (q = 0; q < cx->nqt; ++q, dst += 4) {
            const int32_t v0 = te_col_tap(cx, in_g, iy[s], ix[s], 4 * q);
            const int32_t v1 = te_col_tap(cx, in_g, iy[s], ix[s], 4 * q + 1);
            const int32_t v2 = te_col_tap(cx, in_g, iy[s], ix[s], 4 * q + 2);
            const int32_t v3 = te_col_tap(cx, in_g, iy[s], ix[s], 4 * q + 3);
            dst[0] = (int32_t)(((uint32_t)v0 & 0xFFFFu) | ((uint32_t)v2 << 16));
            dst[1] = (int32_t)(((uint32_t)v1 & 0xFFFFu) | ((uint32_t)v3 << 16));
        }
    }
}

/* ---- dot products and requantization ----------------------------------------- */

/* One output channel's constants. v: bias, multiplier, te_requantize_small's
 * rounding term halved (te_cv_rq), right shift; after a raw block (sums
 * kept) v[s] is pixel s's sum, bias included. row: the filter row, read a
 * quad at a time (a last quad reads past K: into the next row, or for the
 * filter's last row from a copy). */
typedef struct {
    const int8_t *row;
    int32_t v[4];
} te_cv_ent_t;

/* What a block of channels needs (the assembly reads it at these offsets). */
typedef struct {
    const te_w32_t *col_a; /* 0: pixels 0, 1 (pair layout) */
    const te_w32_t *col_b; /* 4: pixels 2, 3 (4-pixel blocks) */
    te_cv_ent_t *tbl;      /* 8: the block's first channel */
    te_cv_ent_t *tbl_end;  /* 12: (2-pixel blocks: an even number of channels) */
    int8_t *out[4];        /* 16: pixel s's output at the first channel */
    const void *entry;     /* 32: the assembly loop's entry (te_cv_entry) */
    const te_w32_t *cend;  /* 36: col_a + 4 * nqt */
    uint32_t lo4, hi4;     /* 40: activation bounds in every byte (clamping kernels) */
    int32_t nqt;           /* quads per column (>= 1) */
    int32_t k;             /* taps per column */
} te_cv_args_t;

/* te_requantize(x, m, -r) + off, saturated to int8, for the constants of
 * te_cv_small: te_requantize_small with its rounding term c = (round +
 * (x2 >> 31)) >> 1 taken as R + (x2 >> 31), R = round / 2 (round is even
 * for r >= 1). */
TE_FAST_INLINE int32_t te_cv_rq(int32_t x, const int32_t *v)
{
    const int32_t x2 = (int32_t)((uint32_t)x << 1);
    const int32_t c = v[2] + (x2 >> 31);
    int32_t hi;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(hi) : "r"(x2), "r"(v[1]), "r"(c));
    return __ssat(hi >> v[3], 8);
}

/* The blocks in C, as the assembly: npx (2 or 4) pixels, each channel of
 * [tbl, tbl_end); raw: sums to v[], else outputs. The last quad's weights
 * are read byte by byte (safe at the filter's end). */
static void te_cv_c(const te_cv_args_t *a, int32_t npx, int32_t raw)
{
    const int32_t nq = a->k >> 2, tail = a->k & 3;
    int8_t *o[4];
    te_cv_ent_t *e;
    int32_t s, q, j;
    for (s = 0; s < 4; ++s) {
        o[s] = a->out[s];
    }
    for (e = a->tbl; e != a->tbl_end; ++e) {
        int32_t acc[4];
        for (s = 0; s < 4; ++s) {
            acc[s] = e->v[0];
        }
        for (q = 0; q < a->nqt; ++q) {
            uint32_t w = 0;
            int32_t we, wo;
            if (q < nq) {
                w = te_ld32(e->row + 4 * q);
            } else {
                for (j = 0; j < tail; ++j) {
                    w |= (uint32_t)(uint8_t)e->row[4 * q + j] << (8 * j);
                }
            }
            we = __sxtb16((int32_t)w);
            wo = te_sxtb16_ror8(w);
            for (s = 0; s < npx; ++s) {
                const te_w32_t *c = (s < 2 ? a->col_a : a->col_b) + 4 * q + 2 * (s & 1);
                acc[s] = __smlad(we, c[0], acc[s]);
                acc[s] = __smlad(wo, c[1], acc[s]);
            }
        }
        for (s = 0; s < npx; ++s) {
            if (raw) {
                e->v[s] = acc[s];
            } else {
                const int32_t v = te_cv_rq(acc[s], e->v);
                *o[s]++ = (int8_t)te_clamp_s32(v, (int8_t)a->lo4, (int8_t)a->hi4);
            }
        }
    }
}

#if TE_CONV_ASM
/* The same in assembly (te_cv_args_t *a in r0), one function per block shape
 * and ending: k14 = 4 pixels x 1 channel, k22 = 2 pixels x 2 channels; r =
 * sums kept; s = rows of 8 quads at most; c = outputs clamped to an
 * activation range narrower than -128..127. Registers through the MAC loop:
 *   k14: r0, r1 columns a, b; r2 the row; r3-r6 sums (pixels 0-3);
 *   k22: r0 column; r1, r2 rows a, b; r3, r4 row a's sums, r5, r6 row b's;
 *   r7-r10 one LDM of column words, r11, r12 the weights widened, lr the
 *   channel's constants. Both copy *a (to cend) to their frame.
 * The quads of a row go 8 to a pass; the first pass enters at quad
 * 8 - nqt % 8 (Duff's device: every quad is 13 or 15 32-bit instructions,
 * which the assembler checks), at a->entry. */
void te_conv2d_fast_k14(const te_cv_args_t *a);
void te_conv2d_fast_k14r(const te_cv_args_t *a);
void te_conv2d_fast_k14s(const te_cv_args_t *a);
void te_conv2d_fast_k22(const te_cv_args_t *a);
void te_conv2d_fast_k22r(const te_cv_args_t *a);
void te_conv2d_fast_k14c(const te_cv_args_t *a);
void te_conv2d_fast_k22c(const te_cv_args_t *a);
extern const char te_conv2d_fast_k14_loop[], te_conv2d_fast_k14r_loop[], te_conv2d_fast_k14s_loop[];
extern const char te_conv2d_fast_k22_loop[], te_conv2d_fast_k22r_loop[];
extern const char te_conv2d_fast_k14c_loop[], te_conv2d_fast_k22c_loop[];

/* Where the loop of quads starts for nqt quads a row: nqt % 8 quads
 * before the end of a pass (quads of qs bytes); Thumb bit set. */
static const void *te_cv_entry(const char *loop, int32_t qs, int32_t nqt)
{
    return (const void *)((uintptr_t)loop + (uintptr_t)(((8 - (nqt & 7)) & 7) * qs) + 1u);
}

#define TE_Q14                      \
    "ldmia.w r0!, {r7-r10}\n\t"     \
    "ldr.w   r11, [r2], #4\n\t"     \
    "sxtb16  r12, r11\n\t"          \
    "sxtb16  r11, r11, ror #8\n\t"  \
    "smlad   r3, r12, r7, r3\n\t"   \
    "smlad   r3, r11, r8, r3\n\t"   \
    "smlad   r4, r12, r9, r4\n\t"   \
    "smlad   r4, r11, r10, r4\n\t"  \
    "ldmia.w r1!, {r7-r10}\n\t"     \
    "smlad   r5, r12, r7, r5\n\t"   \
    "smlad   r5, r11, r8, r5\n\t"   \
    "smlad   r6, r12, r9, r6\n\t"   \
    "smlad   r6, r11, r10, r6\n\t"

#define TE_Q22                      \
    "ldmia.w r0!, {r7-r10}\n\t"     \
    "ldr.w   r11, [r1], #4\n\t"     \
    "sxtb16  r12, r11\n\t"          \
    "sxtb16  r11, r11, ror #8\n\t"  \
    "smlad   r3, r12, r7, r3\n\t"   \
    "smlad   r3, r11, r8, r3\n\t"   \
    "smlad   r4, r12, r9, r4\n\t"   \
    "smlad   r4, r11, r10, r4\n\t"  \
    "ldr.w   r11, [r2], #4\n\t"     \
    "sxtb16  r12, r11\n\t"          \
    "sxtb16  r11, r11, ror #8\n\t"  \
    "smlad   r5, r12, r7, r5\n\t"   \
    "smlad   r5, r11, r8, r5\n\t"   \
    "smlad   r6, r12, r9, r6\n\t"   \
    "smlad   r6, r11, r10, r6\n\t"

/* te_cv_rq on sum x with r7 = multiplier, r8 = R, r9 = shift (r12 scratch) */
#define TE_RQ(x)                              \
    "lsl     " x ", " x ", #1\n\t"            \
    "add     r12, r8, " x ", asr #31\n\t"     \
    "smmlar  " x ", " x ", r7, r12\n\t"       \
    "asr     " x ", " x ", r9\n\t"            \
    "ssat    " x ", #8, " x "\n\t"

/* name, quad code, its size in bytes */
#define TE_CV_HEAD(name)                                             \
    ".pushsection .text." name ",\"ax\",%progbits\n\t"               \
    ".balign 4\n\t"                                                  \
    ".global " name "\n\t"                                           \
    ".type   " name ", %function\n\t"                                \
    ".thumb_func\n"                                                  \
    name ":\n\t"                                                     \
    "push    {r4-r11, lr}\n\t"                                       \
    "sub     sp, sp, #48\n\t"                                        \
    "ldmia   r0, {r1-r12}\n\t"                                       \
    "stmia   sp, {r1-r12}\n\t"                                       \
    "mov     lr, r3\n"

/* The 8 quads of a pass (once only, for rows of 8 quads at most: short) */
#define TE_CV_QUADS(name, quad, qs)                                  \
    ".global " name "_loop\n"                                       \
    name "_loop:\n\t"                                               \
    quad                                                             \
    ".L" name "_q1:\n\t"                                             \
    quad quad quad quad quad quad quad                               \
    ".if .L" name "_q1 - " name "_loop != " #qs "\n\t"               \
    ".error \"quad size\"\n\t"                                        \
    ".endif\n\t"

#define TE_CV_LOOP(name, quad, qs)                                   \
    TE_CV_QUADS(name, quad, qs)                                      \
    "ldr     r11, [sp, #36]\n\t"                                     \
    "cmp     r0, r11\n\t"                                            \
    "bne     " name "_loop\n\t"

/* r3 = its 4 output bytes (r3..r6 each a byte from SSAT) clamped to the
 * bounds at sp + 40, sp + 44 (lo, hi in every byte): SSUB8 sets a lane's
 * GE flag where the difference is >= 0, SEL takes that lane from its
 * first operand, so two pairs make max(v, lo) and min(v, hi) */
#define TE_CLAMP4(b1, b2, b3)                                        \
    "bfi     r3, " b1 ", #8, #8\n\t"                                 \
    "bfi     r3, " b2 ", #16, #8\n\t"                                \
    "bfi     r3, " b3 ", #24, #8\n\t"                                \
    "ldrd    r7, r8, [sp, #40]\n\t"                                  \
    "ssub8   r12, r3, r7\n\t"                                        \
    "sel     r3, r3, r7\n\t"                                         \
    "ssub8   r12, r8, r3\n\t"                                        \
    "sel     r3, r3, r8\n\t"

/* 4 outputs of one channel: pointers at sp + 16 */
#define TE_K14_OUT                                                   \
    "ldmia   lr!, {r7, r8, r9}\n\t"                                  \
    "add     r12, sp, #16\n\t"                                       \
    "ldmia   r12, {r0, r1, r10, r11}\n\t"                            \
    TE_RQ("r3") "strb    r3, [r0], #1\n\t"                           \
    TE_RQ("r4") "strb    r4, [r1], #1\n\t"                           \
    TE_RQ("r5") "strb    r5, [r10], #1\n\t"                          \
    TE_RQ("r6") "strb    r6, [r11], #1\n\t"                          \
    "add     r12, sp, #16\n\t"                                       \
    "stmia   r12, {r0, r1, r10, r11}\n\t"

#define TE_CV_TAIL(name)                                             \
    "ldr     r11, [sp, #12]\n\t"                                     \
    "cmp     lr, r11\n\t"                                            \
    "bne     .L" name "_ch\n\t"                                      \
    "add     sp, sp, #48\n\t"                                        \
    "pop     {r4-r11, pc}\n\t"                                       \
    ".size   " name ", . - " name "\n\t"                             \
    ".popsection\n"

/* 4 pixels x 1 channel: bias to the sums, then the quads */
#define TE_K14_START(name)                                           \
    ".L" name "_ch:\n\t"                                             \
    "ldrd    r0, r1, [sp]\n\t"                                       \
    "ldmia   lr!, {r2, r3}\n\t"                                      \
    "mov     r4, r3\n\t"                                             \
    "mov     r5, r3\n\t"                                             \
    "mov     r6, r3\n\t"                                             \
    "ldr     r11, [sp, #32]\n\t"                                     \
    "bx      r11\n"

/* 2 pixels x 2 channels */
#define TE_K22_START(name)                                           \
    ".L" name "_ch:\n\t"                                             \
    "ldr     r0, [sp]\n\t"                                           \
    "ldmia   lr!, {r1, r3}\n\t"                                      \
    "ldrd    r2, r5, [lr, #12]\n\t"                                  \
    "mov     r4, r3\n\t"                                             \
    "mov     r6, r5\n\t"                                             \
    "ldr     r11, [sp, #32]\n\t"                                     \
    "bx      r11\n"

__asm__(".syntax unified\n\t"
        ".thumb\n\t"
        /* k14: outputs through the 4 pointers at sp + 16 */
        TE_CV_HEAD("te_conv2d_fast_k14")
        TE_K14_START("te_conv2d_fast_k14")
        TE_CV_LOOP("te_conv2d_fast_k14", TE_Q14, 52)
        TE_K14_OUT
        TE_CV_TAIL("te_conv2d_fast_k14")
        /* k14s: k14 for rows of 8 quads at most, the pass not repeated */
        TE_CV_HEAD("te_conv2d_fast_k14s")
        TE_K14_START("te_conv2d_fast_k14s")
        TE_CV_QUADS("te_conv2d_fast_k14s", TE_Q14, 52)
        TE_K14_OUT
        TE_CV_TAIL("te_conv2d_fast_k14s")
        /* k14r: the 4 sums over the channel's v[] */
        TE_CV_HEAD("te_conv2d_fast_k14r")
        TE_K14_START("te_conv2d_fast_k14r")
        TE_CV_LOOP("te_conv2d_fast_k14r", TE_Q14, 52)
        "sub     r7, lr, #4\n\t"
        "stmia   r7, {r3-r6}\n\t"
        "add     lr, lr, #12\n\t"
        TE_CV_TAIL("te_conv2d_fast_k14r")
        /* k22: outputs through the 2 pointers at sp + 16 */
        TE_CV_HEAD("te_conv2d_fast_k22")
        TE_K22_START("te_conv2d_fast_k22")
        TE_CV_LOOP("te_conv2d_fast_k22", TE_Q22, 60)
        "ldmia   lr!, {r7, r8, r9}\n\t"
        "ldrd    r0, r1, [sp, #16]\n\t"
        TE_RQ("r3") "strb    r3, [r0], #1\n\t"
        TE_RQ("r4") "strb    r4, [r1], #1\n\t"
        "add     lr, lr, #8\n\t"
        "ldmia   lr!, {r7, r8, r9}\n\t"
        TE_RQ("r5") "strb    r5, [r0], #1\n\t"
        TE_RQ("r6") "strb    r6, [r1], #1\n\t"
        "strd    r0, r1, [sp, #16]\n\t"
        TE_CV_TAIL("te_conv2d_fast_k22")
        /* k22r: both channels' sums over their v[] */
        TE_CV_HEAD("te_conv2d_fast_k22r")
        TE_K22_START("te_conv2d_fast_k22r")
        TE_CV_LOOP("te_conv2d_fast_k22r", TE_Q22, 60)
        "sub     r7, lr, #4\n\t"
        "strd    r3, r4, [r7]\n\t"
        "strd    r5, r6, [r7, #20]\n\t"
        "add     lr, lr, #32\n\t"
        TE_CV_TAIL("te_conv2d_fast_k22r")
        /* k14c: k14 with the outputs clamped */
        TE_CV_HEAD("te_conv2d_fast_k14c")
        TE_K14_START("te_conv2d_fast_k14c")
        TE_CV_LOOP("te_conv2d_fast_k14c", TE_Q14, 52)
        "ldmia   lr!, {r7, r8, r9}\n\t"
        TE_RQ("r3") TE_RQ("r4") TE_RQ("r5") TE_RQ("r6")
        TE_CLAMP4("r4", "r5", "r6")
        "add     r12, sp, #16\n\t"
        "ldmia   r12, {r0, r1, r10, r11}\n\t"
        "strb    r3, [r0], #1\n\t"
        "lsr     r3, r3, #8\n\t"
        "strb    r3, [r1], #1\n\t"
        "lsr     r3, r3, #8\n\t"
        "strb    r3, [r10], #1\n\t"
        "lsr     r3, r3, #8\n\t"
        "strb    r3, [r11], #1\n\t"
        "add     r12, sp, #16\n\t"
        "stmia   r12, {r0, r1, r10, r11}\n\t"
        TE_CV_TAIL("te_conv2d_fast_k14c")
        /* k22c: k22 with the outputs clamped; a pixel's two a halfword */
        TE_CV_HEAD("te_conv2d_fast_k22c")
        TE_K22_START("te_conv2d_fast_k22c")
        TE_CV_LOOP("te_conv2d_fast_k22c", TE_Q22, 60)
        "ldmia   lr!, {r7, r8, r9}\n\t"
        TE_RQ("r3") TE_RQ("r4")
        "add     lr, lr, #8\n\t"
        "ldmia   lr!, {r7, r8, r9}\n\t"
        TE_RQ("r5") TE_RQ("r6")
        TE_CLAMP4("r5", "r4", "r6")
        "ldrd    r0, r1, [sp, #16]\n\t"
        "strh    r3, [r0], #2\n\t"
        "lsr     r3, r3, #16\n\t"
        "strh    r3, [r1], #2\n\t"
        "strd    r0, r1, [sp, #16]\n\t"
        TE_CV_TAIL("te_conv2d_fast_k22c"));

/* the offsets above */
typedef char te_cv_args_layout[(sizeof(te_cv_ent_t) == 20 && sizeof(void *) == 4 &&
                                offsetof(te_cv_args_t, hi4) == 44) ? 1 : -1];
#endif

/* ---- the DSP kernel ------------------------------------------------------------- */

/* Stack for one call (1600 bytes), carved as needed: columns that do not
 * fit the scratch, a gathered column, the last filter row's copy, and the
 * rest for channels' constants (64 channels for the layers of 64 in the
 * shared models). */
#define TE_CONV_STACK_ENTS 80 /* of 20 bytes */
#define TE_CONV_COPY_MAX 128   /* bytes: the longest gathered column or row copy */

/* What the channel loop needs, copied out of *p. */
typedef struct {
    const int8_t *filter;
    const int32_t *bias, *mult, *shift;
    const int8_t *last_row; /* channel out_c - 1's row, copied with room for its last quad, or NULL */
    int32_t k, out_c;
    int32_t c_end_asm; /* channels from here (the last, if it has no copy) go through te_cv_c */
    int32_t small;     /* requantize in the loops (te_cv_small), else keep the sums */
    int32_t mode;      /* te_fast_rq_mode, for the sums */
    int32_t off, lo, hi, full;
    te_cv_ent_t *tbl;
    int32_t ntbl;   /* entries at tbl */
    int32_t cached; /* tbl holds channels [oc_begin, oc_end) */
    int32_t oc_begin;
    int32_t direct; /* te_cv_channels: one call of kernel does all */
#if TE_CONV_ASM
    void (*kernel)(const te_cv_args_t *a);
#endif
} te_cv_ctx_t;

/* Sums of a channel lie within bias +- k * 128 * 255. */
#define TE_CV_SUM_BOUND(k) ((k) * INT32_C(32640))

/* te_cv_rq's own constants serve a channel: multiplier >= 0, shift in
 * [-21, -1], |bias| < 2^29 (with K * 128 * 255 < 2^29, sums stay within
 * +-2^30, so doubling them cannot overflow). */
static int32_t te_cv_normal(int32_t m, int32_t sh, int32_t b)
{
    return m >= 0 && sh <= -1 && sh >= -21 && b < INT32_C(0x20000000) && b > -INT32_C(0x20000000);
}

/* Else a channel's output may still be one value for every sum (a channel
 * of tiny scale, or a bias of +-2^30 that saturates it): requantization is
 * monotonic, so the ends of bias +- K * 128 * 255 (no int32 wrap) tell. */
static int32_t te_cv_const(int32_t m, int32_t sh, int32_t b, int32_t k)
{
    const int64_t lo = (int64_t)b - TE_CV_SUM_BOUND(k), hi = (int64_t)b + TE_CV_SUM_BOUND(k);
    return sh <= 0 && sh >= -31 && lo >= INT32_MIN && hi <= INT32_MAX &&
           te_requantize((int32_t)lo, m, sh) == te_requantize((int32_t)hi, m, sh);
}

/* Whether te_cv_rq gives te_requantize(bias + sum, mult, shift) + off for
 * every channel of [c0, c1), with te_cv_normal's constants or (te_cv_fill)
 * a constant: |off| <= 256, K < 16384; the activation range within
 * -128..127 (saturated, then clamped by the c kernels). */
static int32_t te_cv_small(const te_conv_params_t *p, const int32_t *bias, int32_t k, int32_t c0, int32_t c1)
{
    int32_t c;
    if (p->out_offset < -256 || p->out_offset > 256 || p->act_min < -128 || p->act_max > 127 ||
        p->act_min > p->act_max || k >= 16384) {
        return 0;
    }
    for (c = c0; c < c1; ++c) {
        const int32_t b = bias ? bias[c] : 0, m = p->mult[c], sh = p->shift[c];
        if (!te_cv_normal(m, sh, b) && !te_cv_const(m, sh, b, k)) {
            return 0;
        }
    }
    return 1;
}

/* Constants of channels [c, c + n) into e (rows and biases only for sums). */
static void te_cv_fill(const te_cv_ctx_t *x, te_cv_ent_t *e, int32_t c, int32_t n)
{
    const int32_t *const mult = x->mult, *const shift = x->shift;
    const uint32_t round1 = 2u * (uint32_t)x->off + 1u;
    const int32_t end = c + n;
    for (; c < end; ++c, ++e) {
        const int32_t b = x->bias ? x->bias[c] : 0, m = mult[c], sh = shift[c];
        e->row = c == x->out_c - 1 && x->last_row ? x->last_row : x->filter + c * x->k;
        e->v[0] = b;
        if (!x->small) {
            continue;
        }
        if (te_cv_normal(m, sh, b)) {
            e->v[1] = m;
            e->v[2] = (int32_t)(round1 << (-sh - 1));
            e->v[3] = -sh;
        } else { /* te_cv_const; multiplier 0: (2 v + 1 + (0 or -1)) >> 1 = v */
            e->v[1] = 0;
            e->v[2] = 2 * (te_requantize(b, m, sh) + x->off) + 1;
            e->v[3] = 1;
        }
    }
}

/* Raw blocks: the sums of channels [c, c + n) (e[i].v[s], pixel s) to
 * outputs o[s][c + i]. */
static void te_cv_raw(const te_cv_ctx_t *x, const te_cv_ent_t *e, int32_t c, int32_t n, int32_t npx,
                      int8_t *const *o)
{
    const int32_t off = x->off, lo = x->lo, hi = x->hi, full = x->full;
    const int32_t end = c + n;
    int32_t s;
    for (; c < end; ++c, ++e) {
        const int32_t m = x->mult[c], sh = x->shift[c];
        if (x->mode == 2) {
            const int32_t hi0 = te_fast_rq1_hi0(sh, off);
            for (s = 0; s < npx; ++s) {
                o[s][c] = te_fast_clamp8(te_fast_rq1(e->v[s], m, sh, hi0), lo, hi, full);
            }
        } else {
            te_fast_rq_t rq;
            te_fast_rq_init(&rq, m, sh);
            for (s = 0; s < npx; ++s) {
                o[s][c] = te_fast_clamp8(te_fast_rq(&rq, e->v[s]) + off, lo, hi, full);
            }
        }
    }
}

/* Channels [c0, c1) of the npx pixels whose columns are in a (outputs o[s]). */
static TE_FAST_NOINLINE void te_cv_channels(const te_cv_ctx_t *x, te_cv_args_t *a, int32_t npx, int32_t c0, int32_t c1,
                           int8_t *const *o)
{
    int32_t c, n, s;
#if TE_CONV_ASM
    if (x->direct) { /* all in one call: constants cached, no odd or last channel for C */
        te_cv_ent_t *const e = x->tbl + (c0 - x->oc_begin);
        a->out[0] = o[0] + c0;
        a->out[1] = o[1] + c0;
        a->out[2] = o[2] + c0;
        a->out[3] = o[3] + c0;
        a->tbl = e;
        a->tbl_end = e + (c1 - c0);
        x->kernel(a);
        return;
    }
#endif
    for (c = c0; c < c1; c += n) {
        te_cv_ent_t *const e = x->cached ? x->tbl + (c - x->oc_begin) : x->tbl;
        int32_t na;
        n = c1 - c < x->ntbl ? c1 - c : x->ntbl;
        if (!x->cached) {
            te_cv_fill(x, e, c, n);
        }
        na = c + n > x->c_end_asm ? x->c_end_asm - c : n; /* to the assembly */
        if (npx == 2) {
            na &= ~INT32_C(1);
        }
        for (s = 0; s < 4; ++s) {
            a->out[s] = o[s] + c;
        }
        a->tbl = e;
        if (na > 0) {
            a->tbl_end = e + na;
#if TE_CONV_ASM
            x->kernel(a);
#else
            te_cv_c(a, npx, !x->small);
#endif
        }
        if (na < n) { /* an odd channel of pairs, or the last row without a copy */
            for (s = 0; s < 4; ++s) {
                a->out[s] = o[s] + c + na;
            }
            a->tbl = e + na;
            a->tbl_end = e + n;
            te_cv_c(a, npx, !x->small);
        }
        if (!x->small) {
            te_cv_raw(x, e, c, n, npx, o);
        }
    }
}

/* Channels [pc0, pc1) of every pixel: blocks of npx pixels, their columns
 * (a group at a time), then their channels. */
static TE_FAST_NOINLINE void te_cv_pass(const te_conv_params_t *p, const te_col_ctx_t *cx, const te_cv_ctx_t *x,
                                        te_cv_args_t *a, te_w32_t *const *col, int32_t npx, const int8_t *input,
                                        int8_t *output, int32_t pc0, int32_t pc1)
{
    const int32_t fic = p->filter_in_c;
    const int32_t fpg = p->out_c / (p->in_c / fic);
    const int32_t out_c = p->out_c, npix = p->out_h * p->out_w;
    const int32_t in_size = p->in_h * p->in_w * p->in_c;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w, pad_w = p->pad_w;
    const int32_t ix_end = p->out_w * stride_w - pad_w;
    const int32_t g_begin = pc0 / fpg, g_end = (pc1 + fpg - 1) / fpg;
    int32_t b, n, g, s;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * in_size;
        int32_t iy0 = -p->pad_h, ix0 = -pad_w; /* the next pixel's field */
        int8_t *op = output + b * npix * out_c; /* and its output */
        for (n = npix; n > 0; n -= npx) {
            int32_t iy[4], ix[4];
            int8_t *o[4];
            for (s = 0; s < npx; ++s) { /* past the last pixel: the last again */
                iy[s] = iy0;
                ix[s] = ix0;
                o[s] = op;
                if (s + 1 < n) {
                    op += out_c;
                    ix0 += stride_w;
                    if (ix0 == ix_end) {
                        ix0 = -pad_w;
                        iy0 += stride_h;
                    }
                }
            }
            if (npx == 2) {
                o[2] = o[0];
                o[3] = o[1];
            }
            for (g = g_begin; g < g_end; ++g) {
                /* the group's channels within the pass */
                const int32_t c0 = g * fpg > pc0 ? g * fpg : pc0;
                const int32_t c1 = (g + 1) * fpg < pc1 ? (g + 1) * fpg : pc1;
                te_cv_cols(cx, col, npx, in_b + g * fic, iy, ix);
                te_cv_channels(x, a, npx, c0, c1, o);
            }
        }
    }
}

/* The DSP kernel; scratch: scratch_bytes bytes (word aligned), or none. */
static void te_conv_dsp(const te_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                        int8_t *output, void *scratch, int32_t scratch_bytes)
{
    const int32_t fic = p->filter_in_c;
    const int32_t groups = p->in_c / fic;
    const int32_t fpg = p->out_c / groups;
    const int32_t out_c = p->out_c;
    const int32_t in_size = p->in_h * p->in_w * p->in_c;
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : out_c;
    const int32_t k = p->k_h * p->k_w * fic;
    const int32_t nqt = (k + 3) >> 2;
    const int32_t pair_ents = (16 * nqt + 19) / 20; /* two columns, in stack entries */
    const int32_t copy_ents = (4 * nqt + 4 + 19) / 20;
    const int32_t range = oc_end - oc_begin;
    const int32_t min_tbl = range < 16 ? range : 16;
    const int32_t scratch_pairs = scratch_bytes >= 32 * nqt ? 2 : scratch_bytes >= 16 * nqt ? 1 : 0;
    te_cv_ent_t mem[TE_CONV_STACK_ENTS];
    int32_t used = 0, aux = 0, copy_last = 0, npx, stack_pairs = 0;
    te_w32_t *col_a, *col_b = NULL, *col[2];
    te_cv_ctx_t x;
    te_col_ctx_t cx;
    te_cv_args_t a;

    /* im2col */
    cx.in_h = p->in_h;
    cx.in_w = p->in_w;
    cx.in_c = p->in_c;
    cx.k_h = p->k_h;
    cx.k_w = p->k_w;
    cx.dil_h = p->dil_h;
    cx.dil_w = p->dil_w;
    cx.fic = fic;
    cx.in_size = in_size;
    cx.off = p->in_offset;
    cx.off2 = te_dup16(p->in_offset);
    cx.zp4 = (uint32_t)(uint8_t)(-p->in_offset) * 0x01010101u;
    cx.k = k;
    cx.nqt = nqt;
    cx.row = p->k_w * fic;
    cx.row4 = (cx.row + 3) & ~INT32_C(3);
    cx.iy_max = p->in_h - 1 - (p->k_h - 1) * p->dil_h;
    cx.ix_max = p->in_w - p->k_w;
    if ((fic & 3) == 0 && p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
        (p->out_h - 1) * p->stride_h < p->in_h && (p->out_w - 1) * p->stride_w < p->in_w) {
        cx.mode = TE_COL_PW;
    } else if ((fic & 3) && (p->in_offset < -127 || p->in_offset > 128)) {
        cx.mode = TE_COL_TAPS;
    } else if (fic == p->in_c && p->dil_w == 1 && (cx.row & 3) == 0) {
        cx.mode = TE_COL_ROWS;
        aux = (fic & 3) ? copy_ents : 0;
    } else if ((fic & 3) == 0) {
        cx.mode = TE_COL_QUADS;
    } else if (4 * nqt <= TE_CONV_COPY_MAX) {
        cx.mode = TE_COL_GATHER;
        aux = copy_ents;
    } else {
        cx.mode = TE_COL_TAPS;
    }
    /* The last quad of a row with K % 4 taps reads up to 3 bytes past it:
     * the filter's last row is read from a copy, or in C. */
    x.last_row = NULL;
    x.c_end_asm = oc_end;
    if ((k & 3) && oc_end == out_c) {
        if (4 * nqt <= TE_CONV_COPY_MAX) {
            aux += copy_ents;
            copy_last = 1;
        } else {
            x.c_end_asm = out_c - 1;
        }
    }
    /* Four pixels a block if the columns the scratch cannot hold leave room
     * on the stack for the constants of 16 channels, else two. */
    npx = 4;
    stack_pairs = 2 - scratch_pairs;
    if (stack_pairs * pair_ents + aux + min_tbl > TE_CONV_STACK_ENTS) {
        npx = 2;
        stack_pairs = scratch_pairs ? 0 : 1;
        if (stack_pairs * pair_ents + aux + 2 > TE_CONV_STACK_ENTS) {
            te_conv_plain(p, input, filter, bias, output, oc_begin, oc_end);
            return;
        }
    }
    col_a = scratch_pairs ? (te_w32_t *)scratch : (te_w32_t *)(void *)mem;
    if (scratch_pairs == 2) {
        col_b = col_a + 4 * nqt;
    } else if (npx == 4) {
        col_b = (te_w32_t *)(void *)(mem + (scratch_pairs ? 0 : pair_ents));
    }
    used = stack_pairs * pair_ents;
    if (cx.mode == TE_COL_GATHER || (cx.mode == TE_COL_ROWS && (fic & 3))) {
        cx.gath = (int8_t *)(void *)(mem + used);
        used += copy_ents;
    } else {
        cx.gath = NULL;
    }
    if (copy_last) {
        int8_t *copy = (int8_t *)(void *)(mem + used);
        used += copy_ents;
        memcpy(copy, filter + (out_c - 1) * k, (size_t)k);
        memset(copy + k, 0, (size_t)(4 * nqt + 4 - k));
        x.last_row = copy;
    }

    x.filter = filter;
    x.bias = bias;
    x.mult = p->mult;
    x.shift = p->shift;
    x.k = k;
    x.out_c = out_c;
    x.off = p->out_offset;
    x.lo = p->act_min;
    x.hi = p->act_max;
    x.full = x.lo == -128 && x.hi == 127;
    x.small = te_cv_small(p, bias, k, oc_begin, oc_end);
    x.mode = te_fast_rq_mode(p->mult + oc_begin, p->shift + oc_begin, range, p->out_offset);
    x.tbl = mem + used;
    x.ntbl = TE_CONV_STACK_ENTS - used;
    if (npx == 2 && x.ntbl > 1) {
        x.ntbl &= ~INT32_C(1);
    }
    a.col_a = col_a;
    a.col_b = col_b;
    a.cend = col_a + 4 * nqt;
    a.lo4 = (uint32_t)(uint8_t)x.lo * 0x01010101u;
    a.hi4 = (uint32_t)(uint8_t)x.hi * 0x01010101u;
    a.nqt = nqt;
    a.k = k;
    col[0] = col_a;
    col[1] = col_b;
#if TE_CONV_ASM
    if (x.small && !x.full) {
        x.kernel = npx == 4 ? te_conv2d_fast_k14c : te_conv2d_fast_k22c;
        a.entry = npx == 4 ? te_cv_entry(te_conv2d_fast_k14c_loop, 52, nqt) : te_cv_entry(te_conv2d_fast_k22c_loop, 60, nqt);
    } else if (npx == 4 && x.small && nqt <= 8) {
        x.kernel = te_conv2d_fast_k14s;
        a.entry = te_cv_entry(te_conv2d_fast_k14s_loop, 52, nqt);
    } else if (npx == 4) {
        x.kernel = x.small ? te_conv2d_fast_k14 : te_conv2d_fast_k14r;
        a.entry = te_cv_entry(x.small ? te_conv2d_fast_k14_loop : te_conv2d_fast_k14r_loop, 52, nqt);
    } else {
        x.kernel = x.small ? te_conv2d_fast_k22 : te_conv2d_fast_k22r;
        a.entry = te_cv_entry(x.small ? te_conv2d_fast_k22_loop : te_conv2d_fast_k22r_loop, 60, nqt);
    }
#else
    a.entry = NULL;
#endif
    /* Constants prepared once: for all channels if they fit, else for 1x1
     * layers (whose columns cost little to make again) in passes over all
     * pixels, a block of channels each, unless the output overwrites the
     * input (which wants every channel of a pixel before the next pixels);
     * else per block of pixels, or sums kept. */
    if (x.small &&
        (range <= x.ntbl || (cx.mode == TE_COL_PW && (const void *)input != (void *)output))) {
        int32_t c;
        for (c = oc_begin; c < oc_end; c += x.ntbl) {
            const int32_t c_end = oc_end - c < x.ntbl ? oc_end : c + x.ntbl;
            x.oc_begin = c;
            x.cached = 1;
            te_cv_fill(&x, x.tbl, c, c_end - c);
            x.direct = c_end <= x.c_end_asm && (npx == 4 || (fpg % 2 == 0 && c % 2 == 0 && c_end % 2 == 0));
            te_cv_pass(p, &cx, &x, &a, col, npx, input, output, c, c_end);
        }
    } else {
        x.oc_begin = oc_begin;
        x.cached = 0;
        x.direct = 0;
        te_cv_pass(p, &cx, &x, &a, col, npx, input, output, oc_begin, oc_end);
    }
}

#else
/* ==== other cores: pixel pairs x channel pairs in C ========================= */

#define TE_CONV_BLOCK 32

/* Per-call im2col constants (copied out of *p). */
typedef struct {
    int32_t in_h, in_w, in_c, k_h, k_w, dil_h, dil_w, fic, off;
} te_col_ctx_t;

/* Copies one output pixel's receptive field (one group's channels) into
 * column `slot` (columns one after the other). in_g: the batch's input plus
 * the group's first channel. */
static void te_im2col(const te_col_ctx_t *cx, int16_t *col, int32_t slot, const int8_t *in_g,
                      int32_t iy0, int32_t ix0, int32_t k)
{
    const int32_t fic = cx->fic, off = cx->off;
    const int32_t in_h = cx->in_h, in_w = cx->in_w, in_c = cx->in_c;
    int32_t ky, kx, i;
    int32_t t = 0;
    for (ky = 0; ky < cx->k_h; ++ky) {
        const int32_t iy = iy0 + cx->dil_h * ky;
        const int32_t row_in = iy >= 0 && iy < in_h;
        for (kx = 0; kx < cx->k_w; ++kx) {
            const int32_t ix = ix0 + cx->dil_w * kx;
            const int8_t *src = row_in && ix >= 0 && ix < in_w ? in_g + (iy * in_w + ix) * in_c : NULL;
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
            t += fic;
        }
    }
}

/* Sums of filter rows wa and wb = wa + k with both columns: acc[0..1] row a
 * pixels 0 and 1, acc[2..3] row b. */
TE_FAST_INLINE void te_mm2x2(const int8_t *wa, const int16_t *col, int32_t k, int32_t acc[4])
{
    const int8_t *wb = wa + k;
    const int16_t *c0 = col;
    const int16_t *c1 = col + k;
    int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    int32_t t = 0;
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
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = b0;
    acc[3] = b1;
}

/* One filter row against both columns (the odd last channel of a block). */
TE_FAST_INLINE void te_mm1x2(const int8_t *wa, const int16_t *col, int32_t k, int32_t acc[2])
{
    const int16_t *c0 = col;
    const int16_t *c1 = col + k;
    int32_t a0 = 0, a1 = 0;
    int32_t t = 0;
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
    acc[0] = a0;
    acc[1] = a1;
}

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

/* The C kernel: pixel pairs; scratch: scratch_bytes bytes, or none. */
static void te_conv_pairs(const te_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                          int8_t *output, void *scratch, int32_t scratch_bytes)
{
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
    x.bias = bias;
    x.mult = p->mult;
    x.shift = p->shift;
    x.k = p->k_h * p->k_w * fic;
    if (col == NULL || scratch_bytes < 4 * x.k) { /* the planner gave no scratch (it would have raised the arena's peak) */
        if (4 * x.k > (int32_t)sizeof(stack_col)) {
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
#endif

/* ---- the kernel ------------------------------------------------------------ */

void te_conv2d_fast_run(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output, void *scratch, int32_t scratch_bytes)
{
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : p->out_c;
    if (te_fast_rq_mode(p->mult + oc_begin, p->shift + oc_begin, oc_end - oc_begin, p->out_offset) == 0) {
        te_conv_plain(p, input, filter, bias, output, oc_begin, oc_end);
        return;
    }
#if TE_FAST_DSP
    te_conv_dsp(p, input, filter, bias, output, scratch, scratch ? scratch_bytes : 0);
#else
    te_conv_pairs(p, input, filter, bias, output, scratch, scratch ? scratch_bytes : 0);
#endif
}

void te_conv2d_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                       const int32_t *bias, int8_t *output, void *scratch)
{
#if defined(__AVR__) /* weights in PROGMEM: only the reference reads them through TE_READ_* */
    (void)scratch;
    te_conv2d_s8(p, input, filter, bias, output);
    return;
#else
    te_conv2d_fast_run(p, input, filter, bias, output, scratch,
                       TE_CONV2D_FAST_SCRATCH(p->k_h, p->k_w, p->filter_in_c));
#endif
}
