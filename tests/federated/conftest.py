"""Shared data for the federated tests: scikit-learn's digits written as .npz (no download)."""

import os

import numpy as np
import pytest
from fl_support import load_example

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # Flower's usage events need the network


@pytest.fixture(scope="session")
def example():
    return load_example()


@pytest.fixture(scope="session")
def digits_files(tmp_path_factory, example):
    """(train.npz, val.npz): 1,437 and 360 digits, as the example splits them."""
    d = tmp_path_factory.mktemp("digits")
    xt, yt, xv, yv = example.load_digits_split(0)
    np.savez(d / "train.npz", x=xt, y=yt)
    np.savez(d / "val.npz", x=xv, y=yv)
    return d / "train.npz", d / "val.npz"
