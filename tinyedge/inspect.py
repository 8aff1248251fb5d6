"""What a model will cost before it is flashed: a row per layer, totals, unsupported ops, the fit.

Runs the compiler's own pipeline (read, passes, lowering, memory plan) without
writing anything, so every figure is the one `tinyedge build` would produce.
"""

from __future__ import annotations

import json
from pathlib import Path

from .boards import get_board
from .compiler import flash_bytes, kernel_set, lower, model_bytes
from .fit import estimate
from .frontend.tflite import (
    read_tflite,
    unsupported_hint,
    unsupported_ops,
    validate_structure,
)
from .names import c_identifier
from .ops import REGISTRY
from .outdir import MANIFEST
from .passes.fuse_dilated_conv import fuse_dilated_convs


def _source(model: str | Path) -> tuple[str | Path, str | None, str]:
    """(model file, board, kernels) of a model file or of a build folder (its .tflite and manifest)."""
    p = Path(model)
    if p.is_dir() and (p / MANIFEST).is_file():
        m = json.loads((p / MANIFEST).read_text())
        return p / m["tflite"], m.get("board"), m.get("kernels", "auto")
    return model, None, "auto"


def inspect(model: str | Path, board: str | None = None, calib=None, kernels: str | None = None,
            max_density: float = 0.5, quiet: bool = True) -> dict:
    src, built_board, built_kernels = _source(model)
    target = get_board(board or built_board) if (board or built_board) else None
    prefix = c_identifier(Path(src).stem)
    data = model_bytes(src, calib, quiet=quiet)
    g = read_tflite(data, prefix)
    fuse_dilated_convs(g)
    validate_structure(g)
    problems = {op.index: why for op, why in unsupported_ops(g)}
    kset = kernel_set(kernels or built_kernels, target)
    kernels_by_pos, plan = ({}, None)
    if not problems:
        ks, plan = lower(g, max_density, kset)
        kernels_by_pos = dict(ks)
    rows = []
    for pos, op in enumerate(g.ops):
        spec = REGISTRY.get(op.kind)
        consts = [g.t(i) for i in op.inputs if i >= 0 and g.t(i).is_const]
        sparse = op.options.get("sparse_report")
        if pos in kernels_by_pos:  # what the C stores: the kernel's const arguments (a sparse encoding included)
            weights = sum(g.t(i).nbytes for i in kernels_by_pos[pos].args if i >= 0 and g.t(i).is_const)
        else:
            weights = 0 if spec and spec.alias else sum(t.nbytes for t in consts)
        live = None
        if plan is not None:
            live = sum(b.size for b in plan.buffers if b.first <= pos <= b.last)
        rows.append({
            "index": op.index, "op": op.kind,
            "inputs": [list(g.t(i).shape) for i in op.inputs if i >= 0 and not g.t(i).is_const],
            "outputs": [list(g.t(o).shape) for o in op.outputs],
            "kernel": kernels_by_pos[pos].func if pos in kernels_by_pos else None,
            "macs": spec.macs(g, op) if spec and op.index not in problems else 0,
            "weight_bytes": weights,
            "sparse": bool(sparse), "arena_live_bytes": live,
            "unsupported": None if op.index not in problems else (problems[op.index] or "no such op in tinyedge"),
        })
    out = {"model": str(model), "layers": rows, "macs": sum(r["macs"] for r in rows),
           "weight_bytes": sum(r["weight_bytes"] for r in rows),
           "arena_bytes": plan.arena_size if plan else None, "kernels": kset,
           "unsupported": [f"#{i} {g.ops[[op.index for op in g.ops].index(i)].kind}" for i in problems],
           "hint": unsupported_hint(g) if problems else None, "board": None,
           "buffers": [] if plan is None else [
               {"name": _buffer_name(g, b.key), "size": b.size, "first": b.first, "last": b.last, "offset": b.offset}
               for b in plan.buffers]}
    if target is not None and plan is not None and target.core != "host":
        weights, consts = flash_bytes(g, list(kernels_by_pos.items()))
        manifest = {"files": [f"runtime/src/{s}" for k in kernels_by_pos.values() for s in k.sources],
                    "ops": [{"kernel": r["kernel"]} for r in rows], "inputs": [], "outputs": [],
                    "weights_bytes": weights, "constants_bytes": consts, "arena_bytes": plan.arena_size}
        for key, idx in (("inputs", g.inputs), ("outputs", g.outputs)):
            manifest[key] = [{"shape": list(g.t(i).shape), "dtype": g.t(i).dtype} for i in idx]
        fit = estimate(manifest, target)
        out["board"] = {"name": target.name, "flash_bytes": fit.flash_bytes, "ram_bytes": fit.ram_bytes,
                        "board_flash_bytes": target.flash_bytes, "board_ram_bytes": target.ram_bytes,
                        "fits": not fit.overshoot(target), "overshoot": fit.overshoot(target)}
    return out


def _buffer_name(g, key: str) -> str:
    """A plan buffer's label: the tensor's name, or the scratch of an op."""
    if key.startswith("s"):
        return f"scratch of op {g.ops[int(key[1:])].index}"
    return g.tensors[int(key[1:])].name or f"tensor {key[1:]}"


def table(info: dict) -> str:
    lines = [f"{'#':>3}  {'op':<18} {'in':<16} {'out':<16} {'kernel':<34} {'MACs':>11} {'weights':>9} "
             f"{'live arena':>10}"]
    for r in info["layers"]:
        shape = lambda s: "x".join(map(str, s[0])) if s else "-"  # noqa: E731
        kernel = r["kernel"] or ("UNSUPPORTED" if r["unsupported"] else "(view)")
        kernel += " sparse" if r["sparse"] else ""
        live = f"{r['arena_live_bytes']:,}" if r["arena_live_bytes"] is not None else "-"
        lines.append(f"{r['index']:>3}  {r['op']:<18} {shape(r['inputs']):<16} {shape(r['outputs']):<16} "
                     f"{kernel:<34} {r['macs']:>11,} {r['weight_bytes']:>9,} {live:>10}")
        if r["unsupported"]:
            lines.append(f"     ^ unsupported: {r['unsupported']}")
    arena = f"{info['arena_bytes']:,} bytes" if info["arena_bytes"] is not None else "- (unsupported ops)"
    lines.append(f"total: {info['macs']:,} MACs, weights {info['weight_bytes']:,} bytes, arena {arena}, "
                 f"kernels {info['kernels']}")
    if info["unsupported"]:
        lines.append(f"unsupported: {', '.join(info['unsupported'])}; {info['hint']}")
    b = info["board"]
    if b:
        verdict = "fits" if b["fits"] else "does NOT fit: " + " and ".join(b["overshoot"])
        lines.append(f"{b['name']}: flash {b['flash_bytes']:,} of {b['board_flash_bytes']:,} bytes, RAM "
                     f"{b['ram_bytes']:,} of {b['board_ram_bytes']:,} (estimated): {verdict}")
    return "\n".join(lines)
