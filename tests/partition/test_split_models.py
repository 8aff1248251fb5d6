"""Issue 9, acceptance 1: every legal split point of kws, vww and resnet builds, and the chained
parts (frames packed and checked by the parts' own C) equal TFLM's output for the whole model,
byte for byte, on 10 random inputs each."""

import numpy as np
import pytest

from support import Tflm, random_inputs, shared_models_dir
from tinyedge.compiler import load_graph
from tinyedge.partition.chain import emulate_split
from tinyedge.partition.cut import chain_assignment, cut_points, prepare
from tinyedge.partition.split import split

MODELS = {"kws_ref_model": 12, "vww_96_int8": 30, "pretrainedResnet_quant": 15}  # legal cut points (checked)


def _graph(name):
    path = shared_models_dir() / f"{name}.tflite"
    return path, prepare(load_graph(path.read_bytes(), "m"))


@pytest.mark.parametrize("name", MODELS)
def test_cut_points_listed(name):
    _, g = _graph(name)
    cuts = cut_points(g)
    assert len(cuts) == MODELS[name]
    assert all(1 <= len(c.tensors) <= 2 for c in cuts)
    if name != "pretrainedResnet_quant":  # chains: one tensor at every cut
        assert all(len(c.tensors) == 1 for c in cuts) and len(cuts) == len(g.ops) - 1


@pytest.mark.parametrize("name,k", [(n, k) for n, count in MODELS.items() for k in range(count)])
def test_every_cut_chains_equal_to_tflm(name, k, tmp_path):
    path, g = _graph(name)
    cut = cut_points(g)[k]
    r = split(path, tmp_path / "split", at=chain_assignment(len(g.ops), [cut.at]))
    assert [t["tensor"] for t in r.manifest["boundaries"][0]["tensors"]] == cut.tensors
    ref = Tflm(path.read_bytes())
    rng = np.random.default_rng(1000 + k)
    for trial in range(10):
        xs = random_inputs(r.manifest, rng)
        run = emulate_split(tmp_path / "split", xs)
        want = ref.run(xs, 1)[0]
        assert run.outputs[0].tobytes() == want.reshape(run.outputs[0].shape).tobytes(), \
            f"{name} cut before op position {cut.at}, trial {trial}"
        assert [len(f) for f in run.frames[0]] == [g.tensors[t].nbytes + 14 for t in cut.tensors]
