"""`tinyedge federate`: one-line errors naming the fix, and the Flower App it writes for the deployment engine."""

import tomllib

import pytest
from click.testing import CliRunner
from fl_support import MODEL

from tinyedge.federated.cli import federate
from tinyedge.federated.config import FederateConfig


@pytest.mark.parametrize("args, message", [
    ([], "no data: pass --data"),
    (["--data", "missing.npz"], "does not exist"),
    (["--data", "{train}", "--fraction", "1.5"], "--fraction must be in (0, 1]"),
    (["--data", "{train}", "--mu", "0.1"], "add --strategy fedprox"),
    (["--data", "{train}", "--noise-multiplier", "1.0"], "add --clip-norm"),
    (["--data", "{train}", "--noise-multiplier", "1", "--target-epsilon", "3", "--clip-norm", "1"], "not both"),
    (["--data", "{train}", "--epsilon-budget", "3"], "needs differential privacy"),
    (["--data", "{train}", "--clients", "1"], "at least 2 clients"),
    (["--data", "{train}", "--board", "qemu-cortex-m5"], "did you mean qemu-cortex-m55"),
    (["--data", "{train}", "--model", "nowhere.py:make"], "does not exist"),
])
def test_bad_settings_are_one_line_naming_the_fix(digits_files, tmp_path, args, message):
    train, _ = digits_files
    argv = ["--model", MODEL, "-o", str(tmp_path / "o")] + [a.format(train=train) for a in args]
    r = CliRunner().invoke(federate, argv)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[E001]: ") and message in lines[0]


def test_write_app_gives_a_flower_app_and_the_commands(digits_files, tmp_path):
    train, val = digits_files
    app = tmp_path / "app"
    r = CliRunner().invoke(federate, ["--model", MODEL, "--data", str(train), "--val", str(val),
                                      "--clients", "3", "--rounds", "7", "--strategy", "fedprox", "--mu", "0.01",
                                      "-o", str(tmp_path / "out"), "--write-app", str(app)])
    assert r.exit_code == 0, r.output
    assert r.output.count("flower-supernode --insecure --superlink 127.0.0.1:9091") == 3
    assert "flower-superlink --insecure" in r.output and "flwr run" in r.output
    project = tomllib.loads((app / "pyproject.toml").read_text())
    assert project["tool"]["flwr"]["app"]["components"]["serverapp"] == "tinyedge.federated.server_app:app"
    cfg = FederateConfig.from_run_config(project["tool"]["flwr"]["app"]["config"])
    assert (cfg.clients, cfg.rounds, cfg.strategy, cfg.mu, cfg.data, cfg.client_data) == (3, 7, "fedprox", 0.01,
                                                                                           None, [])
    assert cfg.model.endswith("initial.keras") and len(list((app / "clients").glob("*.npz"))) == 3
