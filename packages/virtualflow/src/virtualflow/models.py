"""Small Keras models for the examples: a multilayer perceptron and a convolutional network.

Every layer has a fixed name, so variable paths (the keys of saved weights) are the same in
every process and for every rebuild of the model inside one process.
"""

from __future__ import annotations

from typing import Any

from virtualflow.errors import VirtualFlowError

__all__ = ["MODELS", "build_model"]

MODELS = ("mlp", "cnn")


def _mlp(keras: Any, input_shape: tuple[int, ...], classes: int, seed: int) -> Any:
    init = keras.initializers
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(64, kernel_initializer=init.GlorotUniform(seed), name="dense1"),
            keras.layers.BatchNormalization(name="bn1"),
            keras.layers.ReLU(name="relu1"),
            keras.layers.Dropout(0.2, seed=seed, name="dropout1"),
            keras.layers.Dense(
                classes, kernel_initializer=init.GlorotUniform(seed + 1), name="logits"
            ),
        ],
        name="mlp",
    )


def _cnn(keras: Any, input_shape: tuple[int, ...], classes: int, seed: int) -> Any:
    init = keras.initializers
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(
                16, 3, padding="same", kernel_initializer=init.GlorotUniform(seed), name="conv1"
            ),
            keras.layers.BatchNormalization(name="bn1"),
            keras.layers.ReLU(name="relu1"),
            keras.layers.Conv2D(
                32, 3, padding="same", kernel_initializer=init.GlorotUniform(seed + 1), name="conv2"
            ),
            keras.layers.BatchNormalization(name="bn2"),
            keras.layers.ReLU(name="relu2"),
            keras.layers.GlobalAveragePooling2D(name="pool"),
            keras.layers.Dropout(0.2, seed=seed, name="dropout1"),
            keras.layers.Dense(
                classes, kernel_initializer=init.GlorotUniform(seed + 2), name="logits"
            ),
        ],
        name="cnn",
    )


def build_model(name: str, input_shape: tuple[int, ...], classes: int = 10, seed: int = 0) -> Any:
    """Build an uncompiled Keras model whose initial weights depend only on ``seed``.

    Args:
        name: ``"mlp"`` (dense 64, batch norm, dropout) or ``"cnn"`` (two 3x3 convolutions
            with batch norm, global average pooling, dropout).
        input_shape: Shape of one example, e.g. ``(8, 8, 1)``.
        classes: Number of output logits.
        seed: Seed of the weight initialisers and of the dropout layer.

    Raises:
        VirtualFlowError: Unknown model name.
    """
    import keras

    builders = {"mlp": _mlp, "cnn": _cnn}
    if name not in builders:
        msg = f"unknown model {name!r}; choose one of {', '.join(MODELS)}"
        raise VirtualFlowError(msg)
    return builders[name](keras, tuple(input_shape), classes, seed)
