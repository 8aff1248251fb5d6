"""Arduino library and PlatformIO project exports of a build.

The Arduino library is the 1.5 format: library.properties, a flat src/
(the model, the runtime kernels it uses, and <Name>.h), and
examples/<Name>Demo/ running one inference on a stored sample over Serial;
beside it, <Name>.zip for "Sketch > Include Library > Add .ZIP Library".
The PlatformIO project has the same library under lib/ and the demo as
src/main.cpp. Both sit in subfolders of the build folder, next to the plain C.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from .. import __version__
from ..codegen.render import environment
from ..errors import UsageError
from ..names import c_comment
from .project import inputs_with_data, io_specs

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same build gives the same .zip bytes


def library_name(prefix: str) -> str:
    """CamelCase of the C prefix: hello_world_int8 -> HelloWorldInt8 (letters, digits)."""
    name = "".join(part[:1].upper() + part[1:] for part in prefix.split("_") if part)
    return name if name[:1].isalpha() else f"Model{name}"


def sample_header(manifest: dict, arrays: list[np.ndarray] | None, what: str) -> bytes:
    inputs = inputs_with_data(manifest, arrays)
    return environment().get_template("arduino/sample_input.h.j2").render(inputs=inputs, what=what).encode()


def _library_sources(manifest: dict, files: dict[str, bytes]) -> dict[str, bytes]:
    """The model and runtime, flattened into one src/ (Arduino adds only src/ to the include path)."""
    prefix = manifest["prefix"]
    out = {}
    for f, data in files.items():
        if f in (f"{prefix}_model.c", f"{prefix}_model.h"):
            out[f] = data
        elif f.startswith("runtime/include/"):
            out[f[len("runtime/include/"):]] = data  # tinyedge/te_kernels.h, tinyedge/te_platform.h
        elif f.startswith("runtime/src/"):
            out[f[len("runtime/src/"):]] = data
    return out


def _context(manifest: dict, board) -> dict:
    prefix = manifest["prefix"]
    return {"name": library_name(prefix), "prefix": prefix, "PREFIX": prefix.upper(), "version": __version__,
            "model_name": c_comment(manifest.get("source") or prefix), "arena": f"{manifest['arena_bytes']:,}",
            "flash": f"{manifest['weights_bytes'] + manifest['constants_bytes']:,}", "macs": f"{manifest['macs']:,}",
            "inputs": io_specs(manifest, "inputs"), "outputs": io_specs(manifest, "outputs"), "board": board}


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return buf.getvalue()


def arduino_files(board, manifest: dict, files: dict[str, bytes], sample=None,
                  what: str = "the inputs' zero points") -> dict[str, bytes]:
    """arduino/<Name>/ (the library) and arduino/<Name>.zip."""
    if not board.arduino_fqbn:
        raise UsageError(f"board {board.name} has no Arduino core; use --format make, or an Arduino board "
                         f"(tinyedge boards lists their FQBNs)")
    ctx = _context(manifest, board)
    name = ctx["name"]
    env = environment()
    lib = {f"src/{f}": data for f, data in _library_sources(manifest, files).items()}
    lib[f"src/{name}.h"] = env.get_template("arduino/library.h.j2").render(ctx).encode()
    lib["library.properties"] = env.get_template("arduino/library.properties.j2").render(
        ctx, architectures=board.arduino_fqbn.split(":")[1]).encode()
    demo = f"examples/{name}Demo"
    lib[f"{demo}/{name}Demo.ino"] = env.get_template("arduino/demo.cpp.j2").render(ctx).encode()
    lib[f"{demo}/sample_input.h"] = sample_header(manifest, sample, what)
    out = {f"arduino/{name}/{f}": data for f, data in lib.items()}
    out[f"arduino/{name}.zip"] = _zip({f"{name}/{f}": data for f, data in lib.items()})
    return out


def platformio_files(board, manifest: dict, files: dict[str, bytes]) -> dict[str, bytes]:
    """platformio/: platformio.ini, lib/<Name>/ with library.json, src/main.cpp (the demo)."""
    pio = board.platformio
    if not pio:
        raise UsageError(f"board {board.name} has no PlatformIO ids; choose a board that has them "
                         f"(tinyedge boards), or use --format make")
    ctx = _context(manifest, board)
    name = ctx["name"]
    env = environment()
    out = {f"platformio/lib/{name}/src/{f}": data for f, data in _library_sources(manifest, files).items()}
    out[f"platformio/lib/{name}/src/{name}.h"] = env.get_template("arduino/library.h.j2").render(ctx).encode()
    meta = {"name": name, "version": "1.0.0", "keywords": ["tinyml", "int8", "tinyedge"],
            "description": f"{ctx['model_name']} compiled by tinyedge: int8 inference in plain C, "
                           "bit-exact with TensorFlow Lite Micro",
            "frameworks": "*", "platforms": "*", "build": {"srcDir": "src", "includeDir": "src"}}
    out[f"platformio/lib/{name}/library.json"] = (json.dumps(meta, indent=2) + "\n").encode()
    out["platformio/platformio.ini"] = env.get_template("arduino/platformio.ini.j2").render(ctx, pio=pio).encode()
    out["platformio/src/main.cpp"] = env.get_template("arduino/demo.cpp.j2").render(ctx).encode()
    out["platformio/src/sample_input.h"] = sample_header(manifest, None, "the inputs' zero points")
    return out
