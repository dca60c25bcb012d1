"""Full training state of a :class:`~virtualflow.keras.VirtualNodeModel` as numpy arrays.

The state contains every model variable (weights and batch-norm moving statistics) and every
optimizer variable (iteration count, learning rate, slots such as momentum). The iteration
count is the step, which also fixes the data position and the random seeds of the next step,
so restoring the state into a model built under another strategy continues the same run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from virtualflow.errors import VirtualFlowError

__all__ = ["get_training_state", "model_weights", "set_training_state"]


def model_weights(model: Any) -> dict[str, np.ndarray]:
    """Return every weight of a model, seed-generator states excluded, keyed by path.

    Args:
        model: A ``VirtualNodeModel`` (its wrapped model is read) or a plain Keras model.
    """
    keras_model = getattr(model, "inner", model)
    return {variable.path: np.asarray(variable.numpy()) for variable in keras_model.weights}


def get_training_state(model: Any) -> dict[str, np.ndarray]:
    """Return the model and optimizer variables as arrays.

    Keys are ``model/<variable path>`` and ``optimizer/<index>/<variable name>``: optimizer
    variable paths carry an instance counter that changes when the optimizer is rebuilt.

    The model must be compiled, and its optimizer built (after at least one step or a call to
    ``optimizer.build``).
    """
    state = {f"model/{path}": value for path, value in model_weights(model).items()}
    for index, variable in enumerate(model.optimizer.variables):
        state[f"optimizer/{index:04d}/{variable.name}"] = np.asarray(variable.numpy())
    return state


def set_training_state(model: Any, state: dict[str, np.ndarray]) -> None:
    """Load a state from :func:`get_training_state` into a compiled model of the same shape.

    Call it inside the scope of the model's strategy; the optimizer is built if needed.

    Raises:
        VirtualFlowError: A variable is missing from the state or has another shape.
    """
    if not model.optimizer.built:
        model.optimizer.build(model.inner.trainable_variables)
    targets = {f"model/{variable.path}": variable for variable in model.inner.weights}
    optimizer_keys = sorted(key for key in state if key.startswith("optimizer/"))
    optimizer_variables = model.optimizer.variables
    if len(optimizer_keys) != len(optimizer_variables):
        msg = (
            f"the state has {len(optimizer_keys)} optimizer variables but the optimizer has "
            f"{len(optimizer_variables)}; restore into a model compiled with the same optimizer"
        )
        raise VirtualFlowError(msg)
    targets.update(zip(optimizer_keys, optimizer_variables, strict=True))
    for key, variable in targets.items():
        if key not in state:
            msg = f"the training state has no value for {key!r}"
            raise VirtualFlowError(msg)
        value = state[key]
        if tuple(value.shape) != tuple(variable.shape):
            msg = f"{key!r} has shape {value.shape} in the state but {variable.shape} in the model"
            raise VirtualFlowError(msg)
        variable.assign(value)
