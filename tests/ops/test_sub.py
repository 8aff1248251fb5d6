"""SUB: random Keras Subtract layers / constant subtractions with broadcasting, bit-exact with TFLM."""

import numpy as np
import pytest

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)
KIND = "SUB"


def random_shapes(rng):
    """Batch-free output shape and two broadcast-compatible operand shapes."""
    rank = int(rng.choice([1, 2, 3, 3, 3, 4]))
    out = [int(rng.integers(1, 7)) for _ in range(rank)]
    variant = str(rng.choice(["same", "bcast1", "bcast2", "both", "channel", "scalar"]))
    s1, s2 = list(out), list(out)
    if variant in ("bcast1", "bcast2"):
        t = s1 if variant == "bcast1" else s2
        for d in range(rank):
            if rng.random() < 0.5:
                t[d] = 1
    elif variant == "both":
        for d in range(rank):
            r = rng.random()
            if r < 0.35:
                s1[d] = 1
            elif r < 0.7:
                s2[d] = 1
    elif variant == "channel":
        s2 = [1] * (rank - 1) + [out[-1]]
        if rng.random() < 0.5:
            s1, s2 = s2, s1
    elif variant == "scalar":
        s2 = [1] * rank
        if rng.random() < 0.5:
            s1, s2 = s2, s1
    out = [max(a, b) for a, b in zip(s1, s2)]
    return tuple(s1), tuple(s2), tuple(out), variant


def random_binary(seed: int, kind: str):
    """A one-op model: two Inputs, or one Input and a constant (either side)."""
    salt = ["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"].index(kind)  # other shapes per kind
    rng = np.random.default_rng([seed, salt])
    k = tf().keras
    s1, s2, out, variant = random_shapes(rng)
    const_side = int(rng.choice([0, 0, 1, 2]))  # 0: two inputs; 1/2: that operand is a constant
    act = str(rng.choice(["none", "relu", "relu6"])) if kind in ("ADD", "SUB", "MUL") else "none"
    scales = [float(rng.choice([0.2, 1.0, 3.0, 8.0])) * float(rng.uniform(0.7, 1.3)) for _ in range(2)]
    shifts = [float(rng.choice([0.0, 0.0, 0.5, -1.0])) * s for s in scales]
    const = None
    if const_side:
        cshape = s1 if const_side == 1 else s2
        if len(cshape) > 1 and rng.random() < 0.5:  # drop leading 1s: a lower-rank constant
            while len(cshape) > 1 and cshape[0] == 1:
                cshape = cshape[1:]
        const = (rng.normal(size=cshape) * scales[const_side - 1] + shifts[const_side - 1]).astype(np.float32)
    cfg = dict(kind=kind, s1=s1, s2=s2, variant=variant, const_side=const_side, act=act,
               scales=[round(s, 3) for s in scales], shifts=[round(s, 3) for s in shifts])

    def op(a, b):
        fn = {"ADD": k.ops.add, "SUB": k.ops.subtract, "MUL": k.ops.multiply,
              "MAXIMUM": k.ops.maximum, "MINIMUM": k.ops.minimum}[kind]
        return fn(a, b)

    layer = {"ADD": k.layers.Add, "SUB": k.layers.Subtract, "MUL": k.layers.Multiply,
             "MAXIMUM": k.layers.Maximum, "MINIMUM": k.layers.Minimum}[kind]
    if const_side == 0:
        a = k.Input(s1, batch_size=1, name="a")
        b = k.Input(s2, batch_size=1, name="b")
        inputs = [a, b]
        y = layer()([a, b])
    else:
        x = k.Input(s2 if const_side == 1 else s1, batch_size=1, name="a")
        inputs = [x]
        c = const
        y = k.layers.Lambda(lambda t: op(c, t) if const_side == 1 else op(t, c))(x)
    if act == "relu":
        y = k.layers.ReLU()(y)
    elif act == "relu6":
        y = k.layers.ReLU(max_value=6.0)(y)
    model = k.Model(inputs, y)
    var = [i for i in (0, 1) if i + 1 != const_side]
    calib = [{inp.name: (rng.normal(size=(1, *inp.shape[1:])) * scales[v] + shifts[v]).astype(np.float32)
              for inp, v in zip(model.inputs, var)} for _ in range(24)]
    return model, cfg, rng, calib


@pytest.mark.parametrize("seed", SEEDS)
def test_sub_bitexact(seed, tmp_path):
    model, cfg, rng, calib = random_binary(seed, KIND)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label=KIND)
    assert any(op["kind"] == KIND for op in manifest["ops"]), [op["kind"] for op in manifest["ops"]]


# Scales and zero points (input 1, input 2, output) for which computing the
# constants in float32 instead of double (or the reverse) changes at least one
# output over all 65536 input pairs: found by search with a numpy model of the
# kernel. The converted model's quantization is overwritten with them.
EXHAUSTIVE = {
    "ADD": [([0.027229661121964455, 0.6829404234886169, 0.0697358101606369], [44, -67, -48]),
            ([0.19053059816360474, 0.3176080584526062, 0.006202456541359425], [125, -36, 54]),
            ([0.020673248916864395, 0.017487408593297005, 0.03756197541952133], [-97, -32, -85]),
            ([0.022639866918325424, 0.03204505518078804, 0.19549304246902466], [3, 111, 86])],
    "SUB": [([0.5412173271179199, 0.3927375078201294, 0.026106473058462143], [121, 32, -2]),
            ([0.027229661121964455, 0.6829404234886169, 0.0697358101606369], [44, -67, -48]),
            ([0.04429011046886444, 0.037951696664094925, 0.13560056686401367], [-40, 91, -74]),
            ([0.022639866918325424, 0.03204505518078804, 0.19549304246902466], [3, 111, 86])],
    "MUL": [([0.027731584385037422, 0.008251318708062172, 0.08961160480976105], [102, 109, -18]),
            ([0.028546253219246864, 0.35299545526504517, 0.025787271559238434], [-46, 39, 25]),
            ([0.08923674374818802, 0.004614408127963543, 0.05033067241311073], [112, -42, 114]),
            ([0.3053860664367676, 0.06378286331892014, 0.2746671736240387], [73, 124, -68])],
}


def patch_quant(tfl: bytes, quants: dict) -> bytes:
    """Overwrite the (per-tensor) scale and zero point of tensors in a .tflite."""
    import tflite
    buf = bytearray(tfl)
    sg = tflite.Model.GetRootAsModel(tfl, 0).Subgraphs(0)
    for i, (scale, zp) in quants.items():
        q = sg.Tensors(i).Quantization()
        ps, pz = q._tab.Vector(q._tab.Offset(8)), q._tab.Vector(q._tab.Offset(10))
        buf[ps:ps + 4] = np.float32(scale).tobytes()
        buf[pz:pz + 8] = np.int64(zp).tobytes()
    return bytes(buf)


@pytest.mark.parametrize("case", range(4))
def test_sub_constants_exhaustive(case, tmp_path):
    """Every int8 pair, with scales where float32 vs double constants matter."""
    import tinyedge
    from tflite_micro.python.tflite_micro import runtime
    from tinyedge.frontend.tflite import read_tflite
    from tinyedge.targets.host import load

    k = tf().keras
    rng = np.random.default_rng(case)
    n = 65536  # every (x, y) int8 pair once
    a, b = k.Input((n,), batch_size=1, name="a"), k.Input((n,), batch_size=1, name="b")
    layer = {"ADD": k.layers.Add, "SUB": k.layers.Subtract, "MUL": k.layers.Multiply}[KIND]
    model = k.Model([a, b], layer()([a, b]))
    calib = [{"a": rng.normal(size=(1, n)).astype(np.float32),
              "b": rng.normal(size=(1, n)).astype(np.float32)} for _ in range(4)]
    tfl = to_int8_tflite(model, rng, calib=calib)
    g = read_tflite(tfl)
    op = next(op for op in g.ops if op.kind == KIND)
    scales, zps = EXHAUSTIVE[KIND][case]
    print(f"case={case} scales={scales} zero_points={zps}")
    quants = {t: (s, z) for t, s, z in zip([*op.inputs, op.outputs[0]], scales, zps)}
    for r in g.ops:  # the converter may put a RESHAPE in front: it keeps the quantization
        if r.kind == "RESHAPE" and r.outputs[0] in quants:
            quants[r.inputs[0]] = quants[r.outputs[0]]
    tfl = patch_quant(tfl, quants)
    (tmp_path / "m.tflite").write_bytes(tfl)
    tinyedge.compile(tmp_path / "m.tflite", tmp_path / "out", name="m")
    values = np.arange(-128, 128, dtype=np.int8)
    xs = [np.repeat(values, 256).reshape(1, n), np.tile(values, 256).reshape(1, n)]
    ref = runtime.Interpreter.from_bytes(tfl, arena_size=1 << 20)  # the default is too small here
    for i, x in enumerate(xs):
        ref.set_input(x, i)
    ref.invoke()
    want = np.array(ref.get_output(0))
    got = load(tmp_path / "out").run(xs)[0]
    bad = np.flatnonzero(want.reshape(-1) != got.reshape(-1))
    assert bad.size == 0, f"{KIND} case={case}: {bad.size} pairs differ, first at {bad[:5]}"
