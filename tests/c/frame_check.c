/* Frames under attack (issue 9): built with -fsanitize=address,undefined against a split part's
 * generated unpack function (UNPACK, for input 0: TENSOR bytes of tensor TENSOR_ID from part
 * PART_FROM). Every single-bit flip, every truncation (each in a buffer of exactly that many
 * bytes, so a read past the end is an ASan error), bursts and random garbage; prints how many
 * were rejected with each code. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyedge/te_frame.h"

int32_t UNPACK(int32_t k, const uint8_t *buf, uint32_t len, void *data);

#define N TENSOR
static int32_t counts[3][8]; /* [flip, truncate, burst/garbage][-code] */

static int32_t try_frame(const uint8_t *bytes, uint32_t len, int8_t *out)
{
    uint8_t *copy = (uint8_t *)malloc(len ? len : 1); /* exactly len bytes: overreads are caught */
    memcpy(copy, bytes, len);
    int32_t rc = UNPACK(0, len ? copy : NULL, len, out);
    free(copy);
    return rc;
}

int main(void)
{
    static int8_t payload[N], out[N];
    static uint8_t frame[N + TE_FRAME_OVERHEAD_BYTES], bad[N + TE_FRAME_OVERHEAD_BYTES + 8];
    uint32_t seed = 12345u;
    for (uint32_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        payload[i] = (int8_t)(seed >> 16);
    }
    int32_t n = te_frame_pack(PART_FROM, TENSOR_ID, payload, N, frame, sizeof frame);
    if (n != N + TE_FRAME_OVERHEAD_BYTES || try_frame(frame, (uint32_t)n, out) != 0 || memcmp(out, payload, N)) {
        printf("valid frame rejected\n");
        return 1;
    }
    printf("valid ok\n");
    for (int32_t bit = 0; bit < n * 8; bit++) {
        memcpy(bad, frame, (size_t)n);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        int32_t rc = try_frame(bad, (uint32_t)n, out);
        counts[0][rc < 0 ? -rc : 0]++;
    }
    for (int32_t len = 0; len < n; len++) {
        int32_t rc = try_frame(frame, (uint32_t)len, out);
        counts[1][rc < 0 ? -rc : 0]++;
    }
    for (int32_t trial = 0; trial < 20000; trial++) {
        memcpy(bad, frame, (size_t)n);
        seed = seed * 1103515245u + 12345u;
        uint32_t len = (uint32_t)n;
        if (trial % 2) { /* a burst of up to 32 bits flipped anywhere: CRC-32 catches every one */
            uint32_t start = (seed >> 8) % (uint32_t)(n * 8 - 32), pattern = seed | 1u | 0x80000000u;
            for (uint32_t b = 0; b < 32; b++) {
                if (pattern & (1u << b)) bad[(start + b) / 8] ^= (uint8_t)(1u << ((start + b) % 8));
            }
        } else { /* random bytes, random length, a valid header half the time */
            len = (seed >> 4) % (uint32_t)(n + 8);
            for (uint32_t i = (trial % 4 ? 10u : 0u); i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                bad[i] = (uint8_t)(seed >> 16);
            }
            if (len == (uint32_t)n && trial % 4 && memcmp(bad, frame, (size_t)n) == 0) continue;
        }
        int32_t rc = try_frame(bad, len, out);
        counts[2][rc < 0 ? -rc : 0]++;
    }
    static const char *kind[3] = {"flip", "truncate", "random"};
    for (int32_t k = 0; k < 3; k++) {
        for (int32_t c = 0; c < 8; c++) {
            if (counts[k][c]) printf("%s %d %d\n", kind[k], (int)-c, (int)counts[k][c]);
        }
    }
    printf("end\n");
    return 0;
}
