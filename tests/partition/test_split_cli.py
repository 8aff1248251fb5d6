"""tinyedge split from the command line: --plan table and JSON, a split folder that emulate, run and
report understand, and one-line errors for a bad layer, too many crossing tensors and a part too
big for its board."""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from support import IN_CI, shared_models_dir
from tinyedge.cli import main


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def kws():
    return shared_models_dir() / "kws_ref_model.tflite"


def test_plan_table_and_json(kws):
    r = cli("split", kws, "--devices", "qemu-cortex-m4,gateway", "--link", "ble-1m", "--plan")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert "A=qemu-cortex-m4" in lines[0] and "ble-1m" in lines[0]
    assert sum(1 for ln in lines if ln.startswith("*")) == 1
    assert len(lines) == 2 + 14  # header, columns, 14 candidates (13 ops + the two ends)
    r = cli("split", kws, "--devices", "qemu-cortex-m4,gateway", "--link", "uart-115200", "--bandwidth", "5000",
            "--plan", "--json")
    rows = json.loads(r.output)["candidates"]
    assert sum(r["chosen"] for r in rows) == 1
    chosen = next(r for r in rows if r["chosen"])
    assert chosen["latency_ms"] == min(r["latency_ms"] for r in rows if r["fits"])
    # the link override is used: 12-byte output + 14 framing over 5000 B/s
    last = rows[-1]
    assert last["link_ms"] == pytest.approx((0.0002 + 26 / 5000) * 1e3)


def test_split_folder_runs_everywhere(kws, tmp_path):
    out = tmp_path / "split"
    r = cli("split", kws, "--at", "9", "-o", out)
    assert r.exit_code == 0, r.output
    assert "part 0 -> 1" in r.output and (out / "part0").is_dir() and (out / "part1").is_dir()
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(3).integers(-128, 128, (1, 49, 10, 1), dtype=np.int8))
    r = cli("emulate", out, "-i", x)
    assert r.exit_code == 0 and "chained 2 parts through 1 frames (78 bytes)" in r.output
    r = cli("report", out, "-o", tmp_path / "r.html")
    assert r.exit_code == 0 and "Tensors crossing" in (tmp_path / "r.html").read_text()
    # the same folder again: replaced, since tinyedge made it
    assert cli("split", kws, "--at", "9", "-o", out).exit_code == 0


def test_run_split_on_two_emulated_boards(kws, tmp_path):
    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        (pytest.fail if IN_CI else pytest.skip)("QEMU and arm-none-eabi-gcc not installed (see .ci/run)")
    out = tmp_path / "split"
    r = cli("split", kws, "--at", "8", "--devices", "qemu-cortex-m4,qemu-cortex-m4", "--link", "uart-921600",
            "-o", out)
    assert r.exit_code == 0, r.output
    r = cli("run", out)
    assert r.exit_code == 0, r.output
    assert "part 0 on qemu-cortex-m4:" in r.output and "part 1 on qemu-cortex-m4:" in r.output
    assert "predicted end to end" in r.output and "equal to host emulation of the chain" in r.output


@pytest.mark.parametrize("args,needle", [
    (["--at", "no_such_layer"], "no layer 'no_such_layer'"),
    (["--at", "12"], "nothing for the next part"),
])
def test_bad_cuts_are_one_line(kws, tmp_path, args, needle):
    r = cli("split", kws, *args, "-o", tmp_path / "o")
    assert r.exit_code == 1 and needle in r.output and r.output.startswith("error[E501]")
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_too_many_crossing_tensors(tmp_path):
    model = shared_models_dir() / "pretrainedResnet_quant.tflite"
    r = cli("split", model, "--at", "1", "--max-crossing", "1", "-o", tmp_path / "o")  # inside a residual block
    assert r.exit_code == 1 and "2 tensors cross cut 0" in r.output and "--max-crossing" in r.output


def test_part_too_big_cli(tmp_path):
    r = cli("split", shared_models_dir() / "vww_96_int8.tflite", "--at", "5", "--devices", "nucleo-f401re,gateway",
            "-o", tmp_path / "o")
    assert r.exit_code == 1 and r.output.startswith("error[E501]: part 0")
    assert "nucleo-f401re" in r.output and "98,304" in r.output and len(r.output.strip().splitlines()) == 1
