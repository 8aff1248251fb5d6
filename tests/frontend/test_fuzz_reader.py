"""Fuzzing the .tflite reader and the compiler behind it: real models mutated (bit flips, truncation,
spliced extreme integers: huge dimensions, negative indices, offsets out of range; duplicated and
swapped ranges) must either compile or raise a TinyedgeError, never another exception or a hang.

CI runs FUZZ_EXAMPLES (5,000) mutated inputs; a longer run:
    TINYEDGE_FUZZ_EXAMPLES=200000 pytest tests/frontend/test_fuzz_reader.py -p no:xdist
"""

import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import REPO, shared_models_dir
from tinyedge.compiler import load_graph, lower
from tinyedge.errors import TinyedgeError
from tinyedge.codegen.render import render_model

FUZZ_EXAMPLES = int(os.environ.get("TINYEDGE_FUZZ_EXAMPLES", "5000"))
EXTREMES = [0, 1, -1, 2**31 - 1, -2**31, 2**30, 65535, 2**32 - 1, 0x7FFF, 12345678]


def seeds() -> list[bytes]:
    """Small real models: a dense net, the sine example, the sparse digits CNN."""
    return [(shared_models_dir() / "hello_world_int8.tflite").read_bytes(),
            (REPO / "examples/sine/sine_int8.tflite").read_bytes(),
            (REPO / "examples/digits/digits_int8.tflite").read_bytes()]


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(0, 7)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 30), st.just(0)),
    st.tuples(st.just("int32"), st.integers(0, 1 << 30), st.sampled_from(EXTREMES)),
    st.tuples(st.just("byte"), st.integers(0, 1 << 30), st.integers(0, 255)),
    st.tuples(st.just("splice"), st.integers(0, 1 << 30), st.integers(0, 1 << 30)),
)


def mutate(data: bytes, muts) -> bytes:
    b = bytearray(data)
    for kind, pos, arg in muts:
        if not b:
            break
        pos %= len(b)
        if kind == "flip":
            b[pos] ^= 1 << arg
        elif kind == "truncate":
            del b[pos:]
        elif kind == "int32" and pos + 4 <= len(b):
            b[pos:pos + 4] = struct.pack("<I", arg & 0xFFFFFFFF)
        elif kind == "byte":
            b[pos] = arg
        elif kind == "splice":
            src = arg % len(b)
            n = min(16, len(b) - max(pos, src))
            b[pos:pos + n] = b[src:src + n]
    return bytes(b)


def compile_in_memory(data: bytes) -> None:
    g = load_graph(data, "m")
    kernels, plan = lower(g, 0.5, "reference")
    if plan.arena_size < 1 << 24 and sum(t.nbytes for t in g.tensors if t.is_const) < 1 << 24:
        render_model(g, "m", kernels, plan, "static")


SEEDS = None  # loaded once per process, inside the test (fixtures do not mix with @given)


@settings(max_examples=FUZZ_EXAMPLES, deadline=2000, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2), st.lists(mutation, min_size=1, max_size=6))
def test_mutated_models_fail_cleanly(which, muts):
    global SEEDS
    SEEDS = SEEDS or seeds()
    data = mutate(SEEDS[which], muts)
    try:
        compile_in_memory(data)
    except TinyedgeError as e:
        assert str(e) and "\n" not in str(e), f"error messages are one line: {e!r}"


@pytest.mark.parametrize("cut", [0, 1, 4, 8, 100, 1000])
def test_truncations(cut):
    data = seeds()[0]
    with pytest.raises(TinyedgeError):
        compile_in_memory(data[:cut])
