"""tinyedge inspect: MACs equal to an independent count from the flatbuffer, arena equal to build's,
unsupported ops flagged in the table, the fit verdict, and a built folder inspected as its model."""

import json
import subprocess
import sys

import numpy as np
import pytest
import tflite

import tinyedge
from support import shared_models_dir, tf, to_int8_tflite

MODELS = ("hello_world_int8", "micro_speech_quantized", "ad01_int8", "kws_ref_model", "pretrainedResnet_quant",
          "vww_96_int8")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinyedge.cli", *map(str, args)], capture_output=True, text=True)


def independent_macs(data: bytes) -> int:
    """Multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, straight from the
    flatbuffer's shapes with the tflite schema package (not tinyedge's reader)."""
    m = tflite.Model.GetRootAsModel(data, 0)
    sg = m.Subgraphs(0)
    names = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    total = 0
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = m.OperatorCodes(op.OpcodeIndex())
        kind = names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        shape = lambda t: list(sg.Tensors(t).ShapeAsNumpy())  # noqa: E731
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            out, w = shape(op.Outputs(0)), shape(op.Inputs(1))
            if kind == "CONV_2D":
                total += int(np.prod(out)) * w[1] * w[2] * w[3]
            elif kind == "DEPTHWISE_CONV_2D":
                total += int(np.prod(out)) * w[1] * w[2]
            else:
                total += int(np.prod(out)) * w[1]
    return total


@pytest.mark.parametrize("name", MODELS)
def test_macs_and_arena(name, tmp_path):
    path = shared_models_dir() / f"{name}.tflite"
    p = run_cli("inspect", path, "--json")
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    counted = independent_macs(path.read_bytes())
    conv_like = sum(r["macs"] for r in info["layers"]
                    if r["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"))
    assert conv_like == counted
    built = tinyedge.compile(path, tmp_path / "out")
    assert info["arena_bytes"] == built.arena_bytes and info["macs"] == built.macs
    assert info["weight_bytes"] == built.weights_bytes
    text = run_cli("inspect", path).stdout
    assert f"total: {built.macs:,} MACs, weights {built.weights_bytes:,} bytes, arena {built.arena_bytes:,} bytes" in text


def test_built_folder_and_board(tmp_path):
    path = shared_models_dir() / "vww_96_int8.tflite"
    tinyedge.compile(path, tmp_path / "out", board="qemu-cortex-m4")
    info = json.loads(run_cli("inspect", tmp_path / "out", "--json").stdout)
    assert info["board"]["name"] == "qemu-cortex-m4" and info["board"]["fits"]
    assert any(r["sparse"] for r in info["layers"])
    p = run_cli("inspect", path, "--board", "arduino-uno")
    assert p.returncode == 0 and "does NOT fit" in p.stdout and "of 2,048" in p.stdout


def test_unsupported_ops_flagged(tmp_path):
    k = tf().keras
    inp = k.Input((8, 8, 2))
    y = k.layers.Conv2DTranspose(2, 3)(k.layers.Conv2D(2, 3)(inp))
    path = tmp_path / "u.tflite"
    path.write_bytes(to_int8_tflite(k.Model(inp, y), np.random.default_rng(0)))
    p = run_cli("inspect", path)
    assert p.returncode == 1
    assert "UNSUPPORTED" in p.stdout and "TRANSPOSE_CONV" in p.stdout and "tinyedge ops" in p.stdout
    assert "Traceback" not in p.stderr
