"""Sparse weights (passes/sparsify.py, te_*_sparse_s8.c): magnitude-pruned Keras layers.

Random FULLY_CONNECTED and CONV_2D models are pruned in Keras (the smallest
|w| of each layer zeroed to a random sparsity in [0.5, 0.95]; TF's converter
quantizes those zeros to exactly 0), converted by TF's converter, built by
tinyedge on the sparse kernels, and compared with TFLM running the same
(dense-stored) model, byte for byte. Each test prints its seed.
"""

import math
import re

import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_bitexact, assert_same_as_tflm, tf, tf_function, to_int8_tflite
from tinyedge.compiler import load_graph
from tinyedge.passes.fuse_activation import fuse_activations
from tinyedge.passes.sparsify import decode_rows, encode_rows, sparse_1x1_cost, sparsify
from tinyedge.targets.host import load

FC_SEEDS = range(25)
CONV_SEEDS = range(25)
SPARSE_KERNELS = {"FULLY_CONNECTED": ("te_fully_connected_sparse_s8",),
                  "CONV_2D": ("te_conv2d_sparse_s8", "te_conv2d_sparse_1x1_s8")}
DENSE_KERNELS = {"FULLY_CONNECTED": ("te_fully_connected_s8", "te_fully_connected_fast_s8"),
                 "CONV_2D": ("te_conv2d_s8", "te_conv2d_fast_s8")}


def prune(w: np.ndarray, sparsity: float) -> np.ndarray:
    """Magnitude pruning: zero the ceil(sparsity * size) weights of smallest |w|."""
    w = np.array(w, np.float32)
    k = math.ceil(sparsity * w.size)
    flat = w.reshape(-1)
    flat[np.argsort(np.abs(flat), kind="stable")[:k]] = 0.0
    return flat.reshape(w.shape)


def prune_keras(model, rng: np.random.Generator, sparsity: float | None = None) -> list[float]:
    """Prune every Dense/Conv2D kernel in place; returns the sparsity used per layer."""
    used = []
    for layer in model.layers:
        if not layer.get_weights() or type(layer).__name__ not in ("Dense", "Conv2D"):
            continue
        ws = layer.get_weights()
        s = float(rng.uniform(0.5, 0.95)) if sparsity is None else sparsity
        ws[0] = prune(ws[0], s)
        layer.set_weights(ws)
        used.append(round(s, 3))
    return used


def random_dense(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank3 = rng.random() < 0.3
    shape = (int(rng.integers(1, 5)), int(rng.integers(4, 40))) if rank3 else (int(rng.integers(4, 100)),)
    units = int(rng.integers(4, 48))
    act = str(rng.choice(["linear", "relu", "relu6"]))
    cfg = dict(shape=shape, units=units, activation=act, bias=bool(rng.random() < 0.8),
               per_channel=bool(rng.random() < 0.5), calib_scale=float(rng.choice([0.3, 1.0, 5.0])),
               depth=int(rng.integers(1, 3)))
    layers = [k.Input(shape, batch_size=1)]
    for _ in range(cfg["depth"]):
        layers.append(k.layers.Dense(units, activation=act, use_bias=cfg["bias"],
                                     bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                                     kernel_initializer=k.initializers.GlorotUniform(seed=seed)))
    model = k.Sequential(layers)
    cfg["sparsity"] = prune_keras(model, rng)
    return model, cfg, rng


def random_conv(seed: int):
    """A pruned Conv2D (Keras, groups included) or a dilated tf.nn.conv2d (CONV_2D's own dilation)."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    h, w = int(rng.integers(3, 14)), int(rng.integers(3, 14))
    cin = int(rng.integers(1, 9))
    dilated = rng.random() < 0.25
    groups = 1 if dilated or cin % 2 else int(rng.choice([1, 1, 2]))
    cout = int(rng.integers(1, 9)) * groups
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if dilated:
        kh, kw = max(kh, 2), max(kw, 2)
    while kh * kw * (cin // groups) < 4:  # shorter rows are not worth a bitmap
        kh += 1
    strides = (1, 1) if dilated else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    dilation = (int(rng.integers(1, 3)), int(rng.integers(2, 4))) if dilated else (1, 1)
    padding = str(rng.choice(["same", "valid"]))
    if padding == "valid":
        h = max(h, (kh - 1) * dilation[0] + 1)
        w = max(w, (kw - 1) * dilation[1] + 1)
    act = str(rng.choice(["linear", "relu", "relu6"]))
    cfg = dict(shape=(h, w, cin), filters=cout, kernel=(kh, kw), strides=strides, dilation=dilation,
               padding=padding, groups=groups, activation=act, bias=bool(rng.random() < 0.8),
               per_channel=bool(rng.random() < 0.7))
    if dilated:
        t = tf()
        sparsity = float(rng.uniform(0.5, 0.95))
        cfg["sparsity"] = [round(sparsity, 3)]
        wgt = prune((rng.normal(size=(kh, kw, cin, cout)) * 0.4).astype(np.float32), sparsity)
        bias = (rng.normal(size=cout) * 0.3).astype(np.float32) if cfg["bias"] else np.zeros(cout, np.float32)
        acts = {"linear": lambda v: v, "relu": t.nn.relu, "relu6": t.nn.relu6}

        def fn(x):
            y = t.nn.conv2d(x, wgt, strides=1, padding=padding.upper(), dilations=list(dilation)) + bias
            return acts[act](y)
        return tf_function(fn, (h, w, cin)), cfg, rng
    model = k.Sequential([
        k.Input(cfg["shape"]),
        k.layers.Conv2D(cout, (kh, kw), strides=strides, padding=padding, groups=groups,
                        use_bias=cfg["bias"], activation=act,
                        bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                        kernel_initializer=k.initializers.GlorotUniform(seed=seed)),
    ])
    cfg["sparsity"] = prune_keras(model, rng)
    return model, cfg, rng


def kept_dense_for_speed(tfl: bytes, index: int) -> bool:
    """Whether the pass keeps op `index` (a 1x1 CONV_2D) dense with the fast kernels, te_conv2d_fast_s8
    being estimated faster than te_conv2d_sparse_1x1_s8."""
    g = load_graph(tfl, "m")
    fuse_activations(g)  # as compiler.lower, before sparsify
    op = next(o for o in g.ops if o.index == index)
    cost = sparse_1x1_cost(g, op, int(np.count_nonzero(g.tensors[op.inputs[1]].data)))
    return cost is not None and cost[0] > cost[1]


def assert_sparse_ops(manifest: dict, kind: str, label: str, tfl: bytes | None = None) -> None:
    ops = [op for op in manifest["ops"] if op["kind"] == kind]
    assert ops, f"{label}: no {kind} op"
    for op in ops:
        if tfl is not None and op["sparse"] is None and kept_dense_for_speed(tfl, op["index"]):
            assert op["kernel"] in DENSE_KERNELS[kind], f"{label}: op {op['index']} ran {op['kernel']}"
            continue
        assert op["kernel"] in SPARSE_KERNELS[kind], f"{label}: op {op['index']} ran {op['kernel']}"
        r = op["sparse"]
        assert r["sparse_bytes"] < r["dense_bytes"], f"{label}: {r}"
        assert r["nonzeros"] <= 0.5 * r["dense_bytes"], f"{label}: {r}"
        assert r["sparse_macs"] * r["dense_bytes"] == r["dense_macs"] * r["nonzeros"], f"{label}: {r}"


@pytest.mark.parametrize("seed", FC_SEEDS)
def test_sparse_fully_connected_bitexact(seed, tmp_path):
    model, cfg, rng = random_dense(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"], calib_scale=cfg["calib_scale"])
    manifest = assert_bitexact(tfl, tmp_path, seed, label=f"sparse FULLY_CONNECTED {cfg}")
    assert_sparse_ops(manifest, "FULLY_CONNECTED", f"seed={seed}")


@pytest.mark.parametrize("seed", CONV_SEEDS)
def test_sparse_conv2d_bitexact(seed, tmp_path):
    model, cfg, rng = random_conv(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"])
    manifest = assert_bitexact(tfl, tmp_path, seed, label=f"sparse CONV_2D {cfg}")
    assert_sparse_ops(manifest, "CONV_2D", f"seed={seed}", tfl)


@pytest.mark.parametrize("seed", range(5))
def test_sparse_folded_dilated_conv(seed, tmp_path):
    """A pruned Keras dilated Conv2D (TF's SPACE_TO_BATCH_ND sandwich, folded by
    passes/fuse_dilated_conv.py into one CONV_2D with explicit padding) on the sparse kernel.
    TFLM misruns the sandwich itself (tests/passes/test_fuse_dilated_conv.py), so the reference
    is TFLM on the same pruned weights as a native dilated CONV_2D, same calibration."""
    rng = np.random.default_rng(seed)
    t = tf()
    k = t.keras
    kh, kw = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    dil = (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
    pad = str(rng.choice(["same", "valid"]))
    h, w = int(rng.integers((kh - 1) * dil[0] + 1, 16)), int(rng.integers((kw - 1) * dil[1] + 1, 16))
    c, cout = int(rng.integers(2, 8)), int(rng.integers(1, 8))
    sparsity = float(rng.uniform(0.5, 0.95))
    print(f"seed={seed} shape={(h, w, c)} filters={cout} kernel={(kh, kw)} dilation={dil} padding={pad} "
          f"sparsity={sparsity:.3f}")
    wgt = prune((rng.normal(size=(kh, kw, c, cout)) * 0.4).astype(np.float32), sparsity)
    layer = k.layers.Conv2D(cout, (kh, kw), dilation_rate=dil, padding=pad, use_bias=False)
    model = k.Sequential([k.Input((h, w, c)), layer])
    layer.set_weights([wgt])
    calib = [[rng.normal(size=(1, h, w, c)).astype(np.float32)] for _ in range(16)]
    sandwich = to_int8_tflite(model, rng, calib=calib)
    native = to_int8_tflite(tf_function(lambda x: t.nn.conv2d(x, wgt, 1, pad.upper(), dilations=list(dil)),
                                        (h, w, c)), rng, calib=calib)
    (tmp_path / "s.tflite").write_bytes(sandwich)
    r = tinyedge.compile(tmp_path / "s.tflite", tmp_path / "out", name="m")
    assert [op["kernel"] for op in r.manifest["ops"]] == ["te_conv2d_sparse_s8"]
    assert_same_as_tflm(load(r.out_dir), Tflm(native), seed + 1000, 3, f"folded dilated seed={seed}")


def random_conv_1x1(seed: int):
    """A pruned 1x1 Conv2D at a density in [0.5%, 50%]: channel counts mostly not multiples of 4 (up to 300
    inputs, past 256 bitmap positions), strides 1 or 2, "same" or "valid", fused ReLU or ReLU6 or none,
    per-channel or per-tensor, groups now and then."""
    rng = np.random.default_rng(seed)
    k = tf().keras
    h, w = int(rng.integers(1, 13)), int(rng.integers(1, 13))
    cin = int(rng.choice([3, 13, 16, 33, 64, 130, 300]))  # 1: a bitmap byte per weight is no saving
    groups = int(rng.choice([1, 1, 1, 2])) if cin % 2 == 0 and cin >= 16 else 1
    cout = int(rng.choice([1, 5, 18, 37, 64, 70])) * groups
    cfg = dict(shape=(h, w, cin), filters=cout, groups=groups,
               strides=(int(rng.integers(1, 3)), int(rng.integers(1, 3))), padding=str(rng.choice(["same", "valid"])),
               activation=str(rng.choice(["linear", "relu", "relu6"])), bias=bool(rng.random() < 0.8),
               per_channel=bool(rng.random() < 0.7), density=float(rng.choice([0.005, 0.03, 0.1, 0.25, 0.5])))
    model = k.Sequential([
        k.Input(cfg["shape"]),
        k.layers.Conv2D(cout, 1, strides=cfg["strides"], padding=cfg["padding"], groups=groups, use_bias=cfg["bias"],
                        activation=cfg["activation"],
                        bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                        kernel_initializer=k.initializers.GlorotUniform(seed=seed)),
    ])
    prune_keras(model, rng, sparsity=1.0 - max(cfg["density"], 2.0 / (cin // groups * cout)))  # a nonzero or two
    return model, cfg, rng


@pytest.mark.parametrize("seed", range(20))
def test_sparse_conv2d_1x1_bitexact(seed, tmp_path):
    """te_conv2d_sparse_1x1_s8 (reference kernel set: the pass keeps every sparse enough layer sparse)
    against TFLM, byte for byte; the fast set's choice (sparse or te_conv2d_fast_s8) as well."""
    model, cfg, rng = random_conv_1x1(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"])
    (tmp_path / "m.tflite").write_bytes(tfl)
    ref = Tflm(tfl, arena_size=1 << 20)  # the default (10x the model's bytes) is too small for these activations
    for kernels in ("reference", "fast"):
        r = tinyedge.compile(tmp_path / "m.tflite", tmp_path / kernels, name="m", kernels=kernels)
        assert_same_as_tflm(load(r.out_dir), ref, seed + 1000, 3, f"1x1 {kernels} seed={seed} {cfg}")
        op = next(op for op in r.manifest["ops"] if op["kind"] == "CONV_2D")
        if kernels == "reference":
            w = next(t for t in load_graph(tfl, "m").tensors if t.is_const and len(t.shape) == 4).data
            enc = encode_rows(np.asarray(w, np.int8).reshape(w.shape[0], -1))
            smaller = enc["mask"].nbytes + enc["values"].nbytes < w.size  # else the pass keeps it dense
            assert op["kernel"] == ("te_conv2d_sparse_1x1_s8" if smaller else "te_conv2d_s8"), op
        else:
            # dense: te_conv2d_s8 where compiler._trim_scratch drops the fast kernel's scratch to save RAM
            dense = kept_dense_for_speed(tfl, op["index"])
            want = ("te_conv2d_fast_s8", "te_conv2d_s8") if dense else ("te_conv2d_sparse_1x1_s8",)
            assert op["kernel"] in want, op


def test_sparse_1x1_kept_where_faster(tmp_path):
    """With the fast kernels, a large 1x1 layer at 3% nonzeros goes sparse and one at 45% stays dense
    (te_conv2d_fast_s8 is faster there); both bit-exact with TFLM."""
    rng = np.random.default_rng(3)
    k = tf().keras
    model = k.Sequential([k.Input((8, 8, 96)), k.layers.Conv2D(96, 1, activation="relu"), k.layers.Conv2D(100, 1)])
    layers = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    for layer, sparsity in zip(layers, (0.97, 0.55)):
        ws = layer.get_weights()
        ws[0] = prune(ws[0], sparsity)
        layer.set_weights(ws)
    tfl = to_int8_tflite(model, rng)
    manifest = assert_bitexact(tfl, tmp_path, 3, label="1x1 choice")
    assert [op["kernel"] for op in manifest["ops"] if op["kind"] == "CONV_2D"] == [
        "te_conv2d_sparse_1x1_s8", "te_conv2d_fast_s8"]


C_SIZES = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int32_t": 4, "float": 4}


def emitted_const_bytes(model_c: str) -> int:
    """Bytes of every const array in the generated <name>_model.c."""
    arrays = re.findall(r"static const (\w+) \w+\[(\d+)\] TE_CONST_DATA", model_c)
    return sum(C_SIZES[t] * int(n) for t, n in arrays)


def realistic_models(seed: int, shared: bool = False):
    """Dense 64->64->64 and Conv 3x3x16->16 (twice). With `shared`, both layers of a model get
    the same initial weights, which TF's converter stores once and both ops read."""
    k = tf().keras

    def init(n):
        s = seed if shared else seed * 10 + n
        return dict(kernel_initializer=k.initializers.GlorotUniform(seed=s),
                    bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=s))
    dense = k.Sequential([k.Input((64,), batch_size=1), k.layers.Dense(64, activation="relu", **init(0)),
                          k.layers.Dense(64, **init(1))])
    conv = k.Sequential([k.Input((12, 12, 16)),
                         k.layers.Conv2D(16, 3, padding="same", activation="relu", **init(0)),
                         k.layers.Conv2D(16, 3, strides=2, padding="valid", **init(1))])
    return {"FULLY_CONNECTED": dense, "CONV_2D": conv}


def build_both(kind: str, seed: int, tmp_path, shared: bool = False):
    """The 80%-pruned model, built sparse (default max_density) and dense (max_density 0.1),
    each bit-exact with TFLM and emitting exactly the bytes it reports."""
    rng = np.random.default_rng(seed)
    per_channel = bool(seed % 2 == 0)
    print(f"seed={seed} kind={kind} per_channel={per_channel} shared={shared} sparsity=0.8")
    model = realistic_models(seed, shared)[kind]
    prune_keras(model, rng, sparsity=0.8)
    tfl = to_int8_tflite(model, rng, per_channel=per_channel)
    path = tmp_path / "m.tflite"
    path.write_bytes(tfl)
    sparse = tinyedge.compile(path, tmp_path / "sparse", name="m")
    dense = tinyedge.compile(path, tmp_path / "dense", name="m", max_density=0.1)
    ref = Tflm(tfl)
    for r in (sparse, dense):
        assert_same_as_tflm(load(r.out_dir), ref, seed + 1000, 3, f"{kind} seed={seed} {r.out_dir.name}")
        assert emitted_const_bytes((r.out_dir / "m_model.c").read_text()) == r.flash_bytes
    for op in dense.manifest["ops"]:
        if op["kind"] == kind:
            assert op["kernel"] in DENSE_KERNELS[kind] and op["sparse"] is None
    reports = []
    for op in sparse.manifest["ops"]:
        if op["kind"] == kind:
            rep = op["sparse"]
            print(f"op {op['index']} {op['kernel']}: {rep} ratio {rep['sparse_bytes'] / rep['dense_bytes']:.3f}")
            assert op["kernel"] in SPARSE_KERNELS[kind]
            reports.append(rep)
    assert len(reports) == 2
    return sparse, dense, reports


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("kind", ["FULLY_CONNECTED", "CONV_2D"])
def test_sparse_80_percent_within_40_percent(kind, seed, tmp_path):
    """At 80% sparsity each pruned layer's weights take at most 40% of their dense bytes; the
    dense weights are not emitted, the encoding counts as weights, the flash saved is exactly
    dense - sparse, and both builds are bit-exact with TFLM (the dense one, max_density below the
    density, keeps the dense kernels)."""
    sparse, dense, reports = build_both(kind, seed, tmp_path)
    for rep in reports:
        assert rep["sparse_bytes"] <= 0.40 * rep["dense_bytes"], rep
        assert rep["sparse_macs"] <= 0.21 * rep["dense_macs"], rep
    saved = sum(r["dense_bytes"] - r["sparse_bytes"] for r in reports)
    assert dense.weights_bytes - sparse.weights_bytes == saved
    assert dense.constants_bytes == sparse.constants_bytes
    assert dense.flash_bytes - sparse.flash_bytes == saved


def test_shared_weights_encoded_once(tmp_path):
    """Two ops reading one weight tensor read one encoding: it is emitted and counted once."""
    sparse, dense, reports = build_both("CONV_2D", 0, tmp_path, shared=True)
    assert reports[0] == {**reports[1], "dense_macs": reports[0]["dense_macs"],
                          "sparse_macs": reports[0]["sparse_macs"]}
    model_c = (sparse.out_dir / "m_model.c").read_text()
    assert len(re.findall(r"static const uint8_t \w+\[", model_c)) == 1
    assert dense.flash_bytes - sparse.flash_bytes == reports[0]["dense_bytes"] - reports[0]["sparse_bytes"]


@pytest.mark.parametrize("seed", [0, 1])
def test_dense_models_keep_dense_kernels(seed, tmp_path):
    """Unpruned weights (density far above 0.5) stay on the dense kernels."""
    rng = np.random.default_rng(seed)
    print(f"seed={seed}")
    k = tf().keras
    model = k.Sequential([k.Input((8, 8, 4), batch_size=1), k.layers.Conv2D(8, 3, padding="same", activation="relu"),
                          k.layers.Flatten(), k.layers.Dense(16)])
    tfl = to_int8_tflite(model, rng, per_channel=bool(seed % 2 == 0))
    manifest = assert_bitexact(tfl, tmp_path, seed, label="dense")
    kinds = {op["kind"]: op for op in manifest["ops"]}
    for kind in ("CONV_2D", "FULLY_CONNECTED"):
        assert kinds[kind]["kernel"] in DENSE_KERNELS[kind] and kinds[kind]["sparse"] is None


# ---- the pass and the encoding, without the C ----

@pytest.mark.parametrize("seed", range(20))
def test_encoding_round_trip(seed):
    rng = np.random.default_rng(seed)
    rows, n = int(rng.integers(1, 20)), int(rng.integers(1, 70))
    density = float(rng.choice([0.0, 0.05, 0.2, 0.5, 1.0]))
    w = rng.integers(-128, 128, size=(rows, n)).astype(np.int8)
    w[rng.random((rows, n)) >= density] = 0
    print(f"seed={seed} rows={rows} n={n} density={density}")
    enc = encode_rows(w)
    assert enc["mask"].dtype == np.uint8 and enc["values"].dtype == np.int8
    assert enc["mask"].size == rows * ((n + 7) // 8)
    assert enc["values"].size == max(np.count_nonzero(w), 1)
    np.testing.assert_array_equal(decode_rows(enc["mask"], enc["values"], rows, n), w)
    # bit j & 7 of byte j >> 3 of the row
    r, j = int(rng.integers(rows)), int(rng.integers(n))
    bit = (int(enc["mask"][r * ((n + 7) // 8) + (j >> 3)]) >> (j & 7)) & 1
    assert bit == int(w[r, j] != 0)


@pytest.fixture(scope="module")
def fc_graph_bytes():
    rng = np.random.default_rng(7)
    k = tf().keras
    model = k.Sequential([k.Input((32,), batch_size=1), k.layers.Dense(16)])
    prune_keras(model, rng, sparsity=0.7)
    return to_int8_tflite(model, rng)


def _fc(g):
    return next(op for op in g.ops if op.kind == "FULLY_CONNECTED")


def test_pass_threshold_and_report(fc_graph_bytes):
    g = load_graph(fc_graph_bytes, "m")
    op = _fc(g)
    w = g.tensors[op.inputs[1]].data
    density = np.count_nonzero(w) / w.size
    assert density <= 0.3
    sparsify(g, max_density=density - 1e-6)
    assert "sparse" not in op.options and "sparse_report" not in op.options
    sparsify(g, max_density=density)
    rep = op.options["sparse_report"]
    assert rep == {"dense_bytes": 512, "sparse_bytes": 16 * 4 + int(np.count_nonzero(w)),
                   "dense_macs": 512, "sparse_macs": int(np.count_nonzero(w)),
                   "nonzeros": int(np.count_nonzero(w))}
    assert all(type(v) is int for v in rep.values())


def test_pass_skips_asymmetric_and_unprofitable(fc_graph_bytes):
    g = load_graph(fc_graph_bytes, "m")
    op = _fc(g)
    wt = g.tensors[op.inputs[1]]
    wt.quant.zero_point = np.array([3] * wt.quant.zero_point.size)  # a raw 0 is no longer a zero weight
    sparsify(g)
    assert "sparse" not in op.options
    g = load_graph(fc_graph_bytes, "m")
    op = _fc(g)
    wt = g.tensors[op.inputs[1]]
    wt.data = np.zeros((16, 2), np.int8)  # rows of 2: one mask byte per row is no saving
    wt.data[:, 0] = 1
    wt.shape = (16, 2)
    sparsify(g)
    assert "sparse" not in op.options
