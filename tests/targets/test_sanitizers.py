"""Every shared model (and the sparse digits example) as a host program under AddressSanitizer and
UndefinedBehaviorSanitizer: no report, and outputs equal to host emulation's."""

import numpy as np
import pytest

import tinyedge
from support import REPO, random_inputs
from tinyedge.targets.host import load
from tinyedge.targets.sanitize import run_sanitized

MODELS = ("hello_world_int8", "micro_speech_quantized", "ad01_int8", "kws_ref_model", "pretrainedResnet_quant",
          "vww_96_int8", "digits")


@pytest.mark.parametrize("kernels", ["reference", "fast"])
@pytest.mark.parametrize("name", MODELS)
def test_clean_under_asan_and_ubsan(shared_models, name, kernels, tmp_path):
    path = REPO / "examples/digits/digits_int8.tflite" if name == "digits" else shared_models / f"{name}.tflite"
    r = tinyedge.compile(path, tmp_path / "out", kernels=kernels)
    hm = load(tmp_path / "out")
    for seed in range(2):
        x = random_inputs(r.manifest, np.random.default_rng(seed))
        got = run_sanitized(tmp_path / "out", x)
        for a, b in zip(got, hm.run(x)):
            assert a.tobytes() == b.tobytes(), f"{name} ({kernels}): sanitized build differs, seed {seed}"
