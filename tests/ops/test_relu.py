"""RELU and RELU6: random Keras ReLU layers, bit-exact with TFLM (every int8 input value).

TFLM's RELU rescales to the output quantization; its RELU6 clamps on the input
quantization and ignores the output's (tinyedge does the same).
"""

import pytest

from unary_cases import assert_activation_bitexact, random_activation_model

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_bitexact(seed, tmp_path):
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.ReLU())
    print(f"seed={seed} {cfg}")
    assert_activation_bitexact(tfl, tmp_path, seed, "RELU")


@pytest.mark.parametrize("seed", SEEDS)
def test_relu6_bitexact(seed, tmp_path):
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.ReLU(max_value=6.0))
    print(f"seed={seed} {cfg}")
    assert_activation_bitexact(tfl, tmp_path, seed, "RELU6")
