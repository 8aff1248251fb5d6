/* te_kernels_fast.h: optimized int8 kernels, bit-exact with the reference
 * ones in te_kernels.h (which stay as the oracle and the fallback). Same
 * parameter structs and results; the build picks them by the board's core
 * (tinyedge build --kernels reference forces the portable ones).
 *
 * Cores with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33 with
 * DSP, M55) use dual 16-bit multiply-accumulates (SMLAD on SXTB16-widened
 * operands); elsewhere plain C that gcc -O3 vectorizes on the host. Weights
 * are read directly (not through TE_READ_*): never selected for AVR. */
#ifndef TE_KERNELS_FAST_H
#define TE_KERNELS_FAST_H

#include "tinyedge/te_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CONV_2D: scratch holds TE_CONV2D_FAST_SCRATCH(p) bytes, 4-byte aligned
 * (im2col columns widened to int16). With scratch NULL, columns of up to
 * TE_CONV2D_STACK_WORDS words go on the stack; longer ones take a plain loop. */
#define TE_CONV2D_FAST_SCRATCH(k_h, k_w, filter_in_c) (4 * (k_h) * (k_w) * (filter_in_c) + 8)
#define TE_CONV2D_STACK_WORDS 160
void te_conv2d_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                       const int32_t *bias, int8_t *output, void *scratch);

/* FULLY_CONNECTED */
void te_fully_connected_fast_s8(const te_fc_params_t *p, const int8_t *input, const int8_t *filter,
                                const int32_t *bias, int8_t *output);

/* DEPTHWISE_CONV_2D: a 3x3 path and a generic one, no im2col, no scratch. */
void te_depthwise_conv2d_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                 const int32_t *bias, int8_t *output);

/* The same over their own input (te_inplace.h, te_kernels.h); the 1x1
 * scratch is TE_INPLACE_CHUNK * in_c bytes plus TE_CONV2D_FAST_SCRATCH. */
void te_conv2d_inplace_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output, void *scratch);
void te_depthwise_conv2d_inplace_fast_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                         const int32_t *bias, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TE_KERNELS_FAST_H */
