/* Frames between the parts of a split model: see te_frame.h for the layout. */
#include <string.h>

#include "tinyedge/te_frame.h"

/* CRC-32 (reflected, polynomial 0xEDB88320) four bits at a time: a 64-byte table
 * instead of zlib's 1 KB, half the loop trips of the bitwise form. */
static const uint32_t te_crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t te_crc32(const uint8_t *data, uint32_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < n; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ te_crc_nibble[crc & 15u];
        crc = (crc >> 4) ^ te_crc_nibble[crc & 15u];
    }
    return crc ^ 0xFFFFFFFFu;
}

static void te_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t te_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int32_t te_frame_pack(uint8_t part, uint16_t tensor, const void *payload, uint32_t n, uint8_t *buf, uint32_t cap)
{
    if (cap < TE_FRAME_OVERHEAD_BYTES || n > cap - TE_FRAME_OVERHEAD_BYTES || n > 0x7FFFFFFFu - TE_FRAME_OVERHEAD_BYTES) {
        return TE_FRAME_E_CAPACITY;
    }
    buf[0] = 'T';
    buf[1] = 'E';
    buf[2] = TE_FRAME_VERSION;
    buf[3] = part;
    buf[4] = (uint8_t)tensor;
    buf[5] = (uint8_t)(tensor >> 8);
    te_put_u32(buf + 6, n);
    if (n > 0) {
        memcpy(buf + TE_FRAME_HEADER_BYTES, payload, n);
    }
    te_put_u32(buf + TE_FRAME_HEADER_BYTES + n, te_crc32(buf, TE_FRAME_HEADER_BYTES + n));
    return (int32_t)(n + TE_FRAME_OVERHEAD_BYTES);
}

int32_t te_frame_unpack(const uint8_t *buf, uint32_t len, uint8_t part, uint16_t tensor, void *payload, uint32_t n)
{
    if (len < TE_FRAME_OVERHEAD_BYTES) {
        return TE_FRAME_E_SHORT;
    }
    if (buf[0] != 'T' || buf[1] != 'E') {
        return TE_FRAME_E_MAGIC;
    }
    if (buf[2] != TE_FRAME_VERSION) {
        return TE_FRAME_E_VERSION;
    }
    if (buf[3] != part || (uint16_t)((uint16_t)buf[4] | ((uint16_t)buf[5] << 8)) != tensor) {
        return TE_FRAME_E_ID;
    }
    /* The declared length must be the tensor's and must fit in what was received:
     * compared without adding to it, so a huge value cannot wrap around. */
    uint32_t declared = te_get_u32(buf + 6);
    if (declared != n || declared > len - TE_FRAME_OVERHEAD_BYTES) {
        return TE_FRAME_E_LENGTH;
    }
    if (te_get_u32(buf + TE_FRAME_HEADER_BYTES + n) != te_crc32(buf, TE_FRAME_HEADER_BYTES + n)) {
        return TE_FRAME_E_CRC;
    }
    if (n > 0) {
        memcpy(payload, buf + TE_FRAME_HEADER_BYTES, n);
    }
    return TE_FRAME_OK;
}
