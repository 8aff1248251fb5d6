/* tinyedge frames: one tensor crossing from one part of a split model to the next,
 * over UART, SPI, BLE or a socket.
 *
 *   offset  size  field
 *   0       2     magic "TE"
 *   2       1     version (TE_FRAME_VERSION)
 *   3       1     part: the index of the part that sent it
 *   4       2     tensor: the tensor's index in the whole model (little-endian)
 *   6       4     payload length in bytes (little-endian)
 *   10      n     payload: the tensor's bytes
 *   10+n    4     CRC-32 (IEEE 802.3, as zlib's crc32) of bytes 0 .. 10+n-1, little-endian
 *
 * Unpacking checks every field against what the receiver expects and never
 * reads past the buffer's length; each failure has its own code.
 */
#ifndef TINYEDGE_TE_FRAME_H
#define TINYEDGE_TE_FRAME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TE_FRAME_VERSION 1
#define TE_FRAME_HEADER_BYTES 10
#define TE_FRAME_OVERHEAD_BYTES 14 /* header + CRC */

#define TE_FRAME_OK 0
#define TE_FRAME_E_SHORT (-1)    /* fewer bytes than a header and a CRC */
#define TE_FRAME_E_MAGIC (-2)    /* not a tinyedge frame */
#define TE_FRAME_E_VERSION (-3)  /* a frame format this code does not know */
#define TE_FRAME_E_ID (-4)       /* another part's or another tensor's frame */
#define TE_FRAME_E_LENGTH (-5)   /* payload length is not the tensor's, or runs past the buffer */
#define TE_FRAME_E_CRC (-6)      /* the bytes were corrupted on the way */
#define TE_FRAME_E_CAPACITY (-7) /* pack: the output buffer is too small */

uint32_t te_crc32(const uint8_t *data, uint32_t n);

/* Writes a frame into buf (cap bytes). Returns its size, or TE_FRAME_E_CAPACITY. */
int32_t te_frame_pack(uint8_t part, uint16_t tensor, const void *payload, uint32_t n, uint8_t *buf, uint32_t cap);

/* Checks the frame in buf (len bytes) and copies its payload, exactly n bytes, to
 * payload. Returns TE_FRAME_OK or a TE_FRAME_E_* code (payload untouched then). */
int32_t te_frame_unpack(const uint8_t *buf, uint32_t len, uint8_t part, uint16_t tensor, void *payload, uint32_t n);

#ifdef __cplusplus
}
#endif

#endif /* TINYEDGE_TE_FRAME_H */
