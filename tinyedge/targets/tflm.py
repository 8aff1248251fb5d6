"""TensorFlow Lite Micro as the reference: run a .tflite with TFLM's Python
package and find the first layer where tinyedge's generated C differs.

Optional: needs `pip install tflite-micro` (the `reference` extra).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ToolchainError
from .host import load


def _runtime():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:
        raise ToolchainError("comparing with TFLM needs its Python package: pip install tflite-micro") from None
    return runtime


def run_tflm(model: str | Path | bytes, inputs: list[np.ndarray], keep_all: bool = False):
    """Outputs of TFLM's reference kernels (and the interpreter, for intermediate tensors)."""
    rt = _runtime()
    data = bytes(model) if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    config = rt.InterpreterConfig.kPreserveAllTensors if keep_all else rt.InterpreterConfig.kAllocationRecording
    it = rt.Interpreter.from_bytes(data, arena_size=max(len(data) * 10, 1 << 20), intrepreter_config=config)
    for k, x in enumerate(inputs):
        it.set_input(x, k)
    it.invoke()
    return it


def compare_with_tflm(model: str | Path, out_dir: str | Path, inputs) -> dict:
    """Run both on the same inputs. Returns {"equal": bool, "first_difference": {...} or None, "layers": n}."""
    hm = load(out_dir, trace=True)
    xs = hm.prepare_inputs(inputs)
    outs, trace = hm.run(xs)
    it = run_tflm(model, xs, keep_all=True)
    for rec in trace:
        ref = it.GetTensor(rec["tensor"], 0)
        ref = np.asarray(ref["tensor_data"] if isinstance(ref, dict) else ref)
        if ref.tobytes() != rec["data"].tobytes():
            diff = np.abs(ref.reshape(-1).astype(np.int64) - rec["data"].reshape(-1).astype(np.int64))
            return {"equal": False, "layers": len(trace), "first_difference": {
                "op": rec["op"], "tensor": rec["tensor"], "name": rec["name"],
                "elements_differing": int((diff > 0).sum()), "elements": int(diff.size),
                "max_abs_difference": int(diff.max())}}
    for k, y in enumerate(outs):
        if np.asarray(it.get_output(k)).tobytes() != y.tobytes():
            return {"equal": False, "layers": len(trace), "first_difference": {"output": k}}
    return {"equal": True, "layers": len(trace), "first_difference": None}


def tflm_arena(model: bytes) -> dict[str, int]:
    """TFLM's arena use from print_allocations(): "head" (activations), "tail" and "total" bytes.
    Run in a child process that owns its output streams: TFLM logs from C++, outside sys.stderr."""
    _runtime()
    with tempfile.NamedTemporaryFile(suffix=".tflite") as f:
        f.write(model)
        f.flush()
        code = ("import sys; from tflite_micro.python.tflite_micro import runtime; "
                "runtime.Interpreter.from_file(sys.argv[1]).print_allocations()")
        r = subprocess.run([sys.executable, "-c", code, f.name], capture_output=True, text=True, check=True)
    out = {}
    for line in (r.stdout + r.stderr).splitlines():
        for key in ("total", "head", "tail"):
            if f"Arena allocation {key}" in line:
                out[key] = int(line.split(f"Arena allocation {key}")[1].split()[0])
    return out
