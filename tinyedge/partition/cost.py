"""What a split costs: each part's time on its board, the link's transfer time, device energy.

Part times come from tinyedge's own per-layer instruction counts on an emulated
core (partition/measure.py), scaled by the board's clock; the link from the
LINKS table (bandwidth after protocol overhead, a fixed latency per message).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import UsageError
from .frame import OVERHEAD


@dataclass(frozen=True)
class Link:
    name: str
    bytes_per_s: float  # application throughput, after the protocol's own overhead
    latency_s: float  # per frame: scheduling, connection interval, turnaround
    tx_mw: float  # what the sending device spends while the link carries its bytes
    description: str

    def seconds(self, nbytes: int) -> float:
        """One frame carrying ``nbytes`` of tensor data."""
        return self.latency_s + (nbytes + OVERHEAD) / self.bytes_per_s


# Typical figures; override with --bandwidth/--latency for a measured link.
LINKS = {l.name: l for l in (
    Link("uart-115200", 11_520, 0.0002, 1.0, "UART 115200 baud, 8N1 (10 bits a byte)"),
    Link("uart-921600", 92_160, 0.0002, 1.0, "UART 921600 baud, 8N1"),
    Link("spi-8mhz", 1_000_000, 0.00002, 1.0, "SPI at 8 MHz, one byte per 8 clocks"),
    Link("ble-1m", 87_500, 0.0075, 16.0, "BLE 1M PHY, data length extension: about 700 kbit/s "
                                          "of payload, one 7.5 ms connection interval"),
    Link("ble-2m", 175_000, 0.0075, 16.0, "BLE 2M PHY: about 1.4 Mbit/s of payload, 7.5 ms interval"),
    Link("802.15.4", 12_500, 0.005, 20.0, "IEEE 802.15.4 (Thread, Zigbee) 250 kbit/s: about 100 kbit/s "
                                          "of payload after headers and acknowledgements"),
    Link("wifi", 2_500_000, 0.002, 300.0, "Wi-Fi 802.11n on an MCU (ESP32 class): about 20 Mbit/s TCP"),
    Link("ethernet", 11_000_000, 0.0002, 200.0, "100 Mbit/s Ethernet, TCP"),
)}

# Active power per MHz of each core, for --minimize device-energy (datasheet-typical,
# run mode from flash at 3.3 V: STM32L4 ~0.3 mW/MHz, STM32H7 ~0.9, ATmega ~3, ESP32 ~1.4).
ACTIVE_MW_PER_MHZ = {"cortex-m0plus": 0.15, "cortex-m3": 0.3, "cortex-m4": 0.3, "cortex-m7": 0.9,
                     "cortex-m33": 0.15, "cortex-m55": 0.3, "avr": 3.0, "xtensa": 1.4, "riscv32": 0.3}

OBJECTIVES = ("latency", "device-energy", "link-bytes")


def get_link(name: str, bandwidth: float | None = None, latency: float | None = None) -> Link:
    """A link from LINKS, optionally with a measured bandwidth (bytes/s) or latency (s) instead."""
    if name not in LINKS:
        raise UsageError(f"unknown link '{name}'; use one of {', '.join(LINKS)} (then --bandwidth and "
                         f"--latency to set its figures)")
    link = LINKS[name]
    if bandwidth is not None:
        if bandwidth <= 0:
            raise UsageError(f"--bandwidth must be positive bytes per second, not {bandwidth}")
        link = replace(link, bytes_per_s=float(bandwidth))
    if latency is not None:
        if latency < 0:
            raise UsageError(f"--latency must be zero or more seconds, not {latency}")
        link = replace(link, latency_s=float(latency))
    return link


def active_mw(board) -> float:
    """Power while computing on ``board``; 0 for the host/gateway (mains-powered, not the device)."""
    if board.core == "host" or not board.clock_hz:
        return 0.0
    return ACTIVE_MW_PER_MHZ.get(board.core, 0.3) * board.clock_hz / 1e6
