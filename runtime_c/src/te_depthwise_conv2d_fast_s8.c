/* DEPTHWISE_CONV_2D, int8 per-channel, fast: bit-exact with the reference
 * te_depthwise_conv2d_s8 (the oracle) for every shape it takes.
 *
 * Portable path (host, M0+, M3, and the DSP path's fallback): per output
 * pixel the in-bounds taps are worked out once, then each tap is one loop
 * over the channels (contiguous in input, filter and output) into int32
 * accumulators on the stack, which gcc -O3 vectorizes; the requantization
 * is te_requantize_small where it applies, else te_fast_requantize.
 *
 * DSP path (M4, M7, M33, M55; in_c >= 4): blocks of 4 channels in
 * registers, in inline assembly (gcc cannot keep that many values in
 * registers; see "DSP path" below): about 3 instructions per MAC for 3x3,
 * against about 36 for the reference.
 *
 * A channel range [oc_begin, oc_end) (te_kernels.h): the portable path
 * takes any range (its chunks start at oc_begin); the DSP path takes ranges
 * with depth multiplier 1 at least 4 channels wide (its blocks start at
 * oc_begin, a last block on the range's last 4 channels), others go to the
 * portable path. Filter, bias and requantization stay absolute.
 */
#include <string.h>

#include "tinyedge/te_kernels_fast.h"
#include "te_fixedpoint.h"
#include "te_fast_requant.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TE_DW_DSP 1
#else
#define TE_DW_DSP 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TE_DW_NOINLINE __attribute__((noinline))
#else
#define TE_DW_NOINLINE
#endif

/* Targets that gcc vectorizes for (SSE2, NEON): te_dw_portable multiplies in
 * int16 lanes; scalar cores keep int32 multiplies (no truncations).
 * (-DTE_DW_VECTOR=0 tests the latter on a host.) */
#ifndef TE_DW_VECTOR
#if defined(__SSE2__) || defined(__ARM_NEON) || defined(__ARM_NEON__) || defined(__AVX__)
#define TE_DW_VECTOR 1
#else
#define TE_DW_VECTOR 0
#endif
#endif

/* portable path: channels accumulated per pass (int32 each, on the stack) */
#define TE_DW_ROW 64

/* [*lo, *hi): the taps k (< ksize) with 0 <= pos + dil * k < size */
static void te_dw_taps(int32_t pos, int32_t dil, int32_t ksize, int32_t size, int32_t *lo, int32_t *hi)
{
    int32_t a = pos < 0 ? (dil - 1 - pos) / dil : 0;
    int32_t b = size - pos > 0 ? (size - pos + dil - 1) / dil : 0;
    b = b < ksize ? b : ksize;
    *lo = a < b ? a : b;
    *hi = b;
}

/* acc[j] += f[j] * (x[j] + off), j < n, in int16 lanes (|f (x + off)| <=
 * 128 * 255 when off is in [-127, 128]); in blocks of 16 so that gcc -O2's
 * cheap vectorizer takes them too. */
static inline void te_dw_mac16(int32_t *restrict acc, const int8_t *restrict f, const int8_t *restrict x,
                               int32_t off, int32_t n)
{
    int32_t j = 0, k;
    for (; j + 16 <= n; j += 16) {
        for (k = 0; k < 16; ++k) {
            acc[j + k] += (int16_t)((int32_t)f[j + k] * (int16_t)(x[j + k] + off));
        }
    }
    for (; j < n; ++j) {
        acc[j] += (int16_t)((int32_t)f[j] * (int16_t)(x[j] + off));
    }
}

/* the same with the inputs plus offset given (depth multiplier > 1) */
static inline void te_dw_mac16x(int32_t *restrict acc, const int8_t *restrict f, const int32_t *restrict x,
                                int32_t n)
{
    int32_t j = 0, k;
    for (; j + 16 <= n; j += 16) {
        for (k = 0; k < 16; ++k) {
            acc[j + k] += (int16_t)((int32_t)f[j + k] * (int16_t)x[j + k]);
        }
    }
    for (; j < n; ++j) {
        acc[j] += (int16_t)((int32_t)f[j] * (int16_t)x[j]);
    }
}

/* Any depth multiplier, TE_DW_ROW output channels at a time: per chunk, the
 * requantization constants (te_requantize_small's rounding term, or 0 for
 * te_fast_requantize), then the pixels. Output channels [oc_begin, oc_end). */
static void te_dw_portable(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output, int32_t oc_begin, int32_t oc_end)
{
    /* locals: the int8 stores to output could alias *p */
    const int32_t dm = p->depth_mult, off = p->in_offset, out_off = p->out_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    const int32_t in_c = p->in_c, out_c = p->out_c, in_h = p->in_h, in_w = p->in_w, k_w = p->k_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w;
    const int32_t *mult = p->mult, *shift = p->shift;
    const int32_t small_ok = out_off >= -256 && out_off <= 256;
    const int32_t mul16 = TE_DW_VECTOR && off >= -127 && off <= 128;
    int32_t acc[TE_DW_ROW], round[TE_DW_ROW], xe[TE_DW_ROW];
    int32_t b, oy, ox, ky, kx, ky0, ky1, kx0, kx1, c0, n, j;
    for (c0 = oc_begin; c0 < oc_end; c0 += n) {
        n = oc_end - c0 < TE_DW_ROW ? oc_end - c0 : TE_DW_ROW;
        for (j = 0; j < n; ++j) { /* 2^right (1 + 2 out_off) is never 0 */
            const int32_t sh = shift[c0 + j];
            round[j] = small_ok && mult[c0 + j] > 0 && sh <= 0 && sh >= -21 ? te_requant_round(-sh, out_off) : 0;
        }
        for (b = 0; b < p->batches; ++b) {
            for (oy = 0; oy < p->out_h; ++oy) {
                const int32_t iy0 = oy * p->stride_h - p->pad_h;
                te_dw_taps(iy0, dil_h, p->k_h, in_h, &ky0, &ky1);
                for (ox = 0; ox < p->out_w; ++ox) {
                    const int32_t ix0 = ox * p->stride_w - p->pad_w;
                    int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * out_c + c0;
                    te_dw_taps(ix0, dil_w, k_w, in_w, &kx0, &kx1);
                    for (j = 0; j < n; ++j) {
                        acc[j] = bias ? bias[c0 + j] : 0;
                    }
                    for (ky = ky0; ky < ky1; ++ky) {
                        const int32_t iy = iy0 + dil_h * ky;
                        for (kx = kx0; kx < kx1; ++kx) {
                            const int8_t *ip = input + ((b * in_h + iy) * in_w + ix0 + dil_w * kx) * in_c;
                            const int8_t *fp = filter + (ky * k_w + kx) * out_c + c0;
                            if (dm == 1 && mul16) {
                                te_dw_mac16(acc, fp, ip + c0, off, n);
                            } else if (dm == 1) {
                                ip += c0;
                                for (j = 0; j < n; ++j) {
                                    acc[j] += (int32_t)fp[j] * ((int32_t)ip[j] + off);
                                }
                            } else { /* each input for its dm outputs, then as above */
                                int32_t ic = c0 / dm, m = c0 - ic * dm;
                                for (j = 0; j < n; ++j) {
                                    xe[j] = (int32_t)ip[ic] + off;
                                    if (++m == dm) {
                                        m = 0;
                                        ++ic;
                                    }
                                }
                                if (mul16) {
                                    te_dw_mac16x(acc, fp, xe, n);
                                } else {
                                    for (j = 0; j < n; ++j) {
                                        acc[j] += (int32_t)fp[j] * xe[j];
                                    }
                                }
                            }
                        }
                    }
                    for (j = 0; j < n; ++j) {
                        const int32_t a = acc[j];
                        const int32_t v = round[j] != 0 && (uint32_t)a + 0x40000000u < 0x80000000u
                                              ? te_requantize_small(2 * a, mult[c0 + j], -shift[c0 + j], round[j])
                                              : te_fast_requantize(a, mult[c0 + j], shift[c0 + j]) + out_off;
                        out[j] = (int8_t)te_clamp_s32(v, act_min, act_max);
                    }
                }
            }
        }
    }
}

#if TE_DW_DSP

/* ---- DSP path -------------------------------------------------------------
 * Per call, te_dw_prepare turns the filter and the per-channel constants of a
 * chunk of channels into a stack buffer of records, one per block of 4
 * channels, that the assembly reads with immediate offsets:
 * - the filter doubled and widened to int16 pairs, two taps A B of a channel
 *   in a word [2 fA, 2 fB] for SMLAD (3x3: pairs (0 1) (3 4) (6 7) (2 5), then
 *   tap 8 as [2 f0, 2 f2] [2 f1, 2 f3]; other kernels: (0 1) (2 3) ..., an odd
 *   last tap paired with a zero);
 * - the start values 2 * (bias + in_offset * sum of the taps): the input
 *   offset is folded in, and taps in the padding read pad bytes of value
 *   -in_offset, which cancel it (so in_offset must be in [-127, 128]);
 * - per channel the multiplier, the right shift and te_requant_round, for
 *   te_requantize_small on the doubled accumulator (one SMMLAR).
 * A pair of taps costs 14 instructions for 8 MACs: two LDR of input quads,
 * PKHBT/PKHTB to [a0 a1 b0 b1] [a2 a3 b2 b3], four SXTB16 to [a0 b0] [a1 b1]
 * [a2 b2] [a3 b3], two LDRD of filter words, four SMLAD. Then per channel 6
 * (LDM of its constants, rounding term, SMMLAR, shift, SSAT), and for the 4
 * outputs BFI x3, SSUB8/SEL when act_min/act_max are narrower than int8, STR.
 * Depth multiplier m > 1: one pass per m over the input channels, outputs
 * scattered; in_c % 4 channels: one more block on the last 4 channels.
 * Input and output quads are unaligned LDR/STR (as CMSIS-NN). Stack: about
 * 1.9 KB, most of it the records (-DTE_DW_BLOCKS=4 halves them, for ~10%
 * more instructions on narrow layers). */

/* record of a block of 4 channels, in words */
#define TE_DW_B_KBIAS 0   /* start values */
#define TE_DW_B_RQ 4      /* per channel: mult, right shift, rounding term */
#define TE_DW_B_FILTER 16 /* filter words */
#define TE_DW_REC3X3 (TE_DW_B_FILTER + 18)
/* the buffer: TE_DW_BLOCKS records of a 3x3 kernel (1088 bytes for 8), fewer
 * for larger kernels; a chunk is at most TE_DW_BLOCKS blocks */
#ifndef TE_DW_BLOCKS
#define TE_DW_BLOCKS 8
#endif
#define TE_DW_BUF (TE_DW_BLOCKS * TE_DW_REC3X3)
/* other kernels: taps (rounded up to even) in ctx->tap */
#define TE_DW_MAXTAPS 50

/* What the assembly reads and updates (byte offsets in the strings below). */
typedef struct {
    int32_t xs;         /* 0: input step between kernel columns */
    int32_t ys;         /* 4: between kernel rows */
    int32_t delta;      /* 8: output address - input address */
    int32_t dstep;      /* 12: change of delta from one pixel to the next */
    uint32_t lo8, hi8;  /* 16, 20: act_min, act_max in every byte */
    const int32_t *end; /* 24: past the last record */
    const int32_t *rec; /* 28: the first record */
    int32_t pstep;      /* 32: input step to the next pixel, less 4 per block */
    int32_t count;      /* 36: pixels left in the run */
    int32_t npairs;     /* 40: pairs of taps (other kernels) */
    int32_t tap[TE_DW_MAXTAPS]; /* 44: per tap, input offset from pin (to pad when outside) */
} te_dw_ctx_t;
/* the assembly's offsets: a compile error if the layout differs */
typedef char te_dw_ctx_layout[offsetof(te_dw_ctx_t, tap) == 44 ? 1 : -1];

static inline int32_t te_dw_sxtb16_ror8(uint32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* the filter bytes of 4 channels at f, dm apart */
static inline uint32_t te_dw_fword(const int8_t *f, int32_t dm)
{
    uint32_t v;
    if (dm == 1) {
        memcpy(&v, f, 4);
        return v;
    }
    return (uint32_t)(uint8_t)f[0] | ((uint32_t)(uint8_t)f[dm] << 8) | ((uint32_t)(uint8_t)f[2 * dm] << 16) |
           ((uint32_t)(uint8_t)f[3 * dm] << 24);
}

/* Taps A B (filter words ra rb) of 4 channels for SMLAD: per channel c0..c3
 * a word [2 fA, 2 fB]; their sums added to se [c0 c2], so [c1 c3]. */
static inline void te_dw_pair(int32_t *fr, uint32_t ra, uint32_t rb, int32_t *se, int32_t *so)
{
    const int32_t ea = __sxtb16(ra), oa = te_dw_sxtb16_ror8(ra);
    const int32_t eb = __sxtb16(rb), ob = te_dw_sxtb16_ror8(rb);
    const uint32_t ea2 = (uint32_t)__sadd16(ea, ea), oa2 = (uint32_t)__sadd16(oa, oa);
    const uint32_t eb2 = (uint32_t)__sadd16(eb, eb), ob2 = (uint32_t)__sadd16(ob, ob);
    *se = __sadd16(*se, __sadd16(ea, eb)); /* |sum| <= 128 taps fits */
    *so = __sadd16(*so, __sadd16(oa, ob));
    fr[0] = (int32_t)((ea2 & 0xFFFFu) | (eb2 << 16));
    fr[1] = (int32_t)((oa2 & 0xFFFFu) | (ob2 << 16));
    fr[2] = (int32_t)((eb2 & 0xFFFF0000u) | (ea2 >> 16));
    fr[3] = (int32_t)((ob2 & 0xFFFF0000u) | (oa2 >> 16));
}

/* The filter words of a record from the taps at f (out_c apart, channels
 * dm apart), and their sums ([c0 c2], [c1 c3]) in sums. Inlined with dm 1 a
 * constant. */
static inline void te_dw_prepare_filter(int32_t *fr, const int8_t *f, int32_t out_c, int32_t dm, int32_t taps,
                                        int32_t is3x3, int32_t *sums)
{
    int32_t se = 0, so = 0, t;
    if (is3x3) {
        const uint32_t r8 = te_dw_fword(f + 8 * out_c, dm);
        const int32_t e8 = __sxtb16(r8), o8 = te_dw_sxtb16_ror8(r8);
        te_dw_pair(fr, te_dw_fword(f, dm), te_dw_fword(f + out_c, dm), &se, &so);
        te_dw_pair(fr + 4, te_dw_fword(f + 3 * out_c, dm), te_dw_fword(f + 4 * out_c, dm), &se, &so);
        te_dw_pair(fr + 8, te_dw_fword(f + 6 * out_c, dm), te_dw_fword(f + 7 * out_c, dm), &se, &so);
        te_dw_pair(fr + 12, te_dw_fword(f + 2 * out_c, dm), te_dw_fword(f + 5 * out_c, dm), &se, &so);
        se = __sadd16(se, e8);
        so = __sadd16(so, o8);
        fr[16] = __sadd16(e8, e8);
        fr[17] = __sadd16(o8, o8);
    } else {
        for (t = 0; t < taps; t += 2, fr += 4, f += 2 * out_c) {
            te_dw_pair(fr, te_dw_fword(f, dm), t + 1 < taps ? te_dw_fword(f + out_c, dm) : 0, &se, &so);
        }
    }
    sums[0] = (int16_t)se; /* channels 0 1 2 3 */
    sums[1] = (int16_t)so;
    sums[2] = se >> 16;
    sums[3] = so >> 16;
}

/* Fills the records of nblk blocks from input channel ic0, depth index m
 * (block channel j: input channel ic0 + 4 b + j, output (ic0 + 4 b + j) dm
 * + m); 0 when a channel is outside te_requantize_small's conditions (blim
 * bounds the bias so that the accumulators stay within +-2^30 before
 * doubling). Not inlined: its registers to itself. */
TE_DW_NOINLINE static int32_t te_dw_prepare(const te_conv_params_t *p, const int8_t *filter, const int32_t *bias,
                                            int32_t ic0, int32_t nblk, int32_t m, int32_t blim, int32_t *rec)
{
    const int32_t out_c = p->out_c, dm = p->depth_mult, in_off = p->in_offset;
    const uint32_t odd = 2u * (uint32_t)p->out_offset + 1u; /* te_requant_round: odd << right */
    const int32_t taps = p->k_h * p->k_w, is3x3 = p->k_h == 3 && p->k_w == 3;
    const int32_t recw = is3x3 ? TE_DW_REC3X3 : TE_DW_B_FILTER + 4 * ((taps + 1) / 2);
    const uint32_t brange = 2u * (uint32_t)blim;
    const int32_t *mult = p->mult, *shift = p->shift;
    int32_t b, i;
    for (b = 0; b < nblk; ++b, rec += recw) {
        int32_t oc = (ic0 + 4 * b) * dm + m;
        int32_t *rq = rec + TE_DW_B_RQ;
        if (dm == 1) {
            te_dw_prepare_filter(rec + TE_DW_B_FILTER, filter + oc, out_c, 1, taps, is3x3, rec + TE_DW_B_KBIAS);
        } else {
            te_dw_prepare_filter(rec + TE_DW_B_FILTER, filter + oc, out_c, dm, taps, is3x3, rec + TE_DW_B_KBIAS);
        }
        for (i = 0; i < 4; ++i, oc += dm, rq += 3) {
            const int32_t mu = mult[oc];
            const uint32_t right = 0u - (uint32_t)shift[oc];
            const int32_t bb = bias ? bias[oc] : 0;
            if (mu <= 0 || right > 21u || (uint32_t)bb + (uint32_t)blim > brange) {
                return 0;
            }
            rec[TE_DW_B_KBIAS + i] = 2 * (bb + rec[TE_DW_B_KBIAS + i] * in_off); /* the sum was there */
            rq[0] = mu;
            rq[1] = (int32_t)right;
            rq[2] = (int32_t)(odd << right);
        }
    }
    return 1;
}

/* ---- the assembly: the blocks of a run of pixels ---------------------------
 * r4 r5 r6 r8: the accumulators of channels 0..3; r9 r10 r11 lr and the row
 * operand: temporaries; r7 (maybe the frame pointer, so saved on the stack
 * and the operands pinned to r0-r3 r12): ys, or the tap counter. */
#define TE_DW_S(x) #x
#define TE_DW_STR(x) TE_DW_S(x)
/* SMLAD of the quads in r9 (tap A) r10 (tap B) with the filter words:
 * MAC01 loads those of channels 0 1 and accumulates [a0 b0] (r10) and
 * [a1 b1] (r11), FW23 loads those of channels 2 3 into lr r11 */
#define TE_DW_PAIR_ASM(MAC01, FW23)        \
    "pkhbt r11, r9, r10, lsl #16\n\t"      \
    "pkhtb r9, r10, r9, asr #16\n\t"       \
    "sxtb16 r10, r11\n\t"                  \
    "sxtb16 r11, r11, ror #8\n\t"          \
    MAC01                                  \
    "sxtb16 r10, r9\n\t"                   \
    "sxtb16 r9, r9, ror #8\n\t"            \
    FW23                                   \
    "smlad r6, r10, lr, r6\n\t"            \
    "smlad r8, r9, r11, r8\n\t"
/* 3x3 pair k: filter words at immediate offsets */
#define TE_DW_PAIR3_ASM(LOAD, k)                                                                    \
    LOAD TE_DW_PAIR_ASM("ldrd lr, %[row], [%[blk], #" TE_DW_STR(4 * TE_DW_B_FILTER + 16 * k) "]\n\t" \
                        "smlad r4, r10, lr, r4\n\t"                                                 \
                        "smlad r5, r11, %[row], r5\n\t",                                            \
                        "ldrd lr, r11, [%[blk], #" TE_DW_STR(4 * TE_DW_B_FILTER + 16 * k + 8) "]\n\t")
/* 3x3 tap 8, its quad loaded into r9 by LOAD: [c0 c2] [c1 c3] */
#define TE_DW_TAP8_ASM(LOAD)                                                          \
    LOAD                                                                              \
    "sxtb16 r10, r9\n\t"                                                              \
    "sxtb16 r9, r9, ror #8\n\t"                                                       \
    "ldrd r11, lr, [%[blk], #" TE_DW_STR(4 * TE_DW_B_FILTER + 64) "]\n\t"             \
    "smlabb r4, r11, r10, r4\n\t"                                                     \
    "smlatt r6, r11, r10, r6\n\t"                                                     \
    "smlabb r5, lr, r9, r5\n\t"                                                       \
    "smlatt r8, lr, r9, r8\n\t"
/* the quad of 3x3 tap k through the offset table into register r */
#define TE_DW_LDT(r, k) "ldr " r ", [%[ctx], #" TE_DW_STR(44 + 4 * k) "]\n\tldr " r ", [%[pin], " r "]\n\t"
/* 3x3, all taps inside: rows at pin, pin + ys, pin + 2 ys (ys in r7), columns
 * xs (in aux) apart */
#define TE_DW_INNER_TAPS                                                                                   \
    TE_DW_PAIR3_ASM("ldr r9, [%[pin]]\n\tldr r10, [%[pin], %[aux]]\n\t", 0)                                  \
    TE_DW_PAIR3_ASM("add %[row], %[pin], r7\n\tldr r9, [%[row]]\n\tldr r10, [%[row], %[aux]]\n\t", 1)        \
    TE_DW_PAIR3_ASM("add %[row], %[pin], r7, lsl #1\n\tldr r9, [%[row]]\n\tldr r10, [%[row], %[aux]]\n\t", 2) \
    TE_DW_PAIR3_ASM("add %[row], %[pin], %[aux], lsl #1\n\tldr r9, [%[row]]\n\tldr r10, [%[row], r7]\n\t", 3) \
    TE_DW_TAP8_ASM("add %[row], %[pin], %[aux], lsl #1\n\tldr r9, [%[row], r7, lsl #1]\n\t")
/* 3x3, taps in the padding: through the offset table */
#define TE_DW_EDGE_TAPS                                              \
    TE_DW_PAIR3_ASM(TE_DW_LDT("r9", 0) TE_DW_LDT("r10", 1), 0)       \
    TE_DW_PAIR3_ASM(TE_DW_LDT("r9", 3) TE_DW_LDT("r10", 4), 1)       \
    TE_DW_PAIR3_ASM(TE_DW_LDT("r9", 6) TE_DW_LDT("r10", 7), 2)       \
    TE_DW_PAIR3_ASM(TE_DW_LDT("r9", 2) TE_DW_LDT("r10", 5), 3)       \
    TE_DW_TAP8_ASM(TE_DW_LDT("r9", 8))
/* other kernels: ctx->npairs pairs through the offset table (row, r7
 * counts), filter words at aux (r12), which ends on the next record */
#define TE_DW_TABLE_TAPS                                              \
    "ldr r7, [%[ctx], #40]\n\t"                                       \
    "add %[row], %[ctx], #44\n\t"                                     \
    "add %[aux], %[blk], #" TE_DW_STR(4 * TE_DW_B_FILTER) "\n\t"      \
    "2:\n\t"                                                          \
    "ldr r9, [%[row]], #4\n\t"                                        \
    "ldr r10, [%[row]], #4\n\t"                                       \
    "ldr r9, [%[pin], r9]\n\t"                                        \
    "ldr r10, [%[pin], r10]\n\t"                                      \
    TE_DW_PAIR_ASM("ldr lr, [%[aux]], #4\n\t"                         \
                   "smlad r4, r10, lr, r4\n\t"                        \
                   "ldr lr, [%[aux]], #4\n\t"                         \
                   "smlad r5, r11, lr, r5\n\t",                       \
                   "ldrd lr, r11, [%[aux]], #8\n\t")                  \
    "subs r7, r7, #1\n\t"                                             \
    "bne 2b\n\t"
/* the channel in register a: requantize (r9 mult, r10 right, r11 round) */
#define TE_DW_RQ_ASM(a)                        \
    "ldm %[row]!, {r9, r10, r11}\n\t"          \
    "add r11, r11, " a ", asr #31\n\t"         \
    "asr r11, r11, #1\n\t"                     \
    "smmlar " a ", " a ", r9, r11\n\t"         \
    "asr " a ", " a ", r10\n\t"                \
    "ssat " a ", #8, " a "\n\t"
/* act_min..act_max bytewise (SSUB8 sets GE, SEL picks), when narrower than int8 */
#define TE_DW_CLAMP_ASM               \
    "ldrd r9, r10, [%[ctx], #16]\n\t" \
    "ssub8 r11, r4, r9\n\t"           \
    "sel r4, r4, r9\n\t"              \
    "ssub8 r11, r10, r4\n\t"          \
    "sel r4, r4, r10\n\t"
/* start values, TAPS, requantize, pack, CLAMP, store; NEXT record, next
 * block; next pixel of the run */
#define TE_DW_LOOP_ASM(TAPS, NEXT, CLAMP)                                        \
    "push {r7}\n\t"                                                              \
    "ldr r7, [%[ctx], #4]\n\t"                                                   \
    "1:\n\t"                                                                     \
    "ldrd r4, r5, [%[blk]]\n\t"                                                  \
    "ldrd r6, r8, [%[blk], #8]\n\t"                                              \
    TAPS                                                                         \
    "add %[row], %[blk], #" TE_DW_STR(4 * TE_DW_B_RQ) "\n\t"                     \
    TE_DW_RQ_ASM("r4") TE_DW_RQ_ASM("r5") TE_DW_RQ_ASM("r6") TE_DW_RQ_ASM("r8")  \
    "bfi r4, r5, #8, #8\n\t"                                                     \
    "bfi r4, r6, #16, #8\n\t"                                                    \
    "bfi r4, r8, #24, #8\n\t"                                                    \
    CLAMP                                                                        \
    "ldr r11, [%[ctx], #8]\n\t"                                                  \
    "str r4, [%[pin], r11]\n\t"                                                  \
    "ldr r9, [%[ctx], #24]\n\t"                                                  \
    NEXT                                                                         \
    "add %[pin], %[pin], #4\n\t"                                                 \
    "cmp %[blk], r9\n\t"                                                         \
    "bne 1b\n\t"                                                                 \
    "ldrd r9, r10, [%[ctx], #32]\n\t"                                            \
    "add %[pin], %[pin], r9\n\t"                                                 \
    "ldrd r9, r11, [%[ctx], #8]\n\t"                                             \
    "add r9, r9, r11\n\t"                                                        \
    "str r9, [%[ctx], #8]\n\t"                                                   \
    "ldr %[blk], [%[ctx], #28]\n\t"                                              \
    "subs r10, r10, #1\n\t"                                                      \
    "str r10, [%[ctx], #36]\n\t"                                                 \
    "bne 1b\n\t"                                                                 \
    "pop {r7}"
#define TE_DW_NEXT3X3 "add %[blk], %[blk], #" TE_DW_STR(4 * TE_DW_REC3X3) "\n\t"
#define TE_DW_CLOBBERS "r4", "r5", "r6", "r8", "r9", "r10", "r11", "lr", "cc", "memory"

enum { TE_DW_INNER, TE_DW_EDGE, TE_DW_TABLE };

/* ctx->count pixels from pin: kind TE_DW_INNER (3x3, all taps inside),
 * TE_DW_EDGE (3x3, ctx->tap) or TE_DW_TABLE (other kernels, ctx->tap) */
static void te_dw_asm(const int8_t *pin0, te_dw_ctx_t *ctx0, int32_t kind, int32_t clamp)
{
    register const int8_t *pin __asm__("r0") = pin0;
    register const int32_t *blk __asm__("r1") = ctx0->rec;
    register const int8_t *row __asm__("r2");
    register te_dw_ctx_t *ctx __asm__("r3") = ctx0;
    register int32_t aux __asm__("r12") = ctx0->xs; /* TE_DW_TABLE: the filter pointer */
#define TE_DW_ASM(TAPS, NEXT, CLAMP)                                                       \
    __asm__ volatile(TE_DW_LOOP_ASM(TAPS, NEXT, CLAMP)                                     \
                     : [pin] "+r"(pin), [blk] "+r"(blk), [row] "=&r"(row), [aux] "+r"(aux) \
                     : [ctx] "r"(ctx)                                                      \
                     : TE_DW_CLOBBERS)
    if (kind == TE_DW_INNER) {
        if (clamp) {
            TE_DW_ASM(TE_DW_INNER_TAPS, TE_DW_NEXT3X3, TE_DW_CLAMP_ASM);
        } else {
            TE_DW_ASM(TE_DW_INNER_TAPS, TE_DW_NEXT3X3, "");
        }
    } else if (kind == TE_DW_EDGE) {
        if (clamp) {
            TE_DW_ASM(TE_DW_EDGE_TAPS, TE_DW_NEXT3X3, TE_DW_CLAMP_ASM);
        } else {
            TE_DW_ASM(TE_DW_EDGE_TAPS, TE_DW_NEXT3X3, "");
        }
    } else {
        if (clamp) {
            TE_DW_ASM(TE_DW_TABLE_TAPS, "mov %[blk], %[aux]\n\t", TE_DW_CLAMP_ASM);
        } else {
            TE_DW_ASM(TE_DW_TABLE_TAPS, "mov %[blk], %[aux]\n\t", "");
        }
    }
#undef TE_DW_ASM
}

/* The output pixels of one chunk: nblk blocks of records rec (recw words
 * each) from input channel ic0, depth index m. */
static void te_dw_run(const te_conv_params_t *p, const int8_t *input, int8_t *output, int32_t ic0, int32_t nblk,
                      int32_t m, const int32_t *rec, int32_t recw, te_dw_ctx_t *ctx, const int8_t *pad, int32_t clamp)
{
    /* locals: the stores to ctx could alias *p */
    const int32_t in_c = p->in_c, out_c = p->out_c, in_w = p->in_w, in_h = p->in_h;
    const int32_t out_w = p->out_w, out_h = p->out_h, k_w = p->k_w, k_h = p->k_h;
    const int32_t dil_w = p->dil_w, dil_h = p->dil_h, stride_w = p->stride_w, stride_h = p->stride_h;
    const int32_t pad_w = p->pad_w, pad_h = p->pad_h, dm = p->depth_mult;
    const int32_t row = in_w * in_c, sx = stride_w * in_c, n = 4 * nblk, taps = k_h * k_w;
    const int32_t kind_in = k_h == 3 && k_w == 3 ? TE_DW_INNER : TE_DW_TABLE;
    const int32_t kind_edge = kind_in == TE_DW_INNER ? TE_DW_EDGE : TE_DW_TABLE;
    const int32_t span_w = (k_w - 1) * dil_w, span_h = (k_h - 1) * dil_h;
    /* output columns whose taps are all inside: [ox_lo, ox_hi) */
    const int32_t ox_lo = pad_w > 0 ? (pad_w + stride_w - 1) / stride_w : 0;
    int32_t ox_hi = in_w - 1 - span_w + pad_w >= 0 ? (in_w - 1 - span_w + pad_w) / stride_w + 1 : 0;
    int8_t tmp[4 * TE_DW_BLOCKS]; /* depth multiplier > 1: a pixel's outputs, then scattered */
    int32_t b, oy, ox, ky, kx, t, j, inner_table = 0;
    ox_hi = ox_hi < out_w ? ox_hi : out_w;
    ox_hi = ox_hi > ox_lo ? ox_hi : ox_lo;
    ctx->xs = dil_w * in_c;
    ctx->ys = dil_h * row;
    ctx->rec = rec;
    ctx->end = rec + nblk * recw;
    ctx->pstep = sx - n;
    ctx->dstep = out_c - sx;
    ctx->npairs = (taps + 1) / 2;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *image = input + b * in_h * row + ic0;
        const int32_t padoff = (int32_t)((uintptr_t)pad - (uintptr_t)image);
        int8_t *pix = output + b * out_h * out_w * out_c + ic0 * dm + m; /* the chunk's first output in the pixel */
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * stride_h - pad_h;
            const int32_t full = iy0 >= 0 && iy0 + span_h < in_h;
            for (ox = 0; ox < out_w; ++ox, pix += out_c) {
                const int32_t ix0 = ox * stride_w - pad_w;
                int8_t *dst = dm == 1 ? pix : tmp;
                if (full && ox >= ox_lo && ox < ox_hi) { /* all taps inside */
                    const int8_t *pin = image + iy0 * row + ix0 * in_c;
                    if (kind_in == TE_DW_TABLE && !inner_table) { /* offsets from pin */
                        for (ky = 0, t = 0; ky < k_h; ++ky) {
                            for (kx = 0; kx < k_w; ++kx, ++t) {
                                ctx->tap[t] = ky * ctx->ys + kx * ctx->xs;
                            }
                        }
                        if (taps & 1) {
                            ctx->tap[taps] = 0; /* its filter is zero */
                        }
                        inner_table = 1;
                    }
                    ctx->count = dm == 1 ? ox_hi - ox : 1; /* the run to ox_hi */
                    ctx->delta = (int32_t)((uintptr_t)dst - (uintptr_t)pin);
                    te_dw_asm(pin, ctx, kind_in, clamp);
                    if (dm == 1) {
                        pix += (ox_hi - 1 - ox) * out_c;
                        ox = ox_hi - 1;
                        continue;
                    }
                } else if (kind_edge == TE_DW_EDGE) { /* 3x3: offsets from image, the taps outside read pad */
                    const int32_t ix1 = ix0 + dil_w, ix2 = ix1 + dil_w;
                    const int32_t x0 = (uint32_t)ix0 < (uint32_t)in_w, x1 = (uint32_t)ix1 < (uint32_t)in_w;
                    const int32_t x2 = (uint32_t)ix2 < (uint32_t)in_w;
                    int32_t *tap = ctx->tap;
                    for (ky = 0; ky < 3; ++ky, tap += 3) {
                        const int32_t iy = iy0 + ky * dil_h;
                        const int32_t y = (uint32_t)iy < (uint32_t)in_h;
                        tap[0] = x0 & y ? iy * row + ix0 * in_c : padoff;
                        tap[1] = x1 & y ? iy * row + ix1 * in_c : padoff;
                        tap[2] = x2 & y ? iy * row + ix2 * in_c : padoff;
                    }
                    ctx->count = 1;
                    ctx->delta = (int32_t)((uintptr_t)dst - (uintptr_t)image);
                    te_dw_asm(image, ctx, TE_DW_EDGE, clamp);
                } else { /* offsets from image; the taps outside read pad */
                    for (ky = 0, t = 0; ky < k_h; ++ky) {
                        const int32_t iy = iy0 + ky * dil_h;
                        const int32_t yin = (uint32_t)iy < (uint32_t)in_h;
                        for (kx = 0; kx < k_w; ++kx, ++t) {
                            const int32_t ix = ix0 + kx * dil_w;
                            ctx->tap[t] = yin && (uint32_t)ix < (uint32_t)in_w ? iy * row + ix * in_c : padoff;
                        }
                    }
                    if (taps & 1) {
                        ctx->tap[taps] = padoff;
                    }
                    inner_table = 0;
                    ctx->count = 1;
                    ctx->delta = (int32_t)((uintptr_t)dst - (uintptr_t)image);
                    te_dw_asm(image, ctx, TE_DW_TABLE, clamp);
                }
                for (j = 0; j < n && dm > 1; ++j) {
                    pix[j * dm] = tmp[j];
                }
            }
        }
    }
}

/* Through the DSP path: 0 (nothing or part of the range written) when the
 * layer or the range [oc_begin, oc_end) does not fit it. */
static int32_t te_dw_dsp(const te_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                         int8_t *output, int32_t oc_begin, int32_t oc_end)
{
    int32_t rec[TE_DW_BUF];
    int8_t pad[4 * TE_DW_BLOCKS];
    te_dw_ctx_t ctx;
    const int32_t taps = p->k_h * p->k_w, off = p->in_offset, in_c = p->in_c;
    const int32_t recw = p->k_h == 3 && p->k_w == 3 ? TE_DW_REC3X3 : TE_DW_B_FILTER + 4 * ((taps + 1) / 2);
    /* blocks per chunk: as many records as fit, at most TE_DW_BLOCKS (pad, tmp) */
    const int32_t chunk = TE_DW_BUF / recw < TE_DW_BLOCKS ? TE_DW_BUF / recw : TE_DW_BLOCKS;
    /* input channels [ic_begin, ic_end): the range (depth multiplier 1), or all */
    const int32_t whole = oc_begin == 0 && oc_end == p->out_c;
    const int32_t ic_begin = whole ? 0 : oc_begin, ic_end = whole ? in_c : oc_end;
    int32_t blim, m, ic0, nblk;
    if ((!whole && p->depth_mult != 1) || ic_end - ic_begin < 4 || p->out_c != in_c * p->depth_mult ||
        off < -127 || off > 128 || p->out_offset < -256 || p->out_offset > 256 || p->act_min < -128 ||
        p->act_max > 127 || p->act_min > p->act_max || taps > TE_DW_MAXTAPS || chunk < 1) {
        return 0;
    }
    /* |accumulator| < 2^30 for te_requantize_small, partial sums included:
     * |filter| <= 128, |input|, |pad| <= 128, |off| */
    blim = INT32_C(0x3FFFFFFF) - taps * 128 * (128 + (off < 0 ? -off : off));
    memset(pad, (int)(int8_t)-off, sizeof pad);
    ctx.lo8 = ((uint32_t)p->act_min & 0xFFu) * 0x01010101u;
    ctx.hi8 = ((uint32_t)p->act_max & 0xFFu) * 0x01010101u;
    for (m = 0; m < p->depth_mult; ++m) {
        for (ic0 = ic_begin; ic0 < ic_end; ic0 += 4 * nblk) {
            nblk = (ic_end - ic0) / 4 < chunk ? (ic_end - ic0) / 4 : chunk;
            if (nblk == 0) { /* the last (ic_end - ic_begin) % 4 channels: a block on the last 4 */
                ic0 = ic_end - 4;
                nblk = 1;
            }
            if (!te_dw_prepare(p, filter, bias, ic0, nblk, m, blim, rec)) {
                return 0;
            }
            te_dw_run(p, input, output, ic0, nblk, m, rec, recw, &ctx, pad, p->act_min > -128 || p->act_max < 127);
        }
    }
    return 1;
}

#endif /* TE_DW_DSP */

void te_depthwise_conv2d_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                 const int32_t *bias, int8_t *output)
{
#if defined(__AVR__) /* weights in PROGMEM: only the reference reads them through TE_READ_* */
    te_depthwise_conv2d_s8(p, input, filter, bias, output);
    return;
#endif
    const int32_t oc_begin = p->oc_begin, oc_end = p->oc_end ? p->oc_end : p->out_c;
#if TE_DW_DSP
    if (te_dw_dsp(p, input, filter, bias, output, oc_begin, oc_end)) {
        return;
    }
#endif
    te_dw_portable(p, input, filter, bias, output, oc_begin, oc_end);
}
