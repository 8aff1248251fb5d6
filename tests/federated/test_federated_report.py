"""The per-round record and its plots."""

import base64
import json

from tinyedge.federated.report import RunLog, federated_figures, federated_section, round_line


def test_run_log_and_figures(tmp_path):
    log = RunLog(tmp_path / "federated.json", {"rounds": 2})
    log.add_round({"round": 0, "centralized": {"accuracy": 0.1, "loss": 2.3}})
    for k in (1, 2):
        log.add_round({"round": k, "centralized": {"accuracy": 0.5 * k, "loss": 1.0 / k},
                       "federated": {"accuracy": 0.4 * k, "loss": 1.1 / k}, "epsilon": 1.5 * k, "sampled": 4,
                       "accepted": 3, "rejected": 1, "failed": 0, "bytes_up_per_client": 1000.0,
                       "bytes_down_per_client": 4000, "train_loss": 0.9})
    log.summarize(rounds_run=2)
    data = json.loads((tmp_path / "federated.json").read_text())
    assert len(data["rounds"]) == 3 and data["summary"]["rounds_run"] == 2
    line = round_line(data["rounds"][2])
    assert "accuracy 100.00%" in line and "epsilon 3.000" in line and "clients 3/4 (1 rejected)" in line
    figs = dict(federated_figures(tmp_path / "federated.json"))
    assert {"Accuracy per round", "Loss per round", "Privacy spent", "Bytes on the wire per client",
            "Clients per round"} <= set(figs)
    assert all(base64.b64decode(p)[:4] == b"\x89PNG" for p in figs.values())
    page = federated_section(tmp_path / "federated.json")
    assert page.count("<tr>") == 4 and page.count("<img") == len(figs) and "<td>3.000</td>" in page
