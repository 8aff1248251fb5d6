"""The build pipeline: model file -> Graph -> passes -> kernels -> C folder."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .codegen.render import render_model
from .errors import UsageError
from .frontend.tflite import read_tflite, validate
from .ir import Graph
from .names import c_identifier
from .ops import REGISTRY, ConstArray, Kernel
from .outdir import MANIFEST, write_folder
from .passes.fuse_activation import fuse_activations
from .passes.fuse_dilated_conv import fuse_dilated_convs
from .passes.plan_memory import MemoryPlan, plan_memory
from .passes.sparsify import sparsify
from .resources import resource_dir

RUNTIME_HEADERS = ["include/tinyedge/te_platform.h", "include/tinyedge/te_kernels.h", "src/te_fixedpoint.h"]


@dataclass
class BuildResult:
    out_dir: Path
    prefix: str
    arena_bytes: int
    weights_bytes: int
    constants_bytes: int
    macs: int
    manifest: dict = field(repr=False)

    @property
    def flash_bytes(self) -> int:
        """Model data in flash: weights, biases and precomputed constants."""
        return self.weights_bytes + self.constants_bytes


def load_graph(model: str | Path, name: str | None = None) -> Graph:
    """Read and validate a model file into a Graph."""
    path = Path(model)
    prefix = c_identifier(name or path.stem)
    if path.suffix.lower() in (".keras", ".h5") or (path.is_dir() and (path / "saved_model.pb").exists()):
        raise UsageError(
            f"'{path}' is a Keras model; the Keras front end needs calibration data: "
            "tinyedge build model.keras --calib data.npz (or convert it to an int8 .tflite first)")
    if not path.exists():
        raise UsageError(f"model file '{path}' does not exist; check the path")
    g = read_tflite(path, prefix)
    fuse_dilated_convs(g)
    validate(g)
    return g


def lower(g: Graph, max_density: float = 0.5) -> list[tuple[int, Kernel]]:
    """One Kernel per executed op (views such as RESHAPE produce none)."""
    fuse_activations(g)
    sparsify(g, max_density)
    return [(pos, REGISTRY[op.kind].lower(g, op)) for pos, op in enumerate(g.ops)
            if not REGISTRY[op.kind].alias]


def runtime_files(kernels: list[tuple[int, Kernel]]) -> dict[str, bytes]:
    root = resource_dir("runtime_c")
    sources = sorted({s for _, k in kernels for s in k.sources})
    rels = RUNTIME_HEADERS + [f"src/{s}" for s in sources]
    return {f"runtime/{r}": (root / r).read_bytes() for r in rels}


def _manifest(g: Graph, prefix: str, kernels, plan: MemoryPlan, source_sha: str) -> dict:
    def io(indices):
        return [{"name": g.tensors[i].name, "shape": list(g.tensors[i].shape), "dtype": g.tensors[i].dtype,
                 "scale": float(g.tensors[i].quant.s) if g.tensors[i].quant else None,
                 "zero_point": g.tensors[i].quant.zp if g.tensors[i].quant else None} for i in indices]
    kmap = dict(kernels)
    ops = []
    for pos, op in enumerate(g.ops):
        spec = REGISTRY[op.kind]
        ops.append({"index": op.index, "kind": op.kind, "kernel": kmap[pos].func if pos in kmap else None,
                    "sparse": op.options.get("sparse_report"),
                    "macs": spec.macs(g, op), "outputs": [{"tensor": o, "name": g.tensors[o].name,
                                                            "shape": list(g.tensors[o].shape),
                                                            "dtype": g.tensors[o].dtype} for o in op.outputs]})
    return {"tinyedge": __version__, "prefix": prefix, "source_sha256": source_sha,
            "arena_bytes": plan.arena_size, "inputs": io(g.inputs), "outputs": io(g.outputs), "ops": ops}


def build(model: str | Path, out_dir: str | Path, name: str | None = None, arena: str = "static",
          force: bool = False) -> BuildResult:
    """Compile a model to a folder of C. See `tinyedge build --help`."""
    if arena not in ("static", "caller"):
        raise UsageError(f"arena must be 'static' or 'caller', not '{arena}'")
    g = load_graph(model, name)
    prefix = g.name
    kernels = lower(g)
    plan = plan_memory(g, {pos: k.scratch_bytes for pos, k in kernels})
    files = render_model(g, prefix, kernels, plan, arena)
    files.update(runtime_files(kernels))

    used = {i for _, k in kernels for i in k.args if i >= 0 and g.tensors[i].is_const}
    weights = sum(g.tensors[i].nbytes for i in used)
    consts = sum(v.data.nbytes for _, k in kernels for _, v in k.params if isinstance(v, ConstArray))
    macs = sum(REGISTRY[op.kind].macs(g, op) for op in g.ops)
    sha = hashlib.sha256(Path(model).read_bytes()).hexdigest()
    manifest = _manifest(g, prefix, kernels, plan, sha)
    manifest.update({"weights_bytes": weights, "constants_bytes": consts, "macs": macs,
                     "files": sorted(files)})
    files[MANIFEST] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    out = Path(out_dir)
    write_folder(out, files, force=force)
    return BuildResult(out, prefix, plan.arena_size, weights, consts, macs, manifest)
