"""SOFTMAX: random Keras Softmax layers (and edited beta), bit-exact with TFLM."""

import flatbuffers
import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_bitexact, tf, to_int8_tflite
from tinyedge.targets.host import load

SEEDS = range(30)


def set_softmax_beta(model: bytes, beta: float) -> bytes:
    """Rewrite every SOFTMAX's beta (Keras always exports 1.0)."""
    from tensorflow.lite.python import schema_py_generated as schema
    m = schema.ModelT.InitFromPackedBuf(model, 0)
    for sg in m.subgraphs:
        for op in sg.operators:
            code = m.operatorCodes[op.opcodeIndex]
            if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.SOFTMAX:
                op.builtinOptions.beta = float(beta)
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def random_softmax(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank = int(rng.choice([1, 1, 2, 3]))
    shape = tuple(int(rng.integers(1, 6)) for _ in range(rank - 1)) + (int(rng.integers(1, 40)),)
    if seed == 0:
        shape = (1000,)  # a wide row (spread out: TFLM aborts when the sum of exps reaches 512)
    dense_first = rank == 1 and bool(rng.random() < 0.5) and seed != 0  # Dense on N-D needs dynamic shapes
    beta = float(rng.choice([1.0, 1.0, 0.25, 0.5, 2.0, 7.5, float(rng.uniform(0.05, 20))]))
    calib_scale = float(rng.choice([0.1, 0.5, 1.0, 3.0, 10.0, 40.0]))
    if seed == 0:
        calib_scale = 10.0
    offset = float(rng.normal() * calib_scale)
    cfg = dict(shape=shape, beta=beta, calib_scale=calib_scale, offset=round(offset, 3),
               dense_first=dense_first)
    inp = k.Input(shape)
    x = inp
    if dense_first:
        x = k.layers.Dense(shape[-1], kernel_initializer=k.initializers.GlorotUniform(seed=seed))(x)
    model = k.Model(inp, k.layers.Softmax()(x))
    calib = [[(rng.normal(size=(1, *shape)) * calib_scale + offset).astype(np.float32)] for _ in range(24)]
    tfl = to_int8_tflite(model, rng, calib=calib)
    if beta != 1.0:
        tfl = set_softmax_beta(tfl, beta)
    return tfl, cfg


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_bitexact(seed, tmp_path):
    tfl, cfg = random_softmax(seed)
    print(f"seed={seed} {cfg}")
    manifest = assert_bitexact(tfl, tmp_path, seed, n_inputs=8, label="SOFTMAX")
    assert any(op["kind"] == "SOFTMAX" for op in manifest["ops"])

    # Structured rows: all equal, one maximum, a ramp, extremes. (Not for rows of 512 or
    # more: TFLM aborts when the sum of exponentials reaches 512.)
    if cfg["shape"][-1] >= 512:
        return
    (tmp_path / "s.tflite").write_bytes(tfl)
    tinyedge.compile(tmp_path / "s.tflite", tmp_path / "s", name="m")
    hm, ref = load(tmp_path / "s"), Tflm(tfl)
    shape = hm.manifest["inputs"][0]["shape"]
    depth = shape[-1]
    rows = [np.full(depth, v) for v in (-128, 0, 127)]
    rows += [np.where(np.arange(depth) == depth // 2, hi, lo) for hi, lo in ((127, -128), (5, 4), (-127, -128))]
    rows += [np.arange(depth) * step - 128 for step in (1, 3)]
    for row in rows:
        x = np.resize(np.clip(row, -128, 127).astype(np.int8), int(np.prod(shape))).reshape(shape)
        want, got = ref.run([x], 1)[0], hm.run([x])[0]
        assert np.array_equal(want.reshape(got.shape), got), f"SOFTMAX seed={seed}: row {row.tolist()[:8]}..."
