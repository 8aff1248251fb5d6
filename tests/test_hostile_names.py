"""Names from a model reach the generated C only through the sanitizers (tinyedge/names.py):
tensor, subgraph and model names full of comment ends, quotes, newlines, preprocessor lines and
non-ASCII build, compile with -Wall -Wextra -Werror -pedantic, and run bit-exact."""

import re
import subprocess

import numpy as np

import tinyedge
from support import Tflm, assert_same_as_tflm, shared_models_dir
from tinyedge.targets.host import load
from unary_cases import edit_model

HOSTILE = ['*/ int evil; /*', '"); system("rm -rf /', "line\nbreak\r\n#include <stdio.h>", "\\", "??/",
           "ünïcødé ✓ 模型", "#define int char", "a/*b", "", "0starts_with_digit", "x" * 300]


def hostile_model() -> bytes:
    def fn(schema, m, sg):
        m.description = "model */ #error pwned \" \n"
        sg.name = "sub */ graph"
        for i, t in enumerate(sg.tensors):
            t.name = HOSTILE[i % len(HOSTILE)]
    return edit_model((shared_models_dir() / "micro_speech_quantized.tflite").read_bytes(), fn)


def test_hostile_names_build_compile_and_run(tmp_path):
    data = hostile_model()
    path = tmp_path / "*evil \"name\".tflite"
    path.write_bytes(data)
    r = tinyedge.compile(path, tmp_path / "out")
    out = tmp_path / "out"
    for src in [out / f"{r.prefix}_model.c"]:
        p = subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", str(src),
                            f"-I{out}", f"-I{out / 'runtime/include'}", f"-I{out / 'runtime/src'}",
                            "-o", str(tmp_path / "m.o")], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
    text = (out / f"{r.prefix}_model.c").read_text() + (out / f"{r.prefix}_model.h").read_text()
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # names may appear in comments, made harmless there
    assert "stdio" not in code and "#define int" not in code and "system(" not in code and "int evil;" not in code
    assert all("\n" not in c for c in re.findall(r"/\*.*?\*/", text, flags=re.S) if "op " in c)
    assert r.prefix.isidentifier() and r.prefix.isascii()
    assert_same_as_tflm(load(out), Tflm(data), 3, 3, "hostile names")
    assert np.all([n.isascii() for n in text])
