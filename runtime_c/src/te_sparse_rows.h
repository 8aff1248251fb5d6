/* tinyedge runtime: a row of a bitmap-encoded sparse weight tensor (see
 * te_kernels.h, "sparse weights") decoded once into a list, then applied
 * to many input vectors (internal; used by te_conv2d_sparse_1x1_s8).
 *
 * Why: walking a row's bitmap costs several instructions per bit or per set
 * bit, and a 1x1 convolution applies the same row at every pixel. Decoded
 * once, a nonzero is one list entry, (w << 16) | position: one load and
 * one extract per block of 4 pixels, then a load and a multiply-accumulate
 * per pixel (SMLATB takes w from the entry's top half as it is), the 4 sums
 * held in registers.
 */
#ifndef TINYEDGE_TE_SPARSE_ROWS_H
#define TINYEDGE_TE_SPARSE_ROWS_H

#include "tinyedge/te_kernels.h"
#include "te_fast_mac.h"
#include "te_fixedpoint.h"
#include "te_sparse_dot.h"

/* The engine (a row decoded into a list, blocks of 4 pixels, division-free
 * requantization) on 32-bit cores. AVR, whose stack and flash are small and
 * where each int32 operation takes several instructions, keeps the plain
 * walks (te_sparse_dot_direct, te_conv2d_sparse_s8's) and te_requantize. */
#ifndef TE_SPARSE_ENGINE
#if defined(__AVR__)
#define TE_SPARSE_ENGINE 0
#else
#define TE_SPARSE_ENGINE 1
#endif
#endif

/* Nonzeros decoded at a time, on the stack (4 bytes each, plus one); a row
 * with more is decoded again in chunks for every block of pixels (correct,
 * slower). */
#ifndef TE_SPARSE_LIST
#if defined(__AVR__)
#define TE_SPARSE_LIST 16
#else
#define TE_SPARSE_LIST 256
#endif
#endif

/* A list entry: the weight in the top half, its position (< 2^16) below. */
#define TE_SPARSE_ENTRY(w, k) (((uint32_t)(int32_t)(w) << 16) | (uint32_t)(k))
#define TE_SPARSE_POS(e) ((e) & 0xFFFFu)
#define TE_SPARSE_W(e) ((int16_t)((e) >> 16))

/* Bitmap words of 4 bytes where a set bit is found in one or two
 * instructions and a 4-byte load may be unaligned (little-endian bytes:
 * bit j of byte i is bit 8 i + j of the word). */
#if defined(TE_SPARSE_CTZ) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    !defined(__AVR__)
#define TE_SPARSE_WORDS 1
#else
#define TE_SPARSE_WORDS 0
#endif

/* A position in one row's bitmap and values. */
typedef struct {
    const uint8_t *m, *end; /* next mask byte, past the row's last */
    const int8_t *v;        /* next value */
    uint32_t bits;          /* set bits of the current chunk (a byte or a word) not yet decoded */
    int32_t base, next;     /* position of bit 0 of the current chunk, of the next */
    uint32_t wsum;          /* sum of the values decoded so far (wrapping) */
} te_sparse_walk_t;

TE_FAST_INLINE void te_sparse_walk_init(te_sparse_walk_t *w, const uint8_t *mask, int32_t row_bytes,
                                        const int8_t *values)
{
    w->m = mask;
    w->end = mask + row_bytes;
    w->v = values;
    w->bits = 0u;
    w->base = 0;
    w->next = 0;
    w->wsum = 0u;
}

TE_FAST_INLINE int32_t te_sparse_walk_done(const te_sparse_walk_t *w)
{
    return w->bits == 0u && w->m == w->end;
}

/* The row's next (up to TE_SPARSE_LIST) nonzeros as list entries; returns
 * how many. */
static inline int32_t te_sparse_decode(te_sparse_walk_t *w, uint32_t *list)
{
    const uint8_t *m = w->m, *end = w->end;
    const int8_t *v = w->v;
    uint32_t bits = w->bits, wsum = w->wsum;
    int32_t base = w->base, next = w->next;
    int32_t n = 0;
    for (;;) {
#ifdef TE_SPARSE_CTZ
        if (n + 32 <= TE_SPARSE_LIST) { /* room for the whole chunk: no test per bit */
            while (bits != 0u) {
                const int8_t wv = TE_READ_S8(v);
                ++v;
                wsum += (uint32_t)(int32_t)wv;
                list[n++] = TE_SPARSE_ENTRY(wv, base + __builtin_ctz(bits));
                bits &= bits - 1u;
            }
        } else {
            while (bits != 0u && n < TE_SPARSE_LIST) {
                const int8_t wv = TE_READ_S8(v);
                ++v;
                wsum += (uint32_t)(int32_t)wv;
                list[n++] = TE_SPARSE_ENTRY(wv, base + __builtin_ctz(bits));
                bits &= bits - 1u;
            }
        }
#else
        int32_t i = 0;
        while (bits != 0u && n < TE_SPARSE_LIST) {
            if (bits & 1u) {
                const int8_t wv = TE_READ_S8(v);
                ++v;
                wsum += (uint32_t)(int32_t)wv;
                list[n++] = TE_SPARSE_ENTRY(wv, base + i);
                bits &= ~UINT32_C(1);
            } else {
                bits >>= 1;
                ++i;
            }
        }
        bits <<= i; /* a partly decoded byte keeps its bits' positions */
#endif
        if (bits != 0u || m == end) {
            break;
        }
        base = next;
#if TE_SPARSE_WORDS
        if (end - m >= 4) {
            bits = te_ld32(m);
            m += 4;
            next += 32;
            continue;
        }
#endif
        bits = (uint32_t)TE_READ_U8(m);
        ++m;
        next += 8;
    }
    w->m = m;
    w->v = v;
    w->bits = bits;
    w->base = base;
    w->next = next;
    w->wsum = wsum;
    return n;
}

/* The row's sum at one pixel x straight from the bitmap, for a row applied
 * to one or two pixels only (decoding it would cost more): sum w_j * x[j]
 * over the row's nonzeros; *wsum gets the sum of the values, *vp moves
 * past them. */
static inline int32_t te_sparse_dot_direct(const uint8_t *mask, int32_t row_bytes, const int8_t **vp,
                                           const int8_t *x, uint32_t *wsum)
{
    const uint8_t *m = mask, *end = mask + row_bytes;
    const int8_t *v = *vp;
    uint32_t ws = 0u;
    int32_t acc = 0;
    while (m != end) {
        uint32_t bits;
        const int8_t *xc = x;
#if TE_SPARSE_WORDS
        if (end - m >= 4) {
            bits = te_ld32(m);
            m += 4;
            x += 32;
        } else
#endif
        {
            bits = (uint32_t)TE_READ_U8(m);
            ++m;
            x += 8;
        }
#ifdef TE_SPARSE_CTZ
        while (bits != 0u) {
            const int16_t w = TE_READ_S8(v);
            ++v;
            ws += (uint32_t)(int32_t)w;
            acc += w * xc[__builtin_ctz(bits)];
            bits &= bits - 1u;
        }
#else
        for (; bits != 0u; bits >>= 1, ++xc) {
            if (bits & 1u) {
                const int16_t w = TE_READ_S8(v);
                ++v;
                ws += (uint32_t)(int32_t)w;
                acc += w * xc[0];
            }
        }
#endif
    }
    *vp = v;
    *wsum = ws;
    return acc;
}

/* Ends the list's n entries with a 0 entry (te_sparse_dot4 stops there);
 * the list has room for TE_SPARSE_LIST + 1. Returns n. */
TE_FAST_INLINE int32_t te_sparse_end(uint32_t *list, int32_t n)
{
    list[n] = 0u;
    return n;
}

/* One output channel's requantization, chosen once per channel, bit-exact
 * with te_requantize + offset and without its 64-bit division:
 * - mode 2: te_fast_rq1 (one SMLAL and a shift), for a multiplier >= 0 and
 *   shift in [-31, -2]; the offset is folded into hi0 where the bounds of
 *   te_fast_rq1_hi0 allow (shift >= -22, |offset| <= 256), else added
 *   after (post): with offset 0, hi0 = 2^(e-2) <= 2^29 and the high word
 *   stays below 2^31 for every e = -shift <= 31 (converters give channels
 *   with tiny weight scales shifts beyond -22);
 * - mode 1: te_fast_rq, any multiplier but INT32_MIN;
 * - mode 0: te_requantize (always without the engine). */
typedef struct {
    te_fast_rq_t rq;
    int32_t shift, hi0, post, off, mode;
} te_sparse_rq_t;

/* Chooses r's mode for a channel's multiplier, shift and output offset
 * (te_sparse_rows.c). */
void te_sparse_rq_init(te_sparse_rq_t *r, int32_t mult, int32_t shift, int32_t off);

/* r's requantization of x, offset included (te_sparse_rows.c). */
int32_t te_sparse_rq(const te_sparse_rq_t *r, int32_t x);

/* ---- the engine (te_sparse_rows.c) ---------------------------------------- */
#if TE_SPARSE_ENGINE

/* Rows of one layer, taken in order, and the current row decoded. */
typedef struct {
    /* set by te_sparse_rows_init, once */
    const uint8_t *mask;   /* the next row's bitmap (row_bytes bytes) */
    const int8_t *v;       /* the next row's values */
    int32_t row_bytes;
    int32_t in_offset, out_offset, lo, hi, full; /* full: lo, hi are -128, 127 */
    uint32_t *list;        /* TE_SPARSE_LIST + 1 entries */
    /* set by te_sparse_row_begin */
    const uint8_t *row_mask;
    const int8_t *row_v;
    int32_t n, whole;      /* entries in list (then a 0); whole: the row is all there */
    int32_t start;         /* bias + in_offset * sum of the row's values */
    te_sparse_rq_t rq;
} te_sparse_rows_t;

/* The layer's rows from their bitmaps and values, its offsets and clamp
 * bounds (lo, hi); list: TE_SPARSE_LIST + 1 entries of the caller's. */
void te_sparse_rows_init(te_sparse_rows_t *r, const uint8_t *mask, const int8_t *values, int32_t row_bytes,
                         int32_t in_offset, int32_t out_offset, int32_t lo, int32_t hi, uint32_t *list);

/* Decodes the next row (bias: its bias, or 0), prepares its requantization,
 * and moves mask and v on to the row after. */
void te_sparse_row_begin(te_sparse_rows_t *r, int32_t bias, int32_t mult, int32_t shift);

/* The current row at count pixels x + i * x_step (each pointing at the
 * row's first input), its outputs to y + i * y_step. */
void te_sparse_row_run(const te_sparse_rows_t *r, const int8_t *x, int32_t x_step, int8_t *y, int32_t y_step,
                       int32_t count);

#endif /* TE_SPARSE_ENGINE */

#endif /* TINYEDGE_TE_SPARSE_ROWS_H */
