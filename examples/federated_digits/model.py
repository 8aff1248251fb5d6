"""The model the federated digits example trains: a small CNN for scikit-learn's 8x8 digits (logits out)."""

INPUT_SHAPE = (8, 8, 1)
N_CLASSES = 10


def make_model():
    """13,706 parameters: two convolutions, a pooling, two dense layers (the digits pipeline's student)."""
    import keras
    return keras.Sequential([
        keras.Input(INPUT_SHAPE),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same", name="conv1"),
        keras.layers.MaxPooling2D(name="pool"),
        keras.layers.Conv2D(32, 3, activation="relu", name="conv2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(64, activation="relu", name="fc1"),
        keras.layers.Dense(N_CLASSES, name="logits"),
    ], name="digits_fl")
