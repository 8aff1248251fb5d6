"""Several inputs and outputs, outputs that are views of other tensors, and of an input."""

import numpy as np

from support import assert_bitexact, tf, to_int8_tflite


def test_two_inputs_four_outputs(tmp_path):
    k = tf().keras
    a, b = k.Input((8,), batch_size=1, name="a"), k.Input((8,), batch_size=1, name="b")
    d = k.layers.Dense(16, activation="relu")(k.layers.Concatenate()([a, b]))
    outs = [k.layers.Dense(4)(d), k.layers.Dense(3)(d), k.layers.Reshape((4, 4))(d), k.layers.Reshape((2, 4))(a)]
    model = k.Model([a, b], outs)
    rng = np.random.default_rng(0)
    calib = [{"a": rng.normal(size=(1, 8)).astype(np.float32), "b": 3 * rng.normal(size=(1, 8)).astype(np.float32)}
             for _ in range(16)]
    manifest = assert_bitexact(to_int8_tflite(model, rng, calib=calib), tmp_path, seed=0, n_inputs=5,
                               label="multi-io")
    assert len(manifest["inputs"]) == 2 and len(manifest["outputs"]) == 4
    assert sum(op["kind"] == "RESHAPE" for op in manifest["ops"]) >= 1
