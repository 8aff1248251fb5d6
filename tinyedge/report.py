"""A single self-contained HTML report of a build: the layer table, where the arena goes, MACs and
weights per layer, and instructions per layer when a profile is given. Plots are matplotlib PNGs
embedded as data URIs, so the file needs no network and no other file."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from .errors import ToolchainError, UsageError
from .inspect import inspect


def _plt():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ToolchainError("the report draws with matplotlib: pip install matplotlib") from None
    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _arena_plot(plt, info: dict) -> str:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    cmap = plt.get_cmap("tab20")
    for k, b in enumerate(info["buffers"]):
        ax.broken_barh([(b["first"] - 0.4, b["last"] - b["first"] + 0.8)], (b["offset"], b["size"]),
                       facecolors=cmap(k % 20), edgecolor="black", linewidth=0.4)
        if b["size"] > 0.06 * max(info["arena_bytes"] or 1, 1):
            ax.text(b["first"] - 0.3, b["offset"] + b["size"] / 2, b["name"][:28], va="center", fontsize=7)
    ax.set_xlabel("op position (execution order)")
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title(f"Arena: {info['arena_bytes']:,} bytes; which tensors are live, and where they sit")
    ax.set_ylim(0, max(info["arena_bytes"] or 1, 1))
    return _png(fig)


def _bars(plt, values: list[int], labels: list[str], title: str, ylabel: str) -> str:
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.bar(range(len(values)), values, color="#4477aa")
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return _png(fig)


def _split_plot(plt, rows: list[dict], title: str) -> str:
    """Latency of every candidate split, stacked: device A, the link, device B; the choice hatched."""
    fig, ax = plt.subplots(figsize=(10, 3.6))
    xs = range(len(rows))
    a = [r["a_ms"] for r in rows]
    link = [r["link_ms"] for r in rows]
    b = [r["b_ms"] for r in rows]
    ax.bar(xs, a, color="#4477aa", label="device A")
    ax.bar(xs, link, bottom=a, color="#ee6677", label="link")
    ax.bar(xs, b, bottom=[x + y for x, y in zip(a, link)], color="#228833", label="device B")
    for i, r in enumerate(rows):
        if r["chosen"]:
            ax.bar([i], [r["latency_ms"]], fill=False, hatch="//", edgecolor="black", label="chosen")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([r["label"][:26] for r in rows], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("ms")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _png(fig)


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}td:nth-child(2),td:nth-child(5){{text-align:left}}
img{{max-width:100%}}</style></head><body>
<h1>{html.escape(title)}</h1>
{body}
</body></html>
"""


def _write(path: Path, page: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def write_split_report(out_dir: Path, path: Path) -> Path:
    """A split folder: its parts, the tensors that cross, and (planner-chosen splits) every candidate."""
    info = json.loads((out_dir / "split.json").read_text())
    esc = html.escape
    parts = "".join(f"<tr><td>{p['dir'][4:]}</td><td>{esc(p['board'])}</td><td>{p['ops'][0]}-{p['ops'][-1]}</td>"
                    f"<td>{p['macs']:,}</td><td>{p['arena_bytes']:,}</td><td>{p['flash_bytes']:,}</td></tr>"
                    for p in info["parts"])
    crossing = "".join(f"<tr><td>{b['from_part']} &rarr; {b['to_part']}</td><td>{esc(t['name'])}</td>"
                       f"<td>{'x'.join(map(str, t['shape']))}</td><td>{t['nbytes']:,}</td><td>{t['frame_bytes']:,}</td></tr>"
                       for b in info["boundaries"] for t in b["tensors"])
    body = (f"<table><tr><th>part</th><th>board</th><th>ops</th><th>MACs</th><th>arena</th><th>flash</th></tr>"
            f"{parts}</table><h2>Tensors crossing</h2><table><tr><th>cut</th><th>tensor</th><th>shape</th>"
            f"<th>bytes</th><th>framed</th></tr>{crossing}</table>")
    plan = info.get("plan")
    if plan:
        plt = _plt()
        link = (info.get("link") or {}).get("name", "?")
        img = _split_plot(plt, plan["candidates"], f"End-to-end latency per candidate split over {link}, "
                                                   f"minimizing {plan['minimize']}")
        plt.close("all")
        body += f'<h2>Candidate splits</h2><img alt="candidate splits" src="{img}">'
    return _write(path, _page(f"tinyedge split report: {out_dir.name}", body))


def write_report(out_dir: str | Path, path: str | Path, profile: str | Path | None = None) -> Path:
    out_dir, path = Path(out_dir), Path(path)
    if (out_dir / "split.json").is_file():
        return write_split_report(out_dir, path)
    if (out_dir / "federated.json").is_file():
        from .federated.report import federated_section
        return _write(path, _page(f"tinyedge federated report: {out_dir.name}",
                                  federated_section(out_dir / "federated.json")))
    info = inspect(out_dir)
    prof = None
    if profile is not None:
        try:
            prof = json.loads(Path(profile).read_text())
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read profile '{profile}': {e}; save one with 'tinyedge profile OUT --json'") \
                from None
    plt = _plt()
    layers = info["layers"]
    labels = [f"{r['index']} {r['op']}" for r in layers]
    images = [("Arena", _arena_plot(plt, info)),
              ("MACs per layer", _bars(plt, [r["macs"] for r in layers], labels, "MACs per layer", "MACs")),
              ("Weights per layer", _bars(plt, [r["weight_bytes"] for r in layers], labels,
                                          "Weight bytes per layer (as stored: sparse encodings included)", "bytes"))]
    steps = {}
    if prof:
        steps = {r["op"]: r["instructions"] for r in prof.get("layers", [])}
        images.append(("Instructions per layer", _bars(
            plt, [steps.get(r["index"], 0) for r in layers], labels,
            f"Instructions per layer on {prof.get('board', '?')} (QEMU -icount)", "instructions")))
    plt.close("all")
    esc = html.escape
    rows = "".join(
        f"<tr><td>{r['index']}</td><td>{esc(r['op'])}</td><td>{esc(' '.join('x'.join(map(str, s)) for s in r['inputs']))}"
        f"</td><td>{esc(' '.join('x'.join(map(str, s)) for s in r['outputs']))}</td>"
        f"<td>{esc(r['kernel'] or '(view)')}{' (sparse)' if r['sparse'] else ''}</td><td>{r['macs']:,}</td>"
        f"<td>{r['weight_bytes']:,}</td><td>{'' if r['arena_live_bytes'] is None else format(r['arena_live_bytes'], ',')}"
        f"</td><td>{format(steps[r['index']], ',') if r['index'] in steps else ''}</td></tr>" for r in layers)
    figs = "".join(f'<h2>{esc(t)}</h2><img alt="{esc(t)}" src="{src}">' for t, src in images)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tinyedge report: {esc(out_dir.name)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}td:nth-child(2),td:nth-child(5){{text-align:left}}
img{{max-width:100%}}</style></head><body>
<h1>tinyedge report: {esc(out_dir.name)}</h1>
<p>{info['macs']:,} MACs, weights {info['weight_bytes']:,} bytes, arena {info['arena_bytes'] or 0:,} bytes,
kernels {esc(info['kernels'])}{', board ' + esc(info['board']['name']) if info['board'] else ''}.</p>
<table><tr><th>#</th><th>op</th><th>in</th><th>out</th><th>kernel</th><th>MACs</th><th>weights</th>
<th>live arena</th><th>instructions</th></tr>{rows}</table>
{figs}
</body></html>
"""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
