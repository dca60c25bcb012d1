"""TensorFlow/Keras backend: virtual-node training under tf.distribute.

The names below load TensorFlow on first use only (PEP 562), so ``import virtualflow.keras``
stays light until a name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "VirtualNodeModel",
    "configure_logical_devices",
    "get_training_state",
    "make_multi_worker_strategy",
    "make_strategy",
    "set_training_state",
]

_LOCATIONS = {
    "VirtualNodeModel": "virtualflow.keras.model",
    "configure_logical_devices": "virtualflow.keras.devices",
    "make_multi_worker_strategy": "virtualflow.keras.devices",
    "make_strategy": "virtualflow.keras.devices",
    "get_training_state": "virtualflow.keras.state",
    "set_training_state": "virtualflow.keras.state",
}


def __getattr__(name: str) -> Any:
    if name not in _LOCATIONS:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(_LOCATIONS[name]), name)
