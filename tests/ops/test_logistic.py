"""LOGISTIC: random Keras sigmoid activations, bit-exact with TFLM (every int8 input value)."""

import pytest

from unary_cases import assert_activation_bitexact, random_activation_model

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_bitexact(seed, tmp_path):
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.Activation("sigmoid"),
                                       after_dense_or_conv=True)
    print(f"seed={seed} {cfg}")
    assert_activation_bitexact(tfl, tmp_path, seed, "LOGISTIC")
