"""Datasets and calibration data from files, for the Keras-side commands.

Labelled data (`--data`) is an .npz with arrays `x` and `y` (`x_train`/`y_train`
and `x_val`/`y_val` are accepted too). Calibration data (`--calib`) is an .npy
of samples, an .npz (its `x` array, or its only array), a folder of images, or
in the API any iterable or callable yielding samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import TinyedgeError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm")


class DataError(TinyedgeError):
    """Training, validation or calibration data is missing or has the wrong shape."""

    code = "E202"


def load_xy(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from an .npz file."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DataError(f"cannot read data '{path}': {e}; pass an .npz with arrays x and y") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise DataError(f"'{path}' is a single array; pass an .npz with arrays x and y (np.savez(f, x=x, y=y))")
    for xk, yk in (("x", "y"), ("x_train", "y_train"), ("x_val", "y_val")):
        if xk in data.files and yk in data.files:
            x, y = data[xk], data[yk]
            if len(x) != len(y):
                raise DataError(f"'{path}': {len(x)} samples in {xk} but {len(y)} labels in {yk}")
            if len(x) == 0:
                raise DataError(f"'{path}' holds no samples")
            return x, y
    raise DataError(f"'{path}' has arrays {data.files}; it needs x and y (np.savez(f, x=x, y=y))")


def _load_images(folder: Path, shape: tuple[int, ...]) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading a folder of images needs Pillow: pip install pillow") from None
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in '{folder}'")
    h, w, c = shape[-3:] if len(shape) >= 3 else (shape[0], shape[1], 1)
    out = []
    for f in files:
        img = Image.open(f).convert("L" if c == 1 else "RGB").resize((w, h))
        a = np.asarray(img, np.float32) / 255.0
        out.append(a.reshape(h, w, c))
    return np.stack(out)


def load_calibration(source, input_shape: tuple[int, ...] | None) -> np.ndarray:
    """Calibration samples as a float32 array of shape (n, *input_shape)."""
    if callable(source) and not isinstance(source, (str, Path)):
        source = source()
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            x = _load_images(path, input_shape)
        elif not path.exists():
            raise DataError(f"calibration data '{path}' does not exist; pass --calib data.npz (or .npy, or a folder)")
        else:
            try:
                data = np.load(path, allow_pickle=False)
            except (OSError, ValueError, EOFError) as e:
                raise DataError(f"cannot read calibration data '{path}': {e}") from None
            if isinstance(data, np.lib.npyio.NpzFile):
                key = next((k for k in ("x", "x_train", "calib") if k in data.files), None)
                if key is None and len(data.files) == 1:
                    key = data.files[0]
                if key is None:
                    raise DataError(f"'{path}' has arrays {data.files}; name the samples x")
                x = data[key]
            else:
                x = data
    elif isinstance(source, np.ndarray):
        x = source
    elif isinstance(source, Iterable):
        x = np.stack([np.asarray(s) for s in source])
    else:
        raise DataError(f"calibration data must be a path, an array or an iterable, not {type(source).__name__}")
    x = np.asarray(x, np.float32)
    if input_shape is None:  # shape checked later, against the model
        return x
    if x.shape[1:] != tuple(input_shape):
        if x.shape == tuple(input_shape):
            x = x[None]
        else:
            raise DataError(f"calibration samples have shape {list(x.shape[1:])}, the model's input is "
                            f"{list(input_shape)}; pass an array of shape (n, {', '.join(map(str, input_shape))})")
    if len(x) == 0:
        raise DataError("the calibration data holds no samples; pass at least 100 representative inputs")
    return x


