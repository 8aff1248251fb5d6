"""Every public model in ../shared/models: bit-exact with TFLM on 20 random inputs,
and an arena no larger than TFLM's activation arena (the planner's "head")."""

import pytest

import tinyedge
from support import Tflm, arena_report, assert_same_as_tflm, shared_models_dir
from tinyedge.targets.host import load

MODELS = ["hello_world_int8", "micro_speech_quantized", "ad01_int8", "kws_ref_model",
          "pretrainedResnet_quant", "vww_96_int8"]
N_INPUTS = 20


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            path = shared_models_dir() / f"{name}.tflite"
            out = tmp_path_factory.mktemp(name) / "out"
            cache[name] = (path, tinyedge.compile(path, out), out)
        return cache[name]
    return get


@pytest.mark.parametrize("name", MODELS)
def test_bitexact_with_tflm(name, built):
    path, result, out = built(name)
    assert_same_as_tflm(load(out), Tflm(path.read_bytes()), 20261125, N_INPUTS, name)


@pytest.mark.parametrize("name", MODELS)
def test_arena_not_larger_than_tflm(name, built):
    path, result, _ = built(name)
    tflm = arena_report(path.read_bytes())
    print(f"{name}: tinyedge arena {result.arena_bytes} B, TFLM head {tflm['head']} B, total {tflm['total']} B")
    assert result.arena_bytes <= tflm["head"]
