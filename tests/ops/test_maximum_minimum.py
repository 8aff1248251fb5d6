"""MAXIMUM and MINIMUM: random Keras Maximum/Minimum layers and constant operands with
broadcasting, bit-exact with TFLM (30 seeds per kind)."""

import pytest

from binary_cases import SEEDS, check_random_model

KINDS = ["MAXIMUM", "MINIMUM"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_maximum_minimum_bitexact(kind, seed, tmp_path):
    check_random_model(kind, seed, tmp_path)
