"""In-place convolutions (passes/inplace.py, runtime_c/src/te_inplace.h): random DS-CNN-like chains
(conv, then depthwise "same" and 1x1 convs) whose 1x1 and depthwise layers run over their own
input, bit-exact with TFLM; the arena shrinks; the compiler keeps out-of-place when it saves nothing."""

import numpy as np
import pytest

import tinyedge
from support import Tflm, assert_bitexact, tf, to_int8_tflite
import tinyedge.compiler

SEEDS = range(20)
INPLACE = ("te_conv2d_inplace_s8", "te_depthwise_conv2d_inplace_s8",
           "te_conv2d_inplace_fast_s8", "te_depthwise_conv2d_inplace_fast_s8")


def random_chain(seed: int):
    rng = np.random.default_rng(seed)
    k = tf().keras
    h, w, c = int(rng.integers(3, 12)), int(rng.integers(1, 12)), int(rng.integers(2, 24))
    layers = [k.Input((h, w, int(rng.integers(1, 4))), batch_size=1),
              k.layers.Conv2D(c, 3, padding="same", activation="relu")]
    cfg = {"h": h, "w": w, "c": c, "blocks": []}
    for _ in range(int(rng.integers(1, 4))):
        kd = int(rng.choice([3, 3, 5]))
        c = max(1, c - int(rng.integers(0, 3)))  # 1x1: out_c <= in_c keeps it in place
        act = str(rng.choice(["relu", "relu6", "linear"]))
        layers += [k.layers.DepthwiseConv2D(kd, padding="same", activation=act,
                                            bias_initializer=k.initializers.RandomNormal(stddev=0.3, seed=seed)),
                   k.layers.Conv2D(c, 1, activation=act, use_bias=bool(rng.random() < 0.8))]
        cfg["blocks"].append((kd, c, act))
    layers.append(k.layers.Conv2D(int(rng.integers(1, 8)), 3, padding="same"))  # the output stays apart
    k.utils.set_random_seed(seed)
    return k.Sequential(layers), cfg, rng


@pytest.mark.parametrize("seed", SEEDS)
def test_inplace_chain_bitexact(seed, tmp_path, monkeypatch):
    model, cfg, rng = random_chain(seed)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng)
    manifest = assert_bitexact(tfl, tmp_path, seed, label=f"in-place chain {cfg}")
    kernels = [op["kernel"] for op in manifest["ops"]]
    monkeypatch.setattr(tinyedge.compiler, "mark_inplace", lambda g: 0)
    (tmp_path / "m.tflite").write_bytes(tfl)
    apart = tinyedge.compile(tmp_path / "m.tflite", tmp_path / "apart").arena_bytes
    print(kernels, manifest["arena_bytes"], apart)
    if any(kn in INPLACE for kn in kernels):
        assert manifest["arena_bytes"] < apart  # chosen only when it shrinks the arena
    else:
        assert manifest["arena_bytes"] == apart


def test_kws_arena_shrinks_and_stays_bitexact(shared_models, tmp_path):
    path = shared_models / "kws_ref_model.tflite"
    r = tinyedge.compile(path, tmp_path / "out")
    kernels = [op["kernel"] for op in r.manifest["ops"]]
    assert sum(kn in INPLACE for kn in kernels) == 8  # 4 depthwise + 4 pointwise
    assert r.arena_bytes <= 0.75 * 16000  # TFLM's activation arena ("head") for KWS
    from support import assert_same_as_tflm
    from tinyedge.targets.host import load
    assert_same_as_tflm(load(tmp_path / "out"), Tflm(path.read_bytes()), 7, 5, "kws in place")
