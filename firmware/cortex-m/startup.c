/* Minimal Cortex-M start-up for tinyedge's emulated boards (QEMU mps2/mps3):
 * a vector table, .data copied from flash, .bss zeroed, the FPU enabled when
 * the code is built for one, then main(). SysTick counts time for profiles. */
#include <stdint.h>

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
extern int main(void);
extern void exit(int status);
void te_reset_handler(void);
void te_fault_handler(void);
void te_systick_handler(void);

/* Wraps of SysTick's 24-bit counter; the harness reads it with the counter. */
volatile uint32_t te_systick_wraps;

/* The initial stack pointer, then the handlers: a struct, since ISO C has no
 * conversion between a data pointer and a function pointer. */
typedef struct {
    uint32_t *stack_top;
    void (*handlers[15])(void);
} te_vector_table_t;

__attribute__((section(".vectors"), used))
static const te_vector_table_t te_vectors = {
    &__stack_top__,
    {
        te_reset_handler,
        te_fault_handler, /* NMI */
        te_fault_handler, /* HardFault */
        te_fault_handler, /* MemManage */
        te_fault_handler, /* BusFault */
        te_fault_handler, /* UsageFault */
        te_fault_handler, /* SecureFault (v8-M) */
        0, 0, 0,
        te_fault_handler, /* SVCall */
        te_fault_handler, /* DebugMonitor */
        0,
        te_fault_handler, /* PendSV */
        te_systick_handler,
    },
};

void te_systick_handler(void)
{
    ++te_systick_wraps;
}

void te_fault_handler(void)
{
    exit(99); /* semihosting: QEMU ends with the status instead of hanging */
}

void te_reset_handler(void)
{
    uint32_t *src = &__data_load__;
    uint32_t *dst;
    for (dst = &__data_start__; dst < &__data_end__;) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start__; dst < &__bss_end__;) {
        *dst++ = 0u;
    }
#if defined(__ARM_FP)
    /* CP10 and CP11 full access, before any float instruction */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n\tisb");
#endif
    exit(main());
}
