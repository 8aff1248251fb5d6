"""FULLY_CONNECTED: random Keras Dense layers (2-D and 3-D inputs), bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)


def random_dense(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    rank3 = rng.random() < 0.3
    shape = (int(rng.integers(1, 5)), int(rng.integers(1, 40))) if rank3 else (int(rng.integers(1, 80)),)
    units = int(rng.integers(1, 40))
    act = str(rng.choice(["linear", "relu", "relu6"]))
    cfg = dict(shape=shape, units=units, activation=act, bias=bool(rng.random() < 0.8),
               per_channel=bool(rng.random() < 0.5), calib_scale=float(rng.choice([0.3, 1.0, 5.0])),
               depth=int(rng.integers(1, 3)))
    layers = [k.Input(shape, batch_size=1)]  # a fixed batch keeps 3-D Dense a single FULLY_CONNECTED
    for _ in range(cfg["depth"]):
        layers.append(k.layers.Dense(units, activation=act, use_bias=cfg["bias"],
                                     bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed),
                                     kernel_initializer=k.initializers.GlorotUniform(seed=seed)))
    return k.Sequential(layers), cfg, rng


@pytest.mark.parametrize("seed", SEEDS)
def test_fully_connected_bitexact(seed, tmp_path):
    model, cfg, rng = random_dense(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, per_channel=cfg["per_channel"], calib_scale=cfg["calib_scale"])
    manifest = assert_bitexact(tfl, tmp_path, seed, label="FULLY_CONNECTED")
    assert any(op["kind"] == "FULLY_CONNECTED" for op in manifest["ops"])
