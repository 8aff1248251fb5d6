"""Host emulation: compile a built model into a shared library and call it via cffi.

Libraries are cached by a hash of every source byte and compiler flag, so a
model is compiled once however often it is run. ``trace=True`` builds with
TE_TRACE and returns every tensor each op wrote, in execution order, to find
the first layer that differs from a reference.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, ToolchainError, UsageError
from ..outdir import MANIFEST

CFLAGS = ["-std=c99", "-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", "-pedantic"]
NP_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "float32": np.float32}
C_TYPES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int32_t", "float32": "float"}


def cache_dir() -> Path:
    base = os.environ.get("TINYEDGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tinyedge")
    return Path(base) / "host"


def read_manifest(out_dir: str | Path) -> dict:
    p = Path(out_dir) / MANIFEST
    if not p.is_file():
        raise UsageError(f"'{out_dir}' is not a tinyedge build folder (no {MANIFEST}); run 'tinyedge build' first")
    return json.loads(p.read_text())


def sources(out_dir: Path, manifest: dict) -> list[Path]:
    """The model's C and its runtime kernels (not a board project's firmware)."""
    return sorted(out_dir / f for f in manifest["files"]
                  if f == f"{manifest['prefix']}_model.c" or (f.startswith("runtime/src/") and f.endswith(".c")))


def compile_library(out_dir: str | Path, trace: bool = False, extra_flags: list[str] | None = None,
                    cc: str | None = None) -> Path:
    """Compile the folder's C into a cached shared library; return its path."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    cc = cc or os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        raise ToolchainError(f"C compiler '{cc}' not found; install gcc (apt-get install gcc) or set CC")
    flags = CFLAGS + (["-DTE_TRACE"] if trace else []) + list(extra_flags or [])
    if manifest.get("workers", 1) > 1:  # the pthread runner of a --cores 2 build
        flags += ["-DTE_PTHREADS", "-pthread"]
    srcs = sources(out_dir, manifest)
    h = hashlib.sha256(" ".join([cc, *flags]).encode())
    for f in sorted(manifest["files"]):
        h.update(f.encode() + b"\0" + (out_dir / f).read_bytes())
    lib = cache_dir() / f"{manifest['prefix']}-{h.hexdigest()[:24]}.so"
    if lib.is_file():
        return lib
    lib.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkstemp(suffix=".so", dir=lib.parent)[1])
    cmd = [cc, *flags, f"-I{out_dir}", f"-I{out_dir / 'runtime' / 'include'}",
           f"-I{out_dir / 'runtime' / 'src'}", *map(str, srcs), "-o", str(tmp)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        tmp.unlink(missing_ok=True)
        first = (r.stderr.strip().splitlines() or ["no output"])[0]
        raise ToolchainError(f"host compile failed: {first}")
    os.replace(tmp, lib)
    return lib


@dataclass
class HostModel:
    """A built model loaded into this process."""

    manifest: dict
    lib_path: Path
    trace: bool

    def __post_init__(self):
        import cffi

        m = self.manifest
        p = m["prefix"]
        args = ["uint8_t *arena"]
        args += [f"const {C_TYPES[t['dtype']]} *in{k}" for k, t in enumerate(m["inputs"])]
        args += [f"{C_TYPES[t['dtype']]} *out{k}" for k, t in enumerate(m["outputs"])]
        self.ffi = cffi.FFI()
        cdef = f"int32_t {p}_invoke_with_arena({', '.join(args)});"
        if self.trace:
            cdef += f"\nvoid {p}_set_trace(void (*fn)(int32_t, int32_t, const void *, int32_t));"
        if m.get("workers", 1) > 1:  # --cores 2: the two-worker entry through the pthread runner
            cdef += f"\nint32_t {p}_invoke_threads({', '.join(args)});"
        if m.get("link"):  # a split model's part: its frame functions
            cdef += (f"\nint32_t {p}_pack_output(int32_t k, const void *data, uint8_t *buf, uint32_t cap);"
                     f"\nint32_t {p}_unpack_input(int32_t k, const uint8_t *buf, uint32_t len, void *data);")
        self.ffi.cdef(cdef)
        self.lib = self.ffi.dlopen(str(self.lib_path))
        self._invoke = getattr(self.lib, f"{p}_invoke_with_arena")
        self._arena = self.ffi.new("uint8_t[]", max(m["arena_bytes"], 1))

    def prepare_inputs(self, inputs) -> list[np.ndarray]:
        specs = self.manifest["inputs"]
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        inputs = list(inputs)
        if len(inputs) != len(specs):
            raise InputError(f"the model takes {len(specs)} input(s), got {len(inputs)}; pass one array per input")
        out = []
        for k, (x, s) in enumerate(zip(inputs, specs)):
            x = np.asarray(x)
            shape = tuple(s["shape"])
            if x.shape != shape and x.size == int(np.prod(shape)) and x.shape == shape[1:]:
                x = x.reshape(shape)
            if x.shape != shape:
                raise InputError(f"input {k} has shape {list(x.shape)}, the model expects {list(shape)}; reshape it")
            want = NP_TYPES[s["dtype"]]
            if x.dtype != want:
                if np.issubdtype(x.dtype, np.floating) and s["scale"]:
                    q = np.floor(x / np.float32(s["scale"]) + 0.5) + s["zero_point"]  # quantize real values
                    info = np.iinfo(want)
                    x = np.clip(q, info.min, info.max).astype(want)
                elif np.issubdtype(x.dtype, np.integer) and np.all(x == x.astype(want)):
                    x = x.astype(want)
                else:
                    raise InputError(f"input {k} is {x.dtype}, the model expects {s['dtype']}; convert it")
            out.append(np.ascontiguousarray(x))
        return out

    def run(self, inputs) -> list[np.ndarray] | tuple[list[np.ndarray], list[dict]]:
        xs = self.prepare_inputs(inputs)
        outs = [np.zeros(s["shape"], NP_TYPES[s["dtype"]]) for s in self.manifest["outputs"]]
        records: list[dict] = []
        cb = None
        if self.trace:
            ffi = self.ffi
            names = {o["tensor"]: o for op in self.manifest["ops"] for o in op["outputs"]}

            def on_tensor(op_index, tensor_index, data, nbytes):
                info = names[tensor_index]
                raw = bytes(ffi.buffer(data, nbytes))
                arr = np.frombuffer(raw, NP_TYPES[info["dtype"]]).reshape(info["shape"])
                records.append({"op": op_index, "tensor": tensor_index, "name": info["name"], "data": arr.copy()})

            cb = ffi.callback("void(int32_t, int32_t, const void *, int32_t)", on_tensor)
            getattr(self.lib, f"{self.manifest['prefix']}_set_trace")(cb)
        specs = self.manifest["inputs"] + self.manifest["outputs"]
        ptrs = [self.ffi.from_buffer(C_TYPES[s["dtype"]] + "[]", a) for s, a in zip(specs, xs + outs)]
        self._invoke(self._arena, *ptrs)
        if self.trace:
            getattr(self.lib, f"{self.manifest['prefix']}_set_trace")(self.ffi.NULL)
            return outs, records
        return outs


    def run_threads(self, inputs) -> list[np.ndarray]:
        """A --cores 2 build on two host threads (worker 0 here, worker 1 on a pthread)."""
        xs = self.prepare_inputs(inputs)
        outs = [np.zeros(s["shape"], NP_TYPES[s["dtype"]]) for s in self.manifest["outputs"]]
        specs = self.manifest["inputs"] + self.manifest["outputs"]
        ptrs = [self.ffi.from_buffer(C_TYPES[s["dtype"]] + "[]", a) for s, a in zip(specs, xs + outs)]
        if getattr(self.lib, f"{self.manifest['prefix']}_invoke_threads")(self._arena, *ptrs) != 0:
            raise ToolchainError("could not start the second worker thread")
        return outs

    def pack_output(self, k: int, data: np.ndarray) -> bytes:
        """Output k of a split part as the frame its C sends (tinyedge/te_frame.h)."""
        from ..partition.frame import CODES, FrameError
        data = np.ascontiguousarray(data)
        buf = self.ffi.new("uint8_t[]", data.nbytes + 14)
        n = getattr(self.lib, f"{self.manifest['prefix']}_pack_output")(k, self.ffi.from_buffer(data), buf, len(buf))
        if n < 0:
            raise FrameError(CODES.get(n, "capacity"), f"packing output {k}")
        return bytes(self.ffi.buffer(buf, n))

    def unpack_input(self, k: int, frame: bytes) -> np.ndarray:
        """Input k of a split part from a received frame, checked by its C; FrameError names why not."""
        from ..partition.frame import CODES, FrameError
        spec = self.manifest["inputs"][k]
        out = np.zeros(spec["shape"], NP_TYPES[spec["dtype"]])
        src = self.ffi.from_buffer("uint8_t[]", frame) if frame else self.ffi.NULL
        rc = getattr(self.lib, f"{self.manifest['prefix']}_unpack_input")(k, src, len(frame), self.ffi.from_buffer(out))
        if rc != 0:
            raise FrameError(CODES.get(rc, "id"), f"input {k} of {self.manifest['prefix']}")
        return out

    def invoker(self, inputs):
        """(call, outputs): a no-argument call running the model on ``inputs`` into ``outputs``,
        with everything bound beforehand, for timing the generated code alone."""
        xs = self.prepare_inputs(inputs)
        outs = [np.zeros(s["shape"], NP_TYPES[s["dtype"]]) for s in self.manifest["outputs"]]
        specs = self.manifest["inputs"] + self.manifest["outputs"]
        ptrs = [self.ffi.from_buffer(C_TYPES[s["dtype"]] + "[]", a) for s, a in zip(specs, xs + outs)]
        invoke, arena = self._invoke, self._arena

        def call():
            invoke(arena, *ptrs)
        call.keep = (xs, ptrs)  # the buffers must outlive the call
        return call, outs


def load(out_dir: str | Path, trace: bool = False) -> HostModel:
    manifest = read_manifest(out_dir)
    return HostModel(manifest, compile_library(out_dir, trace=trace), trace)


def emulate(out_dir: str | Path, inputs, trace: bool = False):
    """Run the built model once on the host. Returns outputs, or (outputs, trace) with trace=True."""
    return load(out_dir, trace=trace).run(inputs)
