"""Ctrl-C during a long step (fine-tuning, calibration in the converter's child process) ends the
command with exit 130 and one line, and leaves no output and no temporary files behind."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from support import tf


@pytest.fixture(scope="module")
def model_and_data(tmp_path_factory):
    d = tmp_path_factory.mktemp("interrupt")
    k = tf().keras
    k.utils.set_random_seed(0)
    m = k.Sequential([k.Input((8, 8, 1)), k.layers.Conv2D(8, 3), k.layers.Flatten(), k.layers.Dense(4)])
    m.save(d / "m.keras")
    rng = np.random.default_rng(0)
    np.savez(d / "train.npz", x=rng.random((4000, 8, 8, 1), np.float32), y=rng.integers(0, 4, 4000))
    np.savez(d / "calib.npz", x=rng.random((4000, 8, 8, 1), np.float32))
    return d


def start(tmp_path, *args):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    return subprocess.Popen([sys.executable, "-m", "tinyedge.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def interrupted(p) -> str:
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    lines = err.strip().splitlines()
    assert lines[-1] == "interrupted" and "Traceback" not in err, err
    return err


def test_interrupt_fine_tuning(model_and_data, tmp_path):
    d = model_and_data
    p = start(tmp_path, "prune", d / "m.keras", "--data", d / "train.npz", "--sparsity", "0.5", "--epochs", "1000",
              "-o", tmp_path / "p.keras")
    for line in p.stdout:  # Keras prints "Epoch 1/1000" when fine-tuning starts
        if line.startswith("Epoch 2/"):
            break
    interrupted(p)
    assert sorted(os.listdir(tmp_path)) == []


def test_interrupt_calibration(model_and_data, tmp_path):
    d = model_and_data
    p = start(tmp_path, "build", d / "m.keras", "--calib", d / "calib.npz", "-o", tmp_path / "out")
    deadline = time.time() + 120
    while not any(n.startswith("tinyedge-quantize-") for n in os.listdir(tmp_path)):
        assert time.time() < deadline and p.poll() is None, "the converter's child never started"
        time.sleep(0.2)
    time.sleep(3)  # into TF's import or the converter
    interrupted(p)
    assert sorted(os.listdir(tmp_path)) == []
