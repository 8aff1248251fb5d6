"""What the elementwise binary op tests share (test_add, test_sub, test_mul,
test_maximum_minimum): one-op Keras models with random broadcast shapes and
constant operands, bit-exact with TFLM, and the every-int8-pair check."""

import numpy as np

from support import assert_bitexact, tf, to_int8_tflite

SEEDS = range(30)

# kind: (keras.layers class, keras.ops function for a constant operand, fused activation).
# A kind's position salts its random stream (other shapes per kind): never reorder.
KERAS = {
    "ADD": ("Add", "add", True),
    "SUB": ("Subtract", "subtract", True),
    "MUL": ("Multiply", "multiply", True),
    "MAXIMUM": ("Maximum", "maximum", False),
    "MINIMUM": ("Minimum", "minimum", False),
}


def random_shapes(rng):
    """Two broadcast-compatible batch-free operand shapes, and how they were made."""
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
    return tuple(s1), tuple(s2), variant


def random_binary(seed: int, kind: str):
    """A one-op model: two Inputs, or one Input and a constant (either side)."""
    layer_name, fn_name, fused = KERAS[kind]
    rng = np.random.default_rng([seed, list(KERAS).index(kind)])
    k = tf().keras
    s1, s2, variant = random_shapes(rng)
    const_side = int(rng.choice([0, 0, 1, 2]))  # 0: two inputs; 1/2: that operand is a constant
    act = str(rng.choice(["none", "relu", "relu6"])) if fused else "none"
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

    op = getattr(k.ops, fn_name)
    if const_side == 0:
        a = k.Input(s1, batch_size=1, name="a")
        b = k.Input(s2, batch_size=1, name="b")
        inputs = [a, b]
        y = getattr(k.layers, layer_name)()([a, b])
    else:
        x = k.Input(s2 if const_side == 1 else s1, batch_size=1, name="a")
        inputs = [x]
        y = k.layers.Lambda(lambda t: op(const, t) if const_side == 1 else op(t, const))(x)
    if act == "relu":
        y = k.layers.ReLU()(y)
    elif act == "relu6":
        y = k.layers.ReLU(max_value=6.0)(y)
    model = k.Model(inputs, y)
    var = [i for i in (0, 1) if i + 1 != const_side]
    calib = [{inp.name: (rng.normal(size=(1, *inp.shape[1:])) * scales[v] + shifts[v]).astype(np.float32)
              for inp, v in zip(model.inputs, var)} for _ in range(24)]
    return model, cfg, rng, calib


def check_random_model(kind: str, seed: int, tmp_path) -> set[str]:
    """random_binary(seed, kind), converted: tinyedge runs a `kind` op, bit-exact with TFLM.
    Returns the kernels the `kind` ops were built with."""
    model, cfg, rng, calib = random_binary(seed, kind)
    print(f"seed={seed} {cfg}")
    tfl = to_int8_tflite(model, rng, calib=calib)
    manifest = assert_bitexact(tfl, tmp_path, seed, label=kind)
    assert any(op["kind"] == kind for op in manifest["ops"]), [op["kind"] for op in manifest["ops"]]
    return {op["kernel"] for op in manifest["ops"] if op["kind"] == kind}


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


def check_every_pair(kind: str, case: int, quant: tuple[list, list], tmp_path,
                     kernels: tuple[str, ...] = ("auto",)) -> list[str]:
    """Every (x, y) int8 pair through one `kind` op, equal with TFLM, built with each kernel
    set of `kernels`; returns the kernel each build ran the op with.

    quant: the scales and zero points (input 1, input 2, output) that overwrite
    the converted model's. The test files pick them where computing the
    constants in float32 instead of double (or the reverse) changes at least
    one output over all 65536 input pairs (found by search with a numpy model
    of the kernel).
    """
    import tinyedge
    from tflite_micro.python.tflite_micro import runtime
    from tinyedge.frontend.tflite import read_tflite
    from tinyedge.targets.host import load

    k = tf().keras
    rng = np.random.default_rng(case)
    n = 65536  # every (x, y) int8 pair once
    a, b = k.Input((n,), batch_size=1, name="a"), k.Input((n,), batch_size=1, name="b")
    model = k.Model([a, b], getattr(k.layers, KERAS[kind][0])()([a, b]))
    calib = [{"a": rng.normal(size=(1, n)).astype(np.float32),
              "b": rng.normal(size=(1, n)).astype(np.float32)} for _ in range(4)]
    tfl = to_int8_tflite(model, rng, calib=calib)
    g = read_tflite(tfl)
    op = next(op for op in g.ops if op.kind == kind)
    scales, zps = quant
    print(f"case={case} scales={scales} zero_points={zps}")
    quants = {t: (s, z) for t, s, z in zip([*op.inputs, op.outputs[0]], scales, zps)}
    for r in g.ops:  # the converter may put a RESHAPE in front: it keeps the quantization
        if r.kind == "RESHAPE" and r.outputs[0] in quants:
            quants[r.inputs[0]] = quants[r.outputs[0]]
    tfl = patch_quant(tfl, quants)
    (tmp_path / "m.tflite").write_bytes(tfl)
    values = np.arange(-128, 128, dtype=np.int8)
    xs = [np.repeat(values, 256).reshape(1, n), np.tile(values, 256).reshape(1, n)]
    ref = runtime.Interpreter.from_bytes(tfl, arena_size=1 << 20)  # the default is too small here
    for i, x in enumerate(xs):
        ref.set_input(x, i)
    ref.invoke()
    want = np.array(ref.get_output(0))
    used = []
    for kset in kernels:
        out = tmp_path / f"out-{kset}"
        tinyedge.compile(tmp_path / "m.tflite", out, name="m", kernels=kset)
        hm = load(out)
        used += [op["kernel"] for op in hm.manifest["ops"] if op["kind"] == kind]
        got = hm.run(xs)[0]
        bad = np.flatnonzero(want.reshape(-1) != got.reshape(-1))
        assert bad.size == 0, f"{kind} case={case} kernels={kset}: {bad.size} pairs differ, first at {bad[:5]}"
    return used
