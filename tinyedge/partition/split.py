"""tinyedge split: one model, several parts, each an ordinary build folder with its own arena,
fit-checked against its board, plus frame functions for the tensors that cross; split.json says
what goes where."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..boards import get_board
from ..compiler import compile_graph, load_graph, model_bytes
from ..errors import BoardFitError, SplitError, UsageError
from ..names import c_identifier
from ..outdir import SPLIT_MANIFEST, check_writable, write_folder
from ..resources import resource_dir
from .cost import Link, get_link
from .cut import boundaries, chain_assignment, op_for_layer, part_graphs, prepare
from .frame import OVERHEAD
from .measure import device_model
from .plan import Candidate, plan

FRAME_FILES = ("include/tinyedge/te_frame.h", "src/te_frame.c")


@dataclass
class SplitResult:
    out_dir: Path
    manifest: dict
    candidates: list[Candidate] | None = None


def _load(model, name):
    stem = Path(model).stem if isinstance(model, (str, Path)) else getattr(model, "name", "model")
    prefix = c_identifier(name or stem)
    data = model_bytes(model)
    return prefix, data, prepare(load_graph(data, prefix))


def _boards(devices, n_parts: int):
    if devices is None:
        return [get_board("host")] * n_parts
    names = [d.strip() for d in (devices.split(",") if isinstance(devices, str) else devices) if d.strip()]
    if len(names) != n_parts:
        raise UsageError(f"{n_parts} parts need {n_parts} devices, got {len(names)} ({', '.join(names)}); "
                         f"give one board per part, e.g. --devices qemu-cortex-m4,gateway")
    return [get_board(n) for n in names]


def plan_split(model, devices, link: str | Link = "uart-921600", minimize: str = "latency", max_crossing: int = 2,
               kernels: str = "auto", name: str | None = None) -> list[Candidate]:
    """Every two-part split of ``model`` between devices "A,B" over ``link``, costed; the best marked."""
    _, data, g = _load(model, name)
    return _plan(g, data, devices, link, minimize, max_crossing, kernels)


def _plan(g, data, devices, link, minimize, max_crossing, kernels) -> list[Candidate]:
    a, b = _boards(devices, 2)
    link = get_link(link) if isinstance(link, str) else link
    sha = hashlib.sha256(data).hexdigest()
    return plan(g, device_model(g, sha, a.name, kernels), device_model(g, sha, b.name, kernels), link,
                minimize, max_crossing, kernels)


def split(model, out_dir, at=None, devices=None, link: str | Link | None = None, minimize: str = "latency",
          max_crossing: int = 2, kernels: str = "auto", name: str | None = None, force: bool = False) -> SplitResult:
    """Split ``model`` into parts in out_dir/part0, part1, ... and write split.json.

    at: where to cut: a layer (op index or output tensor name, the cut goes after it), or
    several; or an explicit assignment (list of part numbers per op). Without ``at``, the
    planner picks the two-part split of ``devices`` over ``link`` that minimizes ``minimize``.
    devices: one board per part ("A,B"; host/gateway for a Linux machine); default host.
    """
    out = Path(out_dir)
    check_writable(out, force)
    prefix, data, g = _load(model, name)
    n_ops = len(g.ops)
    candidates = None
    if at is None:
        if devices is None or link is None:
            raise UsageError("say where to cut (--at LAYER) or let the planner choose from --devices A,B and "
                             "--link LINK")
        candidates = _plan(g, data, devices, link, minimize, max_crossing, kernels)
        chosen = [c for c in candidates if c.chosen]
        if not chosen:
            raise SplitError(_no_fit(candidates))
        part_of = [0 if p in set(chosen[0].on_a) else 1 for p in range(n_ops)]
        if len(set(part_of)) < 2:
            raise SplitError(f"the best plan runs everything on one device ({chosen[0].label}); build the "
                             f"model for that board with 'tinyedge build' instead")
    elif isinstance(at, (list, tuple)) and len(at) == n_ops and all(isinstance(v, int) for v in at):
        part_of = list(at)
    else:
        layers = [at] if isinstance(at, (str, int)) else list(at)
        cuts = sorted({op_for_layer(g, str(layer).strip()) for layer in layers})
        if cuts[0] <= 0 or cuts[-1] >= n_ops:
            raise SplitError(f"cutting after the last op leaves nothing for the next part; cut after an op "
                             f"before op {g.ops[-1].index}")
        part_of = chain_assignment(n_ops, cuts)
    crossing = boundaries(g, part_of)
    for c, ts in enumerate(crossing):
        if len(ts) > max_crossing:
            names = ", ".join(f"'{g.tensors[t].name}'" for t in ts)
            raise SplitError(f"{len(ts)} tensors cross cut {c} ({names}), more than --max-crossing "
                             f"{max_crossing}; cut where fewer cross (tinyedge split --plan lists them) or "
                             f"raise --max-crossing")
    boards = _boards(devices, len(crossing) + 1)
    link_obj = get_link(link) if isinstance(link, str) else link
    sha = hashlib.sha256(data).hexdigest()
    files, parts_info = {}, []
    for p, part in enumerate(part_graphs(g, part_of)):
        board = boards[p]
        pprefix = f"{prefix}_p{p}"
        link_ctx = _link_context(g, part, p, len(crossing) + 1)
        frame_src = {f"runtime/{f}": (resource_dir("runtime_c") / f).read_bytes() for f in FRAME_FILES}
        try:
            pfiles, r = compile_graph(part, pprefix, sha, target=board if board.core != "host" else None,
                                      fmt="make" if board.core != "host" else "c", kernels=kernels,
                                      extra_files=frame_src, link=link_ctx,
                                      extra={"link": {"part": p, "parts": len(crossing) + 1}})
        except BoardFitError as e:
            ops = [op.index for op in part.ops]
            raise SplitError(f"part {p} (ops {ops[0]}-{ops[-1]}) does not fit {board.name}: "
                             f"{str(e).split(': needs ', 1)[-1].split(';')[0]}; cut elsewhere, or choose a "
                             f"bigger board for that part") from None
        files.update({f"part{p}/{k}": v for k, v in pfiles.items()})
        parts_info.append({"dir": f"part{p}", "prefix": pprefix, "board": board.name,
                           "ops": [op.index for op in part.ops], "inputs": part.inputs, "outputs": part.outputs,
                           "arena_bytes": r.arena_bytes, "flash_bytes": r.flash_bytes, "macs": r.macs,
                           "fit": r.manifest.get("fit")})
    manifest = {
        "split": 1, "model": g.name, "source_sha256": sha, "prefix": prefix,
        "parts": parts_info,
        "boundaries": [{"cut": c, "from_part": c, "to_part": c + 1,
                        "tensors": [_tensor_info(g, t) for t in ts]} for c, ts in enumerate(crossing)],
        "inputs": [_tensor_info(g, t) for t in g.inputs], "outputs": [_tensor_info(g, t) for t in g.outputs],
        "link": None if link_obj is None else {"name": link_obj.name, "bytes_per_s": link_obj.bytes_per_s,
                                               "latency_s": link_obj.latency_s},
    }
    if candidates is not None:
        manifest["plan"] = {"minimize": minimize, "candidates": [candidate_row(g, c) for c in candidates]}
    files[SPLIT_MANIFEST] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    write_folder(out, files, force=force)
    return SplitResult(out, manifest, candidates)


def _tensor_info(g, t: int) -> dict:
    x = g.tensors[t]
    return {"tensor": t, "name": x.name, "shape": list(x.shape), "dtype": x.dtype,
            "scale": float(x.quant.s) if x.quant else None, "zero_point": x.quant.zp if x.quant else None,
            "nbytes": x.nbytes, "frame_bytes": x.nbytes + OVERHEAD}


def _link_context(g, part, p: int, n: int) -> dict:
    def frames(ts):
        return [{"k": k, "tensor": t, "nbytes": g.tensors[t].nbytes, "frame_bytes": g.tensors[t].nbytes + OVERHEAD}
                for k, t in enumerate(ts)]
    return {"part": p, "n_parts": n, "receive": frames(part.inputs) if p > 0 else [],
            "send": frames(part.outputs) if p < n - 1 else []}


def _no_fit(cands: list[Candidate]) -> str:
    best = min(cands, key=lambda c: c.latency_s)
    over = [o for part in best.parts if part is not None for o in part.over]
    return (f"no split fits both devices (e.g. {best.label}: {'; '.join(over) or 'too many tensors cross'}); "
            f"choose bigger boards or a smaller model")


def candidate_row(g, c: Candidate) -> dict:
    return {"label": c.label, "ops_on_a": [g.ops[p].index for p in c.on_a],
            "crossing": [g.tensors[t].name for t in c.crossing], "link_bytes": c.link_bytes,
            "a_ms": c.a_seconds * 1e3, "link_ms": c.link_seconds * 1e3, "b_ms": c.b_seconds * 1e3,
            "latency_ms": c.latency_s * 1e3, "a_energy_mj": c.a_energy_mj,
            "a_flash": c.parts[0].flash_bytes if c.parts[0] else 0, "a_ram": c.parts[0].ram_bytes if c.parts[0] else 0,
            "b_flash": c.parts[1].flash_bytes if c.parts[1] else 0, "b_ram": c.parts[1].ram_bytes if c.parts[1] else 0,
            "fits": c.feasible, "legal": c.legal, "chosen": c.chosen}


def plan_table(rows: list[dict], devices: str, link: str, minimize: str) -> str:
    """The --plan table: one line per candidate (candidate_row dicts), the choice marked *."""
    a, b = [d.strip() for d in devices.split(",")]
    head = (f"split between A={a} and B={b} over {link}, minimizing {minimize} (times in ms; flash/RAM in "
            f"bytes; * the choice)")
    cols = f"  {'where':<34} {'crossing':>8} {'bytes':>7} {'A ms':>9} {'link ms':>9} {'B ms':>9} " \
           f"{'total ms':>9} {'A mJ':>8} {'A flash/RAM':>17} {'B flash/RAM':>17}  fits"
    lines = [head, cols]
    for r in rows:
        fa = f"{r['a_flash']:,}/{r['a_ram']:,}" if r["a_flash"] or r["a_ram"] else "-"
        fb = f"{r['b_flash']:,}/{r['b_ram']:,}" if r["b_flash"] or r["b_ram"] else "-"
        fits = "yes" if r["fits"] else ("no" if r["legal"] else "cross")
        lines.append(f"{'*' if r['chosen'] else ' '} {r['label'][:34]:<34} {len(r['crossing']):>8} "
                     f"{r['link_bytes']:>7,} {r['a_ms']:>9.2f} {r['link_ms']:>9.2f} {r['b_ms']:>9.2f} "
                     f"{r['latency_ms']:>9.2f} {r['a_energy_mj']:>8.3f} {fa:>17} {fb:>17}  {fits}")
    return "\n".join(lines)
