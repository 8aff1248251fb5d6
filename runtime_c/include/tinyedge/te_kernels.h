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
    int32_t oc_begin, oc_end; /* output channels this call computes: [oc_begin, oc_end); oc_end == 0 means all (out_c) */
} te_conv_params_t;

/* Channel ranges (oc_begin, oc_end; te_fc_params_t's o_begin, o_end): two
 * workers can run the same kernel on the whole input and write disjoint
 * channel ranges of the whole output (NHWC, strides unchanged). A call
 * computes and writes only output channels [oc_begin, oc_end) of every
 * pixel (oc_end == 0 stands for out_c, so a zero-initialized struct means
 * the whole layer) and touches no other output byte; those channels are
 * bit-exact with the full call's. bias, filter, mult and shift stay
 * indexed by the absolute channel, groups included (a range may cross
 * group boundaries). Every kernel is correct for any 0 <= oc_begin <
 * oc_end <= out_c; the rules that keep the fast kernels on their fast
 * paths, which the compiler respects when it splits a layer:
 *  - oc_begin a multiple of 4, oc_end a multiple of 4 or out_c;
 *  - DEPTHWISE_CONV_2D: depth_mult 1 and oc_end - oc_begin >= 4 (the
 *    in_c % 4 channels go in a block on the range's last 4); other ranges
 *    take the fast kernel's portable loop (slower on DSP cores).
 * The in-place and sparse kernels take the whole layer: leave both 0. */

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
    int32_t o_begin, o_end; /* output units this call computes; o_end == 0: all */
} te_fc_params_t;

/* FULLY_CONNECTED, int8; filter [out_depth][in_depth]. Units [o_begin,
 * o_end) of every batch row, as the channel ranges above (any range is
 * correct; the compiler splits at multiples of 4). */
void te_fully_connected_s8(const te_fc_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias,
                           int8_t *output);

/* Over their own input (te_inplace.h): input == output; the memory planner
 * picks these for a 1x1 stride-1 CONV_2D with out_c <= in_c (scratch
 * TE_INPLACE_CHUNK * in_c bytes) and a stride-1 "same" DEPTHWISE_CONV_2D with
 * depth_mult 1 (scratch k_h * in_w * in_c bytes) whose input dies there. */
void te_conv2d_inplace_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, int8_t *output, void *scratch);
void te_depthwise_conv2d_inplace_s8(const te_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                    const int32_t *bias, int8_t *output, void *scratch);

/* ---- sparse weights ---------------------------------------------------- */
/* (fully connected, conv 2d) Symmetric int8 weights (zero point 0) with few
 * nonzeros, stored as a bitmap per output row plus the nonzero values
 * (tinyedge/passes/sparsify.py): row r (one output channel) has
 * ceil(row_len / 8) mask bytes, bit (j & 7) of byte (j >> 3) set where weight
 * j of the row is nonzero; values holds the nonzero weights row after row.
 * mask and values are const data and replace the dense kernel's filter; the
 * parameter structs are the dense kernels'. Bit-exact with the dense kernels.
 * Each row is decoded once and applied to 4 pixels (batch rows) at a time
 * (src/te_sparse_rows.c); a row of up to TE_SPARSE_LIST (256) nonzeros is
 * held on the stack, 4 bytes each, longer ones are decoded in chunks. */

#ifndef TE_READ_U8
#define TE_READ_U8(p) ((uint8_t)TE_READ_S8(p))
#endif

/* FULLY_CONNECTED, int8; rows of in_depth; p->filter_offset must be 0. */
void te_fully_connected_sparse_s8(const te_fc_params_t *p, const int8_t *input,
                                  const uint8_t *mask, const int8_t *values,
                                  const int32_t *bias, int8_t *output);

/* CONV_2D, int8 per-channel, groups included; rows of k_h * k_w * filter_in_c
 * in the dense filter's order [k_h][k_w][filter_in_c]. */
void te_conv2d_sparse_s8(const te_conv_params_t *p, const int8_t *input,
                         const uint8_t *mask, const int8_t *values,
                         const int32_t *bias, int8_t *output);

/* The same for a 1x1 filter without padding (pad_h = pad_w = 0), faster:
 * each channel's row is decoded once and applied to 4 pixels at a time. */
void te_conv2d_sparse_1x1_s8(const te_conv_params_t *p, const int8_t *input,
                             const uint8_t *mask, const int8_t *values,
                             const int32_t *bias, int8_t *output);

/* ---- pooling and reductions -------------------------------------------- */
/* (pool, mean) */

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, depth;
    int32_t out_h, out_w;
    int32_t stride_h, stride_w;
    int32_t filter_h, filter_w;
    int32_t pad_h, pad_w; /* padding before the first row / column */
    int32_t act_min, act_max;
} te_pool_params_t;

/* Reduces the in-bounds part of one window (h x w values of one channel;
 * value (y, x) is window[y * row + x * step]) to one output value. */
typedef int32_t (*te_pool_reduce_fn)(const int8_t *window, int32_t row, int32_t step,
                                     int32_t h, int32_t w);

/* Walks the windows and calls reduce() for each output value, then clamps
 * to act_min..act_max (te_pool2d_s8.c, shared by the two pools below). */
void te_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output,
                  te_pool_reduce_fn reduce);

/* MAX_POOL_2D, int8; input and output share their quantization. */
void te_max_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output);

/* AVERAGE_POOL_2D, int8; divides by the count of in-bounds elements. */
void te_avg_pool2d_s8(const te_pool_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    /* input viewed as 4 dims dim0..dim3 (outermost first); redK != 0 marks
     * a reduced dimension. The output is the input with reduced dims of size 1. */
    int32_t dim0, dim1, dim2, dim3;
    int32_t red0, red1, red2, red3;
    int32_t sum_offset; /* -input zero point * reduced element count (int32 wrap) */
    int32_t mult, shift; /* in_scale / out_scale, divided by the count */
    int32_t out_offset;  /* output zero point */
} te_mean_params_t;

/* MEAN, int8, any set of axes (merged by the compiler into <= 4 dims). */
void te_mean_s8(const te_mean_params_t *p, const int8_t *input, int8_t *output);

/* ---- space and batch --------------------------------------------------- */

typedef struct {
    int32_t in_b, in_h, in_w, depth;
    int32_t out_b, out_h, out_w;
    int32_t block_h, block_w;
    int32_t pad_top, pad_left; /* SPACE_TO_BATCH_ND: paddings; BATCH_TO_SPACE_ND: crops */
    int32_t pad_value;         /* SPACE_TO_BATCH_ND: the zero point written into padding */
} te_space_batch_params_t;

/* SPACE_TO_BATCH_ND, int8, NHWC (3-D NHC as W = 1). */
void te_space_to_batch_nd_s8(const te_space_batch_params_t *p, const int8_t *input,
                             int8_t *output);

/* BATCH_TO_SPACE_ND, int8, NHWC (3-D NHC as W = 1). */
void te_batch_to_space_nd_s8(const te_space_batch_params_t *p, const int8_t *input,
                             int8_t *output);

/* ---- elementwise binary ------------------------------------------------ */
/* (add, sub, mul, maximum, minimum) */

/* A numpy-style broadcast, laid out by the compiler as TE_BCAST_DIMS nested
 * loops (outermost first, unused loops have extent 1). stride1/stride2 are
 * the element steps of each input per loop, 0 where that input repeats; the
 * output is written contiguously. */
#define TE_BCAST_DIMS 6

typedef struct {
    int32_t shape[TE_BCAST_DIMS];
    int32_t stride1[TE_BCAST_DIMS];
    int32_t stride2[TE_BCAST_DIMS];
    int32_t in1_const, in2_const; /* 1: that input is const data (TE_READ_S8) */
} te_bcast_t;

/* One innermost run: n outputs from a (step a_step) and b (step b_step). */
typedef void (*te_binary_row_fn)(const void *params, const te_bcast_t *bc,
                                 const int8_t *a, int32_t a_step,
                                 const int8_t *b, int32_t b_step,
                                 int8_t *out, int32_t n);

/* Walks the broadcast and calls row() for each innermost run
 * (te_broadcast_s8.c, shared by the binary kernels below). */
void te_broadcast_binary_s8(const te_bcast_t *bc, const void *params,
                            const int8_t *in1, const int8_t *in2,
                            int8_t *output, te_binary_row_fn row);

/* ADD and SUB, int8 (TFLM's general rescaling path, left shift 20), both in
 * te_add_sub_s8.c. */
typedef struct {
    te_bcast_t bc;
    int32_t in1_offset, in2_offset; /* -input zero points */
    int32_t out_offset;             /* output zero point */
    int32_t left_shift;
    int32_t in1_mult, in1_shift;
    int32_t in2_mult, in2_shift;
    int32_t out_mult, out_shift;
    int32_t act_min, act_max;
} te_add_params_t;

/* in1 or in2 may be const data (bc.in1_const / bc.in2_const). */
void te_add_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2,
               int8_t *output);
void te_sub_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2,
               int8_t *output);

/* The same bytes, faster (te_add_sub_fast_s8.c): division-free
 * requantization, a per-call table for the rescaled input, 4 outputs per
 * iteration on DSP cores; parameters outside the bounds documented there
 * (never produced by the compiler) take te_add_s8 / te_sub_s8. Up to 1 KB
 * of stack. */
void te_add_fast_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2,
                    int8_t *output);
void te_sub_fast_s8(const te_add_params_t *p, const int8_t *in1, const int8_t *in2,
                    int8_t *output);

/* MUL, int8. */
typedef struct {
    te_bcast_t bc;
    int32_t in1_offset, in2_offset; /* -input zero points */
    int32_t out_offset;             /* output zero point */
    int32_t out_mult, out_shift;    /* in1_scale * in2_scale / out_scale */
    int32_t act_min, act_max;
} te_mul_params_t;

void te_mul_s8(const te_mul_params_t *p, const int8_t *in1, const int8_t *in2,
               int8_t *output);

/* MAXIMUM and MINIMUM, int8: raw values compared, nothing requantized (both
 * in te_maximum_minimum_s8.c). */
typedef struct {
    te_bcast_t bc;
} te_minmax_params_t;

void te_maximum_s8(const te_minmax_params_t *p, const int8_t *in1,
                   const int8_t *in2, int8_t *output);
void te_minimum_s8(const te_minmax_params_t *p, const int8_t *in1,
                   const int8_t *in2, int8_t *output);

/* ---- activations and requantization ------------------------------------ */
/* (softmax, logistic, tanh, relu, relu6, leaky_relu, hard_swish, quantize, dequantize) */

/* gemmlowp fixed-point math on raw int32 values (te_fixedpoint_math.c).
 * `int_bits` is the number of integer bits of the input format (Qm.(31-m)),
 * results are Q0.31. */
int32_t te_fx_exp_on_negative_values(int32_t a, int32_t int_bits);
int32_t te_fx_one_over_one_plus_x(int32_t a);      /* 1/(1+a), a in [0, 1) */
int32_t te_fx_one_minus_x_over_one_plus_x(int32_t a); /* (1-a)/(1+a) */
int32_t te_fx_logistic(int32_t a, int32_t int_bits);
int32_t te_fx_tanh(int32_t a, int32_t int_bits);
typedef int32_t (*te_fx_fn)(int32_t a, int32_t int_bits); /* te_fx_logistic, te_fx_tanh */

typedef struct {
    int32_t outer;    /* rows (product of all but the last dimension) */
    int32_t depth;    /* softmax runs over the last dimension */
    int32_t in_mult;  /* beta * input scale, as a Q5.26 multiplier */
    int32_t in_shift; /* left shift >= 0 */
    int32_t diff_min; /* differences below this contribute nothing */
} te_softmax_params_t;

/* SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128). */
void te_softmax_s8(const te_softmax_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t in_zp;
    int32_t in_radius; /* |x - in_zp| at or beyond this saturates */
    int32_t in_mult;   /* input scale as a Q4.27 multiplier */
    int32_t in_shift;
} te_sigmoid_params_t;

/* The loop shared by LOGISTIC and TANH (te_sigmoid_s8.c): f of the input
 * on Q4.27, rounded to steps of 2^-out_bits, plus out_zp, saturated. */
void te_sigmoid_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output,
                   te_fx_fn f, int32_t out_bits, int32_t out_zp);

/* LOGISTIC, int8; output scale 1/256, zero point -128. */
void te_logistic_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output);
/* TANH, int8; output scale 1/128, zero point 0. */
void te_tanh_s8(const te_sigmoid_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t mult, shift; /* input scale / output scale */
    int32_t act_min, act_max;
} te_requantize_params_t;

/* out = clamp(out_zp + (x - in_zp) * mult/2^(31-shift)): RELU and int8 QUANTIZE. */
void te_requantize_s8(const te_requantize_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t lo, hi; /* input zero point and quantized 6.0, on the input scale */
} te_relu6_params_t;

/* RELU6, int8: a clamp on the input's own quantization (as TFLM). */
void te_relu6_s8(const te_relu6_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t id_mult, id_shift;       /* x >= 0: input scale / output scale */
    int32_t alpha_mult, alpha_shift; /* x < 0: |alpha| * input / output scale */
    int32_t alpha_negative;          /* 1 when alpha < 0 */
} te_leaky_relu_params_t;

/* LEAKY_RELU, int8. */
void te_leaky_relu_s8(const te_leaky_relu_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t in_zp, out_zp;
    int32_t out_mult;     /* Q15 multiplier, hi-res input scale -> output */
    int32_t out_shift;    /* <= 0 */
    int32_t reluish_mult; /* Q15 multiplier, hi-res input scale -> 3/32768 */
    int32_t reluish_shift;
} te_hard_swish_params_t;

/* HARD_SWISH, int8 (int16 fixed point inside, as TFLM). */
void te_hard_swish_s8(const te_hard_swish_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t zp;
    int32_t scale_bits; /* IEEE-754 bits of the float32 scale */
} te_quant_f32_params_t;

/* QUANTIZE, float32 -> int8: round(x / scale) + zp, saturated. */
void te_quantize_s8(const te_quant_f32_params_t *p, const float *input, int8_t *output);
/* DEQUANTIZE, int8 -> float32: scale * (q - zp). */
void te_dequantize_s8(const te_quant_f32_params_t *p, const int8_t *input, float *output);

/* ---- data movement ----------------------------------------------------- */
/* (pad, concatenation, copy) */

/* PAD / PADV2, int8, shapes right-aligned to 5 dims (leading 1s). */
typedef struct {
    int32_t in_shape[5];
    int32_t out_shape[5];
    int32_t pad_before[5]; /* padding before the input, per dim */
    int32_t pad_value;     /* int8 value written into the padding */
} te_pad_params_t;

void te_pad_s8(const te_pad_params_t *p, const int8_t *input, int8_t *output);

/* CONCATENATION, int8, equal quantization everywhere (a byte copy). For each
 * of `outer` steps, input k contributes chunk[k] contiguous bytes. Unused
 * input pointers are NULL. */
#define TE_CONCAT_MAX_INPUTS 10

typedef struct {
    int32_t outer;
    int32_t n_inputs;
    int32_t chunk[TE_CONCAT_MAX_INPUTS];
    int32_t const_mask; /* bit k: input k is const data (TE_READ_S8) */
} te_concat_params_t;

void te_concatenation_s8(const te_concat_params_t *p,
                         const int8_t *in0, const int8_t *in1,
                         const int8_t *in2, const int8_t *in3,
                         const int8_t *in4, const int8_t *in5,
                         const int8_t *in6, const int8_t *in7,
                         const int8_t *in8, const int8_t *in9,
                         int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TINYEDGE_TE_KERNELS_H */
