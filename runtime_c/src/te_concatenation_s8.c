/* CONCATENATION, int8: inputs and output share one quantization, so this is
 * a copy. The output is `outer` rows; each row is input 0's next chunk[0]
 * bytes, then input 1's next chunk[1] bytes, and so on. */
#include "tinyedge/te_kernels.h"

void te_concatenation_s8(const te_concat_params_t *p,
                         const int8_t *in0, const int8_t *in1,
                         const int8_t *in2, const int8_t *in3,
                         const int8_t *in4, const int8_t *in5,
                         const int8_t *in6, const int8_t *in7,
                         const int8_t *in8, const int8_t *in9,
                         int8_t *output)
{
    const int8_t *in[TE_CONCAT_MAX_INPUTS];
    int32_t o, k, i;
    in[0] = in0; in[1] = in1; in[2] = in2; in[3] = in3; in[4] = in4;
    in[5] = in5; in[6] = in6; in[7] = in7; in[8] = in8; in[9] = in9;
    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->n_inputs; ++k) {
            const int32_t n = p->chunk[k];
            const int8_t *src = in[k] + o * n;
            if ((p->const_mask >> k) & 1) {
                for (i = 0; i < n; ++i) {
                    output[i] = TE_READ_S8(src + i);
                }
            } else {
                for (i = 0; i < n; ++i) {
                    output[i] = src[i];
                }
            }
            output += n;
        }
    }
}
