"""Errors a user can cause, each with a stable code and a message that names the fix.

The CLI prints ``error[CODE]: message`` on one line and exits 1 (model or
board problems) or 2 (usage problems); tracebacks only with ``--debug``.
"""

from __future__ import annotations


class TinyedgeError(Exception):
    """An error the user can fix. ``code`` is stable across releases."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


class UsageError(TinyedgeError):
    """Bad command-line arguments or paths."""

    code = "E001"
    exit_code = 2


class ModelFormatError(TinyedgeError):
    """The file is not a model we can read (truncated, not a flatbuffer, ...)."""

    code = "E101"


class FloatModelError(TinyedgeError):
    """A float model was given where an int8 model is needed."""

    code = "E102"


class UnsupportedOpError(TinyedgeError):
    """The model uses ops (or op configurations) tinyedge cannot run."""

    code = "E103"


class UnsupportedModelError(TinyedgeError):
    """Structure tinyedge cannot run: several subgraphs, dynamic shapes, ..."""

    code = "E104"


class BoardFitError(TinyedgeError):
    """The model needs more flash or RAM than the board has."""

    code = "E105"


class InputError(TinyedgeError):
    """Input data for emulation has the wrong shape, type or count."""

    code = "E201"


class OutputDirError(UsageError):
    """The output folder cannot be written safely."""

    code = "E002"


class ToolchainError(TinyedgeError):
    """A compiler or emulator the command needs is missing or failed."""

    code = "E301"


class SplitError(TinyedgeError):
    """A split the model or the boards cannot take: no such layer, too many tensors cross,
    a part that does not fit its board."""

    code = "E501"


class FrameError(TinyedgeError):
    """A frame between two parts of a split model was rejected (corrupt, truncated, misaddressed)."""

    code = "E601"


# The catalogue: every code with what it means. `tinyedge errors` prints it and
# tests check that each code is raised somewhere with a one-line message.
CATALOGUE = {
    "E001": "bad command-line usage",
    "E002": "output folder is not empty and was not made by tinyedge (use --force)",
    "E101": "file is not a readable .tflite model (truncated or corrupt)",
    "E102": "float model: quantize it first (tinyedge build model.keras --calib data.npz)",
    "E103": "model uses ops or op options tinyedge does not support",
    "E104": "model structure not supported (several subgraphs, dynamic shapes, ...)",
    "E105": "model does not fit the board's flash or RAM (use a bigger board, or --force)",
    "E201": "emulation input has the wrong shape, dtype or count",
    "E202": "training, validation or calibration data is missing or has the wrong shape",
    "E301": "a compiler or emulator failed or is missing",
    "E302": "the emulated firmware's outputs differ from host emulation (a tinyedge bug: report it)",
    "E501": "the model cannot be split as asked (layer, crossing tensors, or a part too big for its board)",
    "E601": "a frame between two parts of a split model was corrupt, truncated or misaddressed",
}
