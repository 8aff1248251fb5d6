"""Read a .tflite flatbuffer into an ir.Graph, without importing TensorFlow.

Parsing uses the `tflite` package: TFLite's own schema compiled to plain
Python by flatc, so the reader tracks the real schema and needs nothing
heavier than `flatbuffers`. Anything unexpected in the file becomes a
ModelFormatError; nothing from the flatbuffer library escapes.
"""

from __future__ import annotations

from pathlib import Path

import flatbuffers
import numpy as np
import tflite

from ..errors import FloatModelError, ModelFormatError, TinyedgeError, UnsupportedModelError, UnsupportedOpError
from ..ir import Graph, Op, QuantParams, Tensor
from ..ops import REGISTRY

# tflite.TensorType -> our dtype names.
TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string",
                6: "bool", 7: "int16", 9: "int8", 10: "float64"}
NUMPY_TYPES = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "uint8": np.uint8,
               "int64": np.int64, "bool": np.bool_, "int16": np.int16, "int8": np.int8,
               "float64": np.float64}
BUILTIN_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
MAX_ELEMENTS = 1 << 31  # a tensor larger than this cannot be meant for a microcontroller


def _empty_table(cls):
    """An options object with every field at its schema default."""
    b = flatbuffers.Builder(16)
    b.StartObject(0)
    b.Finish(b.EndObject())
    buf = b.Output()
    obj = cls()
    obj.Init(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))
    return obj


def read_tflite(source: str | Path | bytes, name: str = "model") -> Graph:
    """Parse a .tflite model (path or bytes) into a Graph. Raises TinyedgeError."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ModelFormatError(f"cannot read '{path}': {e.strerror}; check the path") from None
    else:
        data = bytes(source)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelFormatError(
            "not a .tflite model (no TFL3 flatbuffer identifier); pass an int8 .tflite file "
            "or a Keras model with --calib")
    try:
        return _parse(data, name)
    except TinyedgeError:
        raise
    except Exception as e:  # corrupt offsets surface as arbitrary exceptions in flatbuffers
        raise ModelFormatError(
            f"the .tflite file is truncated or corrupt ({type(e).__name__}); re-export the model") from None


def _parse(data: bytes, name: str) -> Graph:
    model = tflite.Model.GetRootAsModel(data, 0)
    if model.SubgraphsLength() != 1:
        raise UnsupportedModelError(
            f"the model has {model.SubgraphsLength()} subgraphs; tinyedge runs single-subgraph "
            "models (no control flow): export the model without IF/WHILE")
    sg = model.Subgraphs(0)
    n_buffers = model.BuffersLength()

    tensors = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        dtype = TENSOR_TYPES.get(t.Type(), f"type{t.Type()}")
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        if any(d < 0 for d in shape):
            raise UnsupportedModelError(
                f"tensor {i} has a dynamic shape {list(shape)}; convert the model with a fixed batch size")
        if int(np.prod(shape, dtype=np.float64)) > MAX_ELEMENTS:
            raise ModelFormatError(f"tensor {i} claims {list(shape)} elements; the file is corrupt")
        q = t.Quantization()
        quant = None
        if q is not None and q.ScaleLength() > 0:
            scale = np.asarray(q.ScaleAsNumpy(), np.float32).reshape(-1)
            zp = (np.asarray(q.ZeroPointAsNumpy(), np.int64).reshape(-1)
                  if q.ZeroPointLength() else np.zeros(scale.size, np.int64))
            if zp.size == 1 and scale.size > 1:
                zp = np.full(scale.size, zp[0], np.int64)
            if zp.size != scale.size:
                raise ModelFormatError(f"tensor {i} has {scale.size} scales but {zp.size} zero points")
            quant = QuantParams(scale, zp, int(q.QuantizedDimension()))
        tensor_data = None
        b = t.Buffer()
        if b >= n_buffers:
            raise ModelFormatError(f"tensor {i} points at buffer {b} of {n_buffers}")
        if b > 0:
            raw = _buffer_bytes(model.Buffers(b), data)
            if raw is not None and len(raw):
                if dtype not in NUMPY_TYPES:
                    raise UnsupportedModelError(f"tensor {i} is a constant of type {dtype}")
                arr = np.frombuffer(raw, dtype=NUMPY_TYPES[dtype])
                if arr.size != int(np.prod(shape, dtype=np.int64)):
                    raise ModelFormatError(f"tensor {i}: buffer holds {arr.size} values for shape {list(shape)}")
                tensor_data = arr.reshape(shape).copy()
        tname = t.Name().decode("utf-8", "replace") if t.Name() else f"tensor{i}"
        tensors.append(Tensor(i, tname, shape, dtype, quant, tensor_data))

    n = len(tensors)

    def indices(arr_len, get, what):
        out = [int(get(j)) for j in range(arr_len)]
        for x in out:
            if x < -1 or x >= n:
                raise ModelFormatError(f"{what} refers to tensor {x} of {n}")
        return out

    ops = []
    for i in range(sg.OperatorsLength()):
        o = sg.Operators(i)
        ci = o.OpcodeIndex()
        if ci >= model.OperatorCodesLength():
            raise ModelFormatError(f"op {i} uses opcode {ci} of {model.OperatorCodesLength()}")
        oc = model.OperatorCodes(ci)
        code = max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))
        kind = BUILTIN_NAMES.get(code, f"BUILTIN_{code}")
        if kind == "CUSTOM":
            kind = f"CUSTOM({(oc.CustomCode() or b'?').decode('utf-8', 'replace')})"
        op = Op(i, kind, indices(o.InputsLength(), o.Inputs, f"op {i}"),
                indices(o.OutputsLength(), o.Outputs, f"op {i}"))
        spec = REGISTRY.get(kind)
        if spec is not None and spec.options_class:
            cls = getattr(tflite, spec.options_class)
            table = o.BuiltinOptions()
            if table is not None:
                opts = cls()
                opts.Init(table.Bytes, table.Pos)
            else:
                opts = _empty_table(cls)
            op.options = spec.read_options(opts)
        ops.append(op)

    inputs = indices(sg.InputsLength(), sg.Inputs, "the graph input list")
    outputs = indices(sg.OutputsLength(), sg.Outputs, "the graph output list")
    desc = model.Description().decode("utf-8", "replace") if model.Description() else ""
    return Graph(name, tensors, ops, inputs, outputs, desc)


def _buffer_bytes(buf, data: bytes) -> bytes | None:
    offset = buf.Offset() if hasattr(buf, "Offset") else 0
    if offset > 1:  # large models keep buffers after the flatbuffer
        size = buf.Size()
        if offset + size > len(data):
            raise ModelFormatError("a weight buffer lies past the end of the file; the file is truncated")
        return data[offset:offset + size]
    if buf.DataLength() == 0:
        return None
    return buf.DataAsNumpy().tobytes()


def validate(g: Graph) -> None:
    """Refuse what tinyedge cannot run, naming every problem at once."""
    validate_structure(g)
    problems = unsupported_ops(g)
    if problems:
        problems = [f"#{op.index} {op.kind}" + (f" ({why})" if why else "") for op, why in problems]
        raise UnsupportedOpError(f"unsupported ops: {', '.join(problems)}; {unsupported_hint(g)}")


def validate_structure(g: Graph) -> None:
    """A readable int8 graph in execution order (whatever its ops)."""
    if not g.ops:
        raise UnsupportedModelError("the model has no operators")
    if not g.inputs or not g.outputs:
        raise ModelFormatError("the model declares no inputs or no outputs")
    float_ops = [op for op in g.ops if op.kind not in ("QUANTIZE", "DEQUANTIZE")
                 and any(g.t(i) is not None and g.t(i).dtype == "float32" for i in op.inputs + op.outputs)]
    float_weights = any(t.is_const and t.dtype in ("float32", "float16") for t in g.tensors)
    if float_ops and float_weights:
        raise FloatModelError(
            "this is a float model; tinyedge runs int8 models: quantize it with "
            "'tinyedge build model.keras --calib data.npz' or TF's converter (full-integer int8)")
    # Execution order: every activation an op reads was written before it.
    ready = set(g.inputs) | {t.index for t in g.tensors if t.is_const}
    for op in g.ops:
        for i in op.inputs:
            if i >= 0 and i not in ready:
                raise ModelFormatError(
                    f"op {op.index} ({op.kind}) reads tensor {i} before it is written; "
                    "the graph is cyclic or not in execution order")
        ready.update(op.outputs)
    for i in g.outputs:
        if i not in ready:
            raise ModelFormatError(f"graph output tensor {i} is never written")
    for t in g.tensors:  # a NaN, zero or negative scale cannot come from TF's converter
        q = t.quant
        if q is not None and q.scale.size and (not np.all(np.isfinite(q.scale)) or np.any(q.scale <= 0)
                                              or q.zero_point.size not in (1, q.scale.size)):
            raise ModelFormatError(f"tensor {t.index} has invalid quantization (scale {q.scale[:4].tolist()}); "
                                   "the file is corrupt: convert the model again")


def unsupported_ops(g: Graph) -> list[tuple]:
    """(op, reason) for every op tinyedge cannot run; reason "" when the op kind is unknown."""
    problems = []
    for op in g.ops:
        spec = REGISTRY.get(op.kind)
        if spec is None:
            problems.append((op, ""))
            continue
        try:
            why = spec.check(g, op)
        except (IndexError, TypeError, AttributeError, ValueError):
            why = "malformed inputs or outputs"
        if why:
            problems.append((op, why))
    return problems


def unsupported_hint(g: Graph) -> str:
    hint = "see 'tinyedge ops' for what runs, or replace these layers in the model"
    if any(op.kind == "SHAPE" for op in g.ops):
        hint = ("SHAPE ops compute a dynamic batch size: convert with a fixed batch, "
                "e.g. keras.Input(shape, batch_size=1); " + hint)
    return hint
