/* The sparse-rows engine of te_sparse_rows.h: a row decoded once, applied
 * to runs of pixels 4 at a time (te_conv2d_sparse_1x1_s8,
 * te_fully_connected_sparse_s8, the interior of te_conv2d_sparse_s8). */
#include "te_sparse_rows.h"

#if TE_SPARSE_ENGINE

/* acc[j] += sum over the entries e in [l, end) of w(e) * xj[pos(e)], for
 * the 4 pixels x0..x3; *end is 0 (a real entry never is: its weight is
 * not). int16_t weights: each product fits an int, also where int is 16
 * bits. */
#if TE_FAST_ASM
/* 11.5 instructions per entry (2 a turn), in 12 registers (r7 may be the
 * frame pointer): the loop stops at the 0 entry, so no end pointer; SMLATB
 * takes the weight from the entry's top half as it is. */
TE_FAST_INLINE void te_sparse_dot4(const uint32_t *l, const uint32_t *end, const int8_t *x0, const int8_t *x1,
                                   const int8_t *x2, const int8_t *x3, int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    uint32_t e, k, t;
    (void)end;
    __asm__ volatile(
        "1:\n\t"
        "ldr    %[e], [%[l]], #4\n\t"
        "cbz    %[e], 2f\n\t"
        "uxth   %[k], %[e]\n\t"
        "ldrsb  %[t], [%[x0], %[k]]\n\t"
        "smlatb %[a0], %[e], %[t], %[a0]\n\t"
        "ldrsb  %[t], [%[x1], %[k]]\n\t"
        "smlatb %[a1], %[e], %[t], %[a1]\n\t"
        "ldrsb  %[t], [%[x2], %[k]]\n\t"
        "smlatb %[a2], %[e], %[t], %[a2]\n\t"
        "ldrsb  %[t], [%[x3], %[k]]\n\t"
        "smlatb %[a3], %[e], %[t], %[a3]\n\t"
        "ldr    %[e], [%[l]], #4\n\t"
        "cbz    %[e], 2f\n\t"
        "uxth   %[k], %[e]\n\t"
        "ldrsb  %[t], [%[x0], %[k]]\n\t"
        "smlatb %[a0], %[e], %[t], %[a0]\n\t"
        "ldrsb  %[t], [%[x1], %[k]]\n\t"
        "smlatb %[a1], %[e], %[t], %[a1]\n\t"
        "ldrsb  %[t], [%[x2], %[k]]\n\t"
        "smlatb %[a2], %[e], %[t], %[a2]\n\t"
        "ldrsb  %[t], [%[x3], %[k]]\n\t"
        "smlatb %[a3], %[e], %[t], %[a3]\n\t"
        "b      1b\n"
        "2:\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [l] "+r"(l), [e] "=&l"(e), [k] "=&r"(k),
          [t] "=&r"(t)
        : [x0] "r"(x0), [x1] "r"(x1), [x2] "r"(x2), [x3] "r"(x3)
        : "cc", "memory");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#else
TE_FAST_INLINE void te_sparse_dot4(const uint32_t *l, const uint32_t *end, const int8_t *x0, const int8_t *x1,
                                   const int8_t *x2, const int8_t *x3, int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    while (l != end) {
        const uint32_t e = *l++;
        const uint32_t k = TE_SPARSE_POS(e);
        const int16_t w = TE_SPARSE_W(e);
        a0 += w * x0[k];
        a1 += w * x1[k];
        a2 += w * x2[k];
        a3 += w * x3[k];
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

/* acc + the sum for one pixel x. */
TE_FAST_INLINE int32_t te_sparse_dot1(const uint32_t *l, const uint32_t *end, const int8_t *x, int32_t acc)
{
    while (l != end) {
        const uint32_t e = *l++;
        acc += TE_SPARSE_W(e) * x[TE_SPARSE_POS(e)];
    }
    return acc;
}

void te_sparse_rows_init(te_sparse_rows_t *r, const uint8_t *mask, const int8_t *values, int32_t row_bytes,
                         int32_t in_offset, int32_t out_offset, int32_t lo, int32_t hi, uint32_t *list)
{
    r->mask = mask;
    r->v = values;
    r->row_bytes = row_bytes;
    r->in_offset = in_offset;
    r->out_offset = out_offset;
    r->lo = lo;
    r->hi = hi;
    r->full = r->lo == -128 && r->hi == 127;
    r->list = list;
}

void te_sparse_row_begin(te_sparse_rows_t *r, int32_t bias, int32_t mult, int32_t shift)
{
    te_sparse_walk_t w;
    te_sparse_walk_init(&w, r->mask, r->row_bytes, r->v);
    r->row_mask = r->mask;
    r->row_v = r->v;
    r->n = te_sparse_end(r->list, te_sparse_decode(&w, r->list));
    r->whole = te_sparse_walk_done(&w);
    while (!te_sparse_walk_done(&w)) { /* too long for the list: walked on for the sum of its values */
        te_sparse_decode(&w, r->list);
    }
    /* the input offset folded in (wrapping, as int32 sums wrap) */
    r->start = (int32_t)((uint32_t)bias + (uint32_t)r->in_offset * w.wsum);
    te_sparse_rq_init(&r->rq, mult, shift, r->out_offset);
    r->mask += r->row_bytes;
    r->v = w.v;
}

/* The common case, a whole row and requantization mode 2, in a function of
 * its own so that the sums and the list walk get the registers: count
 * (>= 4) pixels 4 at a time, the last 4 overlapping the previous block
 * where count is not a multiple of 4 (those outputs are written twice, with
 * the same values: cheaper than a separate pass for 1 to 3 pixels). full:
 * the clamp is to the int8 range (a constant at each call). */
TE_FAST_INLINE void te_sparse_run_fast(const te_sparse_rows_t *r, const int8_t *x, int32_t x_step, int8_t *y,
                                       int32_t y_step, int32_t count, int32_t full)
{
    const uint32_t *list = r->list, *end = r->list + r->n;
    int32_t i = 0;
    for (;;) {
        const int8_t *x0 = x + i * x_step, *x1 = x0 + x_step, *x2 = x1 + x_step, *x3 = x2 + x_step;
        int8_t *y0 = y + i * y_step;
        int32_t acc[4];
        acc[0] = acc[1] = acc[2] = acc[3] = r->start;
        te_sparse_dot4(list, end, x0, x1, x2, x3, acc);
        {
            const int32_t mult = r->rq.rq.mult, shift = r->rq.shift, hi0 = r->rq.hi0, post = r->rq.post;
            const int32_t lo = r->lo, hi = r->hi;
            y0[0] = te_fast_clamp8(te_fast_rq1(acc[0], mult, shift, hi0) + post, lo, hi, full);
            y0[y_step] = te_fast_clamp8(te_fast_rq1(acc[1], mult, shift, hi0) + post, lo, hi, full);
            y0[2 * y_step] = te_fast_clamp8(te_fast_rq1(acc[2], mult, shift, hi0) + post, lo, hi, full);
            y0[3 * y_step] = te_fast_clamp8(te_fast_rq1(acc[3], mult, shift, hi0) + post, lo, hi, full);
        }
        i += 4;
        if (i >= count) {
            return;
        }
        if (i > count - 4) {
            i = count - 4;
        }
    }
}

static TE_FAST_NOINLINE void te_sparse_run_full(const te_sparse_rows_t *r, const int8_t *x, int32_t x_step,
                                                int8_t *y, int32_t y_step, int32_t count)
{
    te_sparse_run_fast(r, x, x_step, y, y_step, count, 1);
}

static TE_FAST_NOINLINE void te_sparse_run_clamp(const te_sparse_rows_t *r, const int8_t *x, int32_t x_step,
                                                 int8_t *y, int32_t y_step, int32_t count)
{
    te_sparse_run_fast(r, x, x_step, y, y_step, count, 0);
}

/* Any row, requantization and count: a row longer than the list is decoded
 * again, in chunks, for each block of pixels. */
static TE_FAST_NOINLINE void te_sparse_run_any(const te_sparse_rows_t *r, const int8_t *x, int32_t x_step,
                                               int8_t *y, int32_t y_step, int32_t count)
{
    while (count > 0) {
        const int32_t npx = count < 4 ? count : 4;
        const int8_t *xs[4];
        int32_t acc[4];
        int32_t j, n = r->n;
        te_sparse_walk_t w;
        for (j = 0; j < npx; ++j) {
            xs[j] = x;
            acc[j] = r->start;
            x += x_step;
        }
        te_sparse_walk_init(&w, r->row_mask, r->row_bytes, r->row_v);
        for (;;) {
            if (!r->whole) {
                n = te_sparse_end(r->list, te_sparse_decode(&w, r->list));
            }
            if (npx >= 3) { /* a fourth pixel repeated costs less than 3 single ones */
                te_sparse_dot4(r->list, r->list + n, xs[0], xs[1], xs[2], npx == 4 ? xs[3] : xs[2], acc);
            } else {
                for (j = 0; j < npx; ++j) {
                    acc[j] = te_sparse_dot1(r->list, r->list + n, xs[j], acc[j]);
                }
            }
            if (r->whole || te_sparse_walk_done(&w)) {
                break;
            }
        }
        for (j = 0; j < npx; ++j) {
            *y = (int8_t)te_clamp_s32(te_sparse_rq(&r->rq, acc[j]), r->lo, r->hi);
            y += y_step;
        }
        count -= npx;
    }
}

void te_sparse_row_run(const te_sparse_rows_t *r, const int8_t *x, int32_t x_step, int8_t *y, int32_t y_step,
                       int32_t count)
{
    if (!r->whole || r->rq.mode != 2 || count < 4) {
        te_sparse_run_any(r, x, x_step, y, y_step, count);
    } else if (r->full) {
        te_sparse_run_full(r, x, x_step, y, y_step, count);
    } else {
        te_sparse_run_clamp(r, x, x_step, y, y_step, count);
    }
}
#endif /* TE_SPARSE_ENGINE */

void te_sparse_rq_init(te_sparse_rq_t *r, int32_t mult, int32_t shift, int32_t off)
{
    te_fast_rq_init(&r->rq, mult, shift);
    r->shift = shift;
    r->off = off;
    r->hi0 = 0;
    r->post = 0;
    if (!TE_SPARSE_ENGINE || mult == INT32_MIN) {
        r->mode = 0;
    } else if (mult >= 0 && shift <= -2 && shift >= -31) {
        const int32_t fold = shift >= -22 && off >= -256 && off <= 256;
        r->mode = 2;
        r->hi0 = te_fast_rq1_hi0(shift, fold ? off : 0);
        r->post = fold ? 0 : off;
    } else {
        r->mode = 1;
    }
}

int32_t te_sparse_rq(const te_sparse_rq_t *r, int32_t x)
{
#if TE_SPARSE_ENGINE
    if (r->mode == 2) {
        return te_fast_rq1(x, r->rq.mult, r->shift, r->hi0) + r->post;
    }
    if (r->mode == 1) {
        return te_fast_rq(&r->rq, x) + r->off;
    }
#endif
    return te_requantize(x, r->rq.mult, r->shift) + r->off;
}
