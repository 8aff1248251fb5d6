"""The build pipeline: model file -> Graph -> passes -> kernels -> C folder."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .boards import get_board
from .codegen.render import render_model
from .errors import UsageError
from .fit import check_fit, estimate
from .frontend.keras import is_keras_source, quantize
from .frontend.tflite import read_tflite, validate
from .ir import Graph
from .names import c_identifier
from .ops import REGISTRY, ConstArray, Kernel
from .outdir import MANIFEST, check_writable, write_folder
from .passes.depthwise_as_conv import depthwise_as_conv
from .passes.fuse_activation import fuse_activations
from .passes.fuse_dilated_conv import fuse_dilated_convs
from .passes.inplace import mark_inplace
from .passes.plan_memory import MemoryPlan, plan_memory
from .passes.sparsify import sparsify
from .partition.channels import assign as assign_workers
from .resources import resource_dir
from .targets.arduino import arduino_files, platformio_files
from .targets.project import project_files

FORMATS = ("c", "make", "arduino", "platformio")
RUNTIME_HEADERS = ["include/tinyedge/te_platform.h", "include/tinyedge/te_kernels.h",
                   "include/tinyedge/te_kernels_fast.h", "src/te_fixedpoint.h"]
KERNEL_SETS = ("auto", "fast", "reference")
STACK_SCRATCH = 4 * 160  # te_kernels_fast.h: TE_CONV2D_STACK_WORDS
FAST_DEFAULT = "fast"


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


def model_bytes(model: str | Path, calib=None, quiet: bool = False) -> bytes:
    """The int8 .tflite to compile: the file itself, or a Keras model quantized with `calib`."""
    if not isinstance(model, (str, Path)):  # a Keras model object (API)
        return quantize(model, calib, quiet=quiet)
    path = Path(model)
    if is_keras_source(path):
        return quantize(path, calib, quiet=quiet)
    if not path.exists():
        raise UsageError(f"model file '{path}' does not exist; check the path")
    if calib is not None:
        raise UsageError(f"--calib is for Keras models; '{path.name}' is already a .tflite: drop --calib")
    try:
        return path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror}; check the path") from None


def load_graph(data: bytes, prefix: str) -> Graph:
    """Read and validate int8 .tflite bytes into a Graph."""
    g = read_tflite(data, prefix)
    fuse_dilated_convs(g)
    validate(g)
    return g


def kernel_set(kernels: str, board) -> str:
    """auto: the optimized kernels, except on AVR, whose weights sit in PROGMEM."""
    if kernels not in KERNEL_SETS:
        raise UsageError(f"--kernels must be one of {', '.join(KERNEL_SETS)}, not '{kernels}'")
    if kernels == "auto":
        return "reference" if board is not None and board.core == "avr" else FAST_DEFAULT
    return kernels


def lower(g: Graph, max_density: float = 0.5, kernels: str = "reference",
          workers: int = 1) -> tuple[list[tuple[int, Kernel]], MemoryPlan]:
    """One Kernel per executed op (views such as RESHAPE produce none), and the memory plan.

    Planned with and without in-place convolutions (passes/inplace.py); the
    smaller arena wins, and a tie keeps the out-of-place kernels (no copies aside).
    workers=2: heavy layers split by output channels (partition/channels.py), sets
    op.options["worker_ranges"]; such a build keeps weights dense, runs nothing in place
    and gives each worker its own scratch.
    """
    g.kernel_set = kernels
    fuse_activations(g)
    if workers > 1:
        return _lower_workers(g)
    sparsify(g, max_density)
    if kernels == "fast":
        depthwise_as_conv(g)
    flags = ("inplace", "stack_scratch", "reference_kernel")
    best = None
    for inplace in (False, True):
        for op in g.ops:
            for f in flags:
                op.options.pop(f, None)
        if inplace and not mark_inplace(g):
            break
        ks = [(pos, REGISTRY[op.kind].lower(g, op)) for pos, op in enumerate(g.ops) if not REGISTRY[op.kind].alias]
        plan = plan_memory(g, {pos: k.scratch_bytes for pos, k in ks})
        if kernels == "fast":
            ks, plan = _trim_scratch(g, ks, plan)
        if best is None or plan.arena_size < best[1].arena_size:
            best = (ks, plan, [{f: op.options[f] for f in flags if f in op.options} for op in g.ops])
    for op, kept in zip(g.ops, best[2]):  # the options of the plan that won
        for f in flags:
            op.options.pop(f, None)
        op.options.update(kept)
    return best[0], best[1]


def _lower_workers(g: Graph):
    ks = [(pos, REGISTRY[op.kind].lower(g, op)) for pos, op in enumerate(g.ops) if not REGISTRY[op.kind].alias]
    ranges, _ = assign_workers(g, ks)
    for pos, r in ranges.items():
        g.ops[pos].options["worker_ranges"] = r
    # Two workers run a split layer at once: each needs its own scratch (worker 1's follows worker 0's).
    plan = plan_memory(g, {pos: k.scratch_bytes * (2 if pos in ranges else 1) for pos, k in ks})
    return ks, plan


def _trim_scratch(g: Graph, ks, plan):
    """A fast kernel's scratch that raises the arena's peak costs RAM for speed: that op keeps its
    short im2col columns on the stack instead (STACK_SCRATCH bytes at most), or else gets the
    reference kernel (largest scratch first), as long as the arena shrinks."""
    for pos, k in sorted(ks, key=lambda pk: -pk[1].scratch_bytes):
        if not k.scratch_bytes or plan.arena_size == 0:
            continue
        op = g.ops[pos]
        small = k.func == "te_conv2d_fast_s8" and k.scratch_bytes <= STACK_SCRATCH
        flag = "stack_scratch" if small else "reference_kernel"
        op.options[flag] = True
        trial = [(p, REGISTRY[g.ops[p].kind].lower(g, g.ops[p]) if p == pos else kk) for p, kk in ks]
        trial_plan = plan_memory(g, {p: kk.scratch_bytes for p, kk in trial})
        if trial_plan.arena_size < plan.arena_size:
            ks, plan = trial, trial_plan
        else:
            op.options.pop(flag)
    return ks, plan


def flash_bytes(g: Graph, kernels: list[tuple[int, Kernel]]) -> tuple[int, int]:
    """(weights, constants): the const tensors the kernels read (each once), and their precomputed arrays."""
    used = {i for _, k in kernels for i in k.args if i >= 0 and g.tensors[i].is_const}
    weights = sum(g.tensors[i].nbytes for i in used)
    return weights, sum(v.data.nbytes for _, k in kernels for _, v in k.params if isinstance(v, ConstArray))


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
                    "sparse": op.options.get("sparse_report"), "worker_ranges": op.options.get("worker_ranges"),
                    "macs": spec.macs(g, op), "outputs": [{"tensor": o, "name": g.tensors[o].name,
                                                            "shape": list(g.tensors[o].shape),
                                                            "dtype": g.tensors[o].dtype} for o in op.outputs]})
    return {"tinyedge": __version__, "prefix": prefix, "source_sha256": source_sha,
            "arena_bytes": plan.arena_size, "inputs": io(g.inputs), "outputs": io(g.outputs), "ops": ops}


def build(model: str | Path, out_dir: str | Path, name: str | None = None, arena: str = "static",
          force: bool = False, calib=None, max_density: float = 0.5, quiet: bool = False,
          board: str | None = None, fmt: str | None = None, kernels: str = "auto", cores: int = 1) -> BuildResult:
    """Compile a model to a folder of C. See `tinyedge build --help`.

    model: an int8 .tflite, or a Keras model (.keras, .h5, SavedModel folder)
    with `calib` (see frontend.keras.quantize). The int8 .tflite the C was
    made from is written beside it as <name>.tflite. board: a name from
    boards/ (tinyedge boards): the model must fit it (unless force), and
    fmt "make" (the default for a board other than host) adds a Makefile
    project for it; fmt "c" writes the C alone.
    """
    if arena not in ("static", "caller"):
        raise UsageError(f"arena must be 'static' or 'caller', not '{arena}'")
    target = get_board(board) if board else None
    if fmt is None:
        fmt = "make" if target is not None and target.core != "host" else "c"
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    if fmt != "c" and (target is None or target.core == "host"):
        raise UsageError(f"--format {fmt} needs a --board other than host (tinyedge boards lists them)")
    if not 0.0 <= max_density <= 1.0:
        raise UsageError(f"max density must be within [0, 1], not {max_density}")
    out = Path(out_dir)
    check_writable(out, force)  # before a long quantization, not after
    stem = Path(model).stem if isinstance(model, (str, Path)) else getattr(model, "name", "model")
    prefix = c_identifier(name or stem)
    data = model_bytes(model, calib, quiet=quiet)
    g = load_graph(data, prefix)
    files, result = compile_graph(g, prefix, hashlib.sha256(data).hexdigest(), target=target, fmt=fmt,
                                  arena=arena, max_density=max_density, kernels=kernels, force=force,
                                  tflite=data, source=Path(model).name if isinstance(model, (str, Path)) else None,
                                  cores=cores)
    write_folder(out, files, force=force)
    result.out_dir = out
    return result


def compile_graph(g: Graph, prefix: str, source_sha: str, *, target=None, fmt: str = "c", arena: str = "static",
                  max_density: float = 0.5, kernels: str = "auto", force: bool = False, tflite: bytes | None = None,
                  source: str | None = None, extra: dict | None = None,
                  extra_files: dict[str, bytes] | None = None, link: dict | None = None, cores: int = 1
                  ) -> tuple[dict[str, bytes], BuildResult]:
    """Lower and render one graph: the output folder's files (not yet written) and what was built.
    tflite: the int8 model the graph was read from, written beside the C (None for a split's part);
    extra: more manifest keys, extra_files: more sources, link: frame functions (a split part's place
    in the chain, its frames: partition/split.py)."""
    kset = kernel_set(kernels, target)
    if cores not in (1, 2):
        raise UsageError(f"--cores must be 1 or 2, not {cores}")
    ks, plan = lower(g, max_density, kset, workers=cores)
    files = render_model(g, prefix, ks, plan, arena, link, workers=cores)
    files.update(runtime_files(ks))
    files.update(extra_files or {})
    if tflite is not None:
        files[f"{prefix}.tflite"] = tflite

    weights, consts = flash_bytes(g, ks)
    macs = sum(REGISTRY[op.kind].macs(g, op) for op in g.ops)
    manifest = _manifest(g, prefix, ks, plan, source_sha)
    manifest.update({"kernels": kset, "weights_bytes": weights, "constants_bytes": consts, "macs": macs,
                     "source": source, "tflite": f"{prefix}.tflite" if tflite is not None else None,
                     **(extra or {})})
    if cores > 1:
        _, worker_macs = assign_workers(g, ks)
        manifest.update({"workers": cores, "worker_macs": worker_macs})
    manifest["files"] = sorted([*files, MANIFEST])
    if target is not None:
        manifest["board"] = target.name
        if target.core != "host":
            fit = estimate(manifest, target) if force else check_fit(manifest, target)
            manifest["fit"] = {"flash_bytes": fit.flash_bytes, "ram_bytes": fit.ram_bytes,
                               "board_flash_bytes": target.flash_bytes, "board_ram_bytes": target.ram_bytes}
    if fmt != "c":
        export = {"make": project_files, "arduino": arduino_files, "platformio": platformio_files}[fmt]
        files.update(export(target, manifest, files))
        manifest["format"] = fmt
        manifest["files"] = sorted([*files, MANIFEST])
    files[MANIFEST] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    return files, BuildResult(Path("."), prefix, plan.arena_size, weights, consts, macs, manifest)
