/* Broadcast walk shared by the int8 binary kernels (ADD, SUB, MUL, MAXIMUM,
 * MINIMUM). The compiler has already fused the dimensions into
 * TE_BCAST_DIMS loops, so this only steps two input offsets and hands each
 * innermost run to the kernel's row function. */
#include "tinyedge/te_kernels.h"

void te_broadcast_binary_s8(const te_bcast_t *bc, const void *params,
                            const int8_t *in1, const int8_t *in2,
                            int8_t *output, te_binary_row_fn row)
{
    const int32_t *n = bc->shape;
    const int32_t *s1 = bc->stride1;
    const int32_t *s2 = bc->stride2;
    const int32_t run = n[5];
    int32_t i0, i1, i2, i3, i4;
    for (i0 = 0; i0 < n[0]; ++i0) {
        for (i1 = 0; i1 < n[1]; ++i1) {
            for (i2 = 0; i2 < n[2]; ++i2) {
                for (i3 = 0; i3 < n[3]; ++i3) {
                    const int32_t o1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3];
                    const int32_t o2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3];
                    for (i4 = 0; i4 < n[4]; ++i4) {
                        row(params, bc, in1 + o1 + i4 * s1[4], s1[5],
                            in2 + o2 + i4 * s2[4], s2[5], output, run);
                        output += run;
                    }
                }
            }
        }
    }
}
