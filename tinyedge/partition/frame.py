"""The frame format of runtime_c/include/tinyedge/te_frame.h, for the host side of a link
(a gateway, the chain runner relaying between QEMU processes). Same bytes as the C."""

from __future__ import annotations

import struct
import zlib

from ..errors import FrameError as _FrameError

VERSION = 1
HEADER = struct.Struct("<2sBBHI")  # magic, version, part, tensor, payload length
OVERHEAD = HEADER.size + 4  # header + CRC-32

# te_frame.h's codes, by name
CODES = {0: "ok", -1: "short", -2: "magic", -3: "version", -4: "id", -5: "length", -6: "crc", -7: "capacity"}
WHY = {
    "short": "fewer bytes than a frame header and CRC",
    "magic": "not a tinyedge frame (bad magic)",
    "version": "an unknown frame version",
    "id": "a frame for another part or tensor",
    "length": "the payload length is not the tensor's or runs past the received bytes",
    "crc": "CRC mismatch: the bytes were corrupted on the link",
    "capacity": "the output buffer is too small for the frame",
}


class FrameError(_FrameError):
    """Carries te_frame.h's reason, so callers can count rejections by kind."""

    def __init__(self, reason: str, what: str = ""):
        super().__init__(f"frame rejected{' (' + what + ')' if what else ''}: {WHY[reason]}; resend it")
        self.reason = reason


def pack(part: int, tensor: int, payload: bytes) -> bytes:
    head = HEADER.pack(b"TE", VERSION, part, tensor, len(payload)) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def check(frame: bytes, part: int, tensor: int, nbytes: int) -> str:
    """'ok' or the reason the frame is rejected (te_frame_unpack's order of checks)."""
    if len(frame) < OVERHEAD:
        return "short"
    magic, version, p, t, n = HEADER.unpack_from(frame)
    if magic != b"TE":
        return "magic"
    if version != VERSION:
        return "version"
    if p != part or t != tensor:
        return "id"
    if n != nbytes or n > len(frame) - OVERHEAD:
        return "length"
    end = HEADER.size + n
    if struct.unpack_from("<I", frame, end)[0] != zlib.crc32(frame[:end]):
        return "crc"
    return "ok"


def unpack(frame: bytes, part: int, tensor: int, nbytes: int) -> bytes:
    reason = check(frame, part, tensor, nbytes)
    if reason != "ok":
        raise FrameError(reason, f"part {part}, tensor {tensor}")
    return frame[HEADER.size:HEADER.size + nbytes]
