/* MAXIMUM and MINIMUM, int8, with broadcasting: the larger (smaller) of the
 * two raw int8 values, as TFLM does (inputs and output share one
 * quantization, so te_minmax_params_t holds only the walk). */
#include "tinyedge/te_kernels.h"
#include "te_fixedpoint.h"

/* params points to `larger`: 1 for MAXIMUM, 0 for MINIMUM. */
static void select_row(const void *params, const te_bcast_t *bc,
                       const int8_t *a, int32_t a_step, const int8_t *b,
                       int32_t b_step, int8_t *out, int32_t n)
{
    const int32_t larger = *(const int32_t *)params;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int8_t x = te_load_s8(a + i * a_step, bc->in1_const);
        const int8_t y = te_load_s8(b + i * b_step, bc->in2_const);
        out[i] = (larger ? x > y : x < y) ? x : y;
    }
}

void te_maximum_s8(const te_minmax_params_t *p, const int8_t *in1,
                   const int8_t *in2, int8_t *output)
{
    const int32_t larger = 1;
    te_broadcast_binary_s8(&p->bc, &larger, in1, in2, output, select_row);
}

void te_minimum_s8(const te_minmax_params_t *p, const int8_t *in1,
                   const int8_t *in2, int8_t *output)
{
    const int32_t larger = 0;
    te_broadcast_binary_s8(&p->bc, &larger, in1, in2, output, select_row);
}
