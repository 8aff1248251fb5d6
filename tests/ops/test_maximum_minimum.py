"""MAXIMUM and MINIMUM: random Keras Maximum/Minimum layers and constant operands with
broadcasting, bit-exact with TFLM (30 seeds per kind)."""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)
KINDS = ["MAXIMUM", "MINIMUM"]


def random_shapes(rng):
    """Batch-free output shape and two broadcast-compatible operand shapes."""
    rank = int(rng.choice([1, 2, 3, 3, 3, 4]))
    out = [int(rng.integers(1, 7)) for _ in range(rank)]
    variant = str(rng.choice(["same", "bcast1", "bcast2", "both", "channel", "scalar"]))
    s1, s2 = list(out), list(out)
    if variant in ("bcast1", "bcast2"):
        t = s1 if variant == "bcast1" else s2
        for d in range(rank):
            if rng.random() < 0.5:
                t[d] = 1
    elif variant == "both":
        for d in range(rank):
            r = rng.random()
            if r < 0.35:
                s1[d] = 1
            elif r < 0.7:
                s2[d] = 1
    elif variant == "channel":
        s2 = [1] * (rank - 1) + [out[-1]]
        if rng.random() < 0.5:
            s1, s2 = s2, s1
    elif variant == "scalar":
        s2 = [1] * rank
        if rng.random() < 0.5:
            s1, s2 = s2, s1
    out = [max(a, b) for a, b in zip(s1, s2)]
    return tuple(s1), tuple(s2), tuple(out), variant


def random_binary(seed: int, kind: str):
    """A one-op model: two Inputs, or one Input and a constant (either side)."""
    salt = ["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"].index(kind)  # other shapes per kind
    rng = np.random.default_rng([seed, salt])
    k = tf().keras
    s1, s2, out, variant = random_shapes(rng)
    const_side = int(rng.choice([0, 0, 1, 2]))  # 0: two inputs; 1/2: that operand is a constant
    act = str(rng.choice(["none", "relu", "relu6"])) if kind in ("ADD", "SUB", "MUL") else "none"
    scales = [float(rng.choice([0.2, 1.0, 3.0, 8.0])) * float(rng.uniform(0.7, 1.3)) for _ in range(2)]
    shifts = [float(rng.choice([0.0, 0.0, 0.5, -1.0])) * s for s in scales]
    const = None
    if const_side:
        cshape = s1 if const_side == 1 else s2
        if len(cshape) > 1 and rng.random() < 0.5:  # drop leading 1s: a lower-rank constant
            while len(cshape) > 1 and cshape[0] == 1:
                cshape = cshape[1:]
        const = (rng.normal(size=cshape) * scales[const_side - 1] + shifts[const_side - 1]).astype(np.float32)
    cfg = dict(kind=kind, s1=s1, s2=s2, variant=variant, const_side=const_side, act=act,
               scales=[round(s, 3) for s in scales], shifts=[round(s, 3) for s in shifts])

    def op(a, b):
        fn = {"ADD": k.ops.add, "SUB": k.ops.subtract, "MUL": k.ops.multiply,
              "MAXIMUM": k.ops.maximum, "MINIMUM": k.ops.minimum}[kind]
        return fn(a, b)

    layer = {"ADD": k.layers.Add, "SUB": k.layers.Subtract, "MUL": k.layers.Multiply,
             "MAXIMUM": k.layers.Maximum, "MINIMUM": k.layers.Minimum}[kind]
    if const_side == 0:
        a = k.Input(s1, batch_size=1, name="a")
        b = k.Input(s2, batch_size=1, name="b")
        inputs = [a, b]
        y = layer()([a, b])
    else:
        x = k.Input(s2 if const_side == 1 else s1, batch_size=1, name="a")
        inputs = [x]
        c = const
        y = k.layers.Lambda(lambda t: op(c, t) if const_side == 1 else op(t, c))(x)
    if act == "relu":
        y = k.layers.ReLU()(y)
    elif act == "relu6":
        y = k.layers.ReLU(max_value=6.0)(y)
    model = k.Model(inputs, y)
    var = [i for i in (0, 1) if i + 1 != const_side]
    calib = [{inp.name: (rng.normal(size=(1, *inp.shape[1:])) * scales[v] + shifts[v]).astype(np.float32)
              for inp, v in zip(model.inputs, var)} for _ in range(24)]
    return model, cfg, rng, calib


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_maximum_minimum_bitexact(kind, seed, tmp_path):
    model, cfg, rng, calib = random_binary(seed, kind)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label=kind)
    assert any(op["kind"] == kind for op in manifest["ops"]), [op["kind"] for op in manifest["ops"]]
