"""From the federated global model to C for a board: the only place this package meets the compiler.

Quantization is calibrated with the server's own held-out data (a small
public or held-out set), never with a client's raw data: the clients'
data never left them, and it does not leave them here either.
"""

from __future__ import annotations

from pathlib import Path


def check_board(board: str) -> None:
    """Fail on a misspelt board before the training rounds, not after them."""
    from tinyedge.boards import get_board
    get_board(board)


def deploy(model_path: str | Path, out_dir: str | Path, board: str, calib: str | Path, val: str | Path,
           name: str | None = None, quiet: bool = True) -> dict:
    """Build `model_path` (.keras) for `board` into out_dir, then score float, TFLM and C on `val`."""
    import tinyedge
    from tinyedge.evaluate import evaluate

    # not forced: a model too big for the board is an error (E105), and a folder tinyedge did not make is kept
    built = tinyedge.compile(model_path, out_dir, name=name or "federated", calib=calib, board=board, quiet=quiet)
    scores = evaluate(out_dir, val, keras_model=model_path, quiet=quiet)
    return {"out_dir": str(out_dir), "board": board, "prefix": built.prefix, "arena_bytes": built.arena_bytes,
            "flash_bytes": built.flash_bytes, "macs": built.macs, "evaluate": scores}
