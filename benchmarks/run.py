"""tinyedge against TensorFlow Lite Micro on the shared models: speed, instructions, memory.

    python benchmarks/run.py [--runs 50] [--models kws_ref_model vww_96_int8] [--no-qemu]

For each model in ../shared/models (or --models-dir), in one process:
- host: median latency of tinyedge's generated C (fast kernels, called through
  cffi with the buffers bound beforehand) and of the tflite_micro interpreter's
  invoke(), and their ratio;
- qemu-cortex-m4: instructions per inference with the reference and the fast
  kernels (QEMU -icount, deterministic), per MAC, and their ratio;
- arena bytes against TFLM's activation arena ("head") and total arena, and
  flash (weights + constants).
Prints a table and writes the figures to benchmarks/results/run.json.
Needs the test extra (tflite-micro) and, for QEMU, the Cortex-M toolchain.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = ["hello_world_int8", "micro_speech_quantized", "ad01_int8", "kws_ref_model", "pretrainedResnet_quant",
          "vww_96_int8"]


def median_us(call, runs: int) -> float:
    call()  # warm-up: caches, lazy bindings
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000.0


def bench_model(path: Path, runs: int, qemu: bool, work: Path) -> dict:
    import tinyedge
    from tflite_micro.python.tflite_micro import runtime
    from tinyedge.targets.host import load
    from tinyedge.targets.tflm import tflm_arena

    data = path.read_bytes()
    fast = tinyedge.compile(path, work / "fast", kernels="fast")
    hm = load(work / "fast")
    rng = np.random.default_rng(0)
    xs = [rng.integers(-128, 128, size=s["shape"], dtype=np.int8) for s in fast.manifest["inputs"]]
    call, outs = hm.invoker(xs)
    it = runtime.Interpreter.from_bytes(data, arena_size=max(len(data) * 10, 1 << 20))
    for k, x in enumerate(xs):
        it.set_input(x, k)
    call()
    it.invoke()
    same = all(np.array_equal(o, it.get_output(k)) for k, o in enumerate(outs))
    ours, theirs = median_us(call, runs), median_us(it.invoke, runs)
    arena = tflm_arena(data)
    row = {"model": path.stem, "macs": fast.macs, "equal_to_tflm": bool(same),
           "host": {"tinyedge_us": ours, "tflm_us": theirs, "speedup": theirs / ours, "runs": runs},
           "arena": {"tinyedge": fast.arena_bytes, "tflm_head": arena.get("head"), "tflm_total": arena.get("total"),
                     "ratio_to_head": fast.arena_bytes / arena["head"] if arena.get("head") else None},
           "flash": {"weights_and_constants": fast.flash_bytes}}
    if qemu:
        from tinyedge.targets.qemu import run_firmware
        counts = {}
        for kset in ("reference", "fast"):
            tinyedge.compile(path, work / f"m4-{kset}", board="qemu-cortex-m4", kernels=kset)
            fw = run_firmware(work / f"m4-{kset}", xs)
            counts[kset] = fw.instructions
            counts[f"{kset}_elf_flash"] = fw.flash_bytes
        row["qemu_cortex_m4"] = {
            "reference_instructions": counts["reference"], "fast_instructions": counts["fast"],
            "reference_per_mac": counts["reference"] / max(fast.macs, 1),
            "fast_per_mac": counts["fast"] / max(fast.macs, 1),
            "speedup": counts["reference"] / counts["fast"], "elf_flash_fast": counts["fast_elf_flash"]}
    return row


def table(rows: list[dict]) -> str:
    out = [f"{'model':<24} {'MACs':>11} {'host us':>9} {'TFLM us':>9} {'x':>6} {'M4 ref/MAC':>10} "
           f"{'M4 fast/MAC':>11} {'x':>5} {'arena':>8} {'TFLM head':>9} {'ratio':>6} {'TFLM total':>10} {'flash':>8}"]
    for r in rows:
        q = r.get("qemu_cortex_m4")
        m4 = (f"{q['reference_per_mac']:>10.2f} {q['fast_per_mac']:>11.2f} {q['speedup']:>5.1f}" if q
              else f"{'-':>10} {'-':>11} {'-':>5}")
        a, h = r["arena"], r["host"]
        out.append(f"{r['model']:<24} {r['macs']:>11,} {h['tinyedge_us']:>9.1f} {h['tflm_us']:>9.1f} "
                   f"{h['speedup']:>6.1f} {m4} {a['tinyedge']:>8,} {a['tflm_head'] or 0:>9,} "
                   f"{a['ratio_to_head'] or 0:>6.2f} {a['tflm_total'] or 0:>10,} {r['flash']['weights_and_constants']:>8,}")
    return "\n".join(out)


def versions() -> dict:
    """What the figures depend on beside the model: the host ratio moves with the TFLM build installed."""
    out = {}
    for pkg in ("tinyedge", "tflite-micro", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models-dir", type=Path, default=HERE.parent.parent / "shared" / "models")
    p.add_argument("--models", nargs="*", default=MODELS)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--no-qemu", action="store_true", help="skip the Cortex-M4 instruction counts")
    p.add_argument("--out", type=Path, default=HERE / "results" / "run.json")
    a = p.parse_args(argv)
    qemu = not a.no_qemu and shutil.which("qemu-system-arm") is not None
    rows = []
    with tempfile.TemporaryDirectory(prefix="tinyedge-bench-") as tmp:
        for name in a.models:
            rows.append(bench_model(a.models_dir / f"{name}.tflite", a.runs, qemu, Path(tmp) / name))
            print(f"{name}: done", file=sys.stderr)
    print(table(rows))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"machine": platform.machine(), "python": platform.python_version(),
                                 "versions": versions(), "models": rows}, indent=1) + "\n")
    print(f"wrote {a.out}")
    return 0 if all(r["equal_to_tflm"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
