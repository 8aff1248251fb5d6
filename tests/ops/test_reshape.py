"""RESHAPE and SQUEEZE: views that cost nothing, between real layers, bit-exact with TFLM.

Each model puts the view between two kernels (and sometimes at the output),
so a wrong alias or a wrong lifetime in the memory plan shows as wrong bytes.
"""

import numpy as np
import pytest

from support import tf, to_int8_tflite
from unary_cases import assert_bitexact_op, edit_model

SEEDS = range(30)


def factor_shape(n: int, rank: int, rng) -> tuple[int, ...]:
    dims = []
    for _ in range(rank - 1):
        divisors = [d for d in range(1, n + 1) if n % d == 0]
        d = int(rng.choice(divisors))
        dims.append(d)
        n //= d
    return (*dims, n)


@pytest.mark.parametrize("seed", SEEDS)
def test_reshape_bitexact(seed, tmp_path):
    rng = np.random.default_rng(seed)
    k = tf().keras
    units = int(rng.choice([12, 16, 24, 30, 36]))
    target = factor_shape(units, int(rng.integers(2, 4)), rng)
    at_output = bool(rng.random() < 0.4)
    cfg = dict(inputs=int(rng.integers(2, 20)), units=units, target=target, at_output=at_output)
    print(f"seed={seed} {cfg}")
    inp = k.Input((cfg["inputs"],), batch_size=1)
    x = k.layers.Reshape(target)(k.layers.Dense(units, activation="relu")(inp))
    if not at_output:
        x = k.layers.Dense(int(rng.integers(1, 9)))(x)
    tfl = to_int8_tflite(k.Model(inp, x), rng)
    assert_bitexact_op(tfl, tmp_path, seed, "RESHAPE")


def reshape_to_squeeze(model: bytes) -> bytes:
    """Rewrite every RESHAPE that only drops size-1 axes as SQUEEZE with squeeze_dims.

    TF's converter always emits RESHAPE for tf.squeeze, but other tools write
    SQUEEZE, and TFLM runs it; this gives TFLM and tinyedge a real SQUEEZE."""
    def fn(schema, m, sg):
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SQUEEZE
        code.version = 1
        m.operatorCodes.append(code)
        for op in sg.operators:
            c = m.operatorCodes[op.opcodeIndex]
            if max(c.builtinCode, c.deprecatedBuiltinCode) != schema.BuiltinOperator.RESHAPE:
                continue
            src, dst = list(sg.tensors[op.inputs[0]].shape), list(sg.tensors[op.outputs[0]].shape)
            dims = [a for a in range(1, len(src)) if src[a] == 1 and src[:a] + src[a + 1:] == dst][:1]
            if not dims:
                continue
            op.opcodeIndex = len(m.operatorCodes) - 1
            op.inputs = [op.inputs[0]]
            op.builtinOptionsType = schema.BuiltinOptions.SqueezeOptions
            op.builtinOptions = schema.SqueezeOptionsT()
            op.builtinOptions.squeezeDims = dims
    return edit_model(model, fn)


@pytest.mark.parametrize("seed", SEEDS)
def test_squeeze_bitexact(seed, tmp_path):
    rng = np.random.default_rng(seed + 100)
    k = tf().keras
    h, c = int(rng.integers(2, 8)), int(rng.integers(1, 6))
    axis = int(rng.choice([1, 2]))
    shape = (1, h, c) if axis == 1 else (h, 1, c)
    kernel = (1, 3) if axis == 1 else (3, 1)
    follow = bool(rng.random() < 0.6)
    cfg = dict(shape=shape, axis=axis, follow=follow)
    print(f"seed={seed} {cfg}")
    inp = k.Input(shape, batch_size=1)
    x = k.layers.Conv2D(int(rng.integers(1, 6)), kernel, padding="same", activation="relu")(inp)
    x = k.layers.Reshape((h, x.shape[-1]))(x)  # drops the size-1 axis: becomes SQUEEZE below
    if follow:
        x = k.layers.Dense(int(rng.integers(1, 8)))(x)
    tfl = reshape_to_squeeze(to_int8_tflite(k.Model(inp, x), rng))
    assert_bitexact_op(tfl, tmp_path, seed, "SQUEEZE")
