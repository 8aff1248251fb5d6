"""The `tinyedge` command line: thin click commands over the Python API."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np

from . import __version__
from .errors import CATALOGUE, TinyedgeError, UsageError


def _fail(e: TinyedgeError, debug: bool) -> None:
    if debug:
        raise e
    click.echo(f"error[{e.code}]: {e}", err=True)
    sys.exit(e.exit_code)


def _run(ctx: click.Context, fn, *args, **kwargs):
    debug = ctx.find_root().params.get("debug", False)
    try:
        return fn(*args, **kwargs)
    except TinyedgeError as e:
        _fail(e, debug)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # a bug in tinyedge: still one line unless --debug
        if debug:
            raise
        click.echo(f"error[E999]: internal error ({type(e).__name__}: {e}); "
                   "rerun with --debug and report it", err=True)
        sys.exit(3)


class _Group(click.Group):
    """click's usage errors as tinyedge's one line (error[E001], exit 2) instead of a usage block."""

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.ClickException as e:
            where = f"tinyedge {e.ctx.info_name} --help" if getattr(e, "ctx", None) and e.ctx.parent else \
                "tinyedge --help"
            message = " ".join(e.format_message().split()).rstrip(".")
            click.echo(f"error[E001]: {message[:1].lower() + message[1:]}; see '{where}'", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tinyedge")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
def main(debug: bool) -> None:
    """Compile int8 neural networks into small, fast, bit-exact C for microcontrollers."""


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Output folder (created; replaced if tinyedge made it).")
@click.option("--calib", type=click.Path(path_type=Path),
              help="Calibration inputs for a Keras model: .npy, .npz (array x) or a folder of images.")
@click.option("--name", help="C prefix for every symbol (default: the model file's name).")
@click.option("--arena", type=click.Choice(["static", "caller"]), default="static", show_default=True,
              help="static: the model owns its arena; caller: pass one to <name>_invoke_with_arena().")
@click.option("--max-density", type=float, default=0.5, show_default=True,
              help="Store FULLY_CONNECTED/CONV_2D weights sparse when at most this fraction is nonzero "
                   "(with the fast kernels, a 1x1 CONV_2D only where the sparse kernel is also faster).")
@click.option("--board", help="Target board (tinyedge boards): the model must fit it; adds a project for it.")
@click.option("--format", "fmt", type=click.Choice(["c", "make", "arduino", "platformio"]),
              help="make: a Makefile/CMake project for the board (default with --board); arduino: an Arduino "
                   "library and its .zip; platformio: a PlatformIO project; c: the C alone.")
@click.option("--kernels", type=click.Choice(["auto", "fast", "reference"]), default="auto", show_default=True,
              help="fast: the optimized kernels; reference: the portable ones; auto: fast except on AVR.")
@click.option("--cores", type=click.IntRange(1, 2), default=1, show_default=True,
              help="2: heavy layers' output channels split between two workers (<name>_invoke_worker).")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder tinyedge did not make; build even if the board is too small.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def build(ctx, model, out_dir, calib, name, arena, max_density, board, fmt, kernels, cores, force, quiet):
    """Compile MODEL (an int8 .tflite, or a Keras model with --calib) into C in the folder OUT."""
    from .compiler import build as _build
    r = _run(ctx, _build, model, out_dir, name=name, arena=arena, force=force, calib=calib,
             max_density=max_density, quiet=quiet, board=board, fmt=fmt, kernels=kernels, cores=cores)
    n_ops = sum(1 for op in r.manifest["ops"] if op["kernel"])
    click.echo(f"built {r.prefix}: {n_ops} kernels, {r.macs:,} MACs")
    click.echo(f"  arena  {r.arena_bytes:>10,} bytes  (RAM, {r.prefix.upper()}_ARENA_SIZE)")
    click.echo(f"  flash  {r.flash_bytes:>10,} bytes  (weights {r.weights_bytes:,} + constants "
               f"{r.constants_bytes:,})")
    sparse = [op["sparse"] for op in r.manifest["ops"] if op.get("sparse")]
    if sparse:
        dense_b, sparse_b = sum(s["dense_bytes"] for s in sparse), sum(s["sparse_bytes"] for s in sparse)
        dense_m, sparse_m = sum(s["dense_macs"] for s in sparse), sum(s["sparse_macs"] for s in sparse)
        click.echo(f"  sparse {len(sparse)} layers: weights {dense_b:,} -> {sparse_b:,} bytes "
                   f"({sparse_b / max(dense_b, 1):.0%}), MACs {dense_m:,} -> {sparse_m:,}")
    if r.manifest.get("workers", 1) > 1:
        split_n = sum(1 for op in r.manifest["ops"] if op.get("worker_ranges"))
        m0, m1 = r.manifest["worker_macs"]
        click.echo(f"  cores  {split_n} layers split by output channels: worker MACs {m0:,} / {m1:,} "
                   f"({abs(m0 - m1) / max(m0, m1, 1):.1%} apart); {r.prefix}_invoke_worker(core, ...)")
    fit = r.manifest.get("fit")
    if fit:
        click.echo(f"  {r.manifest['board']}: flash {fit['flash_bytes']:,} of {fit['board_flash_bytes']:,} bytes "
                   f"({fit['flash_bytes'] / fit['board_flash_bytes']:.1%}), RAM {fit['ram_bytes']:,} of "
                   f"{fit['board_ram_bytes']:,} ({fit['ram_bytes'] / fit['board_ram_bytes']:.1%}), estimated")
    click.echo(f"  output {out_dir}/{r.prefix}_model.h, {r.prefix}_model.c, runtime/, {r.prefix}.tflite"
               + {"make": ", Makefile, CMakeLists.txt", "arduino": ", arduino/ (library and .zip)",
                  "platformio": ", platformio/"}.get(r.manifest.get("format"), ""))


def _load_inputs(paths: tuple[Path, ...]) -> list[np.ndarray]:
    arrays: list[np.ndarray] = []
    for p in paths:
        try:
            data = np.load(p, allow_pickle=False)
        except (OSError, ValueError, EOFError) as e:
            raise UsageError(f"cannot read input '{p}': {e or 'empty file'}; pass .npy or .npz files") from None
        if isinstance(data, np.lib.npyio.NpzFile):
            arrays.extend(data[k] for k in data.files)
        else:
            arrays.append(data)
    return arrays


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("-i", "--input", "inputs", multiple=True, required=True, type=click.Path(path_type=Path),
              help=".npy per model input (repeat), or one .npz holding all; float arrays are quantized.")
@click.option("--save", type=click.Path(path_type=Path), help="Save outputs to this .npz (out0, out1, ...).")
@click.option("--trace", "trace_path", type=click.Path(path_type=Path),
              help="Save every intermediate tensor to this .npz, keyed op<index>_t<tensor>.")
@click.option("--compare", "compare_model", type=click.Path(path_type=Path),
              help="Also run this .tflite under TFLM and name the first layer that differs (needs tflite-micro).")
@click.pass_context
def emulate(ctx, out_dir, inputs, save, trace_path, compare_model):
    """Run the C in OUT_DIR on this computer and print the outputs."""
    from .targets.host import load

    if compare_model:
        from .targets.tflm import compare_with_tflm
        r = _run(ctx, lambda: compare_with_tflm(compare_model, out_dir, _load_inputs(inputs)))
        if r["equal"]:
            click.echo(f"equal to TFLM: all {r['layers']} layers and every output, byte for byte")
            return
        d = r["first_difference"]
        where = (f"op {d['op']} tensor {d['tensor']} '{d['name']}': {d['elements_differing']} of "
                 f"{d['elements']} elements differ (max {d['max_abs_difference']})" if "op" in d
                 else f"output {d['output']}")
        click.echo(f"differs from TFLM, first at {where}")
        sys.exit(1)

    from .partition.chain import is_split
    if is_split(out_dir):
        return _emulate_split(ctx, out_dir, inputs, save)

    def go():
        xs = _load_inputs(inputs)
        hm = load(out_dir, trace=bool(trace_path))
        res = hm.run(xs)
        outs, records = res if trace_path else (res, [])
        return hm.manifest, outs, records

    manifest, outs, records = _run(ctx, go)
    _print_outputs(outs, manifest["outputs"])
    if save:
        np.savez(save, **{f"out{k}": y for k, y in enumerate(outs)})
        click.echo(f"saved outputs to {save}")
    if trace_path:
        np.savez(trace_path, **{f"op{r['op']}_t{r['tensor']}": r["data"] for r in records})
        click.echo(f"saved {len(records)} intermediate tensors to {trace_path}")


def _emulate_split(ctx, out_dir, inputs, save):
    from .partition.chain import emulate_split, read_split
    info = _run(ctx, read_split, out_dir)
    run = _run(ctx, lambda: emulate_split(out_dir, _load_inputs(inputs)))
    _print_outputs(run.outputs, info["outputs"])
    frames = [f for cut in run.frames for f in cut]
    click.echo(f"chained {len(info['parts'])} parts through {len(frames)} frames ({sum(map(len, frames)):,} bytes), "
               f"each packed and checked by the parts' own C")
    if save:
        np.savez(save, **{f"out{k}": y for k, y in enumerate(run.outputs)})
        click.echo(f"saved outputs to {save}")


def _print_outputs(outs, specs) -> None:
    np.set_printoptions(threshold=64, linewidth=100)
    for k, (y, spec) in enumerate(zip(outs, specs)):
        click.echo(f"output {k} {spec['name']} {list(y.shape)} {y.dtype}:")
        click.echo(np.array2string(y.reshape(-1) if y.ndim > 2 else y))
        if spec.get("scale"):
            real = (y.astype(np.float64) - spec["zero_point"]) * spec["scale"]
            click.echo(f"  dequantized: {np.array2string(real.reshape(-1), precision=4)}")
        if y.ndim == 2 and y.shape[0] == 1 and y.shape[1] > 1:  # class scores: name the winner
            click.echo(f"  argmax: {int(np.argmax(y))}")


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--data", required=True, type=click.Path(path_type=Path), help=".npz with arrays x and y.")
@click.option("--keras", "keras_model", type=click.Path(path_type=Path),
              help="The float Keras model, to score it beside the int8 ones.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def evaluate(ctx, out_dir, data, keras_model, quiet, as_json):
    """Score OUT_DIR's model on labelled data: float Keras vs int8 TFLM vs tinyedge's C."""
    import json

    from .evaluate import evaluate as _evaluate
    r = _run(ctx, _evaluate, out_dir, data, keras_model=keras_model, quiet=quiet)
    if as_json:
        click.echo(json.dumps(r, indent=1, sort_keys=True))
        return

    def fmt(v):
        return "-" if v is None else (f"{100 * v:6.2f}%" if r["metric"] == "accuracy" else f"{v:.6g}")
    click.echo(f"{r['metric']} on {r['samples']} samples")
    click.echo(f"  float (Keras)    {fmt(r['float'])}")
    click.echo(f"  int8 (TFLM)      {fmt(r['tflm'])}")
    click.echo(f"  int8 (tinyedge)  {fmt(r['tinyedge'])}   outputs equal to TFLM on "
               f"{r['equal_to_tflm']}/{r['samples']} samples")


def _save_keras(model, path: Path) -> None:
    """Save atomically: a temporary file beside the target, then a rename."""
    import os
    import tempfile
    fd, tmp = tempfile.mkstemp(suffix=path.suffix or ".keras", dir=path.resolve().parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--data", required=True, type=click.Path(path_type=Path), help="Training .npz (x, y) for fine-tuning.")
@click.option("--val", type=click.Path(path_type=Path), help="Validation .npz (x, y), to print accuracy.")
@click.option("--sparsity", type=float, required=True,
              help="Fraction of weights set to zero (or, with --structured, of filters/units removed), in (0, 1).")
@click.option("--structured", is_flag=True, help="Remove whole filters/units by L1 norm and rewire the next layer.")
@click.option("--epochs", type=int, default=4, show_default=True, help="Fine-tuning epochs.")
@click.option("--layer", "overrides", multiple=True, metavar="NAME=S", help="Per-layer sparsity (repeat).")
@click.option("--exclude", multiple=True, metavar="NAME", help="A layer to leave dense (repeat).")
@click.option("--exclude-first", is_flag=True, help="Leave the first prunable layer dense.")
@click.option("--exclude-last", is_flag=True, help="Leave the last prunable layer dense.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", "out_path", required=True, type=click.Path(path_type=Path), help="Pruned .keras file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def prune(ctx, model, data, val, sparsity, structured, epochs, overrides, exclude, exclude_first, exclude_last,
          seed, out_path, quiet):
    """Prune MODEL (Keras) and fine-tune it; save the result to OUT."""
    def go():
        if not 0.0 < sparsity < 1.0:
            raise UsageError(f"--sparsity must be between 0 and 1 (exclusive), not {sparsity}; e.g. --sparsity 0.8")
        from .compress import prune as P
        from .compress.data import load_xy
        from .frontend.keras import load_keras
        m = load_keras(model)
        x, y = load_xy(data)
        validation = load_xy(val) if val else None
        verbose = 0 if quiet else None  # None: Keras's bar on a terminal, a line per epoch in a log
        names = list(exclude)
        if exclude_first or exclude_last:
            first, last = P.first_and_last_prunable(m)
            names += ([first] if exclude_first else []) + ([last] if exclude_last else [])
        before = P.count_params_and_macs(m)
        if validation:  # pruning changes m in place: score it first
            from .compress.finetune import is_classification
            metric = "accuracy" if is_classification(m, validation[1]) else "MSE"
            score_before = P.score(m, *validation)
        if structured:
            pruned = P.prune_structured(m, x, y, fraction=sparsity, epochs=epochs, exclude=names,
                                        validation=validation, seed=seed, verbose=verbose)
        else:
            per_layer = {}
            for item in overrides:
                name, _, value = item.partition("=")
                try:
                    per_layer[name] = float(value)
                except ValueError:
                    raise UsageError(f"--layer takes NAME=SPARSITY, not '{item}'") from None
            pruned = P.prune_unstructured(m, x, y, sparsity=sparsity, epochs=epochs, overrides=per_layer,
                                          exclude=names, validation=validation, seed=seed, verbose=verbose)
        after = P.count_params_and_macs(pruned)
        _save_keras(pruned, out_path)
        scores = (metric, score_before, P.score(pruned, *validation)) if validation else None
        return before, after, pruned, scores

    before, after, pruned, scores = _run(ctx, go)
    import numpy as np
    zeros = sum(int(np.sum(w == 0)) for w in pruned.get_weights())
    total = sum(int(w.size) for w in pruned.get_weights())
    click.echo(f"pruned -> {out_path}: params {before[0]:,} -> {after[0]:,}, MACs {before[1]:,} -> {after[1]:,}, "
               f"zero weights {zeros:,}/{total:,} ({zeros / max(total, 1):.0%})")
    if scores:
        click.echo(f"validation {scores[0]}: before {scores[1]:.4f}, after {scores[2]:.4f}")


@main.command()
@click.option("--teacher", required=True, type=click.Path(path_type=Path), help="Trained teacher (.keras).")
@click.option("--student", required=True, type=click.Path(path_type=Path), help="Student to train (.keras).")
@click.option("--data", required=True, type=click.Path(path_type=Path), help="Training .npz (x, y).")
@click.option("--val", type=click.Path(path_type=Path), help="Validation .npz (x, y).")
@click.option("--temperature", type=float, default=4.0, show_default=True)
@click.option("--alpha", type=float, default=0.1, show_default=True, help="Weight of the hard-label loss.")
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", "out_path", required=True, type=click.Path(path_type=Path), help="Distilled .keras.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def distill(ctx, teacher, student, data, val, temperature, alpha, epochs, seed, out_path, quiet):
    """Train STUDENT on TEACHER's soft targets plus the labels; save it to OUT."""
    def go():
        from .compress.data import load_xy
        try:
            from .compress.distill import distill as _distill
        except ImportError:
            raise UsageError("distillation is not in this build of tinyedge yet; train the student yourself "
                             "and build the result") from None
        from .frontend.keras import load_keras
        x, y = load_xy(data)
        s = _distill(load_keras(teacher), load_keras(student), x, y, temperature=temperature, alpha=alpha,
                     epochs=epochs, validation=load_xy(val) if val else None, seed=seed,
                     verbose=0 if quiet else 2)
        _save_keras(s, out_path)
        return s

    s = _run(ctx, go)
    click.echo(f"distilled student ({s.count_params():,} params) -> {out_path}")


@main.command("inspect")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--board", help="Also say whether it fits this board (tinyedge boards).")
@click.option("--calib", type=click.Path(path_type=Path), help="Calibration data, for a Keras model.")
@click.option("--kernels", type=click.Choice(["auto", "fast", "reference"]), help="Kernel set (default: auto).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def inspect_cmd(ctx, model, board, calib, kernels, as_json):
    """A row per layer (shapes, kernel, MACs, weights, live arena), totals, unsupported ops, fit."""
    import json as _json

    from .inspect import inspect, table
    info = _run(ctx, inspect, model, board=board, calib=calib, kernels=kernels)
    click.echo(_json.dumps(info, indent=1) if as_json else table(info))
    if info["unsupported"]:
        sys.exit(1)


@main.command("report")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("-o", "--out", "path", required=True, type=click.Path(path_type=Path), help="The .html to write.")
@click.option("--profile", type=click.Path(path_type=Path),
              help="A profile saved with 'tinyedge profile OUT --json > p.json', for instructions per layer.")
@click.pass_context
def report_cmd(ctx, out_dir, path, profile):
    """One self-contained HTML file: layer table, arena over the layers, MACs, weights (and a profile)."""
    from .report import write_report
    written = _run(ctx, write_report, out_dir, path, profile)
    click.echo(f"wrote {written}")


@main.command("boards")
@click.pass_context
def list_boards(ctx):
    """List the boards --board accepts: core, flash, RAM, clock, and how each is emulated."""
    from .boards import board_table, load_boards
    click.echo(_run(ctx, lambda: board_table(load_boards().values())))


@main.command("run")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("-i", "--input", "inputs", multiple=True, type=click.Path(path_type=Path),
              help=".npy per model input (repeat), or one .npz; default: the inputs' zero points.")
@click.option("--board", help="Emulated board (default: the build's): qemu-cortex-m3/m4/m7/m33/m55, simavr-mega2560.")
@click.pass_context
def run_cmd(ctx, out_dir, inputs, board):
    """Run OUT on an emulated board (QEMU firmware, or the Arduino demo under simavr); check it against the host."""
    from .partition.chain import is_split
    from .targets.qemu import run_and_check
    if is_split(out_dir):
        return _run_split(ctx, out_dir, inputs)

    def go():
        return run_and_check(out_dir, _load_inputs(inputs) if inputs else None, board=board)
    fw, host = _run(ctx, go)
    same = all(a.tobytes() == b.tobytes() for a, b in zip(fw.outputs, host))
    np.set_printoptions(threshold=64, linewidth=100)
    for k, y in enumerate(fw.outputs):
        click.echo(f"output {k} {list(y.shape)} {y.dtype}:")
        click.echo(np.array2string(y.reshape(-1) if y.ndim > 2 else y))
    cost = f"{fw.instructions:,} instructions" if hasattr(fw, "instructions") else f"{fw.micros:,} us (micros())"
    click.echo(f"{board or fw.board}: {cost}, flash {fw.flash_bytes:,} bytes, static RAM {fw.ram_bytes:,} bytes")
    if not same:
        click.echo("error[E302]: the firmware's outputs differ from host emulation's; report this with the model",
                   err=True)
        sys.exit(1)
    click.echo("equal to host emulation, byte for byte")


def _run_split(ctx, out_dir, inputs):
    from .partition.chain import emulate_split, read_split, run_split_firmware

    def go():
        xs = _load_inputs(inputs) if inputs else None
        fw = run_split_firmware(out_dir, xs)
        if xs is None:
            from .targets.host import read_manifest
            first = read_manifest(Path(out_dir) / read_split(out_dir)["parts"][0]["dir"])
            xs = [np.full(s["shape"], s["zero_point"] or 0, s["dtype"]) for s in first["inputs"]]
        return read_split(out_dir), fw, emulate_split(out_dir, xs)
    info, fw, host = _run(ctx, go)
    _print_outputs(fw.outputs, info["outputs"])
    for p, (part, n, sec) in enumerate(zip(info["parts"], fw.instructions, fw.part_seconds)):
        what = f"{n:,} instructions, {sec * 1e3:.2f} ms at its clock" if n else "host (not counted)"
        click.echo(f"part {p} on {part['board']}: {what}")
    link = info.get("link")
    if link:
        click.echo(f"link {link['name']}: {fw.link_seconds * 1e3:.2f} ms for "
                   f"{sum(len(f) for cut in fw.frames for f in cut):,} bytes of frames; predicted end to end "
                   f"{fw.latency_s * 1e3:.2f} ms")
    if any(a.tobytes() != b.tobytes() for a, b in zip(fw.outputs, host.outputs)):
        click.echo("error[E302]: the parts' firmware outputs differ from host emulation's; report this with the model",
                   err=True)
        sys.exit(1)
    click.echo("equal to host emulation of the chain, byte for byte")


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), help="Output folder: part0/, part1/, split.json.")
@click.option("--at", "at", help="Cut after these layers (op index or output tensor name; comma-separated for more parts).")
@click.option("--devices", help="One board per part, comma-separated (tinyedge boards; host or gateway for Linux).")
@click.option("--link", help="The link between the parts: " + ", ".join(["uart-115200", "uart-921600", "spi-8mhz",
              "ble-1m", "ble-2m", "802.15.4", "wifi", "ethernet"]) + ".")
@click.option("--bandwidth", type=float, help="The link's measured throughput in bytes/s (overrides the table).")
@click.option("--latency", type=float, help="The link's per-frame latency in seconds (overrides the table).")
@click.option("--minimize", type=click.Choice(["latency", "device-energy", "link-bytes"]), default="latency",
              show_default=True, help="What the planner minimizes (device-energy: on device A, the first).")
@click.option("--plan", "show_plan", is_flag=True, help="Print every candidate split with its costs; build nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --plan: the candidates as JSON.")
@click.option("--max-crossing", type=int, default=2, show_default=True,
              help="Most tensors allowed across one cut (graphs with branches).")
@click.option("--kernels", type=click.Choice(["auto", "fast", "reference"]), default="auto", show_default=True)
@click.option("--name", help="C prefix (each part adds _p0, _p1, ...).")
@click.option("--force", is_flag=True, help="Write into a non-empty folder tinyedge did not make.")
@click.pass_context
def split(ctx, model, out_dir, at, devices, link, bandwidth, latency, minimize, show_plan, as_json, max_crossing,
          kernels, name, force):
    """Split MODEL across devices: by layers at --at, or where the planner finds the best --devices A,B over --link."""
    import json as _json

    from .partition.cost import get_link
    from .partition.split import candidate_row, plan_split, plan_table
    from .partition.split import split as _split

    def link_obj():
        return get_link(link, bandwidth, latency) if link else None
    if show_plan:
        if not devices or not link:
            _fail(UsageError("--plan needs --devices A,B and --link LINK"), False)

        def go():
            from .compiler import load_graph, model_bytes
            from .partition.cut import prepare
            g = prepare(load_graph(model_bytes(model), "m"))
            cands = plan_split(model, devices, link_obj(), minimize, max_crossing, kernels, name)
            return [candidate_row(g, c) for c in cands]
        rows = _run(ctx, go)
        if as_json:
            click.echo(_json.dumps({"devices": devices, "link": link, "minimize": minimize, "candidates": rows},
                                   indent=1))
        else:
            click.echo(plan_table(rows, devices, link, minimize))
        return
    if out_dir is None:
        _fail(UsageError("tinyedge split needs -o OUT (or --plan to only print the candidates)"), False)
    r = _run(ctx, _split, model, out_dir, at=at.split(",") if at else None, devices=devices, link=link_obj(),
             minimize=minimize, max_crossing=max_crossing, kernels=kernels, name=name, force=force)
    m = r.manifest
    for p in m["parts"]:
        click.echo(f"part {p['dir'][4:]} on {p['board']}: ops {p['ops'][0]}-{p['ops'][-1]}, {p['macs']:,} MACs, "
                   f"arena {p['arena_bytes']:,} bytes, flash {p['flash_bytes']:,} bytes -> {out_dir}/{p['dir']}/")
    for b in m["boundaries"]:
        for t in b["tensors"]:
            click.echo(f"  part {b['from_part']} -> {b['to_part']}: '{t['name'][:60]}' {t['shape']} {t['dtype']}, "
                       f"{t['nbytes']:,} bytes ({t['frame_bytes']:,} framed)")
    click.echo(f"  wrote {out_dir}/split.json; run the chain with 'tinyedge emulate {out_dir} -i x.npy'")


@main.command("profile")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("-i", "--input", "inputs", multiple=True, type=click.Path(path_type=Path),
              help="Inputs as for run (default: the inputs' zero points; counts barely depend on them).")
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON.")
@click.pass_context
def profile_cmd(ctx, out_dir, inputs, as_json):
    """Per-layer and total instruction counts on the emulated board (deterministic), flash and RAM."""
    import json as _json

    from .targets.host import read_manifest
    from .targets.qemu import run_firmware

    def go():
        return read_manifest(out_dir), run_firmware(out_dir, _load_inputs(inputs) if inputs else None, profile=True)
    manifest, fw = _run(ctx, go)
    layers = [op for op in manifest["ops"] if op["kernel"]]
    rows = [{"step": i, "op": op["index"], "kind": op["kind"], "kernel": op["kernel"], "macs": op["macs"],
             "instructions": n} for i, (op, n) in enumerate(zip(layers, fw.steps))]
    if as_json:
        click.echo(_json.dumps({"board": fw.board, "instructions": fw.instructions, "layers": rows,
                                "flash_bytes": fw.flash_bytes, "ram_bytes": fw.ram_bytes}, indent=1))
        return
    click.echo(f"{'step':>4}  {'op':>4}  {'kind':<18} {'kernel':<30} {'MACs':>12} {'instructions':>14} {'share':>6}")
    for r in rows:
        click.echo(f"{r['step']:>4}  {r['op']:>4}  {r['kind']:<18} {r['kernel']:<30} {r['macs']:>12,} "
                   f"{r['instructions']:>14,} {r['instructions'] / max(fw.instructions, 1):>6.1%}")
    layers_sum = sum(r["instructions"] for r in rows)
    click.echo(f"{'':>4}  {'':>4}  {'total':<18} {'(layers ' + format(layers_sum, ',') + ')':<30} "
               f"{sum(r['macs'] for r in rows):>12,} {fw.instructions:>14,}")
    click.echo(f"{fw.board}: flash {fw.flash_bytes:,} bytes, static RAM {fw.ram_bytes:,} bytes (ELF, harness "
               f"included); instruction counts from QEMU -icount, the same on every run")


@main.command("ops")
def list_ops():
    """List the ops tinyedge compiles."""
    from .ops import REGISTRY
    for kind in sorted(REGISTRY):
        doc = sys.modules[type(REGISTRY[kind]).__module__].__doc__ or ""
        click.echo(f"{kind:<20} {doc.strip().splitlines()[0] if doc.strip() else ''}")


@main.command("errors")
def list_errors():
    """List the error codes tinyedge can report."""
    for code, text in sorted(CATALOGUE.items()):
        click.echo(f"{code}  {text}")


from .federated.cli import federate  # noqa: E402  (Flower, Ray and TF load only when it runs)

main.add_command(federate)

if __name__ == "__main__":
    main()
