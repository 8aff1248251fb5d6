/* tinyedge runtime: one row of a bitmap-encoded sparse weight tensor against
 * an input vector (internal; see te_kernels.h, "sparse weights"). */
#ifndef TINYEDGE_TE_SPARSE_DOT_H
#define TINYEDGE_TE_SPARSE_DOT_H

#include "tinyedge/te_kernels.h"

/* Jump from set bit to set bit where counting trailing zeros is one or two
 * instructions (x86, ARMv7-M and later: RBIT + CLZ); elsewhere (AVR, M0+) a
 * shift per bit, which is cheaper there than a library call per weight. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || \
                          defined(__ARM_FEATURE_CLZ))
#define TE_SPARSE_CTZ 1
#endif

/* sum over the set bits j of the row's row_bytes mask bytes of w_n * (x[j] + offset),
 * w_n the row's nonzero values in order; *v moves past them. */
static inline int32_t te_sparse_dot(const uint8_t *mask, int32_t row_bytes, const int8_t **v,
                                    const int8_t *x, int32_t offset)
{
    const int8_t *w = *v;
    int32_t acc = 0;
    int32_t k;
    for (k = 0; k < row_bytes; ++k) {
        uint32_t bits = (uint32_t)TE_READ_U8(mask + k);
        const int8_t *x8 = x + 8 * k;
#ifdef TE_SPARSE_CTZ
        while (bits != 0u) {
            acc += (int32_t)TE_READ_S8(w) * ((int32_t)x8[__builtin_ctz(bits)] + offset);
            ++w;
            bits &= bits - 1u;
        }
#else
        int32_t i;
        for (i = 0; bits != 0u; ++i, bits >>= 1) {
            if (bits & 1u) {
                acc += (int32_t)TE_READ_S8(w) * ((int32_t)x8[i] + offset);
                ++w;
            }
        }
#endif
    }
    *v = w;
    return acc;
}

/* The row's nonzero values, to step past a row that is not computed. */
static inline int32_t te_sparse_count(const uint8_t *mask, int32_t row_bytes)
{
    int32_t n = 0, k;
    for (k = 0; k < row_bytes; ++k) {
        uint32_t bits = (uint32_t)TE_READ_U8(mask + k);
        for (; bits != 0u; bits &= bits - 1u) {
            ++n;
        }
    }
    return n;
}

#endif
