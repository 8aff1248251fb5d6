"""The run's record: one JSON object per round, written as it goes, and plots drawn from it.

`federated.json` holds {"config": ..., "rounds": [...], "summary": ...}; a
round has its number, centralized and federated accuracy and loss, epsilon
(with DP), clients sampled / accepted / rejected / failed with the reasons,
and the bytes each client sent and received. It is rewritten after every
round, so a run that stops early still leaves its figures.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

RUN_JSON = "federated.json"


class RunLog:
    """Accumulates rounds and keeps `path` up to date."""

    def __init__(self, path: str | Path, config: dict[str, Any]):
        self.path = Path(path)
        self.data: dict[str, Any] = {"config": config, "rounds": [], "summary": {}}

    def add_round(self, record: dict[str, Any]) -> None:
        self.data["rounds"].append(record)
        self.write()

    def summarize(self, **fields) -> None:
        self.data["summary"].update(fields)
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=1, default=float))
        os.replace(tmp, self.path)


def load_run(path: str | Path) -> dict[str, Any]:
    from ..errors import UsageError
    p = Path(path)
    if p.is_dir():
        p = p / RUN_JSON
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read the federated run '{p}' ({type(e).__name__}); "
                         "pass the federated.json a 'tinyedge federate' run wrote") from None


def round_line(r: dict[str, Any]) -> str:
    """One printed line per round."""
    parts = [f"round {r['round']:>3}"]
    c = r.get("centralized") or {}
    if "accuracy" in c:
        parts.append(f"accuracy {100 * c['accuracy']:6.2f}%")
    if "loss" in c:
        parts.append(f"loss {c['loss']:.4f}")
    f = r.get("federated") or {}
    if "accuracy" in f:
        parts.append(f"clients' accuracy {100 * f['accuracy']:6.2f}%")
    if r.get("epsilon") is not None:
        parts.append(f"epsilon {r['epsilon']:.3f}")
    if r.get("sampled"):
        parts.append(f"clients {r['accepted']}/{r['sampled']}"
                     + (f" ({r['rejected']} rejected)" if r.get("rejected") else "")
                     + (f" ({r['failed']} failed)" if r.get("failed") else ""))
    if r.get("bytes_up_per_client"):
        parts.append(f"up {r['bytes_up_per_client']:,.0f} B/client")
    return "  ".join(parts)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def federated_figures(run_json_path: str | Path) -> list[tuple[str, str]]:
    """[(title, PNG as base64)] for a run: accuracy, loss, epsilon (DP), bytes, clients per round."""
    from ..errors import ToolchainError
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ToolchainError("the federated plots need matplotlib: pip install matplotlib") from None
    rounds = load_run(run_json_path)["rounds"]
    if not rounds:
        return []
    n = [r["round"] for r in rounds]

    def series(*keys):
        out = []
        for r in rounds:
            v: Any = r
            for k in keys:
                v = v.get(k) if isinstance(v, dict) else None
            out.append(v)
        return out

    def plot(title, ylabel, lines):
        fig, ax = plt.subplots(figsize=(6, 3.2))
        drawn = False
        for label, ys in lines:
            pts = [(x, y) for x, y in zip(n, ys) if y is not None]
            if pts:
                ax.plot(*zip(*pts), marker=".", label=label)
                drawn = True
        ax.set_xlabel("round")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if drawn:
            ax.legend()
        return (title, _png(fig)) if drawn else None

    figs = [
        plot("Accuracy per round", "accuracy",
             [("centralized (server's held-out set)", series("centralized", "accuracy")),
              ("federated (clients' own data)", series("federated", "accuracy"))]),
        plot("Loss per round", "loss", [("centralized", series("centralized", "loss")),
                                        ("federated", series("federated", "loss")),
                                        ("training (clients)", series("train_loss"))]),
        plot("Privacy spent", "epsilon", [("epsilon", series("epsilon"))]),
        plot("Bytes on the wire per client", "bytes", [("client to server", series("bytes_up_per_client")),
                                                       ("server to client", series("bytes_down_per_client"))]),
        plot("Clients per round", "clients", [("accepted", series("accepted")), ("rejected", series("rejected")),
                                              ("failed", series("failed"))]),
    ]
    return [f for f in figs if f is not None]


def _count(v) -> str:
    return f"{v:,.0f}" if v else ""


def federated_section(run_json_path: str | Path) -> str:
    """HTML for `tinyedge report`: the summary, a table with a row per round, and the plots."""
    import html
    run = load_run(run_json_path)
    s, esc = run.get("summary") or {}, html.escape

    def pct(v):
        return "" if v is None else f"{100 * v:.2f}%"

    head = (f"<p>{s.get('rounds_run', len(run['rounds']))} rounds"
            + (f"; epsilon {s['epsilon']:.3f} at delta {s['delta']:g}" if s.get("epsilon") is not None else "")
            + (f"; stopped early: {esc(str(s['stopped_early']))}" if s.get("stopped_early") else "") + "</p>")
    rows = "".join(
        f"<tr><td>{r['round']}</td><td>{pct((r.get('centralized') or {}).get('accuracy'))}</td>"
        f"<td>{pct((r.get('federated') or {}).get('accuracy'))}</td>"
        f"<td>{'' if r.get('epsilon') is None else format(r['epsilon'], '.3f')}</td>"
        f"<td>{r.get('accepted', '')}/{r.get('sampled', '')}</td><td>{r.get('rejected', '')}</td>"
        f"<td>{r.get('failed', '')}</td><td>{_count(r.get('bytes_up_per_client'))}</td></tr>"
        for r in run["rounds"])
    table = ("<table><tr><th>round</th><th>accuracy (server)</th><th>accuracy (clients)</th><th>epsilon</th>"
             "<th>accepted</th><th>rejected</th><th>failed</th><th>bytes up per client</th></tr>" + rows + "</table>")
    imgs = "".join(f'<h2>{esc(t)}</h2><img alt="{esc(t)}" src="data:image/png;base64,{png}">'
                   for t, png in federated_figures(run_json_path))
    return head + table + imgs
