"""The deployment engine on loopback: flower-superlink, two flower-supernodes (each with its own .npz),
`flwr run` of the same apps for two rounds; every process stopped by its id afterwards."""

import json

from fl_support import MODEL

from tinyedge.federated import FederateConfig
from tinyedge.federated import run as R


def test_superlink_and_two_supernodes_run_two_rounds(digits_files, tmp_path):
    train, val = digits_files
    cfg = FederateConfig(model=MODEL, data=train, val=val, clients=2, rounds=2, local_epochs=1,
                         lr=3e-3, fraction_evaluate=0.0, out=tmp_path / "out", seed=0)
    link = R.free_port()
    commands = R.prepare_app(cfg, tmp_path / "app", superlink_port=link)
    assert "flower-superlink" in commands and commands.count("flower-supernode") == 2
    clients = sorted((tmp_path / "app" / "clients").glob("client_*.npz"))
    env = {"FLWR_HOME": str(tmp_path / "app" / "flwr_home")}
    procs = []
    try:
        procs.append(R.start(R.superlink_command(link), tmp_path / "superlink.log", env))
        R.wait_for_port(link, timeout=120, proc=procs[0])
        for k, data in enumerate(clients):
            procs.append(R.start(R.supernode_command(link, R.free_port(), data, k), tmp_path / f"node{k}.log", env))
        run = R.run_app(tmp_path / "app", env, timeout=900)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    finally:
        R.stop(procs)
    assert all(p.poll() is not None for p in procs)
    record = json.loads((tmp_path / "out" / "federated.json").read_text())
    rounds = record["rounds"]
    assert [r["round"] for r in rounds] == [0, 1, 2]
    assert all(r["accepted"] == r["sampled"] == 2 and r["clients"] == [0, 1] for r in rounds[1:])
    assert rounds[2]["centralized"]["accuracy"] > rounds[0]["centralized"]["accuracy"]
    assert (tmp_path / "out" / "global.keras").is_file()
