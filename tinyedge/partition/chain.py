"""Run a split folder: the parts one after another, every crossing tensor through a frame.

On the host each part's own C packs and unpacks its frames (cffi). Under QEMU
each part runs as its own firmware; the host relays the tensors between the
QEMU processes as frames (partition/frame.py, the same bytes as the C).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..outdir import SPLIT_MANIFEST
from . import frame


def is_split(out_dir) -> bool:
    return (Path(out_dir) / SPLIT_MANIFEST).is_file()


def read_split(out_dir) -> dict:
    p = Path(out_dir) / SPLIT_MANIFEST
    if not p.is_file():
        raise UsageError(f"'{out_dir}' is not a split folder (no {SPLIT_MANIFEST}); make one with 'tinyedge split'")
    return json.loads(p.read_text())


@dataclass
class ChainRun:
    outputs: list[np.ndarray]
    frames: list[list[bytes]] = field(default_factory=list)  # per cut, one frame per crossing tensor
    instructions: list[int] = field(default_factory=list)  # per part, under QEMU
    part_seconds: list[float] = field(default_factory=list)
    link_seconds: float = 0.0

    @property
    def latency_s(self) -> float:
        return sum(self.part_seconds) + self.link_seconds


def emulate_split(out_dir, inputs) -> ChainRun:
    """Every part on the host, in order, frames packed and checked by the parts' own C."""
    from ..targets.host import load
    out_dir = Path(out_dir)
    info = read_split(out_dir)
    models = [load(out_dir / p["dir"]) for p in info["parts"]]
    values = models[0].run(inputs)
    run = ChainRun([])
    for c in range(len(models) - 1):
        sent = [models[c].pack_output(k, v) for k, v in enumerate(values)]
        run.frames.append(sent)
        values = models[c + 1].run([models[c + 1].unpack_input(k, f) for k, f in enumerate(sent)])
    run.outputs = values
    return run


def run_split_firmware(out_dir, inputs=None) -> ChainRun:
    """Each part's firmware under QEMU on its own board (parts on host/gateway run through cffi),
    tensors relayed as frames; instructions per part and the predicted end-to-end latency."""
    from ..boards import get_board
    from ..targets.host import load
    from ..targets.qemu import run_firmware
    out_dir = Path(out_dir)
    info = read_split(out_dir)
    link = info.get("link")
    run = ChainRun([])
    values = load(out_dir / info["parts"][0]["dir"]).prepare_inputs(inputs) if inputs is not None else None
    for p, part in enumerate(info["parts"]):
        board = get_board(part["board"])
        folder = out_dir / part["dir"]
        if board.core == "host":
            hm = load(folder)
            values = hm.run(values if values is not None else
                            [np.full(s["shape"], s["zero_point"] or 0, s["dtype"]) for s in hm.manifest["inputs"]])
            run.instructions.append(0)
            run.part_seconds.append(0.0)
        else:
            fw = run_firmware(folder, values)
            values = fw.outputs
            run.instructions.append(fw.instructions)
            run.part_seconds.append(fw.instructions / board.clock_hz)
        if p < len(info["parts"]) - 1:
            sent = [frame.pack(p, t["tensor"], np.ascontiguousarray(v).tobytes())
                    for t, v in zip(info["boundaries"][p]["tensors"], values)]
            run.frames.append(sent)
            if link:
                run.link_seconds += sum(link["latency_s"] + len(f) / link["bytes_per_s"] for f in sent)
            values = [np.frombuffer(frame.unpack(f, p, t["tensor"], t["nbytes"]), t["dtype"]).reshape(t["shape"])
                      for f, t in zip(sent, info["boundaries"][p]["tensors"])]
    run.outputs = values
    return run
