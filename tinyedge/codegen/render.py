"""Render the model's C from templates/model.{h,c}.j2.

Input: a graph, one Kernel per executed op and a MemoryPlan. Output: a dict
of relative path -> bytes. Everything is formatted deterministically.
"""

from __future__ import annotations

import jinja2
import numpy as np

from ..ir import Graph
from ..names import c_comment
from ..ops.base import ConstArray, Kernel
from ..partition.channels import RANGE_FIELDS
from ..passes.plan_memory import MemoryPlan
from ..resources import resource_dir

CTYPES = {np.dtype(np.int8): "int8_t", np.dtype(np.int16): "int16_t", np.dtype(np.int32): "int32_t",
          np.dtype(np.uint8): "uint8_t", np.dtype(np.float32): "float"}


def c_int(v: int) -> str:
    v = int(v)
    if v == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(v)


def c_float(v: float) -> str:
    return f"{float(np.float32(v)):.9g}f"


def array_body(data: np.ndarray, per_line: int = 16) -> list[str]:
    flat = data.reshape(-1)
    if flat.dtype == np.float32:
        items = [c_float(x) for x in flat]
    else:
        items = [c_int(x) for x in flat.tolist()]
    return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True, autoescape=False)


def io_desc(g: Graph, indices: list[int]) -> list[dict]:
    out = []
    for k, i in enumerate(indices):
        t = g.tensors[i]
        q = t.quant
        out.append({
            "k": k, "name": c_comment(t.name), "ctype": t.ctype, "size": t.size,
            "dims": ", ".join(str(d) for d in t.shape) or "1", "rank": len(t.shape),
            "scale": c_float(q.s) if q else "0.0f", "zero_point": q.zp if q else 0,
        })
    return out


def render_model(g: Graph, prefix: str, kernels: list[tuple[int, Kernel]], plan: MemoryPlan,
                 arena_mode: str = "static", link: dict | None = None, workers: int = 1) -> dict[str, bytes]:
    """<prefix>_model.h and .c. link: a split part's frames (partition/split.py), or None;
    workers 2: the two-worker entry points too (partition/channels.py)."""
    arrays: list[dict] = []
    used_consts: dict[int, str] = {}

    def tensor_expr(i: int, ctype_cast: bool = True) -> str:
        if i < 0:
            return "NULL"
        t = g.tensors[i]
        kind, where = plan.storage[i]
        if kind == "input":
            return f"in{where}"
        if kind == "output":
            return f"out{where}"
        if kind == "const":
            if where not in used_consts:
                root = g.tensors[where]
                name = f"{prefix}_w{where}"
                used_consts[where] = name
                arrays.append({"name": name, "ctype": root.ctype, "count": root.size,
                               "comment": c_comment(f"{root.name} {list(root.shape)}"),
                               "body": array_body(root.data)})
            return used_consts[where]
        return f"(({t.ctype} *)(arena + {where}))"

    params, steps, worker_steps = [], [], []
    for pos, k in kernels:
        op = g.ops[pos]
        fields = []
        for fname, val in k.params:
            if isinstance(val, ConstArray):
                aname = f"{prefix}_op{pos}_{fname}"
                arrays.append({"name": aname, "ctype": CTYPES[val.data.dtype], "count": val.data.size,
                               "comment": f"op {op.index} {op.kind} {fname}", "body": array_body(val.data)})
                fields.append((fname, aname))
            else:
                fields.append((fname, c_int(val)))
        pname = f"{prefix}_p{pos}"
        params.append({"name": pname, "type": k.params_type, "fields": fields})
        args = [f"&{pname}", *(tensor_expr(i) for i in k.args)]
        if k.scratch_bytes:
            args.append(f"(void *)(arena + {plan.scratch[pos]})")
        elif k.scratch_arg:
            args.append("NULL")
        traces = [{"op": op.index, "tensor": o, "expr": tensor_expr(o), "nbytes": g.tensors[o].nbytes}
                  for o in op.outputs]
        steps.append({"comment": c_comment(f"op {op.index}: {op.kind} -> {g.tensors[op.outputs[0]].name}"),
                      "call": f"{k.func}({', '.join(args)});", "traces": traces})
        ranges = op.options.get("worker_ranges")
        if ranges:  # partition/channels.py: each worker its channel range and its own scratch
            begin, end = RANGE_FIELDS[k.func]
            calls = []
            for w, (b, e) in enumerate(ranges):
                params.append({"name": f"{pname}_w{w}", "type": k.params_type,
                               "fields": fields + [(begin, c_int(b)), (end, c_int(e))]})
                wargs = [f"&{pname}_w{w}", *args[1:]]
                if k.scratch_bytes:
                    wargs[-1] = f"(void *)(arena + {plan.scratch[pos] + w * k.scratch_bytes})"
                calls.append(f"{k.func}({', '.join(wargs)});")
            worker_steps.append({"comment": steps[-1]["comment"], "calls": calls})
        else:
            worker_steps.append({"comment": steps[-1]["comment"], "call": steps[-1]["call"]})

    copies = [{"dst": f"out{k}", "src": tensor_expr(src), "nbytes": g.tensors[src].nbytes}
              for k, src in plan.copies]
    ctx = {
        "prefix": prefix, "PREFIX": prefix.upper(), "arena_size": plan.arena_size,
        "arena_mode": arena_mode, "inputs": io_desc(g, g.inputs), "outputs": io_desc(g, g.outputs),
        "arrays": arrays, "params": params, "steps": steps, "copies": copies,
        "model_name": c_comment(g.name), "n_ops": len(kernels), "link": link,
        "worker_steps": worker_steps if workers > 1 else None,
    }
    env = environment()
    return {
        f"{prefix}_model.h": env.get_template("model.h.j2").render(ctx).encode(),
        f"{prefix}_model.c": env.get_template("model.c.j2").render(ctx).encode(),
    }
