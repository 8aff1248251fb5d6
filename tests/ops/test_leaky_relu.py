"""LEAKY_RELU: random Keras LeakyReLU layers (negative alphas by editing the model), bit-exact with TFLM."""

import numpy as np
import pytest

from unary_cases import assert_activation_bitexact, random_activation_model, set_option

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_leaky_relu_bitexact(seed, tmp_path):
    rng = np.random.default_rng(seed + 500)
    alpha = float(rng.choice([0.01, 0.1, 0.2, 0.3, 0.5, 0.9, 1.7, rng.uniform(0.0, 2.5)]))  # 1.0 is folded away
    tfl, cfg = random_activation_model(seed, lambda k, rng: k.layers.LeakyReLU(negative_slope=alpha))
    if seed % 5 == 4:  # Keras refuses negative slopes; TFLM takes them
        alpha = -float(rng.uniform(0.05, 1.5))
        tfl = set_option(tfl, "LEAKY_RELU", "alpha", alpha)
    print(f"seed={seed} alpha={alpha} {cfg}")
    assert_activation_bitexact(tfl, tmp_path, seed, "LEAKY_RELU")
