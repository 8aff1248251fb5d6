/* tinyedge runtime: the int8 kernels and their parameter structs.
 *
 * One kernel per file in src/, named te_<op>_<type>.c. Each takes a const
 * parameter struct (dimensions, quantization, activation bounds, all fixed
 * at build time by the compiler) and then its data pointers: inputs, weights,
 * bias, output, and scratch where the kernel needs it. Tensors are NHWC.
 * Pointers marked "const data" are weights and constants and are read with
 * TE_READ_*; activations are plain memory.
 */
#ifndef TINYEDGE_TE_KERNELS_H
#define TINYEDGE_TE_KERNELS_H

#include "tinyedge/te_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- convolutions ------------------------------------------------------ */

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t filter_in_c; /* CONV_2D: in_c / groups */
    int32_t depth_mult;  /* DEPTHWISE_CONV_2D: out_c / in_c */
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_h, pad_w;
    int32_t in_offset;  /* -input zero point */
    int32_t out_offset; /* output zero point */
    int32_t act_min, act_max;
    const int32_t *mult;  /* const data, one per output channel */
    const int32_t *shift; /* const data, one per output channel */
} te_conv_params_t;

/* CONV_2D, int8 per-channel; filter [out_c][k_h][k_w][filter_in_c]. */
void te_conv2d_s8(const te_conv_params_t *p, const int8_t *input,
                  const int8_t *filter, const int32_t *bias, int8_t *output);

/* DEPTHWISE_CONV_2D, int8 per-channel; filter [1][k_h][k_w][out_c]. */
void te_depthwise_conv2d_s8(const te_conv_params_t *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias,
                            int8_t *output);

/* ---- fully connected --------------------------------------------------- */

typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t in_offset, filter_offset, out_offset;
    int32_t act_min, act_max;
    int32_t per_channel;  /* 0: mult[0]/shift[0] for all outputs */
    const int32_t *mult;  /* const data */
    const int32_t *shift; /* const data */
} te_fc_params_t;

/* FULLY_CONNECTED, int8; filter [out_depth][in_depth]. */
void te_fully_connected_s8(const te_fc_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias,
                           int8_t *output);

/* ---- pooling and reductions -------------------------------------------- */
/* (pool, mean) */

/* ---- elementwise binary ------------------------------------------------ */
/* (add, sub, mul, maximum, minimum) */

/* ---- activations and requantization ------------------------------------ */
/* (softmax, logistic, tanh, relu, relu6, leaky_relu, hard_swish, quantize, dequantize) */

/* ---- data movement ----------------------------------------------------- */
/* (pad, concatenation, copy) */

#ifdef __cplusplus
}
#endif

#endif /* TINYEDGE_TE_KERNELS_H */
