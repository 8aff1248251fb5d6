"""Train the bundled example: a tiny sine regressor, quantized to int8.

    python examples/sine/make_model.py      # rewrites sine_int8.tflite (needs TensorFlow)

The committed sine_int8.tflite is the output of this script, so that the main
job runs without TensorFlow. Data is generated, never downloaded.
"""

from pathlib import Path

import numpy as np


def main() -> None:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 2 * np.pi, size=(4000, 1)).astype(np.float32)
    y = (np.sin(x) + rng.normal(0, 0.05, size=x.shape)).astype(np.float32)
    k = tf.keras
    model = k.Sequential([k.Input((1,)), k.layers.Dense(16, activation="relu"),
                          k.layers.Dense(16, activation="relu"), k.layers.Dense(1)])
    model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=40, batch_size=64, verbose=0)

    def calib():
        for v in np.linspace(0, 2 * np.pi, 200, dtype=np.float32):
            yield [np.array([[v]], np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = calib
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    out = Path(__file__).with_name("sine_int8.tflite")
    out.write_bytes(conv.convert())
    np.save(Path(__file__).with_name("input.npy"), np.array([[np.pi / 2]], np.float32))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
