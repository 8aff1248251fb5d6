/* tinyedge runtime: platform glue shared by kernels and generated models.
 *
 * Weights, biases and per-channel constants are declared with TE_CONST_DATA
 * and read only through the TE_READ_* macros, so that AVR can keep them in
 * flash (PROGMEM) and read them with pgm_read_*; other cores read memory.
 */
#ifndef TINYEDGE_TE_PLATFORM_H
#define TINYEDGE_TE_PLATFORM_H

#include <stdint.h>
#include <stddef.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#define TE_CONST_DATA PROGMEM
#define TE_READ_S8(p) ((int8_t)pgm_read_byte(p))
#define TE_READ_S16(p) ((int16_t)pgm_read_word(p))
#define TE_READ_S32(p) ((int32_t)pgm_read_dword(p))
#else
#define TE_CONST_DATA
#define TE_READ_S8(p) (*(const int8_t *)(p))
#define TE_READ_S16(p) (*(const int16_t *)(p))
#define TE_READ_S32(p) (*(const int32_t *)(p))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TE_ALIGNED(n) __attribute__((aligned(n)))
#else
#define TE_ALIGNED(n)
#endif

#endif /* TINYEDGE_TE_PLATFORM_H */
