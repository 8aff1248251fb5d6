/* tinyedge's harness for emulated Cortex-M boards: runs the model once on
 * the input in te_input.c and prints, through semihosting, its outputs in
 * hex and the elapsed SysTick ticks (total, and per layer with TE_PROFILE).
 * Under QEMU with -icount shift=0 a tick is a fixed number of instructions,
 * so the counts are the same on every run. tinyedge run/profile parse:
 *   out <k> <hex>   ticks <total>   calibration <instructions> <ticks>   step <i> <ticks>   end */
#include <stdint.h>
#include <stdio.h>

#include "te_harness.h"
#include "te_systick.h"

extern void initialise_monitor_handles(void);
/* Ticks for a loop of 2 x TE_CALIBRATION_LOOPS instructions: the ratio turns
 * ticks into instructions whatever clock the emulated board's SysTick has. */
#define TE_CALIBRATION_LOOPS 1048576u
static uint32_t te_calibrate(void)
{
    uint32_t n = TE_CALIBRATION_LOOPS;
    const uint32_t start = te_clock_now();
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return te_clock_now() - start;
}

#ifdef TE_PROFILE
static uint32_t te_step_start;
static uint32_t te_step_ticks[TE_HARNESS_STEPS > 0 ? TE_HARNESS_STEPS : 1];

void te_profile_begin(int32_t step)
{
    (void)step;
    te_step_start = te_clock_now();
}

void te_profile_end(int32_t step)
{
    te_step_ticks[step] += te_clock_now() - te_step_start;
}
#endif

static void te_print_bytes(int32_t k, const void *data, int32_t nbytes)
{
    const uint8_t *b = (const uint8_t *)data;
    int32_t i;
    printf("out %ld ", (long)k);
    for (i = 0; i < nbytes; ++i) {
        printf("%02x", (unsigned)b[i]);
    }
    printf("\n");
}

int main(void)
{
    uint32_t start, ticks, calibration;
    int32_t k;
    initialise_monitor_handles();
    te_clock_start();
    calibration = te_calibrate();
    start = te_clock_now();
    TE_HARNESS_INVOKE();
    ticks = te_clock_now() - start;
    for (k = 0; k < TE_HARNESS_OUTPUTS; ++k) {
        te_print_bytes(k, te_harness_outputs[k].data, te_harness_outputs[k].nbytes);
    }
    printf("ticks %lu\n", (unsigned long)ticks);
    printf("calibration %lu %lu\n", 2ul * TE_CALIBRATION_LOOPS, (unsigned long)calibration);
#ifdef TE_PROFILE
    for (k = 0; k < TE_HARNESS_STEPS; ++k) {
        printf("step %ld %lu\n", (long)k, (unsigned long)te_step_ticks[k]);
    }
#endif
    printf("end\n");
    return 0;
}
