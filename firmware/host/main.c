/* tinyedge's host harness, for running the generated C as a plain program
 * (under AddressSanitizer and UndefinedBehaviorSanitizer in the tests): one
 * inference on te_input.c, the outputs printed as "out <k> <hex>", then "end". */
#include <stdint.h>
#include <stdio.h>

#include "te_harness.h"

int main(void)
{
    int32_t k, i;
    TE_HARNESS_INVOKE();
    for (k = 0; k < TE_HARNESS_OUTPUTS; ++k) {
        const uint8_t *b = (const uint8_t *)te_harness_outputs[k].data;
        printf("out %ld ", (long)k);
        for (i = 0; i < te_harness_outputs[k].nbytes; ++i) {
            printf("%02x", (unsigned)b[i]);
        }
        printf("\n");
    }
    printf("end\n");
    return 0;
}
