/* MAXIMUM and MINIMUM, int8, with broadcasting: the larger (smaller) of the
 * two raw int8 values, as TFLM does (inputs and output share one
 * quantization). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

/* larger: 1 for MAXIMUM, 0 for MINIMUM. */
static void select_row(int32_t larger, const te_bcast_t *bc,
                       const int8_t *a, int32_t a_step, const int8_t *b,
                       int32_t b_step, int8_t *out, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int8_t x = te_load_s8(a + i * a_step, bc->in1_const);
        const int8_t y = te_load_s8(b + i * b_step, bc->in2_const);
        out[i] = (larger ? x > y : x < y) ? x : y;
    }
}

static void maximum_row(const void *params, const te_bcast_t *bc,
                        const int8_t *a, int32_t a_step, const int8_t *b,
                        int32_t b_step, int8_t *out, int32_t n)
{
    (void)params;
    select_row(1, bc, a, a_step, b, b_step, out, n);
}

static void minimum_row(const void *params, const te_bcast_t *bc,
                        const int8_t *a, int32_t a_step, const int8_t *b,
                        int32_t b_step, int8_t *out, int32_t n)
{
    (void)params;
    select_row(0, bc, a, a_step, b, b_step, out, n);
}

void te_maximum_s8(const te_minmax_params_t *p, const int8_t *in1,
                   const int8_t *in2, int8_t *output)
{
    te_broadcast_binary_s8(&p->bc, p, in1, in2, output, maximum_row);
}

void te_minimum_s8(const te_minmax_params_t *p, const int8_t *in1,
                   const int8_t *in2, int8_t *output)
{
    te_broadcast_binary_s8(&p->bc, p, in1, in2, output, minimum_row);
}
