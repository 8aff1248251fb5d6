/* The SysTick clock of the Cortex-M harness (main.c) and of the kernel
 * check drivers (tests/c/check_support.h): elapsed ticks as a 32-bit count,
 * the 24-bit down-counter extended by the wraps that startup.c's SysTick
 * handler counts. */
#ifndef TE_SYSTICK_H
#define TE_SYSTICK_H

#include <stdint.h>

extern volatile uint32_t te_systick_wraps;

#define TE_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define TE_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define TE_SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static inline void te_clock_start(void)
{
    TE_SYST_RVR = 0xFFFFFFu;
    TE_SYST_CVR = 0u;
    TE_SYST_CSR = 7u; /* enable, wrap interrupt, processor clock */
    while (TE_SYST_CVR == 0u) {
        /* the first tick loads the reload value; before it, 0 would read as a full period */
    }
}

/* Ticks since te_clock_start: wraps (counted by the interrupt) and the
 * 24-bit down-counter, read again if a wrap came in between. */
static inline uint32_t te_clock_now(void)
{
    uint32_t wraps, value;
    do {
        wraps = te_systick_wraps;
        value = TE_SYST_CVR;
    } while (wraps != te_systick_wraps);
    return (wraps << 24) + (0xFFFFFFu - value);
}

#endif /* TE_SYSTICK_H */
