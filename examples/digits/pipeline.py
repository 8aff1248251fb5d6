"""The digits example end to end: train, distill, prune, quantize, build, evaluate.

    python examples/digits/pipeline.py build/digits      # about a minute on 2 cores

1. train a teacher CNN (93,962 parameters) on scikit-learn's 8x8 digits;
2. distill it into a student with 14% of its parameters;
3. prune the student's weights to 80% zeros while fine-tuning (the first
   conv, 144 weights, stays dense);
4. quantize to int8 with 200 training images as calibration data;
5. compile to C (the pruned layers stored sparse) and
6. evaluate the float model, TFLM and tinyedge's C on the 360 validation
   images, side by side.

Each step is also a command (printed as it runs); the folder gets train.npz,
val.npz, calib.npz, teacher.keras, student.keras, pruned.keras and the C in
c/. The committed ``digits_int8.tflite`` and ``input.npy`` beside this file
come from ``--seed 0`` and are what the README's first command builds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import digits  # noqa: E402

SPARSITY = 0.8


def make_pipeline_student():
    """The student the pipeline deploys: 13,706 parameters (14.6% of the teacher's)."""
    import keras
    return keras.Sequential([
        keras.Input(digits.INPUT_SHAPE),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same", name="conv1"),
        keras.layers.MaxPooling2D(name="pool"),
        keras.layers.Conv2D(32, 3, activation="relu", name="conv2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(64, activation="relu", name="fc1"),
        keras.layers.Dense(digits.N_CLASSES, name="logits"),
    ], name="digits")


def run(out: Path, seed: int = 0, teacher_epochs: int = 20, student_epochs: int = 30, prune_epochs: int = 10,
        verbose: int = 0) -> dict:
    """Every step into ``out``; returns the figures (accuracies, sizes, the build's report)."""
    import keras

    import tinyedge
    from tinyedge.compress.distill import distill
    from tinyedge.compress.prune import count_params_and_macs, prune_unstructured
    from tinyedge.evaluate import evaluate

    out.mkdir(parents=True, exist_ok=True)
    xt, yt, xv, yv = digits.load_digits_split(seed)
    np.savez(out / "train.npz", x=xt, y=yt)
    np.savez(out / "val.npz", x=xv, y=yv)
    np.savez(out / "calib.npz", x=xt[:200])
    fig = {}

    teacher = digits.train(digits.make_teacher(), xt, yt, epochs=teacher_epochs, seed=seed, verbose=verbose)
    teacher.save(out / "teacher.keras")
    fig["teacher"] = {"params": teacher.count_params(), "accuracy": digits.accuracy(teacher, xv, yv)}

    keras.utils.set_random_seed(seed)
    student = distill(teacher, make_pipeline_student(), xt, yt, temperature=4.0, alpha=0.3,
                      epochs=student_epochs, learning_rate=3e-3, seed=seed, verbose=verbose)
    student.save(out / "student.keras")
    fig["student"] = {"params": student.count_params(), "accuracy": digits.accuracy(student, xv, yv)}

    pruned = prune_unstructured(student, xt, yt, sparsity=SPARSITY, epochs=prune_epochs, exclude=["conv1"],
                                seed=seed, verbose=verbose)
    pruned.save(out / "pruned.keras")
    kernels = {layer.name: float(np.mean(layer.kernel.numpy() == 0)) for layer in pruned.layers
               if hasattr(layer, "kernel")}
    fig["pruned"] = {"params_macs": count_params_and_macs(pruned), "zeros": kernels,
                     "accuracy": digits.accuracy(pruned, xv, yv)}

    c_dir = out / "c"
    built = tinyedge.compile(out / "pruned.keras", c_dir, name="digits", calib=out / "calib.npz", force=True)
    fig["build"] = {"arena": built.arena_bytes, "flash": built.flash_bytes, "weights": built.weights_bytes,
                    "sparse": [op["sparse"] for op in built.manifest["ops"] if op.get("sparse")]}
    fig["evaluate"] = evaluate(c_dir, out / "val.npz", keras_model=out / "pruned.keras")
    return fig


def report(fig: dict) -> str:
    t, s, p, b, e = fig["teacher"], fig["student"], fig["pruned"], fig["build"], fig["evaluate"]
    lines = [
        f"teacher  {t['params']:>7,} params  float accuracy {t['accuracy']:.4f}",
        f"student  {s['params']:>7,} params  float accuracy {s['accuracy']:.4f} (distilled)",
        "pruned   zero weights " + ", ".join(f"{k} {v:.0%}" for k, v in p["zeros"].items())
        + f"  float accuracy {p['accuracy']:.4f}",
        f"int8     arena {b['arena']:,} B, flash {b['flash']:,} B (weights {b['weights']:,} B)",
    ]
    for r in b["sparse"]:
        lines.append(f"         sparse layer: {r['sparse_bytes']:,} of {r['dense_bytes']:,} weight bytes "
                     f"({r['sparse_bytes'] / r['dense_bytes']:.1%}), {r['sparse_macs']:,} of {r['dense_macs']:,} MACs")
    lines.append(f"accuracy on {e['samples']} validation images: float {e['float']:.4f}, TFLM {e['tflm']:.4f}, "
                 f"tinyedge {e['tinyedge']:.4f}; {e['equal_to_tflm']}/{e['samples']} outputs equal to TFLM's")
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, nargs="?", default=Path("build/digits"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--commit", action="store_true",
                   help="also copy the int8 model and a sample input beside this script")
    a = p.parse_args(argv)
    fig = run(a.out, seed=a.seed, verbose=2)
    print(report(fig))
    if a.commit:
        here = Path(__file__).resolve().parent
        shutil.copyfile(a.out / "c" / "digits.tflite", here / "digits_int8.tflite")
        np.save(here / "input.npy", np.load(a.out / "val.npz")["x"][:1])


if __name__ == "__main__":
    main()
