"""Store sparse FULLY_CONNECTED and CONV_2D weights compactly, for kernels that skip zeros.

Unstructured sparsity (magnitude pruning) saves nothing on a microcontroller
unless the C stores and walks only the nonzero weights. This pass looks at
each FULLY_CONNECTED and CONV_2D op whose constant int8 weights are
symmetric (zero point 0, so a raw 0 contributes exactly 0 to the sum) and
have a density (nonzero fraction) of at most ``max_density``; for those it
sets

- ``op.options["sparse"]``: ``{"mask": uint8 array, "values": int8 array,
  "mask_tensor": index, "values_tensor": index}``, the encoding below. The
  two arrays are added to the graph as constant tensors, which the op's
  ``lower`` passes to the sparse kernel (``te_fully_connected_sparse_s8``,
  ``te_conv2d_sparse_s8``, ``te_conv2d_sparse_1x1_s8``) in place of the dense weight tensor. As tensors
  they are emitted once even when two ops share one weight tensor (TF's
  converter merges identical constants), the dense weights are no longer
  emitted, and the build counts the encoding in its weight bytes;
- ``op.options["sparse_report"]``: plain ints for tinyedge.json
  (``dense_bytes``, ``sparse_bytes``, ``dense_macs``, ``sparse_macs``,
  ``nonzeros``).

The encoding: a bitmap per output row plus the nonzero values
--------------------------------------------------------------
The weights are viewed as rows, one per output channel: FULLY_CONNECTED's
``[out_depth][in_depth]``, CONV_2D's ``[out_c][k_h * k_w * filter_in_c]``
(the filter's own order, so the flat index j is ``(ky * k_w + kx) * fic + ic``).
Each row gets a bitmap of ``ceil(row / 8)`` bytes, bit ``j & 7`` of byte
``j >> 3`` set where weight j is nonzero (rows start on a byte); ``values``
holds the nonzero weights, row after row, in order. A kernel walks the rows
in order, so it needs no row pointers and no counts: one running pointer
into each array.

Bytes, for N weights at density d: ``N / 8 + d * N``, i.e. 12.5% + d of the
dense int8 size (plus the rounding of each row to whole bytes). At 80%
sparsity that is 32.5%, whatever the distribution of the zeros; it is
smaller than dense below d = 87.5% and within 40% up to d = 27.5%. The
alternatives, at 80% sparsity:

- CSR (int8 value + uint8 column index per nonzero, int16 row pointers):
  2d = 40% plus the pointers, over the 40% bar; uint16 columns (rows longer
  than 256) make it 60%.
- uint8 run-length gaps + values: the same 2d = 40% plus escapes for gaps
  over 255 and per-row counts.
- 4-bit gaps packed two per byte: 1.5d = 30% plus escapes (a gap of 16 or
  more has probability 0.8^15 = 3.5% per nonzero at d = 0.2, far more at
  lower densities where the bitmap's 12.5% matters least anyway) and counts,
  with a nibble decoder and a data-dependent size.

The kernels decode each row once (runtime_c/src/te_sparse_rows.h: a 32-bit
bitmap word at a time where a set bit is found in one or two instructions,
else a byte), into a list of (weight, position) entries on the stack, and
apply it to 4 pixels at a time: per nonzero and block, one entry load, then
a load and a multiply-accumulate per pixel (11.5 instructions per 4 on a
Cortex-M4), the sums in registers. A 1x1 convolution without padding
(te_conv2d_sparse_1x1_s8) and the pixels of a k x k convolution whose window
lies inside the input fold the input offset into the start value (bias +
in_offset * sum of the row); the border pixels of a k x k convolution add
w * (x + in_offset) tap by tap, skipping padding as the dense kernel does.
FULLY_CONNECTED with one or two batch rows walks the bitmap straight. Per
nonzero the kernel does the same multiply-accumulate as the dense kernel, so
``sparse_macs`` counts the nonzero weights times the positions they are
applied at (for CONV_2D, the same convention as the dense count: every
output pixel, padding included).

The kernels are bit-exact with the dense ones: integer sums do not depend on
order (int32 sums wrap alike), a skipped zero weight contributes
``0 * (x + in_offset) = 0``, and CONV_2D still skips out-of-bounds (padding)
positions as the dense kernel does. The dense path is kept when the encoding
would not be smaller, and, with the fast kernels, for a 1x1 CONV_2D that
te_conv2d_fast_s8 is estimated to run faster (``sparse_1x1_cost``: about 2.8
instructions per nonzero multiply-accumulate plus per-output and per-row
costs, against at least 1 per dense MAC; on vww_96_int8's 6x6x128 layers the
crossover is near 25% nonzeros).
"""

from __future__ import annotations

import numpy as np

from ..ir import Graph, Op, Tensor

SPARSE_KINDS = ("FULLY_CONNECTED", "CONV_2D")


def encode_rows(w: np.ndarray) -> dict[str, np.ndarray]:
    """Bitmap and values of a 2-D int8 array ``[rows][row_len]`` (see the module docstring).

    ``values`` has at least one element (C has no zero-length arrays); a
    kernel never reads past the last nonzero.
    """
    rows, n = w.shape
    nz = w != 0
    pad = (-n) % 8
    bits = np.concatenate([nz, np.zeros((rows, pad), bool)], axis=1)
    mask = np.packbits(bits, axis=1, bitorder="little").astype(np.uint8).reshape(-1)
    values = w[nz].astype(np.int8)  # row-major: row after row, in order
    if values.size == 0:
        values = np.zeros(1, np.int8)
    return {"mask": mask, "values": values}


def decode_rows(mask: np.ndarray, values: np.ndarray, rows: int, row_len: int) -> np.ndarray:
    """The dense ``[rows][row_len]`` int8 array back from ``encode_rows`` (for tests)."""
    bits = np.unpackbits(mask.reshape(rows, -1), axis=1, bitorder="little")[:, :row_len].astype(bool)
    out = np.zeros((rows, row_len), np.int8)
    out[bits] = values[:int(bits.sum())]
    return out


def _rows_and_positions(g: Graph, op: Op) -> tuple[np.ndarray, int] | None:
    """The weights as rows per output channel, and how many positions each row is applied at."""
    w, out = g.t(op.inputs[1]), g.t(op.outputs[0])
    if w is None or not w.is_const or w.dtype != "int8" or w.quant is None:
        return None
    if any(int(z) != 0 for z in w.quant.zero_point):
        return None  # a raw 0 would not be a zero weight
    data = np.asarray(w.data, np.int8)
    if op.kind == "FULLY_CONNECTED":
        if data.ndim != 2:
            return None
        return data, out.size // data.shape[0]
    if data.ndim != 4:
        return None
    n, oh, ow, _ = out.shape
    return data.reshape(data.shape[0], -1), n * oh * ow


def _add_const(g: Graph, name: str, data: np.ndarray) -> int:
    index = len(g.tensors)
    g.tensors.append(Tensor(index, name, tuple(data.shape), str(data.dtype), None, data))
    return index


# Cortex-M4 instructions (qemu-cortex-m4, tests/c/sparse_conv_check.c), fitted within 5% on 1x1 layers of
# 4 to 576 pixels, 32 to 256 channels and 0 to 36% nonzeros: te_conv2d_sparse_1x1_s8 takes about
SPARSE_1X1_PER_NZ_MAC = 2.8  # per nonzero weight and pixel (pixels in blocks of 4)
SPARSE_1X1_PER_OUTPUT = 20  # per output value (requantization, blocks of 4)
SPARSE_1X1_PER_ROW = 115  # per output channel
SPARSE_1X1_PER_NZ = 11  # per nonzero weight (decoding its row once)
SPARSE_1X1_PER_WORD = 27  # per 32 bits of the bitmap
# and te_conv2d_fast_s8 at least this per MAC (0.99 to 1.36 on those layers), so the estimate errs towards dense.
DENSE_FAST_PER_MAC = 1.0


def sparse_1x1_cost(g: Graph, op: Op, nonzeros: int) -> tuple[float, float] | None:
    """Estimated Cortex-M4 instructions of a 1x1 CONV_2D on te_conv2d_sparse_1x1_s8 and on
    te_conv2d_fast_s8, or None where the op does not take the 1x1 sparse kernel."""
    from ..ops.conv2d import conv_params, sparse_1x1  # ops import passes: import here
    out = g.t(op.outputs[0])
    params = conv_params(g, op, out.shape[3])
    if not sparse_1x1(params):
        return None
    p = dict(params)
    one_run = p["stride_h"] == p["stride_w"] == 1 and (p["in_h"], p["in_w"]) == (p["out_h"], p["out_w"])
    runs, run_len = (1, p["batches"] * p["out_h"] * p["out_w"]) if one_run else (p["batches"] * p["out_h"], p["out_w"])
    pixels = runs * 4 * -(-run_len // 4)  # blocks of 4 (the last one overlaps)
    rows, fic = p["out_c"], p["filter_in_c"]
    sparse = (SPARSE_1X1_PER_NZ_MAC * nonzeros * pixels + SPARSE_1X1_PER_OUTPUT * pixels * rows
              + SPARSE_1X1_PER_ROW * rows + SPARSE_1X1_PER_NZ * nonzeros + SPARSE_1X1_PER_WORD * rows * -(-fic // 32))
    return sparse, DENSE_FAST_PER_MAC * out.size * fic


def sparsify(g: Graph, max_density: float = 0.5) -> Graph:
    """Annotate FULLY_CONNECTED and CONV_2D ops whose weights are sparse enough,
    adding their encodings to the graph as constant tensors. With the fast kernels
    (g.kernel_set "fast"), a 1x1 CONV_2D stays dense where te_conv2d_fast_s8 is
    estimated faster (sparse_1x1_cost)."""
    fast = getattr(g, "kernel_set", "reference") == "fast"
    encoded: dict[int, tuple[int, int]] = {}  # weight tensor -> (mask, values) tensors
    for op in g.ops:
        op.options.pop("sparse", None)
        op.options.pop("sparse_report", None)
        if op.kind not in SPARSE_KINDS:
            continue
        found = _rows_and_positions(g, op)
        if found is None:
            continue
        rows, positions = found
        if rows.size == 0:
            continue
        nonzeros = int(np.count_nonzero(rows))
        if nonzeros > max_density * rows.size:
            continue
        enc = encode_rows(rows)
        sparse_bytes = int(enc["mask"].nbytes + enc["values"].nbytes)
        dense_bytes = int(rows.nbytes)
        if sparse_bytes >= dense_bytes:
            continue  # the bitmap costs more than the zeros save: keep the dense kernel
        if fast and op.kind == "CONV_2D":
            cost = sparse_1x1_cost(g, op, nonzeros)
            if cost is not None and cost[0] > cost[1]:
                continue  # too dense for the sparse kernel to win: keep the fast dense one
        w = op.inputs[1]
        if w not in encoded:
            name = g.tensors[w].name
            encoded[w] = (_add_const(g, f"{name} sparse mask", enc["mask"]),
                          _add_const(g, f"{name} sparse values", enc["values"]))
        op.options["sparse"] = {**enc, "mask_tensor": encoded[w][0], "values_tensor": encoded[w][1]}
        op.options["sparse_report"] = {
            "dense_bytes": dense_bytes, "sparse_bytes": sparse_bytes,
            "dense_macs": int(positions * rows.size), "sparse_macs": int(positions * nonzeros),
            "nonzeros": nonzeros,
        }
    return g
