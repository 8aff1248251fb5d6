"""Pruning for Keras 3 models (the TF Model Optimization Toolkit does not support Keras 3).

Unstructured (``prune_unstructured``): magnitude pruning with TFMOT's gradual
schedule. Sparsity rises from 0 to its final value along a cubic polynomial
over the first 70% of the fine-tuning steps, in 16 updates; each update
zeros the weights of smallest magnitude among those still alive (a pruned
weight stays pruned), and after every optimizer step the fixed masks zero
the weights again, so Adam's momentum cannot revive them. The last 30% of
the steps fine-tune at the final sparsity. The saved model is dense Keras
with exact zeros; TF's converter quantizes them to int8 0 (symmetric
weights), and ``tinyedge build`` stores such layers sparse.

Structured (``prune_structured``): the filters of each Conv2D and the units
of each Dense with the smallest L1 norm are removed, and the layers that
read them are rewired (their input channels sliced, through batch norm,
pooling, activations, depthwise convolutions and Flatten), so the saved
model is physically smaller in weights and MACs. The last such layer feeds
the model's output and keeps its width. Then the model is fine-tuned.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UsageError
from .finetune import compile_for, interruptible, keras_verbose, score

PRUNABLE = ("Dense", "Conv1D", "Conv2D", "DepthwiseConv2D")
# Layers whose output channels are their input channels (structured pruning passes through them).
CHANNELWISE = ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Dropout", "SpatialDropout2D",
               "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
               "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
               "ZeroPadding2D", "Cropping2D", "UpSampling2D", "BatchNormalization", "GaussianNoise")
SCHEDULE_END = 0.7  # share of the steps over which sparsity rises
SCHEDULE_UPDATES = 16
SCHEDULE_POWER = 3


# ------------------------------------------------------------------ layers


def _layers(model) -> list:
    import keras
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _kernel(layer):
    return layer.depthwise_kernel if type(layer).__name__ == "DepthwiseConv2D" else layer.kernel


def prunable_layers(model) -> list:
    """The layers whose kernels can be pruned, in model order."""
    return [layer for layer in _layers(model) if type(layer).__name__ in PRUNABLE]


def first_and_last_prunable(model) -> tuple[str, str]:
    names = [layer.name for layer in prunable_layers(model)]
    if not names:
        raise UsageError("the model has no Dense or Conv layers to prune")
    return names[0], names[-1]


def count_params_and_macs(model) -> tuple[int, int]:
    """(parameters, multiply-accumulates per sample) of Dense and Conv layers; params of all layers."""
    macs = 0
    for layer in prunable_layers(model):
        out = [int(d) for d in layer.output.shape[1:]]
        k = [int(d) for d in _kernel(layer).shape]
        per_output = k[0] * k[1] if type(layer).__name__ == "DepthwiseConv2D" else math.prod(k[:-1])
        macs += math.prod(out) * per_output
    return int(model.count_params()), int(macs)


def _check_names(model, names, what: str) -> None:
    known = [layer.name for layer in prunable_layers(model)]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"{what} names {unknown}, which the model has not among its prunable layers; "
                         f"choose from {known}")


def _check_data(model, x, y, validation):
    x = np.asarray(x, np.float32)
    want = tuple(int(d) for d in model.inputs[0].shape[1:])
    if len(x) == 0 or tuple(x.shape[1:]) != want:
        from .data import DataError
        raise DataError(f"samples have shape {list(x.shape[1:])}, the model takes {list(want)}; "
                        f"pass x of shape (n, {', '.join(map(str, want))})")
    if validation is not None:
        xv, yv = validation
        validation = (_check_data(model, xv, yv, None)[0], np.asarray(yv))
    return x, np.asarray(y), validation


# ------------------------------------------------------------------ unstructured


def polynomial_sparsity(step: int, end_step: int, final: float, initial: float = 0.0,
                        power: int = SCHEDULE_POWER) -> float:
    """TFMOT's PolynomialDecay: ``final + (initial - final) * (1 - step / end_step) ** power``."""
    t = 1.0 if end_step <= 0 else min(1.0, max(0.0, step / end_step))
    return final + (initial - final) * (1.0 - t) ** power


def magnitude_mask(w: np.ndarray, sparsity: float, alive: np.ndarray | None = None) -> np.ndarray:
    """A 0/1 float mask zeroing the round(sparsity * size) weights of smallest |w|;
    weights already dead (``alive`` 0) go first, so pruning only grows."""
    k = int(round(sparsity * w.size))
    order = np.abs(w).astype(np.float64).reshape(-1)
    if alive is not None:
        order = np.where(alive.reshape(-1) > 0, order, -1.0)
    mask = np.ones(w.size, np.float32)
    mask[np.argsort(order, kind="stable")[:k]] = 0.0
    return mask.reshape(w.shape)


def _pruning_callback(targets: dict, total_steps: int):
    """A Keras callback applying the gradual schedule and the fixed masks to ``targets`` (layer -> sparsity)."""
    import keras
    end = max(1, int(SCHEDULE_END * total_steps))
    every = max(1, end // SCHEDULE_UPDATES)

    class Pruner(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.step = 0
            self.masks = {layer: np.ones(_kernel(layer).shape, np.float32) for layer in targets}

        def update(self, at_final: bool = False):
            for layer, final in targets.items():
                s = final if at_final else polynomial_sparsity(self.step, end, final)
                w = np.asarray(_kernel(layer).numpy())
                self.masks[layer] = magnitude_mask(w, s, self.masks[layer])
            self.apply()

        def apply(self):
            for layer, m in self.masks.items():
                v = _kernel(layer)
                v.assign(np.asarray(v.numpy()) * m)

        def on_train_batch_begin(self, batch, logs=None):
            if self.step <= end and self.step % every == 0:
                self.update()

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            self.apply()

        def on_train_end(self, logs=None):
            self.update(at_final=True)  # exactly the final sparsity, whatever the step count

    return Pruner()


def prune_unstructured(model, x, y, sparsity: float, epochs: int = 4, overrides: dict | None = None,
                       exclude=(), validation=None, batch_size: int = 32, learning_rate: float = 1e-3,
                       seed: int = 0, verbose: int | None = None):
    """Magnitude-prune ``model``'s Dense and Conv kernels to ``sparsity`` while fine-tuning; return it.

    ``overrides``: layer name -> sparsity for that layer. ``exclude``: layer
    names left dense. ``epochs`` 0 prunes in one shot without fine-tuning.
    The model is changed in place (biases are not pruned).
    """
    overrides = dict(overrides or {})
    for name, s in {"--sparsity": sparsity, **overrides}.items():
        if not 0.0 <= float(s) < 1.0 or (name == "--sparsity" and not 0.0 < float(s)):
            raise UsageError(f"sparsity for {name} must be in (0, 1), not {s}; e.g. 0.8 zeros 80% of the weights")
    if int(epochs) < 0:
        raise UsageError(f"--epochs must be 0 (one shot) or more, not {epochs}")
    _check_names(model, list(overrides) + list(exclude), "--layer/--exclude")
    x, y, validation = _check_data(model, x, y, validation)
    targets = {layer: float(overrides.get(layer.name, sparsity)) for layer in prunable_layers(model)
               if layer.name not in exclude and overrides.get(layer.name, sparsity) > 0}
    import keras
    keras.utils.set_random_seed(int(seed))
    steps = int(epochs) * math.ceil(len(x) / batch_size)
    pruner = _pruning_callback(targets, steps)
    compile_for(model, y, learning_rate)
    if steps:
        with interruptible() as stop:
            model.fit(x, y, epochs=int(epochs), batch_size=batch_size, shuffle=True, callbacks=[pruner, stop],
                      validation_data=validation, verbose=keras_verbose(verbose))
    else:
        pruner.on_train_end()  # one shot
    return model


# ------------------------------------------------------------------ structured


def _chain(model) -> list:
    """The layers of a single-input, single-output chain model, or a clear error."""
    import keras
    layers = _layers(model)
    if isinstance(model, keras.Sequential):
        return layers
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UsageError("structured pruning takes single-input, single-output models; "
                         "use unstructured pruning (without --structured)")
    previous = model.inputs[0]
    for layer in layers:
        try:
            ok = layer.input is previous
        except (AttributeError, ValueError):
            ok = False
        if not ok:
            raise UsageError(f"structured pruning takes a chain of layers (Sequential-like); layer "
                             f"'{layer.name}' has other inputs (a branch or a residual); use unstructured pruning")
        previous = layer.output
    return layers


def _l1_keep(kernel: np.ndarray, fraction: float) -> np.ndarray:
    """Indices (sorted) of the output channels to keep: the largest L1 norms."""
    n = kernel.shape[-1]
    n_keep = max(1, n - int(round(fraction * n)))
    l1 = np.abs(kernel).reshape(-1, n).sum(axis=0)
    return np.sort(np.argsort(-l1, kind="stable")[:n_keep])


def _rewired(layers, fraction: float, exclude) -> list[tuple[dict, type, list]]:
    """(config, class, weights) for each layer after removing channels."""
    widths = [layer.name for layer in layers if type(layer).__name__ in ("Dense", "Conv1D", "Conv2D")]
    last = widths[-1] if widths else None  # feeds the model's output: keeps its width
    keep = None  # kept channels of the tensor flowing into the current layer; None: all
    out = []
    for layer in layers:
        cls, cfg, ws = type(layer), layer.get_config(), layer.get_weights()
        kind = cls.__name__
        if keep is not None:  # slice the input side
            if kind in ("Conv2D", "Conv1D"):
                if cfg.get("groups", 1) != 1:
                    raise UsageError(f"layer '{layer.name}' is a grouped convolution; exclude the layer before it")
                ws[0] = ws[0][..., keep, :]
            elif kind == "Dense":
                ws[0] = ws[0][keep, :]
            elif kind == "DepthwiseConv2D":
                mult = ws[0].shape[-1]
                ws[0] = ws[0][:, :, keep, :]
                if len(ws) > 1:
                    ws[1] = ws[1].reshape(-1, mult)[keep].reshape(-1)
                keep = (keep[:, None] * mult + np.arange(mult)).reshape(-1)
            elif kind == "BatchNormalization":
                ws = [w[keep] for w in ws]
            elif kind == "Flatten":
                positions = math.prod(int(d) for d in layer.input.shape[1:-1])
                channels = int(layer.input.shape[-1])
                keep = (np.arange(positions)[:, None] * channels + keep[None, :]).reshape(-1)
            elif kind not in CHANNELWISE:
                raise UsageError(f"structured pruning cannot rewire layer '{layer.name}' ({kind}); "
                                 f"exclude the layer before it or use unstructured pruning")
        if kind in ("Dense", "Conv1D", "Conv2D"):
            if layer.name != last and layer.name not in exclude and cfg.get("groups", 1) == 1:
                keep = _l1_keep(ws[0], fraction)
                ws[0] = ws[0][..., keep]
                if len(ws) > 1:
                    ws[1] = ws[1][keep]
                cfg["units" if kind == "Dense" else "filters"] = int(len(keep))
            else:
                keep = None
        out.append((cfg, cls, ws))
    return out


def prune_structured(model, x, y, fraction: float = 0.5, epochs: int = 4, exclude=(), validation=None,
                     batch_size: int = 32, learning_rate: float = 1e-3, seed: int = 0,
                     verbose: int | None = None):
    """A new, physically smaller model: ``fraction`` of every Conv2D's filters and Dense's
    units removed by L1 norm (except ``exclude`` and the output layer), then fine-tuned."""
    import keras
    if not 0.0 < float(fraction) < 1.0:
        raise UsageError(f"--sparsity (the share of filters removed) must be in (0, 1), not {fraction}")
    if int(epochs) < 0:
        raise UsageError(f"--epochs must be 0 (no fine-tuning) or more, not {epochs}")
    _check_names(model, list(exclude), "--exclude")
    x, y, validation = _check_data(model, x, y, validation)
    layers = _chain(model)
    plan = _rewired(layers, float(fraction), set(exclude))
    new_layers = [cls.from_config(cfg) for cfg, cls, _ in plan]
    pruned = keras.Sequential([keras.Input(tuple(model.inputs[0].shape[1:])), *new_layers], name=model.name)
    for layer, (_, _, ws) in zip(new_layers, plan):
        layer.set_weights(ws)
    keras.utils.set_random_seed(int(seed))
    compile_for(pruned, y, learning_rate)
    if int(epochs):
        with interruptible() as stop:
            pruned.fit(x, y, epochs=int(epochs), batch_size=batch_size, shuffle=True, callbacks=[stop],
                       validation_data=validation, verbose=keras_verbose(verbose))
    return pruned


__all__ = ["prune_unstructured", "prune_structured", "count_params_and_macs", "first_and_last_prunable",
           "prunable_layers", "polynomial_sparsity", "magnitude_mask", "score"]
