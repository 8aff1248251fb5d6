/* FULLY_CONNECTED, int8, optimized; bit-exact with te_fully_connected_s8.
 *
 * The input row is widened to int16 with the input offset added, in chunks
 * of TE_FC_CHUNK values on the stack (this op has no scratch), and filter
 * rows go four at a time against a chunk, so each widened input word serves
 * four rows (DSP: quads in the reordered layout of te_fast_mac.h). Partial
 * sums of up to TE_FC_ROWS rows stay on the stack across chunks, so with
 * in_depth above one chunk a chunk is widened once per TE_FC_ROWS rows.
 * A nonzero filter offset (the int8 converter never makes one) or an
 * INT32_MIN multiplier takes a plain loop. With a range [o_begin, o_end)
 * (te_kernels.h) the blocks of rows start at o_begin; filter rows, bias and
 * requantization stay absolute. */
#include "tinyedge/te_kernels_fast.h"
#include "te_fast_mac.h"

#define TE_FC_CHUNK 256 /* multiple of 4: chunks start on a weight quad */
#define TE_FC_ROWS 32

/* buf = x + offset as int16: DSP in reordered quads then the n % 4 tail in
 * order; else in order. */
static void te_fc_widen(int16_t *buf, const int8_t *x, int32_t n, int32_t off)
{
    int32_t i = 0;
#if TE_FAST_DSP
    te_w32_t *d = (te_w32_t *)buf;
    const int32_t off2 = te_dup16(off);
    for (; i + 4 <= n; i += 4) {
        const uint32_t w = te_ld32(x + i);
        d[0] = __sxtab16(off2, (int32_t)w);
        d[1] = te_sxtab16_ror8(off2, w);
        d += 2;
    }
#elif TE_FAST_VECTOR
    int32_t j;
    for (; i + 16 <= n; i += 16) {
        for (j = 0; j < 16; ++j) {
            buf[i + j] = (int16_t)(x[i + j] + off);
        }
    }
#endif
    for (; i < n; ++i) {
        buf[i] = (int16_t)(x[i] + off);
    }
}

/* acc[0] += w . buf over n values. */
TE_FAST_INLINE int32_t te_fc_dot1(const int8_t *w, const int16_t *buf, int32_t n, int32_t a)
{
    int32_t i = 0;
#if TE_FAST_DSP
    const te_w32_t *x = (const te_w32_t *)buf;
    for (; i + 4 <= n; i += 4) {
        const uint32_t v = te_ld32(w + i);
        a = __smlad(__sxtb16((int32_t)v), x[0], a);
        a = __smlad(te_sxtb16_ror8(v), x[1], a);
        x += 2;
    }
#elif TE_FAST_VECTOR
    int32_t j;
    /* fixed-length blocks: gcc -O2 (very cheap cost model) vectorizes them */
    for (; i + 16 <= n; i += 16) {
        for (j = 0; j < 16; ++j) {
            a += (int32_t)w[i + j] * buf[i + j];
        }
    }
#endif
    for (; i < n; ++i) {
        a += (int32_t)w[i] * buf[i];
    }
    return a;
}

#if TE_FAST_ASM
/* acc[0..3] += rows w, w + stride, w + 2 stride, w + 3 stride . buf over
 * nq (>= 1) quads: one LDM of a widened quad (r8, r9) serves 4 rows. */
static TE_FAST_NOINLINE void te_fc_rows4_asm(const int8_t *w, int32_t stride, const int16_t *buf,
                                              int32_t nq, int32_t *acc)
{
    const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
    const te_w32_t *x = (const te_w32_t *)buf;
    const te_w32_t *x_end = x + 2 * nq;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t we, wo;
#define TE_FC_ROW(a, w)                            \
    "ldr    %[wo], [%[" w "]], #4\n\t"             \
    "sxtb16 %[we], %[wo]\n\t"                      \
    "sxtb16 %[wo], %[wo], ror #8\n\t"              \
    "smlad  %[" a "], %[we], r8, %[" a "]\n\t"     \
    "smlad  %[" a "], %[wo], r9, %[" a "]\n\t"
#define TE_FC_QUAD                                                              \
    "ldmia  %[x]!, {r8, r9}\n\t"                                                 \
    TE_FC_ROW("a0", "w0") TE_FC_ROW("a1", "w1") TE_FC_ROW("a2", "w2") TE_FC_ROW("a3", "w3")
    __asm__ volatile(
        /* nq % 4 quads first, then 4 a pass; the quads leave the flags */
        "ldr    r8, %[nqm]\n\t"
        "tst    r8, #3\n\t"
        "beq    1f\n\t"
        "lsrs   r8, r8, #1\n\t" /* C: bit 0 */
        "bcc    2f\n\t"
        TE_FC_QUAD
        "2:\n\t"
        "ldr    r8, %[nqm]\n\t"
        "lsrs   r8, r8, #2\n\t" /* C: bit 1, Z: no pass of 4 */
        "bcc    3f\n\t"
        TE_FC_QUAD
        TE_FC_QUAD
        "3:\n\t"
        "beq    4f\n\t"
        "1:\n\t"
        TE_FC_QUAD
        TE_FC_QUAD
        TE_FC_QUAD
        TE_FC_QUAD
        "ldr    r8, %[endm]\n\t"
        "cmp    %[x], r8\n\t"
        "bne    1b\n\t"
        "4:\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w0] "+r"(w0), [w1] "+r"(w1),
          [w2] "+r"(w2), [w3] "+r"(w3), [x] "+r"(x), [we] "=&r"(we), [wo] "=&r"(wo)
        : [endm] "m"(x_end), [nqm] "m"(nq)
        : "r8", "r9", "cc", "memory");
#undef TE_FC_QUAD
#undef TE_FC_ROW
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

/* acc[r] += row r of w (row stride `stride`) . buf over n values, r < nr. */
static void te_fc_rows(const int8_t *w, int32_t stride, const int16_t *buf, int32_t n, int32_t nr,
                       int32_t *acc)
{
    int32_t r = 0;
#if TE_FAST_ASM
    const int32_t n4 = n & ~INT32_C(3);
    if (n4 > 0) {
        for (; r + 4 <= nr; r += 4) {
            const int8_t *wr = w + r * stride;
            int32_t i;
            te_fc_rows4_asm(wr, stride, buf, n4 >> 2, acc + r);
            for (i = n4; i < n; ++i) {
                acc[r] += (int32_t)wr[i] * buf[i];
                acc[r + 1] += (int32_t)wr[stride + i] * buf[i];
                acc[r + 2] += (int32_t)wr[2 * stride + i] * buf[i];
                acc[r + 3] += (int32_t)wr[3 * stride + i] * buf[i];
            }
        }
    }
#elif !TE_FAST_DSP && !TE_FAST_VECTOR
    /* scalar cores: four rows share each input load */
    for (; r + 4 <= nr; r += 4) {
        const int8_t *w0 = w + r * stride, *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
        int32_t a0 = acc[r], a1 = acc[r + 1], a2 = acc[r + 2], a3 = acc[r + 3];
        int32_t i;
        for (i = 0; i < n; ++i) {
            const int32_t xv = buf[i];
            a0 += w0[i] * xv;
            a1 += w1[i] * xv;
            a2 += w2[i] * xv;
            a3 += w3[i] * xv;
        }
        acc[r] = a0;
        acc[r + 1] = a1;
        acc[r + 2] = a2;
        acc[r + 3] = a3;
    }
#endif
    for (; r < nr; ++r) {
        acc[r] = te_fc_dot1(w + r * stride, buf, n, acc[r]);
    }
}

/* Any filter offset, any multiplier: the reference loop, outputs
 * [o_begin, o_end). */
static void te_fc_plain(const te_fc_params_t *p, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output, int32_t o_begin, int32_t o_end)
{
    int32_t b, o, i;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * p->in_depth;
        for (o = o_begin; o < o_end; ++o) {
            const int8_t *w = filter + o * p->in_depth;
            const int32_t ch = p->per_channel ? o : 0;
            int32_t acc = bias ? bias[o] : 0;
            for (i = 0; i < p->in_depth; ++i) {
                acc += ((int32_t)w[i] + p->filter_offset) * ((int32_t)x[i] + p->in_offset);
            }
            acc = te_requantize(acc, p->mult[ch], p->shift[ch]) + p->out_offset;
            output[b * p->out_depth + o] = (int8_t)te_clamp_s32(acc, p->act_min, p->act_max);
        }
    }
}

/* Outputs r0 .. r0 + nr - 1 from their sums acc[]; mode (te_fast_rq_mode)
 * and full (act range -128..127) are constants at each call. */
TE_FAST_INLINE void te_fc_requant(const te_fc_params_t *p, const int32_t *acc, int32_t r0, int32_t nr,
                                  int8_t *y, int32_t mode, int32_t full)
{
    const int32_t step = p->per_channel ? 1 : 0;
    const int32_t *mult = p->mult + r0 * step, *shift = p->shift + r0 * step;
    const int32_t off = p->out_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *end = acc + nr;
    y += r0;
    for (; acc != end; ++acc) {
        int32_t v;
        if (mode == 2) {
            v = te_fast_rq1(*acc, *mult, *shift, te_fast_rq1_hi0(*shift, off));
        } else {
            te_fast_rq_t rq;
            te_fast_rq_init(&rq, *mult, *shift);
            v = te_fast_rq(&rq, *acc) + off;
        }
        *y++ = te_fast_clamp8(v, lo, hi, full);
        mult += step;
        shift += step;
    }
}

void te_fully_connected_fast_s8(const te_fc_params_t *p, const int8_t *input, const int8_t *filter,
                                const int32_t *bias, int8_t *output)
{
#if defined(__AVR__) /* weights in PROGMEM: only the reference reads them through TE_READ_* */
    te_fully_connected_s8(p, input, filter, bias, output);
    return;
#endif
    const int32_t in = p->in_depth;
    const int32_t out = p->out_depth;
    const int32_t o_begin = p->o_begin, o_end = p->o_end ? p->o_end : out;
    const int32_t mode = p->per_channel ? te_fast_rq_mode(p->mult + o_begin, p->shift + o_begin, o_end - o_begin,
                                                          p->out_offset)
                                        : te_fast_rq_mode(p->mult, p->shift, 1, p->out_offset);
    const int32_t full = p->act_min == -128 && p->act_max == 127;
    const int32_t in_off = p->in_offset;
    const int32_t one_chunk = in <= TE_FC_CHUNK;
    int16_t buf[TE_FC_CHUNK] TE_ALIGNED(4);
    int32_t acc[TE_FC_ROWS];
    int32_t b, r0, r, c0;

    if (p->filter_offset != 0 || mode == 0) {
        te_fc_plain(p, input, filter, bias, output, o_begin, o_end);
        return;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * in;
        int8_t *y = output + b * out;
        if (one_chunk) {
            te_fc_widen(buf, x, in, in_off);
        }
        for (r0 = o_begin; r0 < o_end; r0 += TE_FC_ROWS) {
            const int32_t nr = o_end - r0 < TE_FC_ROWS ? o_end - r0 : TE_FC_ROWS;
            for (r = 0; r < nr; ++r) {
                acc[r] = bias ? bias[r0 + r] : 0;
            }
            for (c0 = 0; c0 < in; c0 += TE_FC_CHUNK) {
                const int32_t n = in - c0 < TE_FC_CHUNK ? in - c0 : TE_FC_CHUNK;
                if (!one_chunk) {
                    te_fc_widen(buf, x + c0, n, in_off);
                }
                te_fc_rows(filter + r0 * in + c0, in, buf, n, nr, acc);
            }
            if (mode == 2 && full) {
                te_fc_requant(p, acc, r0, nr, y, 2, 1);
            } else if (mode == 2) {
                te_fc_requant(p, acc, r0, nr, y, 2, 0);
            } else {
                te_fc_requant(p, acc, r0, nr, y, 1, full);
            }
        }
    }
}
